"""Interchange (ISA13) and group (GS06) control numbers for the files we write.

Every X12 file we send gets control numbers of its own: a payer's front end rejects an interchange
whose ISA13 it has seen before from the same sender, so numbers are never reused, across runs and
across parallel tasks. They come from one small JSON state file:

    {"interchange": 1041, "group": 1043}      # the last numbers handed out

Each request takes the next numbers under an exclusive lock (the `filelock` library: a lock file
beside the state file), so threads, processes and Dask workers that share the file system draw
without collisions. The new state is written to a temporary file and renamed over the old one, so
a crash never leaves a half-written counter. Numbers skipped by a failed attempt are simply unused.

`start` is the first number to hand out when the counter is new, or when it is below `start`
(raising it is safe; lowering it is not possible: numbers only go up).

Only `check()` (run once by the flow before any task starts) creates a missing state file, and it
says so in the log; `take()` refuses a missing one. A worker that does not see the flow's state
file (a Dask worker on another machine without shared storage, a mistyped path) therefore fails
its file with a clear reason instead of quietly starting again at 1 and repeating numbers.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from filelock import FileLock

KINDS = ("interchange", "group")
MAX_CONTROL = 999_999_999  # ISA13 is nine digits; GS06 at most nine
log = logging.getLogger("scrub837")


class ControlNumberError(Exception):
    """The counter cannot be read, is damaged, or is used up."""


def default_state_file() -> Path:
    """$SCRUB837_CONTROL_FILE, else control_numbers.json under $XDG_STATE_HOME/scrub837
    (~/.local/state/scrub837)."""
    explicit = os.environ.get("SCRUB837_CONTROL_FILE")
    if explicit:
        return Path(explicit)
    state_home = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state_home) / "scrub837" / "control_numbers.json"


class ControlCounter:
    """A persistent counter of ISA13 and GS06 numbers. Cheap to create; picklable (only paths)."""

    def __init__(self, path: Path, start: int = 1) -> None:
        if not 1 <= start <= MAX_CONTROL:
            raise ControlNumberError(f"control number start {start} is not between 1 and {MAX_CONTROL}")
        self.path = Path(path)
        self.start = start

    def _read(self) -> dict[str, int]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ControlNumberError(
                f"control number file {self.path} does not exist: a run creates it before its tasks "
                "start, so this worker does not see the run's file (use storage every worker shares)"
            ) from None
        except (OSError, ValueError) as exc:
            raise ControlNumberError(f"control number file {self.path} cannot be read: {exc}") from exc
        if not isinstance(data, dict) or not all(
            isinstance(data.get(kind), int) and 0 <= data[kind] <= MAX_CONTROL for kind in KINDS
        ):
            raise ControlNumberError(
                f"control number file {self.path} is damaged: expected "
                '{"interchange": <last ISA13>, "group": <last GS06>}'
            )
        return {kind: data[kind] for kind in KINDS}

    def take(self, kind: str, count: int = 1) -> list[int]:
        """The next `count` numbers of `kind` (interchange or group), never handed out before."""
        if kind not in KINDS:
            raise ValueError(f"unknown control number kind {kind!r}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.path) + ".lock"):
            state = self._read()
            first = max(state[kind], self.start - 1) + 1
            last = first + count - 1
            if last > MAX_CONTROL:
                raise ControlNumberError(
                    f"{kind} control numbers are used up ({MAX_CONTROL} reached in {self.path})"
                )
            state[kind] = last
            self._write(state)
        return list(range(first, last + 1))

    def _write(self, state: dict[str, int]) -> None:
        temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        with temporary.open("w", encoding="utf-8") as handle:
            json.dump(state, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)

    def check(self) -> None:
        """Make sure the state file can be used before a run starts: create it when there is none
        (a new counter, logged), raise ControlNumberError when it is damaged."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.path) + ".lock"):
            if not self.path.exists():
                log.warning(
                    "control number file %s did not exist: new counter, first number %d",
                    self.path,
                    self.start,
                )
                self._write({kind: 0 for kind in KINDS})
            self._read()


class Envelopes:
    """Hands one file's writer its ISA13 / GS06 values and remembers them (for the manifest and
    the claim status file)."""

    def __init__(self, counter: ControlCounter) -> None:
        self.counter = counter
        self.interchanges: list[str] = []
        self.groups: list[str] = []

    def interchange(self) -> str:
        number = f"{self.counter.take('interchange')[0]:09d}"
        self.interchanges.append(number)
        return number

    def group(self) -> str:
        number = str(self.counter.take("group")[0])
        self.groups.append(number)
        return number
