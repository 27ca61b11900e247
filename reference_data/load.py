"""Load the shipped reference tables and the payer policy into a `Reference`.

ref = load_reference()            # the Parquet files shipped in this package
ref.mue.filter(pl.col("hcpcs") == "J2405")
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import polars as pl

from reference_data.coverage import DRUG_COVERAGE_TOML, load_coverage
from reference_data.model import (
    ADMIN_CODES_SCHEMA,
    ASP_PRICING_SCHEMA,
    HCPCS_SCHEMA,
    MUE_SCHEMA,
    NDC_CROSSWALK_SCHEMA,
    OPPS_STATUS_SCHEMA,
    Reference,
)
from reference_data.policy import PAYER_POLICY_TOML, load_fixes, load_policy

PACKAGE_DIR = Path(__file__).resolve().parent
TABLE_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "hcpcs": HCPCS_SCHEMA,
    "asp_pricing": ASP_PRICING_SCHEMA,
    "ndc_crosswalk": NDC_CROSSWALK_SCHEMA,
    "mue": MUE_SCHEMA,
    "opps_status": OPPS_STATUS_SCHEMA,
    "admin_codes": ADMIN_CODES_SCHEMA,
}


class ReferenceDataError(RuntimeError):
    """A shipped table is missing or does not have its schema."""


def read_table(directory: Path, name: str) -> pl.DataFrame:
    """One shipped table, checked against its schema (same columns, same order, same types)."""
    path = directory / f"{name}.parquet"
    if not path.is_file():
        raise ReferenceDataError(f"{path}: missing; run `python -m reference_data.build`")
    frame = pl.read_parquet(path)
    expected = TABLE_SCHEMAS[name]
    if dict(frame.schema) != expected:
        raise ReferenceDataError(f"{path}: schema {dict(frame.schema)} differs from {expected}")
    return frame


def read_version(directory: Path) -> dict[str, Any]:
    path = directory / "version.json"
    if not path.is_file():
        raise ReferenceDataError(f"{path}: missing; run `python -m reference_data.build`")
    return json.loads(path.read_text(encoding="utf-8"))


def load_reference(
    directory: Path | None = None, policy_path: Path | None = None, coverage_path: Path | None = None
) -> Reference:
    """The reference tables in `directory` (default: this package) plus the payer policy and the
    drug-diagnosis coverage table. The TOML files are taken from `directory` when it holds them
    (a copied reference folder with its own policies), else from this package; explicit paths win.
    The version records which policy files were used and their hashes."""
    directory = Path(directory) if directory is not None else PACKAGE_DIR
    policy_path = Path(policy_path) if policy_path else _curated(directory, PAYER_POLICY_TOML)
    coverage_path = Path(coverage_path) if coverage_path else _curated(directory, DRUG_COVERAGE_TOML)
    tables = {name: read_table(directory, name) for name in TABLE_SCHEMAS}
    payer_profiles, multi_dose = load_policy(policy_path)
    fixes = load_fixes(policy_path)
    coverage = load_coverage(coverage_path, profiles=payer_profiles["profile"].unique().to_list())
    version = read_version(directory)
    version["policies"] = {
        path.name: {"path": str(path), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
        for path in (policy_path, coverage_path)
    }
    return Reference(
        **tables,
        payer_profiles=payer_profiles,
        multi_dose=multi_dose,
        version=version,
        drug_coverage=coverage,
        fixes=fixes,
    )


def _curated(directory: Path, shipped: Path) -> Path:
    """The curated TOML file of that name in `directory` if there is one, else the shipped one."""
    local = directory / shipped.name
    return local if local.is_file() else shipped
