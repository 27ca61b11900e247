"""The rule catalogue as text: the `scrub837 rules` listing, `scrub837 explain RULE_ID`, and
docs/rules.md, all generated from the Rule objects so the documentation cannot drift from the code.

Regenerate the Markdown with `scrub837 rules --markdown > docs/rules.md`; a test fails when the
committed file differs from what the code says.
"""

from __future__ import annotations

from collections.abc import Iterable

from transforms.framework import CATEGORIES, Rule

DOCS_HEADER = """\
# scrub837 rules

Generated from the code by `scrub837 rules --markdown > docs/rules.md`; do not edit by hand.

Every finding in the exception report names one of these rules (`rule_id`). A claim with any
`error` finding is rejected; `warning` and `info` findings are reported and the claim goes out.
`carc` is the claim adjustment reason code a payer would most likely use to deny or adjust the
line if the problem were sent on. `scrub837 explain RULE_ID` prints one rule's documentation.
A "drug line" is a service line with a HCPCS J code or a Q51xx biosimilar code.
"""


def _by_category(rules: Iterable[Rule]) -> list[tuple[str, list[Rule]]]:
    groups: dict[str, list[Rule]] = {}
    for rule in rules:
        groups.setdefault(rule.category, []).append(rule)
    order = {name: i for i, name in enumerate(CATEGORIES)}
    return sorted(groups.items(), key=lambda item: order.get(item[0], len(order)))


def listing(rules: Iterable[Rule]) -> str:
    """One line per rule: ID, severity, CARC, category and title, grouped by category."""
    rows = [f"{'rule':<8}{'severity':<10}{'carc':<8}{'category':<19}title"]
    for _, members in _by_category(rules):
        for r in members:
            rows.append(f"{r.rule_id:<8}{r.severity:<10}{r.carc:<8}{r.category:<19}{r.title}")
    return "\n".join(rows) + "\n"


def explain(rule: Rule) -> str:
    """A rule's full documentation as plain text."""
    head = f"{rule.rule_id}: {rule.title}"
    meta = f"category {rule.category}, severity {rule.severity}, CARC {rule.carc}"
    return f"{head}\n{meta}\n\n{rule.doc.strip()}\n"


def _escape_outside_code(line: str) -> str:
    """X12 segments are written with "*" separators, which Markdown reads as emphasis: escape them,
    except inside `code spans`, where a backslash would show."""
    parts = line.split("`")
    return "`".join(p if i % 2 else p.replace("*", "\\*") for i, p in enumerate(parts))


def _markdown_doc(doc: str) -> str:
    """A rule doc ("Heading" lines, each followed by an indented paragraph) as Markdown: headings
    in bold, paragraphs unindented."""
    out: list[str] = []
    for raw in doc.strip().splitlines():
        if raw and not raw.startswith(" "):
            out.append(f"**{raw.rstrip(':')}**")
            out.append("")
        else:
            out.append(_escape_outside_code(raw.strip()))
    text = "\n".join(out)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text


def markdown(rules: Iterable[Rule]) -> str:
    """docs/rules.md: a summary table, then every rule's documentation by category."""
    rules = list(rules)
    parts = [DOCS_HEADER, "| Rule | Category | Severity | CARC | Title |", "|---|---|---|---|---|"]
    for _, members in _by_category(rules):
        for r in members:
            anchor = r.rule_id.lower()
            parts.append(f"| [{r.rule_id}](#{anchor}) | {r.category} | {r.severity} | {r.carc} | {r.title} |")
    for category, members in _by_category(rules):
        parts.append(f"\n## {category}\n")
        for r in members:
            parts.append(f"### {r.rule_id}\n")
            parts.append(f"{r.title}. Severity `{r.severity}`, CARC `{r.carc}`.\n")
            parts.append(_markdown_doc(r.doc) + "\n")
    return "\n".join(parts).rstrip("\n") + "\n"
