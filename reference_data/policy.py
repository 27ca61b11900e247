"""Payer profiles and the multi-dose list, from our curated payer_policy.toml.

    payer_profiles, multi_dose = load_policy()
    fixes = load_fixes()        # the safe fixes switched on, e.g. frozenset({"ndc_format"})

The file is validated at load: unknown keys, wrong types, unknown or repeated filing indicators,
malformed HCPCS codes and NDCs raise `PolicyError` naming the file and the key.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import polars as pl

from reference_data.model import MULTI_DOSE_SCHEMA, PAYER_PROFILE_SCHEMA
from reference_data.ndc import normalize_ndc
from reference_data.tomlfile import ConfigError, check_keys, expect, expect_str_list, read_toml

PAYER_POLICY_TOML = Path(__file__).with_name("payer_policy.toml")
PROFILE_KEYS = {
    "filing_indicators",
    "jw_jz_required",
    "ndc_required",
    "prior_auth_codes",
    "prior_auth_cost_threshold",
    "mue_applies",
}
MULTI_DOSE_KEYS = {"ndc", "hcpcs", "note"}
# The safe fixes (edi/fixes.py) and whether each is on when [fixes] does not name it.
FIX_DEFAULTS = {"ndc_format": True, "stray_spaces": True}
_FILING_INDICATOR = re.compile(r"^[0-9A-Z]{2}$")
_HCPCS = re.compile(r"^[A-Z0-9]\d{3}[A-Z0-9]$")


class PolicyError(ConfigError):
    """payer_policy.toml is invalid."""


def load_policy(path: Path | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(payer_profiles, multi_dose) frames (PAYER_PROFILE_SCHEMA, MULTI_DOSE_SCHEMA), sorted."""
    path = Path(path) if path is not None else PAYER_POLICY_TOML
    data = read_toml(path, PolicyError)
    check_keys(path, "", data, {"profiles", "multi_dose", "fixes"}, PolicyError)
    profiles = expect(path, "profiles", data.get("profiles", {}), dict, PolicyError)
    entries = expect(path, "multi_dose", data.get("multi_dose", []), list, PolicyError)
    profile_rows = [row for name, table in profiles.items() for row in _profile_rows(path, name, table)]
    payer_profiles = pl.DataFrame(profile_rows, schema=PAYER_PROFILE_SCHEMA, orient="row")
    _check_unique_indicators(path, payer_profiles)
    multi_dose_rows = [_multi_dose_row(path, index, entry) for index, entry in enumerate(entries)]
    multi_dose = pl.DataFrame(multi_dose_rows, schema=MULTI_DOSE_SCHEMA, orient="row")
    return payer_profiles.sort("filing_indicator"), multi_dose.sort(["hcpcs", "ndc11"], nulls_last=True)


def load_fixes(path: Path | None = None) -> frozenset[str]:
    """The safe fixes switched on in the [fixes] table (FIX_DEFAULTS for those not named)."""
    path = Path(path) if path is not None else PAYER_POLICY_TOML
    data = read_toml(path, PolicyError)
    table = expect(path, "fixes", data.get("fixes", {}), dict, PolicyError)
    check_keys(path, "fixes", table, set(FIX_DEFAULTS), PolicyError)
    return frozenset(
        kind
        for kind, default in FIX_DEFAULTS.items()
        if expect(path, f"fixes.{kind}", table.get(kind, default), bool, PolicyError)
    )


def _profile_rows(path: Path, name: str, table: Any) -> list[tuple[Any, ...]]:
    key = f"profiles.{name}"
    expect(path, key, table, dict, PolicyError)
    check_keys(path, key, table, PROFILE_KEYS, PolicyError)
    for required in ("filing_indicators", "jw_jz_required", "ndc_required"):
        if required not in table:
            raise PolicyError(path, f"{key}.{required}", "missing")
    indicators = expect_str_list(path, f"{key}.filing_indicators", table["filing_indicators"], PolicyError)
    _check_pattern(
        path, f"{key}.filing_indicators", indicators, _FILING_INDICATOR, "an SBR09 code (2 characters)"
    )
    codes = expect_str_list(path, f"{key}.prior_auth_codes", table.get("prior_auth_codes", []), PolicyError)
    _check_pattern(path, f"{key}.prior_auth_codes", codes, _HCPCS, "a HCPCS code")
    threshold = table.get("prior_auth_cost_threshold")
    if threshold is not None:
        expect(path, f"{key}.prior_auth_cost_threshold", threshold, (int, float), PolicyError)
    jw_jz = expect(path, f"{key}.jw_jz_required", table["jw_jz_required"], bool, PolicyError)
    ndc = expect(path, f"{key}.ndc_required", table["ndc_required"], bool, PolicyError)
    threshold = float(threshold) if threshold is not None else None
    mue = expect(path, f"{key}.mue_applies", table.get("mue_applies", False), bool, PolicyError)
    return [(indicator, name, jw_jz, ndc, sorted(codes), threshold, mue) for indicator in indicators]


def _check_pattern(path: Path, key: str, values: list[str], pattern: re.Pattern[str], what: str) -> None:
    for index, value in enumerate(values):
        if not pattern.match(value):
            raise PolicyError(path, f"{key}[{index}]", f"{value!r} is not {what}")


def _check_unique_indicators(path: Path, profiles: pl.DataFrame) -> None:
    repeated = profiles.filter(pl.col("filing_indicator").is_duplicated()).sort("filing_indicator", "profile")
    if repeated.height:
        indicator = repeated["filing_indicator"][0]
        names = ", ".join(repeated.filter(pl.col("filing_indicator") == indicator)["profile"])
        raise PolicyError(
            path, "profiles", f"filing indicator {indicator!r} is in more than one profile: {names}"
        )


def _multi_dose_row(path: Path, index: int, entry: Any) -> tuple[str | None, str | None, str]:
    key = f"multi_dose[{index}]"
    expect(path, key, entry, dict, PolicyError)
    check_keys(path, key, entry, MULTI_DOSE_KEYS, PolicyError)
    if ("ndc" in entry) == ("hcpcs" in entry):
        raise PolicyError(path, key, "give exactly one of ndc or hcpcs")
    note = expect(path, f"{key}.note", entry.get("note"), str, PolicyError)
    if "hcpcs" in entry:
        code = expect(path, f"{key}.hcpcs", entry["hcpcs"], str, PolicyError)
        _check_pattern(path, f"{key}.hcpcs", [code], _HCPCS, "a HCPCS code")
        return code, None, note
    ndc = expect(path, f"{key}.ndc", entry["ndc"], str, PolicyError)
    ndc11 = normalize_ndc(ndc)
    if ndc11 is None:
        raise PolicyError(
            path, f"{key}.ndc", f"{ndc!r} is not an 11-digit or 4-4-2/5-3-2/5-4-1 hyphenated NDC"
        )
    return None, ndc11, note
