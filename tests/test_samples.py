"""The shipped sample inbox: what the generator makes, and each claim gets the findings it was built for."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from edi.parse import parse_source
from edi.source import QuarantineError, read_source
from flows.samples import sample_files
from flows.scrub_file import check_file
from reference_data.load import load_reference

INBOX = Path(__file__).resolve().parents[1] / "samples" / "inbox"

# What each sample claim was built to show (flows/samples.py), worked by hand from the rules.
EXPECTED = {
    "ONC-1001": set(),  # J9035 x16 (6.24 mL) + JW x4 (1.76 mL) = two 4 mL vials; 96413 + 96415
    "ONC-1002": {"UNT001"},  # JW x5 where 1.76 mL is 4.4 units -> 4
    "ONC-1003": set(),  # J1745-JZ x40 = 4 vials x 10 units; 96365 + 96366
    "ONC-1004": {"JWZ001"},  # Medicare Part B, single-dose drug, no JW/JZ
    "ONC-1005": {"UNT001"},  # ceftriaxone counted in grams: 2 vials x 4 units = 8, billed 2
    "ONC-1006": {"ADM001"},  # ondansetron with no administration code (multi-dose NDC: no JW/JZ)
    "ONC-1007": {"NDC004"},  # Remicade's NDC on a bevacizumab line
    "ONC-1008": {"FIX001"},  # J9312-JZ 100 mg = 10 units; NDC 50242-051-21 sent as 50242005121
    "HOP-2001": {"PAY001"},  # J2405 on 837I is packaged (OPPS SI N): an info note, no JW/JZ
    "HOP-2002": {"JWZ001"},  # J9312 on 837I is separately paid (SI K): JW/JZ needed
    "HOP-2003": set(),
    "MCD-3001": {"NDC002"},  # NDC sent as 005-170-03125
    "MCD-3002": {"NDC006"},  # Medicaid needs the NDC of every drug line: J3420 sent without one
}


def test_shipped_samples_are_what_the_generator_makes():
    shipped = {p.name: p.read_text() for p in INBOX.iterdir()}
    assert shipped == sample_files()


def test_each_sample_claim_gets_exactly_the_findings_it_was_built_for():
    ref = load_reference()
    seen = {}
    for path in sorted(INBOX.iterdir()):
        try:
            parsed = parse_source(read_source(path), fixes=ref.fixes)
        except QuarantineError:
            continue
        findings, _ = check_file(parsed, ref)
        assert findings.filter(pl.col("category") == "syntax").height == 0, path.name
        for claim_id in parsed.claims["claim_id"]:
            seen[claim_id] = set(findings.filter(pl.col("claim_id") == claim_id)["rule_id"])
    assert seen == EXPECTED


@pytest.mark.parametrize(
    ("name", "reason"),
    [("truncated_upload_837p.x12", "without its IEA"), ("README-from-practice.txt", "must start with ISA")],
)
def test_broken_samples_are_quarantined(name, reason):
    with pytest.raises(QuarantineError, match=reason):
        parse_source(read_source(INBOX / name))
