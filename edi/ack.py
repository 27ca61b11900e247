"""Acknowledgments for the submitter: a 999 per input file, from pyx12's validation.

pyx12 keeps an error tree while it validates (one per interchange, edi/parse.py) and its
`error_999_visitor` writes a 005010X231A1 999 from that tree. What is ours:

- Control numbers. pyx12 takes the 999's ISA13 from the clock and GS06 at random, so two files
  acknowledged in the same minute would share an ISA13. Ours come from the persistent counter
  (edi/control.py), like every file we write; ISA09/ISA10 and GS04/GS05 are the run's time.
- Transaction status. pyx12 codes a transaction with any error R (rejected). We reject claims,
  not transactions: a transaction whose errors all sit in claims we rejected, while its other
  claims go on to the payer, is acknowledged E (accepted, errors noted); one with no claim sent on
  stays R. Transactions are matched to pyx12's nodes by the position of their ST segment and
  named (AK201/AK202) as we read them, ST02 else SE02; one pyx12 kept no node for (an 835 inside
  an 837 group) gets its own AK2 and IK5 R 1 (not supported) and its segments' errors, its SE's
  included, are taken back from the transaction before it; one without SE gets IK502 2; one that
  cannot be named (no ST01, no ST02 or SE02) has no AK2 but counts as rejected in AK9. A group
  without GE is R with AK905 3 and AK903 its transactions as read. The group's AK901
  follows: A (all accepted), E (accepted, some with errors), P (some transactions rejected) or R
  (all rejected, or the GS/GE or ISA/IEA envelope itself in error, including an ISA13 repeated in
  the file; then AK904 is 0, as the pipeline sends none of the group's claims on).
- Patient data. IK404 (a copy of the bad value) is left out for segments that can identify a
  patient (the subscriber and patient loops, names, IDs, addresses, birth dates, diagnosis
  codes with dates, free text in NTE and K3) and for CLM01, the patient control number: the 999
  names the segment and element instead.
- Validity. A 999 must itself be valid X12: a received segment ID longer than IK301's three
  characters is cut to three (IK302 still gives the segment's position), an error on a segment
  with no readable ID at all gets no IK3 (the transaction's IK5 still reports it), and a bad value
  that holds one of the 999's delimiters or is longer than IK404's 99 characters is left out.
"""

from __future__ import annotations

import bisect
import copy
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
from edi.parse import ENVELOPE_ROLES, PHI_SEGMENTS, ParsedFile, acknowledgeable

# Segments whose values never go into IK404, wherever they are: identities and free text, and HI
# (occurrence codes can carry a birth date). Segments of the subscriber and patient loops are
# passed in by position (`patient_segments`).
PATIENT_SEGMENTS = PHI_SEGMENTS | {"HI"}
# Single elements (segment, element, component or None) withheld likewise: CLM01, the patient
# control number (the practice's account number for the patient), and the free-text service
# descriptions SV101-7 and SV202-7.
WITHHELD_ELEMENTS = {("CLM", 1, None), ("SV1", 1, 7), ("SV2", 2, 7)}

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
    the positions of segments whose values must not be copied into IK404. The trees are worked
    on as copies: `parsed` stays as it was read."""
    forwarded, patient = set(forwarded), set(patient_segments)
    trees = [_copy(tree) for tree in parsed.error_trees]
    envelope = _EnvelopeSegments(parsed)
    transactions = envelope.transactions()
    spans = _Spans(transactions)
    for offset, isa, gs, gs_position, end in _groups(trees):
        # pyx12's GS06 for a group is stale after a group without GE; ours is as read
        gs.gs_control_num = envelope.element(gs_position, 6) or gs.gs_control_num
        in_group = [t for t in transactions if gs_position < t.st and (end is None or t.st < end)]
        unnamed = _place(gs, in_group, offset, spans, forwarded)
        if not gs.cur_line_ge:
            gs.st_count_recv = len(in_group)
            if not any(code == "3" for code, _ in gs.errors):
                gs.add_error("3", "Functional group trailer missing")
        codes = [st.ack_code for st in gs.children] + ["R"] * unnamed
        envelope_errors = _own_errors(isa) or _own_errors(gs)
        gs.ack_code = _group_code(codes, envelope_errors)
        # AK904: a group rejected for its own (or its interchange's) envelope accepts none
        gs.failed = gs.st_count_recv if envelope_errors else sum(code not in ("A", "E") for code in codes)
    out = io.StringIO()
    for tree in trees:
        offset = getattr(tree, "file_offset", 0)
        if tree.cur_isa_node is None or tree.cur_gs_node is None:
            continue  # nothing pyx12 could acknowledge (no GS read)
        text = io.StringIO()
        tree.accept(_Visitor(text, {p - offset for p in patient}))
        out.write(_own_envelope(text.getvalue(), envelopes, when))
    return out.getvalue()


def _copy(tree: Any) -> Any:
    """A copy of an error tree to work on; its reader and flat error list are not needed."""
    return copy.deepcopy(tree, {id(getattr(tree, "src", None)): None, id(getattr(tree, "flat", None)): []})


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
    last: int  # file position of its SE, else of the segment before the next envelope segment
    set_id: str  # ST01
    control: str  # ST02, else SE02 ("" when neither is there)
    guide: str  # ST03
    has_trailer: bool  # has an SE
    st02_missing: bool


class _EnvelopeSegments:
    """The file's envelope segments (ISA, GS, ST, SE, GE, IEA) as read, by file position."""

    def __init__(self, parsed: ParsedFile) -> None:
        rows = parsed.segments.filter(pl.col("seg_id").is_in(ENVELOPE_ROLES)).select("position", "raw")
        self._raw = dict(rows.iter_rows())
        self._positions = sorted(self._raw)  # sorted: the next envelope segment by bisection
        self._element = parsed.source.ele_term
        self._file_end = parsed.segments["position"].max() or 0
        self._envelopes = parsed.envelopes

    def element(self, position: int, number: int) -> str:
        """Element `number` of the envelope segment at `position`, trimmed ("" when absent)."""
        values = self._raw[position].split(self._element) if position in self._raw else []
        return values[number].strip() if number < len(values) else ""

    def transactions(self) -> list[_Transaction]:
        """Every transaction of the file as we read it (an ST segment, and its SE), whether or not
        pyx12 kept a node for it."""
        found = []
        for st, se in self._envelopes.select("st_position", "se_position").sort("st_position").iter_rows():
            control = self.element(st, 2)
            if se is None:  # it ends before the next envelope segment (or with the file)
                index = bisect.bisect_right(self._positions, st)
                last = self._positions[index] - 1 if index < len(self._positions) else self._file_end
            else:
                last = se
            found.append(
                _Transaction(
                    st,
                    last,
                    self.element(st, 1),
                    control or (self.element(se, 2) if se is not None else ""),
                    self.element(st, 3),
                    se is not None,
                    not control,
                )
            )
        return found


class _Spans:
    """Which transaction, if any, a file position lies in (from its ST to its SE)."""

    def __init__(self, transactions: list[_Transaction]) -> None:
        self._transactions = transactions
        self._starts = [t.st for t in transactions]

    def owner(self, position: int) -> _Transaction | None:
        index = bisect.bisect_right(self._starts, position) - 1
        if index >= 0 and position <= self._transactions[index].last:
            return self._transactions[index]
        return None


def _place(gs: Any, transactions: list[_Transaction], offset: int, spans: _Spans, forwarded: set[int]) -> int:
    """Give each of the group's `transactions` its own node, in file order, named as we read it
    and coded E instead of R when a claim of it was sent on (`forwarded`: ST positions); returns
    how many could not be acknowledged by name (no ST01, or neither ST02 nor SE02): they count as
    rejected in AK9.

    pyx12 keeps no node for a transaction its map of the group does not know (an 835 inside an
    837 group, say): it files that transaction's segments, as errors, under the transaction before
    it. Those errors are taken back from the wrong node, and the transaction gets a node of its own,
    rejected as not supported (IK502 1), so that AK9's counts and every IK5 are right."""
    nodes = {st.st_line + offset: st for st in gs.children if getattr(st, "st_line", None) is not None}
    placed, unnamed = [], 0
    for transaction in transactions:
        if not (acknowledgeable(transaction.set_id) and acknowledgeable(transaction.control)):
            nodes.pop(transaction.st, None)
            unnamed += 1
            continue
        node = nodes.pop(transaction.st, None)
        if node is None:
            node = _Unsupported(gs, transaction, offset)
        else:
            # pyx12's names can be stale (its ST02 is the first open transaction's)
            node.trn_set_id, node.trn_set_control_num = transaction.set_id, transaction.control
            _keep_own_errors(node, transaction, offset, spans)
        if transaction.st02_missing and not any(error[0] == "7" for error in node.errors):
            node.add_error("7", "Missing transaction set control number (named by its SE02)")
            node.ack_code = "R"
        if node.ack_code == "R" and transaction.st in forwarded:
            node.ack_code = "E"
        # ST03 is optional in X12 (GS08 names the guide); pyx12 needs it for AK203
        node.vriic = node.vriic or gs.vriic
        placed.append(node)
    gs.children = placed
    return unnamed


# ST-level error codes pyx12 files for the ST segment itself; the others are found at the SE
_ST_SEGMENT_CODES = ("1", "6", "7", "23")


def _keep_own_errors(st: Any, transaction: _Transaction, offset: int, spans: _Spans) -> None:
    """Drop the errors pyx12 filed under `st` from segments of another transaction, including
    those of a later transaction's SE when pyx12 closed `st` there, and report a missing SE (IK502
    2) that pyx12 could only notice in the next transaction. Errors of segments outside every
    transaction (a stray segment after an SE or GE) stay where pyx12 filed them, as the claim rules
    have them. The code then follows the errors the node holds."""

    def elsewhere(line: int) -> bool:
        owner = spans.owner(line + offset)
        return owner is not None and owner is not transaction

    st.children = [child for child in st.children if not elsewhere(child.cur_line)]
    if st.cur_line_se and elsewhere(st.cur_line_se):
        st.errors = [error for error in st.errors if error[0] in _ST_SEGMENT_CODES]
        st.elements = [e for e in st.elements if not any("SE" in text for _, text, _ in e.errors)]
    if not transaction.has_trailer and not any(error[0] == "2" for error in st.errors):
        st.add_error("2", "Transaction set trailer missing")
    # pyx12 sets the code when it reads the SE, so errors it files afterwards (a stray segment
    # after the SE) would not count: the code follows the errors the node holds now
    st.ack_code = "R" if st.err_count() else "A"


class _Unsupported(pyx12.error_handler.err_st):
    """A transaction pyx12 kept no node for: acknowledged, and rejected as not supported here."""

    def __init__(self, parent: Any, transaction: _Transaction, offset: int) -> None:  # noqa: PLW0231
        self.parent, self.id, self.seg_data = parent, "ST", None
        self.trn_set_id, self.trn_set_control_num = transaction.set_id, transaction.control
        self.vriic = transaction.guide or None
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
        withhold = self._withhold or any(
            (self._seg_id, err_ele.ele_pos, part) in WITHHELD_ELEMENTS for part in (None, err_ele.subele_pos)
        )
        err_ele.errors = [
            (code, text, bad if acknowledgeable(bad, longest=99) and not withhold else None)
            for code, text, bad in received
        ]
        try:
            super().visit_ele(err_ele)
        finally:
            err_ele.errors = received

    def visit_gs_post(self, err_gs: Any) -> None:
        # AK904 = received - failed: ack_999 counts the failed (unnamed transactions included,
        # every one when the envelope is in error); pyx12 counts only the nodes it has
        failed = getattr(err_gs, "failed", None)
        if failed is not None:
            err_gs.count_failed_st = lambda: failed
        super().visit_gs_post(err_gs)


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
