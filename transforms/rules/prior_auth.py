"""Prior authorization (category "prior_auth").

PAU001 drug line without a prior authorization number (REF*G1) where the payer policy needs one
"""

from __future__ import annotations

import polars as pl

from transforms.framework import Frames, Rule
from transforms.rules.drug_lines import blank, drug_lines, findings, line_label, num


def check_missing_prior_auth(frames: Frames, ref) -> pl.DataFrame:
    profiles = ref.payer_profiles.select(
        pl.col("filing_indicator").alias("payer_filing_indicator"),
        "profile",
        "prior_auth_codes",
        "prior_auth_cost_threshold",
    )
    df = (
        drug_lines(frames)
        .join(
            frames.claims.select("source_file", "claim_index", "prior_auth"),
            on=["source_file", "claim_index"],
        )
        .join(profiles, on="payer_filing_indicator", how="inner")
        .filter(blank("prior_auth") & blank("line_prior_auth"))
        .with_columns(
            pl.col("procedure_code").is_in(pl.col("prior_auth_codes").fill_null([])).alias("_listed"),
            (
                pl.col("prior_auth_cost_threshold").is_not_null()
                & pl.col("charge").is_not_null()
                & (pl.col("charge") >= pl.col("prior_auth_cost_threshold"))
            ).alias("_costly"),
        )
        .filter(pl.col("_listed") | pl.col("_costly"))
    )
    reason = (
        pl.when(pl.col("_listed"))
        .then(
            pl.format(
                "the {} payer policy lists {} as needing prior authorization",
                pl.col("profile"),
                pl.col("procedure_code"),
            )
        )
        .otherwise(
            pl.format(
                "the {} payer policy needs prior authorization for a drug line charged {} or more "
                "(this line: {})",
                pl.col("profile"),
                num(pl.col("prior_auth_cost_threshold")),
                num(pl.col("charge")),
            )
        )
    )
    message = pl.format(
        "{} line {} (SBR09 {}): {}, and neither the claim (2300 REF*G1) nor the line (2400 REF*G1) "
        "carries an authorization number.",
        pl.col("procedure_code"),
        line_label(),
        pl.col("payer_filing_indicator"),
        reason,
    )
    return findings(
        df,
        segment="sv_position",
        message=message,
        expected=pl.lit("REF*G1 prior authorization number"),
        actual=pl.lit("none"),
    )


MISSING_PRIOR_AUTH = Rule(
    rule_id="PAU001",
    category="prior_auth",
    severity="error",
    carc="CO-197",
    title="Prior authorization number missing",
    doc="""\
What it does
    Flags a drug line with no prior authorization number (REF*G1 in loop 2300 or 2400) when its
    payer profile (chosen by the claim's SBR09 filing indicator in payer_policy.toml) lists its
    HCPCS code under prior_auth_codes, or its charge reaches the profile's
    prior_auth_cost_threshold.

Why is this bad
    The payer denies the drug with CARC 197 (precertification/authorization absent); the practice
    must obtain and report the number before the claim goes out.

Example
    A commercial (SBR09 CI) claim with J9312 (rituximab) and no REF*G1 fails; the same claim with
    REF*G1*AUTH123 at the claim or the line passes; a Medicare Part B (MB) claim passes, its profile
    lists no codes.

False alarms
    An authorization at either level counts; only payers with a profile are checked, and the default
    profiles list codes only for commercial payers.
""",
    check=check_missing_prior_auth,
)

RULES = [MISSING_PRIOR_AUTH]
