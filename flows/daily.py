"""The daily batch: one Prefect task per inbox file, then the run's summary and manifest.

Runs locally with no server (Prefect's ephemeral API). The task runner is chosen by the caller:
threads (default), processes (pyx12 is pure Python, so processes use both cores), or a Dask
cluster through prefect-dask when one machine is not enough.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NONE
from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner

from edi.control import ControlCounter, default_state_file
from flows.inbox import inbox_files
from flows.report import write_manifest, write_reports
from flows.scrub_file import (
    FileResult,
    prepare_output,
    quarantine_file,
    remove_outputs,
    scrub_file,
    sha256_of,
)
from reference_data.load import load_reference


@task(name="scrub-file", retries=2, retry_delay_seconds=[2, 10], cache_policy=NONE)
def scrub_file_task(
    path: Path,
    name: str,
    out: Path,
    run_id: str,
    reference_dir: Path | None,
    counter: ControlCounter,
    when: dt.datetime,
) -> dict:
    """Scrub one file. Reference tables are loaded in the worker (cheap), not shipped to it; the
    control-number counter is a state file every worker locks for each number it takes."""
    return scrub_file(path, name, out, run_id, load_reference(reference_dir), counter, when).to_dict()


def new_run_id() -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{now}-{uuid.uuid4().hex[:6]}"


@flow(name="scrub837-daily", log_prints=False)
def daily_scrub(
    inbox: Path,
    out: Path,
    reference_dir: Path | None = None,
    run_id: str | None = None,
    replace: bool = False,
    dated: bool = False,
    control_file: Path | None = None,
    control_start: int = 1,
) -> dict:
    """Scrub every file in INBOX into OUT and write the run's reports.

    OUT must not hold an earlier run's outputs unless `replace` (they are removed first);
    with `dated` (the scheduled deployment) each run writes into OUT/<run id>. ISA13/GS06 of
    every file written come from the counter in `control_file` (default: edi.control's state
    file), starting at `control_start` when it is new."""
    logger = get_run_logger()
    started = time.perf_counter()
    started_at = dt.datetime.now(dt.UTC)
    run_id = run_id or new_run_id()
    inbox, out = Path(inbox), Path(out)
    files = inbox_files(inbox, exclude=out)
    out = out / run_id if dated else out
    prepare_output(out, replace)
    reference = load_reference(reference_dir)
    counter = ControlCounter(Path(control_file) if control_file else default_state_file(), control_start)
    counter.check()
    logger.info("run %s: %d files in %s; control numbers from %s", run_id, len(files), inbox, counter.path)
    futures = [
        (path, name, scrub_file_task.submit(path, name, out, run_id, reference_dir, counter, started_at))
        for path, name in files
    ]
    results = []
    for path, name, future in futures:
        future.wait()
        state = future.state
        if state.is_completed():
            results.append(future.result())
        else:
            reason = f"processing failed after retries: {_failure(state)}"
            logger.error("%s: %s", name, reason)
            remove_outputs(out, name)
            failed = _failed(path, name, reason)
            try:
                quarantine_file(path, name, out, run_id, reason, failed)
            except OSError as exc:  # the file itself may be what failed (removed, unreadable)
                failed.status = "quarantined"
                failed.reason = f"{reason}; the file could not be read to quarantine it ({exc.strerror})"
                logger.error("%s: %s", name, failed.reason)
            results.append(failed.to_dict())
    manifest = write_manifest(out, run_id, inbox, results, reference.version, started_at, started)
    summary = write_reports(out, manifest)
    _publish(summary, manifest)
    logger.info(
        "run %s done: %d files (%d quarantined), %d claims: %d accepted, %d rejected",
        run_id,
        manifest["totals"]["files"],
        manifest["totals"]["quarantined_files"],
        manifest["totals"]["claims"],
        manifest["totals"]["accepted"],
        manifest["totals"]["rejected"],
    )
    return manifest


def _failure(state) -> str:
    # Only the exception's type: its text may quote file content (a member's name or ID), and the
    # reason goes into the quarantine folder, the manifest and the summary.
    try:
        state.result()
    except Exception as exc:  # the task's own exception, re-raised by Prefect
        return f"{type(exc).__name__} (details in the Prefect task run's log)"
    return state.name or "unknown state"


def _failed(path: Path, name: str, reason: str) -> FileResult:
    try:
        digest, size = sha256_of(path), path.stat().st_size
    except OSError:
        digest, size = "", 0
    return FileResult(source_file=name, sha256=digest, bytes=size, status="quarantined", reason=reason)


def _publish(summary_md: str, manifest: dict) -> None:
    """Prefect artifacts: the summary and a per-file table, keyed so runs version them."""
    create_markdown_artifact(markdown=summary_md, key="scrub837-summary", description="Daily scrub summary")
    create_table_artifact(
        table=[
            {
                "file": f["source_file"],
                "status": f["status"],
                "claims": f["claims"],
                "accepted": f["accepted"],
                "rejected": f["rejected"],
                "reason": f["reason"] or "",
            }
            for f in manifest["inputs"]
        ],
        key="scrub837-files",
        description="Per-file results",
    )


def task_runner(kind: str, workers: int | None = None, address: str | None = None):
    """The task runner for `--runner`: thread, process or dask."""
    if kind == "thread":
        return ThreadPoolTaskRunner(max_workers=workers)
    if kind == "process":
        return ProcessPoolTaskRunner(max_workers=workers)
    if kind == "dask":
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError as exc:
            raise SystemExit("the dask runner needs the extra: pip install 'scrub837[dask]'") from exc
        if address:
            return DaskTaskRunner(address=address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": workers or 2, "threads_per_worker": 1})
    raise SystemExit(f"unknown runner {kind!r}: use thread, process or dask")
