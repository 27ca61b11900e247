"""Reference tables: shipped content, parsing of raw-file quirks, reproducible rebuild.

Expected values were read from the raw CMS files by hand (grep), not produced by the builder.
Tests that need the raw files (../shared/refdata, or $SCRUB837_SHARED/refdata) skip without them.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from reference_data import build as builder
from reference_data.dosage import parse_dosage
from reference_data.load import PACKAGE_DIR, TABLE_SCHEMAS, ReferenceDataError, load_reference, read_table
from reference_data.model import MULTI_DOSE_SCHEMA, PAYER_PROFILE_SCHEMA
from reference_data.ndc import ndc11_expr, normalize_ndc

SHARED = Path(os.environ.get("SCRUB837_SHARED") or Path(__file__).resolve().parents[2] / "shared")
REFDIR = SHARED / "refdata"
requires_raw_files = pytest.mark.skipif(
    not REFDIR.is_dir(),
    reason=f"raw CMS files not found at {REFDIR} (set SCRUB837_SHARED to the shared folder)",
)


@pytest.fixture(scope="module")
def ref():
    return load_reference()


def one(frame: pl.DataFrame, **where: str) -> dict:
    rows = frame.filter(**where)
    assert rows.height == 1, f"expected one row for {where}, got {rows.height}"
    return rows.row(0, named=True)


# ---------------------------------------------------------------------------- NDC normalization


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("57894-0030-01", "57894003001"),  # 5-4-2
        ("57894003001", "57894003001"),  # 11 digits
        (" 50242-0060-01 ", "50242006001"),  # surrounding spaces
        ("0409-4759-01", "00409475901"),  # 4-4-2: pad labeler
        ("50242-060-01", "50242006001"),  # 5-3-2: pad product
        ("57894-0030-1", "57894003001"),  # 5-4-1: pad package
        ("005-170-03125", None),  # field scenario 5: no standard layout
        ("0051703125", None),  # 10 digits without hyphens: ambiguous
        ("382567000014", None),  # 12-digit barcode (crosswalk alternate ID)
        ("5125-61052", None),
        ("PS12345", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_ndc(text, expected):
    assert normalize_ndc(text) == expected


def test_ndc_expression_matches_scalar():
    values = ["0409-4759-01", "50242-060-01", "57894-0030-1", "005-170-03125", "57894003001", None]
    out = pl.DataFrame({"ndc": values}, schema={"ndc": pl.String}).select(ndc11_expr(pl.col("ndc")))
    assert out.to_series().to_list() == [normalize_ndc(v) for v in values]


# ---------------------------------------------------------------------------- dosage descriptors


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("10 MG", 10.0, "MG"),
        ("1000 MCG", 1000.0, "MCG"),
        ("1 ML", 1.0, "ML"),
        ("0.5 ML", 0.5, "ML"),
        ("100 UNITS", 100.0, "UNITS"),
        ("5 Unit", 5.0, "UNITS"),
        ("1 USP UNIT", 1.0, "UNITS"),
        ("150 IU", 150.0, "IU"),
        ("1 I.U. VWF:RCO", 1.0, "IU"),
        ("PER FACTOR VIII IU", 1.0, "IU"),
        ("100,000 UNITS", 100000.0, "UNITS"),
        (".625 GM", 0.625, "G"),
        ("1 CC", 1.0, "ML"),
        ("1MG", 1.0, "MG"),
        (" 1.74 MG", 1.74, "MG"),
        ("50 MCG (250 IU)", 50.0, "MCG"),
        ("75mg (50mg cft/25mg taz)", 75.0, "MG"),
        ("up to 5 MG", 5.0, "MG"),
        ("1 million\u00a0PFU", 1e6, "PFU"),
        ("1 million\ufffdPFU", 1e6, "PFU"),
        ("1 SQ CM", 1.0, "SQ CM"),
        ("1 microCurie", 1.0, "MICROCURIE"),
        ("1 EACH", 1.0, "EACH"),
        ("1 EA", 1.0, "EACH"),
        ("1 DOSE", 1.0, "EACH"),
        ("PER VIAL", 1.0, "EACH"),
        ("per dose", 1.0, "EACH"),
        ("Per Therapeutic Dose", 1.0, "EACH"),
        ("UP TO 200 MILLION CAR T CELLS", 1.0, "EACH"),
        ("Less than or equal to 100 MG", 1.0, "EACH"),
        ("Greater than 7 days and up to 28 days of therapy ", 1.0, "EACH"),
        ("10 MG/3MG", None, None),
        ("3 MG & 3 MG", None, None),
        ("4 MG-4 MG-2 MG", None, None),
        ("", None, None),
        (None, None, None),
    ],
)
def test_parse_dosage(text, amount, unit):
    assert parse_dosage(text) == (amount, unit)


# ---------------------------------------------------------------------------- shipped tables


def test_shipped_tables_have_model_schemas(ref):
    for name, schema in TABLE_SCHEMAS.items():
        assert dict(getattr(ref, name).schema) == schema, name
        assert getattr(ref, name).height > 0, name
    assert dict(ref.payer_profiles.schema) == PAYER_PROFILE_SCHEMA
    assert dict(ref.multi_dose.schema) == MULTI_DOSE_SCHEMA


def test_shipped_tables_match_version_json(ref):
    for name, info in ref.version["tables"].items():
        frame = getattr(ref, name)
        assert frame.height == info["rows"], name
        assert builder.table_hash(frame) == info["content_sha256"], name
    hashes = {name: info["content_sha256"] for name, info in ref.version["tables"].items()}
    assert builder.content_hash(hashes) == ref.version["content_hash"]


def test_shipped_tables_are_sorted_and_keyed(ref):
    for name, keys in builder.KEYS.items():
        frame = getattr(ref, name)
        assert frame.equals(frame.sort(list(frame.columns), nulls_last=True)), name
        assert not frame.select(pl.struct(list(keys)).is_duplicated().any()).item(), name


def test_version_lists_sources_and_quarters(ref):
    version = ref.version
    paths = {source["path"] for source in version["sources"]}
    assert "cms_hcpcs_2025oct/HCPC2025_OCT_ANWEB.xlsx" in paths
    assert all(len(source["sha256"]) == 64 for source in version["sources"])
    assert version["quarters"]["asp_pricing"] == ["2025Q4", "2026Q4"]
    assert version["quarters"]["mue"] == {"practitioner": "2026Q2", "outpatient_hospital": "2026Q4"}


def test_shipped_parquet_is_small():
    total = sum(path.stat().st_size for path in PACKAGE_DIR.glob("*.parquet"))
    assert total < 2_000_000


def test_hcpcs_j1745_dosage(ref):
    row = one(ref.hcpcs, hcpcs="J1745")
    assert (row["dosage_descriptor"], row["dosage_amount"], row["dosage_unit"]) == ("10 MG", 10.0, "MG")
    assert row["termination_date"] is None


@pytest.mark.parametrize(
    ("code", "effective", "terminated"),
    [
        ("J1940", date(2025, 4, 1), date(2025, 3, 31)),
        ("J1030", date(2024, 4, 1), date(2024, 3, 31)),
        ("J2505", date(2022, 1, 1), date(2021, 12, 31)),
    ],
)
def test_hcpcs_terminated_codes(ref, code, effective, terminated):
    row = one(ref.hcpcs, hcpcs=code)
    assert (row["effective_date"], row["termination_date"]) == (effective, terminated)


def test_hcpcs_descriptor_from_utf8_file_with_replacement_char(ref):
    # Oct 2026 ASP file: J9325 dosage is "1 million\ufffdPFU"
    row = one(ref.hcpcs, hcpcs="J9325")
    assert (row["dosage_descriptor"], row["dosage_amount"], row["dosage_unit"]) == (
        "1 million PFU",
        1e6,
        "PFU",
    )


def test_hcpcs_date_stored_as_number(ref):
    # C9301 in the xlsx: ADD DT is a numeric cell, not text
    assert one(ref.hcpcs, hcpcs="C9301")["add_date"] == date(2025, 4, 1)


@pytest.mark.parametrize(
    ("code", "quarter", "limit", "start", "end"),
    [
        ("J2405", "2025Q4", 0.091, date(2025, 10, 1), date(2025, 12, 31)),
        ("J2405", "2026Q4", 0.084, date(2026, 10, 1), date(2026, 12, 31)),
        ("J1745", "2025Q4", 31.090, date(2025, 10, 1), date(2025, 12, 31)),
        ("J1745", "2026Q4", 29.856, date(2026, 10, 1), date(2026, 12, 31)),
    ],
)
def test_asp_pricing(ref, code, quarter, limit, start, end):
    row = one(ref.asp_pricing, hcpcs=code, quarter=quarter)
    assert row["payment_limit"] == pytest.approx(limit)
    assert (row["effective_start"], row["effective_end"]) == (start, end)


def test_asp_not_available_limit_is_null(ref):
    assert one(ref.asp_pricing, hcpcs="A9606", quarter="2025Q4")["payment_limit"] is None


@pytest.mark.parametrize(
    ("ndc11", "code", "pkg_size", "pkg_qty", "per_item", "per_ndc"),
    [
        ("57894003001", "J1745", 1.0, 1.0, 10.0, 10.0),  # Remicade 100 mg vial
        ("50242006001", "J9035", 4.0, 1.0, 10.0, 10.0),  # Avastin 100 mg/4 mL
        ("00143985725", "J0696", 1.0, 25.0, 4.0, 100.0),  # ceftriaxone 1 g x 25
        ("00409475901", "J2405", 20.0, 1.0, 40.0, 40.0),  # ondansetron 40 mg/20 mL MDV
    ],
)
def test_ndc_crosswalk(ref, ndc11, code, pkg_size, pkg_qty, per_item, per_ndc):
    row = one(ref.ndc_crosswalk, ndc11=ndc11, hcpcs=code)
    assert (row["pkg_size"], row["pkg_qty"]) == (pkg_size, pkg_qty)
    assert (row["bill_units_per_item"], row["bill_units_per_ndc"]) == (per_item, per_ndc)
    assert row["quarter"] == "2025Q4"


def test_ndc_crosswalk_text_quirks(ref):
    # quoted field with an embedded line break: "Ketorolac Tromethamine\n"
    assert one(ref.ndc_crosswalk, ndc11="00404999801")["drug_name"] == "Ketorolac Tromethamine"
    # cp1252 NBSP after the name: "Amvuttra\xa0"
    assert one(ref.ndc_crosswalk, ndc11="71336100301")["drug_name"] == "Amvuttra"


def test_ndc_crosswalk_has_only_11_digit_ndcs(ref):
    assert ref.ndc_crosswalk.filter(~pl.col("ndc11").str.contains(r"^\d{11}$")).height == 0


@pytest.mark.parametrize(
    ("code", "setting", "value", "mai", "version"),
    [
        ("J2405", "practitioner", 64, 3, "2026Q2"),
        ("J2405", "outpatient_hospital", 64, 3, "2026Q4"),
        ("96360", "practitioner", 1, 3, "2026Q2"),
        ("96360", "outpatient_hospital", 2, 3, "2026Q4"),
        ("96361", "practitioner", 8, 3, "2026Q2"),
        ("96372", "outpatient_hospital", 5, 3, "2026Q4"),
    ],
)
def test_mue(ref, code, setting, value, mai, version):
    row = one(ref.mue, hcpcs=code, setting=setting)
    assert (row["mue_value"], row["mai"], row["version"]) == (value, mai, version)


@pytest.mark.parametrize(
    ("code", "status", "apc", "rate"),
    [("J2405", "N", None, None), ("J9312", "K", "9186", 74.765), ("J1745", "K", "7043", 32.423)],
)
def test_opps_status(ref, code, status, apc, rate):
    row = one(ref.opps_status, hcpcs=code)
    assert (row["status_indicator"], row["apc"], row["payment_rate"]) == (status, apc, rate)
    assert row["version"] == "2026Q1"


def test_admin_codes(ref):
    admin = ref.admin_codes
    assert admin.height == 38
    assert one(admin, code="96361")["allowed_primaries"] == ["96360", "96365", "96374", "96409", "96413"]
    assert one(admin, code="96374")["family"] == "push"
    assert one(admin, code="96372")["family"] == "injection"
    assert one(admin, code="96369")["kind"] == "primary"
    assert admin.filter(pl.col("kind") == "primary")["allowed_primaries"].list.len().max() == 0
    assert set(admin.columns) == {"code", "kind", "family", "allowed_primaries"}  # no descriptor text


def test_admin_codes_are_in_both_mue_tables(ref):
    for setting in ("practitioner", "outpatient_hospital"):
        listed = ref.mue.filter(pl.col("setting") == setting)["hcpcs"]
        missing = ref.admin_codes.filter(~pl.col("code").is_in(listed.implode()))["code"].to_list()
        assert missing == [], setting


def test_load_reference_rejects_wrong_schema(tmp_path):
    pl.DataFrame({"hcpcs": ["J1745"]}).write_parquet(tmp_path / "hcpcs.parquet")
    with pytest.raises(ReferenceDataError, match="hcpcs.parquet"):
        read_table(tmp_path, "hcpcs")


def test_load_reference_reports_missing_table(tmp_path):
    with pytest.raises(ReferenceDataError, match="missing"):
        load_reference(tmp_path)


# ---------------------------------------------------------------------------- raw-file quirks (synthetic)


def test_read_cms_csv_handles_banner_cp1252_trailing_columns_and_line_breaks(tmp_path):
    banner = "".join(f"Banner line {i},,,,,\r\n" for i in range(8))
    body = (
        "_2025_CODE,Drug Name,NDC2,BILLUNITS,,\r\n"
        'J1885,"Ketorolac\nTromethamine",00404-9998-01,1,,\r\n'
        'J1885,Caf\xe9\xa0 ,0409-4759-01,"$1,000",,\r\n'
        'J1885,Caf\xe9\xa0 ,0409-4759-01,"$1,000",,\r\n'
        ",,,,,\r\n"
    )
    path = tmp_path / "crosswalk.csv"
    path.write_bytes((banner + body).encode("cp1252"))
    frame = builder.read_cms_csv(path, r"_\d{4}_CODE")
    assert frame.columns == ["_2025_CODE", "Drug Name", "NDC2", "BILLUNITS"]
    assert frame["Drug Name"].to_list() == ["Ketorolac Tromethamine", "Café", "Café"]
    assert frame.select(builder.number("BILLUNITS")).to_series().to_list() == [1.0, 1000.0, 1000.0]
    assert frame.unique().height == 2


def test_decode_prefers_utf8_then_cp1252():
    assert builder.decode("1 million\ufffdPFU".encode()) == "1 million\ufffdPFU"
    assert builder.decode(b"CarePatch\x99") == "CarePatch\u2122"


def test_finish_drops_duplicates_and_rejects_key_clashes():
    row = {"hcpcs": "J0001", "status_indicator": "K", "apc": "1", "payment_rate": 1.0, "version": "2026Q1"}
    assert builder.finish("opps_status", pl.DataFrame([row, row])).height == 1
    with pytest.raises(builder.BuildError, match="share a key"):
        builder.finish("opps_status", pl.DataFrame([row, {**row, "status_indicator": "N"}]))


# ---------------------------------------------------------------------------- rebuild from raw files


@requires_raw_files
def test_rebuild_reproduces_shipped_content_hash(tmp_path):
    info = builder.build(REFDIR, tmp_path)
    shipped = json.loads((PACKAGE_DIR / "version.json").read_text(encoding="utf-8"))
    assert info["content_hash"] == shipped["content_hash"]
    assert info == shipped
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"{name}.parquet" for name in TABLE_SCHEMAS] + ["version.json"]
    )


@requires_raw_files
def test_hand_checked_values_are_in_the_raw_files():
    crosswalk = (REFDIR / "cms_asp_2025q4/asp_crosswalk.csv").read_bytes()
    assert b'J9035,Bevacizumab injection,"Genentech, Inc.",50242-0060-01,Avastin,10 MG,4,1,10,10' in crosswalk
    mue = (REFDIR / "ncci_derived_2026q2/mue_practitioner_2026q2_all.csv").read_text()
    assert "\nJ2405,64,3," in mue


def test_hcpcs_code_without_action_effective_date(ref):
    # J8560: ACT EFF DT and TERM DT blank in the xlsx
    row = one(ref.hcpcs, hcpcs="J8560")
    assert (row["add_date"], row["effective_date"], row["termination_date"]) == (date(1995, 1, 1), None, None)
