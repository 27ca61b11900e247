"""Drug-diagnosis coverage, from our curated drug_coverage.toml.

    coverage = load_coverage(profiles=payer_profiles["profile"])

The file is validated at load: unknown keys, wrong types, malformed HCPCS codes or ICD-10-CM
ranges, unknown payer profiles and a code listed twice for one profile raise `CoverageError`
naming the file and the key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import polars as pl

from reference_data.model import DRUG_COVERAGE_SCHEMA
from reference_data.tomlfile import ConfigError, check_keys, expect, expect_str_list, read_toml

DRUG_COVERAGE_TOML = Path(__file__).with_name("drug_coverage.toml")
DRUG_KEYS = {"hcpcs", "name", "profiles", "covered", "biosimilars"}
COVERED_KEYS = {"codes", "indication", "source"}
_HCPCS = re.compile(r"^[A-Z0-9]\d{3}[A-Z0-9]$")
_PREFIX = re.compile(r"^[A-Z][0-9][0-9A-Z]{1,5}$")


class CoverageError(ConfigError):
    """drug_coverage.toml is invalid."""


def parse_range(path: Path, key: str, text: str) -> tuple[str, str]:
    """ "C82-C85" -> ("C82", "C85"); "L40.5" -> ("L405", "L405"). Dots are dropped."""
    parts = [p.strip().upper().replace(".", "") for p in text.split("-")]
    if len(parts) == 1:
        parts = parts * 2
    low, high = parts if len(parts) == 2 else ("", "")
    if not (_PREFIX.match(low) and _PREFIX.match(high)) or len(low) != len(high) or low > high:
        raise CoverageError(
            path,
            key,
            f"{text!r} is not an ICD-10-CM code, prefix or range of same-length prefixes (e.g. 'K50', "
            "'L40.5', 'C82-C85')",
        )
    return low, high


def load_coverage(path: Path | None = None, profiles: Iterable[str] | None = None) -> pl.DataFrame:
    """The coverage table (DRUG_COVERAGE_SCHEMA); `profiles` are the payer profile names allowed."""
    path = Path(path) if path is not None else DRUG_COVERAGE_TOML
    data = read_toml(path, CoverageError)
    check_keys(path, "", data, {"drug"}, CoverageError)
    known_profiles = set(profiles) if profiles is not None else None
    rows: list[tuple[Any, ...]] = []
    seen: set[tuple[str, str | None]] = set()
    for index, drug in enumerate(expect(path, "drug", data.get("drug", []), list, CoverageError)):
        where = f"drug[{index}]"
        expect(path, where, drug, dict, CoverageError)
        check_keys(path, where, drug, DRUG_KEYS, CoverageError)
        for required in ("hcpcs", "name", "covered"):
            if required not in drug:
                raise CoverageError(path, where, f"missing key {required!r}")
        hcpcs = expect(path, f"{where}.hcpcs", drug["hcpcs"], str, CoverageError).strip().upper()
        if not _HCPCS.match(hcpcs):
            raise CoverageError(path, f"{where}.hcpcs", f"{hcpcs!r} is not a HCPCS code")
        name = expect(path, f"{where}.name", drug["name"], str, CoverageError)
        also = expect_str_list(path, f"{where}.biosimilars", drug.get("biosimilars", []), CoverageError)
        for code in also:
            if not _HCPCS.match(code):
                raise CoverageError(path, f"{where}.biosimilars", f"{code!r} is not a HCPCS code")
        codes_here = [hcpcs, *also]
        entry_profiles: list[str | None] = list(
            expect_str_list(path, f"{where}.profiles", drug.get("profiles", []), CoverageError)
        ) or [None]
        for profile in entry_profiles:
            if profile is not None and known_profiles is not None and profile not in known_profiles:
                raise CoverageError(
                    path,
                    f"{where}.profiles",
                    f"unknown payer profile {profile!r}; known: {sorted(known_profiles)}",
                )
            for code in codes_here:
                if (code, profile) in seen:
                    which = f"profile {profile!r}" if profile else "the default entry"
                    raise CoverageError(path, where, f"{code} is listed twice for {which}")
                seen.add((code, profile))
        covered = expect(path, f"{where}.covered", drug["covered"], list, CoverageError)
        if not covered:
            raise CoverageError(path, f"{where}.covered", "empty: list at least one covered range")
        for number, item in enumerate(covered):
            key = f"{where}.covered[{number}]"
            expect(path, key, item, dict, CoverageError)
            check_keys(path, key, item, COVERED_KEYS, CoverageError)
            codes = expect(path, f"{key}.codes", item.get("codes"), str, CoverageError)
            low, high = parse_range(path, f"{key}.codes", codes)
            indication = expect(path, f"{key}.indication", item.get("indication", ""), str, CoverageError)
            source = expect(path, f"{key}.source", item.get("source", ""), str, CoverageError)
            for profile in entry_profiles:
                for code in codes_here:
                    rows.append((code, name, profile, low, high, codes, indication, source))
    return pl.DataFrame(rows, schema=DRUG_COVERAGE_SCHEMA, orient="row")
