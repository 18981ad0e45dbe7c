"""One self-contained HTML page per report: the headline table, inline SVG plots, every fact.

No script, no stylesheet or font from anywhere else: the page opens from ``file://`` on a machine
without network and is the same file a CI job uploads. Plots come from :mod:`edgekit.report.figures`.
Every value from a document (labels, host and variant names, paths, reasons) is put into markup by
:func:`edgekit.text.escape.html.html`, which escapes it, ids and attributes included; the page's
Content-Security-Policy forbids scripts besides, so a document cannot make the report run code.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from edgekit.report import figures
from edgekit.report.view import HEADLINE_COLUMNS, Group, gpu_note, groups_of, headline_rows, title_of
from edgekit.results.document import ResultDocument
from edgekit.text.escape.html import Markup, csp_meta, html, join

__all__ = ["render_html"]

_STYLE = """
body{font-family:system-ui,sans-serif;margin:24px;color:#1b1b1b;max-width:1400px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}h3{font-size:15px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}
td,th{border:1px solid #ddd;padding:3px 7px;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
.pass{color:#2e7d32}.warn{color:#b26a00}.fail{color:#c62828;font-weight:bold}
.note{color:#555;font-size:13px}.warning{color:#b26a00}figure{margin:10px 0}
figcaption{font-size:13px;color:#444}
"""


_CAPTIONS = {
    "latency": "Latency, throughput (orange) and readback (grey) per run: box p25-p75, line p50, "
               "whiskers min-max, tick p99; p50 at the right",
    "variants": "Variant matrix: file size x latency p50, colour = accuracy verdict, ringed and joined = "
                "Pareto front (no other variant is both smaller and faster)",
    "coverage": "Delegate coverage per op type: ops of that type the delegate maps / ops of that type",
    "accuracy": "Accuracy per output: verdict and the metric that decided it (hover for the sentence)",
    "profile": "Per-op profile: time per op, largest first",
}


def render_html(documents: Sequence[tuple[ResultDocument, dict[str, Any]]]) -> str:
    """The page for DOCUMENTS, each given as (document, its raw JSON for sections not modelled)."""
    title = "; ".join(title_of(document) for document, _ in documents)
    parts = [html('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">{}<title>{}</title>',
                  csp_meta(), title),
             html("<style>{}</style></head><body><h1>edgekit report</h1>", Markup(_STYLE))]
    for index, (document, raw) in enumerate(documents):
        parts.append(html('<section data-document="{}"><h2>{}</h2>', index, title_of(document)))
        parts.append(html('<p class="note">{} document, schema {}, edgekit {}, created {}</p>',
                          document.KIND, document.schema_version, document.edgekit_version,
                          document.created))
        parts.append(_headline(document))
        parts.append(_gate(document))
        parts += _plots(document, raw)
        parts.append(_decisions(document))
        parts.append(_facts(document))
        parts.append(Markup("</section>"))
    parts.append(Markup("</body></html>"))
    return str(join((part for part in parts if part), "\n"))


def _table(columns: Sequence[str], rows: Sequence[Sequence[str]], section: str = "") -> Markup:
    attribute = html(' data-section="{}"', section) if section else Markup()
    head = join(html("<th>{}</th>", c) for c in columns)
    body = join(html("<tr>{}</tr>", join(_cell(value) for value in row)) for row in rows)
    return html("<table{}><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", attribute, head, body)


def _cell(value: str) -> Markup:
    verdict = value.split(" ", 1)[0].rstrip(":")
    numeric = value.replace(".", "", 1).replace("%", "").replace("-", "", 1).isdigit()
    css = verdict if verdict in ("pass", "warn", "fail") else "num" if numeric else ""
    return html('<td class="{}">{}</td>', css, value) if css else html("<td>{}</td>", value)


def _headline(document: ResultDocument) -> Markup:
    rows = headline_rows(document)
    if not rows:
        return Markup()
    return Markup("<h3>Headline</h3>") + _table(HEADLINE_COLUMNS, rows, "headline") + Markup(
        '<p class="note">latency: one inference to completion (GPU: run plus one synchronising read); '
        "thrpt: back-to-back inferences, per inference; readback: reading every output after a "
        "finished inference.</p>")


def _gate(document: ResultDocument) -> Markup:
    """A gate document: one row per check with its verdict, the warnings, then each check's evidence."""
    from edgekit.gate.result import GateResult
    from edgekit.report.gate_markdown import evidence_items

    if not isinstance(document, GateResult):
        return Markup()
    rows = [[check.model, check.check, check.verdict, check.summary + (" (noisy)" if check.noisy else "")]
            for check in document.checks]
    columns = ["model", "check", "verdict", "evidence"]
    parts = [Markup("<h3>Checks</h3>"), _table(columns, rows, "gate-checks")]
    parts += [html('<p class="warning">warning: {}</p>', text) for text in document.warnings]
    parts.append(Markup('<h3>Evidence</h3><div data-section="gate-evidence">'))
    for index, check in enumerate(document.checks):
        parts.append(html('<h3>{} / {}</h3><p class="{}">{}</p>', check.model, check.check, check.verdict,
                          check.line))
        items = [[str(key), str(value)] for key, value in evidence_items(check)]
        if items:
            parts.append(_table(["figure", "value"], items, f"gate-check-{index}"))
    parts.append(Markup("</div>"))
    return join(parts)


def _plots(document: ResultDocument, raw: dict[str, Any]) -> list[Markup]:
    plots = {
        "latency": figures.latency_plot(document),
        "variants": figures.variants_plot(document),
        "coverage": figures.coverage_plot(document),
        "accuracy": figures.accuracy_plot(document),
        "profile": figures.profile_plot(raw),
    }
    return [html("<figure><figcaption>{}</figcaption>{}</figure>", _CAPTIONS[name], svg)
            for name, svg in plots.items() if svg]


def _decisions(document: ResultDocument) -> Markup:
    rows = []
    for group in groups_of(document):
        for run in group.bench.runs:
            if run.accuracy is None:
                continue
            label = f"{group.name} | {run.label}" if group.name else run.label
            for decision in run.accuracy.decisions:
                rows.append([label, decision.output, decision.basis, decision.metric, decision.verdict,
                             decision.text])
            if not run.accuracy.decisions:
                rows.append([label, "-", "-", "-", run.accuracy.verdict, "; ".join(run.accuracy.reasons)])
    if not rows:
        return Markup()
    columns = ["run", "output", "basis", "deciding metric", "verdict", "in words"]
    return Markup("<h3>Accuracy per output</h3>") + _table(columns, rows, "accuracy")


def _facts(document: ResultDocument) -> Markup:
    parts = [Markup('<h3>Where and how measured</h3><div data-section="facts">')]
    from edgekit.convert.result import ConvertResult

    if isinstance(document, ConvertResult):
        parts.append(_key_values("convert", {"source": document.source, "calibration": document.calibration,
                                             "reference": document.reference, "settings": document.settings}))
    for group in groups_of(document):
        parts.append(_group_facts(group))
    parts.append(Markup("</div>"))
    return join(parts)


def _group_facts(group: Group) -> Markup:
    bench = group.bench
    heading = group.name or "bench"
    parts = [html("<h3>{}</h3>", heading)]
    parts += [html('<p class="warning">warning: {}</p>', w) for w in bench.warnings]
    facts: dict[str, Any] = {
        "environment": bench.environment,
        "model": {k: bench.model.get(k) for k in ("path", "size_bytes", "sha256", "op_count", "custom_ops")},
        "settings": bench.settings,
        "input_sets": bench.input_sets,
        "reference": {k: v for k, v in (bench.reference or {}).items() if k != "run"} or None,
    }
    for run in bench.runs:
        facts[f"run {run.label}"] = {
            "status": run.status, "reason": run.reason or None, "gpu": gpu_note(run) or None,
            "runtime": run.runtime or None, "init_ms": run.init_ms, "first_ms": run.first_ms,
            "warm-up runs": len(run.warmup_ms) or None, "memory": run.memory or None,
            "coverage": (run.coverage or {}).get("summary"),
            "unsupported ops": [f"{e.get('op')} (op {e.get('index')}): {e.get('why')}"
                                for e in (run.coverage or {}).get("unsupported") or []] or None,
        }
    parts.append(_key_values(heading, facts))
    return join(parts)


def _key_values(section: str, facts: dict[str, Any]) -> Markup:
    rows = [[key, _plain(value)] for key, value in facts.items() if value not in (None, {}, [])]
    return _table(["fact", "value"], rows, f"facts-{section}")


def _plain(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_plain(v)}" for k, v in value.items() if v not in (None, {}, []))
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value)
    if isinstance(value, float):
        return f"{value:.4g}"
    return value if isinstance(value, str) else json.dumps(value)
