"""Build the shipped reference tables (Parquet) from the raw CMS files.

    python -m reference_data.build [--refdir ../shared/refdata] [--outdir reference_data]

Reads the raw files as CMS publishes them (banner rows, cp1252 bytes, empty trailing columns,
quoted line breaks, hyphenated NDCs ...) and writes one Parquet file per table plus version.json
(source paths + sha256, quarters, row counts and content hashes). Rows are sorted and no build
time is recorded, so rebuilding from the same inputs reproduces the same content hash.
The raw files are never copied into the repository. See README.md for the data dictionary.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from reference_data.admin import ADMIN_CODES_TOML, load_admin_codes
from reference_data.dosage import clean_text_expr, dosage_exprs
from reference_data.model import (
    ADMIN_CODES_SCHEMA,
    ASP_PRICING_SCHEMA,
    HCPCS_SCHEMA,
    MUE_SCHEMA,
    NDC_CROSSWALK_SCHEMA,
    OPPS_STATUS_SCHEMA,
)
from reference_data.ndc import ndc11_expr

PACKAGE_DIR = Path(__file__).resolve().parent
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Source:
    path: str  # relative to refdir
    table: str
    quarter: str
    start: date | None = None
    end: date | None = None


ASP_SOURCES = (
    Source("cms_asp_2025q4/asp_pricing.csv", "asp_pricing", "2025Q4", date(2025, 10, 1), date(2025, 12, 31)),
    Source(
        "cms_asp_2026q4_gtech/asp_payment_limits_oct2026.csv",
        "asp_pricing",
        "2026Q4",
        date(2026, 10, 1),
        date(2026, 12, 31),
    ),
)
HCPCS_SOURCE = Source("cms_hcpcs_2025oct/HCPC2025_OCT_ANWEB.xlsx", "hcpcs", "2025Q4")
CROSSWALK_SOURCE = Source("cms_asp_2025q4/asp_crosswalk.csv", "ndc_crosswalk", "2025Q4")
MUE_PRACTITIONER_SOURCE = Source("ncci_derived_2026q2/mue_practitioner_2026q2_all.csv", "mue", "2026Q2")
MUE_OPH_SOURCE = Source(
    "ncci_oph_2026q4_opps_engine/mue_oph_eff2026-10-01_subset_96360-96549_J_Q.csv", "mue", "2026Q4"
)
OPPS_SOURCE = Source(
    "cms_opps_addb_2026jan_opps_engine/opps_addendum_b_jan2026_Jcodes_si_apc_rate.csv",
    "opps_status",
    "2026Q1",
)
SOURCES = (*ASP_SOURCES, HCPCS_SOURCE, CROSSWALK_SOURCE, MUE_PRACTITIONER_SOURCE, MUE_OPH_SOURCE, OPPS_SOURCE)

SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "hcpcs": HCPCS_SCHEMA,
    "asp_pricing": ASP_PRICING_SCHEMA,
    "ndc_crosswalk": NDC_CROSSWALK_SCHEMA,
    "mue": MUE_SCHEMA,
    "opps_status": OPPS_STATUS_SCHEMA,
    "admin_codes": ADMIN_CODES_SCHEMA,
}
KEYS: dict[str, tuple[str, ...]] = {
    "hcpcs": ("hcpcs",),
    "asp_pricing": ("hcpcs", "quarter"),
    "ndc_crosswalk": ("ndc11", "hcpcs"),
    "mue": ("hcpcs", "setting"),
    "opps_status": ("hcpcs",),
    "admin_codes": ("code",),
}
# HCPCS / MUE rows kept: drug codes, the drug administration range, and any code the ASP files price.
DRUG_CODE_PATTERN = r"^(J|Q|C9|A9)"
ADMIN_RANGE = ("96360", "96549")


class BuildError(RuntimeError):
    """A raw file does not look the way the builder expects."""


# ---------------------------------------------------------------------------- raw file reading


def decode(raw: bytes) -> str:
    """UTF-8 when the bytes are valid UTF-8, else Windows-1252 (CMS files), else Latin-1."""
    for encoding in ("utf-8", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def read_cms_csv(path: Path, header: str) -> pl.DataFrame:
    """A CMS CSV as all-String columns, starting at the row whose first cell matches `header`.

    Banner rows before the header are skipped, unnamed (empty trailing) columns dropped, text
    cleaned (NBSP / line breaks / runs of spaces -> one space, trimmed, "" -> null) and rows with
    no value at all dropped.
    """
    text = decode(path.read_bytes())
    match = re.search(rf"^(?:{header}),", text, flags=re.MULTILINE)
    if match is None:
        raise BuildError(f"{path}: no header row starting with {header!r}")
    frame = pl.read_csv(text[match.start() :].encode("utf-8"), infer_schema=False)
    named = [c for c in frame.columns if c.strip() and not c.startswith("_duplicated_")]
    return (
        frame.select(named)
        .with_columns(clean_text_expr(pl.all()))
        .filter(pl.any_horizontal(pl.all().is_not_null()))
    )


def column(frame: pl.DataFrame, pattern: str) -> str:
    """The one column whose name matches `pattern` (header names change by year, e.g. _2025_CODE)."""
    found = [c for c in frame.columns if re.fullmatch(pattern, c, flags=re.IGNORECASE)]
    if len(found) != 1:
        raise BuildError(f"expected one column matching {pattern!r}, found {found} in {frame.columns}")
    return found[0]


def number(name: str) -> pl.Expr:
    """A CMS number column as Float64 ("$2.462", "1,000" accepted; "N/A" and blanks -> null)."""
    return pl.col(name).str.replace_all(r"[$,]", "").cast(pl.Float64, strict=False)


def yyyymmdd(name: str) -> pl.Expr:
    return pl.col(name).str.strptime(pl.Date, "%Y%m%d", strict=False)


def in_scope(code: pl.Expr, extra_codes: pl.Series) -> pl.Expr:
    """Drug codes (J, Q, C9, A9), 96360-96549, and `extra_codes`."""
    admin = code.str.contains(r"^\d{5}$") & code.is_between(pl.lit(ADMIN_RANGE[0]), pl.lit(ADMIN_RANGE[1]))
    return code.str.contains(DRUG_CODE_PATTERN) | admin | code.is_in(extra_codes.implode())


# ---------------------------------------------------------------------------- tables


def asp_quarter(refdir: Path, source: Source) -> pl.DataFrame:
    frame = read_cms_csv(refdir / source.path, "HCPCS Code")
    amount, unit = dosage_exprs(pl.col("HCPCS Code Dosage"))
    return frame.filter(pl.col("HCPCS Code").is_not_null()).select(
        pl.col("HCPCS Code").str.to_uppercase().alias("hcpcs"),
        pl.lit(source.quarter).alias("quarter"),
        pl.lit(source.start).alias("effective_start"),
        pl.lit(source.end).alias("effective_end"),
        pl.col("HCPCS Code Dosage").alias("dosage_descriptor"),
        amount.alias("dosage_amount"),
        unit.alias("dosage_unit"),
        number("Payment Limit").alias("payment_limit"),
    )


def asp_pricing_table(refdir: Path) -> pl.DataFrame:
    return pl.concat([asp_quarter(refdir, source) for source in ASP_SOURCES])


def hcpcs_table(refdir: Path, asp: pl.DataFrame) -> pl.DataFrame:
    """Procedure records (RECID 3) of the HCPCS Level II file, dosage from the latest ASP file."""
    raw = pl.read_excel(refdir / HCPCS_SOURCE.path, engine="openpyxl", infer_schema_length=0)
    latest_dosage = (
        asp.sort("quarter", descending=True)
        .unique("hcpcs", keep="first", maintain_order=True)
        .select("hcpcs", "dosage_descriptor", "dosage_amount", "dosage_unit")
    )
    return (
        raw.with_columns(clean_text_expr(pl.all()))
        .filter((pl.col("RECID") == "3") & in_scope(pl.col("HCPC"), asp["hcpcs"]))
        .select(
            pl.col("HCPC").alias("hcpcs"),
            pl.col("SHORT DESCRIPTION").alias("short_description"),
            pl.col("LONG DESCRIPTION").alias("long_description"),
            yyyymmdd("ADD DT").alias("add_date"),
            yyyymmdd("ACT EFF DT").alias("effective_date"),
            yyyymmdd("TERM DT").alias("termination_date"),
            pl.col("ACTION CD").alias("action_code"),
        )
        .join(latest_dosage, on="hcpcs", how="left")
    )


def ndc_crosswalk_table(refdir: Path) -> pl.DataFrame:
    """ASP NDC-HCPCS crosswalk rows whose NDC converts to 11 digits (alternate IDs are dropped).

    The NOC crosswalk (noc_crosswalk.csv) has no HCPCS column, so it contributes no rows.
    """
    frame = read_cms_csv(refdir / CROSSWALK_SOURCE.path, r"_\d{4}_CODE")
    code, ndc = column(frame, r"_\d{4}_CODE"), column(frame, r"NDC\d?")
    return frame.select(
        ndc11_expr(pl.col(ndc)).alias("ndc11"),
        pl.col(code).str.to_uppercase().alias("hcpcs"),
        pl.col("LABELER NAME").alias("labeler"),
        pl.col("Drug Name").alias("drug_name"),
        pl.col("HCPCS dosage").alias("hcpcs_dosage"),
        number("PKG SIZE").alias("pkg_size"),
        number("PKG QTY").alias("pkg_qty"),
        number("BILLUNITS").alias("bill_units_per_item"),
        number("BILLUNITSPKG").alias("bill_units_per_ndc"),
        pl.lit(CROSSWALK_SOURCE.quarter).alias("quarter"),
    ).filter(pl.col("ndc11").is_not_null() & pl.col("hcpcs").is_not_null())


def mue_rows(refdir: Path, source: Source, value_column: str, setting: str, extra: pl.Series) -> pl.DataFrame:
    frame = read_cms_csv(refdir / source.path, "hcpcs_cpt_code")
    return frame.filter(in_scope(pl.col("hcpcs_cpt_code"), extra)).select(
        pl.col("hcpcs_cpt_code").str.to_uppercase().alias("hcpcs"),
        pl.lit(setting).alias("setting"),
        pl.col(value_column).cast(pl.Int64).alias("mue_value"),
        pl.col("mai").cast(pl.Int64).alias("mai"),
        pl.col("mue_rationale").alias("rationale"),
        pl.lit(source.quarter).alias("version"),
    )


def mue_table(refdir: Path, extra: pl.Series) -> pl.DataFrame:
    return pl.concat(
        [
            mue_rows(refdir, MUE_PRACTITIONER_SOURCE, "practitioner_mue_value", "practitioner", extra),
            mue_rows(refdir, MUE_OPH_SOURCE, "outpatient_hospital_mue_value", "outpatient_hospital", extra),
        ]
    )


def opps_status_table(refdir: Path) -> pl.DataFrame:
    frame = read_cms_csv(refdir / OPPS_SOURCE.path, "hcpcs_code")
    return frame.select(
        pl.col("hcpcs_code").str.to_uppercase().alias("hcpcs"),
        pl.col("status_indicator"),
        pl.col("apc"),
        number("payment_rate_usd").alias("payment_rate"),
        pl.lit(OPPS_SOURCE.quarter).alias("version"),
    )


# ---------------------------------------------------------------------------- finishing


def finish(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Cast to the table's schema, drop exact duplicate rows, sort, and check the key is unique."""
    schema = SCHEMAS[name]
    shaped = frame.select([pl.col(col).cast(dtype) for col, dtype in schema.items()]).unique()
    shaped = shaped.sort(list(schema), nulls_last=True)
    keys = list(KEYS[name])
    clashes = shaped.filter(pl.struct(keys).is_duplicated())
    if clashes.height:
        raise BuildError(
            f"{name}: {clashes.height} rows share a key {keys} with different values:\n{clashes}"
        )
    return shaped


def table_hash(frame: pl.DataFrame) -> str:
    """sha256 of the table content (schema + rows), independent of the Parquet encoding."""
    payload = {"schema": {c: str(t) for c, t in frame.schema.items()}, "rows": frame.rows()}
    text = json.dumps(payload, default=str, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def content_hash(table_hashes: dict[str, str]) -> str:
    text = json.dumps(dict(sorted(table_hashes.items())), separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_tables(refdir: Path, admin_toml: Path = ADMIN_CODES_TOML) -> dict[str, pl.DataFrame]:
    """All reference tables, finished (schema, dedup, sort), keyed by table name."""
    asp = asp_pricing_table(refdir)
    raw = {
        "hcpcs": hcpcs_table(refdir, asp),
        "asp_pricing": asp,
        "ndc_crosswalk": ndc_crosswalk_table(refdir),
        "mue": mue_table(refdir, asp["hcpcs"]),
        "opps_status": opps_status_table(refdir),
        "admin_codes": load_admin_codes(admin_toml),
    }
    return {name: finish(name, frame) for name, frame in raw.items()}


def notes(refdir: Path, tables: dict[str, pl.DataFrame]) -> dict[str, Any]:
    """Facts about the build worth keeping next to the data."""
    admin = tables["admin_codes"]["code"]
    mue = tables["mue"]
    missing = {
        setting: admin.filter(
            ~admin.is_in(mue.filter(pl.col("setting") == setting)["hcpcs"].implode())
        ).to_list()
        for setting in ("practitioner", "outpatient_hospital")
    }
    crosswalk = read_cms_csv(refdir / CROSSWALK_SOURCE.path, r"_\d{4}_CODE")
    ndc = column(crosswalk, r"NDC\d?")
    return {
        "admin_codes_missing_from_mue": missing,
        "ndc_crosswalk_rows_read": crosswalk.height,
        "ndc_crosswalk_rows_dropped_not_an_ndc": crosswalk.filter(ndc11_expr(pl.col(ndc)).is_null()).height,
        "noc_crosswalk": "cms_asp_2025q4/noc_crosswalk.csv has no HCPCS column; not used",
    }


def version_info(refdir: Path, tables: dict[str, pl.DataFrame], admin_toml: Path) -> dict[str, Any]:
    hashes = {name: table_hash(frame) for name, frame in tables.items()}
    return {
        "format": FORMAT_VERSION,
        "sources": [
            {"path": s.path, "sha256": file_sha256(refdir / s.path), "table": s.table, "quarter": s.quarter}
            for s in SOURCES
        ],
        "curated": [{"path": admin_toml.name, "sha256": file_sha256(admin_toml), "table": "admin_codes"}],
        "quarters": {
            "hcpcs": HCPCS_SOURCE.quarter,
            "asp_pricing": [s.quarter for s in ASP_SOURCES],
            "ndc_crosswalk": [CROSSWALK_SOURCE.quarter],
            "mue": {
                "practitioner": MUE_PRACTITIONER_SOURCE.quarter,
                "outpatient_hospital": MUE_OPH_SOURCE.quarter,
            },
            "opps_status": OPPS_SOURCE.quarter,
        },
        "tables": {
            name: {"file": f"{name}.parquet", "rows": frame.height, "content_sha256": hashes[name]}
            for name, frame in tables.items()
        },
        "content_hash": content_hash(hashes),
        "notes": notes(refdir, tables),
    }


def build(refdir: Path, outdir: Path = PACKAGE_DIR, admin_toml: Path = ADMIN_CODES_TOML) -> dict[str, Any]:
    """Build every table from the raw files in `refdir` into `outdir`; return the version info."""
    refdir, outdir = Path(refdir), Path(outdir)
    tables = build_tables(refdir, admin_toml)
    outdir.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.write_parquet(outdir / f"{name}.parquet", compression="zstd")
    info = version_info(refdir, tables, admin_toml)
    (outdir / "version.json").write_text(json.dumps(info, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return info


def default_refdir() -> Path:
    """$SCRUB837_SHARED/refdata, else the `shared/refdata` folder next to the repository."""
    shared = os.environ.get("SCRUB837_SHARED")
    base = Path(shared) if shared else Path(__file__).resolve().parents[2] / "shared"
    return base / "refdata"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refdir", type=Path, default=default_refdir(), help="folder of raw CMS files")
    parser.add_argument("--outdir", type=Path, default=PACKAGE_DIR, help="where the Parquet files go")
    args = parser.parse_args(argv)
    info = build(args.refdir, args.outdir)
    for name, table in info["tables"].items():
        print(f"{name:14} {table['rows']:6} rows")
    print(f"content hash {info['content_hash']}")


if __name__ == "__main__":
    main()
