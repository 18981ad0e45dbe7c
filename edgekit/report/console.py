"""Terminal output for `bench`: a progress listener and the result table."""

from __future__ import annotations

from edgekit.report.progress import ProgressPrinter
from edgekit.report.table import render_table
from edgekit.results.bench_result import BenchResult, RunResult
from edgekit.text.sizes import format_size

#: ProgressPrinter lives in edgekit.report.progress; it is still importable from here.
__all__ = ["ProgressPrinter", "format_bench_table", "format_judgement"]


def format_bench_table(result: BenchResult) -> str:
    """The report a person reads: where it ran, one row per run, then notes on what needs a word."""
    lines = _header(result)
    columns = [
        "delegate",
        "config",
        "status",
        "init ms",
        "first ms",
        "latency p50",
        "95% CI of p50",
        "p90 ms",
        "p99 ms",
        "CV",
        "runs",
        "thrpt p50",
        "readback",
        "peak RSS",
        "accuracy",
    ]
    rows = [_row(run, result) for run in result.runs]
    lines += ["", *render_table(columns, rows, right=range(3, len(columns) - 1))]
    lines += ["", TIMING_LEGEND]
    notes = [note for run in result.runs for note in _notes(run)]
    if notes:
        lines += ["", *notes]
    if result.warnings:
        lines += ["", *(f"warning: {line}" for line in result.warnings)]
    return "\n".join(lines)


#: What the three timing columns mean (the README says the same).
TIMING_LEGEND = (
    "latency: one inference to completion (for the GPU: run plus one synchronising read); "
    "thrpt: back-to-back inferences, per inference (= latency on synchronous CPU runtimes); "
    "readback: reading every output after a finished inference"
)


def _notes(run: RunResult) -> list[str]:
    """What a row cannot say: why a run did not happen, where a GPU run really ran, accuracy failures."""
    notes = []
    if run.status != "ok":
        notes.append(f"  {run.label}: {run.status.upper()} - {run.reason}")
        coverage = run.coverage or {}
        if run.status == "unavailable" and coverage.get("summary"):
            notes.append(f"  {' ' * len(run.label)}  static coverage: {coverage['summary']}")
    adapter = run.runtime.get("adapter") if run.runtime else None
    if adapter:
        where = f"ran on {adapter}"
        if run.runtime.get("software"):
            where += " - software Vulkan: a real GPU code path with GPU numerics, NOT GPU latency"
        accelerated = run.runtime.get("fully_accelerated")
        if accelerated is not None:
            where += f"; fully accelerated: {'yes' if accelerated else 'NO (some ops fell back to CPU)'}"
        notes.append(f"  {run.label}: {where}")
    elif run.runtime and run.runtime.get("browser"):
        notes.append(f"  {run.label}: ran in {run.runtime.get('kernels') or run.runtime['browser']}")
    accuracy = run.accuracy
    if accuracy is not None and accuracy.verdict != "pass":
        where = f" (judged on {accuracy.judged_on})" if accuracy.judged_on else ""
        notes.append(f"  {run.label}: accuracy {accuracy.verdict.upper()}{where}")
        decided = [d.text for d in accuracy.decisions if d.verdict != "pass"] or list(accuracy.reasons)
        notes += [f"  {' ' * len(run.label)}  {text}" for text in decided]
    return notes


def _header(result: BenchResult) -> list[str]:
    model, env = result.model, result.environment
    runtime = env.get("runtime", {})
    load = env.get("load_average_at_start")
    where = (
        f"measured on: host - {env.get('cpu_model')}, "
        f"{env.get('usable_cores') or env.get('logical_cores')} cores, "
        f"{env.get('os')}, Python {env.get('python')}, ai-edge-litert {runtime.get('ai-edge-litert')}"
    )
    if load:
        where += f", load avg at start {load[0]:.2f}"
    loop = result.settings["loop"]
    method = (
        f"method: fresh worker per run; "
        f"warm-up >= {loop['warmup_runs']} runs and {loop['warmup_seconds']} s; "
        f"measured >= {loop['min_runs']} runs and {loop['min_seconds']} s (cap {loop['max_seconds']} s)"
    )
    sets = result.input_sets or {}
    fed = f"inputs: {sets.get('kind', 'random')} - {sets.get('description')}" if sets else \
        f"inputs: seeded random (seed {result.settings['seed']})"
    size = model.get("size_bytes", 0)
    lines = [
        f"model: {model.get('path')}  ({format_size(size)}, sha256 {str(model.get('sha256', ''))[:12]})",
        where,
        method,
        fed,
    ]
    entry = _entry_point(result)
    if entry:
        lines.append(entry)
    reference = result.reference
    if reference:
        line = f"accuracy reference: {reference['label']}"
        if reference.get("cached"):
            line += f", read from {reference.get('cache_path')} (--no-reference-cache runs it again)"
        if reference.get("note"):
            line += f" - {reference['note']}"
        lines.append(line)
    elif result.settings.get("accuracy") is False:
        lines.append("accuracy: not checked (--no-accuracy)")
    return lines


def _entry_point(result: BenchResult) -> str:
    """Which signature ran, and how dynamic dimensions were filled."""
    settings = result.settings
    parts = []
    keys = [s.get("key") for s in result.model.get("signatures", [])]
    if settings.get("signature"):
        parts.append(
            f"signature: {settings['signature']}" + (f" (of {', '.join(keys)})" if len(keys) > 1 else "")
        )
    if settings.get("dynamic_dims"):
        parts.append("dynamic dims filled: " + "; ".join(settings["dynamic_dims"]))
    return "; ".join(parts)


def _row(run: RunResult, result: BenchResult) -> list[str]:
    latency = run.latency
    peak = run.memory.get("peak_rss_after_run_bytes") if run.memory else None
    config = run.precision or (f"x{run.threads}" if run.status != "unavailable" else "-")
    if latency is None:
        return [run.delegate, config, run.status] + ["-"] * 12
    low, high = latency.median_ci95
    throughput = (
        format_ms(run.throughput.p50) if run.throughput
        else ("= latency" if run.asynchronous is False else "-")
    )
    return [
        run.delegate,
        config,
        run.status,
        format_ms(run.init_ms),
        format_ms(run.first_ms),
        format_ms(latency.p50),
        f"{format_ms(low)}-{format_ms(high)}",
        format_ms(latency.p90),
        format_ms(latency.p99),
        f"{latency.cv * 100:.1f}%",
        str(latency.count),
        throughput,
        format_ms(run.readback.p50) if run.readback else "-",
        format_size(peak) if peak else "-",
        accuracy_cell(run),
    ]


def accuracy_cell(run: RunResult) -> str:
    """The accuracy column: verdict and the metric that decided it (``reference`` for the reference)."""
    accuracy = getattr(run, "accuracy", None)
    if getattr(run, "is_reference", False):
        return "reference"
    if accuracy is None:
        return "-"
    deciding = next((d for d in accuracy.decisions if d.verdict == accuracy.verdict), None)
    if accuracy.verdict == "pass" and accuracy.decisions:
        return f"pass ({len(accuracy.decisions)} outputs, {accuracy.precision})"
    if deciding is None:
        worst = min((output.cosine for output in accuracy.outputs), default=float("nan"))
        return f"{accuracy.verdict} (cos {worst:.4f}, {accuracy.precision})"
    return f"{accuracy.verdict} ({deciding.basis}: {deciding.metric}, {accuracy.precision})"


def format_ms(value: float | None) -> str:
    """Milliseconds with the digits that matter at that size; ``-`` for none."""
    if value is None:
        return "-"
    return f"{value:.3f}" if value < 10 else f"{value:.2f}" if value < 1000 else f"{value:.0f}"


def format_judgement(result: BenchResult) -> str:
    """What ``judge`` prints: per run, its verdict, what it was judged on, and every output's decision."""
    model = result.model
    lines = [f"model: {model.get('path')}  (sha256 {str(model.get('sha256', ''))[:12]})"]
    roles = result.settings.get("output_roles") or {}
    if roles:
        lines.append("output roles: " + ", ".join(f"{name}={role}" for name, role in roles.items()))
    for run in result.runs:
        accuracy = run.accuracy
        if accuracy is None:
            continue
        lines += ["", f"{run.label}: {accuracy.verdict.upper()} ({accuracy.precision} limits; against "
                      f"{accuracy.reference}; judged on {accuracy.judged_on or 'the recorded inputs'})"]
        lines += [f"  {decision.text}" for decision in accuracy.decisions] or [
            f"  {r}" for r in accuracy.reasons
        ]
    return "\n".join(lines)
