"""Payer policy (payer_policy.toml) and curated admin codes (admin_codes.toml): defaults and validation."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from reference_data.admin import AdminCodesError, load_admin_codes
from reference_data.model import MULTI_DOSE_SCHEMA, PAYER_PROFILE_SCHEMA
from reference_data.policy import PAYER_POLICY_TOML, PolicyError, load_policy

VALID_PROFILE = """
[profiles.medicare_part_b]
filing_indicators = ["MB"]
jw_jz_required = true
ndc_required = false
"""


def write(tmp_path: Path, text: str, name: str = "policy.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def profile(frame: pl.DataFrame, indicator: str) -> dict:
    rows = frame.filter(pl.col("filing_indicator") == indicator)
    assert rows.height == 1, indicator
    return rows.row(0, named=True)


@pytest.fixture(scope="module")
def policy():
    return load_policy()


def test_default_policy_schemas(policy):
    profiles, multi_dose = policy
    assert dict(profiles.schema) == PAYER_PROFILE_SCHEMA
    assert dict(multi_dose.schema) == MULTI_DOSE_SCHEMA
    assert profiles["filing_indicator"].is_unique().all()


@pytest.mark.parametrize(
    ("indicator", "name", "jw_jz", "ndc"),
    [
        ("MB", "medicare_part_b", True, False),
        ("MA", "medicare_part_a", True, False),
        ("MC", "medicaid", False, True),
        ("16", "medicare_advantage", False, False),
        ("CI", "commercial", False, False),
        ("BL", "commercial", False, False),
        ("HM", "commercial", False, False),
        ("WC", "other", False, False),
        ("ZZ", "other", False, False),
    ],
)
def test_default_profiles(policy, indicator, name, jw_jz, ndc):
    row = profile(policy[0], indicator)
    assert (row["profile"], row["jw_jz_required"], row["ndc_required"]) == (name, jw_jz, ndc)
    assert row["prior_auth_cost_threshold"] is None


def test_commercial_prior_auth_codes(policy):
    assert profile(policy[0], "CI")["prior_auth_codes"] == ["J0129", "J1745", "J9035", "J9271", "J9312"]
    assert profile(policy[0], "MB")["prior_auth_codes"] == []
    assert profile(policy[0], "12")["prior_auth_codes"] == []


def test_default_multi_dose_has_ondansetron_vial(policy):
    row = policy[1].filter(pl.col("ndc11") == "00409475901").row(0, named=True)
    assert row["hcpcs"] is None
    assert "J2405" in row["note"]


def test_default_path_is_the_shipped_file():
    assert load_policy(PAYER_POLICY_TOML)[0].equals(load_policy()[0])


def test_threshold_and_hcpcs_multi_dose_entry(tmp_path):
    text = (
        VALID_PROFILE
        + "prior_auth_cost_threshold = 5000\n"
        + '[[multi_dose]]\nhcpcs = "J1100"\nnote = "example"\n'
        + '[[multi_dose]]\nndc = "50242-060-01"\nnote = "5-3-2 layout"\n'
    )
    profiles, multi_dose = load_policy(write(tmp_path, text))
    assert profile(profiles, "MB")["prior_auth_cost_threshold"] == 5000.0
    assert multi_dose.rows() == [("J1100", None, "example"), (None, "50242006001", "5-3-2 layout")]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (VALID_PROFILE + "jw_jz_requird = true\n", "profiles.medicare_part_b.jw_jz_requird"),
        (VALID_PROFILE + "[payers]\n", "payers"),
        (
            VALID_PROFILE + '[[multi_dose]]\nndc = "00409-4759-01"\nnote = "x"\nsize = 2\n',
            "multi_dose[0].size",
        ),
    ],
)
def test_unknown_key_names_the_key(tmp_path, text, key):
    path = write(tmp_path, text)
    with pytest.raises(PolicyError, match="unknown key") as info:
        load_policy(path)
    assert info.value.key == key
    assert str(path) in str(info.value) and key in str(info.value)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (VALID_PROFILE.replace("= true", '= "yes"'), "profiles.medicare_part_b.jw_jz_required"),
        (VALID_PROFILE.replace('["MB"]', '"MB"'), "profiles.medicare_part_b.filing_indicators"),
        (VALID_PROFILE.replace('["MB"]', '["MB", 16]'), "profiles.medicare_part_b.filing_indicators[1]"),
        (
            VALID_PROFILE + 'prior_auth_cost_threshold = "high"\n',
            "profiles.medicare_part_b.prior_auth_cost_threshold",
        ),
        (
            VALID_PROFILE + "prior_auth_cost_threshold = true\n",
            "profiles.medicare_part_b.prior_auth_cost_threshold",
        ),
        (VALID_PROFILE + 'prior_auth_codes = ["J90"]\n', "profiles.medicare_part_b.prior_auth_codes[0]"),
        (VALID_PROFILE.replace("ndc_required = false\n", ""), "profiles.medicare_part_b.ndc_required"),
        (VALID_PROFILE.replace('["MB"]', '["MEDICARE"]'), "profiles.medicare_part_b.filing_indicators[0]"),
    ],
)
def test_wrong_values_name_the_key(tmp_path, text, key):
    with pytest.raises(PolicyError) as info:
        load_policy(write(tmp_path, text))
    assert info.value.key == key


@pytest.mark.parametrize(
    ("entry", "key"),
    [
        ('ndc = "005-170-03125"\nnote = "x"', "multi_dose[0].ndc"),
        ('ndc = "0051703125"\nnote = "x"', "multi_dose[0].ndc"),
        ('note = "neither"', "multi_dose[0]"),
        ('ndc = "00409-4759-01"\nhcpcs = "J2405"\nnote = "both"', "multi_dose[0]"),
        ('ndc = "00409-4759-01"', "multi_dose[0].note"),
    ],
)
def test_bad_multi_dose_entries(tmp_path, entry, key):
    with pytest.raises(PolicyError) as info:
        load_policy(write(tmp_path, VALID_PROFILE + "[[multi_dose]]\n" + entry + "\n"))
    assert info.value.key == key


def test_indicator_in_two_profiles(tmp_path):
    text = (
        VALID_PROFILE
        + '[profiles.other]\nfiling_indicators = ["MB"]\njw_jz_required = false\nndc_required = false\n'
    )
    with pytest.raises(PolicyError, match="'MB' is in more than one profile"):
        load_policy(write(tmp_path, text))


def test_malformed_toml_and_missing_file(tmp_path):
    with pytest.raises(PolicyError, match="invalid TOML"):
        load_policy(write(tmp_path, "[profiles.x\n"))
    with pytest.raises(PolicyError, match="file not found"):
        load_policy(tmp_path / "absent.toml")


# ---------------------------------------------------------------------------- admin_codes.toml


def test_admin_codes_toml_families():
    admin = load_admin_codes()
    families = dict(admin.group_by("family").agg(pl.col("code").sort()).iter_rows())
    assert families["hydration"] == ["96360", "96361"]
    assert families["push"] == ["96374", "96375", "96376"]
    assert families["injection"] == ["96372", "96373", "96377", "96379"]
    assert families["infusion"] == ["96365", "96366", "96367", "96368", "96369", "96370", "96371"]
    add_ons = admin.filter(pl.col("kind") == "add_on")["code"].to_list()
    assert add_ons == ["96361", "96366", "96367", "96368", "96370", "96371", "96375", "96376", "96411"] + [
        "96415",
        "96417",
        "96423",
    ]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[hydration]\n96360 = { kind = "primary", descriptor = "text" }\n', "hydration.96360.descriptor"),
        ('[hydratio]\n96360 = { kind = "primary" }\n', "hydratio"),
        ('[hydration]\n96360 = { kind = "main" }\n', "hydration.96360.kind"),
        ('[hydration]\n96361 = { kind = "add_on" }\n', "hydration.96361.primaries"),
        ('[hydration]\n96361 = { kind = "add_on", primaries = ["96365"] }\n', "hydration.96361.primaries"),
        ('[hydration]\n9636 = { kind = "primary" }\n', "hydration.9636"),
    ],
)
def test_admin_codes_validation(tmp_path, text, key):
    with pytest.raises(AdminCodesError) as info:
        load_admin_codes(write(tmp_path, text, "admin_codes.toml"))
    assert info.value.key == key
