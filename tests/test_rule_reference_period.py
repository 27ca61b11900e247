"""REF001: a drug line dated outside every loaded pricing quarter is flagged (warning)."""

from __future__ import annotations

from datetime import date

from tests.framebuilders import ASP_ROWS, line, one_claim, reference, run
from transforms.rules.reference_period import OUTSIDE_REFERENCE_PERIODS

# ASP_ROWS is the Oct 2025 quarter (2025-10-01..2025-12-31); add the Oct 2026 quarter's J9035 row.
Q2026 = {**ASP_ROWS[0], "hcpcs": "J9035", "quarter": "2026Q4"}
Q2026.update(effective_start=date(2026, 10, 1), effective_end=date(2026, 12, 31))
REF = reference(asp_pricing=[*ASP_ROWS, Q2026])
PERIODS = "2025Q4 (2025-10-01 to 2025-12-31), 2026Q4 (2026-10-01 to 2026-12-31)"


def test_date_between_the_loaded_quarters_is_flagged():
    found = run(
        OUTSIDE_REFERENCE_PERIODS, one_claim(line(procedure_code="J9035", service_date=date(2026, 5, 4))), REF
    )
    assert found.height == 1
    row = found.row(0, named=True)
    assert (row["severity"], row["expected"], row["actual"]) == ("warning", PERIODS, "2026-05-04")


def test_dates_inside_a_loaded_quarter_pass():
    for day in (date(2025, 10, 1), date(2025, 12, 31), date(2026, 11, 15)):
        assert (
            run(
                OUTSIDE_REFERENCE_PERIODS, one_claim(line(procedure_code="J9035", service_date=day)), REF
            ).height
            == 0
        )


def test_non_drug_lines_are_not_flagged():
    found = run(
        OUTSIDE_REFERENCE_PERIODS, one_claim(line(procedure_code="96413", service_date=date(2024, 1, 2))), REF
    )
    assert found.height == 0
