"""pyx12 reading -> Polars frames.

One pyx12 `X12ContextReader` pass per file does three jobs at once:
- tokenizing, delimiters and envelopes (pyx12's reader; we keep each segment's received text
  so the writer can re-emit claims exactly),
- implementation-guide validation against pyx12's 837 maps (errors are collected with the
  position of the segment they were raised at, and later placed in the claim they belong to),
- the loop context (2000A/2000B/2300/2400/2410 ...) that tells which claim and line a segment
  belongs to.
The frames it returns are described in edi/schema.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import polars as pl
import pyx12.error_handler
import pyx12.errors
import pyx12.params
import pyx12.rawx12file
import pyx12.x12context

from edi.fixes import fix_segment
from edi.schema import CLAIM_SCHEMA, ENVELOPE_SCHEMA, LINE_SCHEMA
from edi.source import ADOPTED, ISA_LENGTH, MAP_FILES, QuarantineError, SourceText, claim_type_of

# pyx12 logs every validation error with the offending value (which can be a member name,
# ID or birth date). Our findings carry what is needed, redacted; keep pyx12 quiet.
logging.getLogger("pyx12").setLevel(logging.CRITICAL)

# Segment roles in the transaction structure, used by the writer.
ENVELOPE_ROLES = ("ISA", "GS", "ST", "SE", "GE", "IEA")

# Values from these never appear in findings: every segment of the subscriber/patient loops
# (names, member IDs, SSNs in REF*SY, addresses, contacts, birth dates), and anywhere the
# segments that carry identities, identifiers or free text (REF*EA medical record number, NTE).
PHI_LOOPS = {"2000B", "2000C", "2010BA", "2010CA", "2010CB", "2330A", "2320"}
PHI_SEGMENTS = {"DMG", "PAT", "NM1", "N3", "N4", "REF", "PER", "NTE", "K3"}  # NTE, K3: free text

SEGMENT_SCHEMA: dict[str, pl.DataType] = {
    "position": pl.Int64,
    "seg_id": pl.String,
    "loop": pl.String,
    "role": pl.String,  # ISA GS ST header hl claim SE GE IEA
    "isa_index": pl.Int64,
    "gs_index": pl.Int64,
    "st_index": pl.Int64,
    "hl_key": pl.Int64,  # position of the HL segment heading the block the segment is in (role hl)
    "claim_index": pl.Int64,
    "line_number": pl.Int64,  # LX01 when the segment is inside a service line
    "raw": pl.String,  # the segment as received, without its terminator
}

HL_SCHEMA: dict[str, pl.DataType] = {
    "st_index": pl.Int64,
    "hl_id": pl.String,
    "parent_id": pl.String,
    "level": pl.String,  # HL03: 20 billing, 22 subscriber, 23 patient
    "position": pl.Int64,
    "parent_position": pl.Int64,  # the latest earlier HL in the transaction whose HL01 is HL02
}

FIX_SCHEMA: dict[str, pl.DataType] = {
    "position": pl.Int64,  # the segment fixed
    "kind": pl.String,  # ndc_format | stray_spaces (edi/fixes.py)
    "element": pl.String,  # e.g. LIN03
    "before": pl.String,
    "after": pl.String,
}

ERROR_SCHEMA: dict[str, pl.DataType] = {
    "position": pl.Int64,
    "level": pl.String,  # ISA GS ST SEG ELE
    "code": pl.String,
    "message": pl.String,
    "value": pl.String,
    "element": pl.String,
}


@dataclass
class ParsedFile:
    source: SourceText
    envelopes: pl.DataFrame
    claims: pl.DataFrame
    lines: pl.DataFrame
    segments: pl.DataFrame
    hls: pl.DataFrame
    errors: pl.DataFrame  # pyx12 validation errors with file positions
    guide_notes: list[tuple[int, str, str]] = field(default_factory=list)  # (st_index, gs08, adopted)
    fixes: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=FIX_SCHEMA))
    # pyx12's error tree of each interchange, in file order: what its 999 is written from (each
    # has file_offset; its ST nodes have st_line)
    error_trees: list[Any] = field(default_factory=list, repr=False)

    def claim_scope(self) -> pl.DataFrame:
        """Claims with the ordinals of the transaction, group and interchange their CLM sits in."""
        where = self.segments.filter(pl.col("seg_id") == "CLM").select(
            pl.col("position").alias("clm_position"), "st_index", "gs_index", "isa_index"
        )
        return self.claims.join(where, on="clm_position", how="left")


class _RecordingErrors(pyx12.error_handler.err_handler):
    """pyx12's error tree (kept for acknowledgments) plus a flat list with file positions."""

    def __init__(self) -> None:
        super().__init__()
        self.flat: list[tuple[int, str, str, str, str | None, str | None]] = []
        self.src: Any = None

    def _position(self) -> int:
        return self.src.get_cur_line() if self.src is not None else 0

    def isa_error(self, err_cde: str, err_str: str) -> None:
        self.flat.append((self._position(), "ISA", err_cde, err_str, None, None))
        super().isa_error(err_cde, err_str)

    def gs_error(self, err_cde: str, err_str: str) -> None:
        self.flat.append((self._position(), "GS", err_cde, err_str, None, None))
        super().gs_error(err_cde, err_str)

    def st_error(self, err_cde: str, err_str: str) -> None:
        self.flat.append((self._position(), "ST", err_cde, err_str, None, None))
        super().st_error(err_cde, err_str)

    def add_st_loop(self, seg_data: Any, src: Any) -> None:
        super().add_st_loop(seg_data, src)
        # the ST's line in this interchange: acknowledgments match transactions by position
        self.cur_st_node.st_line = self._position()

    def seg_error(
        self, err_cde: str, err_str: str, err_value: str | None = None, src_line: int | None = None
    ):
        self.flat.append((self._position(), "SEG", err_cde, err_str, err_value, None))
        super().seg_error(err_cde, err_str, err_value, src_line)

    def ele_error(self, err_cde: str, err_str: str, bad_value: str | None, refdes: str | None = None):
        self.flat.append((self._position(), "ELE", err_cde, err_str, bad_value, refdes))
        super().ele_error(err_cde, err_str, bad_value, refdes)


class _RawCapture:
    """Wraps pyx12's RawX12File so each segment's received text is kept, in order."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self.lines: list[str] = []

    def __iter__(self) -> Iterator[str]:
        for line in self._raw:
            self.lines.append(line)
            yield line

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


def open_reader(
    source: SourceText,
) -> tuple[pyx12.x12context.X12ContextReader, _RecordingErrors, _RawCapture]:
    """A pyx12 context reader over the decoded text, with our error recorder and raw capture."""
    errh = _RecordingErrors()
    try:
        reader = pyx12.x12context.X12ContextReader(pyx12.params.params(), errh, io.StringIO(source.text))
    except pyx12.errors.X12Error as exc:
        raise QuarantineError(f"segment 1 (ISA): {_short(exc)}") from exc
    errh.src = reader.src
    capture = _RawCapture(reader.src.raw)
    reader.src.raw = capture
    # Releases of the 837 guides other than the adopted ones are read with the adopted map.
    for prefix, kind in (("005010X222", "837P"), ("005010X223", "837I")):
        for suffix in ("", "A1", "A2", "A3"):
            if prefix + suffix != ADOPTED[kind]:
                reader.map_index_if.add_map("00501", prefix + suffix, "HC", None, MAP_FILES[kind], kind)
    return reader, errh, capture


def _v(seg: Any, ref: str) -> str | None:
    try:
        value = seg.get_value(ref)
    except (IndexError, pyx12.errors.EngineError):
        return None
    return value if value not in (None, "") else None


def _float(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _int(text: str | None) -> int | None:
    number = _float(text)
    return int(number) if number is not None and number.is_integer() else None


def _date_range(qualifier: str | None, text: str | None) -> tuple[dt.date | None, dt.date | None]:
    """(first, last) date of a DTP D8 date or RD8 range (CCYYMMDD-CCYYMMDD); (None, None) if unreadable.

    A D8 date is its own last date; an RD8 range whose end is unreadable or before its start
    ends on its start."""
    if not text or qualifier not in ("D8", "RD8"):
        return None, None
    try:
        start = dt.datetime.strptime(text[:8], "%Y%m%d").date()
    except ValueError:
        return None, None
    end = start
    if qualifier == "RD8" and len(text) >= 17 and text[8] == "-":
        try:
            end = max(start, dt.datetime.strptime(text[9:17], "%Y%m%d").date())
        except ValueError:
            end = start
    return start, end


def _diagnosis_codes(seg: Any) -> list[tuple[str, str]]:
    """HI composites for diagnoses as (qualifier, code): principal ABK (ICD-10-CM) / BK (ICD-9-CM),
    other ABF / BF."""
    codes = []
    for index in range(1, 13):
        qualifier = _v(seg, f"HI{index:02d}-1")
        code = _v(seg, f"HI{index:02d}-2")
        if qualifier in ("ABK", "BK", "ABF", "BF") and code:
            codes.append((qualifier, code))
    return codes


class _Builder:
    """Turns the stream of (position, segment, loop) into rows. Sequential by nature."""

    def __init__(self, source: SourceText) -> None:
        self.file = source.path.name
        self.isa13 = self.gs06 = self.st02 = self.gs08 = None
        self.claim_type: str | None = None
        self.isa_index = self.gs_index = self.st_index = -1
        self.isa_sender = self.isa_receiver = None
        self.hl_key: int | None = None
        self.hl_positions: dict[str, int] = {}
        self.billing_hl = self.subscriber_hl = self.patient_hl = None
        self.billing_key = self.subscriber_key = self.patient_key = None
        self.subscriber_sbr09: str | None = None
        self.payer_id: str | None = None
        self.claim: dict | None = None
        self.line: dict | None = None
        self.claim_count = 0
        self.envelopes: list[dict] = []
        self.claims: list[dict] = []
        self.lines: list[dict] = []
        self.segments: list[tuple] = []
        self.hls: list[tuple] = []
        self.guide_notes: list[tuple[int, str, str]] = []
        self.own_errors: list[tuple] = []  # errors pyx12 does not report (rows of ERROR_SCHEMA)

    def _source(self) -> dict:
        return {
            "source_file": self.file,
            "interchange_control": self.isa13,
            "group_control": self.gs06,
            "transaction_control": self.st02,
        }

    def _close_line(self, position: int) -> None:
        if self.line is not None:
            self.line["end_position"] = position
            self.lines.append(self.line)
            self.line = None

    def _close_claim(self, position: int) -> None:
        self._close_line(position)
        if self.claim is not None:
            self.claim["end_position"] = position
            self.claims.append(self.claim)
            self.claim = None

    def add(self, position: int, seg_id: str, loop: str, seg: Any, raw: str) -> None:
        role = self._role_and_state(position, seg_id, loop, seg)
        claim_index = self.claim["claim_index"] if (self.claim is not None and role == "claim") else None
        hl_key = self.hl_key if role == "hl" else None
        line_number = self.line["line_number"] if (self.line is not None and role == "claim") else None
        self.segments.append(
            (
                position,
                seg_id,
                loop,
                role,
                self.isa_index,
                self.gs_index,
                self.st_index,
                hl_key,
                claim_index,
                line_number,
                raw,
            )
        )

    def _role_and_state(self, position: int, seg_id: str, loop: str, seg: Any) -> str:
        if seg_id in ("ISA", "GS", "ST"):
            # a header whose previous envelope lacked its trailer (no SE before the next ST) still
            # ends the claim before it
            self._close_claim(position - 1)
        if seg_id == "ISA":
            self.isa_index += 1
            self.isa13 = _v(seg, "ISA13")
            self.isa_sender = (_v(seg, "ISA06") or "").strip()
            self.isa_receiver = (_v(seg, "ISA08") or "").strip()
            return "ISA"
        if seg_id == "GS":
            self.gs_index += 1
            self.gs06 = _v(seg, "GS06")
            self.gs08 = _v(seg, "GS08") or ""
            self.claim_type = claim_type_of(self.gs08)
            return "GS"
        if seg_id == "ST":
            self.st_index += 1
            self.st02 = _v(seg, "ST02")
            self.own_errors += _unnamed_transaction(position, _v(seg, "ST01"), self.st02)
            self.hl_key = None
            self.hl_positions = {}
            self.billing_hl = self.subscriber_hl = self.patient_hl = None
            self.billing_key = self.subscriber_key = self.patient_key = None
            self.envelopes.append(
                {
                    **self._source(),
                    "implementation": _v(seg, "ST03") or self.gs08,
                    "claim_type": self.claim_type,
                    "sender_id": self.isa_sender,
                    "receiver_id": self.isa_receiver,
                    "st_position": position,
                    "se_position": None,
                }
            )
            if self.claim_type and self.gs08 != ADOPTED[self.claim_type]:
                self.guide_notes.append((self.st_index, self.gs08, ADOPTED[self.claim_type]))
            return "ST"
        if seg_id in ("SE", "GE", "IEA"):
            self._close_claim(position - 1)
            if seg_id == "SE" and self.envelopes:
                self.envelopes[-1]["se_position"] = position
            return seg_id
        if seg_id == "HL":
            self._close_claim(position - 1)
            hl_id = _v(seg, "HL01") or ""
            level = _v(seg, "HL03") or ""
            parent = _v(seg, "HL02")
            self.hls.append(
                (self.st_index, hl_id, parent, level, position, self.hl_positions.get(parent or ""))
            )
            self.hl_positions[hl_id] = position
            self.hl_key = position
            if level == "20":
                self.billing_hl, self.subscriber_hl, self.patient_hl = hl_id, None, None
                self.billing_key, self.subscriber_key, self.patient_key = position, None, None
            elif level == "22":
                self.subscriber_hl, self.patient_hl = hl_id, None
                self.subscriber_key, self.patient_key = position, None
                self.subscriber_sbr09 = None
                self.payer_id = None
            elif level == "23":
                self.patient_hl, self.patient_key = hl_id, position
            return "hl"
        if seg_id == "CLM":
            self._close_claim(position - 1)
            self._start_claim(position, seg)
            return "claim"
        if self.claim is not None:
            self._claim_segment(position, seg_id, loop, seg)
            return "claim"
        if self.hl_key is None:
            return "header"
        if seg_id == "SBR" and loop == "2000B":
            self.subscriber_sbr09 = _v(seg, "SBR09")
        elif seg_id == "NM1" and loop == "2010BB" and _v(seg, "NM101") == "PR":
            self.payer_id = _v(seg, "NM109")
        return "hl"

    def _start_claim(self, position: int, seg: Any) -> None:
        facility = _v(seg, "CLM05-1")
        frequency = _v(seg, "CLM05-3")
        self.claim = {
            **self._source(),
            "claim_index": self.claim_count,
            "claim_id": _v(seg, "CLM01"),
            "claim_type": self.claim_type,
            "clm_position": position,
            "end_position": position,
            "billing_hl": self.billing_hl,
            "subscriber_hl": self.subscriber_hl,
            "patient_hl": self.patient_hl,
            "billing_hl_position": self.billing_key,
            "subscriber_hl_position": self.subscriber_key,
            "patient_hl_position": self.patient_key,
            "payer_filing_indicator": self.subscriber_sbr09,
            "payer_id": self.payer_id,
            "total_charge": _float(_v(seg, "CLM02")),
            "facility_code": facility,
            "frequency_code": frequency,
            "bill_type": (facility or "") + (frequency or "") if self.claim_type == "837I" else None,
            "claim_service_date": None,
            "claim_service_date_end": None,
            "prior_auth": None,
            "diagnoses": [],
            "diagnosis_qualifiers": [],
            "hi_position": None,
        }
        self.claim_count += 1

    def _claim_segment(self, position: int, seg_id: str, loop: str, seg: Any) -> None:
        claim = self.claim
        assert claim is not None
        if seg_id == "LX":
            self._close_line(position - 1)
            self.line = self._new_line(position, seg)
            return
        if self.line is not None and loop in ("2400", "2410"):
            self._line_segment(position, seg_id, loop, seg)
            return
        if loop != "2300":
            return
        if seg_id == "DTP" and _v(seg, "DTP01") in ("472", "434") and claim["claim_service_date"] is None:
            start, end = _date_range(_v(seg, "DTP02"), _v(seg, "DTP03"))
            claim["claim_service_date"], claim["claim_service_date_end"] = start, end
        elif seg_id == "REF" and _v(seg, "REF01") == "G1":
            claim["prior_auth"] = _v(seg, "REF02")
        elif seg_id == "HI":
            codes = _diagnosis_codes(seg)
            if codes and claim["hi_position"] is None:
                claim["hi_position"] = position
            claim["diagnoses"] = claim["diagnoses"] + [code for _, code in codes]
            claim["diagnosis_qualifiers"] = claim["diagnosis_qualifiers"] + [q for q, _ in codes]

    def _new_line(self, position: int, seg: Any) -> dict:
        claim = self.claim
        assert claim is not None
        row = {name: None for name in LINE_SCHEMA}
        row.update(self._source())
        row.update(
            claim_index=claim["claim_index"],
            claim_id=claim["claim_id"],
            claim_type=claim["claim_type"],
            line_number=_int(_v(seg, "LX01")),
            lx_position=position,
            end_position=position,
            service_date=claim["claim_service_date"],
            # a line without its own DTP*472 takes the claim's (first) date, not the claim's whole
            # statement period: per-date checks must not spread its units over the period
            service_date_end=claim["claim_service_date"],
            diagnosis_pointers=[],
        )
        return row

    def _line_segment(self, position: int, seg_id: str, loop: str, seg: Any) -> None:
        line = self.line
        assert line is not None
        if seg_id in ("SV1", "SV2") and line["sv_position"] is None:
            composite = "SV101" if seg_id == "SV1" else "SV202"
            line.update(
                sv_position=position,
                procedure_qualifier=_v(seg, f"{composite}-1"),
                procedure_code=_v(seg, f"{composite}-2"),
                modifier_1=_v(seg, f"{composite}-3"),
                modifier_2=_v(seg, f"{composite}-4"),
                modifier_3=_v(seg, f"{composite}-5"),
                modifier_4=_v(seg, f"{composite}-6"),
                description=_v(seg, f"{composite}-7"),
            )
            if seg_id == "SV1":
                line.update(
                    charge=_float(_v(seg, "SV102")),
                    unit_basis=_v(seg, "SV103"),
                    units=_float(_v(seg, "SV104")),
                    diagnosis_pointers=[
                        p for p in (_int(_v(seg, f"SV107-{i}")) for i in range(1, 5)) if p is not None
                    ],
                )
            else:
                line.update(
                    revenue_code=_v(seg, "SV201"),
                    charge=_float(_v(seg, "SV203")),
                    unit_basis=_v(seg, "SV204"),
                    units=_float(_v(seg, "SV205")),
                )
        elif seg_id == "DTP" and loop == "2400" and _v(seg, "DTP01") == "472":
            start, end = _date_range(_v(seg, "DTP02"), _v(seg, "DTP03"))
            if start is not None:
                line["service_date"], line["service_date_end"] = start, end
        elif seg_id == "REF" and loop == "2400" and _v(seg, "REF01") == "G1":
            line["line_prior_auth"] = _v(seg, "REF02")
        elif seg_id == "NTE" and loop == "2400" and line["note"] is None:
            line["note"] = _v(seg, "NTE02")
        elif seg_id == "LIN" and line["lin_position"] is None:
            line.update(lin_position=position, ndc_qualifier=_v(seg, "LIN02"), ndc=_v(seg, "LIN03"))
        elif seg_id == "CTP" and line["ctp_position"] is None:
            line.update(
                ctp_position=position,
                ndc_quantity=_float(_v(seg, "CTP04")),
                ndc_unit=_v(seg, "CTP05-1"),
            )


def _loop_of(node: Any) -> str:
    path = node.x12_map_node.get_path() if node.x12_map_node is not None else ""
    parts = [p for p in path.split("/") if p]
    return parts[-2] if len(parts) >= 2 else ""


def _interchanges(
    source: SourceText, fix_kinds: Iterable[str] = (), fixes: list[tuple] | None = None
) -> list[tuple[int, SourceText]]:
    """Split the file into its ISA...IEA interchanges with pyx12's own segment reader, each with
    the file position of its first segment. pyx12's context reader validates one interchange per
    pass (it counts a second ISA's IEA as a repeat of the first), so each is read on its own.

    The safe fixes of `fix_kinds` (edi/fixes.py) are made to each segment's text here, before
    pyx12 validates it; each one applied is appended to `fixes` as a FIX_SCHEMA row."""
    try:
        raw = pyx12.rawx12file.RawX12File(io.StringIO(source.text))
    except pyx12.errors.X12Error as exc:
        raise QuarantineError(f"segment 1 (ISA): {_short(exc)}") from exc
    lines = list(raw)
    unread = (raw.buffer + raw.fd.read()).strip()
    if unread and source.seg_term not in unread:
        raise QuarantineError(
            f"segment {len(lines) + 1}: the file ends inside a segment ({unread[:3]!r}..., no segment "
            f"terminator {source.seg_term!r} after it); the file may be truncated"
        )
    if unread:
        raise QuarantineError(
            f"segment {len(lines) + 1}: empty segment (two segment terminators in a row); "
            f"reading stops there and {len(unread)} characters after it would be lost"
        )
    fix_kinds = tuple(fix_kinds)
    if fix_kinds:
        for index, line in enumerate(lines):
            fixed, applied = fix_segment(line, source.ele_term, source.subele_term, fix_kinds)
            if applied:
                lines[index] = fixed
                if fixes is not None:
                    fixes.extend((index + 1, *row) for row in applied)
    starts = [i for i, line in enumerate(lines) if line.lstrip().startswith("ISA" + source.ele_term)] or [0]
    chunks = []
    for start, end in zip(starts, [*starts[1:], len(lines)], strict=True):
        text = "".join(line + source.seg_term for line in lines[start:end])
        chunks.append((start, dataclasses.replace(source, text=text.lstrip())))
    return chunks


def _read_interchange(
    builder: _Builder, chunk: SourceText, offset: int, last: bool = True, trees: list | None = None
) -> list[tuple]:
    """One pyx12 pass over one interchange; returns its errors with file positions and appends
    pyx12's error tree to `trees`."""
    reader, errh, capture = open_reader(chunk)
    position = offset
    try:
        with reader:
            for node in reader.iter_segments():
                position += 1
                seg = node.seg_data
                raw = capture.lines[position - offset - 1].lstrip()
                builder.add(position, seg.get_seg_id() or "", _loop_of(node), seg, raw)
            reader.src.cleanup()
            errh.handle_errors(reader.src.pop_errors())
    except pyx12.errors.EngineError as exc:
        raise QuarantineError(f"segment {position + 1}: {_engine_reason(exc)}") from exc
    except pyx12.errors.X12Error as exc:
        raise QuarantineError(f"segment {position + 1}: {_short(exc)}") from exc
    except (IndexError, KeyError, ValueError, TypeError, AttributeError) as exc:
        # pyx12 itself fails on some broken envelopes (e.g. a GE twice): the file cannot be read.
        raise QuarantineError(
            f"segment {position + 1}: pyx12 cannot read the envelope structure here "
            f"({type(exc).__name__}: {_short(exc)}); check ISA/GS/ST and their trailers"
        ) from exc
    if any(level == "ISA" and code == "023" for _, level, code, *_ in errh.flat):
        if last:
            raise QuarantineError(
                f"segment {position}: file ends without its IEA interchange trailer (truncated?)"
            )
        raise QuarantineError(
            f"segment {position}: the interchange that starts at segment {offset + 1} has no IEA trailer "
            "before the next ISA"
        )
    if trees is not None:
        errh.file_offset = offset  # file position = line in this interchange + offset
        trees.append(errh)
    return [(p + offset, *rest) for p, *rest in errh.flat]


def parse_source(source: SourceText, fixes: Iterable[str] = ()) -> ParsedFile:
    """Parse one pre-checked file, making the safe fixes named in `fixes` (edi/fixes.py) as it is
    read. Raises QuarantineError when pyx12 cannot go on."""
    builder = _Builder(source)
    errors: list[tuple] = []
    applied: list[tuple] = []
    trees: list[Any] = []
    position = 0
    seen_isa13: dict[str, int] = {}
    chunks = _interchanges(source, fixes, applied)
    for number, (offset, chunk) in enumerate(chunks, start=1):
        errors += _read_interchange(builder, chunk, offset, last=number == len(chunks), trees=trees)
        # pyx12 checks ISA13 uniqueness within one pass; each interchange has its own pass here.
        isa13 = chunk.text[:ISA_LENGTH].split(chunk.ele_term)[13:14]
        if isa13 and isa13[0] in seen_isa13:
            message = (
                f"Duplicate Interchange Control Number: ISA13 {isa13[0]} was already used by the "
                f"interchange at segment {seen_isa13[isa13[0]]} of this file (a file sent twice?)"
            )
            errors.append((offset + 1, "ISA", "025", message, None, None))
            if trees and trees[-1].cur_isa_node is not None:
                trees[-1].cur_isa_node.add_error("025", message)  # so its 999 rejects it too
        elif isa13:
            seen_isa13[isa13[0]] = offset + 1
        position = builder.segments[-1][0] if builder.segments else offset
    if builder.claim is not None:
        builder._close_claim(position)
    errors += builder.own_errors
    return ParsedFile(
        source=source,
        envelopes=pl.DataFrame(builder.envelopes, schema=ENVELOPE_SCHEMA, orient="row")
        if builder.envelopes
        else pl.DataFrame(schema=ENVELOPE_SCHEMA),
        claims=pl.DataFrame(builder.claims, schema=CLAIM_SCHEMA)
        if builder.claims
        else pl.DataFrame(schema=CLAIM_SCHEMA),
        lines=pl.DataFrame(builder.lines, schema=LINE_SCHEMA)
        if builder.lines
        else pl.DataFrame(schema=LINE_SCHEMA),
        segments=pl.DataFrame(builder.segments, schema=SEGMENT_SCHEMA, orient="row"),
        hls=pl.DataFrame(builder.hls, schema=HL_SCHEMA, orient="row"),
        errors=pl.DataFrame(errors, schema=ERROR_SCHEMA, orient="row"),
        guide_notes=builder.guide_notes,
        fixes=pl.DataFrame(applied, schema=FIX_SCHEMA, orient="row"),
        error_trees=trees,
    )


# The delimiters of the 999 acknowledgments we write (edi/ack.py): a received value holding one
# cannot be copied into them.
ACK_DELIMITERS = frozenset("~*:^")


def acknowledgeable(value: str | None, longest: int = 9) -> bool:
    """Whether a received value can be copied into a 999: present, at most `longest` characters
    (9 for ST01/ST02 naming a transaction in AK201/AK202, ST02 being AN 4-9; 99 for IK404), none
    of the 999's delimiters."""
    return bool(value) and len(value) <= longest and not (ACK_DELIMITERS & set(value))


def _unnamed_transaction(position: int, st01: str | None, st02: str | None) -> list[tuple]:
    """Errors for an ST segment whose ST01 or ST02 cannot name the transaction. pyx12 does not
    check them, yet a transaction without its identifier or control number cannot be acknowledged
    or traced by the payer; its claims are not sent (X12 IK502 codes 6 and 7)."""
    found = []
    for code, name, value in (("6", "identifier (ST01)", st01), ("7", "control number (ST02)", st02)):
        value = (value or "").strip()
        if not value:
            found.append((position, "ST", code, f"Missing transaction set {name}", None, None))
        elif not acknowledgeable(value):
            message = (
                f"Transaction set {name} {value!r} cannot be acknowledged: longer than 9 "
                "characters or holding one of ~ * : ^"
            )
            found.append((position, "ST", code, message, None, None))
    return found


def _short(exc: Exception, limit: int = 120) -> str:
    """pyx12 messages can repeat a whole segment; keep reasons to one readable line."""
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _engine_reason(exc: Exception) -> str:
    text = str(exc)
    if text.startswith("Map not found"):
        details = dict(part.split("=", 1) for part in text.replace(",", " ").split() if "=" in part)
        return (
            f"functional group {details.get('fic', '?')}/{details.get('vriic', '?')} is not an 837P "
            "(005010X222A1) or 837I (005010X223A2) claim group"
        )
    return f"pyx12 could not read the file: {_short(exc)}"
