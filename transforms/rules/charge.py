"""Line charges on drug lines (category "charge").

CHG001 zero or negative charge on a drug line
CHG002 billed charge below the Medicare ASP payment limit times the units (underbilling)
"""

from __future__ import annotations

import polars as pl

from transforms.framework import Frames, Rule
from transforms.rules.drug_lines import (
    bill_type_prefix,
    drug_lines,
    findings,
    has_modifier,
    is_noc,
    line_label,
    num,
    service_date,
    sv_element,
    with_opps_status,
)
from transforms.rules.payment import OPPS_BILL_TYPES

# FB: item provided without cost to the provider; SL: state-supplied vaccine. A zero charge is
# how such a line is billed.
NO_COST_MODIFIERS = ("FB", "SL")


def payment_limits(lines: pl.DataFrame, ref) -> pl.DataFrame:
    """Lines with `payment_limit` and `limit_quarter`: the ASP limit of the quarter that covers
    the date of service, null when no loaded quarter does (REF001 reports those)."""
    asp = ref.asp_pricing.filter(pl.col("payment_limit").is_not_null()).select(
        pl.col("hcpcs").alias("procedure_code"),
        pl.col("quarter").alias("limit_quarter"),
        "effective_start",
        "effective_end",
        "payment_limit",
    )
    indexed = lines.with_row_index("_row")
    hits = (
        indexed.select("_row", "procedure_code", "service_date")
        .join(asp, on="procedure_code", how="inner")
        .filter(pl.col("service_date").is_between(pl.col("effective_start"), pl.col("effective_end")))
        .group_by("_row")
        .agg(pl.col("payment_limit").first(), pl.col("limit_quarter").first())
    )
    return indexed.join(hits, on="_row", how="left").drop("_row")


def _priceable(lines: pl.DataFrame) -> pl.DataFrame:
    """Drug lines a payment limit can price: classified codes with a date and positive units."""
    return lines.filter(
        ~is_noc()
        & pl.col("service_date").is_not_null()
        & pl.col("units").is_not_null()
        & (pl.col("units") > 0)
    )


def _allowed() -> pl.Expr:
    return (pl.col("payment_limit") * pl.col("units")).round(2).alias("expected_allowed")


def line_expected_allowed(frames: Frames, ref) -> pl.DataFrame:
    """Per priced drug line: the Medicare payment limit of the date of service's quarter and the
    expected allowed amount (limit x billed units, to the cent), keyed by source_file,
    claim_index and line_number. Not priced: drugs supplied at no cost (FB, SL) and drugs
    packaged under OPPS (status N on 837I bill types 12x-14x), which get no separate payment."""
    no_cost = pl.any_horizontal([has_modifier(m) for m in NO_COST_MODIFIERS])
    packaged = (
        (pl.col("claim_type") == "837I")
        & bill_type_prefix().is_in(OPPS_BILL_TYPES)
        & (pl.col("opps_si") == "N")
    )
    lines = with_opps_status(_priceable(drug_lines(frames)).filter(~no_cost), ref).filter(
        ~packaged.fill_null(False)
    )
    return (
        payment_limits(lines, ref)
        .filter(pl.col("payment_limit").is_not_null())
        .select("source_file", "claim_index", "line_number", "payment_limit", "limit_quarter", _allowed())
    )


def check_zero_charge(frames: Frames, ref) -> pl.DataFrame:
    no_cost = pl.any_horizontal([has_modifier(m) for m in NO_COST_MODIFIERS])
    df = drug_lines(frames).filter(pl.col("charge").is_not_null() & (pl.col("charge") <= 0) & ~no_cost)
    message = pl.format(
        "{} line {} has a charge of {} in {}: a drug line needs its billed charge (a drug supplied "
        "at no cost is billed with modifier FB).",
        pl.col("procedure_code"),
        line_label(),
        num(pl.col("charge")),
        sv_element("SV102", "SV203"),
    )
    return findings(
        df, segment="sv_position", message=message, expected=pl.lit("> 0"), actual=num(pl.col("charge"))
    )


def check_underbilled(frames: Frames, ref) -> pl.DataFrame:
    lines = _priceable(drug_lines(frames)).filter(pl.col("charge").is_not_null() & (pl.col("charge") > 0))
    df = (
        payment_limits(lines, ref)
        .filter(pl.col("payment_limit").is_not_null())
        .with_columns(_allowed())
        .filter(pl.col("charge") < pl.col("expected_allowed") - 0.005)
    )
    message = pl.format(
        "{} line {}: billed {} for {} units on {}, below the Medicare payment limit of {} per unit "
        "({} ASP) x {} units = {}. Payers pay the lower of the charge and the allowed amount, so "
        "the practice loses the difference; check the charge master or the units.",
        pl.col("procedure_code"),
        line_label(),
        num(pl.col("charge")),
        num(pl.col("units")),
        service_date(),
        num(pl.col("payment_limit")),
        pl.col("limit_quarter"),
        num(pl.col("units")),
        num(pl.col("expected_allowed")),
    )
    return findings(
        df,
        segment="sv_position",
        message=message,
        expected=pl.format(">= {}", num(pl.col("expected_allowed"))),
        actual=num(pl.col("charge")),
    )


ZERO_CHARGE = Rule(
    rule_id="CHG001",
    category="charge",
    severity="error",
    carc="CO-16",
    title="Zero or negative charge on a drug line",
    doc="""\
What it does
    Flags a drug line whose charge (SV102 / SV203) is zero or negative, unless the line carries FB
    (supplied at no cost) or SL (state-supplied).

Why is this bad
    Payers return a drug line without a charge as unprocessable (CARC 16, remark M79); nothing can
    be paid on it.

Example
    SV1*HC:J1745*0*UN*40 fails; SV1*HC:J1745*1250*UN*40 or SV1*HC:J1745:FB*0*UN*40 passes.

False alarms
    FB and SL lines, where zero is the right charge, are skipped.
""",
    check=check_zero_charge,
)

UNDERBILLED = Rule(
    rule_id="CHG002",
    category="charge",
    severity="warning",
    carc="CO-45",
    title="Charge below the Medicare payment limit times the units",
    doc="""\
What it does
    Compares a drug line's charge with the Medicare Part B ASP payment limit of the quarter that
    covers its date of service, times its billed units.

Why is this bad
    Payers allow the lower of the billed charge and the fee schedule; a charge below the payment
    limit leaves money unpaid on every such claim, often from an old charge master entry or units
    billed in the wrong increment.

Example
    J1745 (payment limit 31.09 per 10 mg in 2025Q4), 40 units on 2025-11-05, charged 1000: expected
    at least 40 x 31.09 = 1243.60, so it warns; charged 1500 it passes.

False alarms
    A warning, never a rejection; unclassified codes (no limit) and dates no loaded quarter covers
    are skipped rather than priced from another quarter.
""",
    check=check_underbilled,
)

RULES = [ZERO_CHARGE, UNDERBILLED]
