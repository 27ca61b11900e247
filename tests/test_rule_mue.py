"""MUE001-MUE003: units against CMS Medically Unlikely Edits.

MUE rows are copied from the shipped CMS tables (reference_data/mue.parquet, built from the
practitioner 2026Q2 and outpatient-hospital 2026Q4 MUE files).
"""

from __future__ import annotations

from datetime import date

from tests.framebuilders import line, one_claim, reference, run
from transforms.rules.mue import CLINICAL_DATE_MUE, LINE_MUE, POLICY_DATE_MUE


def mue(hcpcs, setting, value, mai, rationale, version):
    return {
        "hcpcs": hcpcs,
        "setting": setting,
        "mue_value": value,
        "mai": mai,
        "rationale": rationale,
        "version": version,
    }


MUES = [
    mue("J2405", "practitioner", 64, 3, "Prescribing Information", "2026Q2"),
    mue("J9312", "practitioner", 150, 3, "Prescribing Information", "2026Q2"),
    mue("J1414", "practitioner", 1, 2, "Code Descriptor / CPT Instruction", "2026Q2"),
    mue("J0716", "outpatient_hospital", 4, 1, "Clinical: Data", "2026Q4"),
]
REF = reference(mue=MUES)


# --- MUE003 (MAI 3, per date, warning) ----------------------------------------------------------
def test_mue003_units_above_clinical_limit():
    ln = line(procedure_code="J2405", units=70.0)
    out = run(CLINICAL_DATE_MUE, one_claim(ln), REF)
    assert out.height == 1
    row = out.row(0, named=True)
    assert (row["rule_id"], row["severity"], row["carc"]) == ("MUE003", "warning", "CO-151")
    assert (row["expected"], row["actual"]) == ("<= 64", "70")
    assert row["segment_position"] == ln["sv_position"]
    assert "Prescribing Information" in row["message"] and "practitioner MUE is 64" in row["message"]


def test_mue003_sums_lines_of_one_date_and_points_at_the_first():
    first = line(procedure_code="J2405", units=40.0, line_number=1)
    second = line(procedure_code="J2405", units=30.0, line_number=2)
    out = run(CLINICAL_DATE_MUE, one_claim(first, second), REF)
    assert out.height == 1
    row = out.row(0, named=True)
    assert row["actual"] == "70"  # 40 + 30
    assert row["segment_position"] == first["sv_position"]
    assert "lines 1, 2 bill 70 units" in row["message"]


def test_mue003_counts_discarded_jw_units():
    # CMS counts administered + discarded units against the MUE: 140 + 20 = 160 > 150.
    given = line(procedure_code="J9312", units=140.0, line_number=1)
    wasted = line(procedure_code="J9312", units=20.0, line_number=2, modifier_1="JW")
    out = run(CLINICAL_DATE_MUE, one_claim(given, wasted), REF)
    assert out["actual"].to_list() == ["160"]


def test_mue003_at_the_limit_or_on_different_dates_passes():
    at_limit = one_claim(line(procedure_code="J2405", units=64.0))
    assert run(CLINICAL_DATE_MUE, at_limit, REF).height == 0
    two_dates = one_claim(
        line(procedure_code="J2405", units=40.0, line_number=1, service_date=date(2025, 11, 5)),
        line(procedure_code="J2405", units=40.0, line_number=2, service_date=date(2025, 11, 6)),
    )
    assert run(CLINICAL_DATE_MUE, two_dates, REF).height == 0


def test_mue003_date_range_allows_the_mue_per_day():
    # The implementation guide's home-infusion example: J0696 x56 over 2004-02-01..07 (7 days);
    # J0696 practitioner MUE 16 (MAI 3) -> at most 7 x 16 = 112 units over the range.
    ref = reference(mue=[mue("J0696", "practitioner", 16, 3, "Prescribing Information", "2026Q2")])
    week = {"service_date": date(2004, 2, 1), "service_date_end": date(2004, 2, 7)}
    assert (
        run(CLINICAL_DATE_MUE, one_claim(line(procedure_code="J0696", units=56.0, **week)), ref).height == 0
    )
    out = run(CLINICAL_DATE_MUE, one_claim(line(procedure_code="J0696", units=113.0, **week)), ref)
    assert (out["expected"].to_list(), out["actual"].to_list()) == (["<= 112"], ["113"])
    assert "2004-02-01 to 2004-02-07 (7 days, so at most 112 units)" in out["message"][0]


# --- MUE002 (MAI 2, per date, error) ------------------------------------------------------------
def test_mue002_policy_limit_summed_over_the_date():
    f = one_claim(
        line(procedure_code="J1414", units=1.0, line_number=1),
        line(procedure_code="J1414", units=1.0, line_number=2),
    )
    out = run(POLICY_DATE_MUE, f, REF)
    assert out.height == 1
    row = out.row(0, named=True)
    assert (row["rule_id"], row["severity"]) == ("MUE002", "error")
    assert (row["expected"], row["actual"]) == ("<= 1", "2")
    assert "MAI 2" in row["message"]
    # the MAI 3 rule does not judge a MAI 2 code
    assert run(CLINICAL_DATE_MUE, f, REF).height == 0


def test_mue002_one_unit_passes():
    assert run(POLICY_DATE_MUE, one_claim(line(procedure_code="J1414", units=1.0)), REF).height == 0


# --- MUE001 (MAI 1, per line, error; setting by claim type and bill type) -----------------------
def test_mue001_outpatient_hospital_line_above_limit():
    ln = line(procedure_code="J0716", units=5.0, revenue_code="0636")
    out = run(LINE_MUE, one_claim(ln, claim_type="837I", bill_type="131"), REF)
    assert out.height == 1
    row = out.row(0, named=True)
    assert (row["rule_id"], row["expected"], row["actual"]) == ("MUE001", "<= 4", "5")
    assert "outpatient hospital MUE is 4 per line" in row["message"]


def test_mue001_is_per_line_not_per_date():
    f = one_claim(
        line(procedure_code="J0716", units=4.0, line_number=1, revenue_code="0636"),
        line(procedure_code="J0716", units=4.0, line_number=2, revenue_code="0636"),
        claim_type="837I",
        bill_type="131",
    )
    assert run(LINE_MUE, f, REF).height == 0


def test_mue001_settings_without_the_value_are_skipped():
    # inpatient (111): MUEs do not apply; 837P: J0716 has no practitioner row in MUES.
    inpatient = one_claim(line(procedure_code="J0716", units=9.0), claim_type="837I", bill_type="111")
    office = one_claim(line(procedure_code="J0716", units=9.0))
    assert run(LINE_MUE, inpatient, REF).height == 0
    assert run(LINE_MUE, office, REF).height == 0


def test_mues_apply_only_to_payers_whose_profile_says_so():
    # shipped defaults: traditional Medicare (MB, MA) yes; Medicaid (MC) and commercial (CI) no
    over = line(procedure_code="J2405", units=70.0)
    assert run(CLINICAL_DATE_MUE, one_claim(over, payer_filing_indicator="MB"), REF).height == 1
    assert run(CLINICAL_DATE_MUE, one_claim(over, payer_filing_indicator="MC"), REF).height == 0
    assert run(CLINICAL_DATE_MUE, one_claim(over, payer_filing_indicator="CI"), REF).height == 0
