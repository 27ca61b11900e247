"""The in-memory reference data a run uses: Polars frames with fixed schemas.

The builder (`reference_data.build`) writes these tables as Parquet into this package;
`reference_data.load.load_reference()` reads them back into a `Reference`.
Column meanings, units and sources are documented in reference_data/README.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

HCPCS_SCHEMA: dict[str, pl.DataType] = {
    "hcpcs": pl.String,
    "short_description": pl.String,
    "long_description": pl.String,
    "dosage_descriptor": pl.String,  # as CMS writes it, e.g. "10 MG"; null when CMS gives none
    "dosage_amount": pl.Float64,  # 10.0 for "10 MG"; null for non-numeric descriptors
    "dosage_unit": pl.String,  # normalized: MG, MCG, G, ML, UNITS, EACH, ...
    "add_date": pl.Date,
    "effective_date": pl.Date,
    "termination_date": pl.Date,
    "action_code": pl.String,
}

ASP_PRICING_SCHEMA: dict[str, pl.DataType] = {
    "hcpcs": pl.String,
    "quarter": pl.String,  # "2025Q4"
    "effective_start": pl.Date,
    "effective_end": pl.Date,
    "dosage_descriptor": pl.String,
    "dosage_amount": pl.Float64,
    "dosage_unit": pl.String,
    "payment_limit": pl.Float64,  # dollars per billing unit
}

NDC_CROSSWALK_SCHEMA: dict[str, pl.DataType] = {
    "ndc11": pl.String,  # 11 digits, 5-4-2, no hyphens
    "hcpcs": pl.String,
    "labeler": pl.String,
    "drug_name": pl.String,
    "hcpcs_dosage": pl.String,
    "pkg_size": pl.Float64,  # amount in one item (CMS "PKG SIZE")
    "pkg_qty": pl.Float64,  # items in the NDC package (CMS "PKG QTY")
    "bill_units_per_item": pl.Float64,  # CMS "BILLUNITS"
    "bill_units_per_ndc": pl.Float64,  # CMS "BILLUNITSPKG"
    "quarter": pl.String,
}

MUE_SCHEMA: dict[str, pl.DataType] = {
    "hcpcs": pl.String,
    "setting": pl.String,  # practitioner | outpatient_hospital
    "mue_value": pl.Int64,
    "mai": pl.Int64,  # 1 line, 2 date of service (policy), 3 date of service (clinical)
    "rationale": pl.String,
    "version": pl.String,
}

OPPS_STATUS_SCHEMA: dict[str, pl.DataType] = {
    "hcpcs": pl.String,
    "status_indicator": pl.String,  # K, G, N, K1, E1 ...
    "apc": pl.String,
    "payment_rate": pl.Float64,
    "version": pl.String,
}

ADMIN_CODES_SCHEMA: dict[str, pl.DataType] = {
    "code": pl.String,
    "kind": pl.String,  # primary | add_on
    "family": pl.String,  # hydration | injection | push | infusion | chemotherapy
    "allowed_primaries": pl.List(pl.String),  # empty for primary codes
}

PAYER_PROFILE_SCHEMA: dict[str, pl.DataType] = {
    "filing_indicator": pl.String,  # SBR09
    "profile": pl.String,  # e.g. medicare_part_b, medicaid, commercial
    "jw_jz_required": pl.Boolean,
    "ndc_required": pl.Boolean,
    "prior_auth_codes": pl.List(pl.String),
    "prior_auth_cost_threshold": pl.Float64,  # null = no threshold
    "mue_applies": pl.Boolean,  # CMS Medically Unlikely Edits apply (MUE001-MUE003)
}

MULTI_DOSE_SCHEMA: dict[str, pl.DataType] = {
    "hcpcs": pl.String,  # null when the entry is an NDC
    "ndc11": pl.String,  # null when the entry is a whole code
    "note": pl.String,
}


DRUG_COVERAGE_SCHEMA: dict[str, pl.DataType] = {
    "hcpcs": pl.String,
    "drug_name": pl.String,
    "profile": pl.String,  # null: the default entry; else the payer profile it applies to
    "range_from": pl.String,  # ICD-10-CM prefix without dots, e.g. "C82" or "L405"
    "range_to": pl.String,  # same length as range_from; equal to it for a single prefix
    "codes": pl.String,  # the range as written, e.g. "C82-C85"
    "indication": pl.String,
    "source": pl.String,
}


def _empty_coverage() -> pl.DataFrame:
    return pl.DataFrame(schema=DRUG_COVERAGE_SCHEMA)


@dataclass(frozen=True)
class Reference:
    hcpcs: pl.DataFrame
    asp_pricing: pl.DataFrame
    ndc_crosswalk: pl.DataFrame
    mue: pl.DataFrame
    opps_status: pl.DataFrame
    admin_codes: pl.DataFrame
    payer_profiles: pl.DataFrame
    multi_dose: pl.DataFrame
    version: dict[str, Any] = field(default_factory=dict)
    drug_coverage: pl.DataFrame = field(default_factory=_empty_coverage)
    # safe fixes switched on in payer_policy.toml [fixes] (edi/fixes.py FIX_KINDS)
    fixes: frozenset[str] = frozenset({"ndc_format", "stray_spaces"})
