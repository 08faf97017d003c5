"""The browser explorer's model side: controls → program → simulation → one JSON-able *view*.

A *state* is a flat dict of controls (:data:`DEFAULT_STATE` lists them). :func:`normalize` checks it
and fills defaults; :class:`ViewEngine` turns a state into a view (pulse phases, pulse onsets, lit
fibres, DC raster, WDR traces, gate activity, the metrics and the dosimetry with its safety flags)
by running :func:`scs_sim.simulation.simulate_config` (spiking gate, 1 s simulated by default; the
paired no-stimulation baseline is cached per patient). Views are cached by state, so the served
explorer and the exported page (:mod:`scs_sim.app.explore_web`) show the same numbers for the same
controls. Every number in a view comes from the model's public functions; nothing is fitted here.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import threading
from collections import OrderedDict
from typing import Any

import numpy as np

from scs_sim.errors import ConfigError

__all__ = [
    "AXES",
    "DEFAULT_STATE",
    "KIND_LABELS",
    "ViewEngine",
    "build_program",
    "mechanism_sets",
    "meta",
    "normalize",
    "patient_names",
    "state_key",
]

#: The program kinds of the explorer (keys of :data:`scs_sim.stim.kinds.KINDS`); multiplexed is the
#: ``multiplexed_dtm`` preset with its amplitudes scaled.
KIND_LABELS: dict[str, str] = {
    "tonic": "Tonic",
    "burst": "Burst",
    "high_frequency": "High frequency (kHz)",
    "multiplexed": "Multiplexed (DTM-like preset)",
}

#: Slider values per control (the served explorer; the exported page uses its grid's values).
AXES: dict[str, dict[str, list]] = {
    "frequency_hz": {
        "tonic": [2, 5, 10, 20, 30, 40, 50, 60, 80, 100, 150, 200, 300, 500, 700, 1000, 1500, 2000],
        "burst": [10, 20, 30, 40, 50, 60, 80],
        "high_frequency": [1000, 1500, 2000, 3000, 5000, 7500, 10000],
        "multiplexed": [50],
    },
    "amplitude_ma": {
        "default": [0.25, 0.5, 0.75, 1, 1.4, 2, 2.5, 3, 4, 4.5, 5, 6, 7, 8, 9, 10, 12, 14, 16, 18, 20, 25, 30],
        "multiplexed": [0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 5],
    },
    "pulse_width_us": {
        "tonic": [30, 60, 90, 120, 150, 210, 300, 400, 500, 700, 1000],
        "burst": [100, 200, 300, 500, 700, 1000],
        "high_frequency": [10, 20, 30, 40, 60, 90],
        "multiplexed": [210],
    },
    "pulses_per_burst": {"burst": [1, 2, 3, 4, 5, 6, 7]},
    "intraburst_hz": {"burst": [250, 500, 1000]},
}

#: Cycling choices: label -> (on s, off s) or None. Teaching-scale cycles that fit a 1 s run; clinical
#: cycling switches over seconds to minutes (the dosimetry's duty factor is the same idea).
CYCLING: dict[str, tuple[float, float] | None] = {
    "continuous": None,
    "on 0.25 s / off 0.25 s": (0.25, 0.25),
    "on 0.25 s / off 0.75 s": (0.25, 0.75),
}

#: The controls and their defaults (the tonic_50hz preset on the default patient).
DEFAULT_STATE: dict[str, Any] = {
    "kind": "tonic",
    "frequency_hz": 50.0,
    "amplitude_ma": 8.0,
    "pulse_width_us": 210.0,
    "pulses_per_burst": 5,
    "intraburst_hz": 500.0,
    "cycling": "continuous",
    "patient": "default",
    "nmda": "normal",
    "mechanisms": "default",
}

#: Per-kind defaults loaded when the kind changes (the presets' values).
KIND_DEFAULTS: dict[str, dict[str, float]] = {
    "tonic": {"frequency_hz": 50.0, "amplitude_ma": 8.0, "pulse_width_us": 210.0},
    "burst": {"frequency_hz": 40.0, "amplitude_ma": 1.4, "pulse_width_us": 1000.0},
    "high_frequency": {"frequency_hz": 10000.0, "amplitude_ma": 3.0, "pulse_width_us": 30.0},
    "multiplexed": {"frequency_hz": 50.0, "amplitude_ma": 1.0, "pulse_width_us": 210.0},
}

#: Simulated seconds per view for each patient preset (wind-up needs its 15 volleys at 1 Hz).
DURATION_S: dict[str, float] = {"windup": 16.0}
DEFAULT_DURATION_S = 1.0
RASTER_MS = 100.0  # the raster shows the first 100 ms
RASTER_CAP = 800  # spikes kept in a view (the count says how many there were)
TRAIN_MS = 200.0  # pulse-onset ticks over the first 200 ms
TRAIN_CAP = 400


def patient_names() -> list[str]:
    """Patient presets shipped with the package (``default`` first)."""
    from scs_sim.config import PRESET_DIR

    names = sorted(p[:-5] for p in os.listdir(os.path.join(str(PRESET_DIR), "patients")) if p.endswith(".toml"))
    return sorted(names, key=lambda n: n != "default")


def mechanism_sets() -> list[str]:
    """Mechanism sets the model offers (``scs_sim.dorsal_horn.mechanisms.SETS`` once it exists and
    ``Simulation`` has a ``mechanisms`` field), else only ``["default"]``; the first entry is the default."""
    try:
        mod = importlib.import_module("scs_sim.dorsal_horn.mechanisms")
    except ImportError:
        return ["default"]
    sets = getattr(mod, "SETS", None)
    default = _mechanism_default()
    if not sets or default is None:  # no registry, or no [simulation] mechanisms field to pass a set through
        return ["default"]
    names = [str(s) for s in sets]
    if default in names:
        names.remove(default)
        names.insert(0, default)
    return names


def _mechanism_default() -> str | None:
    from scs_sim.config import Simulation

    field = Simulation.model_fields.get("mechanisms")
    return None if field is None else str(field.default)


def _choice(state: dict, key: str, allowed) -> str:
    v = str(state.get(key, DEFAULT_STATE[key]))
    if v not in allowed:
        raise ConfigError(f"{key} = {v!r} is not one of {', '.join(map(str, allowed))}", key=key)
    return v


def _number(state: dict, key: str, lo: float, hi: float) -> float:
    raw = state.get(key, DEFAULT_STATE[key])
    try:
        v = float(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{key} = {raw!r} is not a number", key=key) from None
    if not (math.isfinite(v) and lo <= v <= hi):
        raise ConfigError(f"{key} = {raw!r} is outside {lo:g}..{hi:g}", key=key)
    return v


def normalize(state: dict) -> dict[str, Any]:
    """A complete, checked state (defaults filled); :class:`ConfigError` names the bad control."""
    unknown = set(state) - set(DEFAULT_STATE)
    if unknown:
        raise ConfigError(f"unknown control(s): {', '.join(sorted(unknown))}")
    mech = mechanism_sets()
    s = {
        "kind": _choice(state, "kind", KIND_LABELS),
        "frequency_hz": _number(state, "frequency_hz", 0.1, 100_000.0),
        "amplitude_ma": _number(state, "amplitude_ma", 0.01, 100.0),
        "pulse_width_us": _number(state, "pulse_width_us", 1.0, 10_000.0),
        "pulses_per_burst": int(_number(state, "pulses_per_burst", 1, 50)),
        "intraburst_hz": _number(state, "intraburst_hz", 10.0, 5000.0),
        "cycling": _choice(state, "cycling", CYCLING),
        "patient": _choice(state, "patient", patient_names()),
        "nmda": _choice(state, "nmda", ("normal", "blocked")),
        "mechanisms": str(state.get("mechanisms", mech[0])),
    }
    if s["mechanisms"] == "default" and "default" not in mech:
        s["mechanisms"] = mech[0]
    _choice(s, "mechanisms", mech)
    return s


def state_key(state: dict) -> str:
    """Canonical key of a normalised state (the exported grid's lookup key; the page builds the same)."""
    s = state
    parts = [s["kind"], _g(s["frequency_hz"]), _g(s["amplitude_ma"]), _g(s["pulse_width_us"]),
             str(int(s["pulses_per_burst"])), _g(s["intraburst_hz"]), s["cycling"], s["patient"], s["nmda"],
             s["mechanisms"]]
    return "|".join(parts)


def _g(v: float) -> str:
    return format(float(v), ".6g")


def build_program(state: dict):
    """The program of a normalised state (raises ConfigError / ValueError when it is not valid)."""
    from scs_sim.stim import programs
    from scs_sim.stim.train import Modifiers

    s = state
    cyc = CYCLING[s["cycling"]]
    mods = Modifiers() if cyc is None else Modifiers(cycle_on_s=cyc[0], cycle_off_s=cyc[1])
    amp, f, pw = s["amplitude_ma"], s["frequency_hz"], s["pulse_width_us"]
    if s["kind"] == "tonic":
        return programs.tonic(frequency_hz=f, amplitude_ma=amp, pulse_width_us=pw, interphase_gap_us=20.0,
                              modifiers=mods, name=f"tonic {_g(f)} Hz")
    if s["kind"] == "high_frequency":
        return programs.high_frequency(frequency_hz=f, amplitude_ma=amp, pulse_width_us=pw,
                                       interphase_gap_us=0.0, modifiers=mods, name=f"HF {_g(f)} Hz")
    if s["kind"] == "burst":
        return programs.burst(burst_frequency_hz=f, intraburst_frequency_hz=s["intraburst_hz"],
                              pulses_per_burst=s["pulses_per_burst"], pulse_width_us=pw, amplitude_ma=amp,
                              recharge="passive", modifiers=mods, name=f"burst {_g(f)} Hz")
    from scs_sim.config import load_program

    prog, _ = load_program("multiplexed_dtm")
    data = prog.model_dump()
    data.update(amplitude_ma=amp, modifiers=mods.model_dump(), name="multiplexed (DTM-like)")
    return type(prog).model_validate(data)


def _nmda_blocked_overrides() -> dict:
    """``[patient.circuit]`` overrides setting every NMDA weight of the circuit preset to 0."""
    from scs_sim.dorsal_horn.params import circuit_params

    pw = circuit_params().model_dump()["pathways"]
    return {"pathways": {n: {"weights_ns": {"nmda": 0.0}} for n, v in pw.items()
                         if v["weights_ns"].get("nmda", 0.0) > 0}}


def _merge(a: dict, b: dict) -> dict:
    out = dict(a)
    for k, v in b.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _r(x, nd: int = 3):
    """A float rounded for JSON (None for None / non-finite)."""
    if x is None:
        return None
    x = float(x)
    return round(x, nd) if math.isfinite(x) else None


def meta(patient: str = "default") -> dict:
    """What the page needs once: control choices, slider values, and the patient's fibre positions."""
    return {
        "kinds": KIND_LABELS,
        "kind_defaults": KIND_DEFAULTS,
        "axes": AXES,
        "cycling": list(CYCLING),
        "patients": patient_names(),
        "mechanisms": mechanism_sets(),
        "defaults": {**DEFAULT_STATE, "mechanisms": mechanism_sets()[0]},
        "fibers": {p: _fiber_positions(p) for p in ([patient] if patient else patient_names())},
        "pathways": _pathways(),
    }


def _pathways() -> list[list]:
    """Edges of the gate schematic, ``[pre, post, inhibitory]``, read from the default circuit preset,
    plus the in-field DC collaterals, which reach the local IN and the WDR like local Aβ (MODEL.md §3.6)."""
    from scs_sim.dorsal_horn.params import circuit_params

    edges = [[p.pre, p.post, any(r in p.weights_ns for r in ("gaba_a", "glycine"))]
             for p in circuit_params().pathways.values()]
    return edges + [["dc", "local_in", False], ["dc", "wdr", False]]


def _fiber_positions(patient_name: str) -> dict:
    """Fibre positions (x mm from the midline, depth mm, DR flag, diameter µm) of a patient preset, drawn
    from the run's fibre seed exactly as a run with seed 1 draws them (SeedSequence(seed).spawn(4)[0],
    or the patient's own anatomy seed)."""
    from scs_sim.config import load_patient
    from scs_sim.simulation import run_fibers

    p = load_patient(patient_name)
    fib = run_fibers(p, 1)
    a = p.anatomy
    return {"x": [round(float(v), 3) for v in fib.x_mm], "d": [round(float(v), 3) for v in fib.depth_mm],
            "dr": [int(v) for v in fib.is_dr], "um": [round(float(v), 1) for v in fib.diameter_um],
            "csf_mm": _r(getattr(a, "csf_mm", None)), "n_dc": fib.n_dc, "n_dr": fib.n_dr}


class ViewEngine:
    """States → views, with the per-patient baseline and the last ``max_views`` views cached
    (thread-safe: the server answers requests from several threads, one simulation at a time)."""

    def __init__(self, *, seed: int = 1, max_views: int = 512, duration_s: float | None = None):
        self.seed = int(seed)
        self.duration_s = duration_s
        self._views: OrderedDict[str, dict] = OrderedDict()
        self._baselines: dict[str, Any] = {}
        self._patients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self.max_views = max_views

    def _patient(self, name: str, nmda: str):
        from scs_sim.config import load_patient

        key = (name, nmda)
        if key not in self._patients:
            p = load_patient(name)
            if nmda == "blocked":
                p = p.model_copy(update={"circuit": _merge(dict(p.circuit), _nmda_blocked_overrides())})
            self._patients[key] = p
        return self._patients[key]

    def view(self, state: dict) -> dict:
        """The view of ``state`` (normalised first); a program the model refuses gives ``{"error": ...}``."""
        s = normalize(state)
        key = state_key(s)
        with self._lock:
            if key in self._views:
                self._views.move_to_end(key)
                return self._views[key]
            v = self._compute(s)
            v["key"] = key
            self._views[key] = v
            while len(self._views) > self.max_views:
                self._views.popitem(last=False)
            return v

    def _compute(self, s: dict) -> dict:
        from scs_sim.config import RunConfig, Simulation, validate_model
        from scs_sim.simulation import simulate_config
        from scs_sim.stim.dosimetry import Device

        try:
            program = build_program(s)
        except (ConfigError, ValueError) as exc:  # pydantic's ValidationError is a ValueError
            msg = "; ".join(e.get("msg", "") for e in exc.errors()) if hasattr(exc, "errors") else str(exc)
            return {"error": msg.removeprefix("Value error, ")}
        dur = self.duration_s or DURATION_S.get(s["patient"], DEFAULT_DURATION_S)
        sim_kw: dict[str, Any] = {"duration_s": dur, "seed": self.seed, "model": "spiking"}
        if _mechanism_default() is not None:
            sim_kw["mechanisms"] = s["mechanisms"]
        sim = validate_model(Simulation, sim_kw, file=None, prefix=("simulation",))
        patient = self._patient(s["patient"], s["nmda"])
        cfg = RunConfig.model_construct(program=program, patient=patient, device=Device(), simulation=sim,
                                        sweep=None, source=None, program_dir=None)
        bkey = json.dumps([s["patient"], s["nmda"], s["mechanisms"], dur])
        r = simulate_config(cfg, baseline_result=self._baselines.get(bkey))
        self._baselines[bkey] = _baseline_of(r, cfg)
        return _view_of(r, program, patient)


def _baseline_of(r, cfg):
    """The paired baseline of a result, reusable for the next run on the same patient and settings."""
    from scs_sim.simulation import Baseline, baseline_key

    m = r.metrics
    return Baseline(key=baseline_key(cfg), wdr_rate_hz=m["baseline_wdr_rate_hz"], t_s=r.t_s,
                    rates_hz=r.baseline_rates_hz, wdr_spike_times_s=np.zeros(0),
                    windup_index=m["baseline_windup_index"], window_rates_hz=r.baseline_window_rates_hz)


def _view_of(r, program, patient) -> dict:
    from scs_sim.stim.programs import pulse_train

    train = pulse_train(program)
    m, d = r.metrics, r.dosimetry
    rec = r.recruitment
    n_dc = int(np.count_nonzero(~rec.is_dr))
    reasons = [t.strip() for t in str(d.get("infeasible_reasons") or "").split(";") if t.strip()]
    return {
        "program": m["program"],
        "duration_s": m["duration_s"],
        "metrics": {
            "relief_pct": _r(m["relief_pct"], 1),
            "wdr_rate_hz": _r(m["wdr_rate_hz"], 2),
            "baseline_wdr_rate_hz": _r(m["baseline_wdr_rate_hz"], 2),
            "paresthesia": bool(m["paresthesia"]),
            "discomfort": bool(m["discomfort"]),
            "perceived_intensity": _r(m.get("perceived_intensity"), 2),
            "recruited_dc": int(m["recruited_dc_fibers"]),
            "recruited_dr": int(m["recruited_dr_fibers"]),
            "n_dc": n_dc,
            "n_dr": int(rec.is_dr.size - n_dc),
            "synchrony": _r(m["synchrony"], 2),
            "dc_spike_rate_hz": _r(m["dc_spike_rate_hz"], 1),
            "windup_index": _r(m["windup_index"], 2),
            "baseline_windup_index": _r(m["baseline_windup_index"], 2),
        },
        "dose": {
            "pulses_per_s": _r(d["pulses_per_s"], 1),
            "charge_per_phase_uc": _r(d["charge_per_phase_uc"], 3),
            "charge_density_uc_per_cm2": _r(d["charge_density_uc_per_cm2"], 1),
            "shannon_k": _r(d["shannon_k"], 2),
            "shannon_safe": bool(d["shannon_safe"]),
            "density_safe": bool(d["density_safe"]),
            "within_compliance": bool(d["within_compliance"]),
            "load_voltage_v": _r(d["load_voltage_v"], 1),
            "battery": d["battery"],
            "days_per_charge": _r(d.get("days_per_charge"), 1),
            "recharge_min_per_day": _r(d.get("recharge_min_per_day"), 1),
            "battery_years": _r(d.get("battery_life_years", d.get("lifetime_years")), 2),
            "feasible": bool(d["feasible"]),
            "reasons": reasons,
        },
        "pulse": _pulse_shape(train),
        "train": _train_ticks(train, r.stim_on),
        "lit": [int(i) for i in np.flatnonzero(rec.spike_count > 0)],
        "raster": _raster(rec),
        "wdr": _wdr(r),
        "gate": _gate(r, patient),
    }


def _pulse_shape(train) -> dict:
    """Phases of the first unit (one pulse, a burst, a few kHz periods): [start µs, width µs, mA]."""
    period = 1.0 / max(train.pulses_per_s, 1e-9)
    first = train.phases(0.0, 0.05)
    if first.start_s.size == 0:
        return {"window_us": 1000.0, "phases": []}
    unit = _unit_s(train.program) or period
    in_unit = first.start_s < first.start_s[0] + unit * 0.999
    end = float(np.max(first.start_s[in_unit] + first.width_s[in_unit]))
    window = max(1.15 * end, min(5 * unit, 1e-3))
    window = min(window, 0.05)
    ch = train.phases(0.0, window)
    ph = [[round(a * 1e6, 2), round(w * 1e6, 2), round(float(c), 3)]
          for a, w, c in zip(ch.start_s, ch.width_s, ch.current_ma, strict=True) if a < window]
    return {"window_us": round(window * 1e6, 1), "phases": ph}


def _unit_s(program) -> float | None:
    """Period of the program's repeating unit (burst: the burst period; multiplexed: its slowest component)."""
    f = getattr(program, "burst_frequency_hz", None) or getattr(program, "frequency_hz", None)
    if f is None and getattr(program, "components", None):
        f = min(c.frequency_hz for c in program.components)
    return 1.0 / f if f else None


def _train_ticks(train, stim_on) -> dict:
    ch = train.phases(0.0, TRAIN_MS * 1e-3)
    onsets = np.unique(np.round(ch.onset_s * 1e3, 3))
    return {"window_ms": TRAIN_MS, "n": int(onsets.size), "onsets_ms": [float(v) for v in onsets[:TRAIN_CAP]],
            "on": [[round(a, 3), round(b, 3)] for a, b in stim_on]}


def _raster(rec) -> dict:
    counts = np.diff(rec.fiber_ptr)
    fib = np.repeat(np.arange(counts.size), counts)
    t = rec.spike_times_s
    keep = t < RASTER_MS * 1e-3
    fib, t = fib[keep], t[keep]
    n = int(t.size)
    if n > RASTER_CAP:  # an even subsample, so dense rasters keep their shape
        idx = np.linspace(0, n - 1, RASTER_CAP).astype(int)
        fib, t = fib[idx], t[idx]
    return {"window_ms": RASTER_MS, "n": n, "f": [int(v) for v in fib],
            "t": [round(float(v) * 1e3, 1) for v in t], "n_fibers": int(counts.size)}


def _wdr(r, points: int = 50) -> dict:
    t, y, b = r.t_s, r.rates_hz["wdr"], r.baseline_rates_hz["wdr"]
    k = max(1, t.size // points)
    n = (t.size // k) * k
    if n == 0:
        return {"t": [], "y": [], "base": []}
    ys, bs = y[:n].reshape(-1, k).mean(1), b[:n].reshape(-1, k).mean(1)
    ts = t[:n].reshape(-1, k).mean(1)
    return {"t": [round(float(v), 4) for v in ts], "y": [round(float(v), 2) for v in ys],
            "base": [round(float(v), 2) for v in bs]}


def _gate(r, patient) -> dict:
    """Mean rate per circuit population with and without stimulation, plus the input drives."""
    pops = {k: [_r(np.mean(v), 2), _r(np.mean(r.baseline_rates_hz.get(k, v)), 2)] for k, v in r.rates_hz.items()}
    pain = patient.pain
    m = r.metrics
    return {"pops": pops, "dc_rate_hz": _r(m["dc_population_rate_hz"], 2),
            "c_rate_hz": _r(pain.c_rate_hz, 2), "abeta_rate_hz": _r(pain.abeta_rate_hz, 2),
            "volleys": pain.volleys is not None}
