"""The latency gate: the sequential rule on scripted rounds, and one real A/A decision."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest

from edgekit.errors import ModelNotFound, UsageError
from edgekit.gate.latency import LatencyDecision, compare_latency, decide_rounds, round_log_ratio


class _Clock:
    """Advances one second per round, so ``max_seconds`` counts rounds in these tests."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _rounds(ratios: list[float], clock: _Clock):
    """A round source (stands in for the worker processes) cycling through the given ratios."""
    cycle = itertools.cycle(ratios)

    def next_round() -> tuple[float, float, float, float]:
        clock.now += 1.0
        ratio = next(cycle)
        return 2.0, 2.0 * ratio, 2.0 * ratio, 2.0

    return next_round


def _decide(ratios: list[float], *, confirm: bool = True, max_seconds: float = 100.0) -> LatencyDecision:
    clock = _Clock()
    return decide_rounds(_rounds(ratios, clock), max_slowdown=0.05, confidence=0.99, max_seconds=max_seconds,
                         min_rounds=4, confirm=confirm, clock=clock)


def test_round_log_ratio_is_the_mean_of_the_two_log_ratios() -> None:
    assert round_log_ratio(2.0, 2.2, 2.42, 2.2) == pytest.approx(math.log(1.1))
    # a drift linear in time within the round (b1 2.0 ... b2 2.3) cancels
    assert round_log_ratio(2.0, 2.1, 2.2, 2.3) == pytest.approx(0.5 * math.log(2.1 * 2.2 / (2.0 * 2.3)))


def test_a_clear_slowdown_fails_at_the_first_look_and_is_confirmed() -> None:
    decision = _decide([1.10, 1.11, 1.09])
    assert decision.outcome == "fail" and decision.confirmed
    # 9 rounds to the first look, twice (a fresh second decision); warm-up rounds not counted
    assert decision.rounds == 18
    assert len(decision.samples["baseline"]) == len(decision.samples["candidate"]) == 36
    assert decision.low > 1.05 and decision.ratio == pytest.approx(1.10, abs=0.005)
    assert "re-checked" in decision.method
    assert decision.describe().endswith("> allowed x1.05 -> fail (confirmed)")


def test_an_unconfirmed_fail_takes_the_second_decision() -> None:
    clock = _Clock()
    ratios = iter([1.10] * 10 + [1.0, 1.001, 0.999] * 10)

    def next_round() -> tuple[float, float, float, float]:
        clock.now += 1.0
        ratio = next(ratios)
        return 2.0, 2.0 * ratio, 2.0 * ratio, 2.0

    decision = decide_rounds(next_round, max_slowdown=0.05, confidence=0.99, max_seconds=100,
                             min_rounds=4, confirm=True, clock=clock)
    assert decision.outcome == "pass" and not decision.confirmed


def test_no_slowdown_passes() -> None:
    decision = _decide([1.0, 1.01, 0.99])
    assert decision.outcome == "pass" and decision.rounds == 9 and decision.high < 1.05
    assert not decision.confirmed


def test_a_noisy_ratio_at_the_threshold_is_inconclusive_at_the_cap() -> None:
    decision = _decide([1.02, 1.08, 1.05, 0.99, 1.11], max_seconds=30)
    assert decision.outcome == "inconclusive"
    # warm-up round plus rounds until the next one would end past 30 s
    assert decision.rounds == 29 and decision.seconds == 30
    assert decision.low < 1.05 < decision.high
    assert decision.describe().startswith("latency x1.0")


def test_without_confirmation_a_fail_stands() -> None:
    decision = _decide([1.2], confirm=False)
    assert decision.outcome == "fail" and not decision.confirmed and decision.rounds == 9


def test_to_dict_writes_an_unbounded_interval_end_as_null() -> None:
    decision = _decide([1.0, 1.01], max_seconds=4)
    data = decision.to_dict()
    assert data["outcome"] == "inconclusive" and data["low"] == 0.0 and data["high"] is None


def test_bad_settings_and_missing_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="confidence"):
        compare_latency(tmp_path / "a.tflite", tmp_path / "b.tflite", confidence=1.0)
    with pytest.raises(ModelNotFound):
        compare_latency(tmp_path / "a.tflite", tmp_path / "b.tflite")


@pytest.mark.slow
def test_a_real_aa_decision_on_a_tiny_model_passes(tmp_path: Path) -> None:
    """Fresh workers on a real model; a loose threshold and level keep it to ~7 rounds here."""
    from tests.tflite_builder import conv_model

    model = conv_model(tmp_path / "conv.tflite", input_shape=(1, 32, 32, 3), filters=16)
    rounds: list[int] = []
    decision = compare_latency(model, model, max_slowdown=0.5, confidence=0.9, max_seconds=60,
                               on_round=lambda n, ratio, low, high: rounds.append(n))
    assert decision.outcome == "pass", decision.describe()
    assert rounds == list(range(1, decision.rounds + 1))
    assert 0.8 < decision.ratio < 1.25 and decision.high < 1.5
