"""Shared fixtures: one temporary local Prefect API for the whole test session."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory):
    """A temporary local Prefect API (SQLite) for the flow tests; no server, no account."""
    os.environ["PREFECT_HOME"] = str(tmp_path_factory.mktemp("prefect-home"))
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture(autouse=True, scope="session")
def _control_numbers(tmp_path_factory):
    """Control numbers for the files tests write come from a counter of the test session's own,
    never from the user's state file."""
    # set, not setdefault: a user's own SCRUB837_CONTROL_FILE must not be drawn from by tests
    os.environ["SCRUB837_CONTROL_FILE"] = str(tmp_path_factory.mktemp("control") / "control_numbers.json")
