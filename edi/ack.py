"""Acknowledgments for the submitter: a 999 per input file, from pyx12's validation.

pyx12 keeps an error tree while it validates (one per interchange, edi/parse.py) and its
`error_999_visitor` writes a 005010X231A1 999 from that tree. Two things are ours:

- Control numbers. pyx12 takes the 999's ISA13 from the clock and GS06 at random, so two files
  acknowledged in the same minute would share an ISA13. Ours come from the persistent counter
  (edi/control.py), like every file we write; ISA09/ISA10 and GS04/GS05 are the run's time.
- Transaction status. pyx12 codes a transaction with any error R (rejected). We reject claims,
  not transactions: a transaction whose errors all sit in claims we rejected, while its other
  claims go on to the payer, is acknowledged E (accepted, errors noted); one with no claim sent on
  stays R. The group's AK901 follows: A (all accepted), E (accepted, some with errors),
  P (some transactions rejected) or R (all rejected).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

import pyx12.error_999

from edi.control import Envelopes

_SEG, _ELE = "~", "*"


def ack_999(
    trees: list[Any],
    forwarded: Iterable[int],
    envelopes: Envelopes,
    when: dt.datetime,
) -> str:
    """The 999 text for one input file: one interchange per input interchange.

    `trees` are the file's pyx12 error trees in file order; `forwarded` the ordinals (st_index)
    of the file's transactions with at least one claim sent on to the payer."""
    forwarded = set(forwarded)
    out = io.StringIO()
    st_index = 0
    for tree in trees:
        for isa in tree.children:
            for gs in isa.children:
                for st in gs.children:
                    if st.ack_code == "R" and st_index in forwarded:
                        st.ack_code = "E"
                    st_index += 1
                codes = {st.ack_code for st in gs.children}
                gs.ack_code = (
                    "R"
                    if codes == {"R"} or not codes
                    else "P"
                    if "R" in codes
                    else "E"
                    if "E" in codes
                    else "A"
                )
        if tree.cur_isa_node is None or tree.cur_gs_node is None:
            continue  # nothing pyx12 could acknowledge (no GS read)
        text = io.StringIO()
        tree.accept(pyx12.error_999.error_999_visitor(text))
        out.write(_own_envelope(text.getvalue(), envelopes, when))
    return out.getvalue()


def _own_envelope(text: str, envelopes: Envelopes, when: dt.datetime) -> str:
    """pyx12's 999 with our ISA13/GS06 (and IEA02/GE02) and the run's date and time."""
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
