"""The shipped sample inbox: synthetic 837 files built around the field scenarios.

`scrub837 samples DIR` writes them; samples/inbox in the repository holds the same files so the
demo needs no generator step. Every patient, provider and ID is invented; drug codes, NDCs and
billing units are real rows of the CMS Oct 2025 ASP files.
"""

from __future__ import annotations

from pathlib import Path

from edi.compose import Claim, Line, compose_837

BEVACIZUMAB_NDC = "50242006001"  # J9035, 100 mg / 4 mL, 10 billing units per vial
INFLIXIMAB_NDC = "57894003001"  # J1745, 100 mg vial, 10 billing units
CEFTRIAXONE_NDC = "00143985725"  # J0696 1 g vial, 4 billing units
ONDANSETRON_NDC = "00409475901"  # J2405 40 mg / 20 mL multi-dose vial
RITUXIMAB_NDC = "50242005121"  # J9312, 100 mg / 10 mL vial


def _office_oncology() -> str:
    colon = ("C189",)
    crohns = ("K5090",)
    claims = [
        Claim(
            "ONC-1001",
            [
                Line("J9035", 1600.0, 16, ndc=BEVACIZUMAB_NDC, ndc_quantity=6.24, ndc_unit="ML"),
                Line("J9035", 400.0, 4, ("JW",), ndc=BEVACIZUMAB_NDC, ndc_quantity=1.76, ndc_unit="ML"),
                Line("96413", 280.0, 1),
                Line("96415", 60.0, 1),
            ],
            diagnoses=colon,
        ),
        Claim(
            "ONC-1002",
            [
                Line("J9035", 1600.0, 16, ndc=BEVACIZUMAB_NDC, ndc_quantity=6.24, ndc_unit="ML"),
                Line("J9035", 500.0, 5, ("JW",), ndc=BEVACIZUMAB_NDC, ndc_quantity=1.76, ndc_unit="ML"),
                Line("96413", 280.0, 1),
            ],
            diagnoses=colon,
        ),
        Claim(
            "ONC-1003",
            [
                Line("J1745", 2400.0, 40, ("JZ",), ndc=INFLIXIMAB_NDC, ndc_quantity=4, ndc_unit="UN"),
                Line("96365", 180.0, 1),
                Line("96366", 45.0, 1),
            ],
            diagnoses=crohns,
        ),
        Claim(
            "ONC-1004",
            [
                Line("J1745", 2400.0, 40, ndc=INFLIXIMAB_NDC, ndc_quantity=4, ndc_unit="UN"),
                Line("96365", 180.0, 1),
            ],
            diagnoses=crohns,
        ),
        Claim(
            "ONC-1005",
            [
                Line("J0696", 12.0, 2, ("JZ",), ndc=CEFTRIAXONE_NDC, ndc_quantity=2, ndc_unit="UN"),
                Line("96372", 25.0, 1),
            ],
            diagnoses=("J189",),
        ),
        Claim(
            "ONC-1006",
            [Line("J2405", 8.0, 8, ndc=ONDANSETRON_NDC, ndc_quantity=8, ndc_unit="ME")],
            diagnoses=("R112",),
        ),
        Claim(
            "ONC-1007",
            [
                Line("J9035", 1600.0, 16, ("JZ",), ndc=INFLIXIMAB_NDC, ndc_quantity=2, ndc_unit="UN"),
                Line("96413", 280.0, 1),
            ],
            diagnoses=colon,
        ),
        Claim(
            "ONC-1008",
            [
                # the practice system writes this NDC in its 10-digit 5-3-2 label form: a safe fix
                Line("J9312", 980.0, 10, ("JZ",), ndc="50242-051-21", ndc_quantity=100, ndc_unit="ME"),
                Line("96413", 280.0, 1),
                Line("96415", 60.0, 1),
            ],
            diagnoses=("M069",),
        ),
    ]
    return compose_837(claims, "837P", control=101)


def _hospital_outpatient() -> str:
    claims = [
        Claim(
            "HOP-2001",
            [
                Line("J2405", 8.0, 8, ndc=ONDANSETRON_NDC, ndc_quantity=8, ndc_unit="ME"),
                Line("96374", 150.0, 1, revenue_code="0260"),
            ],
            filing_indicator="MA",
            diagnoses=("R112",),
        ),
        Claim(
            "HOP-2002",
            [
                Line("J9312", 980.0, 10, ndc=RITUXIMAB_NDC, ndc_quantity=100, ndc_unit="ME"),
                Line("96413", 420.0, 1, revenue_code="0335"),
            ],
            filing_indicator="MA",
            diagnoses=("C8330",),
        ),
        Claim(
            "HOP-2003",
            [
                Line("J9312", 980.0, 10, ("JZ",), ndc=RITUXIMAB_NDC, ndc_quantity=100, ndc_unit="ME"),
                Line("96413", 420.0, 1, revenue_code="0335"),
            ],
            filing_indicator="MA",
            diagnoses=("C8330",),
        ),
    ]
    return compose_837(claims, "837I", control=201)


def _medicaid_b12() -> str:
    claims = [
        Claim(
            "MCD-3001",
            [
                Line("J3420", 9.0, 1, ndc="005-170-03125", ndc_quantity=1, ndc_unit="ML"),
                Line("96372", 25.0, 1),
            ],
            filing_indicator="MC",
            diagnoses=("D519",),
        ),
        Claim(
            "MCD-3002",
            [Line("J3420", 9.0, 1), Line("96372", 25.0, 1)],
            filing_indicator="MC",
            diagnoses=("D519",),
        ),
    ]
    return compose_837(claims, "837P", control=301, segment_end="~")


def sample_files() -> dict[str, str]:
    damaged = _office_oncology()
    return {
        "office_oncology_837p.x12": _office_oncology(),
        "hospital_outpatient_837i.x12": _hospital_outpatient(),
        "medicaid_b12_837p.x12": _medicaid_b12(),
        # The same batch cut off mid-transfer: no GE/IEA, so it is quarantined whole.
        "truncated_upload_837p.x12": damaged[: damaged.index("GE*1*")],
        "README-from-practice.txt": "Please find this week's claims attached.\n",
    }


def write_samples(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in sample_files().items():
        path = folder / name
        path.write_text(text, encoding="ascii")
        written.append(path)
    return written
