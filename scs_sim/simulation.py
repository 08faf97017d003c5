"""The one orchestration path: program + patient → recruitment → circuit → :class:`Result`.

``simulate`` builds the fibre population, recruits fibres with the program's pulse train, draws the
patient's natural afferent drive, and runs the dorsal-horn circuit twice on the *same* network and
the *same* natural afferent spikes: once with the SCS-recruited dorsal-column input and once without
(the paired baseline; common random numbers make small effects visible). Relief is the relative drop
of the WDR population rate against that baseline.

Seeds: the run's seed feeds ``numpy.random.SeedSequence(seed).spawn(4)`` → independent generators for
(fibre population, recruitment noise, natural afferent drive, circuit connectivity); a set
``patient.anatomy_seed`` feeds the fibre population and the connectivity instead (a virtual patient:
the same anatomy under every noise seed). The baseline
uses the same children, so it depends only on (patient, simulation settings, seed), never on the
program; sweeps compute it once per key (:func:`baseline_key`) and reuse it.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from scs_sim.config import Patient, RunConfig, Simulation, program_dir
from scs_sim.dorsal_horn.afferents import (
    AfferentSpikes,
    afferent_spikes,
    merge_dc,
    merge_dr,
    receptive_field_roles,
)
from scs_sim.errors import ConfigError
from scs_sim.fibers.anatomy import build_fibers
from scs_sim.fibers.models import recruit_function
from scs_sim.stim.dosimetry import Device, dosimetry
from scs_sim.stim.programs import pulse_train

__all__ = ["Baseline", "Result", "baseline", "baseline_key", "evaluate", "simulate", "simulate_config",
           "windup_index"]

#: WDR spikes later than this after a volley form its C-fibre component (Zhang 2014 WindUp_Plotter).
C_COMPONENT_LATENCY_S = 0.1
#: Number of volleys whose C-component is compared with the first in the wind-up index.
WINDUP_LAST = 5


@dataclass
class Baseline:
    """The paired no-stimulation run: circuit output and its WDR rate."""

    key: str
    wdr_rate_hz: float
    t_s: np.ndarray
    rates_hz: dict[str, np.ndarray]
    wdr_spike_times_s: np.ndarray
    windup_index: float | None


@dataclass
class Result:
    """Everything a run produced. ``metrics`` holds the ``scs-sim run --json`` keys."""

    metrics: dict[str, Any]
    t_s: np.ndarray
    rates_hz: dict[str, np.ndarray]
    baseline_rates_hz: dict[str, np.ndarray]
    wdr_spike_times_s: np.ndarray
    spike_times_s: np.ndarray
    spike_neuron: np.ndarray
    neuron_ranges: dict[str, tuple[int, int]]
    recruitment: Any
    dosimetry: dict[str, Any]
    config: RunConfig
    stim_on: list[tuple[float, float]] = field(default_factory=list)
    circuit_params: Any = None

    def save(self, out: str | Path) -> list[Path]:
        """Write ``arrays.npz`` (rates, spikes) and ``rates.csv``, ``metrics.json`` into folder ``out``."""
        import pandas as pd

        out = Path(out)
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"--out: cannot create folder {out}: {exc.strerror}") from None
        arrays = {"t_s": self.t_s, "wdr_spike_times_s": self.wdr_spike_times_s,
                  "spike_times_s": self.spike_times_s, "spike_neuron": self.spike_neuron}
        for k, v in self.rates_hz.items():
            arrays[f"rate_{k}_hz"] = v
        for k, v in self.baseline_rates_hz.items():
            arrays[f"baseline_rate_{k}_hz"] = v
        rec = self.recruitment
        arrays["dc_fiber_ptr"] = rec.fiber_ptr
        arrays["dc_spike_times_s"] = rec.spike_times_s
        files = [out / "arrays.npz", out / "rates.csv", out / "metrics.json"]
        np.savez_compressed(files[0], **arrays)
        table = {"t_s": self.t_s}
        table.update({f"{k}_hz": v for k, v in self.rates_hz.items()})
        table.update({f"baseline_{k}_hz": v for k, v in self.baseline_rates_hz.items()})
        pd.DataFrame(table).to_csv(files[1], index=False)
        files[2].write_text(json.dumps({**self.metrics, **{f"dose_{k}": v for k, v in self.dosimetry.items()}},
                                       indent=2, default=float))
        return files


def _rngs(seed: int, anatomy_seed: int | None = None) -> dict[str, np.random.Generator]:
    children = np.random.SeedSequence(seed).spawn(4)
    if anatomy_seed is not None:  # a virtual patient: its own fibres and connectivity, the run's noise
        own = np.random.SeedSequence(anatomy_seed).spawn(4)
        children = [own[0], children[1], children[2], own[3]]
    return {name: np.random.default_rng(s) for name, s in zip(("fibers", "recruit", "afferents", "circuit"),
                                                                 children, strict=True)}


def baseline_key(cfg: RunConfig) -> str:
    """Identity of the paired baseline: a hash of the patient, the simulation settings and the seed."""
    blob = json.dumps({"patient": cfg.patient.model_dump(mode="json"),
                       "simulation": cfg.simulation.model_dump(mode="json")}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def windup_index(wdr_spike_times_s: np.ndarray, volley_times_s: np.ndarray, n_wdr: int) -> float | None:
    """C-component (WDR spikes > 100 ms after a volley, until the next) of the last volleys / the first.

    Returns None without volleys, NaN when the first volley evokes no C-component.
    """
    v = np.sort(np.asarray(volley_times_s, dtype=float))
    if v.size < 2:
        return None
    ends = np.append(v[1:], v[-1] + (v[-1] - v[-2]))
    counts = np.array([np.count_nonzero((wdr_spike_times_s >= a + C_COMPONENT_LATENCY_S) & (wdr_spike_times_s < b))
                       for a, b in zip(v, ends, strict=True)], dtype=float) / max(n_wdr, 1)
    last = counts[-min(WINDUP_LAST, v.size - 1):].mean()
    return float(last / counts[0]) if counts[0] > 0 else float("nan")


class _Engine:
    """Builds the parts of a run once (fibres, network, natural drive) for a config."""

    def __init__(self, cfg: RunConfig):
        from scs_sim.dorsal_horn.backends import backend
        from scs_sim.dorsal_horn.network import afferent_sizes, build
        from scs_sim.dorsal_horn.params import circuit_params

        self.cfg = cfg
        sim: Simulation = cfg.simulation
        self.sim = sim
        patient: Patient = cfg.patient
        self.rngs = _rngs(sim.seed, patient.anatomy_seed)
        self.fibers = build_fibers(patient.anatomy, self.rngs["fibers"])
        # One collateral source per modelled dorsal-column fibre (never fold fibres onto a source:
        # short-term depression is per source).
        overrides = {**patient.circuit, "n_dc": self.fibers.n}  # DR fibres too: segmental input (merge_dr)
        try:
            params = circuit_params(sim.circuit, overrides)
        except ConfigError as exc:
            raise exc.located(file=cfg.source, key_prefix="patient") from None
        self.circuit_params = params
        self.net = build(params, self.rngs["circuit"], dc_role=receptive_field_roles(self.fibers, patient.pain))
        sizes = afferent_sizes(params)
        self.natural: AfferentSpikes = afferent_spikes(patient.pain, sizes, sim.duration_s, self.rngs["afferents"])
        self.scales = patient.pain.circuit_kwargs()
        self.backend = backend(sim.model)  # the run function of dorsal_horn.backends.BACKENDS[model]

    def run_circuit(self, inputs: AfferentSpikes):
        return self.backend(self.net, inputs, self.sim.duration_s, dt_s=self.sim.dt_ms * 1e-3,
                            bin_s=self.sim.bin_ms * 1e-3, **self.scales)

    def volley_times(self) -> np.ndarray:
        v = self.cfg.patient.pain.volleys
        if v is None:
            return np.zeros(0)
        return v.start_s + np.arange(v.count) * v.interval_s


def baseline(cfg: RunConfig, *, _engine: _Engine | None = None) -> Baseline:
    """The paired no-stimulation run for ``cfg``'s patient, simulation settings and seed."""
    eng = _engine or _Engine(cfg)
    out = eng.run_circuit(eng.natural)
    n_wdr = out.neuron_ranges["wdr"][1] - out.neuron_ranges["wdr"][0]
    return Baseline(
        key=baseline_key(cfg),
        wdr_rate_hz=out.wdr_rate_hz(),
        t_s=np.arange(out.rates_hz["wdr"].size) * out.bin_s,
        rates_hz=out.rates_hz,
        wdr_spike_times_s=out.wdr_spike_times_s,
        windup_index=windup_index(out.wdr_spike_times_s, eng.volley_times(), n_wdr),
    )


def simulate_config(cfg: RunConfig, *, baseline_result: Baseline | None = None) -> Result:
    """Run a validated config (see :func:`simulate`)."""
    if cfg.program is None:
        raise ConfigError("the config has no [program] table", file=cfg.source, key="program")
    t0 = time.perf_counter()
    eng = _Engine(cfg)
    sim = cfg.simulation
    train = pulse_train(cfg.program, base_dir=program_dir(cfg))
    fib = cfg.patient.fibers
    rec = recruit_function(fib.fiber_model, file=cfg.source)(
        train, eng.fibers, eng.rngs["recruit"], sim.duration_s, params=fib.excitation(),
        perception=cfg.patient.perception)
    dc_t, dc_i = rec.dc_spikes()
    stim_inputs = merge_dr(merge_dc(eng.natural, dc_t, dc_i), rec)
    out = eng.run_circuit(stim_inputs)
    if baseline_result is None or baseline_result.key != baseline_key(cfg):
        baseline_result = baseline(cfg, _engine=eng)
    base_rate = baseline_result.wdr_rate_hz
    rate = out.wdr_rate_hz()
    relief = 100.0 * (1.0 - rate / base_rate) if base_rate > 0 else float("nan")
    n_wdr = out.neuron_ranges["wdr"][1] - out.neuron_ranges["wdr"][0]
    summary = rec.summary()
    dose = dosimetry(cfg.program, cfg.device, train=train).as_dict()
    metrics = {
        "program": cfg.program.name or cfg.program.kind,
        "patient": cfg.patient.name,
        "model": sim.model,
        "circuit": sim.circuit,
        "seed": sim.seed,
        "duration_s": sim.duration_s,
        "wdr_rate_hz": rate,
        "baseline_wdr_rate_hz": base_rate,
        "relief_pct": relief,
        "windup_index": windup_index(out.wdr_spike_times_s, eng.volley_times(), n_wdr),
        "baseline_windup_index": baseline_result.windup_index,
        **summary,
        "wall_s": time.perf_counter() - t0,
    }
    return Result(
        metrics=metrics,
        t_s=np.arange(out.rates_hz["wdr"].size) * out.bin_s,
        rates_hz=out.rates_hz,
        baseline_rates_hz=baseline_result.rates_hz,
        wdr_spike_times_s=out.wdr_spike_times_s,
        spike_times_s=out.spike_times_s,
        spike_neuron=out.spike_neuron,
        neuron_ranges=out.neuron_ranges,
        recruitment=rec,
        dosimetry=dose,
        config=cfg,
        stim_on=_stim_periods(cfg.program, sim.duration_s),
        circuit_params=eng.circuit_params,
    )


def _stim_periods(program, duration_s: float) -> list[tuple[float, float]]:
    """(start, stop) of stimulation-on periods within the run (cycling and start/stop; dosing ignored)."""
    m = program.modifiers
    stop = min(duration_s, m.stop_s) if m.stop_s is not None else duration_s
    if m.start_s >= stop:
        return []
    if m.cycle_on_s is None:
        return [(m.start_s, stop)]
    out, t = [], m.start_s
    while t < stop:
        out.append((t, min(t + m.cycle_on_s, stop)))
        t += m.cycle_on_s + m.cycle_off_s
    return out


def simulate(program, patient=None, *, duration_s: float = 10.0, seed: int = 1, model: str = "spiking",
             circuit: str = "segment", device: Device | None = None, dt_ms: float = 0.1) -> Result:
    """Simulate a program on a patient and return a :class:`Result`.

    Parameters
    ----------
    program : program model, path or preset name
    patient : Patient, path or preset name, optional (default patient)
    duration_s : float
        Simulated time, s.
    seed : int
        Root seed (see module docstring).
    model : {"spiking", "rate"}
    circuit : {"segment", "zhang2014"}
    device : Device, optional

    Examples
    --------
    >>> import scs_sim
    >>> r = scs_sim.simulate("tonic_50hz", duration_s=1.0, seed=1)  # doctest: +SKIP
    >>> sorted(r.metrics)[:3]  # doctest: +SKIP
    """
    from scs_sim.config import load_patient, load_program

    folder = None  # where the program's relative file references (custom CSV) resolve
    if isinstance(program, str | Path):
        program, folder = load_program(program)
    if patient is None or isinstance(patient, str | Path):
        patient = load_patient(patient)
    sim = _validated_simulation(duration_s=duration_s, seed=seed, model=model, circuit=circuit, dt_ms=dt_ms)
    cfg = RunConfig.model_construct(program=program, patient=patient, device=device or Device(), simulation=sim,
                                    sweep=None, source=None, program_dir=folder)
    return simulate_config(cfg)


def _validated_simulation(**kw) -> Simulation:
    from scs_sim.config import validate_model

    return validate_model(Simulation, kw, file=None, prefix=("simulation",))


def evaluate(cfg: RunConfig, *, baseline: Baseline | None = None) -> dict[str, Any]:
    """Flat metrics of one sweep point: the run metrics plus the dosimetry figures."""
    r = simulate_config(cfg, baseline_result=baseline)
    return {**r.dosimetry, **r.metrics}
