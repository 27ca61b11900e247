"""Dose arithmetic: the billing units implied by a line's NDC quantity (CTP04/CTP05).

Derivation, by the NDC unit of measure (CTP05):
  (a) ME, GR, F2: the quantity converted to the unit of the code's dosage descriptor (mass
      MG/MCG/G for ME and GR; UNITS for F2), divided by the descriptor amount.
  (b) UN: quantity x billing units per item of that NDC in the CMS NDC-HCPCS crosswalk, only
      when the crosswalk lists the NDC under the billed code.
  (c) ML: descriptor in mL -> quantity / descriptor amount; else, with the crosswalk row for the
      billed code, quantity / package size x billing units per item, only when the package size
      is not 1 (a package size of 1 can mean "one vial of powder", where mL arithmetic is false).
The descriptor is the one in force on the date of service: the HCPCS file first, the ASP
pricing file of the quarter covering the date as fallback. No descriptor -> no derivation.

Expected billing units: administered lines round the dose up (ceil), waste lines (JW) round the
discarded amount down (floor); `implied` is rounded to 6 decimals first so that float noise
(e.g. 1.76 / 4 x 10 = 4.3999999) does not move a whole number.
"""

from __future__ import annotations

import polars as pl

from transforms.rules.drug_lines import crosswalk_latest, has_modifier, ndc11, ndc_unit_name, num

# Grams per descriptor mass unit.
GRAMS = {"MG": 1e-3, "MCG": 1e-6, "G": 1.0}
# Grams per CTP05 mass unit.
NDC_GRAMS = {"ME": 1e-3, "GR": 1.0}
UNIT_ALIASES = {"CC": "ML", "IU": "UNITS", "UNIT": "UNITS", "U": "UNITS", "GM": "G", "GRAM": "G"}


def _normal_unit(col: str) -> pl.Expr:
    u = pl.col(col).str.strip_chars().str.to_uppercase()
    return u.replace(UNIT_ALIASES)


def _usable(table: pl.DataFrame, valid_from: str, valid_to: str, priority: int) -> pl.DataFrame:
    """Rows with a numeric descriptor, in the common candidate shape."""
    return table.filter(
        pl.col("dosage_amount").is_not_null()
        & (pl.col("dosage_amount") > 0)
        & pl.col("dosage_unit").is_not_null()
    ).select(
        pl.col("hcpcs"),
        pl.col("dosage_descriptor"),
        pl.col("dosage_amount"),
        _normal_unit("dosage_unit").alias("dosage_unit"),
        pl.col(valid_from).alias("valid_from"),
        pl.col(valid_to).alias("valid_to"),
        pl.lit(priority).alias("priority"),
    )


def descriptors(ref) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Candidate descriptor rows from the HCPCS file (priority 0) and ASP pricing (priority 1)."""
    return (
        _usable(ref.hcpcs, "add_date", "termination_date", 0),
        _usable(ref.asp_pricing, "effective_start", "effective_end", 1),
    )


def with_descriptor(lines: pl.DataFrame, ref) -> pl.DataFrame:
    """Add dosage_descriptor / dosage_amount / dosage_unit in force on each line's service date."""
    base = lines.with_row_index("_row")
    hcpcs, asp = descriptors(ref)
    cand = pl.concat([hcpcs, asp], how="vertical_relaxed")
    dos = pl.col("service_date")
    started = pl.col("valid_from").is_null() | (pl.col("valid_from") <= dos)
    not_ended = pl.col("valid_to").is_null() | (pl.col("valid_to") >= dos)
    in_force = dos.is_null() | (started & not_ended)
    picked = (
        base.select("_row", "procedure_code", "service_date")
        .join(cand, left_on="procedure_code", right_on="hcpcs", how="inner")
        .filter(in_force)
        .sort("_row", "priority", "valid_from", descending=[False, False, True], nulls_last=True)
        .group_by("_row", maintain_order=True)
        .first()
        .select("_row", "dosage_descriptor", "dosage_amount", "dosage_unit")
    )
    return base.join(picked, on="_row", how="left").drop("_row")


def with_implied_units(lines: pl.DataFrame, ref) -> pl.DataFrame:
    """Add `implied_units` (float), `expected_units` (whole), `derivation` (text) to drug lines.

    Lines where no derivation applies get nulls.
    """
    xw = crosswalk_latest(ref).select(
        pl.col("ndc11").alias("_ndc11"),
        pl.col("hcpcs").alias("procedure_code"),
        pl.col("pkg_size").alias("xw_pkg_size"),
        pl.col("bill_units_per_item").alias("xw_bill_units"),
    )
    df = (
        with_descriptor(lines, ref)
        .with_columns(ndc11().alias("_ndc11"))
        .join(xw, on=["_ndc11", "procedure_code"], how="left")
    )
    q = pl.col("ndc_quantity")
    u = pl.col("ndc_unit").str.strip_chars().str.to_uppercase()
    du = pl.col("dosage_unit")
    da = pl.col("dosage_amount")
    du_grams = du.replace_strict(GRAMS, default=None, return_dtype=pl.Float64)
    ndc_grams = u.replace_strict(NDC_GRAMS, default=None, return_dtype=pl.Float64)
    has_xw = pl.col("xw_bill_units").is_not_null() & (pl.col("xw_bill_units") > 0)
    pkg = pl.col("xw_pkg_size")
    descriptor = pl.coalesce(pl.col("dosage_descriptor"), pl.format("{} {}", num(da), du))
    qty = pl.format("{} {}", num(q), ndc_unit_name())

    mass = u.is_in(["ME", "GR"]) & du_grams.is_not_null()
    intl = (u == "F2") & (du == "UNITS")
    un = (u == "UN") & has_xw
    ml_desc = (u == "ML") & (du == "ML")
    ml_xw = (u == "ML") & (du.fill_null("") != "ML") & has_xw & pkg.is_not_null() & (pkg > 0) & (pkg != 1)
    usable = q.is_not_null() & (q > 0)

    implied = (
        pl.when(~usable)
        .then(None)
        .when(mass)
        .then(q * ndc_grams / du_grams / da)
        .when(intl)
        .then(q / da)
        .when(un)
        .then(q * pl.col("xw_bill_units"))
        .when(ml_desc)
        .then(q / da)
        .when(ml_xw)
        .then(q / pkg * pl.col("xw_bill_units"))
        .otherwise(None)
    )
    derivation = (
        pl.when(~usable)
        .then(None)
        .when(mass | intl | ml_desc)
        .then(pl.format("NDC quantity {} / descriptor {}", qty, descriptor))
        .when(un)
        .then(
            pl.format(
                "NDC quantity {} x {} billing units per item (CMS NDC-HCPCS crosswalk; descriptor {})",
                qty,
                num(pl.col("xw_bill_units")),
                descriptor,
            )
        )
        .when(ml_xw)
        .then(
            pl.format(
                "NDC quantity {} / {} mL per item x {} billing units per item "
                "(CMS NDC-HCPCS crosswalk; descriptor {})",
                qty,
                num(pkg),
                num(pl.col("xw_bill_units")),
                descriptor,
            )
        )
        .otherwise(None)
    )
    df = df.with_columns(implied.alias("implied_units"), derivation.alias("derivation"))
    r = pl.col("implied_units").round(6)
    expected = pl.when(has_modifier("JW")).then(r.floor()).otherwise(pl.max_horizontal(r.ceil(), pl.lit(1.0)))
    return df.with_columns(
        pl.when(pl.col("implied_units").is_not_null()).then(expected).otherwise(None).alias("expected_units"),
        pl.when(has_xw).then(pl.col("xw_bill_units")).otherwise(None).alias("item_units"),
        pl.when(has_xw).then(pkg).otherwise(None).alias("item_size"),
    ).drop("_ndc11", "xw_pkg_size", "xw_bill_units")


CONTAINER_TOLERANCE = 0.01  # of one item


def with_containers(lines: pl.DataFrame, ref) -> pl.DataFrame:
    """`with_implied_units` plus, where the crosswalk gives the NDC's billing units per item
    (one vial, syringe...): `containers` opened (the dose's units / units per item, rounded up),
    `capacity_units` they hold and `leftover_units` (capacity minus the dose, not rounded).

    A dose is taken to come from items of the billed NDC only; a dose drawn from vials of several
    sizes should be reported as one line per NDC.
    """
    df = with_implied_units(lines, ref)
    per_item = pl.col("item_units")
    dose = pl.col("implied_units").round(6)
    known = dose.is_not_null() & per_item.is_not_null() & (per_item > 0)
    # CMS rounds billing units per item to 2 decimals (33.33, 8.33): a whole vial must not count
    # as two, so a dose within 1% of a whole number of items counts as that many items.
    ratio = dose / per_item
    containers = (
        pl.when(known)
        .then(pl.max_horizontal((ratio - CONTAINER_TOLERANCE).ceil(), pl.lit(1.0)))
        .otherwise(None)
    )
    return (
        df.with_columns(containers.alias("containers"))
        .with_columns(
            (pl.col("containers") * per_item).alias("capacity_units"),
        )
        .with_columns(
            (pl.col("capacity_units") - dose).round(6).clip(lower_bound=0.0).alias("leftover_units")
        )
    )
