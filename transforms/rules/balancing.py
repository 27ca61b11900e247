"""Claim balancing (category "balancing").

BAL001 CLM02 total charge differs from the sum of the line charges (WEDI SNIP type 3)
"""

from __future__ import annotations

import polars as pl

from transforms.framework import Frames, Rule
from transforms.rules.drug_lines import CLAIM_KEY, CLAIM_SOURCE, num

CENT = 0.005


def check_claim_total(frames: Frames, ref) -> pl.DataFrame:
    sums = frames.lines.group_by(CLAIM_KEY).agg(
        pl.col("charge").fill_null(0.0).sum().alias("line_total"),
        pl.len().alias("line_count"),
    )
    df = (
        frames.claims.join(sums, on=CLAIM_KEY, how="inner")
        .filter(pl.col("total_charge").is_not_null())
        .filter((pl.col("total_charge") - pl.col("line_total")).abs() > CENT)
    )
    element = pl.when(pl.col("claim_type") == "837I").then(pl.lit("SV203")).otherwise(pl.lit("SV102"))
    message = pl.format(
        "Claim total CLM02 {} does not equal the sum of its {} line charges ({}) {}: the claim does "
        "not balance (WEDI SNIP type 3), off by {}.",
        num(pl.col("total_charge")),
        pl.col("line_count"),
        element,
        num(pl.col("line_total").round(2)),
        num((pl.col("total_charge") - pl.col("line_total")).round(2)),
    )
    return df.select(
        *CLAIM_SOURCE,
        pl.col("clm_position").alias("segment_position"),
        message.alias("message"),
        num(pl.col("line_total").round(2)).alias("expected"),
        num(pl.col("total_charge")).alias("actual"),
    )


CLAIM_OUT_OF_BALANCE = Rule(
    rule_id="BAL001",
    category="balancing",
    severity="error",
    carc="CO-16",
    title="Claim total charge differs from the sum of line charges",
    doc="""\
What it does
    Compares CLM02 (total claim charge) with the sum of the service-line charges, SV102 on 837P or
    SV203 on 837I, to the cent.

Why is this bad
    The implementation guide requires CLM02 to equal the sum of the line charges; payers' front ends
    reject an unbalanced claim (WEDI SNIP type 3 edit) before adjudication.

Example
    CLM*X*500 with lines of 300 and 150 fails (expected 450); with lines of 300 and 200 passes.

False alarms
    Amounts are compared to half a cent, so 12.3 and 12.30 agree.
""",
    check=check_claim_total,
)

RULES = [CLAIM_OUT_OF_BALANCE]
