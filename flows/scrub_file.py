"""Scrubbing one input file: parse, check, decide, write. Plain functions; flows/daily.py wraps them in tasks.

Everything one file produces is written by this module under OUT, named after the file's path
relative to the inbox, so files can be processed in parallel (threads, processes or a Dask
cluster) without sharing anything but the output folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl

from edi.ack import PATIENT_SEGMENTS, ack_999
from edi.control import ControlCounter, ControlNumberError, Envelopes, default_state_file
from edi.parse import PHI_LOOPS, ParsedFile, parse_source
from edi.source import QuarantineError, claims_in, read_source, source_from_bytes
from edi.write import render_claims
from reference_data.model import Reference
from transforms.catalogue import ALL_RULES
from transforms.fixes import fix_findings
from transforms.framework import FINDING_SCHEMA, Frames, dispositions, labelled, run_rules
from transforms.rules.charge import line_expected_allowed
from transforms.syntax import syntax_findings

log = logging.getLogger("scrub837")

EXCEPTION_COLUMNS = [
    "run_id",
    "source_file",
    "interchange_control",
    "group_control",
    "transaction_control",
    "claim_id",
    "line_number",
    "segment_position",
    "rule_id",
    "category",
    "severity",
    "message",
    "expected",
    "actual",
    "carc",
    "fix_applied",
    "expected_allowed",
]
CLAIM_OUTPUT_SCHEMA: dict[str, pl.DataType] = {
    "run_id": pl.String,
    "source_file": pl.String,
    "claim_id": pl.String,
    "interchange_control": pl.String,
    "group_control": pl.String,
    "transaction_control": pl.String,
    "claim_type": pl.String,
    "payer_filing_indicator": pl.String,
    "total_charge": pl.Float64,
    "disposition": pl.String,
    "errors": pl.Int64,
    "warnings": pl.Int64,
    "expected_allowed": pl.Float64,  # sum over the claim's drug lines priced by the ASP payment limit
    "sent_file": pl.String,  # scrubbed/<name> or rejected/<name>: the file the claim was written to
    "sent_interchange_control": pl.String,  # that file's ISA13 around the claim (our counter's)
    "sent_group_control": pl.String,  # ... and GS06
}


@dataclass
class FileResult:
    """What one file came to; small, so it can travel back from any worker."""

    source_file: str
    sha256: str
    bytes: int
    status: str  # processed | quarantined
    reason: str | None = None
    claims: int = 0
    accepted: int = 0
    rejected: int = 0
    errors: int = 0
    warnings: int = 0
    infos: int = 0
    quarantined_claims: int = 0  # CLM segments in a quarantined file (they stay in quarantine/)
    allowed_accepted: float = 0.0  # expected Medicare allowed on the drug lines of accepted claims
    allowed_rejected: float = 0.0  # ... and of rejected claims (held back until fixed)
    rule_counts: dict[str, int] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    controls: dict[str, list[str]] = field(default_factory=dict)  # output -> ISA13s written in it
    output_check: dict[str, int] = field(default_factory=dict)  # pyx12 errors found re-reading outputs
    notes: list[str] = field(default_factory=list)  # what could not be written, and why
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


OUTPUT_ENTRIES = (
    "scrubbed",
    "rejected",
    "exceptions",
    "claims",
    "acks",
    "quarantine",
    "summary.md",
    "report.html",
    "manifest.json",
)


class OutputInUse(Exception):
    """OUT already holds an earlier run's outputs."""


def prepare_output(out: Path, replace: bool) -> None:
    """Make OUT ready for a new run. Outputs of an earlier run are never mixed with a new one:
    a stale scrubbed file would be sent to payers again. With `replace` they are removed."""
    existing = [entry for entry in OUTPUT_ENTRIES if (out / entry).exists()]
    if existing and not replace:
        raise OutputInUse(
            f"{out} already holds an earlier run's outputs ({', '.join(existing)}); "
            "use a new --out folder, or --replace to remove them first"
        )
    for entry in existing:
        target = out / entry
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    out.mkdir(parents=True, exist_ok=True)


def remove_outputs(out: Path, name: str) -> None:
    """Remove whatever a failed attempt at one file left, so its claims are only in quarantine."""
    for target in (
        out / "scrubbed" / name,
        out / "rejected" / name,
        out / "exceptions" / f"{name}.parquet",
        out / "claims" / f"{name}.parquet",
        out / "acks" / f"{name}.999",
        out / "acks" / f"{name}.status.csv",
    ):
        target.unlink(missing_ok=True)


def quarantine(path: Path, name: str, out: Path, reason: str) -> None:
    """Copy the input to OUT/quarantine/<name> with <name>.reason.txt beside it."""
    target = out / "quarantine" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)
    target.with_name(target.name + ".reason.txt").write_text(reason.rstrip() + "\n", encoding="utf-8")


def check_file(parsed: ParsedFile, ref: Reference) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Findings and per-claim dispositions of one parsed file."""
    frames = Frames(envelopes=parsed.envelopes, claims=parsed.claims, lines=parsed.lines)
    findings = pl.concat([syntax_findings(parsed), fix_findings(parsed), run_rules(ALL_RULES, frames, ref)])
    return findings, dispositions(parsed.claims, findings)


def _write_parquet(frame: pl.DataFrame, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(target)


def _write_text(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="ascii", errors="replace")


STATUS_COLUMNS = [
    "source_file",
    "interchange_control",
    "group_control",
    "transaction_control",
    "claim_id",
    "total_charge",
    "status",
    "sent_file",
    "sent_interchange_control",
    "errors",
    "warnings",
    "reasons",
    "fixes_applied",
]


def _write_status(claims: pl.DataFrame, findings: pl.DataFrame, target: Path, reason: str = "") -> None:
    """The per-claim status file for the submitter (like a 277CA): each input claim once, with
    its status (accepted, rejected, quarantined), where it was sent, and why it was held back:
    every error and warning as `RULE (severity, CARC) line N: message`, and how many safe fixes
    were applied to it."""
    text = pl.format(
        "{} ({}, {}){}: {}",
        pl.col("rule_id"),
        pl.col("severity"),
        pl.col("carc"),
        labelled("line", "line_number"),
        pl.col("message"),
    )
    per_claim = (
        findings.filter(pl.col("claim_index").is_not_null())
        .sort("segment_position", "rule_id", nulls_last=True)
        .group_by("claim_index")
        .agg(
            text.filter(pl.col("severity").is_in(["error", "warning"])).str.join(" | ").alias("reasons"),
            pl.col("fix_applied").sum().cast(pl.Int64).alias("fixes_applied"),
        )
    )
    status = (
        # claims are in claim_index order (0, 1, ...), as _claims and _quarantined_claims write them
        claims.with_row_index("claim_index")
        .with_columns(pl.col("claim_index").cast(pl.Int64))
        .join(per_claim, on="claim_index", how="left")
        .sort("claim_index")
        .with_columns(
            pl.col("disposition").alias("status"),
            pl.col("reasons").fill_null(reason),
            pl.col("fixes_applied").fill_null(0),
        )
        .select(STATUS_COLUMNS)
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    status.write_csv(target)


def _write_x12(
    parsed: ParsedFile, claim_indexes: list[int], target: Path, envelopes: Envelopes
) -> ParsedFile | None:
    """Write the claims with new control numbers; return the written file as pyx12 reads it back
    (the self-check; its errors should be none). None: nothing to write."""
    data = render_claims(parsed, claim_indexes, envelopes)
    if data is None:
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return parse_source(source_from_bytes(target, data))


def source_errors(path: Path, data: bytes) -> int:
    """pyx12 validation errors in X12 bytes."""
    return parse_source(source_from_bytes(path, data)).errors.height


_SENT_SCHEMA = {
    "claim_index": pl.Int64,
    "sent_file": pl.String,
    "sent_interchange_control": pl.String,
    "sent_group_control": pl.String,
}


def _sent(written: ParsedFile, claim_indexes: list[int], kind: str, name: str) -> pl.DataFrame:
    """Where each written claim went: the output file and the control numbers around it there.
    The writer keeps the input's claim order, so the n-th claim written is the n-th index."""
    out_claims = written.claims.sort("claim_index")
    if out_claims.height != len(claim_indexes):  # pragma: no cover - the self-check would fail too
        return pl.DataFrame(schema=_SENT_SCHEMA)
    return pl.DataFrame(
        {
            "claim_index": sorted(claim_indexes),
            "sent_file": [f"{kind}/{name}"] * out_claims.height,
            "sent_interchange_control": out_claims["interchange_control"],
            "sent_group_control": out_claims["group_control"],
        },
        schema=_SENT_SCHEMA,
    )


def scrub_file(
    path: Path,
    name: str,
    out: Path,
    run_id: str,
    ref: Reference,
    counter: ControlCounter | None = None,
    when: dt.datetime | None = None,
) -> FileResult:
    """Scrub one file into OUT. Bad input is quarantined with its reason; never raises for it.

    Control numbers of the files written come from `counter` (default: the state file named by
    edi.control.default_state_file); `when` dates the 999 (default: now)."""
    counter = counter if counter is not None else ControlCounter(default_state_file())
    when = when or dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    result = FileResult(
        source_file=name, sha256=sha256_of(path), bytes=path.stat().st_size, status="processed"
    )
    try:
        parsed = parse_source(read_source(path), fixes=ref.fixes)
    except QuarantineError as exc:
        quarantine_file(path, name, out, run_id, str(exc), result)
        result.seconds = time.perf_counter() - started
        return result
    parsed = _named(parsed, name)
    findings, decided = check_file(parsed, ref)
    accepted = decided.filter(pl.col("disposition") == "accepted")["claim_index"].to_list()
    rejected = decided.filter(pl.col("disposition") == "rejected")["claim_index"].to_list()
    envelopes = Envelopes(counter)
    sent = []
    for kind, indexes in (("scrubbed", accepted), ("rejected", rejected)):
        first = len(envelopes.interchanges)
        written = _write_x12(parsed, indexes, out / kind / name, envelopes)
        if written is not None:
            result.outputs[kind] = f"{kind}/{name}"
            result.output_check[kind] = written.errors.height
            result.controls[kind] = envelopes.interchanges[first:]
            sent.append(_sent(written, indexes, kind, name))
    allowed = line_expected_allowed(Frames(parsed.envelopes, parsed.claims, parsed.lines), ref)
    _write_parquet(_exceptions(findings, run_id, allowed), out / "exceptions" / f"{name}.parquet")
    claims = _claims(parsed, decided, run_id, allowed, sent)
    _write_parquet(claims, out / "claims" / f"{name}.parquet")
    _write_999(parsed, accepted, envelopes, when, out, name, result)
    _write_status(claims, findings, out / "acks" / f"{name}.status.csv")
    result.outputs["status"] = f"acks/{name}.status.csv"
    for kind in ("accepted", "rejected"):
        total = claims.filter(pl.col("disposition") == kind)["expected_allowed"].sum()
        setattr(result, f"allowed_{kind}", round(float(total or 0.0), 2))
    severities = findings["severity"].value_counts()
    counts = dict(zip(severities["severity"].to_list(), severities["count"].to_list(), strict=True))
    rule_counts = findings["rule_id"].value_counts()
    result.claims = parsed.claims.height
    result.accepted, result.rejected = len(accepted), len(rejected)
    result.errors, result.warnings, result.infos = (counts.get(s, 0) for s in ("error", "warning", "info"))
    result.rule_counts = dict(
        zip(rule_counts["rule_id"].to_list(), rule_counts["count"].to_list(), strict=True)
    )
    result.seconds = time.perf_counter() - started
    log.info(
        "%s: %d claims, %d accepted, %d rejected, %d findings",
        name,
        result.claims,
        result.accepted,
        result.rejected,
        findings.height,
    )
    return result


def _write_999(
    parsed: ParsedFile,
    accepted: list[int],
    envelopes: Envelopes,
    when: dt.datetime,
    out: Path,
    name: str,
    result: FileResult,
) -> None:
    """OUT/acks/<name>.999, checked by pyx12 like every file we write. A 999 that cannot be made
    is noted in the result (and the log); it never costs the file its scrubbed claims."""
    segments = parsed.segments
    sent_st = segments.filter(pl.col("seg_id") == "ST").join(
        parsed.claim_scope()
        .join(pl.DataFrame({"claim_index": accepted}, schema={"claim_index": pl.Int64}), on="claim_index")
        .select("st_index")
        .unique(),
        on="st_index",
    )["position"]
    patient = segments.filter(
        pl.col("loop").is_in(list(PHI_LOOPS)) | pl.col("seg_id").is_in(list(PATIENT_SEGMENTS))
    )["position"]
    first = len(envelopes.interchanges)
    try:
        ack = ack_999(parsed, sent_st, patient, envelopes, when)
    except ControlNumberError as exc:  # the counter failed between the file's outputs and its 999
        result.notes.append(f"no 999: {exc}")
        log.warning("%s: %s", name, result.notes[-1])
        return
    except Exception as exc:  # pyx12's 999 writer on a damaged tree: the claims still go out
        result.notes.append(f"no 999: pyx12 could not write one ({type(exc).__name__})")
        log.warning("%s: %s", name, result.notes[-1])
        return
    if not ack:  # pyx12 read no functional group to acknowledge
        result.notes.append("no 999: no functional group was read")
        return
    path = out / "acks" / f"{name}.999"
    try:
        errors = source_errors(path, ack.encode("ascii", "replace"))
    except QuarantineError as exc:
        # e.g. a sender ID holding one of the 999's delimiters ("*"), possible when the input used
        # others: such a 999 could not be read back, so none is written
        result.notes.append(f"no 999: it would not be readable X12 ({exc})")
        log.warning("%s: %s", name, result.notes[-1])
        return
    _write_text(path, ack)
    result.outputs["999"] = f"acks/{name}.999"
    result.controls["999"] = envelopes.interchanges[first:]
    result.output_check["999"] = errors


def quarantine_file(path: Path, name: str, out: Path, run_id: str, reason: str, result: FileResult) -> None:
    """Quarantine a whole file with its reason, and account for the claims found in it (by their
    CLM01) in claims/ with disposition quarantined."""
    quarantine(path, name, out, reason)
    found = claims_in(path.read_bytes())
    claims = _quarantined_claims(name, found, run_id)
    _write_parquet(claims, out / "claims" / f"{name}.parquet")
    _write_status(claims, pl.DataFrame(schema=FINDING_SCHEMA), out / "acks" / f"{name}.status.csv", reason)
    result.outputs["status"] = f"acks/{name}.status.csv"
    result.status, result.reason = "quarantined", reason
    result.quarantined_claims = len(found)
    log.warning("quarantined %s (%s): %s", name, _claims_count(len(found)), reason)


def _claims_count(n: int) -> str:
    return f"{n} claim" if n == 1 else f"{n} claims"


def _named(parsed: ParsedFile, name: str) -> ParsedFile:
    """Use the inbox-relative name as source_file in every frame."""
    col = pl.lit(name).alias("source_file")
    parsed.envelopes = parsed.envelopes.with_columns(col)
    parsed.claims = parsed.claims.with_columns(col)
    parsed.lines = parsed.lines.with_columns(col)
    return parsed


def _quarantined_claims(name: str, found: list[tuple], run_id: str) -> pl.DataFrame:
    """Claims of a quarantined file: accounted for, with disposition quarantined and the control
    numbers of the envelopes they were found in."""
    scanned = ["interchange_control", "group_control", "transaction_control", "claim_id"]
    known = {"run_id": run_id, "source_file": name, "disposition": "quarantined", "errors": 0, "warnings": 0}
    frame = pl.DataFrame(found, schema={c: pl.String for c in scanned}, orient="row")
    return frame.select(
        pl.col(column) if column in scanned else pl.lit(known.get(column), dtype=dtype).alias(column)
        for column, dtype in CLAIM_OUTPUT_SCHEMA.items()
    )


LINE_KEY = ["source_file", "claim_index", "line_number"]


def _exceptions(findings: pl.DataFrame, run_id: str, allowed: pl.DataFrame) -> pl.DataFrame:
    """The published findings; a finding on a priced drug line carries the line's expected allowed."""
    frame = findings if findings.height else pl.DataFrame(schema=FINDING_SCHEMA)
    return (
        # keep="none": a line number sent twice in one claim cannot be told apart, so it gets no amount
        frame.join(
            allowed.select(*LINE_KEY, "expected_allowed").unique(LINE_KEY, keep="none"),
            on=LINE_KEY,
            how="left",
        )
        .with_columns(pl.lit(run_id).alias("run_id"))
        .select(EXCEPTION_COLUMNS)
    )


def _claims(
    parsed: ParsedFile, decided: pl.DataFrame, run_id: str, allowed: pl.DataFrame, sent: list[pl.DataFrame]
) -> pl.DataFrame:
    per_claim = allowed.group_by("source_file", "claim_index").agg(
        pl.col("expected_allowed").sum().round(2).alias("expected_allowed")
    )
    where = pl.concat(sent) if sent else pl.DataFrame(schema=_SENT_SCHEMA)
    return (
        parsed.claims.join(decided, on=["source_file", "claim_index"], how="left")
        .join(per_claim, on=["source_file", "claim_index"], how="left")
        .join(where, on="claim_index", how="left")
        .sort("claim_index")
        .with_columns(pl.lit(run_id).alias("run_id"))
        .select([pl.col(name).cast(dtype) for name, dtype in CLAIM_OUTPUT_SCHEMA.items()])
    )
