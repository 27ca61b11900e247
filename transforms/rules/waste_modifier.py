"""JW / JZ discarded-drug modifiers (category "waste_modifier").

JWZ001 JW or JZ missing on a line that Medicare requires it on
JWZ002 JW and JZ both reported for one drug on one date
JWZ003 JW waste line without a line for the administered dose
JWZ004 JW on a multi-dose container
JWZ005 JW waste line for less than one billing unit
JWZ006 no payer profile for the claim's filing indicator (warning)
JWZ007 JW or JZ on a line that is not a drug
JWZ008 JZ (nothing discarded) while the NDC quantity leaves a billing unit or more in the vials
"""

from __future__ import annotations

import polars as pl

from transforms.framework import Frames, Rule
from transforms.rules.dose import with_containers, with_implied_units
from transforms.rules.drug_lines import (
    BIOSIMILAR,
    CLAIM_KEY,
    JZ_REQUIRED_FROM,
    bill_type_prefix,
    drug_lines,
    findings,
    has_modifier,
    line_label,
    modifier_list,
    ndc11,
    num,
    service_date,
    text,
    with_opps_status,
)

# Outpatient bill types where Medicare requires JW/JZ: hospital outpatient (13x), ambulatory
# surgery (83x), critical access hospital (85x). Not inpatient (11x), RHC (71x), FQHC (77x).
OUTPATIENT_BILL_TYPES = ("13", "83", "85")
# OPPS status indicators paid separately: K (non-pass-through drugs), G (pass-through drugs), K1
# (non-opioid pain management drugs paid separately from CY2025, with an APC and a rate).
SEPARATELY_PAID_SI = ("K", "G", "K1")
# Critical access hospitals (85x) are paid at cost, not under OPPS: their drugs are separately
# payable whatever the OPPS status, so the ASP payment limit decides as on 837P.
COST_PAID_BILL_TYPES = ("85",)
DRUG_KEY = [*CLAIM_KEY, "procedure_code", "service_date"]

MIN_USED_SHARE = 0.5  # JWZ008 judges only doses that use at least half of the opened containers

SINGLE_DOSE_NOTE = (
    " {} treated as single-dose: CMS publishes no per-NDC container flag; "
    "mark multi-dose codes/NDCs in payer_policy.toml."
)


def _is_waste_policy_code() -> pl.Expr:
    """Drug codes the policy covers: J codes except the oral / inhalation ranges J7500-J7699 and
    J8000-J8999, and Q51xx biosimilars."""
    code = pl.col("procedure_code")
    return (
        (code.str.contains(r"^J\d{4}$") | code.str.contains(BIOSIMILAR))
        & ~code.str.contains(r"^J7[56]\d\d$")
        & ~code.str.contains(r"^J8\d{3}$")
    )


def _with_multi_dose(df: pl.DataFrame, ref) -> pl.DataFrame:
    """Add `multi_dose_note` (null when neither the code nor the NDC is marked multi-dose)."""
    md = ref.multi_dose
    by_code = (
        md.filter(pl.col("hcpcs").is_not_null())
        .group_by("hcpcs")
        .agg(pl.col("note").drop_nulls().first().alias("_code_note"))
        .rename({"hcpcs": "procedure_code"})
    )
    by_ndc = (
        md.filter(pl.col("ndc11").is_not_null())
        .group_by("ndc11")
        .agg(pl.col("note").drop_nulls().first().alias("_ndc_note"))
        .rename({"ndc11": "_ndc11"})
    )
    marked_code = pl.col("procedure_code").is_in(by_code["procedure_code"].implode())
    marked_ndc = pl.col("_ndc11").is_in(by_ndc["_ndc11"].implode())
    out = (
        df.with_columns(ndc11().alias("_ndc11"))
        .join(by_code, on="procedure_code", how="left")
        .join(by_ndc, on="_ndc11", how="left")
        .with_columns(
            pl.when(marked_ndc)
            .then(
                pl.format(
                    "NDC {} is marked multi-dose ({})",
                    pl.col("_ndc11"),
                    pl.col("_ndc_note").fill_null("no note"),
                )
            )
            .when(marked_code)
            .then(
                pl.format(
                    "{} is marked multi-dose ({})",
                    pl.col("procedure_code"),
                    pl.col("_code_note").fill_null("no note"),
                )
            )
            .otherwise(None)
            .alias("multi_dose_note")
        )
    )
    return out.drop("_ndc11", "_code_note", "_ndc_note")


def _asp_payable(df: pl.DataFrame, ref) -> pl.DataFrame:
    """Add `asp_payable`: the code has an ASP payment limit for the date of service.

    When the date falls in no quarter the table holds (e.g. between two shipped quarters), any
    quarter's limit counts, so a missing quarter does not silently switch the rule off.
    """
    asp = ref.asp_pricing.filter(pl.col("payment_limit").is_not_null()).select(
        "hcpcs", "effective_start", "effective_end"
    )
    dos = pl.col("service_date")
    in_window = (pl.col("effective_start").is_null() | (pl.col("effective_start") <= dos)) & (
        pl.col("effective_end").is_null() | (pl.col("effective_end") >= dos)
    )
    covered_dates = (
        df.select("service_date")
        .drop_nulls()
        .unique()
        .join(asp.select("effective_start", "effective_end").unique(), how="cross")
        .filter(in_window)
        .select("service_date")
        .unique()
        .with_columns(pl.lit(True).alias("_covered"))
    )
    base = (
        df.with_row_index("_row")
        .join(covered_dates, on="service_date", how="left")
        .with_columns(pl.col("_covered").fill_null(False))
    )
    hits = (
        base.select("_row", "procedure_code", "service_date", "_covered")
        .join(asp, left_on="procedure_code", right_on="hcpcs", how="inner")
        .filter(~pl.col("_covered") | in_window)
        .select("_row")
        .unique()
        .with_columns(pl.lit(True).alias("asp_payable"))
    )
    return (
        base.join(hits, on="_row", how="left")
        .with_columns(pl.col("asp_payable").fill_null(False))
        .drop("_row", "_covered")
    )


def applicable_lines(frames: Frames, ref) -> pl.DataFrame:
    """Drug lines on which Medicare requires JW or JZ, with `payable_basis` text.

    Payer: ref.payer_profiles.jw_jz_required for the claim's filing indicator (SBR09).
    Setting: any 837P; 837I only with outpatient bill types 13x, 83x, 85x.
    Separately payable: 837P and 837I critical access hospital (85x) -> ASP payment limit; other 837I
    -> OPPS status indicator K, G or K1.
    Not subject: multi-dose codes / NDCs listed in ref.multi_dose (returned with a note instead).
    """
    profiles = (
        ref.payer_profiles.filter(pl.col("jw_jz_required").fill_null(False))
        .select(pl.col("filing_indicator").alias("payer_filing_indicator"))
        .unique()
    )
    lines = (
        drug_lines(frames)
        .filter(_is_waste_policy_code())
        .filter(pl.col("service_date").is_null() | (pl.col("service_date") >= JZ_REQUIRED_FROM))
        .join(profiles, on="payer_filing_indicator", how="semi")
        .filter(
            (pl.col("claim_type") == "837P")
            | ((pl.col("claim_type") == "837I") & bill_type_prefix().is_in(OUTPATIENT_BILL_TYPES))
        )
    )
    lines = with_opps_status(_asp_payable(lines, ref), ref)
    is_p = (pl.col("claim_type") == "837P") | bill_type_prefix().is_in(COST_PAID_BILL_TYPES)
    lines = lines.filter(
        (is_p & pl.col("asp_payable")) | (~is_p & pl.col("opps_si").is_in(SEPARATELY_PAID_SI))
    ).with_columns(
        pl.when(is_p)
        .then(pl.format("{} has a Part B ASP payment limit", pl.col("procedure_code")))
        .otherwise(
            pl.format(
                "{} has OPPS status indicator {} (separately paid)",
                pl.col("procedure_code"),
                pl.col("opps_si"),
            )
        )
        .alias("payable_basis")
    )
    return _with_multi_dose(lines, ref)


def check_missing_jw_jz(frames: Frames, ref) -> pl.DataFrame:
    lines = applicable_lines(frames, ref).filter(pl.col("multi_dose_note").is_null())
    all_drug = drug_lines(frames)
    jw_groups = all_drug.filter(has_modifier("JW")).select(DRUG_KEY).unique()
    df = lines.filter(~has_modifier("JW") & ~has_modifier("JZ")).join(
        jw_groups, on=DRUG_KEY, how="anti", nulls_equal=True
    )
    ndc_part = (
        pl.when(pl.col("ndc").is_not_null()).then(pl.format(" (NDC {})", pl.col("ndc"))).otherwise(pl.lit(""))
    )
    message = pl.format(
        "{}{} on {} needs modifier JW or JZ: Medicare (SBR09 {}) requires one on separately payable drugs "
        "from single-dose containers, and {}. The line has modifiers: {}. Add JZ if none of the drug was "
        "discarded, or bill the discarded amount on a separate {}-JW line." + SINGLE_DOSE_NOTE,
        pl.col("procedure_code"),
        ndc_part,
        service_date(),
        text("payer_filing_indicator"),
        pl.col("payable_basis"),
        modifier_list(),
        pl.col("procedure_code"),
        pl.col("procedure_code"),
    )
    return findings(
        df, segment="sv_position", message=message, expected=pl.lit("JW or JZ"), actual=modifier_list()
    )


def check_jw_and_jz(frames: Frames, ref) -> pl.DataFrame:
    lines = drug_lines(frames)
    jw = (
        lines.filter(has_modifier("JW"))
        .group_by(DRUG_KEY)
        .agg(pl.col("line_number").sort().cast(pl.String).str.join(", ").alias("jw_lines"))
    )
    df = lines.filter(has_modifier("JZ")).join(jw, on=DRUG_KEY, how="inner", nulls_equal=True)
    same_line = pl.col("jw_lines") == pl.col("line_number").cast(pl.String)
    message = pl.format(
        "{} on {}: {}. JZ attests that no drug was discarded and JW reports discarded drug, so they "
        "contradict each other: keep JW only on the line with the discarded amount and remove JZ, or, "
        "if nothing was discarded, remove JW.",
        pl.col("procedure_code"),
        service_date(),
        pl.when(same_line)
        .then(pl.format("line {} carries both JZ and JW", pl.col("line_number")))
        .otherwise(
            pl.format("line {} carries JZ while line(s) {} carry JW", line_label(), pl.col("jw_lines"))
        ),
    )
    return findings(
        df,
        segment="sv_position",
        message=message,
        expected=pl.lit("JW or JZ, not both"),
        actual=pl.format("JZ on line {}, JW on line(s) {}", line_label(), pl.col("jw_lines")),
    )


def check_jw_without_administered(frames: Frames, ref) -> pl.DataFrame:
    lines = drug_lines(frames)
    administered = lines.filter(~has_modifier("JW")).select(DRUG_KEY).unique()
    df = lines.filter(has_modifier("JW")).join(administered, on=DRUG_KEY, how="anti", nulls_equal=True)
    message = pl.format(
        "{}-JW on {} reports {} discarded units, but the claim has no {} line without JW for the "
        "administered dose on that date. Bill the administered amount on its own {} line next to the "
        "JW waste line.",
        pl.col("procedure_code"),
        service_date(),
        num(pl.col("units")),
        pl.col("procedure_code"),
        pl.col("procedure_code"),
    )
    return findings(
        df,
        segment="sv_position",
        message=message,
        expected=pl.format("a {} line without JW on {}", pl.col("procedure_code"), service_date()),
        actual=pl.lit("JW line only"),
    )


def check_jw_multi_dose(frames: Frames, ref) -> pl.DataFrame:
    df = _with_multi_dose(drug_lines(frames).filter(has_modifier("JW")), ref).filter(
        pl.col("multi_dose_note").is_not_null()
    )
    message = pl.format(
        "{}-JW on {}: {}. Drug left in a multi-dose container is not waste and is never billed with JW; "
        "remove this line and bill only the amount given (no JW/JZ needed for multi-dose containers).",
        pl.col("procedure_code"),
        service_date(),
        pl.col("multi_dose_note"),
    )
    return findings(
        df,
        segment="sv_position",
        message=message,
        expected=pl.lit("no JW line (multi-dose container)"),
        actual=pl.format("{}-JW x{}", pl.col("procedure_code"), num(pl.col("units"))),
    )


def check_jw_under_one_unit(frames: Frames, ref) -> pl.DataFrame:
    lines = drug_lines(frames).filter(has_modifier("JW") & pl.col("ndc_quantity").is_not_null())
    df = with_implied_units(lines, ref).filter(pl.col("expected_units") == 0)
    message = pl.format(
        "{}-JW NDC {}: {} = {} billing units discarded, less than one billing unit. Waste under one "
        "unit is not billed: remove the JW line and put JZ on the administered {} line.",
        pl.col("procedure_code"),
        text("ndc"),
        pl.col("derivation"),
        num(pl.col("implied_units")),
        pl.col("procedure_code"),
    )
    return findings(
        df,
        segment="sv_position",
        message=message,
        expected=pl.lit("no JW line; JZ on the administered line"),
        actual=pl.format("{}-JW x{}", pl.col("procedure_code"), num(pl.col("units"))),
    )


MISSING_JW_JZ = Rule(
    rule_id="JWZ001",
    category="waste_modifier",
    severity="error",
    carc="CO-16",
    title="JW or JZ modifier missing on a separately payable single-dose drug",
    doc="""\
What it does
    On traditional Medicare claims (payers whose profile has jw_jz_required; 837P, or 837I with
    outpatient bill type 13x, 83x, 85x) with a date of service from 2023-07-01, flags drug
    lines (not J7500-J7699, J8000-J8999) that are separately payable (837P and critical access
    hospitals, 85x, paid at cost: ASP payment limit; other 837I: OPPS status indicator K, G or
    K1) and carry neither JW nor JZ, unless a JW line for the same
    drug and date is on the claim. CMS publishes no per-NDC single-dose flag, so such codes are
    treated as single-dose unless the code or NDC is listed as multi-dose in payer policy.

Why is this bad
    Since 2023-10-01 Medicare returns single-dose-container drug claims without JW or JZ as
    unprocessable (Pub 100-04 ch.17 s.40).

Example
    J9035 x16, no modifiers, on an 837P to Medicare Part B. Right: J9035-JZ x16 if nothing was
    discarded, or J9035 x16 + J9035-JW x4.

False alarms
    Only where CMS requires the modifiers: profiles with jw_jz_required (traditional Medicare),
    dates from 2023-07-01, 837P or outpatient bill types, separately payable codes only (packaged
    OPPS status N drugs and codes without an ASP limit are skipped), not the oral and
    immunosuppressive ranges. A JW line for the drug and date satisfies the administered line, and
    codes or NDCs listed as multi-dose in payer_policy.toml are exempt; the message says single-dose
    was assumed.
""",
    check=check_missing_jw_jz,
)

JW_AND_JZ = Rule(
    rule_id="JWZ002",
    category="waste_modifier",
    severity="error",
    carc="CO-4",
    title="JW and JZ reported for the same drug and date",
    doc="""\
What it does
    Flags each line carrying JZ when the same claim also reports JW for the same code on the same
    date of service (including JW and JZ on one line).

Why is this bad
    JZ attests that no drug was discarded; JW reports a discarded amount. Both for one
    administration contradict each other and the payer rejects the modifier combination.

Example
    J1745-JZ x35 + J1745-JW x5. Right: J1745 x35 + J1745-JW x5.

False alarms
    Only the same code on the same date of one claim; JW on one date and JZ on another are fine.
""",
    check=check_jw_and_jz,
)

JW_WITHOUT_ADMINISTERED = Rule(
    rule_id="JWZ003",
    category="waste_modifier",
    severity="error",
    carc="CO-16",
    title="JW waste line without an administered line",
    doc="""\
What it does
    Flags a line with JW when the claim has no line for the same code and date without JW.

Why is this bad
    The discarded amount is billed next to the administered dose, never alone; a JW line by itself
    usually means the administered line was dropped or the modifier put on the wrong line.

Example
    J9035-JW x4 alone. Right: J9035 x16 + J9035-JW x4.

False alarms
    Any line of the same code and date without JW counts as the administered line, whatever its
    other modifiers.
""",
    check=check_jw_without_administered,
)

JW_MULTI_DOSE = Rule(
    rule_id="JWZ004",
    category="waste_modifier",
    severity="error",
    carc="CO-16",
    title="JW on a multi-dose container",
    doc="""\
What it does
    Flags JW lines whose NDC (or whole code) is listed as multi-dose in payer policy
    (reference table multi_dose).

Why is this bad
    Drug remaining in a multi-dose container is not waste; JW applies to single-dose containers only.

Example
    J2405 x8 + J2405-JW x32 with NDC 00409475901 (ondansetron 40 mg / 20 mL multi-dose vial).
    Right: J2405 x8 alone.

False alarms
    Only NDCs or codes listed in payer_policy.toml's multi_dose table; nothing is guessed from drug
    names or package sizes.
""",
    check=check_jw_multi_dose,
)

JW_UNDER_ONE_UNIT = Rule(
    rule_id="JWZ005",
    category="waste_modifier",
    severity="error",
    carc="CO-16",
    title="JW waste line for less than one billing unit",
    doc="""\
What it does
    On JW lines with an NDC quantity, derives the discarded billing units the same way as UNT001
    and flags the line when they round down to zero.

Why is this bad
    JW must not be used when the discarded amount is less than one billing unit: rounding the
    administered dose up has already paid for it. The administered line then carries JZ.

Example
    Carboplatin J9045 (per 50 mg), 140 mg given from a 150 mg vial: J9045 x3 + J9045-JW x1 with
    1 mL (10 mg) discarded. Right: J9045-JZ x3.

False alarms
    Only when the discarded units can be derived from the NDC quantity the way UNT001 derives them;
    otherwise the line is left alone.
""",
    check=check_jw_under_one_unit,
)


def check_unknown_payer(frames: Frames, ref) -> pl.DataFrame:
    known = ref.payer_profiles.select(pl.col("filing_indicator").alias("payer_filing_indicator")).unique()
    lines = (
        drug_lines(frames)
        .filter(_is_waste_policy_code())
        .join(known, on="payer_filing_indicator", how="anti", nulls_equal=False)
    )
    received = pl.col("payer_filing_indicator").fill_null("(missing)")
    message = pl.format(
        "{} on {}: the claim's SBR09 claim filing indicator is {}, which no payer profile in "
        "payer_policy.toml covers, so the JW/JZ and other payer-specific checks were not applied to "
        "this drug. Send the payer's filing indicator (MB for Medicare Part B, MC for Medicaid, CI "
        "for commercial...) or add a profile for it.",
        pl.col("procedure_code"),
        service_date(),
        received,
    )
    return findings(
        lines,
        segment="sv_position",
        message=message,
        expected=pl.lit("an SBR09 listed in payer_policy.toml"),
        actual=received,
    )


UNKNOWN_PAYER = Rule(
    rule_id="JWZ006",
    category="waste_modifier",
    severity="warning",
    carc="CO-16",
    title="No payer profile for the claim's filing indicator: payer checks not applied",
    doc="""\
What it does
    Warns on a drug line whose claim has no SBR09 claim filing indicator, or one that no payer
    profile in payer_policy.toml covers, because the JW/JZ requirement (and other payer policy)
    cannot be decided.

Why is this bad
    A Medicare claim sent without SBR09 would skip the JW/JZ check silently and be returned as
    unprocessable by the payer.

Example
    J9035 on a claim whose SBR has no SBR09, or SBR09 "XX". Right: SBR09 MB for Medicare Part B.

False alarms
    A warning only, and only on drug lines that a payer policy could have applied to; claims whose
    SBR09 has a profile never see it.
""",
    check=check_unknown_payer,
)


def check_waste_modifier_on_non_drug(frames: Frames, ref) -> pl.DataFrame:
    code = pl.col("procedure_code").fill_null("")
    # Drug supplies are HCPCS Level II J, Q, C9 and A9 codes, plus any other code CMS prices as a
    # Part B drug (vaccines and immune globulins 90xxx, albumin P9041-P9047); JW/JZ on anything
    # else (a CPT administration or E/M code, a supply) is misplaced.
    priced = pl.concat([ref.asp_pricing.select("hcpcs"), ref.ndc_crosswalk.select("hcpcs")]).unique()
    drug_code = code.str.contains(r"^(J|Q|C9|A9)\d") | code.is_in(priced["hcpcs"].implode())
    df = frames.lines.filter(
        (has_modifier("JW") | has_modifier("JZ")) & (pl.col("procedure_qualifier") == "HC") & ~drug_code
    ).with_columns(pl.when(has_modifier("JW")).then(pl.lit("JW")).otherwise(pl.lit("JZ")).alias("_mod"))
    message = pl.format(
        "{} line {} carries {}, a drug-waste modifier; it belongs on the drug's HCPCS line (J, Q, "
        "C9 or A9 code), not on {}. Modifiers billed: {}.",
        text("procedure_code"),
        line_label(),
        pl.col("_mod"),
        text("procedure_code"),
        modifier_list(),
    )
    return findings(
        df,
        segment="sv_position",
        message=message,
        expected=pl.lit("JW/JZ only on drug lines"),
        actual=pl.col("_mod"),
    )


WASTE_MODIFIER_ON_NON_DRUG = Rule(
    rule_id="JWZ007",
    category="waste_modifier",
    severity="error",
    carc="CO-4",
    title="JW or JZ on a line that is not a drug",
    doc="""\
What it does
    Flags JW or JZ on an HC-qualified line whose code is not a drug supply code (HCPCS J, Q, C9
    or A9): an administration code, an office visit, a supply.

Why is this bad
    JW and JZ describe the drug amount discarded (or not) from a single-dose container; on any
    other service the modifier is inconsistent with the code (CARC 4), and the drug line itself
    then lacks the modifier it needed.

Example
    96413-JZ with J9312 x10. Right: 96413 with J9312-JZ x10.

False alarms
    All HCPCS drug-supply codes (J, Q, C9, A9) count as drugs; only HC-qualified lines are checked.
""",
    check=check_waste_modifier_on_non_drug,
)


def check_jz_with_leftover(frames: Frames, ref) -> pl.DataFrame:
    lines = drug_lines(frames).filter(
        has_modifier("JZ")
        & ~has_modifier("JW")
        & _is_waste_policy_code()
        & pl.col("ndc_quantity").is_not_null()
        & (pl.col("ndc_quantity") > 0)
    )
    jw_dates = drug_lines(frames).filter(has_modifier("JW")).select(DRUG_KEY).unique()
    df = (
        _with_multi_dose(with_containers(lines, ref), ref)
        .filter(pl.col("multi_dose_note").is_null())
        # JW and JZ together for the drug and date is JWZ002's finding
        .join(jw_dates, on=DRUG_KEY, how="anti", nulls_equal=True)
        .with_columns(pl.col("leftover_units").floor().alias("_discard"))
        .filter(pl.col("_discard") >= 1)
        # A dose that uses under half of what it opened is how multi-dose vials look (1 mL of a
        # 30 mL B12 vial); CMS publishes no container flag, so such lines are not judged.
        .filter(pl.col("implied_units") >= MIN_USED_SHARE * pl.col("capacity_units"))
    )
    message = pl.format(
        "{}-JZ NDC {}: {} = {} billing units, from {} container(s) of {} billing units ({} in all), "
        "which leaves {} units discarded; JZ says nothing was discarded. Bill the administered "
        "units on this line without JZ and {} discarded units on a JW line. If the dose came from "
        "vials of several sizes, report each NDC on its own line.{}",
        pl.col("procedure_code"),
        text("ndc"),
        pl.col("derivation"),
        num(pl.col("implied_units")),
        num(pl.col("containers")),
        num(pl.col("item_units")),
        num(pl.col("capacity_units")),
        num(pl.col("leftover_units")),
        num(pl.col("_discard")),
        pl.format(SINGLE_DOSE_NOTE, pl.col("procedure_code")),
    )
    return findings(
        df,
        segment="sv_position",
        message=message,
        expected=pl.format("JW line for {} units", num(pl.col("_discard"))),
        actual=pl.lit("JZ"),
    )


JZ_WITH_LEFTOVER = Rule(
    rule_id="JWZ008",
    category="waste_modifier",
    severity="warning",
    carc="CO-16",
    title="JZ while the NDC quantity leaves discarded drug in the vials",
    doc="""\
What it does
    On a drug line with JZ and an NDC quantity, works out the containers the dose opened (its
    billing units divided by the NDC's billing units per item in the CMS NDC-HCPCS crosswalk,
    rounded up) and warns when what is left in them is one billing unit or more.

Why is this bad
    JZ attests that no drug was discarded. When the vials hold a billable amount more than the
    dose, the discarded amount belongs on a JW line; a JZ claim with waste is an audit finding,
    and the practice loses the discarded units Medicare would have paid.

Example
    J9035-JZ x16 with NDC 50242006001 and CTP 6.24 mL: 15.6 units from 2 vials of 10 units
    leaves 4.4, so JW x4 is due. Right: J9035 x16 + J9035-JW x4. Remicade (J1745, 10 units per
    100 mg vial) 400 mg with JZ passes: four full vials.

False alarms
    A warning: the dose may have come from vials of several sizes (CMS asks for one line per NDC
    then). CMS publishes no single-dose flag, so a dose that uses under half of what it opened is
    not judged: that is how a multi-dose vial looks (1 mL of a 30 mL B12 vial), and JW must never
    be advised on one. Multi-dose codes and NDCs in payer_policy.toml, leftovers under one billing
    unit (JW is not used for those) and lines whose containers cannot be counted are skipped; a
    whole vial is not counted as two because CMS rounds the crosswalk's billing units per item
    (33.33); a claim that also bills JW for the drug and date is JWZ002's.
""",
    check=check_jz_with_leftover,
)

RULES = [
    MISSING_JW_JZ,
    JW_AND_JZ,
    JW_WITHOUT_ADMINISTERED,
    JW_MULTI_DOSE,
    JW_UNDER_ONE_UNIT,
    UNKNOWN_PAYER,
    WASTE_MODIFIER_ON_NON_DRUG,
    JZ_WITH_LEFTOVER,
]
