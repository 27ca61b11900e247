"""The rule catalogue as a whole: IDs, docs, empty input, and a clean drug claim with no findings."""

from __future__ import annotations

import polars as pl
import pytest

from tests.framebuilders import frames, line, one_claim, reference
from transforms.catalogue import ALL_RULES, rule_by_id
from transforms.framework import CATEGORIES, FINDING_SCHEMA, run_rules


def test_rule_ids_unique_and_looked_up():
    ids = [r.rule_id for r in ALL_RULES]
    assert len(ids) == len(set(ids))
    for rule in ALL_RULES:
        assert rule_by_id(rule.rule_id) is rule
    with pytest.raises(KeyError, match="UNT001"):
        rule_by_id("NOPE999")


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.rule_id)
def test_rule_metadata_and_doc_style(rule):
    assert rule.category in CATEGORIES
    assert rule.carc.startswith("CO-")
    assert rule.title and rule.title[0].isupper()
    for heading in ("What it does", "Why is this bad", "Example"):
        assert heading in rule.doc


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.rule_id)
def test_rule_runs_on_empty_frames(rule):
    out = rule.findings(frames([], []), reference())
    assert out.height == 0
    assert dict(out.schema) == FINDING_SCHEMA


def test_clean_bevacizumab_claim_has_no_findings():
    # Scenario 2 billed right: J9035 x16 (6.24 mL) + J9035-JW x4 (1.76 mL) with 96413, Medicare Part B.
    # Charges at or above the 2025Q4 payment limit (73.201 per 10 mg: 16 x = 1171.22, 4 x = 292.80),
    # and CLM02 = 400 + 1200 + 300.
    avastin = {"ndc": "50242006001", "ndc_unit": "ML"}
    f = one_claim(
        line(line_number=1, procedure_code="96413", units=1.0, charge=400.0),
        line(line_number=2, procedure_code="J9035", units=16.0, ndc_quantity=6.24, charge=1200.0, **avastin),
        line(
            line_number=3,
            procedure_code="J9035",
            units=4.0,
            modifier_1="JW",
            ndc_quantity=1.76,
            charge=300.0,
            **avastin,
        ),
        total_charge=1900.0,
    )
    out = run_rules(ALL_RULES, f, reference())
    assert out.height == 0, out.select("rule_id", "message").to_dicts()


def test_wrong_bevacizumab_claim_reports_each_problem_once():
    # Same claim with no administration code, waste rounded up and JZ on the administered line.
    avastin = {"ndc": "50242006001", "ndc_unit": "ML"}
    f = one_claim(
        line(
            line_number=1,
            procedure_code="J9035",
            units=16.0,
            modifier_1="JZ",
            ndc_quantity=6.24,
            charge=1200.0,
            **avastin,
        ),
        line(
            line_number=2,
            procedure_code="J9035",
            units=5.0,
            modifier_1="JW",
            ndc_quantity=1.76,
            charge=400.0,
            **avastin,
        ),
        total_charge=1600.0,
    )
    out = run_rules(ALL_RULES, f, reference()).sort("rule_id", "line_number")
    got = out.select("rule_id", "line_number").rows()
    assert got == [("ADM001", 1), ("ADM001", 2), ("JWZ002", 1), ("UNT001", 2)]
    assert (out["claim_id"] == "CLM1").all() and out["fix_applied"].eq(False).all()
    assert out.schema["segment_position"] == pl.Int64
