"""The daily flow end to end, under a temporary local Prefect API: outputs and their contract."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from edi.compose import Claim, Line, compose_837
from edi.parse import parse_source
from edi.source import read_source
from flows.daily import daily_scrub
from flows.scrub_file import CLAIM_OUTPUT_SCHEMA, EXCEPTION_COLUMNS

pytestmark = pytest.mark.usefixtures("prefect_harness")

BEVACIZUMAB = "50242006001"  # J9035: 4 mL per vial, 10 billing units per vial (CMS crosswalk)


def _inbox(tmp_path: Path) -> Path:
    inbox = tmp_path / "inbox"
    (inbox / "practice-a").mkdir(parents=True)
    good = Claim(
        "GOOD-1",
        [
            Line("J9035", 1040, 16, ("JZ",), ndc=BEVACIZUMAB, ndc_quantity=6.24, ndc_unit="ML"),
            Line("96413", 280, 1),
        ],
    )
    # field scenario 2, wrong: the JW line bills 5 units where 1.76 mL is 4.4 -> 4
    bad = Claim(
        "BAD-1",
        [
            Line("J9035", 1040, 16, ndc=BEVACIZUMAB, ndc_quantity=6.24, ndc_unit="ML"),
            Line("J9035", 325, 5, ("JW",), ndc=BEVACIZUMAB, ndc_quantity=1.76, ndc_unit="ML"),
            Line("96413", 280, 1),
        ],
    )
    (inbox / "practice-a" / "batch1.837").write_text(compose_837([good, bad], control=11))
    (inbox / "clean.837").write_text(compose_837([good], control=12))
    (inbox / "notes.txt").write_text("not a claim file\n")
    cut = compose_837([Claim("CUT-1", [Line("96372", 25, 1)])], control=13)
    (inbox / "cut.837").write_text(cut[: cut.index("GE*")])
    return inbox


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("flow")
    out = tmp / "out"
    manifest = daily_scrub(inbox=_inbox(tmp), out=out, run_id="test-run")
    return out, manifest


def test_every_claim_lands_in_exactly_one_place(run):
    out, manifest = run
    claims = pl.read_parquet(out / "claims" / "**" / "*.parquet")
    assert claims.columns == list(CLAIM_OUTPUT_SCHEMA)
    quarantined = claims.filter(pl.col("disposition") == "quarantined")
    assert quarantined["claim_id"].to_list() == ["CUT-1"]  # from the truncated file
    # with the control numbers of the envelope it was found in (ISA13 000000013, GS06 13, ST02 0013)
    assert quarantined.select("interchange_control", "group_control", "transaction_control").row(0) == (
        "000000013",
        "13",
        "0013",
    )
    claims = claims.filter(pl.col("disposition") != "quarantined")
    assert sorted(claims["claim_id"].to_list()) == ["BAD-1", "GOOD-1", "GOOD-1"]
    by_file = {(r["source_file"], r["claim_id"]): r["disposition"] for r in claims.iter_rows(named=True)}
    assert by_file == {
        ("practice-a/batch1.837", "GOOD-1"): "accepted",
        ("practice-a/batch1.837", "BAD-1"): "rejected",
        ("clean.837", "GOOD-1"): "accepted",
    }
    scrubbed = parse_source(read_source(out / "scrubbed" / "practice-a" / "batch1.837"))
    rejected = parse_source(read_source(out / "rejected" / "practice-a" / "batch1.837"))
    assert scrubbed.claims["claim_id"].to_list() == ["GOOD-1"]
    assert rejected.claims["claim_id"].to_list() == ["BAD-1"]
    assert scrubbed.errors.height == 0 and rejected.errors.height == 0
    assert not (out / "rejected" / "clean.837").exists()  # no rejected claim, no file
    assert manifest["totals"]["claims"] == 3
    assert (manifest["totals"]["accepted"], manifest["totals"]["rejected"]) == (2, 1)


def test_claims_and_findings_carry_the_expected_allowed_amount(run):
    # J9035 2025Q4 payment limit 73.201 per 10 mg (CMS ASP Oct 2025): 16 units -> 1171.216 -> 1171.22;
    # the 96413 administration line is not a drug and is not priced here.
    out, manifest = run
    claims = pl.read_parquet(out / "claims" / "**" / "*.parquet")
    good = claims.filter(pl.col("claim_id") == "GOOD-1")["expected_allowed"].to_list()
    assert good == [1171.22, 1171.22]
    assert manifest["totals"]["expected_allowed"]["accepted"] == 2342.44
    assert "$2,342.44 on accepted claims" in (out / "summary.md").read_text()
    exceptions = pl.read_parquet(out / "exceptions" / "**" / "*.parquet")
    jz = exceptions.filter((pl.col("rule_id") == "JWZ008") & (pl.col("claim_id") == "GOOD-1"))
    assert jz["expected_allowed"].to_list() == [1171.22, 1171.22]


def test_exception_report_names_the_claim_and_the_right_units(run):
    out, _ = run
    exceptions = pl.read_parquet(out / "exceptions" / "**" / "*.parquet")
    assert exceptions.columns == EXCEPTION_COLUMNS
    units = exceptions.filter(pl.col("rule_id") == "UNT001")
    assert units.height == 1
    row = units.row(0, named=True)
    assert (row["claim_id"], row["line_number"], row["expected"], row["actual"]) == ("BAD-1", 2, "4", "5")
    assert (row["category"], row["severity"], row["run_id"]) == ("units", "error", "test-run")
    assert row["interchange_control"] == "000000011" and row["transaction_control"] == "0011"


def test_bad_file_is_quarantined_with_a_reason_and_the_batch_goes_on(run):
    out, manifest = run
    reason = (out / "quarantine" / "notes.txt.reason.txt").read_text()
    assert "must start with ISA" in reason
    assert (out / "quarantine" / "notes.txt").read_text() == "not a claim file\n"
    statuses = {f["source_file"]: f["status"] for f in manifest["inputs"]}
    assert statuses == {
        "clean.837": "processed",
        "cut.837": "quarantined",
        "notes.txt": "quarantined",
        "practice-a/batch1.837": "processed",
    }


def test_outputs_of_an_earlier_run_are_never_mixed_with_a_new_one(run, tmp_path):
    from flows.scrub_file import OutputInUse

    out, _ = run
    with pytest.raises(OutputInUse, match="already holds an earlier run's outputs"):
        daily_scrub(inbox=_inbox(tmp_path), out=out, run_id="second")
    # the first run's files are untouched
    assert json.loads((out / "manifest.json").read_text())["run_id"] == "test-run"


def test_manifest_summary_and_report(run):
    out, manifest = run
    saved = json.loads((out / "manifest.json").read_text())
    assert saved["run_id"] == "test-run"
    assert all(len(f["sha256"]) == 64 for f in saved["inputs"])
    assert "asp_pricing" in json.dumps(saved["reference_data"])
    summary = (out / "summary.md").read_text()
    assert "Claims: 3 (2 accepted, 1 rejected), plus 1 in quarantined files" in summary
    assert "UNT001" in summary
    html = (out / "report.html").read_text()
    assert html.startswith("<!doctype html>") and "<script" not in html and "UNT001" in html


def test_reference_refresh_flow_rebuilds_the_shipped_tables(tmp_path):
    from flows.reference_refresh import reference_refresh
    from reference_data.build import PACKAGE_DIR
    from tests.paths import SHARED

    if not (SHARED / "refdata").is_dir():
        pytest.skip(f"raw CMS files not found at {SHARED / 'refdata'}")
    version = reference_refresh(refdata=SHARED / "refdata", into=tmp_path)
    shipped = json.loads((PACKAGE_DIR / "version.json").read_text())
    assert version["content_hash"] == shipped["content_hash"]
    assert sorted(p.name for p in tmp_path.glob("*.parquet")) == sorted(
        p.name for p in PACKAGE_DIR.glob("*.parquet")
    )


def test_a_file_whose_task_keeps_failing_is_quarantined_with_its_claims(tmp_path, monkeypatch):
    import flows.daily

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "good.837").write_text(compose_837([Claim("G-1", [Line("96372", 25, 1)])], control=21))
    (inbox / "boom.837").write_text(
        compose_837([Claim("B-1", [Line("96372", 25, 1)]), Claim("B-2", [Line("96372", 25, 1)])], control=22)
    )
    real = flows.daily.scrub_file

    def flaky(path, name, out, run_id, ref, *rest):
        if name == "boom.837":
            raise RuntimeError("member SMITH JOHN broke the parser")  # text that must not be published
        return real(path, name, out, run_id, ref, *rest)

    monkeypatch.setattr(flows.daily, "scrub_file", flaky)
    out = tmp_path / "out"
    manifest = daily_scrub(inbox=inbox, out=out, run_id="fail-run")
    claims = pl.read_parquet(out / "claims" / "**" / "*.parquet").sort("claim_id")
    assert claims.select("claim_id", "disposition").rows() == [
        ("B-1", "quarantined"),
        ("B-2", "quarantined"),
        ("G-1", "accepted"),
    ]
    assert manifest["totals"]["quarantined_claims"] == 2
    reason = (out / "quarantine" / "boom.837.reason.txt").read_text()
    assert "RuntimeError" in reason and "SMITH" not in reason
    assert "SMITH" not in (out / "summary.md").read_text() + (out / "manifest.json").read_text()
