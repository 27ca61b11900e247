"""The quarterly reference refresh: rebuild the CMS Parquet tables from newly downloaded raw files."""

from __future__ import annotations

import json
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE

from reference_data.build import PACKAGE_DIR, build
from reference_data.load import load_reference


@task(name="build-reference-tables", cache_policy=NONE)
def build_tables_task(refdata: Path, into: Path) -> dict:
    return build(refdata, into)


@task(name="check-reference-tables", cache_policy=NONE)
def check_tables_task(into: Path) -> dict[str, int]:
    """Load what was written, as a run would (schemas are checked on load)."""
    ref = load_reference(into)
    return {
        name: getattr(ref, name).height
        for name in ("hcpcs", "asp_pricing", "ndc_crosswalk", "mue", "opps_status")
    }


@flow(name="scrub837-reference-refresh")
def reference_refresh(refdata: Path, into: Path | None = None) -> dict:
    """Rebuild every reference table from the raw CMS files in `refdata` and record its version."""
    logger = get_run_logger()
    into = Path(into) if into else PACKAGE_DIR
    version = build_tables_task(Path(refdata), into)
    rows = check_tables_task(into)
    logger.info("reference tables rebuilt into %s: %s", into, rows)
    create_markdown_artifact(
        key="scrub837-reference-version",
        markdown="# Reference data rebuilt\n\n"
        + f"Content hash `{version['content_hash']}`\n\n```\n"
        + json.dumps({"quarters": version["quarters"], "rows": rows}, indent=2)
        + "\n```\n",
        description="Quarters and row counts of the rebuilt CMS tables",
    )
    return version
