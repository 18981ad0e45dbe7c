"""Deterministic checks: the same answer on every machine, from the model files alone.

File size, op count and multiply-accumulates (absolute or relative to the baseline), no new
custom ops, and delegate coverage from each delegate's static rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from edgekit import delegates
from edgekit.gate import fields as f
from edgekit.gate.check_kind import CheckKind, option
from edgekit.gate.context import ModelContext
from edgekit.gate.result import CheckResult
from edgekit.gate.spec import CheckOptions, CheckSpec
from edgekit.model.model import Model
from edgekit.text.sizes import format_size

__all__ = [
    "COVERAGE",
    "CUSTOM_OPS",
    "MACS",
    "OPS",
    "SIZE",
    "CountOptions",
    "CoverageOptions",
    "CustomOpsOptions",
    "SizeOptions",
    "check_coverage",
    "check_custom_ops",
    "check_macs",
    "check_ops",
    "check_size",
]


@dataclass(frozen=True, kw_only=True)
class SizeOptions(CheckOptions):
    """``size = { max_bytes = N, max_growth = "2%" }``: the file's size, absolute and over the baseline."""

    max_bytes: int | None = option(f.positive_int, None)
    max_growth: float | None = option(f.growth, None)

    @property
    def relative(self) -> bool:
        return self.max_growth is not None


@dataclass(frozen=True, kw_only=True)
class CountOptions(CheckOptions):
    """``ops`` and ``macs``: ``{ max = N, max_growth = "0%" }``, a count absolute and over the baseline."""

    max: int | None = option(f.positive_int, None)
    max_growth: float | None = option(f.growth, None)

    @property
    def relative(self) -> bool:
        return self.max_growth is not None


@dataclass(frozen=True, kw_only=True)
class CustomOpsOptions(CheckOptions):
    """``custom_ops = { allowed = [...] }``: custom ops allowed beyond the baseline's."""

    allowed: tuple[str, ...] = option(f.text_list, ())


@dataclass(frozen=True, kw_only=True)
class CoverageOptions(CheckOptions):
    """One delegate's entry of ``coverage = { gpu = { fully_mapped = true } }``."""

    fully_mapped: bool = option(f.boolean, False)
    min_mapped_ops: int | None = option(f.non_negative_int, None)
    no_regression: bool = option(f.boolean, False)

    @property
    def relative(self) -> bool:
        return self.no_regression


def check_size(context: ModelContext, check: CheckSpec[SizeOptions]) -> CheckResult:
    """``size = { max_bytes = N, max_growth = "2%" }``."""
    options = check.options
    return _limited(context, check, lambda m: m.size_bytes, ("max_bytes", options.max_bytes),
                    options.max_growth, lambda n: f"{format_size(n)} ({n:,} B)")


def check_ops(context: ModelContext, check: CheckSpec[CountOptions]) -> CheckResult:
    """``ops = { max = N, max_growth = "0%" }``: operators in the model's graphs."""
    options = check.options
    return _limited(context, check, lambda m: len(m.ops), ("max", options.max), options.max_growth,
                    lambda n: f"{n:,} ops")


def check_macs(context: ModelContext, check: CheckSpec[CountOptions]) -> CheckResult:
    """``macs = { max = N, max_growth = "5%" }``: estimated multiply-accumulates per inference."""
    options = check.options
    return _limited(context, check, lambda m: m.macs.total, ("max", options.max), options.max_growth,
                    lambda n: f"{n:,} MACs")


def check_custom_ops(context: ModelContext, check: CheckSpec[CustomOpsOptions]) -> CheckResult:
    """No custom op beyond the baseline's and those listed in ``allowed``."""
    allowed = set(check.options.allowed)
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


def check_coverage(context: ModelContext, check: CheckSpec[CoverageOptions]) -> CheckResult:
    """What one delegate's static rules map: fully, at least N ops, or no fewer than the baseline."""
    name = check.delegate
    if name is None:  # the entry is per_delegate: every coverage check it parses names one
        raise TypeError(f"{check.key}: a coverage check without its delegate")
    delegate = delegates.get(name)
    coverage = delegate.coverage(context.candidate)
    mapped = coverage.mapped_ops or 0
    problems = []
    if check.options.fully_mapped and not coverage.fully_mapped:
        problems.append(f"not fully accelerated: {coverage.summary()}")
    minimum = check.options.min_mapped_ops
    if minimum is not None and mapped < minimum:
        problems.append(f"maps {mapped} ops, fewer than {minimum} ({coverage.summary()})")
    evidence = {
        "delegate": name,
        "mapped_ops": mapped,
        "total_ops": coverage.total_ops,
        "summary": coverage.summary(),
    }
    if check.options.no_regression:
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
    check: CheckSpec[SizeOptions] | CheckSpec[CountOptions],
    figure: Callable[[Model], int],
    absolute: tuple[str, int | None],
    max_growth: float | None,
    show: Callable[[int], str],
) -> CheckResult:
    """An absolute limit (ABSOLUTE: its key and value) and/or a growth limit over the baseline on one
    figure of the model."""
    value = figure(context.candidate)
    evidence: dict[str, object] = {"value": value}
    problems, facts = [], [show(value)]
    absolute_key, limit = absolute
    if limit is not None:
        evidence[absolute_key] = limit
        facts.append(f"limit {show(limit)}")
        if value > limit:
            problems.append(f"{show(value)} is over the limit {show(limit)}")
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
    context: ModelContext, check: CheckSpec[Any], verdict: str, line: str, summary: str, evidence: dict
) -> CheckResult:
    return CheckResult(context.spec.name, check.name, check.kind, verdict, line, summary, evidence)


SIZE = CheckKind("size", SizeOptions, check_size, one_of=frozenset({"max_bytes", "max_growth"}))
OPS = CheckKind("ops", CountOptions, check_ops, one_of=frozenset({"max", "max_growth"}))
MACS = CheckKind("macs", CountOptions, check_macs, one_of=frozenset({"max", "max_growth"}))
CUSTOM_OPS = CheckKind("custom_ops", CustomOpsOptions, check_custom_ops)
COVERAGE = CheckKind(
    "coverage",
    CoverageOptions,
    check_coverage,
    one_of=frozenset({"fully_mapped", "min_mapped_ops", "no_regression"}),
    per_delegate=True,
)
