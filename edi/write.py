"""Writing a subset of a file's claims as valid X12.

Claim segments are re-emitted exactly as received (same text, delimiters and element order).
Around them the writer keeps each claim's parent HL loops (billing provider, subscriber,
patient) and the transaction header, renumbers HL01/HL02 and sets HL04 (has child HL) for what
is kept, and recomputes SE01, GE01 and IEA01. An interchange, group or transaction with none
of the chosen claims is left out. Given an `Envelopes` (edi/control.py), each ISA13 and GS06
written is a new control number from the persistent counter (IEA02 and GE02 follow); every
other ISA and GS element, GS08 and ST03 are kept as received.

pyx12's X12Writer recomputes trailers too, but it re-formats every segment (dropping trailing
empty elements), and a clearinghouse must forward the submitter's segments unchanged; so the
writer assembles the received segment text itself.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from edi.control import Envelopes
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


def _hl_parents(keep: pl.DataFrame) -> dict[int, int | None]:
    """Parent of every kept HL, from each claim's own chain (billing <- subscriber <- patient),
    not from HL02 text, which can be written '01' for '1' or repeat an ID in a damaged file."""
    parents: dict[int, int | None] = {}
    chains = keep.select("billing_hl_position", "subscriber_hl_position", "patient_hl_position")
    for billing, subscriber, patient in chains.iter_rows():
        if billing is not None:
            parents.setdefault(billing, None)
        if subscriber is not None:
            parents.setdefault(subscriber, billing)
        if patient is not None:
            parents.setdefault(patient, subscriber if subscriber is not None else billing)
    return parents


class _Trailers:
    """Counts for SE/GE/IEA, and the trailers the input lacked (a rejected claim's transaction
    may have had no SE: the written file still closes every envelope it opens)."""

    def __init__(self, e: str) -> None:
        self.e = e
        self.open: list[tuple[str, str]] = []  # (segment id, control number)
        self.gs = self.st = self.segments = 0

    def opened(self, seg_id: str, raw: str) -> None:
        parts, index = raw.split(self.e), {"ISA": 13, "GS": 6, "ST": 2}[seg_id]
        control = parts[index] if len(parts) > index else ""
        self.open.append((seg_id, control))
        if seg_id == "ISA":
            self.gs = 0
        elif seg_id == "GS":
            self.gs += 1
            self.st = 0
        else:
            self.st += 1
            self.segments = 1

    def before_open(self, seg_id: str) -> list[str]:
        """Trailers for envelopes left open where `seg_id` (ISA, GS or ST) starts a new one: an ST
        after an ST without its SE, a GS after a GS without its GE..."""
        same_or_inner = {"ST": ("ST",), "GS": ("ST", "GS"), "ISA": ("ST", "GS", "ISA")}[seg_id]
        if self.open and self.open[-1][0] in same_or_inner:
            return self.close({"ST": "SE", "GS": "GE", "ISA": "IEA"}[seg_id])
        return []

    def close(self, seg_id: str) -> list[str]:
        """Trailer(s) to write for `seg_id` (SE, GE or IEA): any inner one missing, then itself."""
        level = {"SE": "ST", "GE": "GS", "IEA": "ISA"}[seg_id]
        written = []
        while self.open:
            opener, control = self.open.pop()
            if opener == "ST":
                written.append(self.e.join(["SE", str(self.segments + 1), control]))
            elif opener == "GS":
                written.append(self.e.join(["GE", str(self.st), control]))
            else:
                written.append(self.e.join(["IEA", str(self.gs), control]))
            if opener == level:
                break
        return written


def render_claims(
    parsed: ParsedFile, claim_indexes: Iterable[int], envelopes: Envelopes | None = None
) -> bytes | None:
    """The X12 bytes holding only the given claims of `parsed`, or None when there are none.
    With `envelopes`, ISA13 and GS06 are new control numbers; without, they are kept."""
    wanted = pl.DataFrame({"claim_index": list(claim_indexes)}, schema={"claim_index": pl.Int64})
    keep = parsed.claim_scope().join(wanted, on="claim_index", how="semi")
    if keep.height == 0:
        return None
    source = parsed.source
    e = source.ele_term
    parents = _hl_parents(keep)
    has_children = {parent for parent in parents.values() if parent is not None}
    trailers = _Trailers(e)
    out: list[str] = []
    hl_numbers: dict[int, str] = {}
    for seg_id, raw, position in _kept_segments(parsed, keep).select("seg_id", "raw", "position").iter_rows():
        if seg_id in ("SE", "GE", "IEA"):
            out += trailers.close(seg_id)
            continue
        if seg_id in ("ISA", "GS", "ST"):
            out += trailers.before_open(seg_id)
            if envelopes is not None and seg_id != "ST":
                raw = _with_control(raw, e, seg_id, envelopes)
            trailers.opened(seg_id, raw)
            hl_numbers = {} if seg_id == "ST" else hl_numbers
        else:
            trailers.segments += 1
        if seg_id == "HL":
            raw = _renumber_hl(raw, e, hl_numbers, position, parents.get(position), position in has_children)
        out.append(raw)
    while trailers.open:
        out += trailers.close({"ST": "SE", "GS": "GE", "ISA": "IEA"}[trailers.open[-1][0]])
    term = source.seg_term + source.eol
    return source.bom + "".join(segment + term for segment in out).encode(source.encoding)


def _with_control(raw: str, e: str, seg_id: str, envelopes: Envelopes) -> str:
    """The ISA or GS segment with a new ISA13 / GS06 (nine digits, like the received ISA13)."""
    elements = raw.split(e)
    index = 13 if seg_id == "ISA" else 6
    while len(elements) <= index:
        elements.append("")
    elements[index] = envelopes.interchange() if seg_id == "ISA" else envelopes.group()
    return e.join(elements)


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
