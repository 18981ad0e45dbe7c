"""Deterministic checks: the same answer on every machine, from the model files alone.

File size, op count and multiply-accumulates (absolute or relative to the baseline), no new
custom ops, and delegate coverage from each delegate's static rules.
"""

from __future__ import annotations

from collections.abc import Callable

from edgekit.gate.config import CheckSpec
from edgekit.gate.context import ModelContext
from edgekit.gate.result import CheckResult
from edgekit.model.model import Model
from edgekit.text.sizes import format_size

__all__ = ["check_size", "check_ops", "check_macs", "check_custom_ops", "check_coverage"]


def check_size(context: ModelContext, check: CheckSpec) -> CheckResult:
    """``size = { max_bytes = N, max_growth = "2%" }``."""
    return _limited(
        context, check, lambda m: m.size_bytes, "max_bytes", lambda n: f"{format_size(n)} ({n:,} B)"
    )


def check_ops(context: ModelContext, check: CheckSpec) -> CheckResult:
    """``ops = { max = N, max_growth = "0%" }``: operators in the model's graphs."""
    return _limited(context, check, lambda m: len(m.ops), "max", lambda n: f"{n:,} ops")


def check_macs(context: ModelContext, check: CheckSpec) -> CheckResult:
    """``macs = { max = N, max_growth = "5%" }``: estimated multiply-accumulates per inference."""
    return _limited(context, check, lambda m: m.macs.total, "max", lambda n: f"{n:,} MACs")


def check_custom_ops(context: ModelContext, check: CheckSpec) -> CheckResult:
    """No custom op beyond the baseline's and those listed in ``allowed``."""
    allowed = set(check.options.get("allowed", ()))
    if context.baseline_path is not None:
        allowed |= set(context.baseline.custom_ops)
    found = sorted(set(context.candidate.custom_ops))
    new = [op for op in found if op not in allowed]
    evidence = {"custom_ops": found, "allowed": sorted(allowed), "new": new}
    if new:
        line = (
            f"{check.name} fail: new custom op(s) {', '.join(new)}: no delegate is guaranteed to run them; "
            "remove them or list them in `allowed`"
        )
        return _result(context, check, "fail", line, f"new: {', '.join(new)}", evidence)
    words = f"{len(found)} custom op(s), none new" if found else "no custom ops"
    return _result(context, check, "pass", f"{check.name} pass: {words}", words, evidence)


def check_coverage(context: ModelContext, check: CheckSpec) -> CheckResult:
    """What one delegate's static rules map: fully, at least N ops, or no fewer than the baseline."""
    from edgekit import delegates

    name = check.options["delegate"]
    delegate = delegates.get(name)
    coverage = delegate.coverage(context.candidate)
    mapped = coverage.mapped_ops or 0
    problems = []
    if check.options.get("fully_mapped") and not coverage.fully_mapped:
        problems.append(f"not fully accelerated: {coverage.summary()}")
    minimum = check.options.get("min_mapped_ops")
    if minimum is not None and mapped < minimum:
        problems.append(f"maps {mapped} ops, fewer than {minimum} ({coverage.summary()})")
    evidence = {
        "delegate": name,
        "mapped_ops": mapped,
        "total_ops": coverage.total_ops,
        "summary": coverage.summary(),
    }
    if check.options.get("no_regression"):
        before = delegate.coverage(context.baseline).mapped_ops or 0
        evidence["baseline_mapped_ops"] = before
        if mapped < before:
            problems.append(f"maps {mapped} ops, the baseline {before}")
    summary = f"{mapped}/{coverage.total_ops} ops mapped"
    if problems:
        return _result(
            context, check, "fail", f"{check.name} fail: {name} {'; '.join(problems)}", summary, evidence
        )
    state = "fully accelerated" if coverage.fully_mapped else f"maps {mapped} of {coverage.total_ops} ops"
    return _result(context, check, "pass", f"{check.name} pass: {name} {state}", summary, evidence)


def _limited(
    context: ModelContext,
    check: CheckSpec,
    figure: Callable[[Model], int],
    absolute_key: str,
    show: Callable[[int], str],
) -> CheckResult:
    """An absolute limit and/or a growth limit over the baseline on one figure of the model."""
    value = figure(context.candidate)
    evidence: dict[str, object] = {"value": value}
    problems, facts = [], [show(value)]
    limit = check.options.get(absolute_key)
    if limit is not None:
        evidence[absolute_key] = limit
        facts.append(f"limit {show(limit)}")
        if value > limit:
            problems.append(f"{show(value)} is over the limit {show(limit)}")
    max_growth = check.options.get("max_growth")
    if max_growth is not None:
        base = figure(context.baseline)
        growth = value / base - 1 if base else (0.0 if value == 0 else float("inf"))
        evidence.update(baseline=base, growth=growth, max_growth=max_growth)
        facts.append(f"baseline {show(base)}, {growth:+.2%} (may grow {max_growth:.2%})")
        if growth > max_growth:
            problems.append(f"grew {growth:+.2%} over the baseline {show(base)}, more than {max_growth:.2%}")
    verdict = "fail" if problems else "pass"
    words = "; ".join(problems) if problems else ", ".join(facts)
    summary = facts[0] + (f" ({evidence['growth']:+.2%})" if "growth" in evidence else "")
    return _result(context, check, verdict, f"{check.name} {verdict}: {words}", summary, evidence)


def _result(
    context: ModelContext, check: CheckSpec, verdict: str, line: str, summary: str, evidence: dict
) -> CheckResult:
    return CheckResult(context.spec.name, check.name, check.kind, verdict, line, summary, evidence)
