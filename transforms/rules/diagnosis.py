"""Diagnosis codes (category "code_validity").

DX001 diagnosis not a billable ICD-10-CM code (dates the loaded code set covers)
DX002 diagnosis not in the loaded ICD-10-CM code set (dates it does not cover: warning)
DX003 line diagnosis pointer (SV107) that points at no diagnosis of the claim

The ICD-10-CM code set is the one the simple-icd-10-cm package ships (the CMS tabular list and
code list of its release); `ICD_RELEASE` names it in every finding.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from importlib import metadata, util
from pathlib import Path

import polars as pl

from transforms.framework import Frames, Rule
from transforms.rules.drug_lines import CLAIM_KEY, CLAIM_SOURCE, SOURCE, bill_type_prefix, line_label

ICD10_REQUIRED_FROM = date(2015, 10, 1)


def _icd():
    """The simple_icd_10_cm module; imported on first use (loading the code set takes ~1.5 s)."""
    import simple_icd_10_cm

    return simple_icd_10_cm


def _release() -> tuple[str, tuple[date, date]]:
    """The shipped code list's release ("April 2026") and the fiscal year it belongs to, as the
    dates it is authoritative for: FY2026 runs 2025-10-01 to 2026-09-30 (an April update only adds
    codes to the October release). Unknown release: an empty window, so nothing is an error."""
    spec = util.find_spec("simple_icd_10_cm")
    data = Path(spec.origin).parent / "data" if spec and spec.origin else Path()
    releases = []
    for path in data.glob("code-list-*.txt"):
        label = path.stem.removeprefix("code-list-").replace("-", " ")
        try:
            releases.append((datetime.strptime(label, "%B %Y").date(), label))
        except ValueError:
            continue
    version = metadata.version("simple-icd-10-cm")
    if not releases:
        return f"ICD-10-CM code set (simple-icd-10-cm {version})", (date.max, date.min)
    released, label = max(releases)
    fiscal_year = released.year + 1 if released.month >= 10 else released.year
    window = (date(fiscal_year - 1, 10, 1), date(fiscal_year, 9, 30))
    return f"ICD-10-CM {label} (simple-icd-10-cm {version})", window


ICD_RELEASE, ICD_EFFECTIVE = _release()
INPATIENT_BILL_TYPES = ("11",)  # the code set of the discharge (through) date applies


@cache
def classify(code: str) -> tuple[str, str]:
    """("billable" | "header" | "unknown", hint) for a diagnosis code as sent (dots allowed).

    A header is a category or subcategory with codes below it (not billable); the hint lists
    its billable codes, or for an unknown code the nearest existing parent.
    """
    icd = _icd()
    text = code.strip().upper().replace(".", "")
    if not text or not icd.is_valid_item(text) or icd.is_chapter_or_block(text):
        parent = text[:-1]
        while len(parent) >= 3 and not icd.is_valid_item(parent):
            parent = parent[:-1]
        if len(parent) >= 3 and icd.is_valid_item(parent) and not icd.is_chapter_or_block(parent):
            return "unknown", f"the nearest existing code is {icd.remove_dot(parent)}"
        return "unknown", "no ICD-10-CM code starts like it"
    if icd.is_leaf(text):
        return "billable", ""
    leaves = [icd.remove_dot(c) for c in icd.get_descendants(text) if icd.is_leaf(c)]
    shown = ", ".join(leaves[:6]) + (f" and {len(leaves) - 6} more" if len(leaves) > 6 else "")
    return "header", f"bill one of its codes: {shown}"


def _claim_diagnoses(frames: Frames) -> pl.DataFrame:
    """One row per claim diagnosis: its 1-based position, code, status and hint."""
    first_dates = frames.lines.group_by(CLAIM_KEY).agg(pl.col("service_date").min().alias("_first_line_date"))
    df = (
        frames.claims.select(
            *CLAIM_SOURCE,
            "hi_position",
            "claim_service_date",
            "claim_service_date_end",
            "claim_type",
            "bill_type",
            pl.col("diagnoses").fill_null([]),
            pl.col("diagnosis_qualifiers").fill_null([]),
        )
        # The date the code set is chosen by: an inpatient claim's through (discharge) date; else
        # the claim's date, or its first line date (837P claims usually date only their lines).
        .join(first_dates, on=CLAIM_KEY, how="left")
        .with_columns(
            pl.when((pl.col("claim_type") == "837I") & bill_type_prefix().is_in(INPATIENT_BILL_TYPES))
            .then(pl.coalesce("claim_service_date_end", "claim_service_date"))
            .otherwise(pl.coalesce("claim_service_date", "_first_line_date"))
            .alias("claim_service_date")
        )
        .drop("_first_line_date", "claim_service_date_end", "claim_type", "bill_type")
        .filter(pl.col("diagnoses").list.len() == pl.col("diagnosis_qualifiers").list.len())
        .with_columns(pl.int_ranges(1, pl.col("diagnoses").list.len() + 1).alias("dx_number"))
        .explode("diagnoses", "diagnosis_qualifiers", "dx_number")
        .rename({"diagnoses": "dx_code", "diagnosis_qualifiers": "dx_qualifier"})
        .filter(pl.col("dx_code").is_not_null())
    )
    icd10 = df.filter(pl.col("dx_qualifier").is_in(["ABK", "ABF"]))
    lookup = pl.DataFrame(
        [(c, *classify(c)) for c in icd10["dx_code"].unique().to_list()],
        schema={"dx_code": pl.String, "dx_status": pl.String, "dx_hint": pl.String},
        orient="row",
    )
    # ICD-9-CM (BK/BF) has been replaced by ICD-10-CM for dates of service from 2015-10-01.
    icd9 = (
        pl.when(pl.col("claim_service_date") >= pl.lit(ICD10_REQUIRED_FROM))
        .then(pl.lit("icd9"))
        .otherwise(pl.lit("icd9_allowed"))
    )
    return df.join(lookup, on="dx_code", how="left").with_columns(
        pl.when(pl.col("dx_qualifier").is_in(["BK", "BF"]))
        .then(icd9)
        .otherwise(pl.col("dx_status"))
        .alias("dx_status"),
        pl.when(pl.col("dx_qualifier").is_in(["BK", "BF"]))
        .then(pl.lit("report the ICD-10-CM code with qualifier ABK (principal) or ABF"))
        .otherwise(pl.col("dx_hint"))
        .alias("dx_hint"),
    )


def _diagnosis_findings(df: pl.DataFrame, message: pl.Expr, expected: pl.Expr) -> pl.DataFrame:
    return df.select(
        *CLAIM_SOURCE,
        pl.col("hi_position").alias("segment_position"),
        message.alias("message"),
        expected.alias("expected"),
        pl.col("dx_code").alias("actual"),
    )


def _in_window() -> pl.Expr:
    start, end = ICD_EFFECTIVE
    return pl.col("claim_service_date").is_between(pl.lit(start), pl.lit(end))


def _what(status: pl.Expr) -> pl.Expr:
    return (
        pl.when(status == "header")
        .then(pl.lit("is a category with more specific codes below it, not a billable code"))
        .otherwise(pl.lit("is not an ICD-10-CM code"))
    )


def check_invalid_diagnosis(frames: Frames, ref) -> pl.DataFrame:
    dx = _claim_diagnoses(frames)
    df = dx.filter(
        (pl.col("dx_status").is_in(["header", "unknown"]) & _in_window()) | (pl.col("dx_status") == "icd9")
    )
    message = (
        pl.when(pl.col("dx_status") == "icd9")
        .then(
            pl.format(
                "Diagnosis {} (HI, position {} on the claim) is sent as an ICD-9-CM code (qualifier {}) "
                "for the date of service {}; ICD-10-CM has been required since 2015-10-01: {}.",
                pl.col("dx_code"),
                pl.col("dx_number"),
                pl.col("dx_qualifier"),
                pl.col("claim_service_date").cast(pl.String),
                pl.col("dx_hint"),
            )
        )
        .otherwise(
            pl.format(
                "Diagnosis {} (HI, position {} on the claim) {} in {}, which covers the date of service "
                "{}: {}. Payers reject claims with a diagnosis that is not billable on the date of service.",
                pl.col("dx_code"),
                pl.col("dx_number"),
                _what(pl.col("dx_status")),
                pl.lit(ICD_RELEASE),
                pl.col("claim_service_date").cast(pl.String),
                pl.col("dx_hint"),
            )
        )
    )
    return _diagnosis_findings(df, message, pl.lit("a billable ICD-10-CM code"))


def check_diagnosis_outside_code_set(frames: Frames, ref) -> pl.DataFrame:
    df = _claim_diagnoses(frames).filter(
        pl.col("dx_status").is_in(["header", "unknown"])
        & pl.col("claim_service_date").is_not_null()
        & ~_in_window()
    )
    start, end = ICD_EFFECTIVE
    message = pl.format(
        "Diagnosis {} (HI, position {} on the claim) {} in {}, but the date of service {} is outside "
        "the dates that code set covers ({} to {}): check it against the ICD-10-CM code set of the "
        "date of service's fiscal year (in the loaded set: {}).",
        pl.col("dx_code"),
        pl.col("dx_number"),
        _what(pl.col("dx_status")),
        pl.lit(ICD_RELEASE),
        pl.col("claim_service_date").cast(pl.String),
        pl.lit(start.isoformat()),
        pl.lit(end.isoformat()),
        pl.col("dx_hint"),
    )
    return _diagnosis_findings(df, message, pl.lit("a billable ICD-10-CM code on the date of service"))


def check_pointer(frames: Frames, ref) -> pl.DataFrame:
    counts = frames.claims.select(
        *CLAIM_KEY, pl.col("diagnoses").fill_null([]).list.len().cast(pl.Int64).alias("dx_count")
    )
    df = (
        frames.lines.filter(pl.col("diagnosis_pointers").list.len() > 0)
        .join(counts, on=CLAIM_KEY, how="left")
        .explode("diagnosis_pointers")
        .rename({"diagnosis_pointers": "pointer"})
        .filter((pl.col("pointer") < 1) | (pl.col("pointer") > pl.col("dx_count").fill_null(0)))
    )
    message = pl.format(
        "{} line {}: diagnosis pointer {} (SV107) points at no diagnosis; the claim's HI segments "
        "list {}. Point at the diagnosis that supports the service.",
        pl.col("procedure_code").fill_null("(no code)"),
        line_label(),
        pl.col("pointer"),
        pl.when(pl.col("dx_count").fill_null(0) == 0)
        .then(pl.lit("none"))
        .otherwise(pl.format("{} (pointers 1 to {})", pl.col("dx_count"), pl.col("dx_count"))),
    )
    return df.select(
        *SOURCE,
        pl.col("sv_position").alias("segment_position"),
        message.alias("message"),
        pl.format("1 to {}", pl.col("dx_count").fill_null(0)).alias("expected"),
        pl.col("pointer").cast(pl.String).alias("actual"),
    )


INVALID_DIAGNOSIS = Rule(
    rule_id="DX001",
    category="code_validity",
    severity="error",
    carc="CO-16",
    title="Diagnosis not a billable ICD-10-CM code",
    doc="""\
What it does
    Looks up every diagnosis in the claim's HI segments (principal and other diagnoses) in the
    ICD-10-CM code set shipped by the simple-icd-10-cm package, for claims whose date of service
    falls in the fiscal year that code set covers, and flags codes that do not exist and
    categories that have more specific codes below them. The message lists the billable codes
    of a category, or the nearest existing parent of an unknown code. ICD-9-CM diagnoses
    (qualifiers BK, BF) on dates of service from 2015-10-01 are flagged too.

Why is this bad
    A claim must carry diagnoses coded to the highest specificity valid on the date of service;
    payers reject it otherwise (CARC 16 with remark M76, missing/incomplete/invalid diagnosis).

Example
    M545 (low back pain) has been a category since the FY2022 update: bill M5450, M5451 or
    M5459. K5090 (Crohn's disease, unspecified, without complications) is billable.

False alarms
    Only claims whose date of service the loaded code set covers (2025-10-01 to 2026-09-30) are
    judged here, so a code retired or added in another fiscal year is not called invalid on a
    date it was valid; DX002 warns for those dates instead. Codes are accepted with or without
    the dot.
""",
    check=check_invalid_diagnosis,
)

DIAGNOSIS_OUTSIDE_CODE_SET = Rule(
    rule_id="DX002",
    category="code_validity",
    severity="warning",
    carc="CO-16",
    title="Diagnosis not billable in the loaded ICD-10-CM code set (date outside it)",
    doc="""\
What it does
    As DX001, for claims whose date of service falls outside the fiscal year the loaded
    ICD-10-CM code set covers: the code is unknown to it, or a category, and the analyst should
    check it against the code set of the date's fiscal year.

Why is this bad
    The same denial as DX001 if the code was not billable on the date of service; ICD-10-CM
    changes every October 1, so the loaded code set cannot decide it for other years.

Example
    M545 on a claim dated 2021-06-01 (before FY2022 it was billable): a warning, not an error.

False alarms
    A warning only, never a rejection, because the code may have been valid on that date.
""",
    check=check_diagnosis_outside_code_set,
)

POINTER_WITHOUT_DIAGNOSIS = Rule(
    rule_id="DX003",
    category="code_validity",
    severity="error",
    carc="CO-16",
    title="Diagnosis pointer points at no diagnosis",
    doc="""\
What it does
    Checks every diagnosis pointer of an 837P service line (SV107-1 to SV107-4) against the
    number of diagnoses the claim's HI segments carry.

Why is this bad
    The pointer is how the payer knows which diagnosis supports the service; one that points
    past the claim's diagnoses leaves the line without a diagnosis (CARC 16, remark M76).

Example
    HI*ABK:M069 (one diagnosis) with SV1*HC:J9312*...***1:2: pointer 2 points at nothing.
    Right: SV1*HC:J9312*...***1.

False alarms
    837I lines carry no pointers and are not checked.
""",
    check=check_pointer,
)

RULES = [INVALID_DIAGNOSIS, DIAGNOSIS_OUTSIDE_CODE_SET, POINTER_WITHOUT_DIAGNOSIS]
