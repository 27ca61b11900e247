"""ADM001-ADM002: drug-administration pairing."""

from __future__ import annotations

from datetime import date

import pytest

from tests.framebuilders import claim, frames, line, one_claim, run
from transforms.rules.admin_pairing import (
    ADD_ON_WITHOUT_PRIMARY,
    CHEMO_ADMIN_WITHOUT_DRUG,
    DRUG_WITHOUT_ADMIN,
)


def cpt(code, n, **kw):
    return line(procedure_code=code, line_number=n, units=1.0, **kw)


# --- ADM001 -------------------------------------------------------------------------------------
def test_adm001_drug_without_administration():
    drug = line(procedure_code="J1745", units=40.0, line_number=1)
    out = run(DRUG_WITHOUT_ADMIN, one_claim(drug))
    assert out.height == 1
    row = out.row(0, named=True)
    assert (row["rule_id"], row["severity"], row["carc"]) == ("ADM001", "error", "CO-16")
    assert row["segment_position"] == drug["sv_position"]
    assert "J1745 on 2025-11-05" in row["message"]


@pytest.mark.parametrize("admin", ["96365", "96372", "96413", "96374"])
def test_adm001_administration_on_same_date_passes(admin):
    f = one_claim(line(procedure_code="J1745", units=40.0, line_number=1), cpt(admin, 2))
    assert run(DRUG_WITHOUT_ADMIN, f).height == 0


def test_adm001_administration_on_other_date_or_claim_does_not_count():
    other_date = one_claim(
        line(procedure_code="J1745", units=40.0, line_number=1),
        cpt("96365", 2, service_date=date(2025, 11, 6)),
    )
    assert run(DRUG_WITHOUT_ADMIN, other_date)["line_number"].to_list() == [1]
    other_claim = frames(
        [claim(claim_index=0), claim(claim_index=1)],
        [line(procedure_code="J1745", claim_index=0), cpt("96365", 1, claim_index=1)],
    )
    assert run(DRUG_WITHOUT_ADMIN, other_claim)["claim_index"].to_list() == [0]


@pytest.mark.parametrize("procedure", ["67028", "20610", "11900"])
def test_adm001_drug_given_within_a_procedure_passes(procedure):
    f = one_claim(line(procedure_code="J9035", units=1.0, line_number=1), cpt(procedure, 2))
    assert run(DRUG_WITHOUT_ADMIN, f).height == 0


def test_adm001_codes_outside_procedure_range_do_not_exempt():
    # 99213 (office visit) and 70450 (imaging, just above 69999) are not procedures that include the drug.
    f = one_claim(line(procedure_code="J1100", units=10.0, line_number=1), cpt("99213", 2), cpt("70450", 3))
    assert run(DRUG_WITHOUT_ADMIN, f).height == 1


def test_adm001_home_infusion_claims_pass():
    assert run(DRUG_WITHOUT_ADMIN, one_claim(line(procedure_code="J1745"), facility_code="12")).height == 0
    per_diem = one_claim(line(procedure_code="J1745", line_number=1), cpt("S9500", 2))
    assert run(DRUG_WITHOUT_ADMIN, per_diem).height == 0


@pytest.mark.parametrize("code", ["J8522", "J7613", "J7050"])
def test_adm001_oral_and_j7_codes_pass(code):
    assert run(DRUG_WITHOUT_ADMIN, one_claim(line(procedure_code=code))).height == 0


def test_adm001_837i_outpatient_fires_esrd_passes():
    drug = line(procedure_code="J1745", units=40.0)
    opd = one_claim(drug, claim_type="837I", bill_type="131", payer_filing_indicator="MA")
    assert run(DRUG_WITHOUT_ADMIN, opd).height == 1
    esrd = one_claim(line(procedure_code="J0882", units=60.0), claim_type="837I", bill_type="721")
    assert run(DRUG_WITHOUT_ADMIN, esrd).height == 0


# --- ADM002 -------------------------------------------------------------------------------------
def test_adm002_add_on_without_its_primary():
    f = one_claim(cpt("96365", 1), cpt("96415", 2))
    out = run(ADD_ON_WITHOUT_PRIMARY, f)
    assert out.height == 1
    row = out.row(0, named=True)
    assert (row["rule_id"], row["line_number"], row["carc"]) == ("ADM002", 2, "CO-B15")
    assert row["expected"] == "96413"
    assert row["actual"] == "96365, 96415"
    assert "+96415" in row["message"] and "96413" in row["message"]


def test_adm002_primary_present_passes():
    assert run(ADD_ON_WITHOUT_PRIMARY, one_claim(cpt("96413", 1), cpt("96415", 2))).height == 0
    assert run(ADD_ON_WITHOUT_PRIMARY, one_claim(cpt("96365", 1), cpt("96366", 2))).height == 0


def test_adm002_names_all_allowed_primaries():
    out = run(ADD_ON_WITHOUT_PRIMARY, one_claim(cpt("96413", 1), cpt("96366", 2)))
    assert out["expected"].to_list() == ["96365 or 96367"]


def test_adm002_primary_on_other_date_does_not_count():
    f = one_claim(cpt("96413", 1, service_date=date(2025, 11, 4)), cpt("96415", 2))
    out = run(ADD_ON_WITHOUT_PRIMARY, f)
    assert out["line_number"].to_list() == [2]
    assert out["actual"].to_list() == ["96415"]


def test_adm002_primary_codes_alone_pass():
    assert run(ADD_ON_WITHOUT_PRIMARY, one_claim(cpt("96372", 1), cpt("96413", 2))).height == 0


@pytest.mark.parametrize("admin", ["90782", "90772", "G0498", "Q0083", "90471"])
def test_adm001_retired_and_hcpcs_administration_codes_count(admin):
    # e.g. a 2005 claim: 99213 + 90782 (IM injection, retired 2006) + J3301.
    f = one_claim(
        line(procedure_code="J3301", units=4.0, line_number=1, service_date=date(2005, 10, 3)),
        cpt(admin, 2, service_date=date(2005, 10, 3)),
    )
    assert run(DRUG_WITHOUT_ADMIN, f).height == 0


def test_adm001_similar_looking_codes_do_not_count():
    # 90700 (a vaccine product) and G0011 are not administration codes.
    f = one_claim(line(procedure_code="J3301", units=4.0, line_number=1), cpt("90700", 2), cpt("G0011", 3))
    assert run(DRUG_WITHOUT_ADMIN, f).height == 1


def test_adm001_names_the_dates_administration_was_billed():
    f = one_claim(
        line(procedure_code="J1745", units=40.0, line_number=1, service_date=date(2025, 11, 5)),
        line(procedure_code="96365", line_number=2, service_date=date(2025, 11, 6)),
    )
    out = run(DRUG_WITHOUT_ADMIN, f)
    assert out.height == 1
    assert "bills administration on 2025-11-06 instead" in out["message"][0]


# --- ADM003 -------------------------------------------------------------------------------------
def test_adm003_chemo_admin_with_only_a_non_chemo_drug():
    admin = line(procedure_code="96413", line_number=1)
    f = one_claim(admin, line(procedure_code="J1100", units=10.0, line_number=2))
    out = run(CHEMO_ADMIN_WITHOUT_DRUG, f)
    assert out.height == 1
    row = out.row(0, named=True)
    assert (row["rule_id"], row["severity"], row["actual"]) == ("ADM003", "warning", "J1100")
    assert row["segment_position"] == admin["sv_position"]


def test_adm003_one_warning_per_claim_and_no_drug_at_all():
    f = one_claim(line(procedure_code="96413", line_number=1), line(procedure_code="96415", line_number=2))
    out = run(CHEMO_ADMIN_WITHOUT_DRUG, f)
    assert out["actual"].to_list() == ["none"]


@pytest.mark.parametrize(
    "drug",
    [
        "J9312",  # rituximab: antineoplastic J9 code
        "J1745",  # infliximab: a monoclonal antibody named "-mab" in the HCPCS long description
    ],
)
def test_adm003_chemo_or_biologic_drug_passes(drug):
    f = one_claim(
        line(procedure_code="96413", line_number=1), line(procedure_code=drug, units=10.0, line_number=2)
    )
    assert run(CHEMO_ADMIN_WITHOUT_DRUG, f).height == 0


def test_adm003_therapeutic_infusion_is_not_judged():
    f = one_claim(
        line(procedure_code="96365", line_number=1), line(procedure_code="J1100", units=10.0, line_number=2)
    )
    assert run(CHEMO_ADMIN_WITHOUT_DRUG, f).height == 0


def test_adm003_port_flush_is_not_chemotherapy_administration():
    # 96523 (irrigation of an implanted venous access device) sits in the CPT chemotherapy section
    # (admin_codes family chemotherapy); the shipped table is used so that it is there.
    from reference_data.load import load_reference

    shipped = load_reference()
    f = one_claim(
        line(procedure_code="96523", line_number=1), line(procedure_code="J1642", units=5.0, line_number=2)
    )
    assert run(CHEMO_ADMIN_WITHOUT_DRUG, f, shipped).height == 0
    chemo = one_claim(
        line(procedure_code="96413", line_number=1), line(procedure_code="J1642", units=5.0, line_number=2)
    )
    assert run(CHEMO_ADMIN_WITHOUT_DRUG, chemo, shipped).height == 1


def test_adm001_a_blood_draw_is_not_a_procedure_that_gives_the_drug():
    f = one_claim(
        line(procedure_code="J1745", units=40.0, line_number=1), line(procedure_code="36415", line_number=2)
    )
    assert run(DRUG_WITHOUT_ADMIN, f)["line_number"].to_list() == [1]
