"""The latency gate: the sequential rule on scripted observations, and real paired workers."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest

from edgekit.errors import ModelNotFound, UsageError
from edgekit.gate.latency import (
    LatencyDecision,
    PairedRunner,
    compare_latency,
    decide_observations,
    deciding_figure,
)
from edgekit.gate.observation import Observation


class _Clock:
    """Advances one second per worker, so ``max_seconds`` counts workers in these tests."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _observation(ratio: float, wall: float | None = None, load: float = 0.3) -> Observation:
    wall = ratio if wall is None else wall
    logs = {"thread_cpu": math.log(ratio), "process_cpu": math.log(ratio), "wall": math.log(wall)}
    return Observation(logs, {"thread_cpu": 2.0, "process_cpu": 2.0, "wall": 2.5},
                       {"thread_cpu": 2.0 * ratio, "process_cpu": 2.0 * ratio, "wall": 2.5 * wall},
                       pairs=50, first="baseline", seconds=1.0, load=load)


def _source(ratios, clock: _Clock, *, wall: float | None = None, load: float = 0.3):
    """An observation source (stands in for the worker processes) cycling through RATIOS."""
    cycle = itertools.cycle(ratios)

    def next_observation() -> Observation:
        clock.now += 1.0
        return _observation(next(cycle), wall, load)

    return next_observation


def _decide(ratios, *, confirm: bool = True, max_seconds: float = 100.0, wall: float | None = None,
            load: float = 0.3) -> LatencyDecision:
    clock = _Clock()
    return decide_observations(_source(ratios, clock, wall=wall, load=load), max_slowdown=0.05,
                               confidence=0.99, max_seconds=max_seconds, min_rounds=4, confirm=confirm,
                               clock=clock, usable_cores=2)


def test_a_clear_slowdown_fails_at_the_first_look_and_is_confirmed() -> None:
    decision = _decide([1.10, 1.11, 1.09], wall=1.06)
    assert decision.outcome == "fail" and decision.confirmed
    assert decision.rounds == 18  # 9 workers to the first look, twice (a fresh second decision)
    assert len(decision.samples["baseline"]) == len(decision.samples["candidate"]) == 18
    assert decision.low > 1.05 and decision.ratio == pytest.approx(1.10, abs=0.005)
    assert decision.figures["wall"][0] == pytest.approx(1.06)
    assert "re-checked" in decision.method and "thread CPU time" in decision.method
    line = decision.describe()
    assert "by thread CPU time (wall time x1.060)" in line and "18 workers" in line
    assert line.endswith("> allowed x1.05 -> fail (confirmed)")


def test_an_unconfirmed_fail_takes_the_second_decision() -> None:
    clock = _Clock()
    ratios = iter([1.10] * 9 + [1.0, 1.001, 0.999] * 10)

    def next_observation() -> Observation:
        clock.now += 1.0
        return _observation(next(ratios))

    decision = decide_observations(next_observation, max_slowdown=0.05, confidence=0.99, max_seconds=100,
                                   min_rounds=4, confirm=True, clock=clock, usable_cores=2)
    assert decision.outcome == "pass" and not decision.confirmed and decision.rounds == 18


def test_no_slowdown_passes_at_the_first_look() -> None:
    decision = _decide([1.0, 1.01, 0.99])
    assert decision.outcome == "pass" and decision.rounds == 9 and decision.high < 1.05
    assert not decision.confirmed and decision.reason == ""


def test_a_ratio_at_the_threshold_is_inconclusive_and_says_why_and_what_to_do() -> None:
    decision = _decide([1.02, 1.08, 1.05, 0.99, 1.11], max_seconds=30, load=5.3)
    assert decision.outcome == "inconclusive"
    assert decision.rounds == 30 and decision.seconds == 30  # until the next worker would end past 30 s
    assert decision.low < 1.05 < decision.high
    assert "still contains the allowed x1.05" in decision.reason
    assert "load average up to 5.3 on 2 usable cores" in decision.reason
    assert 'inconclusive = "warn"' in decision.reason
    assert decision.describe().startswith("latency x1.0") and decision.reason in decision.describe()


def test_a_slowdown_short_of_decidable_asks_for_more_time() -> None:
    decision = _decide([1.03, 1.045, 1.035, 1.04, 1.06], max_seconds=10)
    assert decision.outcome == "inconclusive"
    assert "raise max_seconds to about" in decision.reason


def test_running_out_of_time_before_the_first_look_names_it() -> None:
    decision = _decide([1.0, 1.01], max_seconds=5)
    assert decision.outcome == "inconclusive" and decision.rounds == 5
    assert "before the first decision point at 9 workers" in decision.reason
    assert "raise max_seconds to about 12" in decision.reason  # 9 workers x 1 s x 1.3


def test_without_confirmation_a_fail_stands() -> None:
    decision = _decide([1.2], confirm=False)
    assert decision.outcome == "fail" and not decision.confirmed and decision.rounds == 9


def test_to_dict_writes_an_unbounded_interval_end_as_null_and_keeps_every_observation() -> None:
    data = _decide([1.0, 1.01], max_seconds=5).to_dict()
    assert data["outcome"] == "inconclusive" and data["low"] == 0.0 and data["high"] is None
    assert len(data["observations"]) == 5 and data["figure"] == "thread_cpu"
    assert data["ratio_cpu"] == pytest.approx(1.005, abs=0.006) and data["ratio_wall"] is not None
    assert Observation.from_dict(data["observations"][0]) == _observation(1.0)


def test_the_deciding_figure_follows_threads_and_delegate() -> None:
    assert deciding_figure("cpu", 1) == "thread_cpu"
    assert deciding_figure("cpu", 2) == "wall"
    assert deciding_figure("gpu", 1) == "wall"


def test_load_is_summarised_over_the_workers() -> None:
    decision = _decide([1.0, 1.01, 0.99], load=3.5)
    assert decision.load == {"usable_cores": 2, "start": 3.5, "median": 3.5, "max": 3.5}


def test_bad_settings_and_missing_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="confidence"):
        compare_latency(tmp_path / "a.tflite", tmp_path / "b.tflite", confidence=1.0)
    with pytest.raises(UsageError, match="can never reach a decision"):
        compare_latency(tmp_path / "a.tflite", tmp_path / "b.tflite", max_seconds=3)
    with pytest.raises(ModelNotFound):
        compare_latency(tmp_path / "a.tflite", tmp_path / "b.tflite")


def test_one_paired_worker_times_both_models_and_alternates_which_loads_first(tmp_path: Path) -> None:
    from tests.tflite_builder import conv_model

    model = conv_model(tmp_path / "conv.tflite", input_shape=(1, 32, 32, 3), filters=16)
    with PairedRunner(model, model, "cpu", 1, 0) as runner:
        first, second = runner.observe(), runner.observe()
    assert (first.first, second.first) == ("baseline", "candidate")
    for observation in (first, second):
        assert observation.pairs >= 10 and 0.0 < observation.seconds < 60
        assert abs(observation.log_ratios["thread_cpu"]) < 0.2  # the same file twice
        for side in (observation.baseline_ms, observation.candidate_ms):
            # at one thread the inference runs on the calling thread, its clock read inside the wall clock
            assert 0 < side["thread_cpu"] <= side["wall"] * 1.05 + 0.005


@pytest.mark.slow
def test_a_real_aa_decision_on_a_tiny_model_passes(tmp_path: Path) -> None:
    """Paired workers on a real model; a loose threshold and level keep it to a few workers here."""
    from tests.tflite_builder import conv_model

    model = conv_model(tmp_path / "conv.tflite", input_shape=(1, 32, 32, 3), filters=16)
    rounds: list[int] = []
    decision = compare_latency(model, model, max_slowdown=0.5, confidence=0.9, max_seconds=60,
                               on_round=lambda n, ratio, low, high: rounds.append(n))
    assert decision.outcome == "pass", decision.describe()
    assert rounds == list(range(1, decision.rounds + 1))
    assert 0.8 < decision.ratio < 1.25 and decision.high < 1.5
    assert [o.first for o in decision.observations[:2]] == ["baseline", "candidate"]
