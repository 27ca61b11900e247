"""Reading an input file's bytes into text, and the checks that decide whether pyx12 can take it.

A file that fails these checks is quarantined whole with a one-line reason: it is not a
HIPAA 5010 837P/837I interchange, or it is damaged before the first segment can be read.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

ISA_LENGTH = 106

# GS08 prefixes we process, and the pyx12 map that validates them. 005010X222A1 (837P) and
# 005010X223A2 (837I) are the HIPAA-adopted guides; other releases of the same guides
# (X222, X222A2, X223A1, X223A3) are validated against the adopted guide's map with a warning.
ADOPTED = {"837P": "005010X222A1", "837I": "005010X223A2"}
MAP_FILES = {"837P": "837.5010.X222.A1.xml", "837I": "837Q3.I.5010.X223.A1.xml"}
GUIDE_PREFIX = {"005010X222": "837P", "005010X223": "837I"}


class QuarantineError(Exception):
    """The file as a whole cannot be processed; the message is the one-line reason."""


@dataclass(frozen=True)
class SourceText:
    path: Path
    text: str
    encoding: str  # codec used to decode, reused to write outputs
    bom: bytes  # byte-order mark the input started with (re-emitted on outputs)
    seg_term: str
    ele_term: str
    subele_term: str
    repetition_term: str
    eol: str  # what follows each segment terminator in the input ("", "\n" or "\r\n")


def claim_type_of(gs08: str) -> str | None:
    for prefix, kind in GUIDE_PREFIX.items():
        if gs08.startswith(prefix):
            return kind
    return None


def _decode(raw: bytes) -> tuple[str, str, bytes]:
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if raw.startswith(bom):
            try:
                return raw[len(bom) :].decode(codec), codec, bom
            except UnicodeDecodeError as exc:
                raise QuarantineError(
                    f"file starts with a {codec} byte-order mark but is not {codec}: {exc}"
                ) from exc
    if len(raw) > 4 and raw[1] == 0 and raw[3] == 0 and raw[0] != 0:
        return _decode_utf16(raw, "utf-16-le")
    if len(raw) > 4 and raw[0] == 0 and raw[2] == 0 and raw[1] != 0:
        return _decode_utf16(raw, "utf-16-be")
    # X12 is ASCII in practice; latin-1 maps every byte, so nothing is lost and output is exact.
    return raw.decode("latin-1"), "latin-1", b""


def _decode_utf16(raw: bytes, codec: str) -> tuple[str, str, bytes]:
    try:
        return raw.decode(codec), codec, b""
    except UnicodeDecodeError as exc:
        raise QuarantineError(
            f"file looks like {codec} text without a byte-order mark but is not: {exc}"
        ) from exc


def _lenient_text(raw: bytes) -> str:
    """The bytes as text for a best-effort scan: the file's codec when it can be told, else
    latin-1 (every byte maps), with NUL bytes of a damaged UTF-16 file dropped."""
    try:
        return _decode(raw)[0]
    except QuarantineError:
        return raw.replace(b"\x00", b"").decode("latin-1")


def claims_in(raw: bytes) -> list[tuple[str | None, str | None, str | None, str]]:
    """(ISA13, GS06, ST02, CLM01) of every CLM segment found in a file's bytes, however damaged
    the file is around them: how the claims of a quarantined file are accounted for.

    The element separator is the character after the first "ISA"; segments end at the terminator
    that follows ISA16, else at "~", "'" or a line break. Empty segments and damage elsewhere in
    the file do not stop the scan.
    """
    text = _lenient_text(raw)
    start = text.find("ISA")
    if start < 0 or len(text) <= start + 3:
        return []
    sep = text[start + 3]
    if sep.isalnum() or sep.isspace():
        return []
    # The segment terminator follows ISA16 (one character after the 16th separator), whether or
    # not the ISA is fixed width.
    term, seps, index = "", 0, start + 3
    while index < len(text) and index < start + 4 * ISA_LENGTH:
        if text[index] == sep:
            seps += 1
            if seps == 16:
                term = text[index + 2] if index + 2 < len(text) else ""
                break
        index += 1
    if term and not term.isalnum() and term not in (sep, " "):
        pieces = text.split(term)
    else:
        pieces = re.split(r"[~'\r\n]", text)
    found: list[tuple[str | None, str | None, str | None, str]] = []
    control: dict[str, str | None] = {"ISA": None, "GS": None, "ST": None}
    for piece in pieces:
        elements = piece.strip().split(sep)
        seg_id = elements[0]
        if seg_id in ("ISA", "GS", "ST"):
            index = {"ISA": 13, "GS": 6, "ST": 2}[seg_id]
            control[seg_id] = elements[index].strip() if len(elements) > index else None
        elif seg_id == "CLM" and len(elements) > 1:
            found.append((control["ISA"], control["GS"], control["ST"], elements[1]))
    return found


def claim_ids_in(raw: bytes) -> list[str]:
    """CLM01 of every CLM segment `claims_in` finds."""
    return [clm01 for *_, clm01 in claims_in(raw)]


def read_source(path: Path) -> SourceText:
    """Read and pre-check a file. Raises QuarantineError with a specific reason."""
    return source_from_bytes(path, path.read_bytes())


def source_from_bytes(path: Path, raw: bytes) -> SourceText:
    """Pre-check the bytes of a file named `path`. Raises QuarantineError with a specific reason."""
    if not raw.strip():
        raise QuarantineError("file is empty")
    text, encoding, bom = _decode(raw)
    if not text.startswith("ISA"):
        head = text.lstrip()[:3]
        where = "after leading blank space" if head == "ISA" else f"found {text[:3]!r}"
        raise QuarantineError(f"segment 1: an X12 interchange must start with ISA ({where})")
    ele_term = text[3]
    isa = text[:ISA_LENGTH]
    fields = isa.split(ele_term)
    if len(isa) < ISA_LENGTH or len(fields) != 17 or len(fields[16]) != 2:
        raise QuarantineError(
            "segment 1 (ISA): not the fixed-width 106-character ISA "
            f"(found {len(fields) - 1} elements in the first 106 characters)"
        )
    version = fields[12]
    if version != "00501":
        raise QuarantineError(
            f"segment 1 (ISA12): interchange version {version!r}; only 00501 (HIPAA 5010) is processed"
        )
    subele_term = fields[16][0]
    seg_term = fields[16][1]
    repetition_term = fields[11]
    rest = text[ISA_LENGTH:]
    eol = rest[: len(rest) - len(rest.lstrip("\r\n"))]
    return SourceText(
        path=path,
        text=text,
        encoding=encoding,
        bom=bom,
        seg_term=seg_term,
        ele_term=ele_term,
        subele_term=subele_term,
        repetition_term=repetition_term,
        eol=eol,
    )
