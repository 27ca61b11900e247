"""Drug-diagnosis coverage (category "medical_necessity").

MNC001 no diagnosis the drug line points at is a labelled indication of the drug (warning)
"""

from __future__ import annotations

import polars as pl

from transforms.framework import Frames, Rule
from transforms.rules.drug_lines import CLAIM_KEY, drug_lines, findings, line_label, text

MAX_PREFIX = 7  # ICD-10-CM codes have at most 7 characters


def _line_diagnoses(frames: Frames) -> pl.DataFrame:
    """One row per (drug line, diagnosis it points at): 837P lines by their SV107 pointers; lines
    without pointers (every 837I line) take all the claim's diagnoses."""
    claims = frames.claims.select(*CLAIM_KEY, pl.col("diagnoses").fill_null([]))
    lines = (
        drug_lines(frames)
        .with_row_index("_line")
        .join(claims, on=CLAIM_KEY, how="left")
        .with_columns(pl.col("diagnoses").fill_null([]))
    )
    pointed = (
        lines.filter(pl.col("diagnosis_pointers").list.len() > 0)
        .explode("diagnosis_pointers")
        .with_columns(
            pl.when(pl.col("diagnosis_pointers") >= 1)  # pointer 0 would read the last diagnosis
            .then(pl.col("diagnoses").list.get(pl.col("diagnosis_pointers") - 1, null_on_oob=True))
            .otherwise(None)
            .alias("dx")
        )
        .drop("diagnosis_pointers")
    )
    unpointed = (
        lines.filter(pl.col("diagnosis_pointers").list.len() == 0)
        .with_columns(pl.col("diagnoses").alias("dx"))
        .explode("dx")
        .drop("diagnosis_pointers")
    )
    return (
        pl.concat([pointed, unpointed], how="vertical_relaxed")
        .drop("diagnoses")
        .with_columns(pl.col("dx").str.strip_chars().str.to_uppercase().str.replace_all(r"\.", ""))
    )


def _coverage_for_lines(frames: Frames, ref, line_dx: pl.DataFrame) -> pl.DataFrame:
    """Per (claim, code) of the drug lines: the coverage rows that apply, a payer profile's own
    entry replacing the default one. Joined on the code first, so a claim meets only its drugs'
    rows."""
    profiles = ref.payer_profiles.select(
        pl.col("filing_indicator").alias("payer_filing_indicator"), "profile"
    )
    cov = ref.drug_coverage.with_row_index("_order").rename(
        {"hcpcs": "procedure_code"}
    )  # file order breaks ties
    keyed = (
        line_dx.select(*CLAIM_KEY, "procedure_code")
        .unique()
        .join(frames.claims.select(*CLAIM_KEY, "payer_filing_indicator"), on=CLAIM_KEY, how="left")
        .join(profiles, on="payer_filing_indicator", how="left")
    )
    own = keyed.join(cov, on=["procedure_code", "profile"], how="inner").with_columns(
        pl.format("{} entry", pl.col("profile")).alias("entry")
    )
    default = keyed.drop("profile").join(
        cov.filter(pl.col("profile").is_null()).drop("profile"), on="procedure_code", how="inner"
    )
    default = default.join(
        own.select(*CLAIM_KEY, "procedure_code").unique(), on=[*CLAIM_KEY, "procedure_code"], how="anti"
    ).with_columns(pl.lit("default entry (FDA-labelled indications)").alias("entry"))
    columns = [
        *CLAIM_KEY,
        "procedure_code",
        "drug_name",
        "range_from",
        "range_to",
        "codes",
        "indication",
        "entry",
        "_order",
    ]
    return pl.concat([own.select(columns), default.select(columns)])


def _matches() -> pl.Expr:
    head = pl.col("dx").str.slice(0, pl.col("range_from").str.len_chars())
    return head.is_between(pl.col("range_from"), pl.col("range_to"))


def _common_prefix() -> pl.Expr:
    return pl.sum_horizontal(
        [
            (pl.col("dx").str.slice(0, k) == pl.col("range_from").str.slice(0, k))
            .fill_null(False)
            .cast(pl.Int32)
            for k in range(1, MAX_PREFIX + 1)
        ]
    )


def check_diagnosis_not_covered(frames: Frames, ref) -> pl.DataFrame:
    line_dx = _line_diagnoses(frames)
    coverage = _coverage_for_lines(frames, ref, line_dx)
    pairs = line_dx.join(coverage, on=[*CLAIM_KEY, "procedure_code"], how="inner")
    judged = pairs.with_columns(
        (_matches() & pl.col("dx").is_not_null()).alias("_covered"),
        _common_prefix().alias("_closeness"),
    )
    covered_lines = judged.filter(pl.col("_covered")).select("_line").unique()
    nearest = (
        judged.join(covered_lines, on="_line", how="anti")
        .sort(["_line", "_closeness", "_order"], descending=[False, True, False])
        .group_by("_line", maintain_order=True)
        .agg(
            pl.all().first(),
            pl.col("dx").drop_nulls().unique(maintain_order=True).str.join(", ").alias("_pointed"),
        )
    )
    pointed = pl.when(pl.col("_pointed") == "").then(pl.lit("none")).otherwise(pl.col("_pointed"))
    message = pl.format(
        "{} line {} ({}): the diagnoses it points at ({}) are in none of the ranges of the drug's {} "
        "in drug_coverage.toml (SBR09 {}); the nearest is {} ({}). Payers deny a drug whose diagnosis "
        "does not support it (CARC 50): point the line at the diagnosis it was given for, or document "
        "the off-label use the payer's policy accepts.",
        pl.col("procedure_code"),
        line_label(),
        pl.col("drug_name"),
        pointed,
        pl.col("entry"),
        text("payer_filing_indicator"),
        pl.col("codes"),
        pl.col("indication"),
    )
    return findings(
        nearest,
        segment="sv_position",
        message=message,
        expected=pl.format("a diagnosis in {}", pl.col("codes")),
        actual=pointed,
    )


DIAGNOSIS_NOT_COVERED = Rule(
    rule_id="MNC001",
    category="medical_necessity",
    severity="warning",
    carc="CO-50",
    title="Diagnosis does not support the drug",
    doc="""\
What it does
    For a drug line whose HCPCS code is in reference_data/drug_coverage.toml, checks that at least
    one diagnosis the line points at (SV107 pointers on 837P; every claim diagnosis on 837I and on
    lines without pointers) falls in one of the code's covered ICD-10-CM ranges. The entry for
    the claim's payer profile (by SBR09) is used when there is one, else the default entry. The
    finding names the drug, the diagnoses and the nearest covered range.

Why is this bad
    Payers pay a drug only for the conditions their coverage policy lists (FDA-labelled
    indications, LCDs, commercial medical policies); a diagnosis that does not support the drug
    is denied as not medically necessary (CARC 50), often after the drug has been given.

Example
    J1745 (infliximab) pointing at K50.90 (Crohn's disease) passes; pointing at J06.9 (acute
    upper respiratory infection) warns, naming K50 as the nearest covered range.

False alarms
    A warning only: off-label use with documentation can be covered. Codes without an entry are
    not checked; cancer drugs list the secondary neoplasm codes (C77-C79) so a line pointing at
    the metastasis is not flagged; any one covered diagnosis among those pointed at is enough.
""",
    check=check_diagnosis_not_covered,
)

RULES = [DIAGNOSIS_NOT_COVERED]
