"""PAY001: drugs packaged under OPPS (Addendum B status indicator N) on 837I outpatient claims.

Status indicators from OPPS Addendum B, January 2026: J2405 N (packaged), J9312 K (paid separately).
"""

from __future__ import annotations

import pytest

from tests.framebuilders import line, one_claim, run
from transforms.rules.payment import PACKAGED_DRUG
from transforms.rules.waste_modifier import MISSING_JW_JZ

OUTPATIENT = {"claim_type": "837I", "bill_type": "131", "payer_filing_indicator": "MA"}


def test_packaged_drug_on_outpatient_claim_gets_an_info_note_and_no_jw_jz_demand():
    ondansetron = line(procedure_code="J2405", units=8.0, revenue_code="0636", line_number=1)
    rituximab = line(procedure_code="J9312", units=10.0, revenue_code="0636", line_number=2, charge=900.0)
    f = one_claim(ondansetron, rituximab, **OUTPATIENT)
    out = run(PACKAGED_DRUG, f)
    assert out.height == 1
    row = out.row(0, named=True)
    assert (row["rule_id"], row["severity"], row["carc"]) == ("PAY001", "info", "CO-97")
    assert (row["line_number"], row["expected"], row["actual"]) == (1, "packaged (SI N)", "N")
    # JW/JZ: demanded on the separately paid rituximab (SI K) only
    assert run(MISSING_JW_JZ, f)["line_number"].to_list() == [2]


@pytest.mark.parametrize(
    "overrides",
    [
        {"claim_type": "837P"},  # professional claims are not paid under OPPS
        {"claim_type": "837I", "bill_type": "851"},  # critical access hospital: paid at cost
    ],
)
def test_not_noted_outside_opps(overrides):
    f = one_claim(line(procedure_code="J2405", units=8.0, revenue_code="0636"), **overrides)
    assert run(PACKAGED_DRUG, f).height == 0
