"""Building blocks shared by the drug-line rules.

Which lines are drug lines, modifier tests, NDC normalization, the claim context a rule needs
(payer, place of service, bill type), the columns a raw finding carries, and number formatting
for messages. Everything here is a Polars expression or a frame-to-frame function.
"""

from __future__ import annotations

from datetime import date

import polars as pl

# Source columns copied from the line (or claim) row onto every finding.
SOURCE = [
    "source_file",
    "interchange_control",
    "group_control",
    "transaction_control",
    "claim_index",
    "claim_id",
    "line_number",
]
# `expected` of a finding on a drug line that has no 2410 LIN/CTP (NDC006, UNC002)
NDC_EXPECTED = "LIN*N4 NDC and CTP quantity"
CLAIM_SOURCE = [c for c in SOURCE if c != "line_number"]  # for claim-level findings
CLAIM_KEY = ["source_file", "claim_index"]
MODIFIERS = ["modifier_1", "modifier_2", "modifier_3", "modifier_4"]

# Unclassified / not-otherwise-classified drug codes: no fixed descriptor, no crosswalk entry.
NOC_CODES = (
    "J3490",  # unclassified drugs
    "J3590",  # unclassified biologics
    "J3591",  # unclassified drug or biological used for ESRD on dialysis
    "J7599",  # immunosuppressive drug, not otherwise classified
    "J7699",  # NOC drugs, inhalation solution administered through DME
    "J7799",  # NOC drugs, other than inhalation drugs, administered through DME
    "J7999",  # compounded drug, not otherwise classified
    "J8499",  # oral prescription drug, non chemotherapeutic, NOS
    "J8999",  # prescription drug, oral, chemotherapeutic, NOS
    "J9999",  # not otherwise classified, antineoplastic drugs
    "C9399",  # unclassified drugs or biologicals (hospital outpatient)
)

# CTP05-1 unit qualifiers as an analyst reads them.
NDC_UNIT_NAMES = {"ME": "mg", "GR": "g", "F2": "IU", "ML": "mL", "UN": "UN"}

# JZ became required on 2023-07-01 (claims lacking JW/JZ returned from 2023-10-01).
JZ_REQUIRED_FROM = date(2023, 7, 1)


BIOSIMILAR = r"^Q51\d\d$"


def is_drug_line() -> pl.Expr:
    """A drug line: a HCPCS (HC) J code, or a Q51xx biosimilar (billed like the J-code reference
    product it copies: per-mg descriptor, NDC, JW/JZ, administration code)."""
    code = pl.col("procedure_code")
    return (pl.col("procedure_qualifier") == "HC") & (
        code.str.starts_with("J") | code.str.contains(BIOSIMILAR)
    )


def is_noc() -> pl.Expr:
    return pl.col("procedure_code").is_in(NOC_CODES)


def has_modifier(modifier: str) -> pl.Expr:
    return pl.any_horizontal([pl.col(c).fill_null("") == modifier for c in MODIFIERS])


def modifier_list() -> pl.Expr:
    """Modifiers as billed, e.g. "JW-JG", or "none"."""
    joined = pl.concat_str([pl.col(c) for c in MODIFIERS], separator="-", ignore_nulls=True)
    return pl.when(joined.fill_null("") == "").then(pl.lit("none")).otherwise(joined)


def ndc_digits() -> pl.Expr:
    return pl.col("ndc").str.replace_all(r"\D", "")


def ndc11_standard() -> pl.Expr:
    """The line's NDC as 11 digits when it is written in a standard layout, else null.

    Standard: 11 digits; 5-4-2 with hyphens; the three 10-digit layouts 4-4-2, 5-3-2, 5-4-1 with
    hyphens (zero-padded into the short segment).
    """
    raw = pl.col("ndc").str.strip_chars()
    digits = raw.str.replace_all(r"\D", "")
    return (
        pl.when(raw.str.contains(r"^\d{11}$"))
        .then(raw)
        .when(raw.str.contains(r"^\d{5}-\d{4}-\d{2}$"))
        .then(digits)
        .when(raw.str.contains(r"^\d{4}-\d{4}-\d{2}$"))
        .then(pl.lit("0") + digits)
        .when(raw.str.contains(r"^\d{5}-\d{3}-\d{2}$"))
        .then(digits.str.slice(0, 5) + pl.lit("0") + digits.str.slice(5))
        .when(raw.str.contains(r"^\d{5}-\d{4}-\d{1}$"))
        .then(digits.str.slice(0, 9) + pl.lit("0") + digits.str.slice(9))
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def ndc11() -> pl.Expr:
    """The line's NDC as 11 digits (5-4-2, no hyphens) for reference look-ups, or null.

    A standard layout (see `ndc11_standard`), or 11 digits with unusual hyphens (digits kept in
    order: '005-170-03125' -> 00517003125). A 10-digit NDC without hyphens or in an unusual
    layout is ambiguous and stays null.
    """
    raw = pl.col("ndc").str.strip_chars()
    digits = raw.str.replace_all(r"\D", "")
    unusual_11 = (
        pl.when(raw.str.contains(r"^[\d-]+$") & (digits.str.len_chars() == 11))
        .then(digits)
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    return pl.coalesce(ndc11_standard(), unusual_11)


def num(expr: pl.Expr) -> pl.Expr:
    """A number for a message: 400.0 -> "400", 6.24 -> "6.24", 15.600000001 -> "15.6"."""
    return expr.round(6).cast(pl.String).str.replace(r"\.0$", "")


def text(col: str, missing: str = "(missing)") -> pl.Expr:
    """A column as message text; nulls would blank the whole message, so they become `missing`."""
    return pl.col(col).cast(pl.String).fill_null(missing)


def line_label() -> pl.Expr:
    """LX01 for a message; "?" when it could not be read as a number (a null would blank the message)."""
    return text("line_number", "?")


def blank(col: str) -> pl.Expr:
    """True where a text column is null or only whitespace."""
    return pl.col(col).fill_null("").str.strip_chars() == ""


def service_date() -> pl.Expr:
    return text("service_date", "(no date)")


def ndc_unit_name() -> pl.Expr:
    return pl.col("ndc_unit").replace_strict(NDC_UNIT_NAMES, default=pl.col("ndc_unit"))


def sv_element(name_837p: str, name_837i: str) -> pl.Expr:
    """The element name for the line's claim type, e.g. SV104 on 837P, SV205 on 837I."""
    return pl.when(pl.col("claim_type") == "837I").then(pl.lit(name_837i)).otherwise(pl.lit(name_837p))


def with_claim_context(lines: pl.DataFrame, claims: pl.DataFrame) -> pl.DataFrame:
    """Lines with the claim-level columns rules need: payer, place of service/facility, bill type."""
    ctx = claims.select(*CLAIM_KEY, "payer_filing_indicator", "facility_code", "bill_type")
    return lines.join(ctx, on=CLAIM_KEY, how="left")


def bill_type_prefix() -> pl.Expr:
    """Facility type + classification of an 837I bill type ("131" -> "13"; "0131" -> "13")."""
    bt = pl.col("bill_type").fill_null("").str.strip_chars().str.strip_prefix("0")
    return bt.str.slice(0, 2)


def with_opps_status(df: pl.DataFrame, ref) -> pl.DataFrame:
    """Add `opps_si` and `opps_version`: the OPPS status indicator of the latest loaded Addendum B."""
    si = (
        ref.opps_status.sort("version", nulls_last=False)
        .group_by("hcpcs", maintain_order=True)
        .last()
        .select(
            pl.col("hcpcs").alias("procedure_code"),
            pl.col("status_indicator").alias("opps_si"),
            pl.col("version").alias("opps_version"),
        )
    )
    return df.join(si, on="procedure_code", how="left")


def drug_lines(frames) -> pl.DataFrame:
    return with_claim_context(frames.lines.filter(is_drug_line()), frames.claims)


def findings(
    df: pl.DataFrame,
    *,
    segment: str,
    message: pl.Expr,
    expected: pl.Expr,
    actual: pl.Expr,
) -> pl.DataFrame:
    """The raw finding rows: source columns, the segment pointed at, message/expected/actual."""
    return df.select(
        *SOURCE,
        pl.col(segment).alias("segment_position"),
        message.alias("message"),
        expected.cast(pl.String).alias("expected"),
        actual.cast(pl.String).alias("actual"),
    )


def crosswalk_latest(ref) -> pl.DataFrame:
    """One crosswalk row per (ndc11, hcpcs): the latest quarter that lists the pair."""
    return (
        ref.ndc_crosswalk.filter(pl.col("ndc11").is_not_null() & pl.col("hcpcs").is_not_null())
        .sort("quarter", nulls_last=False)
        .group_by("ndc11", "hcpcs", maintain_order=True)
        .last()
    )
