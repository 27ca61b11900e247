"""Billing units on drug lines (category "units").

UNT001 billed units differ from the units implied by the NDC quantity and the code's descriptor
UNT002 fractional billed units
UNT003 zero or negative billed units
UNT004 unit basis (SV103 / SV204) other than UN on a drug line
UNT005 administered plus discarded (JW) units above what the opened vials hold
"""

from __future__ import annotations

import polars as pl

from transforms.framework import Frames, Rule
from transforms.rules.dose import with_containers, with_implied_units
from transforms.rules.drug_lines import (
    CLAIM_KEY,
    drug_lines,
    findings,
    has_modifier,
    is_noc,
    num,
    service_date,
    sv_element,
    text,
)

TOLERANCE = 1e-6


def _is_whole(expr: pl.Expr) -> pl.Expr:
    return (expr - expr.round(0)).abs() <= TOLERANCE


def check_units_vs_ndc_quantity(frames: Frames, ref) -> pl.DataFrame:
    jw = has_modifier("JW")
    lines = drug_lines(frames).filter(
        ~is_noc()
        & pl.col("units").is_not_null()
        & (pl.col("units") > 0)
        & _is_whole(pl.col("units"))
        & pl.col("ndc_quantity").is_not_null()
        & (pl.col("ndc_quantity") > 0)
    )
    df = with_implied_units(lines, ref).filter(
        pl.col("expected_units").is_not_null()
        & ((pl.col("units") - pl.col("expected_units")).abs() > TOLERANCE)
        # A JW line whose waste is under one billing unit is JWZ005's finding.
        & ~(jw & (pl.col("expected_units") == 0))
    )
    rounding = (
        pl.when(jw)
        .then(pl.lit("discarded amounts (JW line) round down"))
        .otherwise(pl.lit("administered doses round up to the next whole unit"))
    )
    message = pl.format(
        "{}{} NDC {}: {} = {} billing units; {}, so bill {} units, not {}.",
        pl.col("procedure_code"),
        pl.when(jw).then(pl.lit("-JW")).otherwise(pl.lit("")),
        text("ndc"),
        pl.col("derivation"),
        num(pl.col("implied_units")),
        rounding,
        num(pl.col("expected_units")),
        num(pl.col("units")),
    )
    return findings(
        df,
        segment="sv_position",
        message=message,
        expected=num(pl.col("expected_units")),
        actual=num(pl.col("units")),
    )


def check_fractional_units(frames: Frames, ref) -> pl.DataFrame:
    jw = has_modifier("JW")
    df = drug_lines(frames).filter(
        pl.col("units").is_not_null() & (pl.col("units") > 0) & ~_is_whole(pl.col("units"))
    )
    whole = pl.when(jw).then(pl.col("units").floor()).otherwise(pl.col("units").ceil())
    message = pl.format(
        "{}{} is billed with {} units in {}: payers accept whole billing units only. {}: bill {} units.",
        pl.col("procedure_code"),
        pl.when(jw).then(pl.lit("-JW")).otherwise(pl.lit("")),
        num(pl.col("units")),
        sv_element("SV104", "SV205"),
        pl.when(jw)
        .then(pl.lit("Round a discarded amount (JW line) down"))
        .otherwise(pl.lit("Round the administered dose up to the next whole unit")),
        num(whole),
    )
    return findings(
        df, segment="sv_position", message=message, expected=num(whole), actual=num(pl.col("units"))
    )


def check_non_positive_units(frames: Frames, ref) -> pl.DataFrame:
    df = drug_lines(frames).filter(pl.col("units").is_not_null() & (pl.col("units") <= 0))
    message = pl.format(
        "{} is billed with {} units in {}: a drug line must carry at least 1 billing unit "
        "(the dose divided by the code's descriptor, rounded up).",
        pl.col("procedure_code"),
        num(pl.col("units")),
        sv_element("SV104", "SV205"),
    )
    return findings(
        df, segment="sv_position", message=message, expected=pl.lit(">= 1"), actual=num(pl.col("units"))
    )


def check_unit_basis(frames: Frames, ref) -> pl.DataFrame:
    basis = pl.col("unit_basis").fill_null("").str.strip_chars()
    df = drug_lines(frames).filter(basis != "UN")
    shown = pl.when(basis == "").then(pl.lit("(missing)")).otherwise(basis)
    message = pl.format(
        "{} has unit basis {} in {}: drug lines are billed in units of the code's descriptor; use UN.",
        pl.col("procedure_code"),
        shown,
        sv_element("SV103", "SV204"),
    )
    return findings(df, segment="sv_position", message=message, expected=pl.lit("UN"), actual=shown)


def check_waste_beyond_containers(frames: Frames, ref) -> pl.DataFrame:
    jw = has_modifier("JW")
    lines = drug_lines(frames).filter(
        ~is_noc()
        & pl.col("service_date").is_not_null()
        & pl.col("units").is_not_null()
        & (pl.col("units") > 0)
    )
    key = [*CLAIM_KEY, "procedure_code", "service_date"]
    given = with_containers(lines.filter(~jw), ref)
    doses = given.group_by(key).agg(
        pl.col("units").sum().alias("given_units"),
        pl.col("capacity_units").sum().alias("capacity"),
        pl.col("containers").sum().alias("containers_total"),
        # every administered line must say how many vials it opened, else the group is not judged
        pl.col("capacity_units").is_null().any().alias("_unknown"),
        pl.col("ndc").drop_nulls().unique().sort().str.join(", ").alias("ndcs"),
        pl.format("{} {}", num(pl.col("ndc_quantity")), pl.col("ndc_unit").fill_null(""))
        .str.join(" + ")
        .alias("quantities"),
    )
    waste = (
        lines.filter(jw)
        .sort("sv_position")
        .group_by(key, maintain_order=True)
        .agg(
            pl.all().first(),
            pl.col("units").sum().alias("jw_units"),
            # a JW line with its own NDC quantity is judged exactly by UNT001
            pl.col("ndc_quantity").is_not_null().any().alias("_own_quantity"),
        )
    )
    df = (
        waste.join(doses, on=key, how="inner")
        .filter(~pl.col("_unknown") & ~pl.col("_own_quantity"))
        .with_columns((pl.col("capacity") - pl.col("given_units")).alias("room"))
        .filter(pl.col("given_units") + pl.col("jw_units") > pl.col("capacity") + TOLERANCE)
    )
    message = pl.format(
        "{} on {}: {} units administered + {} discarded (JW) = {}, but the administered NDC "
        "quantity ({} of NDC {}) fills {} container(s) holding {} billing units, so at most {} units "
        "can be billed as discarded. If vials of another size were opened too, report each NDC on its "
        "own line.",
        pl.col("procedure_code"),
        service_date(),
        num(pl.col("given_units")),
        num(pl.col("jw_units")),
        num(pl.col("given_units") + pl.col("jw_units")),
        pl.col("quantities"),
        pl.col("ndcs"),
        num(pl.col("containers_total")),
        num(pl.col("capacity")),
        num(pl.max_horizontal(pl.col("room"), pl.lit(0.0))),
    )
    return findings(
        df,
        segment="sv_position",
        message=message,
        expected=pl.format("<= {}", num(pl.max_horizontal(pl.col("room"), pl.lit(0.0)))),
        actual=num(pl.col("jw_units")),
    )


UNITS_VS_NDC_QUANTITY = Rule(
    rule_id="UNT001",
    category="units",
    severity="error",
    carc="CO-16",
    title="Billed units do not match the NDC quantity and the code's dosage descriptor",
    doc="""\
What it does
    On drug lines (J codes and Q51xx biosimilars) with an NDC quantity (CTP04/CTP05), derives the
    billing units the quantity implies: mass (ME, GR) or international units (F2) converted to the
    unit of the code's dosage descriptor and divided by its amount; UN times the billing units per
    item of that NDC in the CMS NDC-HCPCS crosswalk; mL divided by a per-mL descriptor, or by the
    NDC's package size times its billing units per item (skipped when the package size is 1, which
    can mean one vial of powder). The administered dose rounds up to the next whole unit; a
    discarded amount on a JW line rounds down. The descriptor is the one in force on the date of
    service.

Why is this bad
    Units are how the payer prices the drug: the wrong count is an overpayment (recouped on audit,
    RAC issue 0074) or an underpayment. Miscounting the descriptor ("per 10 mg" read as "per mg")
    is the most common J-code billing error.

Example
    J1745 (infliximab, 10 mg) with CTP*...*400*ME (400 mg) billed as 400 units: implied 40, bill 40.
    J9035 (bevacizumab, 10 mg), NDC 50242006001 (4 mL, 10 billing units per vial): 6.24 mL given ->
    16 units; 1.76 mL discarded on the JW line -> 4 units, not 5.

False alarms
    Fires only when the units can be derived exactly: lines without an NDC quantity, NDCs the
    crosswalk lacks (for UN or mL quantities), descriptors the quantity's unit cannot convert to,
    and mL quantities of a package size of 1 are skipped. Administered amounts round up and JW
    amounts round down, as CMS instructs, so a correctly rounded line is never flagged.
""",
    check=check_units_vs_ndc_quantity,
)

FRACTIONAL_UNITS = Rule(
    rule_id="UNT002",
    category="units",
    severity="error",
    carc="CO-16",
    title="Fractional billing units on a drug line",
    doc="""\
What it does
    Flags drug lines whose billed units (SV104 / SV205) are not a whole number.

Why is this bad
    Billing units are whole multiples of the code's descriptor; payers reject partial units. The
    administered dose is rounded up to the next whole unit; a discarded (JW) amount is rounded down.

Example
    J1745 (per 10 mg), 375 mg given, billed as 37.5 units. Right: 38 units.

False alarms
    Only drug lines; a whole number sent with decimals (16.00) is whole.
""",
    check=check_fractional_units,
)

NON_POSITIVE_UNITS = Rule(
    rule_id="UNT003",
    category="units",
    severity="error",
    carc="CO-16",
    title="Zero or negative billing units on a drug line",
    doc="""\
What it does
    Flags drug lines billed with 0 or negative units.

Why is this bad
    A drug line with no units cannot be priced and is returned as unprocessable; a dose smaller than
    one descriptor amount is still billed as 1 unit.

Example
    J2405 (ondansetron, per 1 mg) billed with 0 units. Right: the dose in mg, at least 1.

False alarms
    Only drug lines that carry units; a missing quantity is an implementation-guide error
    (SYN001).
""",
    check=check_non_positive_units,
)

UNIT_BASIS = Rule(
    rule_id="UNT004",
    category="units",
    severity="error",
    carc="CO-16",
    title="Drug line not billed in units (UN)",
    doc="""\
What it does
    Flags drug lines whose unit basis (SV103 on 837P, SV204 on 837I) is not UN.

Why is this bad
    J codes are priced per billing unit of their descriptor. Minutes (MJ) or other bases make the
    quantity meaningless to the payer's pricer and the line is rejected.

Example
    SV1*HC:J9035*1200*MJ*16 -> SV1*HC:J9035*1200*UN*16.

False alarms
    Only drug lines: other services are legitimately billed on other bases (anesthesia in minutes,
    MJ).
""",
    check=check_unit_basis,
)

WASTE_BEYOND_CONTAINERS = Rule(
    rule_id="UNT005",
    category="units",
    severity="error",
    carc="CO-16",
    title="Administered plus discarded units exceed what the opened vials hold",
    doc="""\
What it does
    For one drug and date of service on a claim with JW lines that carry no NDC quantity of their
    own, works out the containers the administered lines' NDC quantities opened (the dose's
    billing units divided by the NDC's billing units per item in the CMS NDC-HCPCS crosswalk,
    rounded up) and the billing units they hold, and flags the first JW line when the
    administered units plus the JW units exceed that.

Why is this bad
    Discarded drug is what is left in the vials opened for the dose; billing more than the vials
    held is an overpayment that audits recoup (CMS JW policy, Pub 100-04 ch.17 s.40).

Example
    J9035 (bevacizumab, 10 mg) with NDC 50242006001 (100 mg / 4 mL, 10 billing units per vial):
    6.24 mL given = 15.6 units, 2 vials = 20 units. Billed J9035 x16 + J9035-JW x5 (no CTP on the
    JW line): 21 > 20, at most 4 discarded. Right: J9035 x16 + J9035-JW x4.

False alarms
    Only when every administered line's vials can be counted from its NDC and the crosswalk; JW
    lines with their own NDC quantity are left to UNT001, which judges them exactly. A dose drawn
    from vials of several sizes is billed one NDC per line, as CMS asks; the message says so.
""",
    check=check_waste_beyond_containers,
)

RULES = [UNITS_VS_NDC_QUANTITY, FRACTIONAL_UNITS, NON_POSITIVE_UNITS, UNIT_BASIS, WASTE_BEYOND_CONTAINERS]
