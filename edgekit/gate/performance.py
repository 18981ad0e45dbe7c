"""Performance checks: latency against the baseline in the same job, instruction counts, budgets.

The measurements are the context's engines (:mod:`edgekit.gate.engines`: ``compare_latency`` ->
``LatencyDecision`` from ``edgekit.gate.latency``, ``count_instructions`` under valgrind from
``edgekit.gate.instructions``); this module turns their answers into verdicts.
"""

from __future__ import annotations

import concurrent.futures
import os
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edgekit.errors import ToolMissing
from edgekit.gate import fields as f
from edgekit.gate.check_kind import CheckKind, OptionRefused, option
from edgekit.gate.context import ModelContext
from edgekit.gate.engines import Engines
from edgekit.gate.instructions import InstructionCount
from edgekit.gate.latency_advice import load_warning
from edgekit.gate.latency_plan import time_limit_problem
from edgekit.gate.result import CheckResult
from edgekit.gate.spec import OUTCOME_POLICIES, CheckOptions, CheckSpec, ModelSpec

__all__ = [
    "DEVICE_CLASS_ENV",
    "INSTRUCTIONS",
    "LATENCY",
    "LATENCY_BUDGET",
    "InstructionsOptions",
    "LatencyBudgetOptions",
    "LatencyOptions",
    "check_instructions",
    "check_latency",
    "check_latency_budget",
]

#: The environment variable naming this runner's device class, for absolute latency budgets.
DEVICE_CLASS_ENV = "EDGEKIT_DEVICE_CLASS"
VALGRIND_HINT = "install it with `sudo apt-get install -y valgrind`, or mark the check `optional = true`"
#: LatencyDecision outcomes, by what they mean for the gate; any other outcome fails closed.
_PASSING = frozenset({"pass", "ok", "faster", "improved", "improvement", "equivalent", "no_regression"})
_FAILING = frozenset({"fail", "regression", "slower"})


@dataclass(frozen=True, kw_only=True)
class LatencyOptions(CheckOptions):
    """``latency = { max_slowdown = "5%" }``: candidate against baseline, timed in this job."""

    max_slowdown: float = option(f.growth, 0.05)
    confidence: float = option(f.confidence, 0.99)
    max_seconds: float = option(f.seconds, 120.0)
    min_rounds: int = option(f.positive_int, 4)
    confirm: bool = option(f.boolean, True)
    #: None: the ``[gate]`` setting decides.
    inconclusive: str | None = option(f.choice(*OUTCOME_POLICIES), None)

    def __post_init__(self) -> None:
        """A ``max_seconds`` that can never reach the first decision point is refused when read."""
        problem = time_limit_problem(self.max_seconds, self.confidence, self.min_rounds)
        if problem:
            raise OptionRefused("max_seconds", problem)

    @property
    def relative(self) -> bool:
        return True


@dataclass(frozen=True, kw_only=True)
class InstructionsOptions(CheckOptions):
    """``instructions = { max_growth = "2%" }``: instructions per inference under valgrind."""

    max_growth: float = option(f.growth)
    #: Without valgrind the check is skipped rather than the gate stopped (exit 3).
    optional: bool = option(f.boolean, False)
    repetitions: int = option(f.positive_int, 1)
    inferences: int = option(f.positive_int, 1)
    timeout_s: float = option(f.seconds, 900.0)

    @property
    def relative(self) -> bool:
        return True


@dataclass(frozen=True, kw_only=True)
class LatencyBudgetOptions(CheckOptions):
    """``latency_budget = { p50_ms = 12, device_class = "..." }``: an absolute budget on one runner class."""

    p50_ms: float = option(f.positive_number)
    device_class: str = option(f.text)
    runs: int = option(f.positive_int, 50)


def _threads(check: CheckSpec[Any]) -> int:
    """The thread count the check was expanded for (its entry's ``repeat`` sets it)."""
    if check.threads is None:
        raise TypeError(f"{check.key}: a check that repeats per thread count without one")
    return check.threads


def _delegate(check: CheckSpec[Any]) -> str:
    """The delegate a timed check was expanded for (its entry's ``repeat`` sets it)."""
    if check.delegate is None:
        raise TypeError(f"{check.key}: a timed check without its delegate")
    return check.delegate


def _baseline(context: ModelContext) -> Path:
    if context.baseline_path is None:  # the config loader refuses relative checks without a baseline
        raise context.spec.source.error(f"{context.spec.key}.baseline", "is needed by a relative check")
    return context.baseline_path


def check_latency(context: ModelContext, check: CheckSpec[LatencyOptions]) -> CheckResult:
    """Candidate against baseline, paired in this job; inconclusive counts as configured."""
    options = check.options
    context.log(
        f"{context.spec.name}: {check.name}: timing candidate against baseline "
        f"(up to {options.max_seconds:g} s)"
    )
    decision = context.engines.compare_latency(
        _baseline(context),
        context.candidate_path,
        delegate=_delegate(check),
        threads=_threads(check),
        max_slowdown=options.max_slowdown,
        confidence=options.confidence,
        max_seconds=options.max_seconds,
        min_rounds=options.min_rounds,
        confirm=options.confirm,
        inputs_seed=context.spec.seed,
    )
    outcome = str(decision.outcome)
    policy = options.inconclusive or context.settings.inconclusive
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


def require_valgrind(spec: ModelSpec, check: CheckSpec[InstructionsOptions], engines: Engines) -> None:
    """Before any model is measured: a required instructions check without valgrind stops the gate."""
    if not check.options.optional and not engines.valgrind_available():
        raise ToolMissing("valgrind", f"for the instructions check of {spec.key}", VALGRIND_HINT)


def check_instructions(context: ModelContext, check: CheckSpec[InstructionsOptions]) -> CheckResult:
    """Instructions per inference under valgrind, candidate against baseline: deterministic enough to gate."""
    engines = context.engines
    name = context.spec.name
    if not engines.valgrind_available():  # preflight let it through: the check is optional
        return CheckResult(
            name,
            check.name,
            check.kind,
            "skip",
            f"{check.name} skip: valgrind is not installed and the check is optional",
            "no valgrind",
        )
    options = check.options
    threads = _threads(check)
    roles = {"baseline": _baseline(context), "candidate": context.candidate_path}
    context.log(f"{name}: {check.name}: counting instructions of baseline and candidate under valgrind")

    def count(path: Path) -> InstructionCount:
        return engines.count_instructions(
            path,
            threads=threads,
            repetitions=options.repetitions,
            inferences=options.inferences,
            timeout_s=options.timeout_s,
        )

    # Two valgrind processes side by side: a count is exact whatever else runs, so nothing is lost.
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = {role: pool.submit(count, path) for role, path in roles.items()}
        counts = {role: future.result() for role, future in futures.items()}
    base, cand = counts["baseline"].per_inference, counts["candidate"].per_inference
    growth = cand / base - 1 if base else float("inf")
    limit = options.max_growth
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


def check_latency_budget(context: ModelContext, check: CheckSpec[LatencyBudgetOptions]) -> CheckResult:
    """An absolute p50 budget, judged only on runners of its device class; always labelled noisy."""
    from edgekit.bench.run import bench

    options = check.options
    wanted, here = options.device_class, os.environ.get(DEVICE_CLASS_ENV)
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
        delegates=[_delegate(check)],
        threads=[_threads(check)],
        runs=options.runs,
        accuracy=False,
        seed=context.spec.seed,
    )
    run = result.runs[0]
    if run.status != "ok" or run.latency is None:
        line = f"{check.name} fail: the run ended {run.status}: {run.reason} ({noisy})"
        return CheckResult(name, check.name, check.kind, "fail", line, run.status, noisy=True)
    p50, budget = run.latency.p50, options.p50_ms
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


LATENCY = CheckKind("latency", LatencyOptions, check_latency, repeat="delegates_threads", timed=True)
INSTRUCTIONS = CheckKind(
    "instructions", InstructionsOptions, check_instructions, repeat="threads", preflight=require_valgrind
)
LATENCY_BUDGET = CheckKind(
    "latency_budget",
    LatencyBudgetOptions,
    check_latency_budget,
    repeat="delegates_threads",
    timed=True,
)
