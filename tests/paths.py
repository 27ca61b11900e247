"""Where the shared, read-only project data is: ../shared beside the checkout (or SCRUB837_SHARED)."""

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
