"""Performance checks: latency against the baseline in the same job, instruction counts, budgets.

The statistics live in ``edgekit.gate.latency`` (``compare_latency`` -> ``LatencyDecision``) and
``edgekit.gate.instructions`` (``count_instructions`` under valgrind); this module turns their
answers into verdicts. They are looked up on their modules at call time, so a test can stand in
for a measurement by replacing the module's function.
"""

from __future__ import annotations

import concurrent.futures
import os
import shlex
from pathlib import Path
from types import ModuleType
from typing import Any

from edgekit.errors import ToolMissing
from edgekit.gate.config import CheckSpec, ModelSpec
from edgekit.gate.context import ModelContext
from edgekit.gate.latency_advice import load_warning
from edgekit.gate.result import CheckResult

__all__ = ["DEVICE_CLASS_ENV", "check_latency", "check_instructions", "check_latency_budget", "preflight"]

#: The environment variable naming this runner's device class, for absolute latency budgets.
DEVICE_CLASS_ENV = "EDGEKIT_DEVICE_CLASS"
VALGRIND_HINT = "install it with `sudo apt-get install -y valgrind`, or mark the check `optional = true`"
#: LatencyDecision outcomes, by what they mean for the gate; any other outcome fails closed.
_PASSING = frozenset({"pass", "ok", "faster", "improved", "improvement", "equivalent", "no_regression"})
_FAILING = frozenset({"fail", "regression", "slower"})


def preflight(spec: ModelSpec) -> None:
    """Fail closed before any check runs when a tool a configured check needs is missing (exit 3)."""
    kinds = {check.kind for check in spec.checks}
    if "latency" in kinds:
        _engine("latency")
    required = [c for c in spec.checks if c.kind == "instructions" and not c.options.get("optional")]
    if required and not _engine("instructions").valgrind_available():
        raise ToolMissing("valgrind", f"for the instructions check of {spec.key}", VALGRIND_HINT)


def check_latency(context: ModelContext, check: CheckSpec) -> CheckResult:
    """Candidate against baseline, paired in this job; inconclusive counts as configured."""
    options = check.options
    context.log(
        f"{context.spec.name}: {check.name}: timing candidate against baseline "
        f"(up to {options.get('max_seconds', 120.0):g} s)"
    )
    settings: dict[str, Any] = {
        key: options[key]
        for key in ("max_slowdown", "confidence", "max_seconds", "min_rounds", "confirm")
        if key in options
    }
    decision = _engine("latency").compare_latency(
        context.baseline_path,
        context.candidate_path,
        delegate=options["delegate"],
        threads=options["threads"],
        inputs_seed=context.spec.seed,
        **settings,
    )
    outcome = str(decision.outcome)
    policy = options.get("inconclusive", context.settings.inconclusive)
    if outcome in _PASSING:
        verdict, note = "pass", ""
    elif outcome in _FAILING:
        verdict, note = "fail", ""
    elif outcome == "inconclusive":
        verdict, note = policy, f" (inconclusive counts as {policy}: `inconclusive` in the config)"
    else:
        verdict, note = "fail", f" (unknown outcome {outcome!r}: failing closed)"
    evidence = decision.to_dict()
    summary = (
        f"ratio {decision.ratio:.3f} [{decision.low:.3f}, {decision.high:.3f}] at {decision.confidence:.0%} "
        f"by {evidence.get('figure_words', 'time')}"
        + (f", wall {evidence['ratio_wall']:.3f}" if evidence.get("ratio_wall") and decision.figure != "wall"
           else "")
        + f", {decision.rounds} workers"
    )
    hint = profile_hint(context) if verdict == "fail" else ""
    warning = load_warning(evidence.get("load") or {})
    return CheckResult(
        context.spec.name,
        check.name,
        check.kind,
        verdict,
        f"{check.name} {verdict}: {decision.describe()}{note}{hint}",
        summary,
        evidence,
        warnings=(warning,) if warning else (),
    )


def check_instructions(context: ModelContext, check: CheckSpec) -> CheckResult:
    """Instructions per inference under valgrind, candidate against baseline: deterministic enough to gate."""
    engine = _engine("instructions")
    name = context.spec.name
    if not engine.valgrind_available():  # preflight let it through: the check is optional
        return CheckResult(
            name,
            check.name,
            check.kind,
            "skip",
            f"{check.name} skip: valgrind is not installed and the check is optional",
            "no valgrind",
        )
    options = check.options
    roles = {"baseline": context.baseline_path, "candidate": context.candidate_path}
    context.log(f"{name}: {check.name}: counting instructions of baseline and candidate under valgrind")

    def count(path: object) -> Any:
        return engine.count_instructions(
            path,
            threads=options["threads"],
            repetitions=options.get("repetitions", 1),
            inferences=options.get("inferences", 1),
            timeout_s=options.get("timeout_s", 900),
        )

    # Two valgrind processes side by side: a count is exact whatever else runs, so nothing is lost.
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = {role: pool.submit(count, path) for role, path in roles.items()}
        counts = {role: future.result() for role, future in futures.items()}
    base, cand = counts["baseline"].per_inference, counts["candidate"].per_inference
    growth = cand / base - 1 if base else float("inf")
    limit = options["max_growth"]
    verdict = "fail" if growth > limit else "pass"
    words = (
        f"{cand:,.0f} instructions per inference vs baseline {base:,.0f} ({growth:+.2%}, "
        f"may grow {limit:.2%})"
    )
    evidence = {"growth": growth, "max_growth": limit, **{role: c.to_dict() for role, c in counts.items()}}
    return CheckResult(
        name,
        check.name,
        check.kind,
        verdict,
        f"{check.name} {verdict}: {words}",
        f"{growth:+.2%} instructions",
        evidence,
    )


def check_latency_budget(context: ModelContext, check: CheckSpec) -> CheckResult:
    """An absolute p50 budget, judged only on runners of its device class; always labelled noisy."""
    from edgekit.bench.run import bench

    options = check.options
    wanted, here = options["device_class"], os.environ.get(DEVICE_CLASS_ENV)
    noisy = f"noisy: an absolute budget for device class {wanted}"
    name = context.spec.name
    if here != wanted:
        line = (
            f"{check.name} skip: this runner's device class is {here or 'not set'}, the budget is for "
            f"{wanted} (set {DEVICE_CLASS_ENV}={wanted} on such runners) ({noisy})"
        )
        return CheckResult(name, check.name, check.kind, "skip", line, "other device class", noisy=True)
    result = bench(
        context.candidate_path,
        delegates=[options["delegate"]],
        threads=[options["threads"]],
        runs=options.get("runs", 50),
        accuracy=False,
        seed=context.spec.seed,
    )
    run = result.runs[0]
    if run.status != "ok" or run.latency is None:
        line = f"{check.name} fail: the run ended {run.status}: {run.reason} ({noisy})"
        return CheckResult(name, check.name, check.kind, "fail", line, run.status, noisy=True)
    p50, budget = run.latency.p50, options["p50_ms"]
    verdict = "fail" if p50 > budget else "pass"
    line = f"{check.name} {verdict}: p50 {p50:.3f} ms, budget {budget:g} ms on {wanted} ({noisy})"
    evidence = {
        "p50_ms": p50,
        "budget_ms": budget,
        "device_class": wanted,
        "latency_ms": run.latency.to_dict(),
    }
    return CheckResult(
        name, check.name, check.kind, verdict, line, f"p50 {p50:.3f} ms (noisy)", evidence, True
    )


def profile_hint(context: ModelContext) -> str:
    """Where a failed latency check sends the user next: the per-op diff of the two models.

    A ``git:REF:PATH`` baseline lives in a temporary file only while the gate runs, so the hint
    gives the command that extracts it again rather than a path that no longer exists.
    """
    candidate = shlex.quote(str(context.candidate_path))
    configured = context.spec.baseline or ""
    if configured.startswith("git:"):
        ref_and_path = configured[len("git:"):]
        suffix = Path(ref_and_path.partition(":")[2]).suffix or ".tflite"
        saved = shlex.quote(f"baseline{suffix}")
        folder = shlex.quote(str(context.spec.base_dir))
        return (f"; see `git -C {folder} show --end-of-options {shlex.quote(ref_and_path)} > {saved} && "
                f"edgekit profile --baseline {saved} {candidate}` for the ops whose time changed most")
    baseline = shlex.quote(str(context.baseline_path))
    return f"; see `edgekit profile --baseline {baseline} {candidate}` for the ops whose time changed most"


def _engine(which: str) -> ModuleType:
    """``edgekit.gate.latency`` or ``edgekit.gate.instructions``; exit 3 when this install lacks it."""
    import importlib

    try:
        return importlib.import_module(f"edgekit.gate.{which}")
    except ImportError as exc:
        if exc.name != f"edgekit.gate.{which}":
            raise
        raise ToolMissing(
            f"edgekit.gate.{which}",
            f"for the {which} check",
            "this edgekit installation lacks its measurement engine; upgrade edgekit",
        ) from exc
