"""The run's manifest.json, summary.md and self-contained report.html."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import time
from collections import Counter
from pathlib import Path

import polars as pl

from transforms.catalogue import rule_by_id


def write_manifest(
    out: Path,
    run_id: str,
    inbox: Path,
    results: list[dict],
    reference_version: dict,
    started_at: dt.datetime,
    started: float,
) -> dict:
    results = sorted(results, key=lambda r: r["source_file"])
    rules: Counter[str] = Counter()
    for result in results:
        rules.update(result["rule_counts"])
    processed = [r for r in results if r["status"] == "processed"]
    manifest = {
        "run_id": run_id,
        "inbox": str(inbox),
        "started_at": started_at.isoformat(timespec="seconds"),
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 3),
        "reference_data": reference_version,
        "totals": {
            "files": len(results),
            "processed_files": len(processed),
            "quarantined_files": len(results) - len(processed),
            "claims": sum(r["claims"] for r in processed),
            "quarantined_claims": sum(r.get("quarantined_claims", 0) for r in results),
            "accepted": sum(r["accepted"] for r in processed),
            "rejected": sum(r["rejected"] for r in processed),
            "errors": sum(r["errors"] for r in processed),
            "warnings": sum(r["warnings"] for r in processed),
            "infos": sum(r["infos"] for r in processed),
            "expected_allowed": {
                kind: round(sum(r.get(f"allowed_{kind}", 0.0) for r in processed), 2)
                for kind in ("accepted", "rejected")
            },
            "output_validation_errors": {
                kind: sum(r["output_check"].get(kind, 0) for r in processed)
                for kind in ("scrubbed", "rejected", "999")
            },
            "fixes_applied": sum(count for rule, count in rules.items() if rule.startswith("FIX")),
            "interchanges_written": sorted(
                number for r in results for numbers in r.get("controls", {}).values() for number in numbers
            ),
        },
        "findings_by_rule": dict(sorted(rules.items())),
        "inputs": results,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")
    return manifest


def _exceptions(out: Path, run_id: str) -> pl.DataFrame:
    files = sorted((out / "exceptions").rglob("*.parquet"))
    if not files:
        return pl.DataFrame()
    return pl.concat([pl.read_parquet(f) for f in files], how="vertical").filter(pl.col("run_id") == run_id)


def _interchanges(numbers: list[str]) -> str:
    if not numbers:
        return "none"
    return f"{len(numbers)}, ISA13 {numbers[0]} to {numbers[-1]} (each number used once)"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(lines)


def summary_markdown(out: Path, manifest: dict) -> str:
    t = manifest["totals"]
    parts = [
        f"# scrub837 run {manifest['run_id']}",
        "",
        f"Inbox `{manifest['inbox']}`, {manifest['started_at']} to {manifest['finished_at']} "
        f"({manifest['seconds']} s). Reference data: {_reference_line(manifest['reference_data'])}.",
        "",
        f"- Files: {t['files']} ({t['processed_files']} processed, {t['quarantined_files']} quarantined)",
        f"- Claims: {t['claims']} ({t['accepted']} accepted, {t['rejected']} rejected), "
        f"plus {t['quarantined_claims']} in quarantined files",
        f"- Findings: {_count(t['errors'], 'error')}, {_count(t['warnings'], 'warning')}, {t['infos']} info",
        f"- Expected allowed on drug lines at Medicare rates (ASP payment limit x units; a benchmark "
        f"for other payers): "
        f"${t['expected_allowed']['accepted']:,.2f} on accepted claims, "
        f"${t['expected_allowed']['rejected']:,.2f} on rejected claims (held back until fixed)",
        f"- Written files re-read by pyx12: {t['output_validation_errors']['scrubbed']} errors in scrubbed/, "
        f"{t['output_validation_errors']['rejected']} in rejected/ (rejected claims keep their own errors), "
        f"{t['output_validation_errors']['999']} in acks/ (999s)",
        f"- Safe fixes applied (FIX rules, `fix_applied`): {t['fixes_applied']}",
        f"- Interchanges written: {_interchanges(t['interchanges_written'])}",
        "",
        "## Findings by rule",
        "",
        _table(
            ["rule", "category", "severity", "title", "findings"],
            [
                [rid, *_rule_cols(rid), count]
                for rid, count in sorted(manifest["findings_by_rule"].items(), key=lambda kv: -kv[1])
            ],
        ),
        "",
        "## Drug-line findings",
        "",
    ]
    exceptions = _exceptions(out, manifest["run_id"])
    drug = exceptions.filter(pl.col("category") != "syntax") if exceptions.height else exceptions
    if drug.height:
        parts.append(
            _table(
                ["file", "claim", "line", "rule", "severity", "expected allowed", "message"],
                drug.sort("source_file", "claim_id", "line_number")
                .with_columns(
                    pl.col("expected_allowed")
                    .map_elements(lambda v: f"${v:,.2f}", return_dtype=pl.String)
                    .fill_null("")
                    .alias("allowed")
                )
                .select("source_file", "claim_id", "line_number", "rule_id", "severity", "allowed", "message")
                .head(50)
                .rows(),
            )
        )
    else:
        parts.append("None.")
    parts += ["", "## Files", ""]
    parts.append(
        _table(
            [
                "file",
                "status",
                "claims (found in the file if quarantined)",
                "accepted",
                "rejected",
                "errors",
                "warnings",
                "reason (or notes)",
            ],
            [
                [
                    f["source_file"],
                    f["status"],
                    f["claims"] if f["status"] == "processed" else f.get("quarantined_claims", 0),
                    f["accepted"],
                    f["rejected"],
                    f["errors"],
                    f["warnings"],
                    "; ".join([f["reason"] or "", *f.get("notes", [])]).strip("; "),
                ]
                for f in manifest["inputs"]
            ],
        )
    )
    return "\n".join(parts) + "\n"


def _rule_cols(rule_id: str) -> list[str]:
    rule = rule_by_id(rule_id)
    return [rule.category, rule.severity, rule.title]


def _reference_line(version: dict) -> str:
    quarters = version.get("quarters") or version.get("tables") or {}
    return json.dumps(quarters, sort_keys=True) if quarters else "version not recorded"


def write_reports(out: Path, manifest: dict) -> str:
    """Write summary.md and report.html; return the Markdown."""
    markdown = summary_markdown(out, manifest)
    (out / "summary.md").write_text(markdown, encoding="utf-8")
    (out / "report.html").write_text(_html(markdown, manifest["run_id"]), encoding="utf-8")
    return markdown


def _inline(text: str) -> str:
    return re.sub(r"`([^`]*)`", r"<code>\1</code>", html.escape(text))


def _html(markdown: str, run_id: str) -> str:
    """A self-contained page (no scripts, no external assets) from the summary's Markdown."""
    body: list[str] = []
    in_table = False
    for line in markdown.splitlines():
        if line.startswith("|"):
            cells = [html.escape(c.strip().replace("\\|", "|")) for c in line.strip("|").split(" | ")]
            if set(line) <= {"|", "-"}:
                continue
            tag = "th" if not in_table else "td"
            if not in_table:
                body.append("<table>")
                in_table = True
            body.append("<tr>" + "".join(f"<{tag}>{c}</{tag}>" for c in cells) + "</tr>")
            continue
        if in_table:
            body.append("</table>")
            in_table = False
        if line.startswith("## "):
            body.append(f"<h2>{html.escape(line[3:])}</h2>")
        elif line.startswith("# "):
            body.append(f"<h1>{html.escape(line[2:])}</h1>")
        elif line.startswith("- "):
            body.append(f"<p>&bull; {_inline(line[2:])}</p>")
        elif line:
            body.append(f"<p>{_inline(line)}</p>")
    if in_table:
        body.append("</table>")
    style = (
        "body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px;text-align:left}th{background:#eee}"
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>scrub837 {html.escape(run_id)}</title>"
        f"<style>{style}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )
