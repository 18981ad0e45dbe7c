"""The gate's interval and look schedule against numbers computed by hand."""

from __future__ import annotations

import math

import pytest

from edgekit.gate.stats import (
    hodges_lehmann,
    look_alphas,
    sequential_verdict,
    signed_rank_cdf,
    signed_rank_interval,
    walsh_averages,
)


def test_walsh_averages_of_three_samples() -> None:
    # pairs i <= j of (1, 2, 4): 1, 1.5, 2.5, 2, 3, 4
    assert list(walsh_averages([4.0, 1.0, 2.0])) == [1.0, 1.5, 2.0, 2.5, 3.0, 4.0]


def test_hodges_lehmann_is_the_median_of_walsh_averages() -> None:
    assert hodges_lehmann([4.0, 1.0, 2.0]) == pytest.approx(2.25)
    # Walsh averages 1 1.5 2 2 2.5 | 3 50.5 51 51.5 100: one wild sample moves the estimate to 2.75,
    # the mean to 26.5
    assert hodges_lehmann([1.0, 2.0, 3.0, 100.0]) == pytest.approx(2.75)


def test_signed_rank_cdf_for_three_samples() -> None:
    # subsets of {1, 2, 3} by sum: 0:{} 1:{1} 2:{2} 3:{3},{1,2} 4:{1,3} 5:{2,3} 6:{1,2,3}
    assert signed_rank_cdf(3) == pytest.approx((1 / 8, 2 / 8, 3 / 8, 5 / 8, 6 / 8, 7 / 8, 1.0))


def test_interval_uses_the_tabulated_critical_value_for_ten_samples() -> None:
    # Wilcoxon tables: n = 10, two-sided 5% -> reject when T <= 8 (P(T <= 8) = 0.0244), so the
    # interval runs from the 9th smallest to the 9th largest of the 55 Walsh averages.
    samples = [float(v) for v in range(1, 11)]
    walsh = walsh_averages(samples)
    assert signed_rank_cdf(10)[8] == pytest.approx(25 / 1024)
    interval = signed_rank_interval(samples, alpha=0.05)
    assert (interval.low, interval.high) == (walsh[8], walsh[46])
    assert interval.estimate == pytest.approx(5.5)


def test_interval_for_six_samples_by_hand() -> None:
    # n = 6: P(T <= 1) = 2/64 = alpha/2 at alpha = 1/16, so k = 2: the 2nd smallest Walsh average
    # of 1..6 is (1 + 2) / 2 and the 2nd largest (5 + 6) / 2.
    interval = signed_rank_interval([1, 2, 3, 4, 5, 6], alpha=1 / 16)
    assert (interval.estimate, interval.low, interval.high) == (3.5, 1.5, 5.5)


def test_too_few_samples_give_an_unbounded_interval() -> None:
    # 2^-7 = 0.0078 > 0.005: seven samples cannot reach 99%
    interval = signed_rank_interval([0.1] * 7, alpha=0.01)
    assert interval.low == -math.inf and interval.high == math.inf


def test_looks_spend_alpha_geometrically_and_never_more_than_alpha() -> None:
    looks = look_alphas(60, alpha=0.01, min_rounds=4)
    assert [n for n, _ in looks] == [9, 14, 21, 32, 48]
    assert looks[0][1] == pytest.approx(0.01 * 6 / math.pi**2)
    assert looks[1][1] == pytest.approx(0.01 * 6 / math.pi**2 / 4)
    assert sum(level for _, level in look_alphas(10_000, 0.01, 1)) < 0.01


def test_min_rounds_delays_the_first_look() -> None:
    assert look_alphas(20, alpha=0.01, min_rounds=12)[0][0] == 12


def test_sequential_verdict_decides_only_on_looks() -> None:
    slow = [math.log(1.10) + 0.001 * (i % 3) for i in range(9)]
    assert sequential_verdict(slow[:8], math.log(1.05), 0.01, 4).outcome is None
    verdict = sequential_verdict(slow, math.log(1.05), 0.01, 4)
    assert verdict.outcome == "fail" and verdict.looks == 1
    fast = [0.001 * (i % 3) for i in range(9)]
    assert sequential_verdict(fast, math.log(1.05), 0.01, 4).outcome == "pass"
    straddling = [math.log(1.05) + 0.02 * (-1) ** i for i in range(9)]
    assert sequential_verdict(straddling, math.log(1.05), 0.01, 4).outcome is None
