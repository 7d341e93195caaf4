"""The benchmark's arithmetic: how rounds of a load become one figure (no timing is asserted)."""

from bench.load import Sample, combine, percentile


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile([7.0], 0.99) == 7.0


def test_rounds_combine_to_the_median_p50_and_the_worst_over_all() -> None:
    calm = Sample([0.010] * 9 + [0.020], errors=0, wall=1.0)
    busy = Sample([0.090] * 9 + [0.500], errors=1, wall=2.0)
    usual = Sample([0.015] * 10, errors=0, wall=1.0)

    stats = combine([calm, busy, usual])

    assert stats.p50_ms == 15.0  # the middle round's p50, not moved by the busy one
    assert stats.max_ms == 500.0  # the busy round's worst is kept
    assert stats.p99_ms == 500.0  # 30 requests: the 99th percentile is the largest
    assert (stats.requests, stats.errors) == (30, 1)
    assert stats.per_second == 7.5


def test_one_round_is_its_own_figure() -> None:
    sample = Sample([0.004, 0.001, 0.002, 0.003], errors=0, wall=0.5)
    assert sample.stats == combine([sample])
    assert (sample.stats.p50_ms, sample.stats.max_ms, sample.stats.per_second) == (2.0, 4.0, 8.0)
