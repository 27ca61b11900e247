"""REF001: a drug line whose date of service no loaded pricing quarter covers."""

from __future__ import annotations

import polars as pl

from transforms.framework import Frames, Rule
from transforms.rules.drug_lines import drug_lines, findings, service_date


def _quarters(ref) -> pl.DataFrame:
    return (
        ref.asp_pricing.select("quarter", "effective_start", "effective_end").unique().sort("effective_start")
    )


def check_outside_reference_periods(frames: Frames, ref) -> pl.DataFrame:
    quarters = _quarters(ref)
    lines = drug_lines(frames).filter(pl.col("service_date").is_not_null()).with_row_index("_row")
    covered = (
        lines.select("_row", "service_date")
        .join(quarters, how="cross")
        .filter(pl.col("service_date").is_between(pl.col("effective_start"), pl.col("effective_end")))
        .select("_row")
        .unique()
    )
    periods = ", ".join(
        f"{q} ({start:%Y-%m-%d} to {end:%Y-%m-%d})"
        for q, start, end in quarters.select("quarter", "effective_start", "effective_end").iter_rows()
    )
    message = pl.format(
        "{} on {}: the loaded CMS pricing data covers {} only, so this line's unit, waste-modifier "
        "and NDC checks used the descriptors and crosswalk of other quarters. Load the quarter of the "
        "date of service (scrub837 reference build) to check it against the right data.",
        pl.col("procedure_code"),
        service_date(),
        pl.lit(periods),
    )
    return findings(
        lines.join(covered, on="_row", how="anti"),
        segment="sv_position",
        message=message,
        expected=pl.lit(periods),
        actual=service_date(),
    )


OUTSIDE_REFERENCE_PERIODS = Rule(
    rule_id="REF001",
    category="code_validity",
    severity="warning",
    carc="CO-16",
    title="Date of service outside the loaded reference quarters",
    doc="""\
What it does
    Warns on a drug line whose date of service falls in no quarter of the loaded CMS ASP
    pricing data.

Why is this bad
    Descriptors, payment limits and NDC crosswalks change every quarter; a check made against
    another quarter's data can be wrong, so the analyst must know.

Example
    J9035 on 2026-05-04 while the loaded quarters are 2025Q4 and 2026Q4.

False alarms
    A warning only, on drug lines whose date no loaded quarter covers. The checks that need the
    quarter's own values skip such lines (CHG002 payment limits, COD002 unknown codes); unit checks
    still use the HCPCS file's descriptor in force on the date, which rarely changes.
""",
    check=check_outside_reference_periods,
)

RULES = [OUTSIDE_REFERENCE_PERIODS]
