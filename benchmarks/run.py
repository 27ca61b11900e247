"""Benchmark: where one file's time goes, and reference loading.

    .venv/bin/python benchmarks/run.py [--claims 2000] [--repeat 3]

Builds a synthetic 837P of N claims (4 lines each: a J9035 drug line with NDC, its JW line, 96413,
96415) with edi.compose, then times, best of --repeat: the pyx12 parse (the baseline), the same
parse with the safe fixes on, the rules and dispositions, writing scrubbed+rejected with control
numbers from a fresh counter, the 999 (also for the same file with an IG error in every tenth
claim), and the self-check re-read of what was written; loading
the reference tables; and taking control numbers from the counter (one lock and write each).
Prints figures and ratios against the parse baseline, measured in the same session, for
BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import polars as pl

from edi.ack import ack_999
from edi.compose import Claim, Line, compose_837
from edi.control import ControlCounter, Envelopes
from edi.fixes import FIX_KINDS
from edi.parse import parse_source
from edi.source import source_from_bytes
from edi.write import render_claims
from flows.scrub_file import check_file, source_errors
from reference_data.load import load_reference


def synthetic(n: int) -> bytes:
    claims = []
    for i in range(n):
        jw_units = 5 if i % 10 == 0 else 4  # every tenth claim has the scenario-2 units error
        claims.append(
            Claim(
                f"B{i:06d}",
                [
                    Line("J9035", 1600, 16, ndc="50242006001", ndc_quantity=6.24, ndc_unit="ML"),
                    Line(
                        "J9035",
                        100.0 * jw_units,
                        jw_units,
                        ("JW",),
                        ndc="50242006001",
                        ndc_quantity=1.76,
                        ndc_unit="ML",
                    ),
                    Line("96413", 280, 1),
                    Line("96415", 60, 1),
                ],
            )
        )
    return compose_837(claims).encode()


def with_ig_errors(data: bytes, every: int = 10) -> bytes:
    """The same file with every `every`-th claim's CLM02 not numeric: a pyx12 error each, so the
    999 is written from an error tree of n / every segment errors."""
    text = data.decode()
    for i in range(0, text.count("CLM*B"), every):
        text = text.replace(f"CLM*B{i:06d}*", f"CLM*B{i:06d}*X", 1)
    return text.encode()


def best(fn, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--claims", type=int, default=2000)
    args.add_argument("--repeat", type=int, default=3)
    opts = args.parse_args()
    data = synthetic(opts.claims)
    path = Path("bench.837")
    t_ref, ref = best(load_reference, opts.repeat)
    t_parse, parsed = best(lambda: parse_source(source_from_bytes(path, data)), opts.repeat)
    t_fixes, _ = best(lambda: parse_source(source_from_bytes(path, data), fixes=FIX_KINDS), opts.repeat)
    t_rules, (findings, decided) = best(lambda: check_file(parsed, ref), opts.repeat)
    accepted = decided.filter(pl.col("disposition") == "accepted")["claim_index"].to_list()
    rejected = decided.filter(pl.col("disposition") == "rejected")["claim_index"].to_list()
    state = Path(tempfile.mkdtemp()) / "control_numbers.json"
    ControlCounter(state).check()
    envelopes = Envelopes(ControlCounter(state))
    t_write, outputs = best(
        lambda: [render_claims(parsed, accepted, envelopes), render_claims(parsed, rejected, envelopes)],
        opts.repeat,
    )
    when = dt.datetime.now(dt.UTC)
    t_ack, _ = best(lambda: ack_999(parsed, [], [], envelopes, when), opts.repeat)
    erring = parse_source(source_from_bytes(path, with_ig_errors(data)))
    t_ack_errors, _ = best(lambda: ack_999(erring, [], [], envelopes, when), opts.repeat)
    counter = ControlCounter(state)
    t_take, _ = best(lambda: [counter.take("interchange") for _ in range(1000)], opts.repeat)
    t_check, _ = best(lambda: [source_errors(path, out) for out in outputs], opts.repeat)
    segments = parsed.segments.height
    print(
        f"file: {opts.claims} claims, {segments} segments, {len(data) / 1e6:.2f} MB; "
        f"{len(accepted)} accepted, {len(rejected)} rejected, {findings.height} findings"
    )
    print(f"reference load      {t_ref * 1000:8.1f} ms")
    for label, t in (
        ("parse (baseline)", t_parse),
        ("parse, fixes on", t_fixes),
        ("rules+dispositions", t_rules),
        ("write both files", t_write),
        ("999", t_ack),
        (f"999, {erring.errors.height} IG errors", t_ack_errors),
        ("self-check re-read", t_check),
    ):
        print(f"{label:20s}{t:8.3f} s  {t / t_parse:6.3f}x parse  {opts.claims / t:9.0f} claims/s")
    total = t_fixes + t_rules + t_write + t_ack + t_check
    label = "per-file total"
    print(f"{label:20s}{total:8.3f} s  {total / t_parse:6.3f}x parse  {opts.claims / total:9.0f} claims/s")
    print(f"control numbers     {t_take:8.3f} s per 1,000 taken ({t_take:.3f} ms each)")


if __name__ == "__main__":
    main()
