"""NDC reporting on drug lines (category "ndc"), loop 2410 LIN/CTP.

NDC001 LIN02 qualifier not N4
NDC002 NDC not 11 digits without hyphens
NDC003 NDC not in the CMS NDC-HCPCS crosswalk (warning: the crosswalk is not a complete list)
NDC004 NDC crosswalked only to other HCPCS code(s): wrong J code for the drug
NDC005 NDC quantity (CTP04) zero or negative
NDC006 NDC missing where the payer policy requires one (Medicaid by default)

A CTP05-1 unit other than F2, GR, ME, ML or UN is not a rule here: pyx12 reports it against the
implementation guide's code list (SYN001), so the analyst sees it once.
"""

from __future__ import annotations

import polars as pl

from transforms.framework import Frames, Rule
from transforms.rules.drug_lines import (
    NDC_EXPECTED,
    blank,
    drug_lines,
    findings,
    is_noc,
    line_label,
    ndc11,
    ndc11_standard,
    ndc_digits,
    num,
    text,
)


def _ndc_lines(frames: Frames) -> pl.DataFrame:
    return drug_lines(frames).filter(pl.col("ndc").is_not_null() & (pl.col("ndc").str.strip_chars() != ""))


def check_qualifier(frames: Frames, ref) -> pl.DataFrame:
    df = _ndc_lines(frames).filter(pl.col("ndc_qualifier").fill_null("") != "N4")
    q = text("ndc_qualifier")
    message = pl.format(
        "{} NDC {}: LIN02 product ID qualifier is {}; an NDC is reported with qualifier N4 "
        "(LIN**N4*<11-digit NDC>).",
        pl.col("procedure_code"),
        pl.col("ndc"),
        q,
    )
    return findings(df, segment="lin_position", message=message, expected=pl.lit("N4"), actual=q)


def check_format(frames: Frames, ref) -> pl.DataFrame:
    lines = (
        _ndc_lines(frames)
        .filter(~pl.col("ndc").str.contains(r"^\d{11}$"))
        .with_row_index("_row")
        .with_columns(ndc11_standard().alias("_ndc11"), ndc_digits().alias("_digits"))
    )
    d = pl.col("_digits")
    # Candidate 11-digit NDCs the digits could stand for; a standard layout (4-4-2, 5-3-2, 5-4-1)
    # is unambiguous, otherwise each way of padding a 10-digit NDC is tried.
    candidates = (
        lines.select(
            "_row",
            "procedure_code",
            pl.when(pl.col("_ndc11").is_not_null())
            .then(pl.concat_list(pl.col("_ndc11")))
            .when(d.str.len_chars() == 11)
            .then(pl.concat_list(d))
            .when(d.str.len_chars() == 10)
            .then(
                pl.concat_list(
                    pl.lit("0") + d,
                    d.str.slice(0, 5) + pl.lit("0") + d.str.slice(5),
                    d.str.slice(0, 9) + pl.lit("0") + d.str.slice(9),
                )
            )
            .otherwise(pl.lit([], dtype=pl.List(pl.String)))
            .alias("candidate"),
        )
        .explode("candidate")
        .drop_nulls("candidate")
    )
    xw = ref.ndc_crosswalk.select(
        pl.col("ndc11").alias("candidate"), pl.col("hcpcs").alias("procedure_code")
    ).unique()
    matched = (
        candidates.join(xw, on=["candidate", "procedure_code"], how="semi")
        .group_by("_row")
        .agg(pl.col("candidate").unique())
        .filter(pl.col("candidate").list.len() == 1)
        .select("_row", pl.col("candidate").list.first().alias("crosswalk_match"))
    )
    df = lines.join(matched, on="_row", how="left")
    layout = (
        pl.when(pl.col("ndc").str.contains(r"[^\d-]"))
        .then(pl.lit("contains characters other than digits and hyphens"))
        .when(pl.col("_ndc11").is_not_null() & (d.str.len_chars() == 10))
        .then(
            pl.format(
                "is a 10-digit NDC in a standard hyphen layout; its 11-digit form is {}", pl.col("_ndc11")
            )
        )
        .when(pl.col("_ndc11").is_not_null())
        .then(pl.format("has hyphens; without them it is {}", pl.col("_ndc11")))
        .otherwise(
            pl.format("has {} digits in a layout that is not 5-4-2, 4-4-2, 5-3-2 or 5-4-1", d.str.len_chars())
        )
    )
    hint = (
        pl.when(pl.col("crosswalk_match").is_not_null() & pl.col("_ndc11").is_null())
        .then(
            pl.format(
                " The CMS NDC-HCPCS crosswalk lists exactly one NDC for {} with these digits: {}.",
                pl.col("procedure_code"),
                pl.col("crosswalk_match"),
            )
        )
        .otherwise(pl.lit(""))
    )
    message = pl.format(
        "{} NDC received as '{}' (LIN03) {}. LIN03 must be the 11-digit NDC, 5-4-2, digits only.{}",
        pl.col("procedure_code"),
        pl.col("ndc"),
        layout,
        hint,
    )
    expected = pl.coalesce(pl.col("_ndc11"), pl.col("crosswalk_match"), pl.lit("11 digits, no hyphens"))
    return findings(df, segment="lin_position", message=message, expected=expected, actual=pl.col("ndc"))


def _crosswalk_lines(frames: Frames, ref) -> pl.DataFrame:
    """Drug lines with a readable NDC and a classified code, with the codes CMS lists that NDC under."""
    by_ndc = (
        ref.ndc_crosswalk.filter(pl.col("ndc11").is_not_null())
        .group_by("ndc11")
        .agg(
            pl.col("hcpcs").drop_nulls().unique().sort().alias("xw_codes"),
            pl.col("drug_name").drop_nulls().first().str.strip_chars().alias("xw_drug"),
            pl.col("labeler").drop_nulls().first().alias("xw_labeler"),
        )
        .rename({"ndc11": "_ndc11"})
    )
    return (
        _ndc_lines(frames)
        .filter(~is_noc())
        .with_columns(ndc11().alias("_ndc11"))
        .filter(pl.col("_ndc11").is_not_null())
        .join(by_ndc, on="_ndc11", how="left")
    )


def check_not_in_crosswalk(frames: Frames, ref) -> pl.DataFrame:
    df = _crosswalk_lines(frames, ref).filter(pl.col("xw_codes").is_null())
    message = pl.format(
        "{} NDC {} is not in the CMS ASP NDC-HCPCS crosswalk. The crosswalk lists NDCs with reported "
        "ASP data and is not a complete list of NDCs, so this may be fine: check the NDC against the "
        "package label and the FDA NDC Directory (active on the date of service) and that it is the "
        "drug {} describes.",
        pl.col("procedure_code"),
        pl.col("_ndc11"),
        pl.col("procedure_code"),
    )
    return findings(
        df,
        segment="lin_position",
        message=message,
        expected=pl.lit("an NDC listed for the code"),
        actual=pl.col("_ndc11"),
    )


def check_wrong_code(frames: Frames, ref) -> pl.DataFrame:
    codes_in_xw = ref.ndc_crosswalk.select(pl.col("hcpcs").alias("procedure_code")).unique()
    df = (
        _crosswalk_lines(frames, ref)
        .filter(
            pl.col("xw_codes").is_not_null() & ~pl.col("xw_codes").list.contains(pl.col("procedure_code"))
        )
        # Only when the crosswalk covers the billed code: otherwise it cannot speak for it.
        .join(codes_in_xw, on="procedure_code", how="semi")
        .with_columns(pl.col("xw_codes").list.join(" or ").alias("right_codes"))
    )
    message = pl.format(
        "NDC {} ({}, {}) is crosswalked by CMS to {}, not to the billed {}: bill the drug under {} "
        "(and recount the units against that code's descriptor), or correct the NDC if it is the "
        "wrong product.",
        pl.col("_ndc11"),
        text("xw_drug", "drug name not given"),
        text("xw_labeler", "labeler not given"),
        pl.col("right_codes"),
        pl.col("procedure_code"),
        pl.col("right_codes"),
    )
    return findings(
        df,
        segment="sv_position",
        message=message,
        expected=pl.col("right_codes"),
        actual=pl.col("procedure_code"),
    )


def check_quantity(frames: Frames, ref) -> pl.DataFrame:
    df = _ndc_lines(frames).filter(pl.col("ndc_quantity").is_not_null() & (pl.col("ndc_quantity") <= 0))
    message = pl.format(
        "{} NDC {}: NDC quantity (CTP04) is {} {}; it must be the amount of the product used, "
        "greater than zero.",
        pl.col("procedure_code"),
        pl.col("ndc"),
        num(pl.col("ndc_quantity")),
        text("ndc_unit", ""),
    )
    return findings(
        df,
        segment="ctp_position",
        message=message,
        expected=pl.lit("> 0"),
        actual=num(pl.col("ndc_quantity")),
    )


NDC_QUALIFIER = Rule(
    rule_id="NDC001",
    category="ndc",
    severity="error",
    carc="CO-16",
    title="NDC reported with a qualifier other than N4",
    doc="""\
What it does
    On drug lines with an NDC, flags LIN02 values other than N4.

Why is this bad
    In the 837 drug identification loop (2410) the NDC is identified by qualifier N4; with any
    other qualifier the payer cannot read the NDC and the line is returned.

Example
    LIN**ND*50242006001 -> LIN**N4*50242006001.

False alarms
    Only lines with an NDC; a missing NDC is NDC006's or UNC002's concern.
""",
    check=check_qualifier,
)

NDC_FORMAT = Rule(
    rule_id="NDC002",
    category="ndc",
    severity="error",
    carc="CO-16",
    title="NDC not 11 digits without hyphens",
    doc="""\
What it does
    On drug lines with an NDC, flags LIN03 values that are not exactly 11 digits. A 10-digit NDC in
    a standard hyphen layout (4-4-2, 5-3-2, 5-4-1) is converted in the message; otherwise, when the
    CMS crosswalk lists exactly one NDC for the billed code that the digits could stand for, the
    message names it.

Why is this bad
    HIPAA-adopted X12 requires the 11-digit 5-4-2 NDC without hyphens; payers reject other forms
    (with RARC M119).

Example
    LIN**N4*50242-0060-01 -> LIN**N4*50242006001. A B12 line with '005-170-03125' -> 00517003125.

False alarms
    Only the format is judged, and the message gives the 11-digit form when it can be known, so the
    fix is one edit.
    With the safe fix `ndc_format` on (payer_policy.toml [fixes], the default), a hyphenated NDC
    in a standard layout is converted as the file is read and reported as FIX001 instead.
""",
    check=check_format,
)

NDC_NOT_IN_CROSSWALK = Rule(
    rule_id="NDC003",
    category="ndc",
    severity="warning",
    carc="CO-16",
    title="NDC not in the CMS NDC-HCPCS crosswalk",
    doc="""\
What it does
    On drug lines with a readable NDC and a classified code (not an unclassified code such as
    J3490, J3590, J9999 or C9399), warns when the NDC is in no quarter of the CMS ASP NDC-HCPCS
    crosswalk.

Why is this bad
    An NDC unknown to CMS is often a typo, a repackager's NDC or an inactive product, which payers
    deny. The crosswalk only lists NDCs with reported ASP data, so this is a warning, not an error.

Example
    J1745 with NDC 57894003099 (no such package in the crosswalk); Remicade is 57894003001.

False alarms
    A warning, never a rejection: the crosswalk lists only NDCs with ASP data. Unclassified codes
    are skipped and every loaded crosswalk quarter is searched.
""",
    check=check_not_in_crosswalk,
)

NDC_WRONG_CODE = Rule(
    rule_id="NDC004",
    category="ndc",
    severity="error",
    carc="CO-16",
    title="NDC belongs to a different HCPCS code",
    doc="""\
What it does
    On drug lines with a readable NDC and a classified code, flags the line when the CMS ASP
    NDC-HCPCS crosswalk lists the NDC only under other code(s), and names them. Skipped when the
    crosswalk has no NDC at all for the billed code.

Why is this bad
    The wrong J code for the drug is priced at the wrong rate and fails payers' NDC-to-HCPCS
    edits ("incorrect HCPCS and NDC combination").

Example
    J1100 (dexamethasone) billed with NDC 00409475901 (ondansetron). Right: J2405.

False alarms
    Only when the crosswalk lists the NDC under other codes and lists at least one NDC for the
    billed code, so a code the crosswalk does not cover is never judged; unclassified codes are
    UNC003's.
""",
    check=check_wrong_code,
)

NDC_QUANTITY = Rule(
    rule_id="NDC005",
    category="ndc",
    severity="error",
    carc="CO-16",
    title="NDC quantity zero or negative",
    doc="""\
What it does
    On drug lines with an NDC, flags a CTP04 quantity of zero or less.

Why is this bad
    CTP04 is the amount of the product used; payers reject a drug line whose NDC unit count is not
    positive, and units cannot be checked against it.

Example
    CTP****0*ME -> CTP****400*ME.

False alarms
    Only lines with a CTP segment; a quantity that is not a number is an implementation-guide error.
""",
    check=check_quantity,
)


def check_required(frames: Frames, ref) -> pl.DataFrame:
    required = ref.payer_profiles.filter(pl.col("ndc_required").fill_null(False)).select(
        pl.col("filing_indicator").alias("payer_filing_indicator"), "profile"
    )
    df = (
        drug_lines(frames)
        .filter(~is_noc())  # UNC002 covers unclassified codes for every payer
        .filter(blank("ndc"))
        .join(required, on="payer_filing_indicator", how="inner")
    )
    message = pl.format(
        "{} line {}: the {} payer policy (SBR09 {}) requires the NDC of every drug line, and this "
        "line has no 2410 LIN*N4/CTP. Report the NDC and quantity from the vial or package used.",
        pl.col("procedure_code"),
        line_label(),
        pl.col("profile"),
        pl.col("payer_filing_indicator"),
    )
    return findings(
        df,
        segment="sv_position",
        message=message,
        expected=pl.lit(NDC_EXPECTED),
        actual=pl.lit("none"),
    )


NDC_REQUIRED = Rule(
    rule_id="NDC006",
    category="ndc",
    severity="error",
    carc="CO-16",
    title="NDC missing where the payer requires it",
    doc="""\
What it does
    Flags a drug line with no NDC in 2410 LIN/CTP on a claim whose payer profile (by SBR09 in
    payer_policy.toml) has ndc_required = true. Shipped default: Medicaid (MC).

Why is this bad
    State Medicaid programs need the NDC to claim manufacturer rebates (Deficit Reduction Act of
    2005) and deny drug lines without one (CARC 16, remark M119).

Example
    A Medicaid (MC) claim with J1745 and no LIN fails; the same line with LIN**N4*57894003001
    passes; a Medicare Part B (MB) claim without LIN passes, its profile does not require the NDC.

False alarms
    Only payers whose profile requires the NDC are checked; unclassified codes are left to UNC002,
    which requires the NDC for every payer.
""",
    check=check_required,
)

RULES = [
    NDC_QUALIFIER,
    NDC_FORMAT,
    NDC_NOT_IN_CROSSWALK,
    NDC_WRONG_CODE,
    NDC_QUANTITY,
    NDC_REQUIRED,
]
