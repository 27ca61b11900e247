"""The safe fixes applied while reading (edi/fixes.py), reported as findings with fix_applied = true.

A fix inside a claim is reported on that claim; a fix in a part several claims share (billing
provider, subscriber or patient loop, transaction header) on every claim sent with it, since each
of them went out with the fixed segment. Values from segments that can identify a patient are
withheld, as in the syntax findings.
"""

from __future__ import annotations

import polars as pl

from edi.parse import ParsedFile
from transforms.framework import Rule, empty_findings
from transforms.syntax import from_patient_segment, owners

NDC_FORMAT_FIX = Rule(
    rule_id="FIX001",
    category="ndc",
    severity="info",
    carc="CO-16",
    title="NDC format fixed to 11 digits",
    doc="""\
What it does
    Reports an NDC in LIN03 (qualifier N4) that was written with hyphens, in the 11-digit 5-4-2
    layout or one of the 10-digit layouts 4-4-2, 5-3-2 or 5-4-1, and was sent as the 11-digit
    5-4-2 form without hyphens that the 837 requires. The other NDC rules check the fixed value.
    Switch: `[fixes] ndc_format` in payer_policy.toml.

Why is this bad
    LIN03 must be 11 digits with no separators; a payer's front end rejects a hyphenated NDC
    (CO-16, remark M119) before it looks at the drug.

Example
    `LIN**N4*0409-4759-01` is sent as `LIN**N4*00409475901` (the 4-digit labeler gets its leading
    zero): expected `00409475901`, actual `0409-4759-01`.

False alarms
    None: the conversion is defined by the layout. (The CARC is what the payer would have used
    had the NDC gone out as written; the claim goes out fixed.) Ten digits without hyphens are
    ambiguous (where the missing zero goes cannot be known) and are never changed; NDC002 reports
    them, and any hyphenated NDC when this fix is switched off.
""",
    check=lambda frames, ref: empty_findings(),
)

STRAY_SPACE_FIX = Rule(
    rule_id="FIX002",
    category="syntax",
    severity="info",
    carc="CO-16",
    title="Spaces around an element value removed",
    doc="""\
What it does
    Reports an element (or a component of a composite) whose value had spaces before or after it,
    and was sent without them. Elements of spaces only, the fixed-width ISA, the envelopes and CLM01
    (the submitter's claim ID, which the payer echoes back) are never changed.
    Switch: `[fixes] stray_spaces` in payer_policy.toml.

Why is this bad
    `J9035 ` is not a HCPCS code to a strict front end, and a padded ID does not match the
    payer's records: the claim comes back CO-16 for something that carried no meaning.

Example
    `SV1*HC:J9035 *1250*UN*10***1`: SV101 is sent as `HC:J9035`.

False alarms
    An information row, never a rejection (the CARC is what a strict payer would have used had
    the value gone out padded). Values from patient-identifying segments (names, IDs,
    addresses, dates) are withheld from the report; the element named says where the fix was.
""",
    check=lambda frames, ref: empty_findings(),
)

FIX_RULES = [NDC_FORMAT_FIX, STRAY_SPACE_FIX]
_FIX_COLS = ["line_number", "segment_position", "seg_id", "loop", "kind", "element", "before", "after"]


def fix_findings(parsed: ParsedFile) -> pl.DataFrame:
    """FIX001/FIX002 findings for the fixes made while `parsed` was read."""
    claims = parsed.claim_scope()
    if parsed.fixes.height == 0 or claims.height == 0:
        return empty_findings()
    placed = parsed.fixes.join(parsed.segments.drop("raw"), on="position", how="left").rename(
        {"position": "segment_position"}
    )
    in_claim, shared = owners(placed, claims, _FIX_COLS)
    rows = pl.concat([in_claim, shared.select(in_claim.columns)])
    # HI too: an occurrence code there can carry a birth date
    phi = from_patient_segment() | (pl.col("seg_id") == "HI")
    withheld = pl.lit("(patient data withheld)")
    rows = rows.with_columns(
        pl.when(phi).then(withheld).otherwise(pl.col("after")).alias("expected"),
        pl.when(phi).then(withheld).otherwise(pl.col("before")).alias("actual"),
        pl.lit(True).alias("fix_applied"),
    )
    ndc = rows.filter(pl.col("kind") == "ndc_format").with_columns(
        pl.format(
            "NDC in {} written {} sent as {} (11-digit 5-4-2 form, no hyphens)",
            pl.col("element"),
            pl.col("actual"),
            pl.col("expected"),
        ).alias("message")
    )
    spaces = rows.filter(pl.col("kind") == "stray_spaces").with_columns(
        pl.format(
            "spaces around the value of {} (segment {}, loop {}) removed",
            pl.col("element"),
            pl.col("seg_id"),
            pl.col("loop"),
        ).alias("message")
    )
    return pl.concat([NDC_FORMAT_FIX.finish(ndc), STRAY_SPACE_FIX.finish(spaces)])
