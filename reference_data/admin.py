"""The curated drug-administration code relations (admin_codes.toml) as an ADMIN_CODES_SCHEMA frame."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import polars as pl

from reference_data.model import ADMIN_CODES_SCHEMA
from reference_data.tomlfile import ConfigError, check_keys, expect, expect_str_list, read_toml

ADMIN_CODES_TOML = Path(__file__).with_name("admin_codes.toml")
FAMILIES = ("hydration", "injection", "push", "infusion", "chemotherapy")
KINDS = ("primary", "add_on")
_CODE = re.compile(r"^\d{5}$")


class AdminCodesError(ConfigError):
    """admin_codes.toml is invalid."""


def load_admin_codes(path: Path = ADMIN_CODES_TOML) -> pl.DataFrame:
    """Read and validate admin_codes.toml; rows sorted by code."""
    data = read_toml(path, AdminCodesError)
    check_keys(path, "", data, set(FAMILIES), AdminCodesError)
    rows = [
        _entry(path, family, code, entry)
        for family, codes in data.items()
        for code, entry in expect(path, family, codes, dict, AdminCodesError).items()
    ]
    frame = pl.DataFrame(rows, schema=ADMIN_CODES_SCHEMA, orient="row").sort("code")
    _check_relations(path, frame)
    return frame


def _entry(path: Path, family: str, code: str, entry: Any) -> tuple[str, str, str, list[str]]:
    key = f"{family}.{code}"
    if not _CODE.match(code):
        raise AdminCodesError(path, key, "code must be 5 digits")
    expect(path, key, entry, dict, AdminCodesError)
    check_keys(path, key, entry, {"kind", "primaries"}, AdminCodesError)
    kind = expect(path, f"{key}.kind", entry.get("kind"), str, AdminCodesError)
    if kind not in KINDS:
        raise AdminCodesError(path, f"{key}.kind", f"must be one of {', '.join(KINDS)}, got {kind!r}")
    primaries = expect_str_list(path, f"{key}.primaries", entry.get("primaries", []), AdminCodesError)
    if (kind == "add_on") != bool(primaries):
        raise AdminCodesError(path, f"{key}.primaries", "required for add_on codes and only for them")
    return code, kind, family, sorted(primaries)


def _check_relations(path: Path, frame: pl.DataFrame) -> None:
    duplicated = frame.filter(pl.col("code").is_duplicated())["code"].unique().sort().to_list()
    if duplicated:
        raise AdminCodesError(path, duplicated[0], "code listed in more than one family")
    known = frame["code"]
    unknown = frame.explode("allowed_primaries").filter(
        pl.col("allowed_primaries").is_not_null() & ~pl.col("allowed_primaries").is_in(known.implode())
    )
    if unknown.height:
        row = unknown.row(0, named=True)
        raise AdminCodesError(
            path, f"{row['family']}.{row['code']}.primaries", f"{row['allowed_primaries']} is not in the file"
        )
