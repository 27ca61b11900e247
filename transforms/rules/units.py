"""Billing units on drug lines (category "units").

UNT001 billed units differ from the units implied by the NDC quantity and the code's descriptor
UNT002 fractional billed units
UNT003 zero or negative billed units
UNT004 unit basis (SV103 / SV204) other than UN on a drug line
"""

from __future__ import annotations

import polars as pl

from transforms.framework import Frames, Rule
from transforms.rules.dose import with_implied_units
from transforms.rules.drug_lines import drug_lines, findings, has_modifier, is_noc, num, sv_element, text

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


UNITS_VS_NDC_QUANTITY = Rule(
    rule_id="UNT001",
    category="units",
    severity="error",
    carc="CO-16",
    title="Billed units do not match the NDC quantity and the code's dosage descriptor",
    doc="""\
What it does
    On drug lines (J codes) with an NDC quantity (CTP04/CTP05), derives the billing units the
    quantity implies: mass (ME, GR) or international units (F2) converted to the unit of the code's
    dosage descriptor and divided by its amount; UN times the billing units per item of that NDC
    in the CMS NDC-HCPCS crosswalk; mL divided by a per-mL descriptor, or by the NDC's package size
    times its billing units per item (skipped when the package size is 1, which can mean one vial
    of powder). The administered dose rounds up to the next whole unit; a discarded amount on a JW
    line rounds down. The descriptor is the one in force on the date of service.

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
    Only J-code lines; a whole number sent with decimals (16.00) is whole.
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
    Only J-code lines that carry units; a missing quantity is an implementation-guide error
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
    Only J-code lines: other services are legitimately billed on other bases (anesthesia in minutes,
    MJ).
""",
    check=check_unit_basis,
)

RULES = [UNITS_VS_NDC_QUANTITY, FRACTIONAL_UNITS, NON_POSITIVE_UNITS, UNIT_BASIS]
