"""Safe fixes: mechanical, unambiguous format corrections made to a segment's text as it is read.

Only these, each switched on or off in payer_policy.toml ([fixes]):

- `ndc_format`: an NDC in LIN03 (qualifier N4) written with hyphens, 5-4-2 or one of the 10-digit
  layouts 4-4-2 / 5-3-2 / 5-4-1, becomes the 11-digit 5-4-2 form without hyphens that the 837
  requires (0409-4759-01 -> 00409475901). Ten digits without hyphens are ambiguous (the padding
  position cannot be known) and are left for the NDC rules to report.
- `stray_spaces`: spaces before or after an element's (or component's) value are removed
  (`J9035 ` -> `J9035`). An element of spaces only, the fixed-width ISA, and CLM01 (the
  submitter's own claim ID, echoed back to them by the payer) are never touched.

Nothing that changes what is billed (codes, modifiers, units, charges) is changed: both fixes only
remove characters that carry no value. Each fix applied is recorded (segment position, element,
before, after) and reported as a finding with fix_applied = true.
"""

from __future__ import annotations

from collections.abc import Iterable

from reference_data.ndc import normalize_ndc

FIX_KINDS = ("ndc_format", "stray_spaces")
_NOT_FIXED = {"ISA", "IEA", "GS", "GE", "ST", "SE"}


def fix_segment(
    raw: str, e: str, s: str, kinds: Iterable[str]
) -> tuple[str, list[tuple[str, str, str, str]]]:
    """(the segment text after the fixes of `kinds`, [(kind, element ref, before, after)]).

    `raw` is one segment without its terminator; `e` and `s` are the element and component
    separators. A segment that needs no fix comes back as the same string."""
    kinds = set(kinds)
    seg_id = raw.split(e, 1)[0].strip()
    if not kinds or seg_id in _NOT_FIXED:
        return raw, []
    elements = raw.split(e)
    applied: list[tuple[str, str, str, str]] = []
    if "stray_spaces" in kinds:
        for index in range(1, len(elements)):
            if seg_id == "CLM" and index == 1:
                continue
            trimmed = (
                s.join(_trim(part) for part in elements[index].split(s)) if s else _trim(elements[index])
            )
            if trimmed != elements[index]:
                applied.append(("stray_spaces", f"{seg_id}{index:02d}", elements[index], trimmed))
                elements[index] = trimmed
    if "ndc_format" in kinds and seg_id == "LIN" and len(elements) > 3 and elements[2] == "N4":
        ndc = elements[3]
        fixed = normalize_ndc(ndc) if "-" in ndc and ndc == ndc.strip() else None
        if fixed is not None and fixed != ndc:
            applied.append(("ndc_format", "LIN03", ndc, fixed))
            elements[3] = fixed
    return (e.join(elements), applied) if applied else (raw, [])


def _trim(value: str) -> str:
    """The value without surrounding spaces; a value of spaces only is left as it is."""
    stripped = value.strip(" ")
    return stripped if stripped else value
