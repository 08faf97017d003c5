"""pytest-benchmark: the numba kernels at the sizes the budgets of docs/PERFORMANCE.md are set for
(JIT warmed, 5 rounds each).

``python -m pytest benchmarks/ --benchmark-only`` (``--benchmark-json FILE`` for a machine-readable
record). Each test stores its throughput figure in ``benchmark.extra_info``. The whole-suite table,
the NumPy-reference ratios and the ``--check`` floors are ``python -m benchmarks``.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import bench_recruitment as br
from benchmarks.conftest import ROUNDS
from benchmarks.workloads import synaptic_events


def test_recruitment_10khz_100_fibres_6s(benchmark):
    pop = br._population()
    br._run(0.01, pop)  # warm the JIT
    wall, rec = benchmark.pedantic(lambda: br._run(6.0, pop), rounds=ROUNDS, iterations=1, warmup_rounds=1)
    assert rec.n_pulses == 60_000
    benchmark.extra_info["fiber_pulse_events"] = rec.n_pulses * pop.n
    benchmark.extra_info["events_per_s_last_round"] = rec.n_pulses * pop.n / wall


@pytest.mark.parametrize("preset", ["zhang2014", "segment"])
def test_circuit_10s(benchmark, preset, zhang_10s, segment_10s):
    wl = {"zhang2014": zhang_10s, "segment": segment_10s}[preset]
    out = benchmark.pedantic(wl.run, rounds=ROUNDS, iterations=1, warmup_rounds=1)
    n_steps = int(round(wl.duration_s / out.dt_s))
    benchmark.extra_info["neuron_steps"] = wl.net.n_neurons * n_steps
    benchmark.extra_info["synaptic_events"] = synaptic_events(wl.net, wl.inputs, out)
    benchmark.extra_info["simulated_s"] = wl.duration_s
    assert out.n_spikes_total > 0


def test_circuit_segment_all_mechanisms_10s(benchmark, segment_all_mechanisms_10s):
    """The segment circuit with every registered mechanism on (issue 13 budget: >= 20x real time)."""
    wl = segment_all_mechanisms_10s
    out = benchmark.pedantic(wl.run, rounds=ROUNDS, iterations=1, warmup_rounds=1)
    benchmark.extra_info["simulated_s"] = wl.duration_s
    assert out.n_spikes_total > 0


def test_rate_10s(benchmark):
    from scs_sim.dorsal_horn.rate import RateInputs, run_rate

    rng = np.random.default_rng(7)
    n = 100_000
    inputs = RateInputs(*(rng.uniform(0, 20, n) for _ in range(4)))
    run_rate(None, inputs, 10.0)  # warm the JIT
    out = benchmark.pedantic(lambda: run_rate(None, inputs, 10.0), rounds=ROUNDS, iterations=1, warmup_rounds=1)
    benchmark.extra_info["steps"] = n
    assert np.isfinite(out.rates_hz["wdr"]).all()


def test_simulate_segment_10s(benchmark):
    import scs_sim

    scs_sim.simulate("tonic_50hz", duration_s=0.2, seed=1)  # warm every kernel
    r = benchmark.pedantic(lambda: scs_sim.simulate("tonic_50hz", duration_s=10.0, seed=1), rounds=ROUNDS,
                           iterations=1, warmup_rounds=0)
    assert r.metrics["baseline_wdr_rate_hz"] > 0
