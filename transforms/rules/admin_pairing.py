"""Drug-administration pairing (category "admin_pairing").

ADM001 drug line without an administration code on the same claim and date
ADM002 add-on administration code without one of its primary codes on the same claim and date
ADM003 chemotherapy administration code with no chemotherapy or biologic drug on the claim
"""

from __future__ import annotations

import polars as pl

from transforms.framework import Frames, Rule
from transforms.rules.drug_lines import CLAIM_KEY, bill_type_prefix, drug_lines, findings, service_date

DATE_KEY = [*CLAIM_KEY, "service_date"]
# 837I bill types whose drugs are given without a separately billed administration code:
# home health (32x, 33x, 34x: the visit is the service) and ESRD (72x: given through the
# dialysis circuit).
NO_ADMIN_BILL_TYPES = ("32", "33", "34", "72")
# Administration codes outside ref.admin_codes (current CPT 96360-96549) that also bill giving a
# drug: retired CPT injection/infusion codes 90760-90799 (to 2008; older files still carry e.g.
# 90782), immunization administration 90460-90461 and 90471-90474, HCPCS G0008-G0010 (vaccine
# administration), G0345-G0363 (2005 drug administration codes), G0498 (chemotherapy infusion
# started in the office with a pump), Q0081 / Q0083-Q0085 (infusion and chemotherapy
# administration). Candidates for the admin_codes reference table.
OTHER_ADMINISTRATION = (
    r"^(907[6-9]\d|9046[01]|9047[1-4]|G000[89]|G0010|G03[45]\d|G036[0-3]|G0498|Q008[1345])$"
)


def _procedure_codes_on_date(frames: Frames) -> pl.DataFrame:
    return frames.lines.filter(pl.col("procedure_code").is_not_null()).select(*DATE_KEY, "procedure_code")


# Blood collection codes inside CPT 10000-69999 give no drug: venipuncture (36415, 36416) and
# blood draws from a venous access device or catheter (36591, 36592).
BLOOD_COLLECTION = ("36415", "36416", "36591", "36592")
# Chemotherapy-section codes that are not drug administration: refilling and maintaining a pump
# or an implanted venous access device (96521, 96522, 96523: a port flush).
DEVICE_MAINTENANCE = ("96521", "96522", "96523")


def check_drug_without_admin(frames: Frames, ref) -> pl.DataFrame:
    codes = _procedure_codes_on_date(frames)
    is_admin = pl.col("procedure_code").is_in(ref.admin_codes["code"].implode()) | pl.col(
        "procedure_code"
    ).str.contains(OTHER_ADMINISTRATION)
    admin = codes.filter(is_admin).select(DATE_KEY).unique()
    # A drug given as part of a surgical/procedural service (CPT 10000-69999: intravitreal 67028,
    # joint injection 20610, intralesional 11900 ...) needs no separate administration code.
    numeric = pl.col("procedure_code").str.contains(r"^\d{5}$")
    procedure = (
        codes.filter(numeric & ~pl.col("procedure_code").is_in(BLOOD_COLLECTION))
        .filter(pl.col("procedure_code").cast(pl.Int64, strict=False).is_between(10000, 69999))
        .select(DATE_KEY)
        .unique()
    )
    # Home infusion / pharmacy claims: S9xxx per diems carry the administration.
    per_diem = (
        frames.lines.filter(pl.col("procedure_code").fill_null("").str.contains(r"^S9\d{3}$"))
        .select(CLAIM_KEY)
        .unique()
    )
    df = (
        drug_lines(frames)
        .filter(~pl.col("procedure_code").str.contains(r"^J[78]"))
        .filter(~((pl.col("claim_type") == "837P") & (pl.col("facility_code").fill_null("") == "12")))
        .filter(~((pl.col("claim_type") == "837I") & bill_type_prefix().is_in(NO_ADMIN_BILL_TYPES)))
        .join(per_diem, on=CLAIM_KEY, how="anti")
        .join(admin, on=DATE_KEY, how="anti", nulls_equal=True)
        .join(procedure, on=DATE_KEY, how="anti", nulls_equal=True)
    )
    other_dates = (
        admin.drop_nulls("service_date")
        .sort("service_date")
        .group_by(CLAIM_KEY)
        .agg(pl.col("service_date").cast(pl.String).str.join(", ").alias("admin_dates"))
    )
    df = df.join(other_dates, on=CLAIM_KEY, how="left")
    elsewhere = (
        pl.when(pl.col("admin_dates").is_not_null())
        .then(
            pl.format(
                " This claim bills administration on {} instead: if the drug was given then, correct "
                "the drug line's date of service.",
                pl.col("admin_dates"),
            )
        )
        .otherwise(pl.lit(""))
    )
    message = pl.format(
        "{} on {} has no drug-administration code on this claim for that date (injection, push or "
        "infusion codes such as 96372, 96374, 96365, 96413). Add the administration service that "
        "delivered the drug; if the drug was given as part of a procedure, bill that procedure on the "
        "same date.{}",
        pl.col("procedure_code"),
        service_date(),
        elsewhere,
    )
    return findings(
        df,
        segment="sv_position",
        message=message,
        expected=pl.lit("an administration code on the same date"),
        actual=pl.lit("none"),
    )


def check_add_on_without_primary(frames: Frames, ref) -> pl.DataFrame:
    pairs = ref.admin_codes.filter(
        (pl.col("kind") == "add_on") & (pl.col("allowed_primaries").list.len() > 0)
    ).select(pl.col("code").alias("procedure_code"), pl.col("allowed_primaries"))
    lines = frames.lines.join(pairs, on="procedure_code", how="inner").with_row_index("_row")
    codes = _procedure_codes_on_date(frames).rename({"procedure_code": "primary"}).unique()
    satisfied = (
        lines.select("_row", *DATE_KEY, pl.col("allowed_primaries").alias("primary"))
        .explode("primary")
        .join(codes, on=[*DATE_KEY, "primary"], how="semi", nulls_equal=True)
        .select("_row")
        .unique()
    )
    billed = (
        frames.lines.filter(pl.col("procedure_code").is_in(ref.admin_codes["code"].implode()))
        .group_by(DATE_KEY)
        .agg(pl.col("procedure_code").unique().sort().str.join(", ").alias("admin_billed"))
    )
    df = (
        lines.join(satisfied, on="_row", how="anti")
        .join(billed, on=DATE_KEY, how="left", nulls_equal=True)
        .with_columns(
            pl.col("allowed_primaries").list.sort().list.join(" or ").alias("primaries"),
            pl.col("admin_billed").fill_null("none"),
        )
    )
    message = pl.format(
        "+{} on {} is an add-on code and needs one of its primary codes on the same claim and date: {}. "
        "Administration codes billed on that date: {}. Add the primary service or correct the add-on code.",
        pl.col("procedure_code"),
        service_date(),
        pl.col("primaries"),
        pl.col("admin_billed"),
    )
    return findings(
        df,
        segment="sv_position",
        message=message,
        expected=pl.col("primaries"),
        actual=pl.col("admin_billed"),
    )


DRUG_WITHOUT_ADMIN = Rule(
    rule_id="ADM001",
    category="admin_pairing",
    severity="error",
    carc="CO-16",
    title="Drug billed without an administration code",
    doc="""\
What it does
    Flags drug lines with no drug-administration code (reference table admin_codes, plus
    retired and HCPCS administration codes such as 90782, G0498, Q0083) on the same claim and
    date of service. Not flagged: J7xxx and J8xxx codes; home-infusion / pharmacy
    claims (837P place of service 12, or any S9xxx per-diem line on the claim); 837I home health
    (32x-34x) and ESRD (72x) bill types; and drugs billed on the same date as a procedure in CPT
    10000-69999, which includes giving the drug (e.g. 67028 intravitreal, 20610 joint injection;
    blood collection, 36415, 36416, 36591, 36592, is not such a procedure).

Why is this bad
    A J code identifies the drug, not how it was given. A drug with no administration service
    looks incomplete to the payer and is denied or pended for information.

Example
    J1745 x40 alone on 2025-11-05. Right: J1745 x40 + 96365 (infusion, first hour) that date.

False alarms
    Not flagged where the drug is legitimately billed without an administration line: J7xxx and
    J8xxx codes (supplies, oral and inhaled drugs), home-infusion and pharmacy claims, home-health
    and ESRD bill types, and drugs given as part of a same-day procedure. Retired and HCPCS
    administration codes count, and a line without its own date takes the claim's date.
""",
    check=check_drug_without_admin,
)

ADD_ON_WITHOUT_PRIMARY = Rule(
    rule_id="ADM002",
    category="admin_pairing",
    severity="error",
    carc="CO-B15",
    title="Add-on administration code without its primary code",
    doc="""\
What it does
    Flags add-on administration codes (admin_codes kind add_on) when none of their allowed primary
    codes is on the same claim and date of service. Add-ons with no primary list are not checked.

Why is this bad
    An add-on code describes extra time or a further drug on top of a primary service; Medicare's
    add-on code edits never pay it without a listed primary (CARC B15: qualifying service not
    received).

Example
    +96415 (chemotherapy infusion, each additional hour) with 96365 but no 96413. Right: 96413 +
    96415, or 96365 + 96366.

False alarms
    Add-ons with no primary list in admin_codes are not checked, and any listed primary on the same
    claim and date counts.
""",
    check=check_add_on_without_primary,
)


# Drugs chemotherapy administration codes may be billed with: antineoplastics (J9xxx),
# biosimilars (Q51xx), and biologic response modifiers named in the HCPCS long description:
# monoclonal antibodies (-mab), fusion proteins (-cept), interferons and interleukins.
# (\w{3,}: "except" is not a fusion protein.)
BIOLOGIC_NAME = r"(?i)\b\w{3,}(mab|cept)\b|interferon|interleukin|aldesleukin"
# 96402 is chemotherapy administration for hormonal anti-neoplastics, many of which have J codes
# outside J9xxx (leuprolide J1950, lanreotide J1930, octreotide J2353): not judged.
HORMONAL_CHEMO_ADMIN = ("96402",)


def check_chemo_admin_without_drug(frames: Frames, ref) -> pl.DataFrame:
    chemo_codes = ref.admin_codes.filter(
        (pl.col("family") == "chemotherapy")
        & ~pl.col("code").is_in(DEVICE_MAINTENANCE)
        & ~pl.col("code").is_in(HORMONAL_CHEMO_ADMIN)
    )["code"].implode()
    biologic_codes = ref.hcpcs.filter(
        pl.col("hcpcs").str.contains(r"^[JQ]\d{4}$")
        & pl.col("long_description").fill_null("").str.contains(BIOLOGIC_NAME)
    )["hcpcs"].implode()
    code = pl.col("procedure_code").fill_null("")
    eligible = (
        frames.lines.filter(
            code.str.starts_with("J9") | code.str.contains(r"^Q51\d\d$") | code.is_in(biologic_codes)
        )
        .select(CLAIM_KEY)
        .unique()
    )
    drugs = (
        frames.lines.filter(code.str.contains(r"^[JQ]\d{4}$"))
        .group_by(CLAIM_KEY)
        .agg(pl.col("procedure_code").unique().sort().str.join(", ").alias("drugs_billed"))
    )
    df = (
        frames.lines.filter(pl.col("procedure_code").is_in(chemo_codes))
        .sort("sv_position")
        .group_by(CLAIM_KEY, maintain_order=True)
        .first()
        .join(eligible, on=CLAIM_KEY, how="anti")
        .join(drugs, on=CLAIM_KEY, how="left")
        .with_columns(pl.col("drugs_billed").fill_null("none"))
    )
    message = pl.format(
        "{} on {} is a chemotherapy administration code, but the claim bills no chemotherapy or "
        "biologic drug (J9xxx, a biosimilar Q51xx, or a monoclonal antibody or other biologic "
        "response modifier); drugs billed: {}. For other drugs use the therapeutic infusion and "
        "injection codes (96365-96379), unless the drug was supplied and billed separately.",
        pl.col("procedure_code"),
        service_date(),
        pl.col("drugs_billed"),
    )
    return findings(
        df,
        segment="sv_position",
        message=message,
        expected=pl.lit("a chemotherapy or biologic drug on the claim"),
        actual=pl.col("drugs_billed"),
    )


CHEMO_ADMIN_WITHOUT_DRUG = Rule(
    rule_id="ADM003",
    category="admin_pairing",
    severity="warning",
    carc="CO-11",
    title="Chemotherapy administration without a chemotherapy or biologic drug",
    doc="""\
What it does
    Warns once per claim when a chemotherapy administration code (admin_codes family
    chemotherapy: 96401-96549, not the pump and port maintenance codes 96521-96523) is billed and
    the claim has no antineoplastic (J9xxx), biosimilar (Q51xx) or biologic response modifier (a
    HCPCS code whose long description names a monoclonal antibody "-mab", a fusion protein
    "-cept", an interferon or an interleukin).

Why is this bad
    Chemotherapy administration pays more than therapeutic infusion; CMS and commercial payers
    allow it only for chemotherapy and complex biologics. Hydration or an antibiotic billed with
    96413 is recoded or denied (CARC 11, the diagnosis/service inconsistent).

Example
    96413 with J1100 (dexamethasone) only. Right: 96365 with J1100, or 96413 with J9312
    (rituximab) or J1745 (infliximab, a monoclonal antibody).

False alarms
    A warning only: the drug may be supplied by the patient or billed on another claim. A port
    flush (96523 with heparin J1642) is maintenance, not chemotherapy administration, and is not
    flagged; nor is 96402, the administration of hormonal anti-neoplastics such as leuprolide
    (J1950), whose codes lie outside J9xxx.
""",
    check=check_chemo_admin_without_drug,
)

RULES = [DRUG_WITHOUT_ADMIN, ADD_ON_WITHOUT_PRIMARY, CHEMO_ADMIN_WITHOUT_DRUG]
