"""The real public 837 corpus (../shared/corpus/837) through the whole pipeline.

Skips with a reason when ../shared is absent. The run happens once per module (about a minute).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from edi.diff import diff_claims
from edi.parse import parse_source
from edi.source import read_source
from flows.daily import daily_scrub
from tests.paths import corpus_or_skip
from transforms.syntax import syntax_findings

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory):
    corpus = corpus_or_skip()
    out = tmp_path_factory.mktemp("corpus") / "out"
    manifest = daily_scrub(inbox=corpus, out=out, run_id="corpus")
    return corpus, out, manifest


def _clm_count(path: Path) -> int:
    """CLM segments counted straight from the text, independently of the parser."""
    source = read_source(path)
    return sum(
        1 for seg in source.text.split(source.seg_term) if seg.strip().startswith("CLM" + source.ele_term)
    )


def test_every_file_is_processed_or_quarantined_with_a_reason(corpus_run):
    corpus, out, manifest = corpus_run
    files = [p for p in corpus.rglob("*") if p.is_file()]
    assert len(manifest["inputs"]) == len(files)
    for entry in manifest["inputs"]:
        if entry["status"] == "quarantined":
            reason = (out / "quarantine" / (entry["source_file"] + ".reason.txt")).read_text().strip()
            assert reason and "\n" not in reason
    quarantined = {f["source_file"] for f in manifest["inputs"] if f["status"] == "quarantined"}
    # 4010 interchanges and 4010 guides inside a 5010 envelope are not processed
    assert "pyx12/simple_837p.txt" in quarantined
    assert "lfh-x12/837_004010X098A1/patient-is-subscriber.837" in quarantined
    # every 5010 837 guide release is processed
    assert "stupidedi/X222A1/commercial-health-insurance.edi" not in quarantined
    assert "lfh-x12/837_005010X223A3/institutional-claim.837i" not in quarantined


def test_claims_dataset_has_one_row_per_clm_of_processed_files(corpus_run):
    corpus, out, manifest = corpus_run
    claims = pl.read_parquet(out / "claims" / "**" / "*.parquet")
    processed = [f["source_file"] for f in manifest["inputs"] if f["status"] == "processed"]
    expected = {name: _clm_count(corpus / name) for name in processed}
    decided = claims.filter(pl.col("disposition") != "quarantined")
    counted = dict(decided.group_by("source_file").len().iter_rows())
    assert {k: v for k, v in expected.items() if v} == counted
    assert set(decided["disposition"]) <= {"accepted", "rejected"}
    # a quarantined file's claims are accounted for too, once each, with disposition quarantined
    quarantined = claims.filter(pl.col("disposition") == "quarantined")
    truncated = "oopfactory-x12parser/837P_5010/ST1309-XX.txt"  # its last segment has no terminator
    assert (
        quarantined.filter(pl.col("source_file") == truncated).height == _clm_count(corpus / truncated) == 1
    )


def test_written_files_are_valid_x12(corpus_run):
    _, out, manifest = corpus_run
    written = 0
    for entry in manifest["inputs"]:
        for kind, relative in entry["outputs"].items():
            if kind == "status":
                continue
            parsed = parse_source(read_source(out / relative))
            written += 1
            if kind in ("scrubbed", "999"):
                assert parsed.errors.height == 0, relative
            else:
                # a rejected claim keeps its own errors; the writer adds none: every claim that
                # still has an error in the written file was rejected for an IG error
                claims = pl.read_parquet(out / "claims" / (entry["source_file"] + ".parquet"))
                exceptions = pl.read_parquet(out / "exceptions" / (entry["source_file"] + ".parquet"))
                syntax_rejected = set(
                    exceptions.filter((pl.col("category") == "syntax") & (pl.col("severity") == "error"))[
                        "claim_id"
                    ]
                )
                still_bad = set(syntax_findings(parsed).filter(pl.col("severity") == "error")["claim_id"])
                assert still_bad <= syntax_rejected, relative
                assert set(parsed.claims["claim_id"]) == set(
                    claims.filter(pl.col("disposition") == "rejected")["claim_id"]
                )
    assert written > 60


def test_every_processed_file_is_written_back_claim_for_claim(corpus_run):
    # Fidelity: scrubbed + rejected hold each input claim exactly once, its segments as received.
    corpus, out, manifest = corpus_run
    checked = 0
    for entry in manifest["inputs"]:
        if entry["status"] != "processed":
            continue
        original = parse_source(read_source(corpus / entry["source_file"]))
        outputs = [
            parse_source(read_source(out / entry["outputs"][kind]))
            for kind in ("scrubbed", "rejected")
            if kind in entry["outputs"]
        ]
        result = diff_claims(original, outputs)
        assert result.faithful, (entry["source_file"], result.report())
        assert len(result.kept) + len(result.fixed) == original.claims.height
        checked += 1
    assert checked == 78


def test_every_written_file_has_control_numbers_of_its_own(corpus_run):
    # ISA13 of every scrubbed, rejected and 999 file written in the run: no two alike
    _, out, manifest = corpus_run
    numbers = [n for entry in manifest["inputs"] for values in entry["controls"].values() for n in values]
    assert len(numbers) > 150 and len(numbers) == len(set(numbers))
    for entry in manifest["inputs"]:
        for kind, values in entry["controls"].items():
            source = read_source(out / entry["outputs"][kind])
            segments = [seg.strip().split(source.ele_term) for seg in source.text.split(source.seg_term)]
            assert [seg[13] for seg in segments if seg[0] == "ISA"] == values


def test_every_input_claim_has_one_status_row(corpus_run):
    _, out, manifest = corpus_run
    for entry in manifest["inputs"]:
        status = pl.read_csv(out / entry["outputs"]["status"], infer_schema=False)
        claims = pl.read_parquet(out / "claims" / (entry["source_file"] + ".parquet"))
        assert status["claim_id"].to_list() == claims["claim_id"].to_list(), entry["source_file"]
        assert status["status"].to_list() == claims["disposition"].to_list()


def _findings(out: Path, name: str) -> pl.DataFrame:
    return pl.read_parquet(out / "exceptions" / f"{name}.parquet").sort("line_number")


def test_office_drug_example_j1550_with_ndc(corpus_run):
    """IG example: J1550 in the office with NDC 00026063512, 10 mL, commercial payer (SBR09 CI),
    date of service 2004-07-11, administered with 90782 (the injection code of that year).
    JW/JZ do not apply (not Medicare); the injection code pairs the drug; the 2004 NDC is not in
    the Oct 2025 CMS crosswalk, which is only a warning; units cannot be derived from mL without
    a crosswalk row; 2004 lies outside the loaded CMS quarters (REF001). So: accepted, with warnings
    NDC003, REF001 and SYN002 (GS08 is X222A2)."""
    _, out, _ = corpus_run
    name = "lfh-x12/837_005010X222A2/demo.drug.example10.1.837"
    findings = _findings(out, name)
    assert sorted(findings["rule_id"].to_list()) == ["NDC003", "REF001", "SYN002"]
    assert set(findings["severity"]) == {"warning"}
    ndc = findings.filter(pl.col("rule_id") == "NDC003").row(0, named=True)
    assert (ndc["line_number"], ndc["actual"]) == (2, "00026063512")
    claims = pl.read_parquet(out / "claims" / f"{name}.parquet")
    assert claims["disposition"].to_list() == ["accepted"]


def test_home_infusion_example_with_j3490_description(corpus_run):
    """IG example: home infusion pharmacy claim (place of service 12): per-diem S9500, J0696
    ceftriaxone, J7051 saline and three J3490 lines whose drug is described in SV101-7, each
    with an NDC. A pharmacy bills no administration code (the nursing visit is billed apart),
    so no ADM001; J3490 is a NOC code, never matched to the crosswalk; the payer is commercial
    (SBR09 CI), so no JW/JZ. The 2000s NDCs of J0696 and J7051 are not in the Oct 2025
    crosswalk, so units cannot be derived and each gets an NDC003 warning; every J-code line is
    dated 2004, outside the loaded CMS quarters (REF001 warning). Accepted."""
    _, out, _ = corpus_run
    name = "lfh-x12/837_005010X222A2/demo.drug.example10.3.837"
    all_findings = _findings(out, name)
    assert all_findings.filter(pl.col("rule_id") == "REF001")["line_number"].to_list() == [2, 3, 4, 5, 6]
    findings = all_findings.filter(~pl.col("rule_id").is_in(["SYN002", "REF001"]))
    assert findings["rule_id"].to_list() == ["NDC003", "NDC003"]
    assert findings["line_number"].to_list() == [2, 3]
    assert findings["actual"].to_list() == ["00004196501", "63323024910"]
    claims = pl.read_parquet(out / "claims" / f"{name}.parquet")
    assert claims["disposition"].to_list() == ["accepted"]


def test_home_infusion_example_billed_with_s_codes_has_no_drug_findings(corpus_run):
    """The X222A1 release of the same example bills S5000/S5001 with NDCs: no J code, no drug rule applies."""
    _, out, _ = corpus_run
    name = "stupidedi/X222A1/home-infusion-therapy-pharmacy-(adjudicated-with-NDC-in-loop-2410).edi"
    assert _findings(out, name).height == 0
    claims = pl.read_parquet(out / "claims" / f"{name}.parquet")
    assert claims["disposition"].to_list() == ["accepted"]
