"""The one orchestration path: program + patient → recruitment → circuit → :class:`Result`.

``simulate`` builds the fibre population, recruits fibres with the program's pulse train, draws the
patient's natural afferent drive, and runs the dorsal-horn circuit twice on the *same* network and
the *same* natural afferent spikes: once with the SCS-recruited dorsal-column input and once without
(the paired baseline; common random numbers make small effects visible). Relief is the relative drop
of the WDR population rate against that baseline.

Seeds: the run's seed feeds ``numpy.random.SeedSequence(seed).spawn(4)`` → independent generators for
(fibre population, recruitment noise, natural afferent drive, circuit connectivity); a set
``patient.anatomy_seed`` feeds the fibre population and the connectivity instead (a virtual patient:
the same anatomy under every noise seed). Two more children of the run's seed serve the optional parts:
child 4 the asynchronous DC spikes of mechanism ``async_dc``, child 5 the ECAP recording noise of a
closed-loop run; children 0-3 are never shared with them. The baseline
uses the same children, so it depends only on (patient, simulation settings, seed), never on the
program; sweeps compute it once per key (:func:`baseline_key`) and reuse it.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from scs_sim.config import Patient, RunConfig, Simulation, program_dir
from scs_sim.dorsal_horn.afferents import afferent_window, merge_dc, receptive_field_roles
from scs_sim.dorsal_horn.mechanisms import label as mechanism_label
from scs_sim.errors import ConfigError
from scs_sim.fibers.anatomy import build_fibers
from scs_sim.fibers.models import recruit_function
from scs_sim.fibers.recruitment import RecruitStream
from scs_sim.stim.dosimetry import Device, dosimetry
from scs_sim.stim.programs import pulse_train

__all__ = ["Baseline", "Result", "baseline", "baseline_key", "evaluate", "run_fibers", "simulate", "simulate_config",
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
    window_rates_hz: dict[str, np.ndarray] = field(default_factory=dict)


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
    dc_role: np.ndarray | None = None  # role of every dc source (fibre): dorsal_horn.afferents.ROLE_*
    window_t_s: np.ndarray = field(default_factory=lambda: np.zeros(0))
    window_rates_hz: dict[str, np.ndarray] = field(default_factory=dict)
    baseline_window_rates_hz: dict[str, np.ndarray] = field(default_factory=dict)
    loop_log: Any = None  # closed-loop / cord-motion runs: scs_sim.fibers.closed_loop.LoopLog

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
        arrays["window_t_s"] = self.window_t_s
        for k, v in self.window_rates_hz.items():
            arrays[f"window_rate_{k}_hz"] = v
        for k, v in self.baseline_window_rates_hz.items():
            arrays[f"baseline_window_rate_{k}_hz"] = v
        rec = self.recruitment
        arrays["dc_fiber_ptr"] = rec.fiber_ptr
        arrays["dc_spike_times_s"] = rec.spike_times_s
        if self.loop_log is not None:  # closed loop / cord motion: the per-pulse record
            arrays.update({f"loop_{k}": v for k, v in self.loop_log.arrays().items()})
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


def run_fibers(patient: Patient, seed: int):
    """The fibre population a run of ``patient`` with ``seed`` draws (its ``anatomy_seed`` if set), for
    protocols and views that need the run's fibres without running it."""
    return build_fibers(patient.anatomy, _rngs(seed, patient.anatomy_seed)["fibers"])


def baseline_key(cfg: RunConfig) -> str:
    """Identity of the paired baseline: a hash of the patient, the simulation settings and the seed."""
    blob = json.dumps({"patient": cfg.patient.model_dump(mode="json"),
                       "simulation": cfg.simulation.model_dump(mode="json")}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _volley_bounds(volley_times_s: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """[start, end) of every volley's C-component window, or None with fewer than two volleys."""
    v = np.sort(np.asarray(volley_times_s, dtype=float))
    if v.size < 2:
        return None
    ends = np.append(v[1:], v[-1] + (v[-1] - v[-2]))
    return v + C_COMPONENT_LATENCY_S, ends


def _volley_counts(wdr_spike_times_s: np.ndarray, bounds) -> np.ndarray:
    """WDR spikes in each volley's C-component window (spike times sorted ascending)."""
    lo, hi = bounds
    t = np.asarray(wdr_spike_times_s, dtype=float)
    return np.searchsorted(t, hi, "left") - np.searchsorted(t, lo, "left")


def _windup_from_counts(counts: np.ndarray, n_wdr: int) -> float:
    c = counts.astype(float) / max(n_wdr, 1)
    last = c[-min(WINDUP_LAST, c.size - 1):].mean()
    return float(last / c[0]) if c[0] > 0 else float("nan")


def windup_index(wdr_spike_times_s: np.ndarray, volley_times_s: np.ndarray, n_wdr: int) -> float | None:
    """C-component (WDR spikes > 100 ms after a volley, until the next) of the last volleys / the first.

    Returns None without volleys, NaN when the first volley evokes no C-component.
    """
    bounds = _volley_bounds(volley_times_s)
    if bounds is None:
        return None
    return _windup_from_counts(_volley_counts(np.sort(np.asarray(wdr_spike_times_s, dtype=float)), bounds), n_wdr)


#: Most neuron (and, separately, WDR) spikes a run records (the circuit's default list cap).
MAX_RECORDED_SPIKES = 200_000


class _Track:
    """One circuit run (stimulated or baseline) accumulated window by window: exact totals and the
    wind-up counts of the whole run, rate bins and spike lists of the recorded span ``[0, record_s)``,
    and the mean rate of every population per window."""

    def __init__(self, stepper, record_s: float, duration_s: float, bounds):
        self.st, self.dt_s = stepper, stepper.dt_s
        self.all = not record_s < duration_s
        self.record_s = float(record_s)
        self.rec_bins = None if self.all else int(math.ceil(record_s / (stepper.bin_steps * stepper.dt_s) - 1e-9))
        self.rates: dict[str, list[np.ndarray]] = {}
        self.win_rates: dict[str, list[float]] = {}
        self.win_t: list[float] = []
        self.spk_t: list[np.ndarray] = []
        self.spk_i: list[np.ndarray] = []
        self.wdr_t: list[np.ndarray] = []
        self.n_spk = self.n_wdr_rec = 0
        self.n_wdr = 0
        self.wdr_sum, self.wdr_bins = 0.0, 0
        self.bounds = bounds
        self.volleys = None if bounds is None else np.zeros(bounds[0].size, dtype=np.int64)

    def advance(self, inputs, s1: int) -> None:
        st, dt = self.st, self.dt_s
        s0 = st.s
        recording = self.all or s0 * dt < self.record_s
        spiking = hasattr(st, "max_spikes")
        if spiking:
            w = st.advance(inputs, s1, cap=MAX_RECORDED_SPIKES - self.n_spk if recording else 0)
        else:
            w = st.advance(inputs, s1)
        b0 = s0 // st.bin_steps
        keep = None if self.all else max(0, self.rec_bins - b0)
        width = (s1 - s0) * dt
        self.win_t.append(s0 * dt)
        for pop, r in w.rates_hz.items():
            if keep is None or keep > 0:
                self.rates.setdefault(pop, []).append(r if keep is None else r[:keep])
            bw = np.full(r.size, st.bin_steps * dt)
            bw[-1] = width - (r.size - 1) * st.bin_steps * dt
            self.win_rates.setdefault(pop, []).append(float(np.dot(r, bw) / width))
        if not spiking:
            self.wdr_sum += float(np.sum(w.rates_hz["wdr"]))
            self.wdr_bins += w.rates_hz["wdr"].size
            return
        self.n_wdr += w.n_wdr
        wdr_t = w.wdr_step * dt
        if self.volleys is not None:
            self.volleys += _volley_counts(wdr_t, self.bounds)
        if recording:
            t = w.spike_step * dt
            n = t.size if self.all else int(np.searchsorted(t, self.record_s))
            self.spk_t.append(t[:n])
            self.spk_i.append(w.spike_neuron[:n])
            self.n_spk += n
            n = wdr_t.size if self.all else int(np.searchsorted(wdr_t, self.record_s))
            n = min(n, MAX_RECORDED_SPIKES - self.n_wdr_rec)
            self.wdr_t.append(wdr_t[:n])
            self.n_wdr_rec += n

    def wdr_rate_hz(self, n_wdr: int) -> float:
        """Mean WDR rate over the whole run (spiking: exact spike total; rate: mean of every bin)."""
        if self.wdr_bins:
            return self.wdr_sum / self.wdr_bins
        return self.n_wdr / (n_wdr * (self.st.n_steps * self.dt_s))

    def windup(self, n_wdr: int) -> float | None:
        if self.volleys is None:
            return None
        return _windup_from_counts(self.volleys, n_wdr)

    @staticmethod
    def _cat(parts: list[np.ndarray], dtype=float) -> np.ndarray:
        return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)

    def recorded(self) -> dict[str, Any]:
        rates = {k: self._cat(v) for k, v in self.rates.items()}
        bin_s = self.st.bin_s
        n_bins = rates["wdr"].size if "wdr" in rates else 0
        return {"t_s": np.arange(n_bins) * bin_s, "rates_hz": rates,
                "wdr_spike_times_s": self._cat(self.wdr_t), "spike_times_s": self._cat(self.spk_t),
                "spike_neuron": self._cat(self.spk_i, np.int64), "window_t_s": np.array(self.win_t),
                "window_rates_hz": {k: np.array(v) for k, v in self.win_rates.items()}}


class _Engine:
    """Builds the parts of a run once (fibres, network) for a config and runs its circuit window by window."""

    def __init__(self, cfg: RunConfig):
        from scs_sim.dorsal_horn.backends import stepper
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
        from scs_sim.dorsal_horn.mechanisms import apply_circuit

        params = apply_circuit(params, sim.mechanisms, sim.mechanism_params)  # identity for the default set
        self.circuit_params = params
        self.net = build(params, self.rngs["circuit"], dc_role=receptive_field_roles(self.fibers, patient.pain))
        self.sizes = afferent_sizes(params)
        self.scales = patient.pain.circuit_kwargs()
        self.stepper = stepper(sim.model)  # dorsal_horn.backends.STEPPERS[model]

    def run_windows(self, stream: RecruitStream | None = None) -> _Track:
        """The circuit over the whole run, window by window: natural drive drawn per window from a fresh
        afferent generator (the same spikes in the stimulated run and its baseline), plus the window's
        recruited dorsal-column spikes when ``stream`` is given."""
        sim = self.sim
        st = self.stepper(self.net, sim.duration_s, dt_s=sim.dt_ms * 1e-3, bin_s=sim.bin_ms * 1e-3, **self.scales)
        track = _Track(st, sim.record_s, sim.duration_s, _volley_bounds(self.volley_times()))
        rng = _rngs(sim.seed, self.cfg.patient.anatomy_seed)["afferents"]
        pain = self.cfg.patient.pain
        win = st.bin_steps * max(1, round(sim.window_s / (st.bin_steps * st.dt_s)))
        s0 = 0
        while s0 < st.n_steps:
            s1 = min(s0 + win, st.n_steps)
            t0, t1 = s0 * st.dt_s, (sim.duration_s if s1 == st.n_steps else s1 * st.dt_s)
            inputs = afferent_window(pain, self.sizes, t0, t1, sim.duration_s, rng)
            if stream is not None:
                inputs = merge_dc(inputs, *stream.advance(t1, roots=True))  # DC and DR fibres (merge_dr)
            track.advance(inputs, s1)
            s0 = s1
        return track

    def n_wdr(self) -> int:
        if self.sim.model == "rate":
            return 1
        a, b = self.net.neuron_ranges["wdr"]
        return b - a

    def volley_times(self) -> np.ndarray:
        v = self.cfg.patient.pain.volleys
        if v is None:
            return np.zeros(0)
        return v.start_s + np.arange(v.count) * v.interval_s


class _Replay:
    """A whole-run :class:`~scs_sim.fibers.recruitment.Recruitment` given window by window, as
    :class:`~scs_sim.fibers.recruitment.RecruitStream` gives its spikes (for fibre models without a
    stream; their spikes are all in memory)."""

    def __init__(self, rec):
        self.rec, self.t_s = rec, 0.0
        counts = np.diff(rec.fiber_ptr)
        idx = np.repeat(np.arange(counts.size, dtype=np.int64), counts)
        order = np.lexsort((idx, rec.spike_times_s))
        self._t, self._f = rec.spike_times_s[order], idx[order]

    def advance(self, t_end_s: float, *, roots: bool = False) -> tuple[np.ndarray, np.ndarray]:
        a, b = np.searchsorted(self._t, [self.t_s, t_end_s], "left")
        if t_end_s >= self.rec.duration_s:  # the last window: spikes of its pulses that end after it too
            b = self._t.size
        self.t_s = t_end_s
        t, f = self._t[a:b], self._f[a:b]
        if not roots:
            keep = ~self.rec.is_dr[f]
            t, f = t[keep], f[keep]
        return t, f

    def result(self):
        return self.rec


def baseline(cfg: RunConfig, *, _engine: _Engine | None = None) -> Baseline:
    """The paired no-stimulation run for ``cfg``'s patient, simulation settings and seed."""
    eng = _engine or _Engine(cfg)
    track = eng.run_windows()
    rec = track.recorded()
    return Baseline(
        key=baseline_key(cfg),
        wdr_rate_hz=track.wdr_rate_hz(eng.n_wdr()),
        t_s=rec["t_s"],
        rates_hz=rec["rates_hz"],
        wdr_spike_times_s=rec["wdr_spike_times_s"],
        windup_index=track.windup(eng.n_wdr()),
        window_rates_hz=rec["window_rates_hz"],
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
    loop = cfg.program.closed_loop is not None or cfg.patient.motion is not None
    if loop and fib.fiber_model != "fast":
        raise ConfigError("closed-loop control and cord motion need fiber_model = 'fast'", file=cfg.source,
                          key="patient.fibers.fiber_model")
    if loop:
        stream = _loop_stream(cfg, eng, train)
    elif fib.fiber_model == "fast":
        stream = RecruitStream(train, eng.fibers, eng.rngs["recruit"], sim.duration_s, params=fib.excitation(),
                               perception=cfg.patient.perception, record_s=sim.record_s)
    else:  # another fibre model recruits the whole run at once; its spikes are given window by window
        stream = _Replay(recruit_function(fib.fiber_model, file=cfg.source)(
            train, eng.fibers, eng.rngs["recruit"], sim.duration_s, params=fib.excitation(),
            perception=cfg.patient.perception))
    stream = _async_dc(cfg, eng, train, stream)  # mechanism async_dc (fibers/async_dc.py); off: unchanged
    untreated, eng.scales = eng.scales, _glial_scales(cfg, eng.scales)  # mechanism dtm_glial (dorsal_horn/glial.py)
    eng.scales = {**eng.scales, **_khz_bias(cfg, eng, train)}  # mechanism khz_dorsal_horn (dorsal_horn/khz_field.py)
    track = eng.run_windows(stream)
    eng.scales = untreated  # the paired baseline is the patient before therapy
    rec = stream.result()
    if baseline_result is None or baseline_result.key != baseline_key(cfg):
        baseline_result = baseline(cfg, _engine=eng)
    base_rate = baseline_result.wdr_rate_hz
    n_wdr = eng.n_wdr()
    rate = track.wdr_rate_hz(n_wdr)
    relief = 100.0 * (1.0 - rate / base_rate) if base_rate > 0 else float("nan")
    summary = rec.summary()
    dose = dosimetry(cfg.program, cfg.device, train=train).as_dict()
    metrics = {
        "program": cfg.program.name or cfg.program.kind,
        "patient": cfg.patient.name,
        "model": sim.model,
        "circuit": sim.circuit,
        "mechanisms": mechanism_label(sim.mechanisms),
        "seed": sim.seed,
        "duration_s": sim.duration_s,
        "wdr_rate_hz": rate,
        "baseline_wdr_rate_hz": base_rate,
        "relief_pct": relief,
        "windup_index": track.windup(n_wdr),
        "baseline_windup_index": baseline_result.windup_index,
        **summary,
        **(stream.log.metrics(sim.duration_s) if loop else {}),
        **(stream.summary() if hasattr(stream, "async_fibers") else {}),
        "wall_s": time.perf_counter() - t0,
    }
    out = track.recorded()
    return Result(
        metrics=metrics,
        t_s=out["t_s"],
        rates_hz=out["rates_hz"],
        baseline_rates_hz=baseline_result.rates_hz,
        wdr_spike_times_s=out["wdr_spike_times_s"],
        spike_times_s=out["spike_times_s"],
        spike_neuron=out["spike_neuron"],
        neuron_ranges=eng.net.neuron_ranges if sim.model == "spiking" else {"wdr": (0, 1)},
        recruitment=rec,
        dosimetry=dose,
        config=cfg,
        stim_on=_stim_periods(cfg.program, sim.duration_s),
        circuit_params=eng.circuit_params,
        dc_role=eng.net.dc_role,
        window_t_s=out["window_t_s"],
        window_rates_hz=out["window_rates_hz"],
        baseline_window_rates_hz=baseline_result.window_rates_hz,
        loop_log=stream.log if loop else None,
    )


def _loop_stream(cfg: RunConfig, eng: _Engine, train):
    """The pulse-by-pulse stream of a closed-loop or moving-cord run (:mod:`scs_sim.fibers.closed_loop`):
    thresholds at the patient's own CSF thickness for the therapeutic window, ECAP noise from child 5 of
    the run's seed (module docstring: children 0-3 feed the model's generators, child 4 is async_dc's)."""
    from scs_sim.fibers.closed_loop import LoopStream
    from scs_sim.fibers.threshold import threshold

    sim, fib = cfg.simulation, cfg.patient.fibers
    prog = cfg.program.model_copy(update={"closed_loop": None})
    thr = tuple(threshold(prog, eng.fibers, sim.seed, which=w, params=fib.excitation(),
                          perception=cfg.patient.perception, duration_s=0.3) for w in ("perception", "discomfort"))
    ecap_rng = np.random.default_rng(np.random.SeedSequence(sim.seed, spawn_key=(5,)))  # child 5 (see module doc)
    try:
        return LoopStream(train, eng.fibers, eng.rngs["recruit"], sim.duration_s, loop=cfg.program.closed_loop,
                          motion=cfg.patient.motion, ecap_rng=ecap_rng, params=fib.excitation(),
                          perception=cfg.patient.perception, record_s=sim.record_s, thresholds_ma=thr,
                          snapshot_s=(0.0, sim.duration_s / 2, sim.duration_s * 0.999))
    except ConfigError as exc:
        raise exc.located(file=cfg.source) from None


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


def _mechanism_params(sim, name: str):
    """The validated parameters of mechanism ``name`` (``[simulation.mechanism_params.<name>]``)."""
    from scs_sim.dorsal_horn.mechanisms import mechanism_params

    return mechanism_params(name, sim.mechanism_params.get(name))


def _async_dc(cfg: RunConfig, eng: _Engine, train, stream):
    """``stream`` with the asynchronous DC spikes of mechanism ``async_dc`` added, or ``stream`` when off.

    Its generator is child 4 of the run's seed (children 0-3 feed :func:`_rngs`, so they are untouched)."""
    if "async_dc" not in cfg.simulation.mechanisms:
        return stream
    from scs_sim.fibers.async_dc import AsyncDCStream, train_threshold_ratio

    p = _mechanism_params(cfg.simulation, "async_dc")
    fib = cfg.patient.fibers
    rho = train_threshold_ratio(train, eng.fibers, fib.excitation(), cfg.patient.perception, p.probe_s)
    rng = np.random.default_rng(np.random.SeedSequence(cfg.simulation.seed, spawn_key=(4,)))
    return AsyncDCStream(stream, train, rho, ~np.asarray(eng.fibers.is_dr), cfg.simulation.duration_s, rng, p)


def _glial_scales(cfg: RunConfig, scales: dict) -> dict:
    """The patient's disinhibition settings after the therapy time of mechanism ``dtm_glial`` (off: unchanged)."""
    if "dtm_glial" not in cfg.simulation.mechanisms:
        return scales
    from scs_sim.dorsal_horn.glial import treated_scales

    return treated_scales(scales, cfg.program, _mechanism_params(cfg.simulation, "dtm_glial"))


def _khz_bias(cfg: RunConfig, eng: _Engine, train) -> dict:
    """``{"bias_pa": ...}`` of mechanism ``khz_dorsal_horn`` for the stimulated run (the baseline gets none), or
    ``{}`` when off."""
    if "khz_dorsal_horn" not in cfg.simulation.mechanisms:
        return {}
    from scs_sim.dorsal_horn.khz_field import run_bias_pa

    return {"bias_pa": run_bias_pa(train, cfg.patient.anatomy, eng.net, cfg.simulation.duration_s,
                                   _mechanism_params(cfg.simulation, "khz_dorsal_horn"))}
