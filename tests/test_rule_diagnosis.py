"""DX001-DX003: ICD-10-CM diagnosis validity and diagnosis pointers.

Expected values from the CMS ICD-10-CM code set: M54.5 (low back pain) became a category in
FY2022 with billable M54.50, M54.51, M54.59; K50.90 and M06.9 are billable; M06.90 does not
exist (M06.9 has no children).
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.framebuilders import line, one_claim, run
from transforms.rules.diagnosis import (
    DIAGNOSIS_OUTSIDE_CODE_SET,
    INVALID_DIAGNOSIS,
    POINTER_WITHOUT_DIAGNOSIS,
    classify,
)


@pytest.mark.parametrize(
    "code,status",
    [
        ("M545", "header"),
        ("M54.5", "header"),
        ("M5450", "billable"),
        ("K5090", "billable"),
        ("M069", "billable"),
    ],
)
def test_classify_against_the_code_set(code, status):
    assert classify(code)[0] == status


def test_dx001_category_code_names_its_billable_codes():
    f = one_claim(line(), diagnoses=["K5090", "M545"])
    out = run(INVALID_DIAGNOSIS, f)
    assert out.height == 1
    row = out.row(0, named=True)
    assert (row["rule_id"], row["severity"], row["line_number"]) == ("DX001", "error", None)
    assert (row["expected"], row["actual"]) == ("a billable ICD-10-CM code", "M545")
    assert row["segment_position"] == 22  # the claim's HI segment
    assert "position 2" in row["message"] and "M5450, M5451, M5459" in row["message"]


def test_dx001_unknown_code_names_the_nearest_parent():
    out = run(INVALID_DIAGNOSIS, one_claim(line(), diagnoses=["M0690"]))
    assert out["actual"].to_list() == ["M0690"]
    assert "the nearest existing code is M069" in out["message"][0]


def test_dx001_billable_codes_pass_with_or_without_the_dot():
    assert run(INVALID_DIAGNOSIS, one_claim(line(), diagnoses=["K50.90", "M069", "M5450"])).height == 0


def test_dx001_uses_the_line_date_when_the_claim_has_none():
    f = one_claim(line(service_date=date(2025, 11, 5)), diagnoses=["M545"], claim_service_date=None)
    assert run(INVALID_DIAGNOSIS, f)["actual"].to_list() == ["M545"]


def test_dx001_icd9_code_after_october_2015():
    f = one_claim(line(), diagnoses=["4659"], diagnosis_qualifiers=["BK"])
    out = run(INVALID_DIAGNOSIS, f)
    assert out["actual"].to_list() == ["4659"]
    assert "ICD-9-CM code (qualifier BK)" in out["message"][0]
    # before ICD-10-CM was required, BK was right and nothing is judged
    old = one_claim(
        line(service_date=date(2004, 2, 1)),
        diagnoses=["4659"],
        diagnosis_qualifiers=["BK"],
        claim_service_date=date(2004, 2, 1),
    )
    assert run(INVALID_DIAGNOSIS, old).height == 0
    assert run(DIAGNOSIS_OUTSIDE_CODE_SET, old).height == 0


def test_dx002_outside_the_code_sets_fiscal_year_is_a_warning_only():
    f = one_claim(
        line(service_date=date(2021, 6, 1)), diagnoses=["M545"], claim_service_date=date(2021, 6, 1)
    )
    assert run(INVALID_DIAGNOSIS, f).height == 0
    out = run(DIAGNOSIS_OUTSIDE_CODE_SET, f)
    assert (out["rule_id"].to_list(), out["severity"].to_list()) == (["DX002"], ["warning"])


def test_dx003_pointer_past_the_claims_diagnoses():
    ln = line(diagnosis_pointers=[1, 3])
    out = run(POINTER_WITHOUT_DIAGNOSIS, one_claim(ln, diagnoses=["M069", "K5090"]))
    assert out.height == 1
    row = out.row(0, named=True)
    assert (row["line_number"], row["expected"], row["actual"]) == (1, "1 to 2", "3")
    assert row["segment_position"] == ln["sv_position"]


def test_dx003_pointers_within_range_pass():
    f = one_claim(line(diagnosis_pointers=[2, 1]), diagnoses=["M069", "K5090"])
    assert run(POINTER_WITHOUT_DIAGNOSIS, f).height == 0


def test_inpatient_claims_use_the_through_date():
    # 837I 111 from 2025-09-28 through 2025-10-03: discharged in FY2026, so DX001 judges it
    f = one_claim(
        line(service_date=date(2025, 9, 28), revenue_code="0636"),
        claim_type="837I",
        bill_type="111",
        diagnoses=["M545"],
        claim_service_date=date(2025, 9, 28),
        claim_service_date_end=date(2025, 10, 3),
    )
    assert run(INVALID_DIAGNOSIS, f)["actual"].to_list() == ["M545"]
    assert run(DIAGNOSIS_OUTSIDE_CODE_SET, f).height == 0
