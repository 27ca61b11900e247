"""COD001-COD003: HCPCS code validity on the date of service, modifiers on drug lines.

Dates are the HCPCS Level II Oct 2025 file's: J1030 terminated 2024-03-31, J1010 added
2024-04-01 (tests/framebuilders.py).
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.framebuilders import ASP_ROWS, line, one_claim, reference, run
from transforms.rules.code_validity import INACTIVE_CODE, MODIFIER_NOT_FOR_DRUGS, UNKNOWN_CODE


# --- COD001 -------------------------------------------------------------------------------------
def test_cod001_terminated_code():
    ln = line(procedure_code="J1030", units=1.0, service_date=date(2025, 11, 5))
    out = run(INACTIVE_CODE, one_claim(ln))
    assert out.height == 1
    row = out.row(0, named=True)
    assert (row["rule_id"], row["carc"]) == ("COD001", "CO-181")
    assert (row["expected"], row["actual"]) == ("date of service <= 2024-03-31", "2025-11-05")
    assert "terminated on 2024-03-31" in row["message"]


def test_cod001_code_added_after_the_date():
    out = run(INACTIVE_CODE, one_claim(line(procedure_code="J1010", service_date=date(2024, 1, 15))))
    assert out["expected"].to_list() == ["date of service >= 2024-04-01"]
    assert "added to HCPCS on 2024-04-01" in out["message"][0]


@pytest.mark.parametrize(
    "code,dos",
    [("J1030", date(2024, 3, 31)), ("J1010", date(2024, 4, 1)), ("J1745", date(2025, 11, 5))],
)
def test_cod001_active_on_the_date_passes(code, dos):
    assert run(INACTIVE_CODE, one_claim(line(procedure_code=code, service_date=dos))).height == 0


# --- COD002 -------------------------------------------------------------------------------------
REF_Q4 = reference(quarters={"hcpcs": "2025Q4"})


def test_cod002_unknown_code_inside_the_hcpcs_quarter():
    out = run(UNKNOWN_CODE, one_claim(line(procedure_code="J9O35")), REF_Q4)
    assert out.height == 1
    row = out.row(0, named=True)
    assert (row["rule_id"], row["expected"], row["actual"]) == (
        "COD002",
        "a HCPCS code valid in 2025Q4",
        "J9O35",
    )


def test_cod002_known_code_or_date_outside_the_quarter_passes():
    assert run(UNKNOWN_CODE, one_claim(line(procedure_code="J1745")), REF_Q4).height == 0
    before = one_claim(line(procedure_code="J9O35", service_date=date(2025, 9, 30)))
    after = one_claim(line(procedure_code="J9O35", service_date=date(2026, 1, 1)))
    assert run(UNKNOWN_CODE, before, REF_Q4).height == 0
    assert run(UNKNOWN_CODE, after, REF_Q4).height == 0


def test_cod002_needs_to_know_the_hcpcs_quarter():
    assert run(UNKNOWN_CODE, one_claim(line(procedure_code="J9O35")), reference()).height == 0


# --- COD003 -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "column,modifier", [("modifier_1", "25"), ("modifier_2", "50"), ("modifier_1", "TC")]
)
def test_cod003_modifier_not_for_a_drug(column, modifier):
    ln = line(procedure_code="J1100", units=10.0, **{column: modifier})
    out = run(MODIFIER_NOT_FOR_DRUGS, one_claim(ln))
    assert out.height == 1
    row = out.row(0, named=True)
    assert (row["rule_id"], row["severity"], row["actual"]) == ("COD003", "warning", modifier)


def test_cod003_drug_modifiers_and_non_drug_lines_pass():
    f = one_claim(
        line(procedure_code="J9312", units=10.0, modifier_1="JZ", modifier_2="JG", line_number=1),
        line(procedure_code="99214", modifier_1="25", line_number=2),
    )
    assert run(MODIFIER_NOT_FOR_DRUGS, f).height == 0


def test_cod002_code_priced_only_in_a_later_quarter_did_not_exist_yet():
    # J0014 is in the Oct 2026 ASP file only (1 MG, 1.825), not in the Oct 2025 HCPCS file.
    later = {
        "hcpcs": "J0014",
        "quarter": "2026Q4",
        "effective_start": date(2026, 10, 1),
        "effective_end": date(2026, 12, 31),
        "dosage_descriptor": "1 MG",
        "dosage_amount": 1.0,
        "dosage_unit": "MG",
        "payment_limit": 1.825,
    }
    ref = reference(asp_pricing=[*ASP_ROWS, later], quarters={"hcpcs": "2025Q4"})
    out = run(UNKNOWN_CODE, one_claim(line(procedure_code="J0014")), ref)
    assert out["actual"].to_list() == ["J0014"]
