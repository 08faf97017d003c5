"""Load-time checks of a whole run: what a run would reject is rejected when the config is read.

Each table is validated on its own by its model; this module checks what needs several tables at once,
with the same rules (the same functions) the run applies, and reports it as a
:class:`~scs_sim.errors.ConfigError` naming the file and the dotted key:

- ``[patient.circuit]`` against the circuit preset of ``[simulation]``: merged into the preset and
  validated as :class:`~scs_sim.dorsal_horn.params.CircuitParams` (unknown keys with a did-you-mean and
  the allowed keys), then :func:`~scs_sim.dorsal_horn.params.check_network` (no empty population), with
  ``n_dc`` set as the run sets it (one collateral source per modelled dorsal-column fibre);
- the spiking circuit's time grid (``simulation.dt_ms``, ``bin_ms``, ``duration_s`` against the
  fastest synaptic decay, :func:`~scs_sim.dorsal_horn.params.check_steps`);
- the anatomy's fibre-diameter distribution (:meth:`~scs_sim.fibers.anatomy.Anatomy.dc_diameter_sigma`);
- every program channel's contacts against the patient's lead
  (:func:`~scs_sim.fibers.anatomy.channel_contacts`);
- the input limits of the pain state and the circuit (``docs/MODEL.md``, Input limits): afferent
  rates, wind-up volley counts, epoch counts, population sizes, and the expected number of natural
  afferent spikes of one window (``simulation.window_s``: they are drawn window by window);
- the memory pre-flight (:func:`estimate_peak_mb`, :func:`check_memory`): one window's spikes (natural
  and, with the pulse train, an upper bound of the stimulated fibres'), the rate model's steps of one
  window and the recorded span (``simulation.record_s``) against the memory available.

The program's pulse train itself (custom CSV, overlapping multiplexed phases) is built by the loader.
Never imports numba.
"""

from __future__ import annotations

from scs_sim._params import LIMITS, Limit
from scs_sim.config.validate import validate_model
from scs_sim.dorsal_horn.params import CircuitParams, check_network, check_steps, merge_overrides, preset
from scs_sim.errors import ConfigError
from scs_sim.fibers.anatomy import channel_contacts

__all__ = ["check_run", "circuit_of", "check_pain", "check_circuit_size", "MAX_AFFERENT_SPIKES", "available_mb",
           "check_memory", "dc_spike_rate_hz", "estimate_peak_mb"]

#: Run-time argument names of the circuit's time grid -> the config keys they come from.
_STEP_KEYS = {"dt_s": "simulation.dt_ms", "bin_s": "simulation.bin_ms", "duration_s": "simulation.duration_s"}


_RATE = Limit(0.0, 500.0, "Hz", "primary afferents fire at most a few hundred Hz; every spike is drawn, so "
               "memory grows with the rate")
_SCALE = Limit(0.0, 10.0, "", "a conductance multiplier (< 1: disinhibition); 10x is past any measured change")
_TIME = Limit(0.0, 86_400.0, "s", "one day, the longest simulation")
_LATENCY = Limit(0.0, 1000.0, "ms", "conduction latencies are ms to a few hundred ms (C fibres)")
_VOLLEYS = Limit(1, 1000, "", "wind-up protocols use 10-20 stimuli (Zhang et al. 2014 J Neurophysiol 112:552: "
                 "15 at 1 Hz)")
_INTERVAL = Limit(0.001, 86_400.0, "s", "afferents cannot follow stimuli faster than ~1 kHz")
_POPULATION = Limit(0, 2000, "cells", "one dorsal-horn segment (the presets use tens to hundreds of cells); "
                    "synapse tables grow with n_pre x n_post")
#: Most events of a list-valued pain input (noxious epochs, conditioning volleys).
MAX_EVENTS = 1000
#: Most natural afferent spikes one window may draw (16 bytes each, ~4 GB).
MAX_AFFERENT_SPIKES = 2.5e8

#: Pre-flight memory model of one run (stimulated run + paired baseline), docs/PERFORMANCE.md "Memory".
#: A run is simulated in windows of ``simulation.window_s`` and records ``[0, simulation.record_s)``, so
#: the model has no term in the duration: the fixed part (interpreter, numba, network: 188 MB measured
#: for a 10 s run), the spikes of one window (natural, measured ~104 bytes per spike over every copy
#: before windowing; the stimulated fibres' spikes take the same path), the rate model's integration
#: steps of one window (~35 bytes each measured) and the recorded span's rate bins (8 bytes per
#: population per bin, stimulated and baseline, with one copy each while the Result is assembled).
#: Rounded up.
BASE_MB = 200.0
BYTES_PER_AFFERENT_SPIKE = 110.0
RATE_BYTES_PER_STEP = 40.0
RECORD_BYTES_PER_BIN = 320.0
#: Bytes per stored (recorded) dorsal-column fibre spike, and the most stored (the recruitment cap).
BYTES_PER_STORED_SPIKE = 32.0
MAX_STORED_SPIKES = 2_000_000
#: Upper bound of a stimulated fibre's rate in the estimate: one spike per pulse, at most 1 kHz
#: ([assumption] the ~1 ms absolute refractory period of large myelinated fibres, docs/MODEL.md §2).
MAX_FIBER_RATE_HZ = 1000.0
#: Refuse a run whose estimate exceeds this share of the memory available when it is checked.
MEMORY_FRACTION = 0.8

#: Pain-state field -> limit (keys under ``patient.pain``).
PAIN_LIMITS = {"abeta_rate_hz": _RATE, "adelta_rate_hz": _RATE, "c_rate_hz": _RATE,
               "gaba_scale": _SCALE, "glycine_scale": _SCALE}
#: Noxious-epoch field -> limit (keys under ``patient.pain.noxious.<i>``).
EPOCH_LIMITS = {"start_s": _TIME, "stop_s": _TIME, "abeta_rate_hz": _RATE, "adelta_rate_hz": _RATE,
                "c_rate_hz": _RATE}
#: Electrical-volley field -> limit (keys under ``patient.pain.volleys``).
VOLLEY_LIMITS = {"count": _VOLLEYS, "interval_s": _INTERVAL, "start_s": _TIME}
#: Circuit populations (keys under ``patient.circuit``; ``n_dc`` comes from ``anatomy.dc_count``).
POPULATIONS = ("n_abeta", "n_adelta", "n_c", "n_local_in", "n_surround_in", "n_ex", "n_wdr")

for _k, _l in PAIN_LIMITS.items():
    LIMITS.setdefault(f"patient.pain.{_k}", _l)
for _k, _l in EPOCH_LIMITS.items():
    LIMITS.setdefault(f"patient.pain.noxious.{_k}", _l)
for _k, _l in VOLLEY_LIMITS.items():
    LIMITS.setdefault(f"patient.pain.volleys.{_k}", _l)
LIMITS.setdefault("patient.pain.volleys.*_latency_ms", _LATENCY)
LIMITS.setdefault("patient.pain.conditioning_abeta_s", _TIME)
for _k in POPULATIONS:
    LIMITS.setdefault(f"patient.circuit.{_k}", _POPULATION)


def _limit(limit: Limit, value, file, key: str) -> None:
    if value is not None and (problem := limit.problem(value)):
        raise ConfigError(problem, file=file, key=key)


def _count(items, file, key: str, what: str) -> None:
    if len(items) > MAX_EVENTS:
        raise ConfigError(f"{len(items)} {what}; at most {MAX_EVENTS} are allowed", file=file, key=key)


def check_pain(pain, *, file: str | None = None) -> None:
    """Raise :class:`ConfigError` for a pain-state value outside its limit (keys ``patient.pain.*``)."""
    for name, limit in PAIN_LIMITS.items():
        _limit(limit, getattr(pain, name), file, f"patient.pain.{name}")
    _count(pain.noxious, file, "patient.pain.noxious", "noxious epochs")
    for i, epoch in enumerate(pain.noxious):
        for name, limit in EPOCH_LIMITS.items():
            _limit(limit, getattr(epoch, name), file, f"patient.pain.noxious.{i}.{name}")
    _count(pain.conditioning_abeta_s, file, "patient.pain.conditioning_abeta_s", "conditioning volleys")
    for i, t in enumerate(pain.conditioning_abeta_s):
        _limit(_TIME, t, file, f"patient.pain.conditioning_abeta_s.{i}")
    if (v := pain.volleys) is not None:
        for name, limit in VOLLEY_LIMITS.items():
            _limit(limit, getattr(v, name), file, f"patient.pain.volleys.{name}")
        for name in ("abeta_latency_ms", "adelta_latency_ms", "c_latency_ms"):
            for x in getattr(v, name):
                _limit(_LATENCY, x, file, f"patient.pain.volleys.{name}")


def check_circuit_size(params: CircuitParams, *, file: str | None = None) -> None:
    """Raise :class:`ConfigError` for a population outside its limit (keys ``patient.circuit.n_*``)."""
    for name in POPULATIONS:
        _limit(_POPULATION, getattr(params, name), file, f"patient.circuit.{name}")


def _afferent_spikes(pain, params: CircuitParams, duration_s: float, window_s: float | None = None) -> float:
    """Expected number of natural afferent spikes of a run of ``duration_s``, or of its busiest window of
    ``window_s`` (ongoing, noxious epochs as long as they overlap one window, and every volley: one
    window may hold them all)."""
    window_s = duration_s if window_s is None else min(window_s, duration_s)
    sizes = {"abeta": params.n_abeta, "adelta": params.n_adelta, "c": params.n_c}
    total = sum(getattr(pain, f"{k}_rate_hz") * n for k, n in sizes.items()) * window_s
    for e in pain.noxious:
        span = min(window_s, max(0.0, min(e.stop_s, duration_s) - e.start_s))
        total += sum(getattr(e, f"{k}_rate_hz") * n for k, n in sizes.items()) * span
    if pain.volleys is not None:
        total += pain.volleys.count * sum(sizes.values())
    total += len(pain.conditioning_abeta_s) * params.n_abeta
    return total


def available_mb() -> float | None:
    """Memory available for new work on this machine (``MemAvailable`` of /proc/meminfo, MB), or None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024.0
    except (OSError, ValueError, IndexError):
        return None
    return None


def dc_spike_rate_hz(train, anatomy) -> float:
    """Upper bound of the stimulated fibres' spikes per second: every modelled fibre firing on every
    pulse, at most :data:`MAX_FIBER_RATE_HZ` each (the real figure is known only after recruitment)."""
    if train is None:
        return 0.0
    return (anatomy.dc_count + anatomy.dr_count) * min(float(train.pulses_per_s), MAX_FIBER_RATE_HZ)


def _terms(afferent_spikes: float, sim, dc_rate_hz: float) -> dict[str, float]:
    """The estimate's terms in MB (see the constants above)."""
    span = min(sim.window_s, sim.duration_s)
    rec = min(sim.record_s, sim.duration_s)
    terms = {"base": BASE_MB,
             "window spikes": (afferent_spikes + dc_rate_hz * span) * BYTES_PER_AFFERENT_SPIKE / 1e6,
             "recorded span": (rec / (sim.bin_ms * 1e-3) * RECORD_BYTES_PER_BIN
                               + min(dc_rate_hz * rec, MAX_STORED_SPIKES) * BYTES_PER_STORED_SPIKE) / 1e6}
    if sim.model == "rate":
        terms["rate steps"] = span / (sim.dt_ms * 1e-3) * RATE_BYTES_PER_STEP / 1e6
    return terms


def estimate_peak_mb(afferent_spikes: float, sim, dc_rate_hz: float = 0.0) -> float:
    """Estimated peak memory (MB) of one run: base + one window's spikes (natural ``afferent_spikes``,
    stimulated ``dc_rate_hz`` x window) + the rate model's steps of one window + the recorded span.

    It does not grow with ``sim.duration_s`` past one window and the recorded span.
    """
    return sum(_terms(afferent_spikes, sim, dc_rate_hz).values())


def check_memory(afferent_spikes: float, sim, *, file: str | None = None, dc_rate_hz: float = 0.0) -> None:
    """Raise :class:`ConfigError` (key ``simulation.window_s``) when a run would not fit in memory.

    ``afferent_spikes``: expected natural afferent spikes of one window; ``dc_rate_hz``: the bound of
    :func:`dc_spike_rate_hz`.
    """
    avail = available_mb()
    terms = _terms(afferent_spikes, sim, dc_rate_hz)
    need = sum(terms.values())
    if avail is None or need <= MEMORY_FRACTION * avail:
        return
    parts = " + ".join(f"{k} {v:,.0f} MB" for k, v in terms.items())
    raise ConfigError(
        f"a {sim.model} run with {min(sim.window_s, sim.duration_s):g} s windows needs about {need:,.0f} MB "
        f"(estimate: {parts}; {afferent_spikes:.3g} natural afferent spikes per window), more than "
        f"{MEMORY_FRACTION:.0%} of the {avail:,.0f} MB available on this machine: shorten simulation.window_s "
        "or simulation.record_s, lower the afferent rates or fibre counts"
        + (", or use a coarser simulation.dt_ms" if sim.model == "rate" else ""),
        file=file, key="simulation.window_s")


def _place(exc: ConfigError, file: str | None, prefix: str) -> ConfigError:
    return exc.located(file=exc.file or file, key_prefix=prefix)


def circuit_of(patient, simulation, *, file: str | None = None) -> CircuitParams:
    """The circuit parameters a run of ``patient`` with ``simulation`` uses, validated.

    ``[patient.circuit]`` overrides are merged into the preset ``simulation.circuit`` (as
    :func:`~scs_sim.dorsal_horn.params.circuit_params` does); problems name ``patient.circuit.<key>``.
    """
    overrides = {**patient.circuit, "n_dc": patient.anatomy.dc_count}
    try:
        base = preset(simulation.circuit).model_dump()
    except ConfigError as exc:
        raise ConfigError(exc.detail, file=file, key="simulation.circuit") from None
    params = validate_model(CircuitParams, merge_overrides(base, overrides), file=file,
                            prefix=("patient", "circuit"))
    try:
        check_network(params)
    except ConfigError as exc:
        raise _place(exc, file, "patient") from None
    return params


def _channel_keys(train) -> list[str]:
    n = len(train.channels)
    return ["program" if n == 1 else f"program.components.{i}" for i in range(n)]


def check_run(cfg, *, train=None, files: dict[str, str | None] | None = None) -> None:
    """Raise :class:`ConfigError` for anything a run of ``cfg`` would reject (see the module docstring).

    Parameters
    ----------
    cfg : RunConfig
    train : PulseTrain, optional
        The program's pulse train (already built by the loader); its channels are checked against
        the patient's lead.
    files : dict, optional
        Section name -> the file it was read from (an include or the config file), for the messages.
    """
    files = files or {}
    patient_file = files.get("patient", cfg.source)
    sim_file = files.get("simulation", cfg.source)
    try:
        cfg.patient.anatomy.dc_diameter_sigma()
    except ConfigError as exc:
        raise _place(exc, patient_file, "patient") from None
    check_pain(cfg.patient.pain, file=patient_file)
    params = circuit_of(cfg.patient, cfg.simulation, file=patient_file)
    check_circuit_size(params, file=patient_file)
    sim = cfg.simulation
    span = min(sim.window_s, sim.duration_s)
    spikes = _afferent_spikes(cfg.patient.pain, params, sim.duration_s, span)
    if spikes > MAX_AFFERENT_SPIKES:
        raise ConfigError(
            f"the natural afferent drive would draw ~{spikes:.3g} spikes in one {span:g} s window, above "
            f"{MAX_AFFERENT_SPIKES:.3g} (~4 GB): lower the rates, the fibre counts or simulation.window_s",
            file=patient_file, key="patient.pain")
    check_memory(spikes, sim, file=sim_file, dc_rate_hz=dc_spike_rate_hz(train, cfg.patient.anatomy))
    if sim.model == "spiking":
        try:
            check_steps(params, sim.duration_s, sim.dt_ms * 1e-3, sim.bin_ms * 1e-3)
        except ConfigError as exc:
            if exc.key in _STEP_KEYS:
                raise ConfigError(exc.detail, file=sim_file, key=_STEP_KEYS[exc.key]) from None
            raise _place(exc, patient_file, "patient") from None
    if train is not None:
        for ch, key in zip(train.channels, _channel_keys(train), strict=True):
            try:
                channel_contacts(cfg.patient.anatomy, ch.cathodes, ch.anodes, key=key)
            except ConfigError as exc:
                raise ConfigError(exc.detail, file=files.get("program", cfg.source), key=exc.key) from None
    if cfg.program is not None and (cfg.program.closed_loop is not None or cfg.patient.motion is not None):
        _check_loop(cfg, train, files.get("program", cfg.source))


def _check_loop(cfg, train, file) -> None:
    """A closed-loop or moving-cord run needs the fast fibre model, one channel and a recording contact."""
    from scs_sim.stim.closed_loop import ClosedLoop, record_contact

    key = "program.closed_loop" if cfg.program.closed_loop is not None else "patient.motion"
    if "async_dc" in cfg.simulation.mechanisms:
        raise ConfigError(f"{key} cannot run with mechanism 'async_dc' (its asynchronous firing is computed for "
                          "the programmed, fixed current); allowed: a mechanism set without async_dc",
                          file=file, key="simulation.mechanisms")
    if cfg.patient.fibers.fiber_model != "fast":
        raise ConfigError(f"{key} needs fiber_model = 'fast' (got {cfg.patient.fibers.fiber_model!r})",
                          file=file, key="patient.fibers.fiber_model")
    if train is not None and len(train.channels) != 1:
        raise ConfigError(f"{key} needs a single-channel program (this one has {len(train.channels)} channels)",
                          file=file, key=key)
    if train is not None:
        ch = train.channels[0]
        cat, ano = channel_contacts(cfg.patient.anatomy, ch.cathodes, ch.anodes, key="program")
        try:
            record_contact(cfg.program.closed_loop or ClosedLoop(enabled=False), cat, ano,
                           cfg.patient.anatomy.n_contacts)
        except ConfigError as exc:
            raise ConfigError(exc.detail, file=file, key=exc.key) from None
