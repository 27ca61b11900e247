"""NDC normalization to the 11-digit 5-4-2 form (no hyphens).

Accepted inputs (surrounding whitespace ignored):

- 11 digits, plain or hyphenated 5-4-2            -> digits as they are
- 10-digit NDC hyphenated 4-4-2 (e.g. 0409-4759-01)  -> zero-pad the labeler   (00409475901)
- 10-digit NDC hyphenated 5-3-2 (e.g. 50242-060-01)  -> zero-pad the product   (50242006001)
- 10-digit NDC hyphenated 5-4-1 (e.g. 57894-0030-1)  -> zero-pad the package   (57894003001)

Everything else gives None: other hyphen layouts (e.g. "005-170-03125"), 10 digits without
hyphens (ambiguous: the padding position cannot be known), alternate IDs, UPC/GTIN barcodes.
"""

from __future__ import annotations

import polars as pl

# (pattern, replacement) pairs; each pattern is anchored, so at most one applies.
_LAYOUTS: tuple[tuple[str, str], ...] = (
    (r"^(\d{11})$", "${1}"),
    (r"^(\d{5})-(\d{4})-(\d{2})$", "${1}${2}${3}"),
    (r"^(\d{4})-(\d{4})-(\d{2})$", "0${1}${2}${3}"),
    (r"^(\d{5})-(\d{3})-(\d{2})$", "${1}0${2}${3}"),
    (r"^(\d{5})-(\d{4})-(\d{1})$", "${1}${2}0${3}"),
)


def ndc11_expr(expr: pl.Expr) -> pl.Expr:
    """Polars expression: the 11-digit NDC for a String expression, null when not convertible."""
    text = expr.str.strip_chars()
    out = pl.lit(None, dtype=pl.String)
    for pattern, replacement in reversed(_LAYOUTS):
        out = pl.when(text.str.contains(pattern)).then(text.str.replace(pattern, replacement)).otherwise(out)
    return out


def normalize_ndc(text: str | None) -> str | None:
    """The 11-digit NDC for one value (see the module docstring), or None."""
    if not isinstance(text, str):
        return None
    return pl.select(ndc11_expr(pl.lit(text, dtype=pl.String))).item()
