"""Claim-level comparison of an input 837 with the files written from it.

    result = diff_claims(parse_source(read_source(input)), [parse_source(read_source(o)) for o in outputs])

Claims are matched by CLM01 (and by order among claims that share a CLM01) and compared segment by
segment over the claim's own segments (CLM to the end of its last service line, as received).
Envelopes, HL numbers and subscriber loops may differ by design and are not compared.

A claim whose written segments differ from the received ones only by safe fixes (edi/fixes.py:
the received segment, fixed, is the written one) is reported as fixed, with each fix, and counts
as faithful: those are the changes the exception report records with fix_applied = true.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from edi.fixes import FIX_KINDS, fix_segment
from edi.parse import ParsedFile

# the fix switches a writer may have had on: each alone, then both
_FIX_CHOICES = [(kind,) for kind in FIX_KINDS] + [FIX_KINDS]


@dataclass
class ClaimDiff:
    kept: list[str] = field(default_factory=list)  # in both, segments identical
    removed: list[str] = field(default_factory=list)  # in the input, in no output
    added: list[str] = field(default_factory=list)  # in an output, not in the input
    changed: list[tuple[str, list[str]]] = field(default_factory=list)  # claim, differing segment ids
    duplicated: list[str] = field(default_factory=list)  # written more often than received
    fixed: list[tuple[str, list[str]]] = field(default_factory=list)  # claim, the safe fixes seen

    @property
    def faithful(self) -> bool:
        """Every input claim written exactly once, unchanged, and nothing else."""
        return not (self.removed or self.added or self.changed or self.duplicated)

    def report(self) -> str:
        claims = "claim" if len(self.kept) == 1 else "claims"
        lines = [
            f"{len(self.kept)} {claims} identical"
            + (f", {len(self.fixed)} with safe fixes only" if self.fixed else "")
            + (", every input claim written exactly once" if self.faithful else "")
        ]
        for claim_id, fixes in self.fixed:
            lines.append(f"fixed: {claim_id} ({'; '.join(fixes)})")
        for label, ids in (
            ("removed", self.removed),
            ("added", self.added),
            ("written twice", self.duplicated),
        ):
            if ids:
                lines.append(f"{label} ({len(ids)}): {', '.join(ids)}")
        for claim_id, seg_ids in self.changed:
            lines.append(f"changed: {claim_id} (segments {', '.join(seg_ids)})")
        return "\n".join(lines)


def claim_blocks(parsed: ParsedFile) -> list[tuple[str, tuple[str, ...]]]:
    """(CLM01, the claim's segments as received) for each claim, in file order."""
    segments = parsed.segments.filter(pl.col("role") == "claim").sort("position")
    by_claim: dict[int, list[str]] = {}
    for index, raw in segments.select("claim_index", "raw").iter_rows():
        by_claim.setdefault(index, []).append(raw)
    return [
        (claim_id or "", tuple(by_claim.get(index, [])))
        for index, claim_id in parsed.claims.sort("claim_index").select("claim_index", "claim_id").iter_rows()
    ]


def diff_claims(original: ParsedFile, outputs: list[ParsedFile]) -> ClaimDiff:
    """Compare the claims of `original` with those of the files written from it."""
    # input claims not yet matched, by CLM01: (file order, segments)
    unmatched: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
    for order, (claim_id, segments) in enumerate(claim_blocks(original)):
        unmatched.setdefault(claim_id, []).append((order, segments))
    received = set(unmatched)
    result = ClaimDiff()
    leftovers = []
    # an output claim is matched first with an unmatched input claim of its CLM01 and content
    for parsed in outputs:
        for claim_id, segments in claim_blocks(parsed):
            candidates = unmatched.get(claim_id, [])
            same = next((n for n, (_, seen) in enumerate(candidates) if seen == segments), None)
            if same is None:
                leftovers.append((claim_id, segments))
            else:
                candidates.pop(same)
                result.kept.append(claim_id)
    sep = original.source.ele_term
    for claim_id, segments in leftovers:
        candidates = unmatched.get(claim_id, [])
        if not candidates:
            (result.duplicated if claim_id in received else result.added).append(claim_id)
            continue
        # the received claim of that CLM01 that the safe fixes turn into this one, else the first
        subele = original.source.subele_term
        found = next(
            (
                (n, fixes)
                for n, (_, received) in enumerate(candidates)
                if (fixes := _safe_fixes(received, segments, sep, subele)) is not None
            ),
            None,
        )
        if found is not None:
            candidates.pop(found[0])
            result.fixed.append((claim_id, found[1]))
            continue
        _, original_segments = candidates.pop(0)
        differing = [a.split(sep, 1)[0] for a, b in zip(original_segments, segments, strict=False) if a != b]
        if len(original_segments) != len(segments):
            differing.append(f"{len(original_segments)} -> {len(segments)} segments")
        result.changed.append((claim_id, differing))
    remaining = sorted((order, claim_id) for claim_id, rest in unmatched.items() for order, _ in rest)
    result.removed = [claim_id for _, claim_id in remaining]
    return result


def _safe_fixes(received: tuple[str, ...], written: tuple[str, ...], e: str, s: str) -> list[str] | None:
    """The safe fixes that turn the received segments into the written ones, described; None when
    they differ otherwise. Only the NDC fix shows its values: a stray-space fix can be in any
    segment of the claim, other payers' subscriber loops included, so it names the element only."""
    if len(received) != len(written):
        return None
    described = []
    for before, after in zip(received, written, strict=True):
        if before == after:
            continue
        for kinds in _FIX_CHOICES:
            fixed, applied = fix_segment(before, e, s, kinds)
            if fixed == after:
                break
        else:
            return None
        for kind, element, old, new in applied:
            shown = kind == "ndc_format"
            described.append(f"{element} {old!r} -> {new!r}" if shown else f"{element} spaces removed")
    return described
