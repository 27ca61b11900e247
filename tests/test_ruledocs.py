"""docs/rules.md, `scrub837 rules` and `scrub837 explain` come from the Rule objects."""

from __future__ import annotations

from pathlib import Path

from flows.cli import main
from transforms.catalogue import CATALOGUE
from transforms.ruledocs import markdown

DOCS = Path(__file__).resolve().parents[1] / "docs" / "rules.md"


def test_docs_rules_md_is_current():
    # Regenerate with: scrub837 rules --markdown > docs/rules.md
    assert DOCS.read_text(encoding="utf-8") == markdown(CATALOGUE)


def test_docs_list_every_rule_with_its_section():
    text = DOCS.read_text(encoding="utf-8")
    for rule in CATALOGUE:
        assert f"| [{rule.rule_id}](#{rule.rule_id.lower()}) | {rule.category} | {rule.severity} |" in text
        assert f"\n### {rule.rule_id}\n" in text
    # X12 separators are escaped so Markdown does not read them as emphasis
    assert "SV1\\*HC:J1745\\*0\\*UN\\*40" in text


def test_rules_command_lists_every_rule(capsys):
    assert main(["rules"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["rule", "severity", "carc", "category", "title"]
    assert sorted(line.split()[0] for line in lines[1:]) == sorted(r.rule_id for r in CATALOGUE)
    assert (
        "CHG002  warning   CO-45   charge             Charge below the Medicare payment limit"
        in "\n".join(lines)
    )


def test_explain_prints_one_rule_and_rejects_unknown_ids(capsys):
    assert main(["explain", "unt001"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("UNT001: Billed units do not match the NDC quantity")
    assert "category units, severity error, CARC CO-16" in out
    assert "J1745 (infliximab, 10 mg)" in out
    assert main(["explain", "XYZ999"]) == 2
    assert "no rule 'XYZ999'" in capsys.readouterr().err
