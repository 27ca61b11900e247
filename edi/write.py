"""Writing a subset of a file's claims as valid X12.

Claim segments are re-emitted exactly as received (same text, delimiters and element order).
Around them the writer keeps each claim's parent HL loops (billing provider, subscriber,
patient) and the transaction header, renumbers HL01/HL02 and sets HL04 (has child HL) for what
is kept, and recomputes SE01, GE01 and IEA01. An interchange, group or transaction with none
of the chosen claims is left out.

pyx12's X12Writer recomputes trailers too, but it re-formats every segment (dropping trailing
empty elements), and a clearinghouse must forward the submitter's segments unchanged; so the
writer assembles the received segment text itself.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from edi.parse import ParsedFile

_SCOPED_ROLES = {"ISA": "isa_index", "IEA": "isa_index", "GS": "gs_index", "GE": "gs_index"}


def _kept_segments(parsed: ParsedFile, keep: pl.DataFrame) -> pl.DataFrame:
    """Segments to emit, in input order, for the claims in `keep` (claim_scope rows)."""
    needed_hl = (
        pl.concat(
            [
                keep.select(pl.col(c).alias("hl_key"))
                for c in ("billing_hl_position", "subscriber_hl_position", "patient_hl_position")
            ]
        )
        .drop_nulls()
        .unique()
    )
    segments = parsed.segments
    claim_rows = segments.filter(pl.col("role") == "claim").join(
        keep.select("claim_index"), on="claim_index", how="semi"
    )
    hl_rows = segments.filter(pl.col("role") == "hl").join(needed_hl, on="hl_key", how="semi")
    st_rows = segments.filter(pl.col("role").is_in(["ST", "header", "SE"])).join(
        keep.select("st_index").unique(), on="st_index", how="semi"
    )
    scoped = [
        segments.filter(pl.col("role") == role).join(keep.select(key).unique(), on=key, how="semi")
        for role, key in _SCOPED_ROLES.items()
    ]
    return pl.concat([claim_rows, hl_rows, st_rows, *scoped]).sort("position")


def _hl_children(parsed: ParsedFile, kept: pl.DataFrame) -> set[int]:
    """Positions of kept HLs that keep at least one child HL."""
    kept_hls = kept.filter(pl.col("seg_id") == "HL").select("position")
    with_parent = parsed.hls.join(kept_hls, on="position", how="semi")
    return set(with_parent["parent_position"].drop_nulls().to_list())


def render_claims(parsed: ParsedFile, claim_indexes: Iterable[int]) -> bytes | None:
    """The X12 bytes holding only the given claims of `parsed`, or None when there are none."""
    wanted = pl.DataFrame({"claim_index": list(claim_indexes)}, schema={"claim_index": pl.Int64})
    keep = parsed.claim_scope().join(wanted, on="claim_index", how="semi")
    if keep.height == 0:
        return None
    source = parsed.source
    e, term = source.ele_term, source.seg_term + source.eol
    kept = _kept_segments(parsed, keep)
    has_children = _hl_children(parsed, kept)
    out: list[str] = []
    gs_count = st_count = seg_count = 0
    hl_numbers: dict[int, str] = {}
    parents = dict(parsed.hls.select("position", "parent_position").iter_rows())
    for seg_id, raw, position in kept.select("seg_id", "raw", "position").iter_rows():
        if seg_id == "ISA":
            gs_count = 0
        elif seg_id == "GS":
            gs_count += 1
            st_count = 0
        elif seg_id == "ST":
            st_count += 1
            seg_count = 0
            hl_numbers = {}
        elif seg_id == "HL":
            raw = _renumber_hl(raw, e, hl_numbers, position, parents.get(position), position in has_children)
        elif seg_id == "SE":
            raw = e.join(["SE", str(seg_count + 1), *raw.split(e)[2:3]])
        elif seg_id == "GE":
            raw = e.join(["GE", str(st_count), *raw.split(e)[2:3]])
        elif seg_id == "IEA":
            raw = e.join(["IEA", str(gs_count), *raw.split(e)[2:3]])
        if seg_id not in ("ISA", "GS", "GE", "IEA"):
            seg_count += 1
        out.append(raw + term)
    return source.bom + "".join(out).encode(source.encoding)


def _renumber_hl(
    raw: str, e: str, numbers: dict[int, str], position: int, parent: int | None, has_child: bool
) -> str:
    """HL01 counts up in output order, HL02 names the parent's new number, HL04 says if children follow."""
    elements = raw.split(e)
    while len(elements) < 5:
        elements.append("")
    numbers[position] = str(len(numbers) + 1)
    elements[1] = numbers[position]
    elements[2] = numbers.get(parent, "") if parent is not None else ""
    elements[4] = "1" if has_child else "0"
    return e.join(elements)
