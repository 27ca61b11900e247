"""Payment expectations (category "payment").

PAY001 drug packaged under OPPS (status indicator N) on an 837I outpatient claim: no separate payment
"""

from __future__ import annotations

import polars as pl

from transforms.framework import Frames, Rule
from transforms.rules.drug_lines import bill_type_prefix, drug_lines, findings, line_label, with_opps_status

# Hospital outpatient bill types paid under OPPS: 12x (inpatient Part B), 13x (outpatient),
# 14x (non-patient referred specimens and services).
OPPS_BILL_TYPES = ("12", "13", "14")


def check_packaged_drug(frames: Frames, ref) -> pl.DataFrame:
    df = with_opps_status(
        drug_lines(frames).filter(
            (pl.col("claim_type") == "837I") & bill_type_prefix().is_in(OPPS_BILL_TYPES)
        ),
        ref,
    ).filter(pl.col("opps_si") == "N")
    message = pl.format(
        "{} line {} on bill type {}: OPPS status indicator N ({} Addendum B), so the drug is packaged: "
        "its payment is included in the procedure or visit it goes with, and the line will show no "
        "separate payment (CARC 97). Nothing to fix; do not chase the line's payment. JW/JZ are not "
        "required on packaged drugs.",
        pl.col("procedure_code"),
        line_label(),
        pl.col("bill_type"),
        pl.col("opps_version").fill_null("loaded"),
    )
    return findings(
        df,
        segment="sv_position",
        message=message,
        expected=pl.lit("packaged (SI N)"),
        actual=pl.col("opps_si"),
    )


PACKAGED_DRUG = Rule(
    rule_id="PAY001",
    category="payment",
    severity="info",
    carc="CO-97",
    title="Drug packaged under OPPS: no separate payment",
    doc="""\
What it does
    On 837I hospital outpatient claims (bill types 12x, 13x, 14x), notes each drug line whose
    OPPS status indicator in the latest loaded Addendum B is N (packaged).

Why is this bad
    It is not an error: Medicare pays a packaged drug inside the payment for the service it
    goes with, so the remittance shows the line with no payment (CARC 97, payment included in
    another service). Saying so up front keeps an analyst from working a "denial" that is not
    one, and explains why JW/JZ were not required.

Example
    J2405 (ondansetron, status N) on bill type 131: info. J9312 (rituximab, status K, paid
    separately) on the same claim: nothing.

False alarms
    Info only; 837P claims and other bill types (critical access hospitals, 85x, are paid at
    cost, not under OPPS) are not noted.
""",
    check=check_packaged_drug,
)

RULES = [PACKAGED_DRUG]
