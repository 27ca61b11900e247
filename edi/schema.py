"""Column schemas of the frames the parser produces.

Every frame row carries its source (file, ISA13, GS06, ST02, CLM01, LX01 and segment
positions) so a finding can point at the exact segment and the writer can re-emit the claim.
Segment positions are 1-based ordinals of segments in the whole input file (ISA is 1).
"""

from __future__ import annotations

import polars as pl

SOURCE_COLUMNS: dict[str, pl.DataType] = {
    "source_file": pl.String,
    "interchange_control": pl.String,  # ISA13
    "group_control": pl.String,  # GS06
    "transaction_control": pl.String,  # ST02
}

# One row per ST/SE transaction.
ENVELOPE_SCHEMA: dict[str, pl.DataType] = {
    **SOURCE_COLUMNS,
    "implementation": pl.String,  # GS08 / ST03 as received, e.g. 005010X222A1
    "claim_type": pl.String,  # 837P or 837I
    "sender_id": pl.String,  # ISA06 (trimmed)
    "receiver_id": pl.String,  # ISA08 (trimmed)
    "st_position": pl.Int64,
    "se_position": pl.Int64,
}

# One row per CLM (loop 2300).
CLAIM_SCHEMA: dict[str, pl.DataType] = {
    **SOURCE_COLUMNS,
    "claim_index": pl.Int64,  # 0-based ordinal of the claim in its file: the unique key
    "claim_id": pl.String,  # CLM01
    "claim_type": pl.String,  # 837P / 837I
    "clm_position": pl.Int64,  # position of the CLM segment
    "end_position": pl.Int64,  # position of the claim's last segment
    "billing_hl": pl.String,  # HL01 of the 2000A billing provider loop
    "subscriber_hl": pl.String,  # HL01 of the 2000B subscriber loop
    "patient_hl": pl.String,  # HL01 of the 2000C patient loop, null when the patient is the subscriber
    # positions of those HL segments: the keys the writer uses (HL01 values can repeat in bad files)
    "billing_hl_position": pl.Int64,
    "subscriber_hl_position": pl.Int64,
    "patient_hl_position": pl.Int64,
    "payer_filing_indicator": pl.String,  # SBR09 of the 2000B loop (MB, MA, MC, CI, BL, HM, 16 ...)
    "payer_id": pl.String,  # 2010BB NM109
    "total_charge": pl.Float64,  # CLM02
    "facility_code": pl.String,  # CLM05-1: place of service (837P) or facility type (837I)
    "frequency_code": pl.String,  # CLM05-3
    "bill_type": pl.String,  # 837I: CLM05-1 + CLM05-3, e.g. "131"; null on 837P
    "claim_service_date": pl.Date,  # 837P DTP*472 at 2300, 837I DTP*434 start
    "claim_service_date_end": pl.Date,  # last date of that range (= start for a single date)
    "prior_auth": pl.String,  # 2300 REF*G1
    "diagnoses": pl.List(pl.String),  # HI codes in order (principal first), without qualifiers
    "diagnosis_qualifiers": pl.List(pl.String),  # HI01-1...: ABK/ABF (ICD-10-CM), BK/BF (ICD-9-CM)
    "hi_position": pl.Int64,  # the first HI segment with a diagnosis
}

# One row per LX (loop 2400).
LINE_SCHEMA: dict[str, pl.DataType] = {
    **SOURCE_COLUMNS,
    "claim_index": pl.Int64,
    "claim_id": pl.String,
    "claim_type": pl.String,
    "line_number": pl.Int64,  # LX01
    "lx_position": pl.Int64,
    "sv_position": pl.Int64,  # SV1 / SV2 segment
    "end_position": pl.Int64,  # last segment of the line
    "revenue_code": pl.String,  # SV201 (837I)
    "procedure_qualifier": pl.String,  # SV101-1 / SV202-1 (HC, N4, ...)
    "procedure_code": pl.String,  # SV101-2 / SV202-2
    "modifier_1": pl.String,
    "modifier_2": pl.String,
    "modifier_3": pl.String,
    "modifier_4": pl.String,
    "description": pl.String,  # SV101-7 / SV202-7
    "note": pl.String,  # 2400 NTE02
    "charge": pl.Float64,  # SV102 / SV203
    "unit_basis": pl.String,  # SV103 / SV204 (UN, MJ, DA ...)
    "units": pl.Float64,  # SV104 / SV205
    "service_date": pl.Date,  # 2400 DTP*472 (first date of a range); else the claim's date
    "service_date_end": pl.Date,  # last date of the line's own RD8 range; else = service_date
    "diagnosis_pointers": pl.List(pl.Int64),  # SV107 (837P)
    "ndc_qualifier": pl.String,  # LIN02
    "ndc": pl.String,  # LIN03 as received
    "ndc_quantity": pl.Float64,  # CTP04
    "ndc_unit": pl.String,  # CTP05-1 (F2, GR, ME, ML, UN)
    "lin_position": pl.Int64,
    "ctp_position": pl.Int64,
    "line_prior_auth": pl.String,  # 2400 REF*G1
}


def empty(schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)
