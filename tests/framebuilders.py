"""Tiny builders for rule tests: parsed frames and a hand-made Reference.

`line(**overrides)` / `claim(**overrides)` return one row with sensible defaults (837P, Medicare
Part B "MB", office place of service 11, date of service 2025-11-05); `frames(claims, lines)`
builds the Frames a rule runs on. `reference(**tables)` builds a Reference from rows copied
from the real CMS files in ../shared/refdata (Oct 2025 ASP pricing and NDC-HCPCS crosswalk,
HCPCS Level II Oct 2025, OPPS Addendum B Jan 2026); the dosage columns are the descriptor
read by hand.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from edi.schema import CLAIM_SCHEMA, ENVELOPE_SCHEMA, LINE_SCHEMA
from reference_data.model import (
    ADMIN_CODES_SCHEMA,
    ASP_PRICING_SCHEMA,
    DRUG_COVERAGE_SCHEMA,
    HCPCS_SCHEMA,
    MUE_SCHEMA,
    MULTI_DOSE_SCHEMA,
    NDC_CROSSWALK_SCHEMA,
    OPPS_STATUS_SCHEMA,
    PAYER_PROFILE_SCHEMA,
    Reference,
)
from transforms.framework import Frames

DOS = date(2025, 11, 5)
SOURCE = {
    "source_file": "test.837",
    "interchange_control": "000000001",
    "group_control": "1",
    "transaction_control": "0001",
}


def claim(**overrides: Any) -> dict[str, Any]:
    """One CLM row. Pass claim_type="837I" with bill_type="131" for a hospital outpatient claim."""
    idx = overrides.get("claim_index", 0)
    row: dict[str, Any] = {
        **SOURCE,
        "claim_index": idx,
        "claim_id": f"CLM{idx + 1}",
        "claim_type": "837P",
        "clm_position": 20 + 100 * idx,
        "end_position": 119 + 100 * idx,
        "billing_hl": "1",
        "subscriber_hl": str(idx + 2),
        "patient_hl": None,
        "payer_filing_indicator": "MB",
        "payer_id": "00000",
        "total_charge": 100.0,
        "facility_code": "11",
        "frequency_code": "1",
        "bill_type": None,
        "claim_service_date": DOS,
        "claim_service_date_end": DOS,
        "prior_auth": None,
        "diagnoses": ["M069"],  # rheumatoid arthritis, unspecified (the seed's example)
        "hi_position": 22 + 100 * idx,
    }
    row.update(overrides)
    if "diagnosis_qualifiers" not in overrides:
        row["diagnosis_qualifiers"] = ["ABK"] + ["ABF"] * (len(row["diagnoses"] or []) - 1)
    if row["claim_type"] == "837I" and "facility_code" not in overrides and row["bill_type"]:
        row["facility_code"] = row["bill_type"][:2]
    return row


def line(**overrides: Any) -> dict[str, Any]:
    """One LX row. Segment positions follow from claim_index and line_number.

    An NDC given without ndc_qualifier gets N4; a line without NDC has no LIN/CTP.
    """
    idx = overrides.get("claim_index", 0)
    n = overrides.get("line_number", 1)
    lx = 30 + 100 * idx + 10 * n
    has_ndc = overrides.get("ndc") is not None
    row: dict[str, Any] = {
        **SOURCE,
        "claim_index": idx,
        "claim_id": f"CLM{idx + 1}",
        "claim_type": "837P",
        "line_number": n,
        "lx_position": lx,
        "sv_position": lx + 1,
        "end_position": lx + 4 if has_ndc else lx + 2,
        "revenue_code": None,
        "procedure_qualifier": "HC",
        "procedure_code": "J1745",
        "modifier_1": None,
        "modifier_2": None,
        "modifier_3": None,
        "modifier_4": None,
        "description": None,
        "note": None,
        "charge": 100.0,
        "unit_basis": "UN",
        "units": 1.0,
        "service_date": DOS,
        "service_date_end": None,  # the service date, unless given
        "diagnosis_pointers": [1],
        "ndc_qualifier": "N4" if has_ndc else None,
        "ndc": None,
        "ndc_quantity": None,
        "ndc_unit": None,
        "lin_position": lx + 3 if has_ndc else None,
        "ctp_position": lx + 4 if has_ndc else None,
        "line_prior_auth": None,
    }
    row.update(overrides)
    if row["service_date_end"] is None:
        row["service_date_end"] = row["service_date"]
    return row


def frames(claims: list[dict[str, Any]], lines: list[dict[str, Any]]) -> Frames:
    return Frames(
        envelopes=pl.DataFrame(schema=ENVELOPE_SCHEMA),
        claims=pl.DataFrame(claims, schema=CLAIM_SCHEMA),
        lines=pl.DataFrame(lines, schema=LINE_SCHEMA),
    )


def one_claim(*lines: dict[str, Any], **claim_overrides: Any) -> Frames:
    """A single claim (claim_index 0) with these lines; the lines inherit claim_type."""
    c = claim(**claim_overrides)
    return frames([c], [{**ln, "claim_type": c["claim_type"]} for ln in lines])


# --- reference rows copied from the CMS files --------------------------------------------------
Q4_START, Q4_END = date(2025, 10, 1), date(2025, 12, 31)


def _d(s: str | None) -> date | None:
    return None if s is None else date(int(s[:4]), int(s[4:6]), int(s[6:]))


# hcpcs_2025oct_J_Q_C9_A9_codes.csv: hcpcs, long_description, short_description, add_date,
# action_eff_date, term_date; descriptor read from the long description.
_HCPCS = [
    (
        "J0585",
        "Injection, onabotulinumtoxina, 1 unit",
        "Injection,onabotulinumtoxina",
        "19910101",
        "20100101",
        None,
        "1 UNIT",
        1.0,
        "UNITS",
    ),
    (
        "J0696",
        "Injection, ceftriaxone sodium, per 250 mg",
        "Ceftriaxone sodium injection",
        "19900101",
        "19970101",
        None,
        "250 MG",
        250.0,
        "MG",
    ),
    (
        "J1010",
        "Injection, methylprednisolone acetate, 1 mg",
        "Inj, methylpred acetate 1 mg",
        "20240401",
        "20250101",
        None,
        "1 MG",
        1.0,
        "MG",
    ),
    (
        "J1030",
        "Injection, methylprednisolone acetate, 40 mg",
        "Methylprednisolone 40 mg inj",
        "19820101",
        "20240401",
        "20240331",
        "40 MG",
        40.0,
        "MG",
    ),
    (
        "J1100",
        "Injection, dexamethasone sodium phosphate, 1 mg",
        "Dexamethasone sodium phos",
        "19820101",
        "20010101",
        None,
        "1 MG",
        1.0,
        "MG",
    ),
    (
        "J1644",
        "Injection, heparin sodium, per 1000 units",
        "Inj heparin sodium per 1000u",
        "19950101",
        "20030101",
        None,
        "1000 UNITS",
        1000.0,
        "UNITS",
    ),
    (
        "J1745",
        "Injection, infliximab, excludes biosimilar, 10 mg",
        "Infliximab not biosimil 10mg",
        "20000101",
        "20170101",
        None,
        "10 MG",
        10.0,
        "MG",
    ),
    (
        "J2405",
        "Injection, ondansetron hydrochloride, per 1 mg",
        "Ondansetron hcl injection",
        "19930101",
        "19970101",
        None,
        "1 MG",
        1.0,
        "MG",
    ),
    (
        "J3420",
        "Injection, vitamin b-12 cyanocobalamin, up to 1000 mcg",
        "Vitamin b12 injection",
        "19860101",
        "19970101",
        None,
        "1000 MCG",
        1000.0,
        "MCG",
    ),
    (
        "J3490",
        "Unclassified drugs",
        "Drugs unclassified injection",
        "19860101",
        "19970101",
        None,
        None,
        None,
        None,
    ),
    (
        "J7050",
        "Infusion, normal saline solution, 250 cc",
        "Normal saline solution infus",
        "19820101",
        "19970101",
        None,
        "250 CC",
        250.0,
        "ML",
    ),
    (
        "J9035",
        "Injection, bevacizumab, 10 mg",
        "Bevacizumab injection",
        "20050101",
        "20050101",
        None,
        "10 MG",
        10.0,
        "MG",
    ),
    (
        "J9045",
        "Injection, carboplatin, 50 mg",
        "Carboplatin injection",
        "19900101",
        "20090101",
        None,
        "50 MG",
        50.0,
        "MG",
    ),
    (
        "J9312",
        "Injection, rituximab, 10 mg",
        "Inj., rituximab, 10 mg",
        "20190101",
        "20190101",
        None,
        "10 MG",
        10.0,
        "MG",
    ),
]
HCPCS_ROWS = [
    {
        "hcpcs": code,
        "short_description": short,
        "long_description": long,
        "dosage_descriptor": desc,
        "dosage_amount": amount,
        "dosage_unit": unit,
        "add_date": _d(add),
        "effective_date": _d(eff),
        "termination_date": _d(term),
        "action_code": "N",
    }
    for code, long, short, add, eff, term, desc, amount, unit in _HCPCS
]

# asp_pricing.csv (Oct 2025): HCPCS Code, HCPCS Code Dosage, Payment Limit.
_ASP = [
    ("J0585", "1 UNIT", 1.0, "UNITS", 6.497),
    ("J0696", "250 MG", 250.0, "MG", 0.430),
    ("J1010", "1 MG", 1.0, "MG", 0.119),
    ("J1100", "1 MG", 1.0, "MG", 0.094),
    ("J1644", "1000 UNITS", 1000.0, "UNITS", 0.207),
    ("J1745", "10 MG", 10.0, "MG", 31.090),
    ("J2405", "1 MG", 1.0, "MG", 0.091),
    ("J3420", "1000 MCG", 1000.0, "MCG", 1.005),
    ("J7050", "250 CC", 250.0, "ML", 0.649),
    ("J7613", "1 MG", 1.0, "MG", 0.077),
    ("J8522", "50 MG", 50.0, "MG", 0.037),
    ("J9035", "10 MG", 10.0, "MG", 73.201),
    ("J9045", "50 MG", 50.0, "MG", 2.471),
    ("J9312", "10 MG", 10.0, "MG", 75.220),
]
ASP_ROWS = [
    {
        "hcpcs": code,
        "quarter": "2025Q4",
        "effective_start": Q4_START,
        "effective_end": Q4_END,
        "dosage_descriptor": desc,
        "dosage_amount": amount,
        "dosage_unit": unit,
        "payment_limit": limit,
    }
    for code, desc, amount, unit, limit in _ASP
]

# asp_crosswalk.csv (Oct 2025): _2025_CODE, LABELER NAME, NDC2, Drug Name, HCPCS dosage, PKG SIZE,
# PKG QTY, BILLUNITS, BILLUNITSPKG.
_XW = [
    ("J0585", "Allergan, Inc.", "00023-1145-01", "Botox", "1 UNIT", 1, 1, 100, 100),
    ("J0696", "Hikma Pharmaceuticals USA Inc.", "00143-9857-25", "Ceftriaxone", "250 MG", 1, 25, 4, 100),
    ("J1745", "Janssen Biotech, Inc.", "57894-0030-01", "Remicade", "10 MG", 1, 1, 10, 10),
    ("J2405", "Pfizer Inc", "00409-4759-01", "Ondansetron HCl", "1 MG", 20, 1, 40, 40),
    ("J3420", "American Regent, Inc.", "00517-0031-25", "Cyanocobalamin", "1000 MCG", 1, 25, 1, 25),
    ("J9035", "Genentech, Inc.", "50242-0060-01", "Avastin", "10 MG", 4, 1, 10, 10),
    ("J9045", "Teva Parenteral Medicines, Inc.", "00703-4246-01", "Carboplatin", "50 MG", 15, 1, 3, 3),
    ("J9312", "Genentech, Inc.", "50242-0051-21", "Rituxan", "10 MG", 10, 1, 10, 10),
]
CROSSWALK_ROWS = [
    {
        "ndc11": ndc.replace("-", ""),
        "hcpcs": code,
        "labeler": labeler,
        "drug_name": name,
        "hcpcs_dosage": dosage,
        "pkg_size": float(size),
        "pkg_qty": float(qty),
        "bill_units_per_item": float(bu),
        "bill_units_per_ndc": float(bupkg),
        "quarter": "2025Q4",
    }
    for code, labeler, ndc, name, dosage, size, qty, bu, bupkg in _XW
]

# opps_addendum_b_jan2026_Jcodes_si_apc_rate.csv: hcpcs_code, status_indicator, apc, payment_rate_usd.
_OPPS = [
    ("J0585", "K", "0902", 6.510),
    ("J0696", "N", None, None),
    ("J1100", "N", None, None),
    ("J1644", "N", None, None),
    ("J1745", "K", "7043", 32.423),
    ("J2405", "N", None, None),
    ("J3420", "N", None, None),
    ("J3490", "N", None, None),
    ("J7050", "N", None, None),
    ("J9035", "K", "9214", 73.632),
    ("J9045", "N", None, None),
    ("J9312", "K", "9186", 74.765),
]
OPPS_ROWS = [
    {"hcpcs": c, "status_indicator": si, "apc": apc, "payment_rate": rate, "version": "2026Q1"}
    for c, si, apc, rate in _OPPS
]

# Administration codes and add-on relations (codes only; no CPT descriptors).
_ADMIN = [
    ("96360", "primary", "hydration", []),
    (
        "96361",
        "add_on",
        "hydration",
        ["96360", "96365", "96366", "96367", "96368", "96374", "96409", "96413"],
    ),
    ("96365", "primary", "infusion", []),
    ("96366", "add_on", "infusion", ["96365", "96367"]),
    ("96367", "add_on", "infusion", ["96365", "96374", "96409", "96413"]),
    ("96372", "primary", "injection", []),
    ("96374", "primary", "push", []),
    ("96375", "add_on", "push", ["96365", "96374", "96409", "96413"]),
    ("96409", "primary", "chemotherapy", []),
    ("96413", "primary", "chemotherapy", []),
    ("96415", "add_on", "chemotherapy", ["96413"]),
    ("96417", "add_on", "chemotherapy", ["96413"]),
]
ADMIN_ROWS = [{"code": c, "kind": k, "family": f, "allowed_primaries": p} for c, k, f, p in _ADMIN]

PAYER_ROWS = [
    {
        "filing_indicator": "MB",
        "profile": "medicare_part_b",
        "jw_jz_required": True,
        "ndc_required": False,
        "prior_auth_codes": [],
        "prior_auth_cost_threshold": None,
        "mue_applies": True,
    },
    {
        "filing_indicator": "MA",
        "profile": "medicare_part_a",
        "jw_jz_required": True,
        "ndc_required": False,
        "prior_auth_codes": [],
        "prior_auth_cost_threshold": None,
        "mue_applies": True,
    },
    {
        "filing_indicator": "MC",
        "profile": "medicaid",
        "jw_jz_required": False,
        "ndc_required": True,
        "prior_auth_codes": [],
        "prior_auth_cost_threshold": None,
        "mue_applies": False,
    },
    {
        "filing_indicator": "CI",
        "profile": "commercial",
        "jw_jz_required": False,
        "ndc_required": False,
        "prior_auth_codes": [],
        "prior_auth_cost_threshold": None,
        "mue_applies": False,
    },
]

_TABLES = {
    "hcpcs": (HCPCS_SCHEMA, HCPCS_ROWS),
    "asp_pricing": (ASP_PRICING_SCHEMA, ASP_ROWS),
    "ndc_crosswalk": (NDC_CROSSWALK_SCHEMA, CROSSWALK_ROWS),
    "mue": (MUE_SCHEMA, []),
    "opps_status": (OPPS_STATUS_SCHEMA, OPPS_ROWS),
    "admin_codes": (ADMIN_CODES_SCHEMA, ADMIN_ROWS),
    "payer_profiles": (PAYER_PROFILE_SCHEMA, PAYER_ROWS),
    "multi_dose": (MULTI_DOSE_SCHEMA, []),
    "drug_coverage": (DRUG_COVERAGE_SCHEMA, []),
}


def reference(*, quarters: dict[str, str] | None = None, **tables: list[dict[str, Any]]) -> Reference:
    """A Reference from the rows above; pass a table name with a list of rows to replace it.

    `quarters` is the version's per-source quarter map, e.g. {"hcpcs": "2025Q4"}, as the shipped
    version.json records it (rules that judge codes only within the HCPCS file's quarter read it).
    """
    unknown = set(tables) - set(_TABLES)
    if unknown:
        raise TypeError(f"unknown reference tables: {sorted(unknown)}")
    built = {}
    for name, (schema, rows) in _TABLES.items():
        built[name] = pl.DataFrame(tables.get(name, rows), schema=schema)
    version: dict[str, Any] = {"source": "tests/framebuilders.py"}
    if quarters is not None:
        version["quarters"] = quarters
    return Reference(**built, version=version)


def multi_dose(hcpcs: str | None = None, ndc11: str | None = None, note: str = "multi-dose vial") -> dict:
    return {"hcpcs": hcpcs, "ndc11": ndc11, "note": note}


def run(rule, f: Frames, ref: Reference | None = None) -> pl.DataFrame:
    """The rule's completed findings frame."""
    return rule.findings(f, ref if ref is not None else reference())
