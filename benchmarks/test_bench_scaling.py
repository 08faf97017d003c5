"""pytest-benchmark: segment × 1 … × 16 (every population scaled; 1 simulated second each, 5 rounds).

Compare ``extra_info["ns_per_neuron_step"]`` across the parametrisation: flat means the kernel
scales with the work. The same figures are in ``python -m benchmarks`` (section ``scaling``).
"""

from __future__ import annotations

import pytest

from benchmarks.conftest import ROUNDS
from benchmarks.workloads import circuit_workload, synaptic_events


@pytest.mark.parametrize("scale", [1, 2, 4, 8, 16])
def test_segment_scaled_1s(benchmark, scale):
    wl = circuit_workload("segment", 1.0, scale=scale)
    wl.run(0.01)  # warm the JIT
    out = benchmark.pedantic(wl.run, rounds=ROUNDS, iterations=1, warmup_rounds=0)
    n_steps = int(round(wl.duration_s / out.dt_s))
    benchmark.extra_info["neurons"] = wl.net.n_neurons
    benchmark.extra_info["synapses"] = int(wl.net.weight_ns.size)
    benchmark.extra_info["neuron_steps"] = wl.net.n_neurons * n_steps
    benchmark.extra_info["synaptic_events"] = synaptic_events(wl.net, wl.inputs, out)


@pytest.mark.parametrize("duration_s", [1.0, 5.0, 20.0])
def test_segment_duration(benchmark, duration_s):
    wl = circuit_workload("segment", duration_s)
    wl.run(0.01)
    benchmark.pedantic(wl.run, rounds=ROUNDS, iterations=1, warmup_rounds=0)
