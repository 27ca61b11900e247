"""The rule framework: what a rule is, the findings frame, and how rules are run.

A rule is small, pure and vectorized: a function from the parsed frames and the reference
tables to a findings frame. No per-claim Python loops: joins, group-bys and expressions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

CATEGORIES = (
    "syntax",
    "balancing",
    "code_validity",
    "units",
    "mue",
    "waste_modifier",
    "admin_pairing",
    "ndc",
    "unclassified_drug",
    "prior_auth",
    "charge",
    "medical_necessity",
    "payment",
)
SEVERITIES = ("error", "warning", "info")

# The findings frame before run-level columns (run_id) are added. claim_index is the
# file-local claim key used to decide dispositions; it is dropped from the published report.
FINDING_SCHEMA: dict[str, pl.DataType] = {
    "source_file": pl.String,
    "interchange_control": pl.String,
    "group_control": pl.String,
    "transaction_control": pl.String,
    "claim_index": pl.Int64,
    "claim_id": pl.String,
    "line_number": pl.Int64,
    "segment_position": pl.Int64,
    "rule_id": pl.String,
    "category": pl.String,
    "severity": pl.String,
    "message": pl.String,
    "expected": pl.String,
    "actual": pl.String,
    "carc": pl.String,
    "fix_applied": pl.Boolean,
}


@dataclass(frozen=True)
class Frames:
    """The parsed content of one or more input files."""

    envelopes: pl.DataFrame
    claims: pl.DataFrame
    lines: pl.DataFrame


@dataclass(frozen=True)
class Rule:
    """One check. `check(frames, ref) -> DataFrame` returns rows that `findings()` completes.

    The check returns a frame with at least the source columns of the line or claim it is about
    (source_file ... claim_id, and line_number / segment_position where it has them) plus
    `message`, `expected`, `actual`. The framework adds rule_id, category, severity, carc and
    fix_applied, so the metadata lives in one place: the Rule.
    """

    rule_id: str
    category: str
    severity: str
    carc: str
    title: str
    doc: str
    check: Callable[[Frames, Any], pl.DataFrame] = field(repr=False)

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(f"{self.rule_id}: unknown category {self.category!r}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"{self.rule_id}: unknown severity {self.severity!r}")

    def findings(self, frames: Frames, ref: Any) -> pl.DataFrame:
        return self.finish(self.check(frames, ref))

    def finish(self, raw: pl.DataFrame) -> pl.DataFrame:
        """Complete raw finding rows with this rule's metadata."""
        return to_findings(
            raw,
            rule_id=self.rule_id,
            category=self.category,
            severity=self.severity,
            carc=self.carc,
        )


def to_findings(
    raw: pl.DataFrame,
    *,
    rule_id: str,
    category: str,
    severity: str,
    carc: str,
    fix_applied: bool = False,
) -> pl.DataFrame:
    """Complete a rule's raw rows into the findings schema (missing columns become null)."""
    constants = {
        "rule_id": rule_id,
        "category": category,
        "severity": severity,
        "carc": carc,
    }
    exprs = []
    for name, dtype in FINDING_SCHEMA.items():
        if name in constants and name not in raw.columns:
            exprs.append(pl.lit(constants[name], dtype=dtype).alias(name))
        elif name == "fix_applied" and name not in raw.columns:
            exprs.append(pl.lit(fix_applied, dtype=dtype).alias(name))
        elif name in raw.columns:
            exprs.append(pl.col(name).cast(dtype).alias(name))
        else:
            exprs.append(pl.lit(None, dtype=dtype).alias(name))
    if raw.height == 0:
        return pl.DataFrame(schema=FINDING_SCHEMA)
    return raw.select(exprs)


def labelled(label: str, column: str) -> pl.Expr:
    """ " <label> <value>" where the column has a value, "" where it is null: for optional parts of
    a message such as " line 2" or " element SV101"."""
    return (
        pl.when(pl.col(column).is_not_null())
        .then(pl.format(f" {label} {{}}", pl.col(column)))
        .otherwise(pl.lit(""))
    )


def empty_findings() -> pl.DataFrame:
    return pl.DataFrame(schema=FINDING_SCHEMA)


def run_rules(rules: list[Rule], frames: Frames, ref: Any) -> pl.DataFrame:
    """Run every rule and stack their findings."""
    parts = [rule.findings(frames, ref) for rule in rules]
    parts = [p for p in parts if p.height]
    if not parts:
        return empty_findings()
    return pl.concat(parts, how="vertical")


def dispositions(claims: pl.DataFrame, findings: pl.DataFrame) -> pl.DataFrame:
    """One row per claim: accepted unless any finding on it is an error."""
    key = ["source_file", "claim_index"]
    counts = findings.group_by(key).agg(
        (pl.col("severity") == "error").sum().cast(pl.Int64).alias("errors"),
        (pl.col("severity") == "warning").sum().cast(pl.Int64).alias("warnings"),
    )
    return (
        claims.select(key)
        .join(counts, on=key, how="left")
        .with_columns(pl.col("errors").fill_null(0), pl.col("warnings").fill_null(0))
        .with_columns(
            pl.when(pl.col("errors") > 0)
            .then(pl.lit("rejected"))
            .otherwise(pl.lit("accepted"))
            .alias("disposition")
        )
    )
