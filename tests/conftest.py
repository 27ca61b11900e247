"""Shared fixtures: where ../shared is, and one Prefect test harness for the whole session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SCRUB837_SHARED", REPO.parent / "shared"))
CORPUS = SHARED / "corpus" / "837"


def corpus_or_skip() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"real 837 corpus not found at {CORPUS} (set SCRUB837_SHARED to the shared/ folder)")
    return CORPUS


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "SOURCES.tsv")


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory):
    """A temporary local Prefect API (SQLite) for the flow tests; no server, no account."""
    os.environ["PREFECT_HOME"] = str(tmp_path_factory.mktemp("prefect-home"))
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield
