"""Benchmark workloads shared by the suite (``python -m benchmarks``), the pytest-benchmark modules
and the Brian2 peer: the same networks and inputs everywhere, built only from scs_sim's public API.

A circuit workload mirrors :func:`scs_sim.simulate` for ``tonic_50hz`` on the default patient: the
fibre population, the circuit (``n_dc`` = the patient's dorsal-column fibres), the natural afferent
drive and the dorsal-column spikes the program recruits, each from its own child of
``SeedSequence(seed)``. ``scale`` multiplies every population (afferents and neurons) of the preset;
recruited dc spikes are replicated onto the extra dc sources and ``dc_full_volley`` is scaled alike,
so each cell keeps the same expected drive and firing whatever the size (work grows, activity does
not).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from scs_sim.config.loader import load_patient, load_program
from scs_sim.dorsal_horn import circuit as circuit_mod
from scs_sim.dorsal_horn.afferents import AFFERENT_POPULATIONS, AfferentSpikes, afferent_spikes, merge_dc
from scs_sim.fibers.anatomy import build_fibers
from scs_sim.fibers.recruitment import recruit
from scs_sim.stim.programs import pulse_train

#: Population-size fields of CircuitParams scaled by ``scale``.
SIZE_FIELDS = ("n_abeta", "n_adelta", "n_c", "n_local_in", "n_surround_in", "n_ex", "n_wdr")


@dataclass
class CircuitWorkload:
    """A built network, its inputs and the run arguments (everything ``circuit.run`` needs)."""

    name: str
    scale: int
    duration_s: float
    net: circuit_mod.Network
    inputs: AfferentSpikes
    run_kwargs: dict

    def run(self, duration_s: float | None = None) -> circuit_mod.CircuitOutput:
        return circuit_mod.run(self.net, self.inputs, duration_s or self.duration_s, **self.run_kwargs)

    @property
    def n_input_spikes(self) -> int:
        return int(sum(len(self.inputs[p].times_s) for p in AFFERENT_POPULATIONS))


def circuit_workload(name: str = "segment", duration_s: float = 10.0, *, scale: int = 1, seed: int = 1,
                     program: str = "tonic_50hz", mechanisms: str = "gate_only") -> CircuitWorkload:
    """Build ``name`` (a circuit preset) × ``scale`` with the natural drive plus ``program``'s dc spikes,
    under the mechanism set ``mechanisms`` (scs_sim.dorsal_horn.mechanisms)."""
    prog, _ = load_program(program)
    patient = load_patient(None)
    r_fib, r_rec, r_aff, r_net = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4))
    fibers = build_fibers(patient.anatomy, r_fib)
    base = circuit_mod.circuit_params(name, patient.circuit)
    overrides = dict(patient.circuit)
    overrides["n_dc"] = fibers.n_dc * scale
    if scale != 1:
        for f in SIZE_FIELDS:
            overrides[f] = getattr(base, f) * scale
        if base.dc_full_volley is not None:
            overrides["dc_full_volley"] = base.dc_full_volley * scale
    params = circuit_mod.circuit_params(name, overrides)
    from scs_sim.dorsal_horn.mechanisms import apply_circuit, resolve

    params = apply_circuit(params, resolve(mechanisms))
    net = circuit_mod.build(params, r_net)
    natural = afferent_spikes(patient.pain, circuit_mod.afferent_sizes(params), duration_s, r_aff)
    rec = recruit(pulse_train(prog), fibers, r_rec, duration_s)
    dc_t, dc_i = rec.dc_spikes()
    if scale != 1:
        dc_t = np.tile(dc_t, scale)
        dc_i = np.concatenate([dc_i + k * fibers.n_dc for k in range(scale)])
    inputs = merge_dc(natural, dc_t, dc_i)
    return CircuitWorkload(name=name, scale=scale, duration_s=duration_s, net=net, inputs=inputs,
                           run_kwargs=dict(patient.pain.circuit_kwargs()))


def batch_run(net: circuit_mod.Network, inputs: list[AfferentSpikes], duration_s: float, run_kwargs: dict):
    """Run ``len(inputs)`` members of ``net`` in one :class:`~scs_sim.dorsal_horn.spiking.BatchStepper`
    (one window over the run, as ``circuit.run`` does for one); returns the members' windows."""
    from scs_sim.dorsal_horn.spiking import BatchStepper

    bs = BatchStepper(net, duration_s, len(inputs), **run_kwargs)
    return bs.advance(list(inputs), bs.n_steps)


def synaptic_events(net: circuit_mod.Network, inputs: AfferentSpikes, out: circuit_mod.CircuitOutput) -> int:
    """Synaptic events delivered in a run: Σ over every emitted spike (afferent and neuron) of its out-degree.

    Neuron spikes beyond the stored cap are counted at the mean out-degree of the stored ones.
    """
    outdeg = np.diff(net.indptr)
    total = 0
    for pop in AFFERENT_POPULATIONS:
        tr = inputs[pop]
        keep = np.asarray(tr.times_s) < out.duration_s
        a = net.ranges[pop][0]
        total += int(outdeg[a + np.asarray(tr.index)[keep]].sum())
    neu = outdeg[net.n_sources + np.asarray(out.spike_neuron, dtype=np.int64)]
    stored = int(neu.sum())
    if out.n_spikes_total > neu.size and neu.size:
        stored = int(round(stored * out.n_spikes_total / neu.size))
    return total + stored


def population_rates(out: circuit_mod.CircuitOutput) -> dict[str, float]:
    """Mean rate (Hz per cell) of each neuron population over the whole run."""
    return {p: float(np.mean(out.rates_hz[p])) for p in circuit_mod.NEURON_POPULATIONS}


def timed(fn: Callable[[], object], rounds: int, *, warmup: int = 1) -> tuple[list[float], object]:
    """Call ``fn`` ``warmup`` times untimed (JIT compile, caches), then ``rounds`` times timed.

    Returns the wall times (s) and the last result.
    """
    res = None
    for _ in range(warmup):
        res = fn()
    walls = []
    for _ in range(max(1, rounds)):
        t = time.perf_counter()
        res = fn()
        walls.append(time.perf_counter() - t)
    return walls, res
