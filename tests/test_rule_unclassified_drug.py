"""UNC001-UNC003: not-otherwise-classified drug codes (J3490 and the like)."""

from __future__ import annotations

from tests.framebuilders import line, one_claim, run
from transforms.rules.unclassified_drug import NOC_WITH_CODED_NDC, NOC_WITHOUT_DESCRIPTION, NOC_WITHOUT_NDC

HEP_LOCK = "00338004938"  # the implementation guide's home-infusion J3490 NDC; not in the crosswalk
REMICADE = "57894003001"  # crosswalked to J1745 (infliximab, 10 mg)


def noc(**kw):
    row = {"procedure_code": "J3490", "units": 7.0, "ndc": HEP_LOCK, "ndc_quantity": 7.0, "ndc_unit": "UN"}
    row.update(kw)
    return line(**row)


# --- UNC001 -------------------------------------------------------------------------------------
def test_unc001_no_description_anywhere():
    ln = noc()
    out = run(NOC_WITHOUT_DESCRIPTION, one_claim(ln))
    assert out.height == 1
    row = out.row(0, named=True)
    assert (row["rule_id"], row["severity"], row["actual"]) == ("UNC001", "error", "none")
    assert row["segment_position"] == ln["sv_position"]
    assert "SV101-7" in row["message"]


def test_unc001_description_or_note_passes():
    assert run(NOC_WITHOUT_DESCRIPTION, one_claim(noc(description="Hep Lock see NDC#"))).height == 0
    assert run(NOC_WITHOUT_DESCRIPTION, one_claim(noc(note="Heparin lock flush 100 u/mL"))).height == 0


def test_unc001_blank_description_is_missing_and_coded_drugs_are_not_judged():
    assert run(NOC_WITHOUT_DESCRIPTION, one_claim(noc(description="   "))).height == 1
    assert run(NOC_WITHOUT_DESCRIPTION, one_claim(line(procedure_code="J1745"))).height == 0


# --- UNC002 -------------------------------------------------------------------------------------
def test_unc002_noc_without_ndc():
    ln = line(procedure_code="J3490", description="Hep Lock")
    out = run(NOC_WITHOUT_NDC, one_claim(ln))
    assert out["rule_id"].to_list() == ["UNC002"]
    assert out["expected"][0] == "LIN*N4 NDC and CTP quantity"


def test_unc002_with_ndc_or_coded_drug_passes():
    assert run(NOC_WITHOUT_NDC, one_claim(noc(description="Hep Lock"))).height == 0
    assert run(NOC_WITHOUT_NDC, one_claim(line(procedure_code="J1745"))).height == 0


# --- UNC003 -------------------------------------------------------------------------------------
def test_unc003_ndc_has_its_own_code():
    ln = noc(ndc=REMICADE, description="infliximab 400 mg")
    out = run(NOC_WITH_CODED_NDC, one_claim(ln))
    assert out.height == 1
    row = out.row(0, named=True)
    assert (row["rule_id"], row["expected"], row["actual"]) == ("UNC003", "J1745", "J3490")
    assert "Remicade" in row["message"] and "bill J1745" in row["message"]


def test_unc003_hyphenated_ndc_is_normalized():
    out = run(NOC_WITH_CODED_NDC, one_claim(noc(ndc="57894-0030-01")))
    assert out["expected"].to_list() == ["J1745"]


def test_unc003_ndc_without_a_code_passes():
    assert run(NOC_WITH_CODED_NDC, one_claim(noc(description="Hep Lock"))).height == 0
