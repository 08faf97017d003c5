"""Recruitment throughput: fibre-pulse events per second (budget >= 1e7 /s, docs/PERFORMANCE.md "Budgets").

Run ``python benchmarks/bench_recruitment.py [--quick]``: prints one JSON object with the kernel's
events/s for 10 kHz x 60 s x 100 fibres (JIT warmed first, median of ``rounds``) and the kernel vs
naive-reference speed ratio, both on the same small problem and per fibre-pulse event (the naive
twin's events/s on the small problem against the kernel's on the full one: the naive walk is linear
in events, so this is the ratio at the workload that matters). The suite (``python -m benchmarks``)
calls :func:`measure`; the pytest-benchmark test is in ``benchmarks/test_bench_kernels.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scs_sim.fibers.anatomy import Anatomy, build_fibers  # noqa: E402
from scs_sim.fibers.recruitment import recruit  # noqa: E402
from scs_sim.stim.programs import high_frequency, pulse_train, tonic  # noqa: E402

N_FIBERS = 100
RATE_HZ = 10_000.0


def _population(n_fibers: int = N_FIBERS):
    return build_fibers(Anatomy(dc_count=n_fibers - n_fibers // 5, dr_count=n_fibers // 5), np.random.default_rng(1))


def _run(duration_s: float, pop, amplitude_ma: float = 40.0):
    train = pulse_train(high_frequency(frequency_hz=RATE_HZ, amplitude_ma=amplitude_ma))
    t = time.perf_counter()
    rec = recruit(train, pop, np.random.default_rng(2), duration_s)
    return time.perf_counter() - t, rec


def measure(duration_s: float = 60.0, naive_duration_s: float = 0.05, rounds: int = 5) -> dict:
    from statistics import median

    from tests.naive_recruitment import naive_recruit  # the naive twin lives in tests/

    pop = _population()
    _run(0.01, pop)  # warm the JIT (and the on-disk cache)
    train = pulse_train(high_frequency(frequency_hz=RATE_HZ, amplitude_ma=40.0))

    def naive():
        t = time.perf_counter()
        naive_recruit(train, pop, np.random.default_rng(2), naive_duration_s)
        return time.perf_counter() - t

    # Kernel at full size and the naive twin on a short window, alternately (pairs share the
    # machine's load, so the per-event ratio of each pair is robust on a shared machine).
    walls, naive_walls = [], []
    for _ in range(max(1, rounds)):
        wall, rec = _run(duration_s, pop)
        walls.append(wall)
        naive_walls.append(naive())
    wall = median(walls)
    events = rec.n_pulses * pop.n
    # Kernel vs naive reference on the same small problem.
    small = []
    for _ in range(3):
        t = time.perf_counter()
        small_rec = recruit(train, pop, np.random.default_rng(2), naive_duration_s)
        small.append(time.perf_counter() - t)
    kernel_wall = median(small)
    naive_wall = median(naive_walls)
    naive_events = small_rec.n_pulses * pop.n
    pair_ratios = [(events / k) / (naive_events / n) for k, n in zip(walls, naive_walls, strict=True)]
    # Tonic 50 Hz, 1 s (a threshold-search step) for scale.
    t = time.perf_counter()
    recruit(pulse_train(tonic(amplitude_ma=8.0)), build_fibers(Anatomy(), np.random.default_rng(1)),
            np.random.default_rng(3), 1.0)
    tonic_wall = time.perf_counter() - t
    return {
        "workload": f"{RATE_HZ:g} Hz x {duration_s:g} s x {pop.n} fibres",
        "wall_s": wall,
        "wall_rounds_s": walls,
        "fiber_pulse_events": events,
        "events_per_s": events / wall,
        "budget_events_per_s": 1e7,
        "meets_budget": events / wall >= 1e7,
        "spikes": int(rec.spike_count.sum()),
        "naive_vs_kernel_speed_ratio": naive_wall / kernel_wall,
        "naive_events_per_s": naive_events / naive_wall,
        "naive_vs_kernel_per_event_ratio": median(pair_ratios),
        "naive_vs_kernel_per_event_ratio_rounds": pair_ratios,
        "naive_workload": f"{RATE_HZ:g} Hz x {naive_duration_s:g} s x {pop.n} fibres",
        "tonic_50hz_1s_240_fibres_wall_s": tonic_wall,
    }


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="6 s of stimulation instead of 60 s")
    args = ap.parse_args()
    print(json.dumps(measure(6.0 if args.quick else 60.0), indent=2))
