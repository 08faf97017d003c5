"""Biophysical vs fast fibre model speed, side by side on the same fibres and programs (docs/MODEL.md §2.7).

Run ``python benchmarks/bench_biophysical.py [--quick]``: prints one JSON object with, for tonic 50 Hz
and 10 kHz programs on a 40-fibre population, fibre-pulse events/s and simulated fibre-seconds per wall
second of :func:`scs_sim.fibers.recruitment.recruit` and
:func:`scs_sim.fibers.biophysical.recruit_biophysical` (JIT warmed first, median of ``rounds``), and
how many fibres the biophysical path integrated (the others are skipped as far below threshold).
``pytest benchmarks/bench_biophysical.py`` runs the same workloads under pytest-benchmark.
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
from scs_sim.fibers.biophysical import recruit_biophysical  # noqa: E402
from scs_sim.fibers.recruitment import recruit  # noqa: E402
from scs_sim.stim.programs import high_frequency, pulse_train, tonic  # noqa: E402

N_FIBERS = 40
#: (name, program, simulated duration s): amplitudes recruit a few fibres in both models.
WORKLOADS = (
    ("tonic_50hz", tonic(amplitude_ma=8.0, frequency_hz=50.0, pulse_width_us=300.0), 0.2),
    ("khz_10khz", high_frequency(amplitude_ma=8.0), 0.02),
)


def population(n_fibers: int = N_FIBERS):
    return build_fibers(Anatomy(dc_count=n_fibers - n_fibers // 5, dr_count=n_fibers // 5), np.random.default_rng(1))


def run_once(model: str, program, duration_s: float, pop) -> tuple[float, dict, int]:
    train = pulse_train(program)
    stats: dict = {}
    t = time.perf_counter()
    if model == "fast":
        r = recruit(train, pop, np.random.default_rng(2), duration_s)
    else:
        r = recruit_biophysical(train, pop, np.random.default_rng(2), duration_s, stats=stats)
    return time.perf_counter() - t, stats, r.n_pulses


def measure(rounds: int = 3, scale: float = 1.0) -> dict:
    from statistics import median

    pop = population()
    out: dict = {"n_fibers": pop.n}
    for name, prog, dur in WORKLOADS:
        dur *= scale
        for model in ("fast", "bio"):
            run_once(model, prog, min(dur, 0.005), pop)  # warm the JIT / on-disk cache
            walls, stats, n_pulses = [], {}, 0
            for _ in range(max(1, rounds if model == "fast" else 1)):
                w, stats, n_pulses = run_once(model, prog, dur, pop)
                walls.append(w)
            wall = median(walls)
            row = {"wall_s": wall, "duration_s": dur, "pulses": n_pulses,
                   "fiber_pulse_events_per_s": pop.n * n_pulses / wall,
                   "fiber_seconds_per_wall_s": pop.n * dur / wall}
            if model == "bio":
                row["integrated_fibers"] = stats.get("integrated")
                row["integrated_fiber_pulse_events_per_s"] = stats.get("integrated", 0) * n_pulses / wall
            out[f"{name}_{model}"] = row
        out[f"{name}_slowdown"] = out[f"{name}_bio"]["wall_s"] / out[f"{name}_fast"]["wall_s"]
    return out


def test_bench_biophysical_tonic(benchmark):
    pop = population()
    name, prog, dur = WORKLOADS[0]
    run_once("bio", prog, 0.005, pop)
    benchmark.pedantic(run_once, args=("bio", prog, dur, pop), rounds=1, iterations=1)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="shorter simulated durations (1/4)")
    a = ap.parse_args(argv)
    print(json.dumps(measure(rounds=3, scale=0.25 if a.quick else 1.0), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
