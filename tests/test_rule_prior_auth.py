"""PAU001: prior authorization number (REF*G1) where the payer profile needs one."""

from __future__ import annotations

from tests.framebuilders import PAYER_ROWS, line, one_claim, reference, run
from transforms.rules.prior_auth import MISSING_PRIOR_AUTH

COMMERCIAL = {
    "filing_indicator": "CI",
    "profile": "commercial",
    "jw_jz_required": False,
    "ndc_required": False,
    "prior_auth_codes": ["J9312"],
    "prior_auth_cost_threshold": 5000.0,
}
REF = reference(payer_profiles=[r for r in PAYER_ROWS if r["filing_indicator"] != "CI"] + [COMMERCIAL])


def test_listed_code_without_authorization():
    ln = line(procedure_code="J9312", units=10.0, charge=900.0)
    out = run(MISSING_PRIOR_AUTH, one_claim(ln, payer_filing_indicator="CI"), REF)
    assert out.height == 1
    row = out.row(0, named=True)
    assert (row["rule_id"], row["severity"], row["carc"]) == ("PAU001", "error", "CO-197")
    assert row["segment_position"] == ln["sv_position"]
    assert "commercial payer policy lists J9312" in row["message"]


def test_authorization_at_claim_or_line_level_passes():
    ln = line(procedure_code="J9312", units=10.0)
    at_claim = one_claim(ln, payer_filing_indicator="CI", prior_auth="AUTH123")
    at_line = one_claim({**ln, "line_prior_auth": "AUTH123"}, payer_filing_indicator="CI")
    assert run(MISSING_PRIOR_AUTH, at_claim, REF).height == 0
    assert run(MISSING_PRIOR_AUTH, at_line, REF).height == 0


def test_blank_authorization_is_missing():
    f = one_claim(line(procedure_code="J9312", units=10.0), payer_filing_indicator="CI", prior_auth="  ")
    assert run(MISSING_PRIOR_AUTH, f, REF).height == 1


def test_cost_threshold():
    # J1745 is not listed; the profile's threshold is 5000.00 per line.
    costly = one_claim(line(procedure_code="J1745", units=40.0, charge=6000.0), payer_filing_indicator="CI")
    out = run(MISSING_PRIOR_AUTH, costly, REF)
    assert out.height == 1
    assert "charged 5000 or more (this line: 6000)" in out["message"][0]
    cheaper = one_claim(line(procedure_code="J1745", units=40.0, charge=4999.99), payer_filing_indicator="CI")
    assert run(MISSING_PRIOR_AUTH, cheaper, REF).height == 0


def test_payer_without_the_requirement_passes():
    f = one_claim(line(procedure_code="J9312", units=10.0, charge=9000.0), payer_filing_indicator="MB")
    assert run(MISSING_PRIOR_AUTH, f, REF).height == 0
