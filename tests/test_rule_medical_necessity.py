"""MNC001: drug-diagnosis coverage, with the shipped drug_coverage.toml.

Infliximab (J1745) is labelled for Crohn's disease (K50), ulcerative colitis (K51), rheumatoid
arthritis (M05-M06), ankylosing spondylitis (M45), psoriatic arthritis (L40.5) and plaque
psoriasis (L40.0); J06.9 (acute upper respiratory infection) is none of them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reference_data.coverage import CoverageError, load_coverage
from tests.framebuilders import PAYER_ROWS, line, one_claim, reference, run
from transforms.rules.medical_necessity import DIAGNOSIS_NOT_COVERED

SHIPPED = load_coverage(profiles=[r["profile"] for r in PAYER_ROWS])
REF = reference(drug_coverage=SHIPPED.to_dicts())


def infliximab(pointers, **claim):
    return one_claim(line(procedure_code="J1745", units=40.0, diagnosis_pointers=pointers), **claim)


def test_covered_diagnosis_passes():
    assert run(DIAGNOSIS_NOT_COVERED, infliximab([1], diagnoses=["K5090"]), REF).height == 0
    # one covered diagnosis among those pointed at is enough
    assert run(DIAGNOSIS_NOT_COVERED, infliximab([1, 2], diagnoses=["J069", "K50.90"]), REF).height == 0


def test_uncovered_diagnosis_names_the_nearest_covered_range():
    out = run(DIAGNOSIS_NOT_COVERED, infliximab([1], diagnoses=["J069", "K5090"]), REF)
    assert out.height == 1
    row = out.row(0, named=True)
    assert (row["rule_id"], row["severity"], row["carc"]) == ("MNC001", "warning", "CO-50")
    assert row["actual"] == "J069"  # K5090 is on the claim but the line does not point at it
    assert "infliximab (Remicade)" in row["message"]


def test_nearest_range_shares_the_longest_prefix():
    # M0800 (juvenile RA) shares "M0" with M05-M06 and nothing with the K, L ranges
    out = run(DIAGNOSIS_NOT_COVERED, infliximab([1], diagnoses=["M0800"]), REF)
    assert out["expected"].to_list() == ["a diagnosis in M05-M06"]


def test_837i_lines_use_every_claim_diagnosis():
    f = one_claim(
        line(procedure_code="J1745", units=40.0, revenue_code="0636", diagnosis_pointers=[]),
        claim_type="837I",
        bill_type="131",
        diagnoses=["J069", "M069"],
    )
    assert run(DIAGNOSIS_NOT_COVERED, f, REF).height == 0


def test_codes_without_an_entry_are_not_checked():
    f = one_claim(line(procedure_code="J0696", units=4.0, diagnosis_pointers=[1]), diagnoses=["J069"])
    assert run(DIAGNOSIS_NOT_COVERED, f, REF).height == 0


def test_a_payer_profiles_own_list_replaces_the_default(tmp_path: Path):
    policy = tmp_path / "coverage.toml"
    policy.write_text(
        '[[drug]]\nhcpcs = "J1745"\nname = "infliximab"\n'
        'covered = [{ codes = "K50", indication = "Crohn", source = "default" }]\n'
        '[[drug]]\nhcpcs = "J1745"\nname = "infliximab"\nprofiles = ["commercial"]\n'
        'covered = [{ codes = "K51", indication = "UC only", source = "plan policy" }]\n'
    )
    ref = reference(drug_coverage=load_coverage(policy, profiles=["commercial", "medicaid"]).to_dicts())
    crohn = dict(diagnoses=["K5090"])
    assert run(DIAGNOSIS_NOT_COVERED, infliximab([1], payer_filing_indicator="MB", **crohn), ref).height == 0
    out = run(DIAGNOSIS_NOT_COVERED, infliximab([1], payer_filing_indicator="CI", **crohn), ref)
    assert out["expected"].to_list() == ["a diagnosis in K51"]


@pytest.mark.parametrize(
    "body,says",
    [
        (
            '[[drug]]\nhcpcs = "J1745"\nname = "x"\n'
            'covered = [{ codes = "K50-K4", indication = "", source = "" }]\n',
            "not an ICD-10-CM code, prefix or range",
        ),
        (
            '[[drug]]\nhcpcs = "J1745"\nname = "x"\nprofiles = ["nope"]\n'
            'covered = [{ codes = "K50", indication = "", source = "" }]\n',
            "unknown payer profile 'nope'",
        ),
        ('[[drug]]\nhcpcs = "J1745"\nname = "x"\ncovered = []\n', "empty"),
    ],
)
def test_invalid_coverage_files_are_refused_with_the_key(tmp_path: Path, body, says):
    bad = tmp_path / "bad.toml"
    bad.write_text(body)
    with pytest.raises(CoverageError, match=says):
        load_coverage(bad, profiles=["commercial"])


def test_pointer_zero_points_at_nothing():
    # SV107 pointer 0 must not read the last diagnosis (K5090, covered) from the end of the list
    out = run(DIAGNOSIS_NOT_COVERED, infliximab([0], diagnoses=["Z0000", "K5090"]), REF)
    assert out["actual"].to_list() == ["none"]


@pytest.mark.parametrize(
    "code,dx,covered",
    [
        ("J9271", "D090", True),  # Keytruda: BCG-unresponsive bladder carcinoma in situ (PI 1.9)
        ("J9312", "C8440", False),  # rituximab: C84 is mature T/NK-cell lymphoma, not B-cell
        ("J9312", "C8330", True),  # rituximab: diffuse large B-cell lymphoma
        ("J9035", "C7B8", True),  # bevacizumab: secondary neuroendocrine tumor (metastatic site)
        ("J1745", "M45A0", False),  # infliximab: non-radiographic axial spondyloarthritis is not labelled
        ("J1745", "M459", True),  # infliximab: ankylosing spondylitis
    ],
)
def test_shipped_ranges_follow_the_labels(code, dx, covered):
    f = one_claim(line(procedure_code=code, units=10.0, diagnosis_pointers=[1]), diagnoses=[dx])
    assert (run(DIAGNOSIS_NOT_COVERED, f, REF).height == 0) is covered


def test_a_reference_folder_copy_uses_its_own_policy_files(tmp_path: Path, capsys):
    import shutil

    from flows.cli import main
    from reference_data.load import PACKAGE_DIR, load_reference

    copy = tmp_path / "ref"
    copy.mkdir()
    for path in PACKAGE_DIR.iterdir():
        if path.suffix in (".parquet", ".json", ".toml"):
            shutil.copy(path, copy / path.name)
    (copy / "drug_coverage.toml").write_text(
        '[[drug]]\nhcpcs = "J1745"\nname = "infliximab"\n'
        'covered = [{ codes = "K51", indication = "UC only", source = "plan" }]\n'
    )
    ref = load_reference(copy)
    assert ref.drug_coverage["codes"].to_list() == ["K51"]
    assert ref.version["policies"]["drug_coverage.toml"]["path"] == str(copy / "drug_coverage.toml")
    # a mistake in the copy stops the run before it starts, with one line naming file and key
    (copy / "drug_coverage.toml").write_text('[[drug]]\nhcpcs = "J1745"\nnme = "x"\n')
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    assert main(["run", str(inbox), "--out", str(tmp_path / "out"), "--reference", str(copy)]) == 2
    err = capsys.readouterr().err
    assert f"{copy / 'drug_coverage.toml'}: drug[0].nme: unknown key" in err
    assert not (tmp_path / "out").exists()
