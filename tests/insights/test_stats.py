"""The statistics, checked against published worked examples and hand computation."""

from __future__ import annotations

import math

import pytest

from insights import stats


def test_wilson_interval_matches_the_published_example():
    # Newcombe (1998), and Wilson's interval on Wikipedia: 81 of 263 → 0.2553 to 0.3662.
    interval = stats.wilson(81, 263)
    assert (round(interval.low, 4), round(interval.high, 4)) == (0.2553, 0.3662)


def test_wilson_interval_stays_inside_zero_and_one():
    assert stats.wilson(0, 10).low == pytest.approx(0, abs=1e-12)
    assert stats.wilson(10, 10).high == 1.0
    assert round(stats.wilson(0, 10).high, 4) == 0.2775  # 3.84 / 13.84
    assert stats.wilson(0, 0) is None


def test_difference_of_rates_is_newcombes_hybrid_score_interval():
    # Newcombe (1998), table II, method 10: 56/70 − 48/80 = 0.2000, 95% CI 0.0524 to 0.3339.
    diff, interval = stats.difference(56, 70, 48, 80)
    assert round(diff, 4) == 0.2
    assert (round(interval.low, 4), round(interval.high, 4)) == (0.0524, 0.3339)


def test_difference_in_differences_recovers_all_four_wilson_intervals():
    terms = [(1, 20, 40), (-1, 9, 30), (-1, 8, 40), (1, 6, 30)]
    diff, interval = stats.mover(terms)
    assert diff == pytest.approx(0.5 - 0.3 - 0.2 + 0.2)
    below = above = 0.0
    for sign, k, n in terms:  # by hand: MOVER, Zou and Donner (2008)
        w, p = stats.wilson(k, n), k / n
        below += (p - w.low) ** 2 if sign > 0 else (w.high - p) ** 2
        above += (w.high - p) ** 2 if sign > 0 else (p - w.low) ** 2
    assert interval.low == pytest.approx(diff - math.sqrt(below))
    assert interval.high == pytest.approx(diff + math.sqrt(above))
    assert interval.low < 0.2 < interval.high


def test_ratio_of_rates_is_the_katz_log_interval():
    ratio, interval = stats.ratio(28, 80, 15, 60)
    assert ratio == pytest.approx(1.4)
    spread = 1.959964 * math.sqrt(1 / 28 - 1 / 80 + 1 / 15 - 1 / 60)
    assert interval.low == pytest.approx(1.4 * math.exp(-spread), rel=1e-5)
    assert interval.high == pytest.approx(1.4 * math.exp(spread), rel=1e-5)
    assert stats.ratio(0, 80, 15, 60) is None  # no finite log: the page shows points instead


def test_median_interval_is_between_the_binomial_order_statistics():
    # n = 30: the 10th and 21st smallest values (the usual table for a 95% sign-test interval).
    median, interval = stats.median_from_counts(dict.fromkeys(range(1, 31), 1))
    assert median == 15.5
    assert (interval.low, interval.high) == (10, 21)
    assert stats.median_from_counts({3: 2, 7: 1}) == (3, None)  # too few for any 95% interval


def test_mean_interval_from_sums():
    values = [1, 2, 0, 1, -1, 2, 1, 1]
    mean, interval = stats.mean_interval(sum(values), sum(v * v for v in values), len(values))
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))
    assert mean == pytest.approx(0.875)
    assert interval.high - mean == pytest.approx(1.959964 * sd / math.sqrt(len(values)), rel=1e-5)


def test_thirty_per_group_is_enough_twenty_nine_is_not():
    assert stats.enough(30, 30)
    assert not stats.enough(30, 29)


def test_median_interval_for_thousands_of_values_is_near_the_normal_ranks():
    median, interval = stats.median_from_counts(dict.fromkeys(range(20), 1000))
    assert median == 9.5
    # Ranks n/2 ∓ 1.96·√n/2 of 20,000: about 9,861 and 10,140, both in the values 9 and 10.
    assert (interval.low, interval.high) == (9, 10)
    assert stats._median_rank(20_000) in range(9855, 9866)
