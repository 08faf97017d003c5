"""Natural afferent drive (the patient's pain state) turned into afferent spike trains.

This module owns :class:`PainState` (ongoing neuropathic Aβ/Aδ/C firing, noxious epochs, 1 Hz
electrical volleys for wind-up, conditioning Aβ volleys, disinhibition settings), the
:class:`AfferentSpikes` container the dorsal-horn circuit consumes, and :func:`afferent_spikes`,
which draws Poisson trains as exponential inter-spike intervals from an explicit
``numpy.random.Generator`` (never per-time-step coin flips, never the global seed).

The ``dc`` population (SCS-recruited dorsal-column collaterals) gets no natural drive here; the
recruitment layer supplies its spikes and :func:`merge_dc` adds them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import Field, field_validator, model_validator

from scs_sim._params import Params
from scs_sim.errors import ConfigError
from scs_sim.fibers.anatomy import FiberPopulation, check_segment

#: Afferent populations, in the order used everywhere (also the circuit's source index order).
AFFERENT_POPULATIONS: tuple[str, ...] = ("abeta", "adelta", "c", "dc")
#: Populations that carry natural (peripheral) drive.
NATURAL_POPULATIONS: tuple[str, ...] = ("abeta", "adelta", "c")
#: Role of a recruited fibre for the modelled WDR pool (``receptive_field_roles``): no connection,
#: receptive-field centre (drives the circuit like local Aβ), receptive-field surround (drives the surround IN).
ROLE_NONE, ROLE_INFIELD, ROLE_SURROUND = 0, 1, 2
#: Default painful area: bilateral L4 and L5 (radicular leg pain after back surgery, the commonest SCS indication; assumption).
DEFAULT_PAINFUL_AREA: tuple[str, ...] = ("L4", "L5")


class NoxiousEpoch(Params):
    """A period of extra afferent firing (e.g. a noxious stimulus), added to the ongoing rates."""

    start_s: float = Field(ge=0, description="Epoch start (s).")
    stop_s: float = Field(gt=0, description="Epoch end (s), exclusive.")
    abeta_rate_hz: float = Field(0.0, ge=0, description="Extra Aβ rate per fibre (Hz).")
    adelta_rate_hz: float = Field(0.0, ge=0, description="Extra Aδ rate per fibre (Hz).")
    c_rate_hz: float = Field(0.0, ge=0, description="Extra C rate per fibre (Hz).")

    @model_validator(mode="after")
    def _ordered(self) -> NoxiousEpoch:
        if self.stop_s <= self.start_s:
            raise ValueError(f"stop_s ({self.stop_s}) must be > start_s ({self.start_s})")
        return self


class ElectricalVolleys(Params):
    """Peripheral electrical stimuli (wind-up protocol of Zhang, Janik & Grill 2014 J Neurophysiol
    112:552, Fig 3a, as set up in its published code, ModelDB 168414).

    Each volley gives exactly one spike per fibre of each class, with a conduction latency drawn
    uniformly from the published range of that class.
    """

    start_s: float = Field(0.5, ge=0, description="Time of the first stimulus (s).")
    count: int = Field(15, ge=1, description="Number of stimuli.")
    interval_s: float = Field(1.0, gt=0, description="Interval between stimuli (s); 1 Hz wind-up protocol.")
    abeta_latency_ms: tuple[float, float] = Field((1.8, 7.2), description="Aβ latency range (ms), Zhang 2014.")
    adelta_latency_ms: tuple[float, float] = Field(
        (16.8, 42.5), description="Aδ latency range (ms), Zhang 2014."
    )
    c_latency_ms: tuple[float, float] = Field((69.0, 315.0), description="C latency range (ms), Zhang 2014.")

    @model_validator(mode="after")
    def _ranges(self) -> ElectricalVolleys:
        for name in ("abeta_latency_ms", "adelta_latency_ms", "c_latency_ms"):
            lo, hi = getattr(self, name)
            if not (0 <= lo <= hi):
                raise ValueError(f"{name} must be [low, high] with 0 <= low <= high (got {[lo, hi]})")
        return self


class PainState(Params):
    """Natural afferent drive of a patient and optional disinhibition.

    Defaults are the ongoing drive of the "Foreman SCS" protocol of Zhang, Janik & Grill 2014
    (J Neurophysiol 112:552; rates computed from the spike-time files of its published code,
    ModelDB 168414; docs/MODEL.md §3 "Afferent drive"): Aβ 8.9, Aδ 8.4, C 2.7 Hz per fibre.
    """

    abeta_rate_hz: float = Field(8.9, ge=0, description="Ongoing Aβ rate per fibre (Hz); Zhang 2014 Foreman.")
    adelta_rate_hz: float = Field(8.4, ge=0, description="Ongoing Aδ rate per fibre (Hz); Zhang 2014 Foreman.")
    c_rate_hz: float = Field(2.7, ge=0, description="Ongoing C rate per fibre (Hz); Zhang 2014 Foreman.")
    noxious: list[NoxiousEpoch] = Field(default_factory=list, description="Noxious epochs (extra rates).")
    volleys: ElectricalVolleys | None = Field(None, description="Optional 1 Hz electrical volleys.")
    conditioning_abeta_s: list[float] = Field(
        default_factory=list,
        description="Times (s) of conditioning Aβ volleys: one spike per Aβ fibre, Aβ latency range.",
    )
    gaba_scale: float = Field(1.0, ge=0, description="GABA_A conductance multiplier (disinhibition < 1).")
    glycine_scale: float = Field(1.0, ge=0, description="Glycine conductance multiplier (disinhibition < 1).")
    e_cl_mv: float | None = Field(
        None, ge=-100, le=0, description="Chloride reversal (mV); None = circuit default (−70 mV)."
    )
    painful_area: list[str] = Field(
        default_factory=lambda: list(DEFAULT_PAINFUL_AREA), min_length=1,
        description="Dermatomes of the painful area (names in scs_sim.fibers.anatomy.DERMATOMES): the receptive "
        "field of the modelled WDR pool. Recruited fibres of these dermatomes drive the circuit like local Aβ "
        "(docs/MODEL.md §3 'Receptive fields and somatotopy'). Default L4, L5: assumption.",
    )
    pain_side: Literal["left", "right", "both"] = Field(
        "both", description="Side of the painful area (left: x < 0, right: x > 0; both: bilateral pain)."
    )
    surround_dermatomes: int = Field(
        4, ge=0, le=10,
        description="Dermatomes on each side (rostral and caudal) of the painful area whose recruited fibres "
        "reach the WDR pool's surround inhibition; fibres farther away, or on the other side, have no "
        "connection (assumption).",
    )

    @field_validator("painful_area")
    @classmethod
    def _known_dermatomes(cls, v: list[str]) -> list[str]:
        for k, name in enumerate(v):
            try:
                check_segment(name, key=f"painful_area.{k}")
            except ConfigError as exc:
                raise ValueError(exc.detail) from None
        if len(set(v)) != len(v):
            raise ValueError(f"dermatomes listed twice: {v}")
        return v

    def circuit_kwargs(self) -> dict[str, float | None]:
        """The disinhibition settings as keyword arguments of the spiking
        :func:`scs_sim.dorsal_horn.spiking.run` (and of every entry of ``dorsal_horn.backends.BACKENDS``)."""
        return {"gaba_scale": self.gaba_scale, "glycine_scale": self.glycine_scale, "e_cl_mv": self.e_cl_mv}


@dataclass(frozen=True)
class SpikeTrain:
    """Aligned arrays: spike times (s, sorted ascending) and fibre index within the population."""

    times_s: np.ndarray
    index: np.ndarray

    def __len__(self) -> int:
        return int(self.times_s.shape[0])


@dataclass(frozen=True)
class AfferentSpikes:
    """Spike trains of the four afferent populations (``abeta``, ``adelta``, ``c``, ``dc``).

    Each field is a :class:`SpikeTrain` whose ``index`` addresses fibres within that population.
    """

    abeta: SpikeTrain
    adelta: SpikeTrain
    c: SpikeTrain
    dc: SpikeTrain

    def __getitem__(self, pop: str) -> SpikeTrain:
        if pop not in AFFERENT_POPULATIONS:
            raise KeyError(pop)
        return getattr(self, pop)


def receptive_field_roles(fibers: FiberPopulation, pain: PainState) -> np.ndarray:
    """Role of every fibre of ``fibers`` (DC then DR) for the WDR pool whose receptive field is ``pain.painful_area``.

    A fibre's dermatome (:meth:`FiberPopulation.dermatomes`: DC by lamination, DR its entry segment) and
    side (sign of ``x_mm``; ``x = 0`` counts for both sides) decide: on the painful side(s), a dermatome in
    the painful area is :data:`ROLE_INFIELD`; one within ``surround_dermatomes`` dermatomes of the nearest
    painful dermatome is :data:`ROLE_SURROUND`; everything else is :data:`ROLE_NONE` (no connection).

    Returns an int8 array (n_fibres,).
    """
    derm = fibers.dermatomes()
    area = np.array([check_segment(d, key="pain.painful_area") for d in pain.painful_area], dtype=np.int64)
    dist = np.abs(derm[:, None] - area[None, :]).min(axis=1)
    x = fibers.x_mm
    side = {"both": np.ones(x.size, bool), "left": x <= 0.0, "right": x >= 0.0}[pain.pain_side]
    roles = np.full(x.size, ROLE_NONE, dtype=np.int8)
    roles[side & (dist == 0)] = ROLE_INFIELD
    roles[side & (dist > 0) & (dist <= pain.surround_dermatomes)] = ROLE_SURROUND
    return roles


def _empty() -> SpikeTrain:
    return SpikeTrain(np.zeros(0, dtype=np.float64), np.zeros(0, dtype=np.int64))


def make_train(times_s: np.ndarray, index: np.ndarray) -> SpikeTrain:
    """Return a :class:`SpikeTrain` of the given spikes, sorted by time (stable), as float64/int64."""
    t = np.asarray(times_s, dtype=np.float64).ravel()
    i = np.asarray(index, dtype=np.int64).ravel()
    if t.shape != i.shape:
        raise ConfigError(f"spike times and indices must have the same length (got {t.size} and {i.size})")
    order = np.argsort(t, kind="stable")
    return SpikeTrain(t[order], i[order])


def empty_spikes() -> AfferentSpikes:
    """Afferent spikes with no spikes at all."""
    return AfferentSpikes(_empty(), _empty(), _empty(), _empty())


def merge_dc(spikes: AfferentSpikes, times_s: np.ndarray, index: np.ndarray) -> AfferentSpikes:
    """Return ``spikes`` with extra ``dc`` spikes (e.g. SCS-recruited DC fibres) merged in, sorted.

    Parameters
    ----------
    spikes : AfferentSpikes
        Existing trains (the ``dc`` train may already hold spikes).
    times_s : array of float
        Extra spike times (s).
    index : array of int
        dc source index of each extra spike (0 .. n_dc-1).
    """
    old = spikes.dc
    t = np.concatenate([old.times_s, np.asarray(times_s, dtype=np.float64).ravel()])
    i = np.concatenate([old.index, np.asarray(index, dtype=np.int64).ravel()])
    return AfferentSpikes(spikes.abeta, spikes.adelta, spikes.c, make_train(t, i))


def merge_dr(spikes: AfferentSpikes, recruitment) -> AfferentSpikes:
    """Return ``spikes`` with the recruited dorsal-root spikes merged in as segmental afferent input.

    DR fibres enter the cord at the lead's segment; in the circuit each DR fibre is one more ``dc``
    source after the DC ones, at its fibre index (DC fibres first, then DR: source ``n_dc_fibres + k``
    for DR fibre ``k``), so the network must be built with ``n_dc = n_fibres`` and the roles of
    :func:`receptive_field_roles`: an in-field DR fibre drives the WDR pool like local Aβ, a surround
    one the surround IN, others nothing. (``merge_dc`` adds the DC fibres' spikes.)

    Parameters
    ----------
    spikes : AfferentSpikes
    recruitment : scs_sim.fibers.recruitment.Recruitment
        Reads ``spike_times_s``, ``fiber_ptr`` (CSR by fibre) and ``is_dr``.
    """
    is_dr = np.asarray(recruitment.is_dr, dtype=bool)
    ptr = np.asarray(recruitment.fiber_ptr, dtype=np.int64)
    dr = np.nonzero(is_dr)[0]
    if dr.size and not np.all(dr == np.arange(is_dr.size - dr.size, is_dr.size)):
        raise ConfigError("DR fibres must come after the DC fibres (FiberPopulation order)")
    counts = np.diff(ptr)[dr]
    idx = np.repeat(dr.astype(np.int64), counts)
    t = np.concatenate([recruitment.spike_times_s[ptr[f]:ptr[f + 1]] for f in dr]) if dr.size else np.zeros(0)
    return merge_dc(spikes, t, idx)


def poisson_train(
    n: int, rate_hz: float, start_s: float, stop_s: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Homogeneous Poisson spikes of ``n`` fibres in [start_s, stop_s), drawn as exponential intervals.

    Returns unsorted aligned arrays (times, fibre index).
    """
    span = stop_s - start_s
    if n == 0 or rate_hz == 0 or span <= 0:
        return np.zeros(0), np.zeros(0, dtype=np.int64)
    mean_count = rate_hz * span
    k = int(mean_count + 6.0 * np.sqrt(mean_count) + 10)
    times = start_s + np.cumsum(rng.exponential(1.0 / rate_hz, size=(n, k)), axis=1)
    # extend the (rare) rows that have not reached stop_s yet
    while True:
        short = times[:, -1] < stop_s
        if not short.any():
            break
        more = times[:, -1:] + np.cumsum(rng.exponential(1.0 / rate_hz, size=(n, k)), axis=1)
        times = np.concatenate([times, more], axis=1)
    keep = times < stop_s
    idx = np.broadcast_to(np.arange(n, dtype=np.int64)[:, None], times.shape)
    return times[keep], idx[keep]


def _check_rates(pain: PainState) -> None:
    """Re-check rates (a model_copy(update=...) bypasses pydantic validation)."""
    items = [(f"{p}_rate_hz", getattr(pain, f"{p}_rate_hz")) for p in NATURAL_POPULATIONS]
    for k, ep in enumerate(pain.noxious):
        items += [(f"noxious[{k}].{p}_rate_hz", getattr(ep, f"{p}_rate_hz")) for p in NATURAL_POPULATIONS]
    for key, v in items:
        if not (isinstance(v, int | float) and np.isfinite(v) and v >= 0):
            raise ConfigError(f"rate must be finite and >= 0 Hz (got {v!r})", key=f"pain.{key}")


def afferent_spikes(
    pain: PainState, sizes: Mapping[str, int], duration_s: float, rng: np.random.Generator
) -> AfferentSpikes:
    """Draw the natural afferent spike trains of a pain state (one :func:`afferent_window` of the run).

    Parameters
    ----------
    pain : PainState
        Ongoing rates, noxious epochs, volleys.
    sizes : mapping
        Number of fibres per population: keys ``abeta``, ``adelta``, ``c`` (``dc`` optional; it
        receives no natural drive).
    duration_s : float
        Length of the trains (s), > 0.
    rng : numpy.random.Generator
        The only source of randomness. Draw order is fixed (populations in order, then epochs,
        volleys, conditioning volleys), so the same generator state gives the same trains.

    Returns
    -------
    AfferentSpikes

    Examples
    --------
    >>> import numpy as np
    >>> sp = afferent_spikes(PainState(), {"abeta": 15, "adelta": 15, "c": 30, "dc": 15}, 1.0,
    ...                      np.random.default_rng(1))
    >>> len(sp.dc)
    0
    """
    return afferent_window(pain, sizes, 0.0, duration_s, duration_s, rng)


def afferent_window(pain: PainState, sizes: Mapping[str, int], t0_s: float, t1_s: float, duration_s: float,
                    rng: np.random.Generator) -> AfferentSpikes:
    """The natural afferent spikes of the window ``[t0_s, t1_s)`` of a run of ``duration_s``.

    Calling it for consecutive windows from ``0`` to ``duration_s`` with one generator draws a run
    window by window (memory bounded by the window; with one window it is :func:`afferent_spikes`).
    Per window, in this order: the ongoing Poisson trains and the noxious epochs clipped to the window,
    then the latencies of the electrical and conditioning volleys whose onsets fall in the window (the
    first window takes earlier onsets, the last one later onsets). A volley's spikes may land after
    ``t1_s``; every spike is in ``[0, duration_s)``. Arguments as :func:`afferent_spikes`.
    """
    if not (np.isfinite(duration_s) and duration_s > 0):
        raise ConfigError(f"duration_s must be finite and > 0 (got {duration_s!r})")
    if not (0 <= t0_s < t1_s <= duration_s):
        raise ConfigError(f"window [{t0_s!r}, {t1_s!r}) must lie within [0, duration_s = {duration_s!r}]")
    _check_rates(pain)
    n = _sizes(sizes)
    parts_t: dict[str, list[np.ndarray]] = {p: [] for p in NATURAL_POPULATIONS}
    parts_i: dict[str, list[np.ndarray]] = {p: [] for p in NATURAL_POPULATIONS}

    def add(pop: str, t: np.ndarray, i: np.ndarray) -> None:
        parts_t[pop].append(t)
        parts_i[pop].append(i)

    def in_window(onsets: np.ndarray) -> np.ndarray:
        lo = -np.inf if t0_s == 0 else t0_s
        hi = np.inf if t1_s >= duration_s else t1_s
        return onsets[(onsets >= lo) & (onsets < hi)]

    for pop in NATURAL_POPULATIONS:
        add(pop, *poisson_train(n[pop], getattr(pain, f"{pop}_rate_hz"), t0_s, t1_s, rng))
    for ep in pain.noxious:
        for pop in NATURAL_POPULATIONS:
            add(pop, *poisson_train(n[pop], getattr(ep, f"{pop}_rate_hz"), max(ep.start_s, t0_s),
                                    min(ep.stop_s, duration_s, t1_s), rng))
    if pain.volleys is not None:
        v = pain.volleys
        onsets = in_window(v.start_s + v.interval_s * np.arange(v.count))
        for pop in NATURAL_POPULATIONS:
            lo, hi = getattr(v, f"{pop}_latency_ms")
            lat = rng.uniform(lo, hi, size=(onsets.size, n[pop])) * 1e-3
            t = (onsets[:, None] + lat).ravel()
            i = np.broadcast_to(np.arange(n[pop], dtype=np.int64), lat.shape).ravel()
            add(pop, t, i)
    if pain.conditioning_abeta_s:
        lo, hi = ElectricalVolleys().abeta_latency_ms if pain.volleys is None else pain.volleys.abeta_latency_ms
        onsets = in_window(np.asarray(pain.conditioning_abeta_s, dtype=np.float64))
        lat = rng.uniform(lo, hi, size=(onsets.size, n["abeta"])) * 1e-3
        add("abeta", (onsets[:, None] + lat).ravel(),
            np.broadcast_to(np.arange(n["abeta"], dtype=np.int64), lat.shape).ravel())

    trains = {}
    for pop in NATURAL_POPULATIONS:
        t = np.concatenate(parts_t[pop])
        i = np.concatenate(parts_i[pop])
        keep = (t >= 0) & (t < duration_s)
        trains[pop] = make_train(t[keep], i[keep])
    return AfferentSpikes(trains["abeta"], trains["adelta"], trains["c"], _empty())


def _sizes(sizes: Mapping[str, int]) -> dict[str, int]:
    n = {}
    for pop in NATURAL_POPULATIONS:
        if pop not in sizes:
            raise ConfigError(f"sizes must give the number of '{pop}' fibres (got keys {sorted(sizes)})")
        v = sizes[pop]
        if int(v) != v or v < 0:
            raise ConfigError(f"sizes['{pop}'] must be an integer >= 0 (got {v!r})")
        n[pop] = int(v)
    for key in sizes:
        if key not in AFFERENT_POPULATIONS:
            raise ConfigError(f"unknown afferent population '{key}'; allowed: {', '.join(AFFERENT_POPULATIONS)}")
    return n
