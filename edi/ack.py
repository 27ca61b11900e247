"""Acknowledgments for the submitter: a 999 per input file, from pyx12's validation.

pyx12 keeps an error tree while it validates (one per interchange, edi/parse.py) and its
`error_999_visitor` writes a 005010X231A1 999 from that tree. Two things are ours:

- Control numbers. pyx12 takes the 999's ISA13 from the clock and GS06 at random, so two files
  acknowledged in the same minute would share an ISA13. Ours come from the persistent counter
  (edi/control.py), like every file we write; ISA09/ISA10 and GS04/GS05 are the run's time.
- Transaction status. pyx12 codes a transaction with any error R (rejected). We reject claims,
  not transactions: a transaction whose errors all sit in claims we rejected, while its other
  claims go on to the payer, is acknowledged E (accepted, errors noted); one with no claim sent on
  stays R. Transactions are matched to pyx12's nodes by the position of their ST segment; one
  pyx12 kept no node for (an 835 inside an 837 group) gets its own AK2 and IK5 R 1 (not supported)
  and its segments' errors are taken back from the transaction before it. The group's AK901
  follows: A (all accepted), E (accepted, some with errors), P (some transactions rejected) or R
  (all rejected, or the GS/GE or ISA/IEA envelope itself in error, including an ISA13 repeated in
  the file; then AK904 is 0, as the pipeline sends none of the group's claims on).
- Patient data. IK404 (a copy of the bad value) is left out for segments that can identify a
  patient (the subscriber and patient loops, names, IDs, addresses, birth dates, diagnosis
  codes with dates) and for CLM01, the patient control number: the 999 names the segment and
  element instead.
- Validity. A 999 must itself be valid X12: a received segment ID longer than IK301's three
  characters is cut to three (IK302 still gives the segment's position), an error on a segment
  with no readable ID at all gets no IK3 (the transaction's IK5 still reports it), and a bad value
  that holds one of the 999's delimiters or is longer than IK404's 99 characters is left out.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import polars as pl
import pyx12.error_999
import pyx12.error_handler

from edi.control import Envelopes
from edi.parse import PHI_SEGMENTS, ParsedFile

# Segments whose values never go into IK404, wherever they are: identities and free text, and HI
# (occurrence codes can carry a birth date). Segments of the subscriber and patient loops are
# passed in by position (`patient_segments`).
PATIENT_SEGMENTS = PHI_SEGMENTS | {"HI"}
# Single elements withheld likewise: CLM01, the patient control number (the practice's account
# number for the patient).
WITHHELD_ELEMENTS = {("CLM", 1)}

_SEG, _ELE = "~", "*"


def ack_999(
    parsed: ParsedFile,
    forwarded: Iterable[int],
    patient_segments: Iterable[int],
    envelopes: Envelopes,
    when: dt.datetime,
) -> str:
    """The 999 text for one input file: one interchange per input interchange.

    `parsed.error_trees` are the file's pyx12 error trees in file order (edi/parse.py tags each
    with its file_offset and its ST nodes with st_line); `forwarded` are the file positions of the
    ST segments of transactions with at least one claim sent on to the payer; `patient_segments`
    the positions of segments whose values must not be copied into IK404."""
    forwarded, patient = set(forwarded), set(patient_segments)
    transactions = _transactions(parsed)
    for offset, isa, gs, gs_position, end in _groups(parsed.error_trees):
        _place(gs, [t for t in transactions if gs_position < t.st and (end is None or t.st < end)], offset)
        for st in gs.children:
            position = getattr(st, "st_line", None)
            if st.ack_code == "R" and position is not None and position + offset in forwarded:
                st.ack_code = "E"
            # ST03 is optional in X12 (GS08 names the guide); pyx12 needs it for AK203
            st.vriic = st.vriic or gs.vriic
        envelope_errors = _own_errors(isa) or _own_errors(gs)
        gs.ack_code = _group_code([st.ack_code for st in gs.children], envelope_errors)
        gs.rejected_whole = envelope_errors
    out = io.StringIO()
    for tree in parsed.error_trees:
        offset = getattr(tree, "file_offset", 0)
        if tree.cur_isa_node is None or tree.cur_gs_node is None:
            continue  # nothing pyx12 could acknowledge (no GS read)
        text = io.StringIO()
        tree.accept(_Visitor(text, {p - offset for p in patient}))
        out.write(_own_envelope(text.getvalue(), envelopes, when))
    return out.getvalue()


def _groups(trees: list[Any]) -> Iterator[tuple[int, Any, Any, int, int | None]]:
    """(file offset, ISA node, GS node, GS file position, file position where the group ends) for
    every group: it ends at its GE, else where the next group or interchange starts (None: at the
    end of the file)."""
    for number, tree in enumerate(trees):
        offset = getattr(tree, "file_offset", 0)
        next_interchange = trees[number + 1].file_offset + 1 if number + 1 < len(trees) else None
        for isa in tree.children:
            for index, gs in enumerate(isa.children):
                if gs.cur_line_ge:
                    end = gs.cur_line_ge + offset
                elif index + 1 < len(isa.children):
                    end = isa.children[index + 1].cur_line_gs + offset
                else:
                    end = next_interchange
                yield offset, isa, gs, gs.cur_line_gs + offset, end


@dataclass(frozen=True)
class _Transaction:
    st: int  # file position of the ST segment
    last: int  # file position of its last segment (its SE, when it has one)
    st_elements: tuple[str, ...]  # ST01, ST02, ST03 as received


def _transactions(parsed: ParsedFile) -> list[_Transaction]:
    """Every transaction of the file as we read it, whether or not pyx12 kept a node for it."""
    spans = (
        parsed.segments.filter(pl.col("st_index").is_not_null())
        .group_by("st_index")
        .agg(pl.col("position").min().alias("st"), pl.col("position").max().alias("last"))
        .join(parsed.segments.select("position", "raw"), left_on="st", right_on="position")
        .sort("st")
    )
    element = parsed.source.ele_term
    return [
        _Transaction(st, last, tuple((raw.split(element) + ["", "", ""])[1:4]))
        for st, last, raw in spans.select("st", "last", "raw").iter_rows()
    ]


def _place(gs: Any, transactions: list[_Transaction], offset: int) -> None:
    """Give each of the group's `transactions` its own node, in file order.

    pyx12 keeps no node for a transaction its map of the group does not know (an 835 inside an
    837 group, say): it files that transaction's segments, as errors, under the transaction before
    it. Those errors are taken back from the wrong node, and the transaction gets a node of its own,
    rejected as not supported (IK502 1), so that AK9's counts and every IK5 are right."""
    nodes = {st.st_line + offset: st for st in gs.children if getattr(st, "st_line", None) is not None}
    placed = []
    for transaction in transactions:
        node = nodes.pop(transaction.st, None)
        if node is not None:
            _keep_own_errors(node, transaction.last - offset)
        elif all(transaction.st_elements[:2]):
            node = _Unsupported(gs, transaction, offset)
        else:
            continue  # no ST01/ST02 to name it by: AK2 cannot be written
        placed.append(node)
    gs.children = placed + [st for st in gs.children if st not in placed]


def _keep_own_errors(st: Any, last_line: int) -> None:
    """Drop the errors pyx12 filed under `st` from segments after its end (`last_line`, a line of
    this interchange); its code then follows what is left."""
    kept = [child for child in st.children if child.cur_line <= last_line]
    if len(kept) == len(st.children):
        return
    st.children = kept
    if st.is_closed():
        st.ack_code = "R" if st.err_count() else "A"


class _Unsupported(pyx12.error_handler.err_st):
    """A transaction pyx12 kept no node for: acknowledged, and rejected as not supported here."""

    def __init__(self, parent: Any, transaction: _Transaction, offset: int) -> None:  # noqa: PLW0231
        self.parent, self.id, self.seg_data = parent, "ST", None
        self.trn_set_id, self.trn_set_control_num, self.vriic = transaction.st_elements
        self.vriic = self.vriic or None
        self.st_line = self.cur_line_st = transaction.st - offset
        self.cur_line_se = transaction.last - offset
        self.ack_code = "R"
        self.children, self.elements = [], []
        self.errors = [("1", "Transaction set not supported in this functional group")]


def _own_errors(node: Any) -> bool:
    """Whether an ISA/IEA or GS/GE node has errors of its own (not its transactions')."""
    return bool(node.errors) or any(element.errors for element in getattr(node, "elements", []))


def _group_code(codes: list[str | None], envelope_errors: bool) -> str:
    """AK901: R when the group's or interchange's own envelope is in error or every transaction
    is rejected; P when some are; E when all are accepted, some with errors noted; else A."""
    if envelope_errors or not codes or all(code == "R" for code in codes):
        return "R"
    if "R" in codes:
        return "P"
    return "E" if "E" in codes else "A"


_SEGMENT_ID = re.compile(r"[A-Za-z0-9]{2,3}")
_DELIMITERS = set("~*:^")


class _Visitor(pyx12.error_999.error_999_visitor):
    """pyx12's 999 writer, keeping the 999 valid and patient values out of IK404."""

    def __init__(self, fd: io.StringIO, patient_lines: set[int]) -> None:
        super().__init__(fd)
        self._patient_lines = patient_lines  # lines (in this interchange) of patient segments
        self._skip = False
        self._withhold = False
        self._seg_id = ""

    def visit_seg(self, err_seg: Any) -> None:
        seg_id = err_seg.seg_id or ""
        self._skip = not (_SEGMENT_ID.fullmatch(seg_id) or _SEGMENT_ID.fullmatch(seg_id[:3]))
        if self._skip:
            return
        self._withhold = err_seg.cur_line in self._patient_lines or seg_id in PATIENT_SEGMENTS
        self._seg_id = seg_id
        err_seg.seg_id = seg_id[:3]
        try:
            super().visit_seg(err_seg)
        finally:
            err_seg.seg_id = seg_id

    def visit_ele(self, err_ele: Any) -> None:
        if self._skip:
            return
        received = err_ele.errors
        withhold = self._withhold or (self._seg_id, err_ele.ele_pos) in WITHHELD_ELEMENTS
        err_ele.errors = [
            (code, text, bad if _copyable(bad) and not withhold else None) for code, text, bad in received
        ]
        try:
            super().visit_ele(err_ele)
        finally:
            err_ele.errors = received

    def visit_gs_post(self, err_gs: Any) -> None:
        if getattr(err_gs, "rejected_whole", False):
            # a group rejected for its own (or its interchange's) envelope accepts no transaction:
            # AK904 is 0 whatever each transaction's own IK5 says
            err_gs.count_failed_st = lambda: err_gs.st_count_recv
        super().visit_gs_post(err_gs)


def _copyable(value: str | None) -> bool:
    return bool(value) and len(value) <= 99 and not (_DELIMITERS & set(value))


def _own_envelope(text: str, envelopes: Envelopes, when: dt.datetime) -> str:
    """pyx12's 999 text with our ISA13/GS06 (and IEA02/GE02) and the run's date and time."""
    isa13 = gs06 = ""
    segments = []
    for segment in text.split(_SEG):
        head = segment.lstrip("\r\n")
        lead = segment[: len(segment) - len(head)]
        elements = head.split(_ELE)
        seg_id = elements[0]
        if seg_id == "ISA":
            isa13 = envelopes.interchange()
            elements[9], elements[10], elements[13] = when.strftime("%y%m%d"), when.strftime("%H%M"), isa13
        elif seg_id == "GS":
            gs06 = envelopes.group()
            elements[4], elements[5], elements[6] = when.strftime("%Y%m%d"), when.strftime("%H%M%S"), gs06
        elif seg_id == "GE":
            elements[2] = gs06
        elif seg_id == "IEA":
            elements[2] = isa13
        segments.append(lead + _ELE.join(elements))
    return _SEG.join(segments)
