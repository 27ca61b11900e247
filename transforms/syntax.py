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
from transforms.framework import Rule, labelled, to_findings

IG_ERROR = Rule(
    rule_id="SYN001",
    category="syntax",
    severity="error",
    carc="CO-16",
    title="Implementation-guide error",
    doc="""\
What it does
    Reports every error pyx12 finds validating the file against the 005010X222A1 (837P) or
    005010X223A2 (837I) implementation guide: missing or unknown segments, loop repeats, element
    lengths, code values, dates, SE/GE/IEA counts, HL and LX numbering.

Why is this bad
    A payer's front end rejects the transaction or claim (999 / 277CA) before any adjudication.

Example
    CLM02 `ABC` is not numeric; DTP03 `20231399` is not a date.

False alarms
    pyx12 validates against the HIPAA-adopted guide's map (a later errata release is read with it,
    see SYN002), and each error is attached to the claim and line it occurs in, so one broken claim
    does not reject its neighbours; errors in shared loops are SYN004's.
""",
    check=lambda frames, ref: pl.DataFrame(),
)
GUIDE_RELEASE = Rule(
    rule_id="SYN002",
    category="syntax",
    severity="warning",
    carc="CO-16",
    title="Guide release is not the HIPAA-adopted one",
    doc="""\
What it does
    Flags a GS08/ST03 that names a release of the 837 guide other than the one HIPAA adopted
    (005010X222A1 for 837P, 005010X223A2 for 837I), e.g. 005010X222A2 or 005010X223A3. The claims
    are validated against the adopted guide's map.

Why is this bad
    Payers that check GS08 strictly reject the whole functional group.

Example
    GS08 `005010X222A2`: expected `005010X222A1`.

False alarms
    A warning: many payers accept the errata releases. The claims are still validated, so real
    structure errors are not hidden behind it.
""",
    check=lambda frames, ref: pl.DataFrame(),
)
LEADING_SPACE = Rule(
    rule_id="SYN003",
    category="syntax",
    severity="warning",
    carc="CO-16",
    title="Blank space before a segment",
    doc="""\
What it does
    Reports spaces or tabs between a segment terminator and the next segment ID (pretty-printed
    files). The scrubbed output is written without them.

Why is this bad
    Strict translators read the space as part of the segment ID.

Example
    `~\\r\\n GS*HC*...`.

False alarms
    A warning only; the scrubbed output is written without the spaces, so the claims go out clean.
""",
    check=lambda frames, ref: pl.DataFrame(),
)

SHARED_ERRORS = Rule(
    rule_id="SYN004",
    category="syntax",
    severity="error",
    carc="CO-16",
    title="Rejected with a shared loop or envelope that has IG errors",
    doc="""\
What it does
    Rejects a claim whose billing provider, subscriber or patient HL loop, transaction
    header/trailer, group or interchange has implementation-guide errors. Those errors are listed in
    full (SYN001) under the first claim sent with that part; each other claim gets this one row.

Why is this bad
    The claim cannot be sent without the broken part, and a payer rejects it with it.

Example
    SE01 says 25 segments and the transaction has 34: every claim in it is rejected.

False alarms
    Only errors pyx12 places in a loop or envelope the claim shares are charged to it; an error
    inside another claim's own loops never rejects this one.
""",
    check=lambda frames, ref: pl.DataFrame(),
)

SYNTAX_RULES = [IG_ERROR, GUIDE_RELEASE, LEADING_SPACE, SHARED_ERRORS]

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


_CLAIM_COLS = [
    "claim_index",
    "claim_id",
    "source_file",
    "interchange_control",
    "group_control",
    "transaction_control",
]
_ERROR_COLS = [
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


def owners(
    placed: pl.DataFrame, claims: pl.DataFrame, columns: list[str] = _ERROR_COLS
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rows about a segment inside one claim, rows about a segment in a part shared by several
    claims repeated per claim). `placed` rows are joined to the segments frame (role, claim_index,
    hl_key, st/gs/isa_index); `columns` are the row's own columns to keep.

    Shared rows carry `scope` (which shared part) and `scope_label` (what to call it)."""
    in_claim = placed.filter(pl.col("role") == "claim").join(
        claims.select(_CLAIM_COLS), on="claim_index", how="inner"
    )
    hl_claims = pl.concat(
        [
            claims.select(*_CLAIM_COLS, pl.col(f"{level}_hl_position").alias("hl_key"))
            for level in ("billing", "subscriber", "patient")
        ]
    ).drop_nulls("hl_key")
    in_hl = (
        placed.filter(pl.col("role") == "hl")
        .drop("claim_index")
        .join(hl_claims, on="hl_key", how="inner")
        .with_columns(
            pl.format("hl:{}", pl.col("hl_key")).alias("scope"),
            pl.format("HL loop {} starting at segment {}", pl.col("loop"), pl.col("hl_key")).alias(
                "scope_label"
            ),
        )
    )
    shared = [in_hl]
    for roles, key, label in (
        (("header", "ST", "SE"), "st_index", "transaction (ST/SE envelope and header)"),
        (("GS", "GE"), "gs_index", "functional group (GS/GE)"),
        (("ISA", "IEA"), "isa_index", "interchange (ISA/IEA)"),
    ):
        shared.append(
            placed.filter(pl.col("role").is_in(roles))
            .drop("claim_index")
            .join(claims.select(*_CLAIM_COLS, key), on=key, how="inner")
            .with_columns(
                pl.format("{}:{}", pl.lit(key), pl.col(key)).alias("scope"),
                pl.lit(label).alias("scope_label"),
            )
        )
    columns = [*_CLAIM_COLS, *columns]
    return (
        in_claim.select(columns),
        pl.concat([frame.select(*columns, "scope", "scope_label") for frame in shared]),
    )


def _shared_summary(shared: pl.DataFrame) -> pl.DataFrame:
    """One SYN004 row per claim and shared part whose errors are listed under another claim."""
    return (
        shared.group_by(*_CLAIM_COLS, "scope", "scope_label", "first_claim_id")
        .agg(pl.len().alias("count"), pl.col("segment_position").min())
        .with_columns(
            pl.format(
                "rejected with its {}: {} implementation-guide error(s) there, listed in full under claim {}",
                pl.col("scope_label"),
                pl.col("count"),
                pl.col("first_claim_id"),
            ).alias("message")
        )
    )


# pyx12 repeats a whole segment in "Segment ... not found" messages; keep only its ID.
_SEGMENT_TEXT = r"^Segment ([A-Z0-9]{2,3})\S*?(?:[^A-Za-z0-9\s].*?)? not found\."
# HI occurrence codes can carry a birth date (occurrence A1/A2/A3): mask dates there.
_DATE = r"\b(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\b"


def from_patient_segment() -> pl.Expr:
    """True for rows (with `loop` and `seg_id`) about a segment that can identify a patient."""
    return pl.col("loop").is_in(list(PHI_LOOPS)) | pl.col("seg_id").is_in(list(PHI_SEGMENTS))


def _redacted(frame: pl.DataFrame) -> pl.DataFrame:
    """No patient identity or birth date reaches the report: values from identity segments are
    withheld, segment text is cut from pyx12 messages, and dates in HI are masked."""
    phi = from_patient_segment()
    generic = pl.format(
        "pyx12 {} error {} in {} (loop {}){}; values withheld (patient data)",
        pl.col("level"),
        pl.col("code"),
        pl.col("seg_id"),
        pl.col("loop"),
        labelled("element", "element"),
    )
    in_hi = pl.col("seg_id") == "HI"
    message = pl.col("message").str.replace(_SEGMENT_TEXT, "Segment $1 not found.")
    message = pl.when(in_hi).then(message.str.replace_all(_DATE, "(date withheld)")).otherwise(message)
    value = pl.when(in_hi & pl.col("value").str.contains(_DATE)).then(None).otherwise(pl.col("value"))
    return frame.with_columns(
        pl.when(phi).then(generic).otherwise(message).alias("message"),
        pl.when(phi).then(pl.lit(None, dtype=pl.String)).otherwise(value).alias("actual"),
    )


def syntax_findings(parsed: ParsedFile) -> pl.DataFrame:
    """All `syntax` findings of one parsed file."""
    claims = parsed.claim_scope()
    if claims.height == 0:
        return to_findings(
            pl.DataFrame(), rule_id="SYN001", category="syntax", severity="error", carc="CO-16"
        )
    in_claim, shared = owners(_placed_errors(parsed), claims)
    # A shared part's errors are listed once, under the first claim sent with it; the other
    # claims get one SYN004 row each, so a bad header does not multiply into every claim.
    first = shared.group_by("scope").agg(
        pl.col("claim_index").min().alias("first_claim"),
        pl.col("claim_id").sort_by("claim_index").first().alias("first_claim_id"),
    )
    shared = shared.join(first, on="scope")
    is_first = pl.col("claim_index") == pl.col("first_claim")
    leading = pl.col("message") == _LEADING_SPACE_MESSAGE
    listed = pl.concat([in_claim, shared.filter(is_first).select(in_claim.columns)])
    others = shared.filter(~is_first & ~leading)
    parts = [
        IG_ERROR.finish(_redacted(listed.filter(~leading))),
        LEADING_SPACE.finish(
            listed.filter(leading)
            .unique(["claim_index", "segment_position"])
            .with_columns(
                pl.lit("segment ID directly after the terminator").alias("expected"),
                pl.lit("leading blank space").alias("actual"),
                pl.lit(True).alias("fix_applied"),
            )
        ),
        SHARED_ERRORS.finish(_shared_summary(others)),
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
