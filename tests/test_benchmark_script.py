"""The benchmark script still runs (its figures are in BENCHMARKS.md; nothing here is timed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_benchmark_runs_on_a_tiny_file():
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--claims", "3", "--repeat", "1"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    # 3 claims; every tenth (claim 0) has the units error: 2 accepted, 1 rejected
    assert "3 claims" in done.stdout and "2 accepted, 1 rejected" in done.stdout
    for step in ("parse (baseline)", "parse, fixes on", "999", "self-check re-read", "control numbers"):
        assert step in done.stdout
