"""UNT001-UNT004: billing units on drug lines. Expected numbers are worked by hand from the
descriptor (seed article, field scenarios 2 and 4) - see each case's comment."""

from __future__ import annotations

from datetime import date

import pytest

from tests.framebuilders import line, one_claim, run
from transforms.rules.units import (
    FRACTIONAL_UNITS,
    NON_POSITIVE_UNITS,
    UNIT_BASIS,
    UNITS_VS_NDC_QUANTITY,
    WASTE_BEYOND_CONTAINERS,
)

AVASTIN = "50242006001"  # J9035, 4 mL per vial, 10 billing units per vial
CEFTRIAXONE = "00143985725"  # J0696, 4 billing units per 1 g vial
REMICADE = "57894003001"  # J1745, package size 1 (vial of powder), 10 billing units
CARBOPLATIN = "00703424601"  # J9045, 15 mL per vial, 3 billing units


def drug(code, units, qty, unit, ndc=None, **kw):
    return line(procedure_code=code, units=float(units), ndc=ndc, ndc_quantity=qty, ndc_unit=unit, **kw)


# (case, line, expected units) - each is billed right, so no finding.
CORRECT = [
    # J1745 per 10 mg, 400 mg -> 400/10 = 40
    ("infliximab 400 mg", drug("J1745", 40, 400, "ME"), 40),
    # 375 mg at per 10 mg -> 37.5 -> round up 38
    ("infliximab 375 mg", drug("J1745", 38, 375, "ME"), 38),
    # J1100 per 1 mg, 500 mg -> 500
    ("dexamethasone 500 mg at per 1 mg", drug("J1100", 500, 500, "ME"), 500),
    # J9312 per 10 mg, 100 mg -> 10
    ("rituximab 100 mg", drug("J9312", 10, 100, "ME"), 10),
    # J0696 per 250 mg, 2 vials x 4 billing units -> 8
    ("ceftriaxone 2 UN", drug("J0696", 8, 2, "UN", CEFTRIAXONE), 8),
    # same 2 g written as grams: 2000 mg / 250 = 8
    ("ceftriaxone 2 GR", drug("J0696", 8, 2, "GR"), 8),
    # J9035: 6.24 mL / 4 mL x 10 = 15.6 -> up 16
    ("bevacizumab 6.24 mL", drug("J9035", 16, 6.24, "ML", AVASTIN), 16),
    # J9035-JW: 1.76 mL / 4 mL x 10 = 4.4 -> down 4
    ("bevacizumab waste 1.76 mL", drug("J9035", 4, 1.76, "ML", AVASTIN, modifier_1="JW"), 4),
    # J3420 up to 1000 mcg: 1 mg = 1000 mcg -> 1
    ("B12 1 mg in mcg descriptor", drug("J3420", 1, 1, "ME"), 1),
    # J1644 per 1000 units: 5000 IU -> 5
    ("heparin 5000 IU", drug("J1644", 5, 5000, "F2"), 5),
    # J7050 per 250 cc: 500 mL -> 2
    ("saline 500 mL", drug("J7050", 2, 500, "ML"), 2),
    # dose under one descriptor amount still bills 1: 5 mg / 10 mg = 0.5 -> 1
    ("infliximab 5 mg", drug("J1745", 1, 5, "ME"), 1),
]


@pytest.mark.parametrize("case,ln,units", CORRECT, ids=[c[0] for c in CORRECT])
def test_unt001_correct_units_pass(case, ln, units):
    assert ln["units"] == units
    assert run(UNITS_VS_NDC_QUANTITY, one_claim(ln)).height == 0


# (case, line, expected) - the same doses billed wrong.
WRONG = [
    ("infliximab counted per mg", drug("J1745", 400, 400, "ME"), "40"),
    ("infliximab 375 mg rounded down", drug("J1745", 37, 375, "ME"), "38"),
    ("dexamethasone counted per 10 mg", drug("J1100", 50, 500, "ME"), "500"),
    ("rituximab counted per mg", drug("J9312", 100, 100, "ME"), "10"),
    ("ceftriaxone counted in grams", drug("J0696", 2, 2, "UN", CEFTRIAXONE), "8"),
    ("ceftriaxone counted per visit", drug("J0696", 1, 2, "UN", CEFTRIAXONE), "8"),
    ("bevacizumab 17", drug("J9035", 17, 6.24, "ML", AVASTIN), "16"),
    ("bevacizumab waste rounded up", drug("J9035", 5, 1.76, "ML", AVASTIN, modifier_1="JW"), "4"),
    ("heparin counted per IU", drug("J1644", 5000, 5000, "F2"), "5"),
    ("saline counted per mL", drug("J7050", 500, 500, "ML"), "2"),
]


@pytest.mark.parametrize("case,ln,expected", WRONG, ids=[c[0] for c in WRONG])
def test_unt001_wrong_units_fail(case, ln, expected):
    out = run(UNITS_VS_NDC_QUANTITY, one_claim(ln))
    assert out.height == 1
    row = out.row(0, named=True)
    assert row["rule_id"] == "UNT001"
    assert row["severity"] == "error" and row["carc"] == "CO-16"
    assert row["expected"] == expected
    assert float(row["actual"]) == ln["units"]
    assert row["segment_position"] == ln["sv_position"]
    assert ln["procedure_code"] in row["message"]
    assert f"bill {expected} units" in row["message"]


def test_unt001_message_names_ndc_quantity_and_descriptor():
    ln = drug("J9035", 5, 1.76, "ML", AVASTIN, modifier_1="JW")
    msg = run(UNITS_VS_NDC_QUANTITY, one_claim(ln))["message"][0]
    for part in (
        "J9035-JW",
        AVASTIN,
        "1.76 mL",
        "4 mL per item",
        "10 billing units per item",
        "10 MG",
        "= 4.4 ",
    ):
        assert part in msg
    assert "round down" in msg


def test_unt001_scenario_2_administered_and_waste_lines():
    # Wrong: J9035 x16 + J9035-JW x5 (21 units from a 20-unit supply); right: x16 + JW x4.
    wrong = one_claim(
        drug("J9035", 16, 6.24, "ML", AVASTIN, line_number=1, modifier_1=None),
        drug("J9035", 5, 1.76, "ML", AVASTIN, line_number=2, modifier_1="JW"),
    )
    out = run(UNITS_VS_NDC_QUANTITY, wrong)
    assert out["line_number"].to_list() == [2]
    assert out["expected"].to_list() == ["4"]
    right = one_claim(
        drug("J9035", 16, 6.24, "ML", AVASTIN, line_number=1),
        drug("J9035", 4, 1.76, "ML", AVASTIN, line_number=2, modifier_1="JW"),
    )
    assert run(UNITS_VS_NDC_QUANTITY, right).height == 0


def test_unt001_skips_ml_arithmetic_on_package_size_one():
    # Remicade's crosswalk package size is 1 (one vial of powder): 40 mL / 1 x 10 would claim 400
    # units; the rule must not derive anything from mL here.
    ln = drug("J1745", 40, 40, "ML", REMICADE)
    assert run(UNITS_VS_NDC_QUANTITY, one_claim(ln)).height == 0


def test_unt001_un_needs_crosswalk_row_for_billed_code():
    # Ceftriaxone's NDC under J9312: the crosswalk row is for J0696, so no UN derivation (NDC004's job).
    ln = drug("J9312", 10, 2, "UN", CEFTRIAXONE)
    assert run(UNITS_VS_NDC_QUANTITY, one_claim(ln)).height == 0
    # Control: the same quantity under its own code does derive (2 x 4 = 8, billed 10).
    own = drug("J0696", 10, 2, "UN", CEFTRIAXONE)
    assert run(UNITS_VS_NDC_QUANTITY, one_claim(own))["expected"].to_list() == ["8"]


def test_unt001_uses_descriptor_in_force_on_date_of_service():
    # Scenario 7: J1030 was per 40 mg until 2024-03-31 -> 80 mg = 2 units; J1010 (per 1 mg) after.
    old = drug("J1030", 2, 80, "ME", service_date=date(2024, 3, 1))
    assert run(UNITS_VS_NDC_QUANTITY, one_claim(old)).height == 0
    old_wrong = drug("J1030", 80, 80, "ME", service_date=date(2024, 3, 1))
    assert run(UNITS_VS_NDC_QUANTITY, one_claim(old_wrong))["expected"].to_list() == ["2"]
    # J1030 after its termination date: no descriptor in force, no unit finding (code validity's job).
    terminated = drug("J1030", 80, 80, "ME", service_date=date(2025, 11, 5))
    assert run(UNITS_VS_NDC_QUANTITY, one_claim(terminated)).height == 0
    new_wrong = drug("J1010", 2, 80, "ME")
    assert run(UNITS_VS_NDC_QUANTITY, one_claim(new_wrong))["expected"].to_list() == ["80"]


def test_unt001_leaves_fractional_and_sub_unit_waste_to_other_rules():
    # 37.5 units: UNT002 reports it; UNT001 stays quiet.
    assert run(UNITS_VS_NDC_QUANTITY, one_claim(drug("J1745", 37.5, 375, "ME"))).height == 0
    # Carboplatin waste of 1 mL = 1/15 x 3 = 0.2 units -> floor 0: JWZ005 reports it.
    waste = drug("J9045", 1, 1, "ML", CARBOPLATIN, modifier_1="JW")
    assert run(UNITS_VS_NDC_QUANTITY, one_claim(waste)).height == 0


def test_unt001_needs_ndc_quantity():
    assert run(UNITS_VS_NDC_QUANTITY, one_claim(line(procedure_code="J1745", units=400.0))).height == 0


def test_unt002_fractional_units():
    out = run(FRACTIONAL_UNITS, one_claim(drug("J1745", 37.5, 375, "ME")))
    assert out.height == 1
    row = out.row(0, named=True)
    assert (row["rule_id"], row["expected"], row["actual"]) == ("UNT002", "38", "37.5")
    assert "SV104" in row["message"] and "J1745" in row["message"]


def test_unt002_waste_rounds_down_and_837i_names_sv205():
    ln = drug("J9035", 4.4, 1.76, "ML", AVASTIN, modifier_1="JW")
    out = run(
        FRACTIONAL_UNITS, one_claim(ln, claim_type="837I", bill_type="131", payer_filing_indicator="MA")
    )
    assert out["expected"].to_list() == ["4"]
    assert "SV205" in out["message"][0]


def test_unt002_whole_units_pass():
    assert run(FRACTIONAL_UNITS, one_claim(drug("J1745", 38, 375, "ME"))).height == 0


@pytest.mark.parametrize("units", [0.0, -3.0])
def test_unt003_zero_or_negative_units(units):
    out = run(NON_POSITIVE_UNITS, one_claim(line(procedure_code="J2405", units=units)))
    assert out["rule_id"].to_list() == ["UNT003"]
    assert float(out["actual"][0]) == units


def test_unt003_positive_units_and_non_drug_lines_pass():
    f = one_claim(
        line(procedure_code="J2405", units=8.0, line_number=1),
        line(procedure_code="96372", units=0.0, line_number=2),
    )
    assert run(NON_POSITIVE_UNITS, f).height == 0


def test_unt004_unit_basis_not_un():
    f = one_claim(
        line(procedure_code="J9035", unit_basis="MJ", line_number=1),
        line(procedure_code="J9312", unit_basis=None, line_number=2),
        line(procedure_code="J1745", unit_basis="UN", line_number=3),
        line(procedure_code="96413", unit_basis="MJ", line_number=4),
    )
    out = run(UNIT_BASIS, f).sort("line_number")
    assert out["line_number"].to_list() == [1, 2]
    assert out["actual"].to_list() == ["MJ", "(missing)"]
    assert out["expected"].to_list() == ["UN", "UN"]
    assert "SV103" in out["message"][0]


# --- UNT005 -------------------------------------------------------------------------------------
# Avastin 50242006001: 100 mg / 4 mL vial, 10 billing units per vial (J9035, per 10 mg).
AVASTIN_ML = {"procedure_code": "J9035", "ndc": "50242006001", "ndc_unit": "ML"}


def test_unt005_discarded_units_beyond_the_opened_vials():
    # 6.24 mL = 15.6 units -> 2 vials = 20 units; 16 given + 5 discarded = 21 > 20: at most 4.
    given = line(line_number=1, units=16.0, ndc_quantity=6.24, **AVASTIN_ML)
    waste = line(line_number=2, procedure_code="J9035", units=5.0, modifier_1="JW")
    out = run(WASTE_BEYOND_CONTAINERS, one_claim(given, waste))
    assert out.height == 1
    row = out.row(0, named=True)
    assert (row["rule_id"], row["line_number"], row["expected"], row["actual"]) == ("UNT005", 2, "<= 4", "5")
    assert "fills 2 container(s) holding 20 billing units" in row["message"]


def test_unt005_waste_that_fits_or_is_judged_by_unt001_passes():
    given = line(line_number=1, units=16.0, ndc_quantity=6.24, **AVASTIN_ML)
    fits = line(line_number=2, procedure_code="J9035", units=4.0, modifier_1="JW")
    assert run(WASTE_BEYOND_CONTAINERS, one_claim(given, fits)).height == 0
    # a JW line with its own NDC quantity (1.76 mL -> 4 units) is UNT001's to judge
    own = line(line_number=2, units=5.0, modifier_1="JW", ndc_quantity=1.76, **AVASTIN_ML)
    assert run(WASTE_BEYOND_CONTAINERS, one_claim(given, own)).height == 0


def test_unt005_needs_countable_vials_on_every_administered_line():
    # the administered line has no NDC quantity: the vials cannot be counted
    given = line(line_number=1, procedure_code="J9035", units=16.0)
    waste = line(line_number=2, procedure_code="J9035", units=9.0, modifier_1="JW")
    assert run(WASTE_BEYOND_CONTAINERS, one_claim(given, waste)).height == 0
