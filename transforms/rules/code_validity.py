"""Code validity on drug lines (category "code_validity").

COD001 HCPCS drug code not active on the date of service (terminated, or added later)
COD002 HCPCS drug code unknown to the loaded HCPCS file in the quarter it covers
COD003 modifier that does not apply to a drug line
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from transforms.framework import Frames, Rule
from transforms.rules.drug_lines import (
    MODIFIERS,
    drug_lines,
    findings,
    line_label,
    modifier_list,
    service_date,
    text,
)

# Modifiers that describe a service a drug supply cannot be: evaluation and management (24, 25,
# 57), a professional or technical component split (26, TC), anatomical/bilateral procedure
# modifier (50) and a repeat procedure (76, 77). A drug's quantity is reported in units, never by
# component or as bilateral. LT/RT are not flagged: several MACs ask for them on eye drug lines
# (intravitreal injections).
NOT_FOR_DRUGS = {
    "24": "unrelated E/M service in a postoperative period",
    "25": "significant, separately identifiable E/M service",
    "57": "decision for surgery",
    "26": "professional component",
    "TC": "technical component",
    "50": "bilateral procedure",
    "76": "repeat procedure by the same physician",
    "77": "repeat procedure by another physician",
}


def _with_hcpcs(frames: Frames, ref) -> pl.DataFrame:
    codes = ref.hcpcs.select(
        pl.col("hcpcs").alias("procedure_code"), "short_description", "add_date", "termination_date"
    )
    return drug_lines(frames).join(codes, on="procedure_code", how="left")


def check_inactive_code(frames: Frames, ref) -> pl.DataFrame:
    dos = pl.col("service_date")
    terminated = pl.col("termination_date").is_not_null() & (pl.col("termination_date") < dos)
    not_yet = pl.col("add_date").is_not_null() & (pl.col("add_date") > dos)
    df = _with_hcpcs(frames, ref).filter(dos.is_not_null() & (terminated | not_yet))
    message = (
        pl.when(terminated)
        .then(
            pl.format(
                "{} ({}) was terminated on {}; it is not valid for the date of service {}. Bill the "
                "code that replaced it (see the HCPCS file's cross-reference).",
                pl.col("procedure_code"),
                text("short_description", "no description"),
                pl.col("termination_date").cast(pl.String),
                service_date(),
            )
        )
        .otherwise(
            pl.format(
                "{} ({}) was added to HCPCS on {}; it did not exist on the date of service {}.",
                pl.col("procedure_code"),
                text("short_description", "no description"),
                pl.col("add_date").cast(pl.String),
                service_date(),
            )
        )
    )
    expected = (
        pl.when(terminated)
        .then(pl.format("date of service <= {}", pl.col("termination_date").cast(pl.String)))
        .otherwise(pl.format("date of service >= {}", pl.col("add_date").cast(pl.String)))
    )
    return findings(df, segment="sv_position", message=message, expected=expected, actual=service_date())


def hcpcs_quarter_window(ref) -> tuple[date, date] | None:
    """The dates the loaded HCPCS file is authoritative for: its quarter, e.g. 2025Q4."""
    quarter = (ref.version.get("quarters") or {}).get("hcpcs")
    if not isinstance(quarter, str) or len(quarter) != 6 or quarter[4] != "Q":
        return None
    year, q = int(quarter[:4]), int(quarter[5])
    start = date(year, 3 * q - 2, 1)
    next_start = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
    end = next_start - timedelta(days=1)
    return start, end


def check_unknown_code(frames: Frames, ref) -> pl.DataFrame:
    window = hcpcs_quarter_window(ref)
    if window is None:
        return findings(
            drug_lines(frames).head(0),
            segment="sv_position",
            message=pl.lit(""),
            expected=pl.lit(""),
            actual=pl.lit(""),
        )
    start, end = window
    # Known on the date: in the HCPCS file (the authority for its quarter), or in an ASP pricing or
    # crosswalk quarter that covers the date. A code priced only in a later quarter did not exist yet.
    hcpcs_codes = ref.hcpcs.select(pl.col("hcpcs").alias("procedure_code")).unique()
    priced = ref.asp_pricing.select(
        pl.col("hcpcs").alias("procedure_code"), "effective_start", "effective_end"
    ).unique()
    in_hcpcs_quarter = ref.ndc_crosswalk.filter(pl.col("quarter") == ref.version["quarters"]["hcpcs"])
    crosswalked = in_hcpcs_quarter.select(pl.col("hcpcs").alias("procedure_code")).unique()
    lines = (
        drug_lines(frames)
        .filter(pl.col("service_date").is_between(pl.lit(start), pl.lit(end)))
        .with_row_index("_row")
    )
    priced_on_date = (
        lines.select("_row", "procedure_code", "service_date")
        .join(priced, on="procedure_code", how="inner")
        .filter(pl.col("service_date").is_between(pl.col("effective_start"), pl.col("effective_end")))
        .select("_row")
        .unique()
    )
    df = (
        lines.join(hcpcs_codes, on="procedure_code", how="anti")
        .join(crosswalked, on="procedure_code", how="anti")
        .join(priced_on_date, on="_row", how="anti")
    )
    quarter = ref.version["quarters"]["hcpcs"]
    message = pl.format(
        "{} is not a HCPCS code in the {} HCPCS Level II file, which covers the date of service {}: "
        "check the code for a typo (a letter O for a zero, a missing digit).",
        pl.col("procedure_code"),
        pl.lit(quarter),
        service_date(),
    )
    return findings(
        df,
        segment="sv_position",
        message=message,
        expected=pl.lit(f"a HCPCS code valid in {quarter}"),
        actual=pl.col("procedure_code"),
    )


def check_modifier_not_for_drugs(frames: Frames, ref) -> pl.DataFrame:
    bad = list(NOT_FOR_DRUGS)
    lines = drug_lines(frames)
    first_bad = pl.coalesce(
        [
            pl.when(pl.col(c).is_in(bad)).then(pl.col(c)).otherwise(pl.lit(None, dtype=pl.String))
            for c in MODIFIERS
        ]
    )
    df = lines.with_columns(first_bad.alias("_bad")).filter(pl.col("_bad").is_not_null())
    message = pl.format(
        "{} line {} carries modifier {} ({}), which does not apply to a drug: a drug is billed in "
        "units, with JW/JZ (waste), JG/TB (340B) or payer-specific drug modifiers only. "
        "Modifiers billed: {}.",
        pl.col("procedure_code"),
        line_label(),
        pl.col("_bad"),
        pl.col("_bad").replace_strict(NOT_FOR_DRUGS, default=""),
        modifier_list(),
    )
    return findings(
        df,
        segment="sv_position",
        message=message,
        expected=pl.lit("no E/M, component or anatomical modifier"),
        actual=pl.col("_bad"),
    )


INACTIVE_CODE = Rule(
    rule_id="COD001",
    category="code_validity",
    severity="error",
    carc="CO-181",
    title="HCPCS drug code not valid on the date of service",
    doc="""\
What it does
    Compares the J code's add date and termination date in the HCPCS Level II file with the line's
    date of service.

Why is this bad
    A code billed after its termination date, or before it was added, is invalid for that date;
    payers deny it (CARC 181, procedure code invalid on the date of service).

Example
    J1940 (furosemide, terminated 2025-03-31) on 2025-11-05 fails; J1745 (added 2000-01-01, not
    terminated) passes.

False alarms
    Only codes the file holds are judged, with the file's own dates; codes the file does not hold
    are COD002's concern.
""",
    check=check_inactive_code,
)

UNKNOWN_CODE = Rule(
    rule_id="COD002",
    category="code_validity",
    severity="error",
    carc="CO-181",
    title="J code not in the HCPCS file for the date of service",
    doc="""\
What it does
    Flags a J code billed for a date of service inside the quarter of the loaded HCPCS Level II file
    when the code is neither in that file nor in an ASP pricing or NDC crosswalk quarter that
    covers the date.

Why is this bad
    A code that does not exist is rejected by every payer (CARC 181); it is usually a typo.

Example
    J9O35 (a letter O for the zero of J9035) on 2025-11-05 with the 2025Q4 file loaded fails;
    so does J0014, priced only from 2026Q4 and absent from the 2025Q4 HCPCS file; J1745 passes.

False alarms
    Only dates inside the HCPCS file's quarter are judged: the file lists active codes and recent
    terminations, so an older date's code may have been retired long ago, and a later date's code
    may be new. Dates outside the loaded quarters get REF001 instead.
""",
    check=check_unknown_code,
)

MODIFIER_NOT_FOR_DRUGS = Rule(
    rule_id="COD003",
    category="code_validity",
    severity="warning",
    carc="CO-4",
    title="Modifier that does not apply to a drug line",
    doc="""\
What it does
    Flags modifiers on a drug line that describe a service a drug cannot be: E/M modifiers 24, 25,
    57; component modifiers 26, TC; bilateral procedure 50; repeat procedure 76, 77.

Why is this bad
    Payers deny a line whose modifier is inconsistent with the procedure code (CARC 4); such a
    modifier usually belongs on another line of the claim (25 on the office visit).

Example
    J1100-25 fails (25 belongs on the E/M line); J1100 or J9312-JZ passes.

False alarms
    A warning, since some payers ignore such modifiers; JW, JZ, JG, TB, KX, GA and the like are
    never flagged, nor are LT and RT, which several Medicare contractors ask for on eye drug lines
    (intravitreal injections).
""",
    check=check_modifier_not_for_drugs,
)

RULES = [INACTIVE_CODE, UNKNOWN_CODE, MODIFIER_NOT_FOR_DRUGS]
