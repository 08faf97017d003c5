"""The day-long memory benchmark (benchmarks/bench_memory.py) is opt-in and works: a smoke run of its
measurement on a tiny duration (it is a benchmark, not a timed test: no figure is judged here)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import bench_memory, suite  # noqa: E402


def test_memory_day_is_a_section_of_no_profile():
    assert "memory_day" in suite.SECTIONS
    assert all("memory_day" not in s for s in suite.DEFAULT_SECTIONS.values())


def test_measure_runs_scs_sim_run_in_a_child_and_reads_its_peak():
    row = bench_memory.measure(0.5, "rate")
    assert row["model"] == "rate" and row["duration_s"] == 0.5
    assert 50.0 < row["peak_rss_mb"] < 2000.0 and row["wall_s"] > 0
    assert row["wdr_rate_hz"] > 0


def test_slope_and_ratio():
    rows = [{"model": "rate", "duration_s": d, "peak_rss_mb": 100.0 + 0.5 * d} for d in (10.0, 20.0, 30.0)]
    assert bench_memory._slope(rows) == 0.5
