"""The rule catalogue: every rule the scrubber runs, in a stable order."""

from __future__ import annotations

from transforms.fixes import FIX_RULES
from transforms.framework import Rule
from transforms.rules import (
    admin_pairing,
    balancing,
    charge,
    code_validity,
    diagnosis,
    medical_necessity,
    mue,
    ndc,
    payment,
    prior_auth,
    reference_period,
    unclassified_drug,
    units,
    waste_modifier,
)
from transforms.syntax import SYNTAX_RULES

ALL_RULES: list[Rule] = [
    *units.RULES,
    *waste_modifier.RULES,
    *admin_pairing.RULES,
    *ndc.RULES,
    *mue.RULES,
    *unclassified_drug.RULES,
    *prior_auth.RULES,
    *code_validity.RULES,
    *diagnosis.RULES,
    *reference_period.RULES,
    *balancing.RULES,
    *charge.RULES,
    *medical_necessity.RULES,
    *payment.RULES,
]

# Every rule a finding can come from: the implementation-guide rules run on pyx12's errors
# (transforms/syntax.py), the safe fixes made while reading (transforms/fixes.py), the others on
# the frames.
CATALOGUE: list[Rule] = [*SYNTAX_RULES, *FIX_RULES, *ALL_RULES]

_BY_ID: dict[str, Rule] = {rule.rule_id: rule for rule in CATALOGUE}
if len(_BY_ID) != len(CATALOGUE):  # pragma: no cover - guards against a copy-pasted rule_id
    raise RuntimeError("duplicate rule_id in the catalogue")


def rule_by_id(rule_id: str) -> Rule:
    """The rule with this ID; KeyError names the known IDs when there is none."""
    try:
        return _BY_ID[rule_id]
    except KeyError:
        raise KeyError(f"no rule {rule_id!r}; known: {', '.join(sorted(_BY_ID))}") from None
