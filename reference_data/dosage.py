"""Parse CMS HCPCS dosage descriptors ("10 MG", "1000 MCG", "PER VIAL" ...) into amount + unit.

The descriptor is upper-cased and its whitespace normalized (NBSP and U+FFFD become spaces), then:

1. "<amount> <unit>", optionally preceded by "UP TO" and followed by a parenthesised alternative:
   amount and normalized unit. "10 MG" -> (10, MG); "100,000 UNITS" -> (100000, UNITS);
   ".625 GM" -> (0.625, G); "1 CC" -> (1, ML); "50 MCG (250 IU)" -> (50, MCG);
   "75MG (50MG CFT/25MG TAZ)" -> (75, MG); "UP TO 5 MG" -> (5, MG) (one unit covers up to 5 mg,
   so ceil(dose / 5) units); "1 MILLION PFU" -> (1e6, PFU).
   Units: MG, MCG, G (GM), ML (CC), UNITS (UNIT, USP UNIT), IU (I.U., I.U. VWF:RCO), EACH (EA,
   EACH, DOSE), SQ CM, MEQ, MICROCURIE, PFU. IU is kept as IU, not folded into UNITS.
2. "PER ... IU" (e.g. "PER FACTOR VIII IU") -> (1, IU).
3. Per-item descriptors -> (1, EACH): one billing unit is one vial / dose / treatment / infusion,
   whatever it contains: "PER VIAL", "PER DOSE", "PER THERAPEUTIC DOSE", "PER TREATMENT",
   "PER INFUSION ...", "PER 3.2 MG SINGLE-USE APPLICATOR", "UP TO 200 MILLION CAR T CELLS",
   ranges "LESS THAN OR EQUAL TO 100 MG", "GREATER THAN 100 MG", "... DAYS OF THERAPY".
4. Anything else, notably fixed-ratio combinations ("10 MG/3MG", "3 MG & 3 MG", "4 MG-4 MG-2 MG"),
   -> (null, null): rules must not do unit arithmetic on these.
"""

from __future__ import annotations

import polars as pl

_UNITS: dict[str, str] = {
    "MG": "MG",
    "MCG": "MCG",
    "GM": "G",
    "G": "G",
    "ML": "ML",
    "CC": "ML",
    "UNIT": "UNITS",
    "UNITS": "UNITS",
    "USP UNIT": "UNITS",
    "USP UNITS": "UNITS",
    "IU": "IU",
    "I.U.": "IU",
    "I.U. VWF:RCO": "IU",
    "EA": "EACH",
    "EACH": "EACH",
    "DOSE": "EACH",
    "SQ CM": "SQ CM",
    "MEQ": "MEQ",
    "MICROCURIE": "MICROCURIE",
    "MILLION PFU": "PFU",
}
_FACTORS: dict[str, float] = {"MILLION PFU": 1e6}

_UNIT_ALTERNATION = "|".join(sorted((u.replace(".", r"\.") for u in _UNITS), key=len, reverse=True))
_MEASURE = rf"^(?:UP TO )?(\d[\d,]*(?:\.\d+)?|\.\d+) ?({_UNIT_ALTERNATION})(?: \(.*\))?$"
_PER_IU = r"^PER\b.*\bIU$"
_PER_ITEM = r"^(?:PER\b|UP TO \d+ MILLION\b|LESS THAN\b|GREATER THAN\b)|\bDAYS OF THERAPY$"


def clean_text_expr(expr: pl.Expr) -> pl.Expr:
    """Text as CMS writes it, with NBSP / U+FFFD / runs of whitespace made single spaces."""
    return expr.str.replace_all(r"[\s\u00a0\ufffd]+", " ").str.strip_chars().replace("", None)


def dosage_exprs(expr: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(amount, unit) Polars expressions for a descriptor String expression."""
    text = clean_text_expr(expr).str.to_uppercase()
    raw_unit = text.str.extract(_MEASURE, 2)
    number = text.str.extract(_MEASURE, 1).str.replace_all(",", "").cast(pl.Float64)
    factor = raw_unit.replace_strict(_FACTORS, default=1.0, return_dtype=pl.Float64)
    measure_unit = raw_unit.replace_strict(_UNITS, default=None, return_dtype=pl.String)
    per_iu = text.str.contains(_PER_IU)
    per_item = text.str.contains(_PER_ITEM)
    amount = (
        pl.when(raw_unit.is_not_null())
        .then(number * factor)
        .when(per_iu | per_item)
        .then(pl.lit(1.0))
        .otherwise(pl.lit(None, dtype=pl.Float64))
    )
    unit = (
        pl.when(raw_unit.is_not_null())
        .then(measure_unit)
        .when(per_iu)
        .then(pl.lit("IU"))
        .when(per_item)
        .then(pl.lit("EACH"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    return amount, unit


def parse_dosage(text: str | None) -> tuple[float | None, str | None]:
    """(amount, unit) for one descriptor; see the module docstring for the rules."""
    if not isinstance(text, str):
        return None, None
    amount, unit = dosage_exprs(pl.lit(text, dtype=pl.String))
    row = pl.select(amount.alias("amount"), unit.alias("unit")).row(0)
    return row[0], row[1]
