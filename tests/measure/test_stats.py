"""LatencyStats against numbers computed by hand."""

import math

import numpy as np
import pytest

from edgekit.measure.stats import LatencyStats, median_ci


def test_summary_of_five_samples_matches_hand_computation():
    stats = LatencyStats.from_samples([1.0, 2.0, 3.0, 4.0, 100.0])
    # mean = 110 / 5; sample variance = (441 + 400 + 361 + 324 + 6084) / 4 = 1902.5
    assert stats.mean == pytest.approx(22.0)
    assert stats.std == pytest.approx(math.sqrt(1902.5))
    assert stats.cv == pytest.approx(math.sqrt(1902.5) / 22.0)
    assert (stats.min, stats.max) == (1.0, 100.0)
    # Linear interpolation between ranks: rank = (n - 1) * q
    assert stats.p50 == pytest.approx(3.0)  # rank 2.0
    assert stats.p90 == pytest.approx(4.0 + 0.6 * 96.0)  # rank 3.6
    assert stats.p95 == pytest.approx(4.0 + 0.8 * 96.0)  # rank 3.8
    assert stats.p99 == pytest.approx(4.0 + 0.96 * 96.0)  # rank 3.96
    assert stats.count == 5


def test_even_count_median_is_mean_of_middle_pair():
    stats = LatencyStats.from_samples([4.0, 1.0, 3.0, 2.0])
    assert stats.p50 == pytest.approx(2.5)
    # rank (4 - 1) * 0.9 = 2.7 over sorted [1, 2, 3, 4]
    assert stats.p90 == pytest.approx(3.7)


def test_single_sample_has_zero_spread_and_degenerate_interval():
    stats = LatencyStats.from_samples([7.5])
    assert stats.std == 0.0 and stats.cv == 0.0
    assert stats.median_ci95 == (7.5, 7.5)


def test_constant_samples_give_a_point_interval():
    stats = LatencyStats.from_samples([2.0] * 50)
    assert stats.median_ci95 == (2.0, 2.0)
    assert stats.std == 0.0


def test_median_interval_brackets_the_median_and_is_reproducible():
    rng = np.random.default_rng(1)
    samples = rng.lognormal(mean=1.0, sigma=0.2, size=400)
    low, high = median_ci(samples)
    assert low < np.median(samples) < high
    assert (low, high) == median_ci(samples)
    # A bigger sample of the same distribution gives a narrower interval.
    wide = median_ci(samples[:40])
    assert (wide[1] - wide[0]) > (high - low)


def test_median_interval_is_the_binomial_order_statistics_by_hand():
    # n = 10: P(B <= 1) = 11/1024 = 0.011 <= 0.025 < P(B <= 2) = 56/1024, so l = 2: [x(2), x(9)].
    assert median_ci(np.arange(1.0, 11.0)) == (2.0, 9.0)
    # n = 5: even [min, max] covers only 1 - 2/32 = 0.9375 < 0.95, so it is [min, max].
    assert median_ci(np.array([5.0, 1.0, 4.0, 2.0, 3.0])) == (1.0, 5.0)


def test_median_interval_of_many_samples_is_fast_and_tight():
    samples = np.random.default_rng(2).normal(10.0, 1.0, size=600_000)
    low, high = median_ci(samples)
    # The median's standard error is sqrt(pi/2) / sqrt(n) ~ 0.0016: the interval is about 4 of them.
    assert low < np.median(samples) < high and 0.004 < high - low < 0.009


def test_round_trip_recomputes_from_raw_samples():
    stats = LatencyStats.from_samples([1.0, 2.0, 3.5])
    again = LatencyStats.from_dict(stats.to_dict())
    assert again == stats
    assert stats.to_dict()["samples"] == [1.0, 2.0, 3.5]


@pytest.mark.parametrize("bad", [[], [[1.0, 2.0]]])
def test_rejects_empty_or_nested_samples(bad):
    with pytest.raises(ValueError):
        LatencyStats.from_samples(bad)
