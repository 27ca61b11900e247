"""Medically Unlikely Edits (category "mue").

MUE001 units on one line above a line-edit MUE (MAI 1)
MUE002 units for one code and date above a policy date-of-service MUE (MAI 2)
MUE003 units for one code and date above a clinical date-of-service MUE (MAI 3)

Values: CMS NCCI MUE tables, practitioner for 837P, outpatient hospital for 837I outpatient
bill types. Units of every line of the code count, discarded (JW) units included: CMS counts
administered and discarded units of a drug against its MUE. Only claims whose payer profile has
mue_applies (traditional Medicare by default) are checked.
"""

from __future__ import annotations

import polars as pl

from transforms.framework import Frames, Rule
from transforms.rules.drug_lines import (
    CLAIM_KEY,
    bill_type_prefix,
    findings,
    line_label,
    num,
    service_date,
    with_claim_context,
)

# 837I bill types the outpatient-hospital MUE table applies to: hospital outpatient (13x),
# hospital other Part B (14x), critical access hospital (85x).
OPH_BILL_TYPES = ("13", "14", "85")


def _lines_with_mue(frames: Frames, ref, mai: tuple[int, ...]) -> pl.DataFrame:
    """Lines (any HCPCS code in the MUE table) with the setting's MUE value for their code."""
    applies = ref.payer_profiles.filter(pl.col("mue_applies").fill_null(False)).select(
        pl.col("filing_indicator").alias("payer_filing_indicator")
    )
    lines = with_claim_context(
        frames.lines.filter(
            (pl.col("procedure_qualifier") == "HC")
            & pl.col("procedure_code").is_not_null()
            & pl.col("units").is_not_null()
        ),
        frames.claims,
    ).join(applies, on="payer_filing_indicator", how="semi")
    lines = lines.with_columns(
        pl.when(pl.col("claim_type") == "837P")
        .then(pl.lit("practitioner"))
        .when((pl.col("claim_type") == "837I") & bill_type_prefix().is_in(OPH_BILL_TYPES))
        .then(pl.lit("outpatient_hospital"))
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias("mue_setting")
    )
    table = ref.mue.filter(pl.col("mai").is_in(mai)).select(
        pl.col("hcpcs").alias("procedure_code"),
        pl.col("setting").alias("mue_setting"),
        "mue_value",
        "mai",
        "rationale",
        pl.col("version").alias("mue_version"),
    )
    return lines.join(table, on=["procedure_code", "mue_setting"], how="inner")


def _setting_name() -> pl.Expr:
    return pl.col("mue_setting").replace_strict(
        {"practitioner": "practitioner", "outpatient_hospital": "outpatient hospital"}, default="?"
    )


def check_line_mue(frames: Frames, ref) -> pl.DataFrame:
    df = _lines_with_mue(frames, ref, (1,)).filter(pl.col("units") > pl.col("mue_value"))
    message = pl.format(
        "{} line {} bills {} units; the {} MUE is {} per line (MAI 1, {} {}): "
        "the line is denied. Split over dates only if the drug was given on several dates.",
        pl.col("procedure_code"),
        line_label(),
        num(pl.col("units")),
        _setting_name(),
        pl.col("mue_value"),
        pl.col("rationale").fill_null("no rationale"),
        pl.col("mue_version").fill_null(""),
    )
    return findings(
        df,
        segment="sv_position",
        message=message,
        expected=pl.format("<= {}", pl.col("mue_value")),
        actual=num(pl.col("units")),
    )


def _date_total_over(frames: Frames, ref, mai: int) -> pl.DataFrame:
    """The first line of each (claim, code, date or date range) whose summed units exceed the
    MAI's MUE; a line dated over a range (DTP*472 RD8) may bill the MUE once per day of it."""
    df = _lines_with_mue(frames, ref, (mai,)).with_columns(
        pl.col("service_date_end").fill_null(pl.col("service_date")).alias("_end")
    )
    key = [*CLAIM_KEY, "procedure_code", "service_date", "_end"]
    days = ((pl.col("_end") - pl.col("service_date")).dt.total_days() + 1).fill_null(1).clip(lower_bound=1)
    return (
        df.sort("sv_position")
        .group_by(key, maintain_order=True)
        .agg(
            pl.all().first(),
            pl.col("units").sum().alias("date_units"),
            pl.col("line_number").cast(pl.String).str.join(", ").alias("date_lines"),
        )
        .with_columns(days.alias("span_days"))
        .with_columns((pl.col("mue_value") * pl.col("span_days")).alias("date_limit"))
        .filter(pl.col("date_units") > pl.col("date_limit"))
    )


def _date_message(consequence: str) -> pl.Expr:
    when = (
        pl.when(pl.col("span_days") > 1)
        .then(
            pl.format(
                "{} to {} ({} days, so at most {} units)",
                service_date(),
                pl.col("_end").cast(pl.String),
                pl.col("span_days"),
                pl.col("date_limit"),
            )
        )
        .otherwise(service_date())
    )
    return pl.format(
        "{} on {}: lines {} bill {} units in all (discarded JW units count); the {} MUE is {} "
        "per date of service (MAI {}, {} {}). {}",
        pl.col("procedure_code"),
        when,
        pl.col("date_lines"),
        num(pl.col("date_units")),
        _setting_name(),
        pl.col("mue_value"),
        pl.col("mai"),
        pl.col("rationale").fill_null("no rationale"),
        pl.col("mue_version").fill_null(""),
        pl.lit(consequence),
    )


def check_policy_date_mue(frames: Frames, ref) -> pl.DataFrame:
    df = _date_total_over(frames, ref, 2)
    return findings(
        df,
        segment="sv_position",
        message=_date_message("A policy limit: units above it are not paid, even on appeal."),
        expected=pl.format("<= {}", pl.col("date_limit")),
        actual=num(pl.col("date_units")),
    )


def check_clinical_date_mue(frames: Frames, ref) -> pl.DataFrame:
    df = _date_total_over(frames, ref, 3)
    return findings(
        df,
        segment="sv_position",
        message=_date_message(
            "The line is denied as billed; a clinical limit, so medical records may support the "
            "units on appeal. Check the dose and the units first."
        ),
        expected=pl.format("<= {}", pl.col("date_limit")),
        actual=num(pl.col("date_units")),
    )


LINE_MUE = Rule(
    rule_id="MUE001",
    category="mue",
    severity="error",
    carc="CO-151",
    title="Units on one line above the line MUE (MAI 1)",
    doc="""\
What it does
    Compares a line's units (SV104 / SV205) with the code's Medically Unlikely Edit when the MUE
    adjudication indicator (MAI) is 1, a per-line edit: practitioner values on 837P,
    outpatient-hospital values on 837I outpatient bill types (13x, 14x, 85x).

Why is this bad
    Medicare denies the whole line when its units exceed a MAI 1 MUE (CARC 151).

Example
    A code whose practitioner MUE is 1 with MAI 1, billed 2 units on one line, fails; 1 unit passes.

False alarms
    Only codes in the CMS MUE table with MAI 1 are checked, and only on claims whose payer profile
    has mue_applies (traditional Medicare, MB and MA, by default: Medicaid programs keep their
    own MUE tables and commercial payers vary); inpatient and other 837I bill types, which MUEs
    do not cover, are skipped.
""",
    check=check_line_mue,
)

POLICY_DATE_MUE = Rule(
    rule_id="MUE002",
    category="mue",
    severity="error",
    carc="CO-151",
    title="Units for one code and date above a policy MUE (MAI 2)",
    doc="""\
What it does
    Sums the units of every line of one code on one date of service in a claim (discarded JW units
    included) and compares them with the code's MUE when its MAI is 2 (a date-of-service edit based
    on policy).

Why is this bad
    MAI 2 limits are absolute; units above them are never paid, even on appeal.

Example
    Two lines of a code with a practitioner MUE of 4 (MAI 2), 3 and 2 units on one date: 5 > 4
    fails; 2 and 2 passes.

False alarms
    Lines on different dates are not summed; only lines of the same claim are summed (the file
    carries no patient key across claims). A line dated over a range (DTP*472 RD8, e.g. a week of
    home infusion) may bill the MUE once for each day of the range.
""",
    check=check_policy_date_mue,
)

CLINICAL_DATE_MUE = Rule(
    rule_id="MUE003",
    category="mue",
    severity="warning",
    carc="CO-151",
    title="Units for one code and date above a clinical MUE (MAI 3)",
    doc="""\
What it does
    Does what MUE002 does, for codes whose MAI is 3 (a date-of-service edit based on clinical
    information, e.g. prescribing information).

Why is this bad
    The MAC denies the units as billed; unlike MAI 2 a denial can be overturned on appeal with
    medical records, so this is a warning: most often the units are miscounted (a dose in mg billed
    as units) and the analyst should check the dose.

Example
    J2405 (ondansetron, per 1 mg), practitioner MUE 64 (MAI 3): 70 units on one date fails; 64
    passes.

False alarms
    As MUE002; a warning does not reject the claim.
""",
    check=check_clinical_date_mue,
)

RULES = [LINE_MUE, POLICY_DATE_MUE, CLINICAL_DATE_MUE]
