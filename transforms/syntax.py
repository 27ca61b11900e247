"""Implementation-guide (pyx12) errors as `syntax` findings, placed in the claims they belong to.

An error inside a claim (CLM through its last service line) rejects that claim only. An error in
an HL loop (billing provider, subscriber, patient) belongs to every claim under that HL, since
each of those claims would be sent with it. An error in the transaction header or trailer
belongs to every claim of the transaction; in GS/GE or ISA/IEA, to every claim of the group or
interchange.
"""

from __future__ import annotations

import polars as pl

from edi.parse import PHI_LOOPS, PHI_SEGMENTS, ParsedFile
from transforms.framework import Rule, to_findings

IG_ERROR = Rule(
    rule_id="SYN001",
    category="syntax",
    severity="error",
    carc="CO-16",
    title="Implementation-guide error",
    doc=(
        "What it does: reports every error pyx12 finds validating the file against the 005010X222A1 "
        "(837P) or 005010X223A2 (837I) implementation guide: missing or unknown segments, loop "
        "repeats, element lengths, code values, dates, SE/GE/IEA counts, HL and LX numbering.\n"
        "Why is this bad: a payer's front end rejects the transaction or claim (999 / 277CA) before "
        "any adjudication.\n"
        "Example: CLM02 `ABC` is not numeric; DTP03 `20231399` is not a date."
    ),
    check=lambda frames, ref: pl.DataFrame(),
)
GUIDE_RELEASE = Rule(
    rule_id="SYN002",
    category="syntax",
    severity="warning",
    carc="CO-16",
    title="Guide release is not the HIPAA-adopted one",
    doc=(
        "What it does: flags a GS08/ST03 that names a release of the 837 guide other than the one HIPAA "
        "adopted (005010X222A1 for 837P, 005010X223A2 for 837I), e.g. 005010X222A2 or 005010X223A3. "
        "The claims are validated against the adopted guide's map.\n"
        "Why is this bad: payers that check GS08 strictly reject the whole functional group.\n"
        "Example: GS08 `005010X222A2`: expected `005010X222A1`."
    ),
    check=lambda frames, ref: pl.DataFrame(),
)
LEADING_SPACE = Rule(
    rule_id="SYN003",
    category="syntax",
    severity="warning",
    carc="CO-16",
    title="Blank space before a segment",
    doc=(
        "What it does: reports spaces or tabs between a segment terminator and the next segment ID "
        "(pretty-printed files). The scrubbed output is written without them.\n"
        "Why is this bad: strict translators read the space as part of the segment ID.\n"
        "Example: `~\\r\\n    GS*HC*...`."
    ),
    check=lambda frames, ref: pl.DataFrame(),
)

SYNTAX_RULES = [IG_ERROR, GUIDE_RELEASE, LEADING_SPACE]

_LEADING_SPACE_MESSAGE = "Segment contains a leading space"


def _placed_errors(parsed: ParsedFile) -> pl.DataFrame:
    """Each error joined to the segment it is about (for a missing segment: the one before)."""
    errors = parsed.errors.with_columns(
        pl.when((pl.col("level") == "SEG") & (pl.col("code") == "3") & (pl.col("position") > 1))
        .then(pl.col("position") - 1)
        .otherwise(pl.col("position"))
        .alias("segment_position")
    )
    return errors.join(
        parsed.segments.drop("raw"), left_on="segment_position", right_on="position", how="left"
    )


def _owners(placed: pl.DataFrame, claims: pl.DataFrame) -> pl.DataFrame:
    """Error rows repeated once per claim they belong to."""
    claim_cols = [
        "claim_index",
        "claim_id",
        "source_file",
        "interchange_control",
        "group_control",
        "transaction_control",
    ]
    in_claim = placed.filter(pl.col("role") == "claim").join(
        claims.select(claim_cols), on="claim_index", how="inner"
    )
    hl_claims = pl.concat(
        [
            claims.select(*claim_cols, "st_index", pl.col(level).alias("hl_id"))
            for level in ("billing_hl", "subscriber_hl", "patient_hl")
        ]
    ).drop_nulls("hl_id")
    in_hl = (
        placed.filter(pl.col("role") == "hl")
        .drop("claim_index")
        .join(hl_claims, on=["st_index", "hl_id"], how="inner")
    )
    by_scope = []
    for roles, key in (
        (("header", "ST", "SE"), "st_index"),
        (("GS", "GE"), "gs_index"),
        (("ISA", "IEA"), "isa_index"),
    ):
        by_scope.append(
            placed.filter(pl.col("role").is_in(roles))
            .drop("claim_index", "line_number")
            .join(claims.select(*claim_cols, key), on=key, how="inner")
            .with_columns(pl.lit(None, dtype=pl.Int64).alias("line_number"))
        )
    columns = [
        *claim_cols,
        "line_number",
        "segment_position",
        "seg_id",
        "loop",
        "level",
        "code",
        "message",
        "value",
        "element",
    ]
    return pl.concat([frame.select(columns) for frame in (in_claim, in_hl, *by_scope)])


def _redacted(frame: pl.DataFrame) -> pl.DataFrame:
    """No value from a patient/subscriber identity segment reaches the report."""
    phi = pl.col("loop").is_in(list(PHI_LOOPS)) & pl.col("seg_id").is_in(list(PHI_SEGMENTS)) | (
        pl.col("seg_id") == "DMG"
    )
    generic = pl.format(
        "pyx12 {} error {} in {} (loop {}){}; values withheld (patient data)",
        pl.col("level"),
        pl.col("code"),
        pl.col("seg_id"),
        pl.col("loop"),
        pl.when(pl.col("element").is_not_null())
        .then(pl.format(" element {}", pl.col("element")))
        .otherwise(pl.lit("")),
    )
    return frame.with_columns(
        pl.when(phi).then(generic).otherwise(pl.col("message")).alias("message"),
        pl.when(phi).then(pl.lit(None, dtype=pl.String)).otherwise(pl.col("value")).alias("actual"),
    )


def syntax_findings(parsed: ParsedFile) -> pl.DataFrame:
    """All `syntax` findings of one parsed file."""
    claims = parsed.claim_scope()
    if claims.height == 0:
        return to_findings(
            pl.DataFrame(), rule_id="SYN001", category="syntax", severity="error", carc="CO-16"
        )
    owned = _owners(_placed_errors(parsed), claims)
    leading = owned["message"] == _LEADING_SPACE_MESSAGE
    owned = _redacted(owned)
    parts = [
        IG_ERROR.finish(owned.filter(~leading)),
        LEADING_SPACE.finish(
            owned.filter(leading)
            .unique(["claim_index", "segment_position"])
            .with_columns(
                pl.lit("segment ID directly after the terminator").alias("expected"),
                pl.lit("leading blank space").alias("actual"),
                pl.lit(True).alias("fix_applied"),
            )
        ),
    ]
    notes = pl.DataFrame(
        parsed.guide_notes,
        schema={"st_index": pl.Int64, "gs08": pl.String, "adopted": pl.String},
        orient="row",
    )
    release = claims.join(notes, on="st_index", how="inner").with_columns(
        pl.col("clm_position").alias("segment_position"),
        pl.format(
            "GS08 {} is not the HIPAA-adopted guide {}; claim validated against {}",
            pl.col("gs08"),
            pl.col("adopted"),
            pl.col("adopted"),
        ).alias("message"),
        pl.col("adopted").alias("expected"),
        pl.col("gs08").alias("actual"),
    )
    parts.append(GUIDE_RELEASE.finish(release))
    return pl.concat(parts)
