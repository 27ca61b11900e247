"""The `scrub837` command."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def _prefect_defaults() -> None:
    # The ephemeral local API can take a while to start on a small, busy machine.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")
    # No internet here; the local API would log an ERROR for every failed telemetry send.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def _reference_ok(reference: str | None) -> bool:
    """Load the reference tables and policy files once before any flow starts, so that a mistake
    in payer_policy.toml or drug_coverage.toml is one clear line, not a failed run."""
    from reference_data.load import ReferenceDataError, load_reference
    from reference_data.tomlfile import ConfigError

    try:
        load_reference(Path(reference) if reference else None)
    except (ConfigError, ReferenceDataError) as exc:
        print(f"scrub837: reference data: {exc}", file=sys.stderr)
        return False
    return True


def _counter_ok(args: argparse.Namespace):
    """The control-number counter of --control-file/--control-start, checked before a run; None
    (after one clear line) when it cannot be used."""
    from edi.control import ControlCounter, ControlNumberError, default_state_file

    try:
        counter = ControlCounter(
            Path(args.control_file) if args.control_file else default_state_file(), args.control_start
        )
        counter.check()
    except (ControlNumberError, OSError) as exc:
        print(f"scrub837: control numbers: {exc}", file=sys.stderr)
        return None
    return counter


def _add_control_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--control-file",
        help="state file of the ISA13/GS06 counter, shared by every run and worker (default: "
        "$SCRUB837_CONTROL_FILE, else ~/.local/state/scrub837/control_numbers.json)",
    )
    command.add_argument(
        "--control-start",
        type=int,
        default=1,
        help="first control number when the counter is new or lower (numbers are never reused)",
    )


def _run(args: argparse.Namespace) -> int:
    from flows.daily import daily_scrub, task_runner

    inbox = Path(args.inbox)
    if not inbox.is_dir():
        print(f"scrub837: inbox {inbox} is not a folder", file=sys.stderr)
        return 2
    from flows.scrub_file import OutputInUse, prepare_output

    if not _reference_ok(args.reference):
        return 2
    out = Path(args.out)
    try:
        prepare_output(out, args.replace)
    except OutputInUse as exc:
        print(f"scrub837: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"scrub837: cannot use {out} as the output folder: {exc.strerror}", file=sys.stderr)
        return 2
    counter = _counter_ok(args)
    if counter is None:
        return 2
    runner = task_runner(args.runner, args.workers, args.dask_address)
    manifest = daily_scrub.with_options(task_runner=runner)(
        inbox=inbox,
        out=out,
        reference_dir=Path(args.reference) if args.reference else None,
        replace=args.replace,
        control_file=counter.path,
        control_start=counter.start,
    )
    totals = manifest["totals"]
    print(
        f"run {manifest['run_id']}: {totals['files']} files ({totals['quarantined_files']} quarantined), "
        f"{totals['claims']} claims: {totals['accepted']} accepted, {totals['rejected']} rejected; "
        f"report: {Path(args.out) / 'summary.md'}"
    )
    return 0


def _serve(args: argparse.Namespace) -> int:
    from prefect import serve

    from flows.daily import daily_scrub
    from flows.reference_refresh import reference_refresh

    if not _reference_ok(None):
        return 2
    counter = _counter_ok(args)
    if counter is None:
        return 2
    deployments = [
        daily_scrub.to_deployment(
            name="scrub837-daily",
            cron=args.cron,
            parameters={
                "inbox": str(Path(args.inbox).resolve()),
                "out": str(Path(args.out).resolve()),
                "dated": True,
                "control_file": str(counter.path.resolve()),
                "control_start": counter.start,
            },
        )
    ]
    if args.refdata:
        deployments.append(
            reference_refresh.to_deployment(
                name="scrub837-reference-refresh",
                cron=args.refresh_cron,
                parameters={"refdata": str(Path(args.refdata).resolve())},
            )
        )
    serve(*deployments)
    return 0


def _reference_build(args: argparse.Namespace) -> int:
    from flows.reference_refresh import reference_refresh

    refdata = Path(args.refdata)
    if not refdata.is_dir():
        print(f"scrub837: {refdata} is not a folder of raw CMS files", file=sys.stderr)
        return 2
    version = reference_refresh(refdata=refdata, into=Path(args.into) if args.into else None)
    print(json.dumps({"content_hash": version["content_hash"], "quarters": version["quarters"]}, indent=2))
    return 0


def _rules(args: argparse.Namespace) -> int:
    from transforms.catalogue import CATALOGUE
    from transforms.ruledocs import listing, markdown

    sys.stdout.write(markdown(CATALOGUE) if args.markdown else listing(CATALOGUE))
    return 0


def _explain(args: argparse.Namespace) -> int:
    from transforms.catalogue import rule_by_id
    from transforms.ruledocs import explain

    try:
        rule = rule_by_id(args.rule_id.strip().upper())
    except KeyError as exc:
        print(f"scrub837: {exc.args[0]}", file=sys.stderr)
        return 2
    sys.stdout.write(explain(rule))
    return 0


def _diff(args: argparse.Namespace) -> int:
    from edi.diff import diff_claims
    from edi.parse import parse_source
    from edi.source import QuarantineError, read_source

    def parsed(path: str):
        try:
            return parse_source(read_source(Path(path)))
        except FileNotFoundError:
            print(
                f"scrub837: {path}: no such file (a file with no accepted claims has no scrubbed/ "
                "output, one with no rejected claims no rejected/ output: leave it out)",
                file=sys.stderr,
            )
        except (QuarantineError, OSError) as exc:
            print(f"scrub837: {path}: {exc}", file=sys.stderr)
        return None

    original = parsed(args.input)
    outputs = [parsed(p) for p in args.outputs]
    if original is None or any(o is None for o in outputs):
        return 2
    result = diff_claims(original, outputs)
    print(result.report())
    return 0 if result.faithful else 1


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="scrub837", description="Scrub outbound 837P/837I claim files.")
    commands = top.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="scrub every file in INBOX into OUT")
    run.add_argument("inbox", help="folder of 837 files (the shipped demo inbox is samples/inbox)")
    run.add_argument("--out", required=True, help="output folder")
    run.add_argument("--replace", action="store_true", help="remove an earlier run's outputs from OUT first")
    run.add_argument("--reference", help="folder of reference Parquet tables (default: the shipped ones)")
    run.add_argument(
        "--runner",
        default="thread",
        choices=["thread", "process", "dask"],
        help="how the per-file tasks run: threads (default), processes (use every core) or a Dask cluster",
    )
    run.add_argument("--workers", type=int, default=None, help="parallel tasks (default: Prefect's)")
    run.add_argument("--dask-address", help="scheduler address of an existing Dask cluster")
    _add_control_options(run)
    run.set_defaults(func=_run)

    serve = commands.add_parser(
        "serve",
        help="run the daily scrub on a schedule, each run into OUT/<run id> (uses PREFECT_API_URL if set, "
        "else a local temporary Prefect API)",
    )
    serve.add_argument("inbox")
    serve.add_argument("--out", required=True)
    serve.add_argument("--cron", default="0 2 * * *", help="schedule, default 02:00 daily")
    serve.add_argument(
        "--refdata", help="also serve the quarterly reference refresh from this raw CMS folder"
    )
    serve.add_argument(
        "--refresh-cron", default="0 3 2 1,4,7,10 *", help="refresh schedule, default the 2nd of each quarter"
    )
    _add_control_options(serve)
    serve.set_defaults(func=_serve)

    rules = commands.add_parser("rules", help="list every rule: ID, severity, CARC, category, title")
    rules.add_argument("--markdown", action="store_true", help="print docs/rules.md instead")
    rules.set_defaults(func=_rules)

    explain = commands.add_parser("explain", help="print one rule's documentation")
    explain.add_argument("rule_id", help="e.g. UNT001")
    explain.set_defaults(func=_explain)

    diff = commands.add_parser(
        "diff",
        help="compare an input file's claims with the files written from it (exit 1 if any claim was "
        "removed, added, written twice or changed)",
    )
    diff.add_argument("input", help="the input 837")
    diff.add_argument(
        "outputs", nargs="+", help="the files written from it, e.g. OUT/scrubbed/F OUT/rejected/F"
    )
    diff.set_defaults(func=_diff)

    reference = commands.add_parser("reference", help="reference data")
    ref_commands = reference.add_subparsers(dest="reference_command", required=True)
    build = ref_commands.add_parser("build", help="rebuild the Parquet tables from raw CMS files")
    build.add_argument("refdata", help="folder of raw CMS files (e.g. ../shared/refdata)")
    build.add_argument("--into", help="where to write the tables (default: the package's reference_data/)")
    build.set_defaults(func=_reference_build)
    return top


def main(argv: list[str] | None = None) -> int:
    _prefect_defaults()
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
