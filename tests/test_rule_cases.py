"""Every rule's case file, run through the whole path a real claim takes.

tests/cases/<RULE_ID>.toml holds small claim snippets: the service lines (LX loops) of one claim,
as X12 segments. `wrap_case` puts them into a complete 005010X222A1 / X223A2 interchange (header,
billing provider, subscriber, CLM with the snippet's total), pyx12 parses and validates it, and
the rule runs on the frames against the shipped CMS reference tables. Each case lists the exact
findings of that rule (line number, expected, actual); a pass case lists none. The expectations
are worked out by hand from the rule's definition and the CMS rows named in the case's `why`.

Case file format:

    rule = "UNT001"

    [[case]]
    name = "J1745 400 mg billed as 400 units"
    why = "J1745 is per 10 mg (HCPCS Oct 2025): 400 mg -> 40 units"
    claim = { type = "837P", sbr09 = "MB", date = "20251105", pos = "11" }  # all optional
    lines = '''
    LX*1
    SV1*HC:J1745*1250*UN*400***1
    DTP*472*D8*20251105
    LIN**N4*57894003001
    CTP****400*ME
    '''
    expect = [{ line = 1, expected = "40", actual = "400" }]

`claim` keys: type (837P default, or 837I), sbr09 (MB), date (20251105), pos (837P place of
service, 11), bill_type (837I, 131), prior_auth (claim REF*G1), diagnoses (ICD-10-CM codes for HI,
principal first; default ["C3490"]), total (CLM02; default the sum of the SV102/SV203 charges),
segments (raw 2300 segments after HI). A finding without a line (claim
level) is written with line = 0.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import polars as pl
import pytest

from edi.compose import Claim, compose_837
from edi.parse import parse_source
from edi.source import source_from_bytes
from reference_data.load import load_reference
from transforms.catalogue import ALL_RULES, rule_by_id
from transforms.framework import Frames

CASES = Path(__file__).resolve().parent / "cases"
CLAIM_KEYS = {"type", "sbr09", "date", "pos", "bill_type", "prior_auth", "total", "segments", "diagnoses"}


def _case_files() -> list[Path]:
    return sorted(CASES.glob("*.toml"))


def _load(path: Path) -> dict:
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    assert data.get("rule") == path.stem, f"{path.name}: rule = {data.get('rule')!r}, expected {path.stem!r}"
    return data


def _all_cases() -> list:
    params = []
    for path in _case_files():
        data = _load(path)
        for case in data.get("case", []):
            params.append(pytest.param(data["rule"], case, id=f"{data['rule']}: {case['name']}"))
    return params


def _segments(text: str) -> list[str]:
    return [s.strip() for s in text.replace("~", "\n").splitlines() if s.strip()]


def _charges(segments: list[str], kind: str) -> float:
    """The sum of the line charges: SV102 on 837P, SV203 on 837I."""
    index = 2 if kind == "837P" else 3
    return sum(
        float(s.split("*")[index]) for s in segments if s.startswith("SV1*" if kind == "837P" else "SV2*")
    )


def wrap_case(claim: dict, lines: str) -> str:
    """A complete interchange holding one claim whose 2400 loops are `lines`."""
    unknown = set(claim) - CLAIM_KEYS
    assert not unknown, f"unknown claim keys {sorted(unknown)}"
    kind = claim.get("type", "837P")
    segments = _segments(lines)
    total = claim.get("total", _charges(segments, kind))
    header = Claim(
        "CASE1",
        [],
        filing_indicator=claim.get("sbr09", "MB"),
        date=claim.get("date", "20251105"),
        place_of_service=claim.get("pos", "11"),
        bill_type=claim.get("bill_type", "131"),
        prior_auth=claim.get("prior_auth"),
        diagnoses=tuple(claim.get("diagnoses", ["C3490"])),
        total=total,
        extra=[*_segments(claim.get("segments", "")), *segments],
    )
    return compose_837([header], kind)


@pytest.fixture(scope="module")
def shipped_reference():
    return load_reference()


def test_every_rule_has_a_failing_and_a_passing_case():
    by_rule = {path.stem: _load(path).get("case", []) for path in _case_files()}
    missing = []
    for rule in ALL_RULES:
        cases = by_rule.get(rule.rule_id, [])
        if not any(c.get("expect") for c in cases) or not any(not c.get("expect") for c in cases):
            missing.append(rule.rule_id)
    assert not missing, f"rules without both a failing and a passing case: {missing}"


@pytest.mark.parametrize("rule_id,case", _all_cases())
def test_case(rule_id, case, shipped_reference):
    rule = rule_by_id(rule_id)
    text = wrap_case(case.get("claim", {}), case["lines"])
    parsed = parse_source(source_from_bytes(Path(f"{rule_id}.837"), text.encode("latin-1")))
    if not case.get("syntax_errors_expected", False):
        assert parsed.errors.height == 0, f"the snippet is not valid X12: {parsed.errors.to_dicts()}"
    frames = Frames(envelopes=parsed.envelopes, claims=parsed.claims, lines=parsed.lines)
    found = rule.findings(frames, shipped_reference).sort("segment_position")
    got = [
        {"line": row["line_number"] or 0, "expected": row["expected"], "actual": row["actual"]}
        for row in found.select("line_number", "expected", "actual").iter_rows(named=True)
    ]
    want = [
        {"line": e["line"], "expected": e["expected"], "actual": e["actual"]} for e in case.get("expect", [])
    ]
    assert got == want, "\n".join(found["message"].to_list()) or "no findings"
    for part in case.get("message_contains", []):
        assert any(part in m for m in found["message"]), f"no message contains {part!r}"
    assert found["rule_id"].eq(rule_id).all() and found.schema["line_number"] == pl.Int64
