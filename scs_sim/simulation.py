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

Batches: :func:`simulate_batch` runs the rows of one :func:`batch_key` (same patient, simulation
settings and network) on one network build and one batched stepper, each row bit for bit its
:func:`simulate_config`; every run keeps its own seed children as above.
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
from scs_sim.dorsal_horn.afferents import afferent_window, merge_dc, receptive_field_roles
from scs_sim.dorsal_horn.mechanisms import label as mechanism_label
from scs_sim.dorsal_horn.track import C_COMPONENT_LATENCY_S, WINDUP_LAST, Track, volley_bounds, windup_index
from scs_sim.errors import ConfigError
from scs_sim.fibers.anatomy import build_fibers
from scs_sim.fibers.models import recruit_function
from scs_sim.fibers.recruitment import RecruitStream
from scs_sim.stim.dosimetry import Device, dosimetry
from scs_sim.stim.programs import pulse_train

__all__ = ["C_COMPONENT_LATENCY_S", "WINDUP_LAST", "Baseline", "Result", "baseline", "baseline_key", "batch_key",
           "evaluate", "evaluate_batch", "run_fibers", "simulate", "simulate_batch", "simulate_config", "windup_index"]



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

    def run_windows(self, streams: list, seeds: list[int] | None = None, *, scales: dict | None = None,
                    batch: bool = False) -> list[Track]:
        """The circuit over the whole run, window by window, once per entry of ``streams`` on this network:
        natural drive drawn per window from a fresh afferent generator of the run's seed (``seeds``,
        default this config's: the same spikes in a stimulated run and its baseline), plus the window's
        recruited dorsal-column spikes of the entry's stream (None: a baseline). ``scales``: the
        disinhibition settings (default the patient's). ``batch``: every run in one batched stepper
        (:func:`~scs_sim.dorsal_horn.backends.batch_stepper`), else the single stepper of one run."""
        from scs_sim.dorsal_horn.backends import LoopBatch, batch_stepper

        sim, spiking = self.sim, self.sim.model == "spiking"
        seeds = [sim.seed] * len(streams) if seeds is None else seeds
        kw = {"dt_s": sim.dt_ms * 1e-3, "bin_s": sim.bin_ms * 1e-3, **(self.scales if scales is None else scales)}
        if batch:
            st = batch_stepper(sim.model)(self.net, sim.duration_s, len(streams), **kw)
        else:
            if len(streams) != 1:
                raise ValueError("a single stepper runs one stream; use batch=True for several")
            st = LoopBatch([self.stepper(self.net, sim.duration_s, **kw)], takes_cap=spiking)
        bounds = volley_bounds(self.volley_times())
        tracks = [Track(st, sim.record_s, sim.duration_s, bounds, spiking=spiking) for _ in streams]
        rngs = {s: _rngs(s, self.cfg.patient.anatomy_seed)["afferents"] for s in dict.fromkeys(seeds)}
        pain = self.cfg.patient.pain
        win = st.bin_steps * max(1, round(sim.window_s / (st.bin_steps * st.dt_s)))
        s0 = 0
        while s0 < st.n_steps:
            s1 = min(s0 + win, st.n_steps)
            t0, t1 = s0 * st.dt_s, (sim.duration_s if s1 == st.n_steps else s1 * st.dt_s)
            # runs of one seed draw the same natural spikes: drawn once per seed
            natural = {s: afferent_window(pain, self.sizes, t0, t1, sim.duration_s, g) for s, g in rngs.items()}
            inputs = []
            for s, x, tr in zip(seeds, streams, tracks, strict=True):
                w0 = time.perf_counter()
                inputs.append(natural[s] if x is None else merge_dc(natural[s], *x.advance(t1, roots=True)))  # DC+DR
                tr.own_s += time.perf_counter() - w0  # the run's own input: its share of the wall time
            ws = st.advance(inputs, s1, cap=[t.cap(s0) for t in tracks]) if spiking else st.advance(inputs, s1)
            for t, w in zip(tracks, ws, strict=True):
                t.take(w, s0, s1)
            s0 = s1
        return tracks

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
    return _baseline_of(cfg, eng, eng.run_windows([None])[0])


def _baseline_of(cfg: RunConfig, eng: _Engine, track: Track) -> Baseline:
    rec = track.recorded()
    return Baseline(key=baseline_key(cfg), wdr_rate_hz=track.wdr_rate_hz(eng.n_wdr()), t_s=rec["t_s"],
                    rates_hz=rec["rates_hz"], wdr_spike_times_s=rec["wdr_spike_times_s"],
                    windup_index=track.windup(eng.n_wdr()), window_rates_hz=rec["window_rates_hz"])


def simulate_config(cfg: RunConfig, *, baseline_result: Baseline | None = None) -> Result:
    """Run a validated config (see :func:`simulate`)."""
    if cfg.program is None:
        raise ConfigError("the config has no [program] table", file=cfg.source, key="program")
    t0 = time.perf_counter()
    eng = _Engine(cfg)
    stim = _stimulus(cfg, eng, eng.rngs["recruit"])
    # mechanisms dtm_glial (dorsal_horn/glial.py) and khz_dorsal_horn (dorsal_horn/khz_field.py) act on the
    # stimulated run; the paired baseline is the patient before therapy
    scales = {**_glial_scales(cfg, eng.scales), **_khz_bias(cfg, eng, stim[0])}
    track = eng.run_windows([stim[1]], scales=scales)[0]
    if baseline_result is None or baseline_result.key != baseline_key(cfg):
        baseline_result = baseline(cfg, _engine=eng)
    return _result(cfg, eng, stim, track, baseline_result, lambda: time.perf_counter() - t0)


def _stimulus(cfg: RunConfig, eng: _Engine, recruit_rng: np.random.Generator):
    """``(train, stream, loop)`` of ``cfg``'s run on ``eng``'s fibres, the recruitment noise from
    ``recruit_rng`` (child 1 of the run's seed); ``loop``: a closed-loop or moving-cord run."""
    sim = cfg.simulation
    train = pulse_train(cfg.program, base_dir=program_dir(cfg))
    fib = cfg.patient.fibers
    loop = cfg.program.closed_loop is not None or cfg.patient.motion is not None
    if loop and fib.fiber_model != "fast":
        raise ConfigError("closed-loop control and cord motion need fiber_model = 'fast'", file=cfg.source,
                          key="patient.fibers.fiber_model")
    if loop:
        stream = _loop_stream(cfg, eng, train, recruit_rng)
    elif fib.fiber_model == "fast":
        stream = RecruitStream(train, eng.fibers, recruit_rng, sim.duration_s, params=fib.excitation(),
                               perception=cfg.patient.perception, record_s=sim.record_s)
    else:  # another fibre model recruits the whole run at once; its spikes are given window by window
        stream = _Replay(recruit_function(fib.fiber_model, file=cfg.source)(
            train, eng.fibers, recruit_rng, sim.duration_s, params=fib.excitation(),
            perception=cfg.patient.perception))
    return train, _async_dc(cfg, eng, train, stream), loop  # mechanism async_dc (fibers/async_dc.py); off: unchanged


def _result(cfg: RunConfig, eng: _Engine, stim, track: Track, baseline_result: Baseline, wall_s) -> Result:
    """The :class:`Result` of ``cfg``'s stimulated run ``track`` (``stim`` from :func:`_stimulus`) paired
    with ``baseline_result``; ``wall_s()`` gives the run's wall time when its metrics are done."""
    train, stream, loop = stim
    sim = cfg.simulation
    rec = stream.result()
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
        "wall_s": wall_s(),
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


def _loop_stream(cfg: RunConfig, eng: _Engine, train, recruit_rng: np.random.Generator):
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
        return LoopStream(train, eng.fibers, recruit_rng, sim.duration_s, loop=cfg.program.closed_loop,
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


def batch_key(cfg: RunConfig) -> str | None:
    """Identity of the network ``cfg``'s run needs, for running rows together (:func:`simulate_batch`);
    None for a run that must run alone.

    Equal keys: the same patient (anatomy, circuit overrides, pain state), the same simulation
    settings (model, circuit, mechanisms and their parameters, dt, bin, duration, windows, recorded
    span) and the same disinhibition settings after therapy (``dtm_glial`` makes them the program's),
    so the same fibre population and network, drawn from the seed, or from ``patient.anatomy_seed``
    when set: then rows of different noise seeds share them and the seed is left out. Alone (None):
    no program, closed-loop control and cord motion (their pulse-by-pulse streams), fibre models
    other than 'fast' (whole-run recruitment in memory), settings whose mechanism parameters fail."""
    prog, patient = cfg.program, cfg.patient
    if prog is None or prog.closed_loop is not None or patient.motion is not None:
        return None
    if patient.fibers.fiber_model != "fast":
        return None
    sim = cfg.simulation.model_dump(mode="json")
    if patient.anatomy_seed is not None:  # fibres and network from the anatomy seed, not the noise seed
        del sim["seed"]
    try:
        scales = _glial_scales(cfg, patient.pain.circuit_kwargs())
    except ConfigError:  # bad mechanism parameters: the run reports its error alone
        return None
    blob = json.dumps({"patient": patient.model_dump(mode="json"), "simulation": sim, "scales": scales},
                      sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def simulate_batch(cfgs, baseline_result: Baseline | None = None, *, computed: dict | None = None) -> list[Result]:
    """:func:`simulate_config` of every config, bit for bit, in order, running rows of one
    :func:`batch_key` together: their fibres and network are built once and their circuits advance in
    one batched stepper (:func:`~scs_sim.dorsal_horn.backends.batch_stepper`), with the paired baseline
    of each distinct :func:`baseline_key` not given as ``baseline_result`` riding as one more member
    (in a second batch on the same network when ``dtm_glial`` treats the members). Rows with key None
    run one by one. ``computed`` (a dict), if given, receives the baselines computed here, by key.

    ``wall_s`` of a batched row: its own time (setting up and advancing its recruitment stream, its
    metrics) plus an equal share of the batch's shared time (the network build, the natural drive and
    the batched circuit steps, riding baselines included), so a batch's rows add up to its wall time."""
    cfgs = list(cfgs)
    out: list[Result | None] = [None] * len(cfgs)
    groups: dict[str, list[int]] = {}
    for i, cfg in enumerate(cfgs):
        k = batch_key(cfg)
        if k is None:
            out[i] = simulate_config(cfg, baseline_result=baseline_result)
        else:
            groups.setdefault(k, []).append(i)
    for idx in groups.values():
        for i, r in zip(idx, _simulate_group([cfgs[i] for i in idx], baseline_result, computed), strict=True):
            out[i] = r
    return out


def _simulate_group(cfgs: list[RunConfig], given: Baseline | None, computed: dict | None) -> list[Result]:
    """:func:`simulate_batch` of configs of one batch key."""
    t0 = time.perf_counter()
    eng = _Engine(cfgs[0])  # fibres and network: the same for every config of the key
    shared = time.perf_counter() - t0
    own, stims = [], []
    for cfg in cfgs:
        t = time.perf_counter()
        stims.append(_stimulus(cfg, eng, _rngs(cfg.simulation.seed, cfg.patient.anatomy_seed)["recruit"]))
        own.append(time.perf_counter() - t)
    t = time.perf_counter()
    keys = [baseline_key(cfg) for cfg in cfgs]
    bases = {given.key: given} if given is not None else {}
    riders: dict[str, RunConfig] = {}
    for k, cfg in zip(keys, cfgs, strict=True):
        if k not in bases:
            riders.setdefault(k, cfg)
    scales = _glial_scales(cfgs[0], eng.scales)  # the same for every config: part of the batch key
    ride = list(riders.items()) if scales == eng.scales else []
    seeds = [c.simulation.seed for c in cfgs] + [c.simulation.seed for _, c in ride]
    bias = [_khz_bias(cfg, eng, x[0]).get("bias_pa") for cfg, x in zip(cfgs, stims, strict=True)]
    if any(b is not None for b in bias):  # khz_dorsal_horn: a current per member; riding baselines get none
        rows = np.zeros((len(seeds), eng.net.n_neurons))
        for r, b in enumerate(bias):
            if b is not None:
                rows[r] = b
        scales = {**scales, "bias_pa": rows}
    tracks = eng.run_windows([x[1] for x in stims] + [None] * len(ride), seeds, scales=scales, batch=True)
    made = {k: _baseline_of(c, eng, tr) for (k, c), tr in zip(ride, tracks[len(cfgs):], strict=True)}
    rest = [(k, c) for k, c in riders.items() if k not in made]  # untreated patient: its own batch
    if rest:
        tr = eng.run_windows([None] * len(rest), [c.simulation.seed for _, c in rest], batch=True)
        made.update({k: _baseline_of(c, eng, x) for (k, c), x in zip(rest, tr, strict=True)})
    for b, tr in enumerate(tracks[: len(cfgs)]):  # each row's recruitment stream is its own time
        own[b] += tr.own_s
    shared += time.perf_counter() - t - sum(tr.own_s for tr in tracks[: len(cfgs)])
    bases.update(made)
    if computed is not None:
        computed.update(made)
    results = []
    for b, cfg in enumerate(cfgs):
        t, before = time.perf_counter(), own[b] + shared / len(cfgs)
        results.append(_result(cfg, eng, stims[b], tracks[b], bases[keys[b]],
                               lambda t=t, before=before: before + time.perf_counter() - t))
    return results


def evaluate_batch(cfgs, baseline: Baseline | None = None, *, computed: dict | None = None) -> list[dict[str, Any]]:
    """:func:`evaluate` of every config, bit for bit, in order, rows of one :func:`batch_key` run
    together (:func:`simulate_batch`; ``computed`` receives the baselines computed)."""
    return [{**r.dosimetry, **r.metrics} for r in simulate_batch(cfgs, baseline, computed=computed)]


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
