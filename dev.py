#!/usr/bin/env python3
"""Set-up and the two everyday commands, needing nothing but Python 3.11 and pip.

python3 dev.py demo   # create .venv, install scrub837, scrub the sample inbox into out/demo
python3 dev.py test   # create .venv, install scrub837 with test tools, run the tests and lint
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if sys.platform == "win32" else "bin")


def _run(*cmd: str | Path) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    result = subprocess.run([str(c) for c in cmd], cwd=ROOT)
    if result.returncode:
        sys.exit(result.returncode)


def ensure_env() -> None:
    """Create .venv and install the project with its test tools, once per pyproject change."""
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py runs before the project's Python is known
        sys.exit(f"scrub837 needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        venv.create(VENV, with_pip=True)
    stamp = VENV / ".installed"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not stamp.exists() or stamp.read_text() != wanted:
        _run(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        _run(BIN / "python", "-m", "pip", "install", "--quiet", "-e", ".[dev]")
        stamp.write_text(wanted)


def demo() -> None:
    ensure_env()
    out = ROOT / "out" / "demo"
    _run(BIN / "scrub837", "run", ROOT / "samples" / "inbox", "--out", out, "--replace")
    print(f"\nSummary: {out / 'summary.md'}  Report: {out / 'report.html'}")


def test() -> None:
    ensure_env()
    _run(BIN / "python", "-m", "ruff", "check", ".")
    _run(BIN / "python", "-m", "pytest", "-q")


if __name__ == "__main__":
    commands = {"demo": demo, "test": test}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        sys.exit(f"usage: python3 {Path(__file__).name} {{{'|'.join(commands)}}}")
    commands[sys.argv[1]]()
