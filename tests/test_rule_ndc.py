"""NDC001-NDC006: NDC reporting on drug lines."""

from __future__ import annotations

import pytest

from tests.framebuilders import line, one_claim, run
from transforms.rules.ndc import (
    NDC_FORMAT,
    NDC_NOT_IN_CROSSWALK,
    NDC_QUALIFIER,
    NDC_QUANTITY,
    NDC_REQUIRED,
    NDC_WRONG_CODE,
)

AVASTIN = "50242006001"  # crosswalked to J9035
REMICADE = "57894003001"  # crosswalked to J1745
B12 = "00517003125"  # crosswalked to J3420


def drug(code, ndc, **kw):
    return line(procedure_code=code, units=1.0, ndc=ndc, ndc_quantity=1.0, ndc_unit="UN", **kw)


# --- NDC001 -------------------------------------------------------------------------------------
@pytest.mark.parametrize("qualifier,shown", [("EN", "EN"), (None, "(missing)")])
def test_ndc001_qualifier_not_n4(qualifier, shown):
    ln = drug("J9035", AVASTIN, ndc_qualifier=qualifier)
    out = run(NDC_QUALIFIER, one_claim(ln))
    assert out.height == 1
    row = out.row(0, named=True)
    assert (row["rule_id"], row["expected"], row["actual"]) == ("NDC001", "N4", shown)
    assert row["segment_position"] == ln["lin_position"]


def test_ndc001_n4_and_lines_without_ndc_pass():
    f = one_claim(drug("J9035", AVASTIN, line_number=1), line(procedure_code="J1745", line_number=2))
    assert run(NDC_QUALIFIER, f).height == 0


# --- NDC002 -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "code,received,expected,says",
    [
        ("J9035", "50242-0060-01", AVASTIN, "has hyphens"),
        # 4-4-2 layout: pad the labeler -> 0 + 0517003125
        ("J3420", "0517-0031-25", B12, "10-digit NDC in a standard hyphen layout"),
        # 5-3-2 layout: pad the product -> 00517 + 0 + 031 + 25
        ("J3420", "00517-031-25", B12, "10-digit NDC in a standard hyphen layout"),
        # Field scenario 5: 11 digits in a 3-3-5 layout; crosswalk has exactly one match for J3420.
        ("J3420", "005-170-03125", B12, "lists exactly one NDC for J3420 with these digits: 00517003125"),
        # 10 digits, no hyphens: of the three paddings only 00517+0+03125 is in the crosswalk for J3420.
        ("J3420", "0051703125", B12, "lists exactly one NDC for J3420"),
        ("J9035", "N4502420060", "11 digits, no hyphens", "characters other than digits"),
    ],
)
def test_ndc002_not_eleven_digits(code, received, expected, says):
    ln = drug(code, received)
    out = run(NDC_FORMAT, one_claim(ln))
    assert out.height == 1
    row = out.row(0, named=True)
    assert row["rule_id"] == "NDC002"
    assert row["actual"] == received
    assert row["expected"] == expected
    assert says in row["message"] and f"'{received}'" in row["message"]
    assert row["segment_position"] == ln["lin_position"]


def test_ndc002_eleven_digits_pass():
    assert run(NDC_FORMAT, one_claim(drug("J9035", AVASTIN))).height == 0


def test_ndc002_no_hint_when_crosswalk_has_no_single_candidate():
    out = run(NDC_FORMAT, one_claim(drug("J9035", "1234567890")))
    assert out["expected"].to_list() == ["11 digits, no hyphens"]
    assert "crosswalk" not in out["message"][0]


# --- NDC003 -------------------------------------------------------------------------------------
def test_ndc003_ndc_not_in_crosswalk_is_a_warning():
    out = run(NDC_NOT_IN_CROSSWALK, one_claim(drug("J1745", "57894003099")))
    assert out.height == 1
    row = out.row(0, named=True)
    assert (row["rule_id"], row["severity"], row["actual"]) == ("NDC003", "warning", "57894003099")
    assert "not a complete list of NDCs" in row["message"]


def test_ndc003_known_ndc_noc_code_and_hyphenated_known_ndc_pass():
    f = one_claim(
        drug("J1745", REMICADE, line_number=1),
        drug("J3490", "12345678901", line_number=2),  # unclassified: no crosswalk entry expected
        drug("J1745", "57894-0030-01", line_number=3),  # format is NDC002's finding; the NDC is known
    )
    assert run(NDC_NOT_IN_CROSSWALK, f).height == 0


# --- NDC004 -------------------------------------------------------------------------------------
def test_ndc004_ndc_belongs_to_another_code():
    # The seed's "wrong J code for the drug": Avastin's NDC billed under rituximab.
    ln = drug("J9312", AVASTIN)
    out = run(NDC_WRONG_CODE, one_claim(ln))
    assert out.height == 1
    row = out.row(0, named=True)
    assert (row["rule_id"], row["expected"], row["actual"]) == ("NDC004", "J9035", "J9312")
    assert "Avastin" in row["message"] and "bill the drug under J9035" in row["message"]
    assert row["segment_position"] == ln["sv_position"]


def test_ndc004_matching_code_passes():
    assert run(NDC_WRONG_CODE, one_claim(drug("J9035", AVASTIN))).height == 0


@pytest.mark.parametrize("code", ["J3490", "J1100"])
def test_ndc004_noc_or_code_absent_from_crosswalk_pass(code):
    # J3490: unclassified, skipped. J1100: no NDC of it in the crosswalk, which cannot speak for it.
    assert run(NDC_WRONG_CODE, one_claim(drug(code, AVASTIN))).height == 0


# --- NDC005 -------------------------------------------------------------------------------------
@pytest.mark.parametrize("qty", [0.0, -2.0])
def test_ndc005_quantity_not_positive(qty):
    ln = {**drug("J9035", AVASTIN), "ndc_quantity": qty, "ndc_unit": "ML"}
    out = run(NDC_QUANTITY, one_claim(ln))
    assert out["rule_id"].to_list() == ["NDC005"]
    assert out["segment_position"].to_list() == [ln["ctp_position"]]
    assert float(out["actual"][0]) == qty


def test_ndc005_positive_quantity_passes():
    assert run(NDC_QUANTITY, one_claim({**drug("J9035", AVASTIN), "ndc_quantity": 6.24})).height == 0


# --- NDC006 -------------------------------------------------------------------------------------
def test_ndc006_medicaid_drug_line_without_ndc():
    ln = line(procedure_code="J1745", units=40.0)
    out = run(NDC_REQUIRED, one_claim(ln, payer_filing_indicator="MC"))
    assert out.height == 1
    row = out.row(0, named=True)
    assert (row["rule_id"], row["actual"]) == ("NDC006", "none")
    assert "medicaid payer policy (SBR09 MC)" in row["message"]


def test_ndc006_passes_with_ndc_other_payers_and_noc_codes():
    assert run(NDC_REQUIRED, one_claim(drug("J1745", REMICADE), payer_filing_indicator="MC")).height == 0
    assert run(NDC_REQUIRED, one_claim(line(procedure_code="J1745"), payer_filing_indicator="MB")).height == 0
    # J3490 without an NDC is UNC002's finding, for every payer
    assert run(NDC_REQUIRED, one_claim(line(procedure_code="J3490"), payer_filing_indicator="MC")).height == 0
