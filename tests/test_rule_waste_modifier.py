"""JWZ001-JWZ005: JW / JZ discarded-drug modifiers."""

from __future__ import annotations

from datetime import date

import pytest

from tests.framebuilders import (
    ASP_ROWS,
    PAYER_ROWS,
    claim,
    frames,
    line,
    multi_dose,
    one_claim,
    reference,
    run,
)
from transforms.rules.waste_modifier import (
    JW_AND_JZ,
    JW_MULTI_DOSE,
    JW_UNDER_ONE_UNIT,
    JW_WITHOUT_ADMINISTERED,
    JZ_WITH_LEFTOVER,
    MISSING_JW_JZ,
    WASTE_MODIFIER_ON_NON_DRUG,
)

AVASTIN = "50242006001"
ONDANSETRON_MDV = "00409475901"  # 40 mg / 20 mL multi-dose vial (field scenario 3)
CARBOPLATIN = "00703424601"  # J9045, 15 mL per vial, 3 billing units
OUTPATIENT = {"claim_type": "837I", "bill_type": "131", "payer_filing_indicator": "MA"}


def bev(**kw):
    return line(**{"procedure_code": "J9035", "units": 16.0, **kw})


# --- JWZ001 -------------------------------------------------------------------------------------
def test_jwz001_missing_modifier_on_part_b_office_claim():
    ln = bev(ndc=AVASTIN)
    out = run(MISSING_JW_JZ, one_claim(ln))
    assert out.height == 1
    row = out.row(0, named=True)
    assert (row["rule_id"], row["severity"], row["carc"]) == ("JWZ001", "error", "CO-16")
    assert row["segment_position"] == ln["sv_position"]
    assert row["expected"] == "JW or JZ" and row["actual"] == "none"
    msg = row["message"]
    assert "J9035" in msg and AVASTIN in msg and "ASP payment limit" in msg and "J9035-JW" in msg
    assert "treated as single-dose: CMS publishes no per-NDC container flag" in msg


@pytest.mark.parametrize("modifier", ["JZ", "JW"])
def test_jwz001_modifier_present_passes(modifier):
    ln = bev(modifier_1="JG", modifier_2=modifier)
    assert run(MISSING_JW_JZ, one_claim(ln)).height == 0


def test_jwz001_administered_line_next_to_jw_line_passes():
    f = one_claim(bev(line_number=1), bev(line_number=2, units=4.0, modifier_1="JW"))
    assert run(MISSING_JW_JZ, f).height == 0


def test_jwz001_jw_line_on_another_date_does_not_cover():
    f = one_claim(
        bev(line_number=1), bev(line_number=2, units=4.0, modifier_1="JW", service_date=date(2025, 11, 6))
    )
    assert run(MISSING_JW_JZ, f)["line_number"].to_list() == [1]


def test_jwz001_payer_part_comes_from_payer_profiles():
    commercial = one_claim(bev(), payer_filing_indicator="CI")
    assert run(MISSING_JW_JZ, commercial).height == 0
    # A clearinghouse switching the requirement on for commercial payers makes it fire.
    switched = [{**p, "jw_jz_required": True} if p["filing_indicator"] == "CI" else p for p in PAYER_ROWS]
    assert run(MISSING_JW_JZ, commercial, reference(payer_profiles=switched)).height == 1


@pytest.mark.parametrize(
    "code,bill_type,fires",
    [
        ("J9035", "131", True),  # hospital outpatient, SI K
        ("J9035", "851", True),  # critical access hospital, SI K
        ("J9035", "831", True),  # ambulatory surgery, SI K
        ("J9035", "111", False),  # inpatient
        ("J9035", "711", False),  # RHC
        ("J9035", "771", False),  # FQHC
        ("J2405", "131", False),  # ondansetron SI N: packaged (field scenario 8)
    ],
)
def test_jwz001_institutional_setting_and_status_indicator(code, bill_type, fires):
    f = one_claim(line(procedure_code=code, units=8.0), **{**OUTPATIENT, "bill_type": bill_type})
    assert run(MISSING_JW_JZ, f).height == (1 if fires else 0)


def test_jwz001_837i_message_names_status_indicator():
    msg = run(MISSING_JW_JZ, one_claim(bev(), **OUTPATIENT))["message"][0]
    assert "OPPS status indicator K" in msg and "SBR09 MA" in msg


def test_jwz001_same_packaged_drug_is_required_on_837p():
    # Field scenario 8: J2405 is SI N in OPPS but separately paid (ASP) in the office.
    assert run(MISSING_JW_JZ, one_claim(line(procedure_code="J2405", units=8.0))).height == 1


def test_jwz001_multi_dose_ndc_or_code_not_required():
    ln = line(procedure_code="J2405", units=8.0, ndc=ONDANSETRON_MDV, ndc_quantity=4.0, ndc_unit="ML")
    f = one_claim(ln)
    assert run(MISSING_JW_JZ, f).height == 1  # no policy entry: treated as single-dose
    assert run(MISSING_JW_JZ, f, reference(multi_dose=[multi_dose(ndc11=ONDANSETRON_MDV)])).height == 0
    assert run(MISSING_JW_JZ, f, reference(multi_dose=[multi_dose(hcpcs="J2405")])).height == 0
    # The NDC as sent with hyphens still matches the policy entry (compared as digits).
    hyphen = one_claim({**ln, "ndc": "00409-4759-01"})
    assert run(MISSING_JW_JZ, hyphen, reference(multi_dose=[multi_dose(ndc11=ONDANSETRON_MDV)])).height == 0


@pytest.mark.parametrize("code", ["J3490", "J1030", "J7613", "J8522"])
def test_jwz001_not_separately_payable_or_excluded_codes_pass(code):
    # J3490/J1030: no ASP payment limit on file. J7613 (inhalation) and J8522 (oral capecitabine)
    # have ASP limits but are in the excluded ranges J7500-J7699 / J8000-J8999.
    assert run(MISSING_JW_JZ, one_claim(line(procedure_code=code))).height == 0


def test_jwz001_excluded_range_boundaries():
    # J7050 (saline, ASP limit) is outside J7500-J7699, so it is in scope.
    assert run(MISSING_JW_JZ, one_claim(line(procedure_code="J7050", units=2.0))).height == 1


def test_jwz001_before_jz_requirement_date_passes():
    f = one_claim(bev(service_date=date(2023, 6, 30)))
    assert run(MISSING_JW_JZ, f).height == 0
    f2 = one_claim(bev(service_date=date(2023, 7, 1)))
    assert run(MISSING_JW_JZ, f2).height == 1  # ASP quarter not covering the date: any quarter counts


# --- JWZ002 -------------------------------------------------------------------------------------
def test_jwz002_jw_and_jz_for_one_drug():
    f = one_claim(bev(line_number=1, modifier_1="JZ"), bev(line_number=2, units=4.0, modifier_1="JW"))
    out = run(JW_AND_JZ, f)
    assert out["line_number"].to_list() == [1]
    assert out["rule_id"][0] == "JWZ002"
    assert "line 1 carries JZ while line(s) 2 carry JW" in out["message"][0]


def test_jwz002_both_on_one_line():
    out = run(JW_AND_JZ, one_claim(bev(modifier_1="JW", modifier_2="JZ")))
    assert out.height == 1 and "carries both JZ and JW" in out["message"][0]


def test_jwz002_other_date_or_other_drug_passes():
    f = one_claim(
        bev(line_number=1, modifier_1="JZ"),
        bev(line_number=2, units=4.0, modifier_1="JW", service_date=date(2025, 11, 6)),
        line(line_number=3, procedure_code="J1745", units=5.0, modifier_1="JW"),
    )
    assert run(JW_AND_JZ, f).height == 0


# --- JWZ003 -------------------------------------------------------------------------------------
def test_jwz003_jw_line_alone():
    out = run(JW_WITHOUT_ADMINISTERED, one_claim(bev(units=4.0, modifier_1="JW")))
    assert out["rule_id"].to_list() == ["JWZ003"]
    assert "4 discarded units" in out["message"][0]


def test_jwz003_administered_line_present_passes():
    f = one_claim(bev(line_number=1, modifier_1="JZ"), bev(line_number=2, units=4.0, modifier_1="JW"))
    assert run(JW_WITHOUT_ADMINISTERED, f).height == 0


def test_jwz003_administered_line_on_other_claim_does_not_count():
    f = frames(
        [claim(claim_index=0), claim(claim_index=1)],
        [bev(claim_index=0), bev(claim_index=1, units=4.0, modifier_1="JW")],
    )
    out = run(JW_WITHOUT_ADMINISTERED, f)
    assert out["claim_index"].to_list() == [1]


# --- JWZ004 -------------------------------------------------------------------------------------
def test_jwz004_jw_on_multi_dose_ndc():
    # Scenario 3: ondansetron 8 mg from a 40 mg / 20 mL multi-dose vial; the rest is not waste.
    f = one_claim(
        line(
            line_number=1,
            procedure_code="J2405",
            units=8.0,
            ndc=ONDANSETRON_MDV,
            ndc_quantity=4.0,
            ndc_unit="ML",
        ),
        line(
            line_number=2,
            procedure_code="J2405",
            units=32.0,
            modifier_1="JW",
            ndc=ONDANSETRON_MDV,
            ndc_quantity=16.0,
            ndc_unit="ML",
        ),
    )
    ref = reference(multi_dose=[multi_dose(ndc11=ONDANSETRON_MDV, note="Zofran 40 mg/20 mL MDV")])
    out = run(JW_MULTI_DOSE, f, ref)
    assert out["line_number"].to_list() == [2]
    assert ONDANSETRON_MDV in out["message"][0] and "Zofran 40 mg/20 mL MDV" in out["message"][0]
    assert out["actual"][0] == "J2405-JW x32"
    # Without a multi-dose entry the JW line is not flagged by this rule.
    assert run(JW_MULTI_DOSE, f).height == 0


# --- JWZ005 -------------------------------------------------------------------------------------
def test_jwz005_scenario_1_waste_under_one_unit():
    # Carboplatin J9045 per 50 mg, 140 mg from a 150 mg vial: 10 mg (1 mL of 15 mL, 3 units)
    # left = 1/15 x 3 = 0.2 units -> floor 0: no JW line; the single line carries JZ.
    wrong = one_claim(
        line(
            line_number=1,
            procedure_code="J9045",
            units=3.0,
            ndc=CARBOPLATIN,
            ndc_quantity=14.0,
            ndc_unit="ML",
        ),
        line(
            line_number=2,
            procedure_code="J9045",
            units=1.0,
            modifier_1="JW",
            ndc=CARBOPLATIN,
            ndc_quantity=1.0,
            ndc_unit="ML",
        ),
    )
    out = run(JW_UNDER_ONE_UNIT, wrong)
    assert out["line_number"].to_list() == [2]
    assert "= 0.2 billing units" in out["message"][0] and "JZ" in out["message"][0]
    right = one_claim(
        line(
            procedure_code="J9045",
            units=3.0,
            modifier_1="JZ",
            ndc=CARBOPLATIN,
            ndc_quantity=14.0,
            ndc_unit="ML",
        )
    )
    assert run(JW_UNDER_ONE_UNIT, right).height == 0
    assert run(MISSING_JW_JZ, right).height == 0


def test_jwz005_waste_of_a_whole_unit_passes():
    # Bevacizumab 1.76 mL discarded = 4.4 units -> 4: a legitimate JW line.
    ln = bev(units=4.0, modifier_1="JW", ndc=AVASTIN, ndc_quantity=1.76, ndc_unit="ML")
    assert run(JW_UNDER_ONE_UNIT, one_claim(ln)).height == 0


def test_jwz001_asp_quarter_decides_when_it_covers_the_date():
    # J9035 has a limit only in a 2026Q4 row; a 2026-02-01 claim falls in no quarter of this table
    # (gap between 2025Q4 and 2026Q4) -> any quarter counts; a 2025-11-05 claim is in 2025Q4,
    # where J9035 has no row -> not separately payable on that date.
    rows = [
        {**r, "quarter": "2026Q4", "effective_start": date(2026, 10, 1), "effective_end": date(2026, 12, 31)}
        if r["hcpcs"] == "J9035"
        else r
        for r in ASP_ROWS
    ]
    ref = reference(asp_pricing=rows)
    assert run(MISSING_JW_JZ, one_claim(bev(service_date=date(2026, 2, 1))), ref).height == 1
    assert run(MISSING_JW_JZ, one_claim(bev()), ref).height == 0
    assert run(MISSING_JW_JZ, one_claim(bev()), reference()).height == 1


def test_jwz006_missing_filing_indicator_is_reported_not_silently_skipped():
    from transforms.rules.waste_modifier import UNKNOWN_PAYER

    found = run(UNKNOWN_PAYER, one_claim(line(procedure_code="J9035"), payer_filing_indicator=None))
    assert found.height == 1
    assert (found["severity"].item(), found["actual"].item()) == ("warning", "(missing)")


def test_jwz006_known_filing_indicators_pass():
    from transforms.rules.waste_modifier import UNKNOWN_PAYER

    for sbr09 in ("MB", "MC", "CI"):
        assert (
            run(UNKNOWN_PAYER, one_claim(line(procedure_code="J9035"), payer_filing_indicator=sbr09)).height
            == 0
        )


# --- JWZ007 -------------------------------------------------------------------------------------
def test_jwz007_waste_modifier_on_the_administration_line():
    admin = line(procedure_code="96413", modifier_1="JZ", line_number=1)
    f = one_claim(admin, line(procedure_code="J9312", units=10.0, line_number=2))
    out = run(WASTE_MODIFIER_ON_NON_DRUG, f)
    assert out.height == 1
    row = out.row(0, named=True)
    assert (row["rule_id"], row["actual"]) == ("JWZ007", "JZ")
    assert row["segment_position"] == admin["sv_position"]


@pytest.mark.parametrize("code", ["J9312", "Q5107", "C9399", "A9585"])
def test_jwz007_drug_supply_codes_pass(code):
    f = one_claim(line(procedure_code=code, units=10.0, modifier_1="JW"))
    assert run(WASTE_MODIFIER_ON_NON_DRUG, f).height == 0


# --- JWZ008 -------------------------------------------------------------------------------------
def test_jwz008_jz_while_the_vials_leave_billable_waste():
    # 6.24 mL of Avastin (4 mL = 10 units) = 15.6 units from 2 vials (20): 4.4 left -> JW x4 due.
    ln = line(
        procedure_code="J9035", units=16.0, modifier_1="JZ", ndc=AVASTIN, ndc_quantity=6.24, ndc_unit="ML"
    )
    out = run(JZ_WITH_LEFTOVER, one_claim(ln))
    assert out.height == 1
    row = out.row(0, named=True)
    assert (row["rule_id"], row["severity"], row["expected"], row["actual"]) == (
        "JWZ008",
        "warning",
        "JW line for 4 units",
        "JZ",
    )


@pytest.mark.parametrize(
    "quantity,units",
    [
        (400.0, 40.0),  # Remicade 400 mg = 40 units = 4 full 100 mg vials: nothing left
        (395.0, 40.0),  # 39.5 units from 4 vials: 0.5 left, under one billing unit
    ],
)
def test_jwz008_no_billable_leftover_passes(quantity, units):
    ln = line(
        procedure_code="J1745",
        units=units,
        modifier_1="JZ",
        ndc="57894003001",
        ndc_quantity=quantity,
        ndc_unit="ME",
    )
    assert run(JZ_WITH_LEFTOVER, one_claim(ln)).height == 0


def test_jwz008_leaves_jw_and_jz_together_to_jwz002_and_skips_multi_dose():
    jz = line(
        procedure_code="J9035",
        units=16.0,
        modifier_1="JZ",
        ndc=AVASTIN,
        ndc_quantity=6.24,
        ndc_unit="ML",
        line_number=1,
    )
    jw = line(procedure_code="J9035", units=4.0, modifier_1="JW", line_number=2)
    assert run(JZ_WITH_LEFTOVER, one_claim(jz, jw)).height == 0
    ref = reference(multi_dose=[multi_dose(hcpcs="J9035")])
    assert run(JZ_WITH_LEFTOVER, one_claim(jz), ref).height == 0


def test_jwz001_critical_access_hospital_uses_the_asp_limit_not_the_opps_status():
    # CAHs (85x) are paid at cost: J2405 is packaged under OPPS (SI N) but has an ASP limit.
    cah = {"claim_type": "837I", "bill_type": "851", "payer_filing_indicator": "MA"}
    f = one_claim(line(procedure_code="J2405", units=4.0, revenue_code="0636"), **cah)
    assert run(MISSING_JW_JZ, f)["line_number"].to_list() == [1]
    hospital = {**cah, "bill_type": "131"}
    assert run(MISSING_JW_JZ, one_claim(line(procedure_code="J2405", units=4.0), **hospital)).height == 0
