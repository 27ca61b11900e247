"""BAL001 claim balancing; CHG001 zero charge and CHG002 underbilling on drug lines.

Payment limits are the Oct 2025 ASP file's (J1745: 31.09 per 10 mg, 2025Q4).
"""

from __future__ import annotations

from datetime import date

from tests.framebuilders import line, one_claim, reference, run
from transforms.rules.balancing import CLAIM_OUT_OF_BALANCE
from transforms.rules.charge import UNDERBILLED, ZERO_CHARGE, line_expected_allowed


# --- BAL001 -------------------------------------------------------------------------------------
def test_bal001_total_differs_from_line_sum():
    f = one_claim(
        line(procedure_code="J1745", units=40.0, charge=300.0, line_number=1),
        line(procedure_code="96365", charge=150.0, line_number=2),
        total_charge=500.0,
    )
    out = run(CLAIM_OUT_OF_BALANCE, f)
    assert out.height == 1
    row = out.row(0, named=True)
    assert (row["rule_id"], row["expected"], row["actual"]) == ("BAL001", "450", "500")
    assert row["segment_position"] == 20  # the CLM segment
    assert row["line_number"] is None
    assert "off by 50" in row["message"] and "SV102" in row["message"]


def test_bal001_balanced_claims_pass():
    balanced = one_claim(
        line(charge=300.0, line_number=1),
        line(procedure_code="96365", charge=200.0, line_number=2),
        total_charge=500.0,
    )
    assert run(CLAIM_OUT_OF_BALANCE, balanced).height == 0
    cents = one_claim(line(charge=0.1, line_number=1), line(charge=0.2, line_number=2), total_charge=0.3)
    assert run(CLAIM_OUT_OF_BALANCE, cents).height == 0  # 0.1 + 0.2 is 0.30000000000000004


def test_bal001_names_sv203_on_837i():
    f = one_claim(
        line(charge=10.0, revenue_code="0636"), claim_type="837I", bill_type="131", total_charge=11.0
    )
    out = run(CLAIM_OUT_OF_BALANCE, f)
    assert "SV203" in out["message"][0]


# --- CHG001 -------------------------------------------------------------------------------------
def test_chg001_zero_or_negative_charge():
    f = one_claim(line(charge=0.0, line_number=1), line(charge=-5.0, line_number=2))
    out = run(ZERO_CHARGE, f)
    assert out["actual"].to_list() == ["0", "-5"]
    assert set(out["rule_id"]) == {"CHG001"}


def test_chg001_no_cost_modifier_and_non_drug_lines_pass():
    f = one_claim(
        line(charge=0.0, modifier_1="FB", line_number=1),
        line(procedure_code="96372", charge=0.0, line_number=2),
    )
    assert run(ZERO_CHARGE, f).height == 0


# --- CHG002 -------------------------------------------------------------------------------------
def test_chg002_charge_below_payment_limit_times_units():
    # 40 units x 31.09 = 1243.60
    ln = line(procedure_code="J1745", units=40.0, charge=1000.0)
    out = run(UNDERBILLED, one_claim(ln))
    assert out.height == 1
    row = out.row(0, named=True)
    assert (row["rule_id"], row["severity"], row["carc"]) == ("CHG002", "warning", "CO-45")
    assert (row["expected"], row["actual"]) == (">= 1243.6", "1000")
    assert "31.09 per unit (2025Q4 ASP)" in row["message"]


def test_chg002_charge_at_or_above_limit_passes():
    assert run(UNDERBILLED, one_claim(line(procedure_code="J1745", units=40.0, charge=1243.60))).height == 0
    assert run(UNDERBILLED, one_claim(line(procedure_code="J1745", units=40.0, charge=1500.0))).height == 0


def test_chg002_unpriced_dates_and_noc_codes_are_skipped():
    outside = one_claim(line(procedure_code="J1745", units=40.0, charge=1.0, service_date=date(2025, 9, 30)))
    assert run(UNDERBILLED, outside).height == 0
    assert run(UNDERBILLED, one_claim(line(procedure_code="J3490", units=7.0, charge=1.0))).height == 0


def test_expected_allowed_is_the_quarters_payment_limit_times_the_units():
    # J1745 x40 on 2025-11-05: 40 x 31.09 (Oct 2025 ASP) = 1243.60; J3490 has no limit; a date no
    # loaded quarter covers is not priced.
    f = one_claim(
        line(procedure_code="J1745", units=40.0, line_number=1),
        line(procedure_code="J3490", units=7.0, line_number=2),
        line(procedure_code="J1745", units=40.0, line_number=3, service_date=date(2025, 9, 30)),
    )
    out = line_expected_allowed(f, reference())
    assert out.select("line_number", "payment_limit", "limit_quarter", "expected_allowed").rows() == [
        (1, 31.09, "2025Q4", 1243.60)
    ]


def test_free_and_packaged_drugs_have_no_expected_allowed():
    # FB: supplied at no cost; J2405 on bill type 131 is packaged (OPPS SI N). J9312 (SI K) on the
    # same outpatient claim is priced: 10 x 75.22 = 752.20.
    free = one_claim(line(procedure_code="J1745", units=40.0, modifier_1="FB", charge=0.0))
    assert line_expected_allowed(free, reference()).height == 0
    outpatient = one_claim(
        line(procedure_code="J2405", units=8.0, revenue_code="0636", line_number=1),
        line(procedure_code="J9312", units=10.0, revenue_code="0636", line_number=2),
        claim_type="837I",
        bill_type="131",
    )
    out = line_expected_allowed(outpatient, reference())
    assert out.select("line_number", "expected_allowed").rows() == [(2, 752.2)]
