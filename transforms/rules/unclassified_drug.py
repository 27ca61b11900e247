"""Unclassified (not otherwise classified) drug codes (category "unclassified_drug").

UNC001 NOC drug code without a drug description (SV101-7 / SV202-7 or NTE)
UNC002 NOC drug code without an NDC
UNC003 NOC drug code with an NDC whose drug has its own HCPCS code
"""

from __future__ import annotations

import polars as pl

from transforms.framework import Frames, Rule
from transforms.rules.drug_lines import (
    NDC_EXPECTED,
    NOC_CODES,
    blank,
    crosswalk_latest,
    findings,
    line_label,
    ndc11,
    sv_element,
    text,
    with_claim_context,
)


def _noc_lines(frames: Frames) -> pl.DataFrame:
    return with_claim_context(
        frames.lines.filter(
            (pl.col("procedure_qualifier") == "HC") & pl.col("procedure_code").is_in(NOC_CODES)
        ),
        frames.claims,
    )


def check_noc_without_description(frames: Frames, ref) -> pl.DataFrame:
    df = _noc_lines(frames).filter(blank("description") & blank("note"))
    message = pl.format(
        "{} line {} is an unclassified drug code with no drug description: report the drug's name, "
        "strength and dose given in {}-7 or a line NTE, or the payer cannot price it.",
        pl.col("procedure_code"),
        line_label(),
        sv_element("SV101", "SV202"),
    )
    return findings(
        df,
        segment="sv_position",
        message=message,
        expected=pl.lit("drug name, strength and dose"),
        actual=pl.lit("none"),
    )


def check_noc_without_ndc(frames: Frames, ref) -> pl.DataFrame:
    df = _noc_lines(frames).filter(blank("ndc"))
    message = pl.format(
        "{} line {} is an unclassified drug code with no NDC (2410 LIN/CTP): the NDC is how the "
        "payer identifies and prices a drug that has no code of its own.",
        pl.col("procedure_code"),
        line_label(),
    )
    return findings(
        df,
        segment="sv_position",
        message=message,
        expected=pl.lit(NDC_EXPECTED),
        actual=pl.lit("none"),
    )


def check_noc_with_coded_ndc(frames: Frames, ref) -> pl.DataFrame:
    xw = crosswalk_latest(ref).filter(~pl.col("hcpcs").is_in(NOC_CODES))
    own = (
        xw.sort("hcpcs")
        .group_by("ndc11", maintain_order=True)
        .agg(
            pl.col("hcpcs").unique(maintain_order=True).str.join(" or ").alias("own_code"),
            pl.col("drug_name").first(),
            pl.col("hcpcs_dosage").first(),
        )
    )
    df = (
        _noc_lines(frames)
        .with_columns(ndc11().alias("_ndc11"))
        .join(own, left_on="_ndc11", right_on="ndc11", how="inner")
    )
    message = pl.format(
        "{} line {}: NDC {} is {} ({}), which has its own code {} in the CMS NDC-HCPCS crosswalk "
        "(NOC codes are only for drugs without a code of their own): bill {} with its units.",
        pl.col("procedure_code"),
        line_label(),
        text("ndc"),
        text("drug_name", "a listed drug"),
        text("hcpcs_dosage", "no descriptor"),
        pl.col("own_code"),
        pl.col("own_code"),
    )
    return findings(
        df,
        segment="sv_position",
        message=message,
        expected=pl.col("own_code"),
        actual=pl.col("procedure_code"),
    )


NOC_WITHOUT_DESCRIPTION = Rule(
    rule_id="UNC001",
    category="unclassified_drug",
    severity="error",
    carc="CO-16",
    title="Unclassified drug code without a drug description",
    doc="""\
What it does
    Flags a line billed with a not-otherwise-classified drug code (J3490, J3590, J3591, J7599,
    J7699, J7799, J7999, J8499, J8999, J9999, C9399) that does not describe the drug in SV101-7
    (837P) / SV202-7 (837I) or a line NTE.

Why is this bad
    An unclassified code says only "a drug"; without its name, strength and dose the payer cannot
    price the line and returns it (CARC 16 with remark M119/M123).

Example
    SV1*HC:J3490*67.69*UN*7 with no description and no NTE fails; the implementation guide's
    home-infusion example SV1*HC:J3490:::::Hep Lock see NDC#*10.50*UN*7 passes.

False alarms
    Either place counts, and any non-blank text does.
""",
    check=check_noc_without_description,
)

NOC_WITHOUT_NDC = Rule(
    rule_id="UNC002",
    category="unclassified_drug",
    severity="error",
    carc="CO-16",
    title="Unclassified drug code without an NDC",
    doc="""\
What it does
    Flags a not-otherwise-classified drug line (J3490, J3590, J9999, C9399 and the other NOC codes
    UNC001 lists) with no NDC of
    the drug given (2410 LIN*N4 with CTP).

Why is this bad
    Medicare contractors and Medicaid price unclassified drugs from the NDC; a line without one is
    returned as unprocessable (CARC 16, remark M119).

Example
    J3490 with a description but no LIN fails; with LIN**N4*00338004938 and CTP****7*UN passes.

False alarms
    Only the NOC codes are checked here; NDC requirements for coded drugs are the payer-policy rule
    NDC006.
""",
    check=check_noc_without_ndc,
)

NOC_WITH_CODED_NDC = Rule(
    rule_id="UNC003",
    category="unclassified_drug",
    severity="error",
    carc="CO-16",
    title="Unclassified drug code for a drug that has its own code",
    doc="""\
What it does
    Looks up the NDC of a not-otherwise-classified drug line in the CMS NDC-HCPCS crosswalk; when
    the crosswalk maps it to a specific HCPCS code, that code must be billed instead.

Why is this bad
    NOC codes are only for drugs without a code of their own; payers deny them when a specific code
    exists (and the units of the specific code differ from "1 unit per NOC line").

Example
    J3490 with NDC 57894-0030-01 (Remicade, crosswalked to J1745 per 10 mg) fails and names J1745;
    J3490 with an NDC the crosswalk does not list passes.

False alarms
    Only crosswalk pairs to a non-NOC code count; the NDC must be readable as 11 digits (hyphenated
    10-digit forms are normalized first).
""",
    check=check_noc_with_coded_ndc,
)

RULES = [NOC_WITHOUT_DESCRIPTION, NOC_WITHOUT_NDC, NOC_WITH_CODED_NDC]
