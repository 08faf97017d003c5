"""Which fibre fires at which pulse: the event-driven excitation model (v1) and its outputs.

This module owns :class:`ExcitationParams` and :class:`PerceptionParams` (parameter models),
:func:`recruit` (pulse train + fibre population + ``numpy.random.Generator`` -> :class:`Recruitment`),
its private numba kernel ``_recruit_kernel``, and :func:`threshold` (perception / discomfort
amplitude by bisection with common random numbers). Equations, defaults, sources and the calibration
are in ``docs/MODEL.md`` §2.

Model (per fibre, dimensionless state ``v``, threshold 1 at rest)::

    tau dv/dt = -v + u(t),   u = -I(t) * c_f / af_rheobase_mv        (cathodic I < 0 depolarises)
    theta = theta0_f * (1 + a) * (1 + r) * (1 - fac_max * w / (1 + w)) * (1 + noise_sd * xi)

``c_f`` is the fibre's coupling (peak activating function, mV/mA) to the phase's channel, ``a`` a
slow spike-triggered accommodation, ``r`` the relative-refractory elevation (decaying), ``w`` a
phenomenological facilitation fed by sub-threshold depolarisation (temporal summation at kHz rates,
Rogers 2024), ``xi`` a standard normal drawn per pulse and fibre (Gilbert 2022). Within a phase
``u`` is constant, so ``v`` is an exact exponential and the crossing time is solved in closed form;
``theta`` is evaluated at the start of each phase (and after a spike or the end of the absolute
refractory period inside a phase). A spike resets ``v`` to 0 and starts the absolute refractory
period. Cost is O(phases x fibres); state carries across ``train.chunks`` windows, so memory is
bounded by the chunk size and the spike cap, not by the duration.

A biophysical fibre model can replace this one behind the same :func:`recruit` signature.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from pydantic import Field

from scs_sim._jit import njit
from scs_sim._params import Params
from scs_sim.errors import ConfigError
from scs_sim.fibers.anatomy import FiberPopulation

__all__ = [
    "ExcitationParams",
    "PerceptionParams",
    "Recruitment",
    "fit_strength_duration",
    "recruit",
    "strength_duration",
    "threshold",
]

_ASSUMPTION = "scs_sim assumption"
_CAL = "calibrated (docs/MODEL.md §2)"

#: Amplitude ceiling of threshold searches, mA (above the 0.5-10 mA clinical range, clinical.md §1).
CEILING_MA = 25.0
#: Bisection stops when the bracket is narrower than max(ABS_TOL_MA, REL_TOL * upper bound).
REL_TOL = 0.005
ABS_TOL_MA = 0.005
#: Fibre-pulse pairs per chunk (bounds the noise array: 2e6 doubles = 16 MB).
CHUNK_FIBER_PULSES = 2_000_000

# Indices into the kernel's parameter vector.
_P_TAU, _P_TABS, _P_RR0, _P_TAU_RR, _P_A_INC, _P_TAU_A, _P_F_GAIN, _P_TAU_F, _P_F_MAX, _P_SD, \
    _P_SYNC, _P_BLOCK_ON, _P_BLOCK_DT, _P_BLOCK_U, _P_A_GAIN, _P_A_KHZ = range(16)
_N_PARAMS = 16


class ExcitationParams(Params):
    """Parameters of the v1 excitation model (leaky integrator with refractoriness and noise)."""

    tau_ms: float = Field(
        0.43, gt=0, le=20.0,
        description="Membrane (integrator) time constant, ms; chronaxie = tau ln 2. " + _CAL
        + " to the patient-level chronaxie of Hershey et al. 2010 (295 µs, science.md §5.2).",
    )
    af_rheobase_mv: float = Field(
        3.08, gt=0, le=1000.0,
        description="Peak activating function (mV) at rheobase for threshold factor 1; a lumped constant "
        "absorbing the layered-medium effects the homogeneous conductor leaves out. " + _CAL
        + " to the rheobase of Hershey et al. 2010 (2.5 mA).",
    )
    noise_sd: float = Field(
        0.03, ge=0, le=0.5,
        description="Relative threshold noise per pulse and fibre (a few %, Gilbert et al. 2022, science.md §2).",
    )
    abs_refractory_ms: float = Field(
        0.7, gt=0, le=10.0,
        description=f"Absolute refractory period, ms ({_ASSUMPTION}: typical of large myelinated axons at 37 °C).",
    )
    rel_refractory_amp: float = Field(
        1.0, ge=0, le=20.0,
        description=f"Threshold elevation at the end of the absolute refractory period (x rest) ({_ASSUMPTION}).",
    )
    rel_refractory_tau_ms: float = Field(
        1.5, gt=0, le=50.0, description=f"Decay time constant of the relative refractoriness, ms ({_ASSUMPTION})."
    )
    accommodation_spike_inc: float = Field(
        0.0, ge=0, le=2.0,
        description=f"Optional slow threshold increase per spike at any rate; off by default ({_ASSUMPTION}).",
    )
    accommodation_khz_inc: float = Field(
        0.02, ge=0, le=2.0,
        description="Extra accommodation per spike, scaled by the facilitation saturation w / (1 + w), so it acts "
        "only while pulses arrive faster than the facilitation decays (kHz drive). It pulls kHz-driven fibres "
        "down to the edge of threshold, where the per-pulse noise makes them fire irregularly and far below "
        f"the pulse rate (Crosby 2017, Sagalajev 2024, science.md §3.3/3.6). Phenomenological ({_ASSUMPTION}).",
    )
    accommodation_gain: float = Field(
        0.0, ge=0, le=1.0,
        description="Optional threshold increase per depolarising phase per unit end-of-phase state "
        f"(depolarisation-driven accommodation, e.g. slow Na inactivation); off by default ({_ASSUMPTION}).",
    )
    accommodation_tau_ms: float = Field(
        1000.0, gt=0, le=10_000.0, description=f"Accommodation decay time constant, ms ({_ASSUMPTION})."
    )
    facilitation_gain: float = Field(
        0.3, ge=0, le=10.0,
        description="Facilitation increment per depolarising phase per unit end-of-phase state (temporal "
        f"summation at high rates, Rogers et al. 2024, science.md §3.4; phenomenological, {_ASSUMPTION}).",
    )
    facilitation_tau_ms: float = Field(
        2.0, gt=0, le=1000.0, description=f"Facilitation decay time constant, ms ({_ASSUMPTION})."
    )
    facilitation_max: float = Field(
        0.5, ge=0, lt=1.0, description=f"Largest fractional threshold reduction by facilitation ({_ASSUMPTION})."
    )
    block: bool = Field(
        False,
        description="PHENOMENOLOGICAL conduction block (off by default): a fibre cannot fire on a depolarising "
        "phase that follows the previous one on its channel within 1/block_rate_hz when its drive exceeds "
        "block_drive_factor x its threshold (Lempka 2015: block only at high amplitude / thin CSF).",
    )
    block_rate_hz: float = Field(4000.0, gt=0, description="Pulse rate at and above which block can occur, Hz.")
    block_drive_factor: float = Field(
        3.0, gt=0, description="Drive (x the fibre's threshold factor) at and above which a kHz phase blocks."
    )


class PerceptionParams(Params):
    """Criteria turning DC/DR spiking into perception (paresthesia) and discomfort estimates."""

    sync_window_ms: float = Field(
        2.0, gt=0, le=50.0,
        description="A DC spike belongs to its pulse's volley when it falls within this time of the pulse onset.",
    )
    perception_count: int = Field(
        3, ge=1,
        description="Paresthesia needs at least this many modelled DC fibres in one pulse's volley "
        f"(DESIGN §3: synchronous recruitment of a few fibres; {_ASSUMPTION} for the number).",
    )
    perception_fraction: float = Field(
        0.5, gt=0, le=1.0,
        description="... on at least this fraction of the pulses of one channel (50 % point of a psychometric "
        "threshold; judged per channel so multiplexed components are not diluted).",
    )
    discomfort_dr_count: int = Field(
        2, ge=1, description="Discomfort when at least this many DR fibres are driven (DESIGN §3)."
    )
    discomfort_dc_fraction: float = Field(
        0.25, gt=0, le=1.0,
        description=f"... or when at least this fraction of the modelled DC fibres is driven ({_ASSUMPTION}).",
    )
    driven_pulse_fraction: float = Field(
        0.5, gt=0, le=1.0, description="A fibre is driven when it fires on at least this fraction of pulses ..."
    )
    driven_rate_hz: float = Field(20.0, gt=0, description="... or at least at this mean rate, Hz.")
    max_pulse_counts: int = Field(
        10_000, ge=0, description="Per-pulse DC volley counts are stored for at most this many pulses."
    )


def _param_vector(p: ExcitationParams, perception: PerceptionParams) -> np.ndarray:
    v = np.zeros(_N_PARAMS)
    v[_P_TAU] = p.tau_ms * 1e-3
    v[_P_TABS] = p.abs_refractory_ms * 1e-3
    # r is stored so that it equals rel_refractory_amp when the absolute refractory period ends.
    v[_P_RR0] = p.rel_refractory_amp * math.exp(p.abs_refractory_ms / p.rel_refractory_tau_ms)
    v[_P_TAU_RR] = p.rel_refractory_tau_ms * 1e-3
    v[_P_A_INC] = p.accommodation_spike_inc
    v[_P_A_GAIN] = p.accommodation_gain
    v[_P_A_KHZ] = p.accommodation_khz_inc
    v[_P_TAU_A] = p.accommodation_tau_ms * 1e-3
    v[_P_F_GAIN] = p.facilitation_gain
    v[_P_TAU_F] = p.facilitation_tau_ms * 1e-3
    v[_P_F_MAX] = p.facilitation_max
    v[_P_SD] = p.noise_sd
    v[_P_SYNC] = perception.sync_window_ms * 1e-3
    v[_P_BLOCK_ON] = 1.0 if p.block else 0.0
    v[_P_BLOCK_DT] = 1.0 / p.block_rate_hz
    v[_P_BLOCK_U] = p.block_drive_factor
    return v


@njit
def _recruit_kernel(start, width, current, channel, plocal, onset, noise, coup, theta0, is_dc, prm,
                    v_s, a_s, w_s, r_s, ref_end, last_counted, prev_dep, t_now,
                    out_t, out_f, n_stored, spike_count, dc_pulse_count):
    """Advance every fibre through the phases of one chunk (all arrays; state updated in place).

    Returns the number of spikes in the chunk (stored or not; ``n_stored[0]`` counts stored ones).
    """
    tau = prm[_P_TAU]
    t_abs = prm[_P_TABS]
    rr0 = prm[_P_RR0]
    tau_rr = prm[_P_TAU_RR]
    a_inc = prm[_P_A_INC]
    a_gain = prm[_P_A_GAIN]
    a_khz = prm[_P_A_KHZ]
    tau_a = prm[_P_TAU_A]
    f_gain = prm[_P_F_GAIN]
    tau_f = prm[_P_TAU_F]
    f_max = prm[_P_F_MAX]
    sd = prm[_P_SD]
    sync = prm[_P_SYNC]
    block_on = prm[_P_BLOCK_ON] > 0.5
    block_dt = prm[_P_BLOCK_DT]
    block_u = prm[_P_BLOCK_U]
    n_fib = theta0.shape[0]
    cap = out_t.shape[0]
    n_new = 0
    for i in range(start.shape[0]):
        t0 = start[i]
        wd = width[i]
        t1 = t0 + wd
        gap = t0 - t_now[0]
        if gap < 0.0:
            gap = 0.0
        gv = math.exp(-gap / tau)
        ga = math.exp(-gap / tau_a)
        gw = math.exp(-gap / tau_f)
        gr = math.exp(-gap / tau_rr)
        pv = math.exp(-wd / tau)
        pa = math.exp(-wd / tau_a)
        pw = math.exp(-wd / tau_f)
        pr = math.exp(-wd / tau_rr)
        cur = current[i]
        ch = channel[i]
        p = plocal[i]
        depol = cur < 0.0
        blocking = False
        if depol:
            if block_on and t0 - prev_dep[ch] <= block_dt:
                blocking = True
            prev_dep[ch] = t0
        for f in range(n_fib):
            v = v_s[f] * gv
            a = a_s[f] * ga
            w = w_s[f] * gw
            r = r_s[f] * gr
            u = -cur * coup[ch, f]
            th0 = theta0[f]
            if (not depol) or u <= 0.0 or ref_end[f] >= t1 or (blocking and u >= block_u * th0):
                v = u + (v - u) * pv
                a *= pa
                w *= pw
                r *= pr
            else:
                tt = t0
                whole = True
                if ref_end[f] > t0:
                    dt = ref_end[f] - t0
                    v = u + (v - u) * math.exp(-dt / tau)
                    a *= math.exp(-dt / tau_a)
                    w *= math.exp(-dt / tau_f)
                    r *= math.exp(-dt / tau_rr)
                    tt = ref_end[f]
                    whole = False
                while True:
                    theta = th0 * (1.0 + a) * (1.0 + r) * (1.0 - f_max * w / (1.0 + w)) * (1.0 + sd * noise[p, f])
                    rem = t1 - tt
                    if whole:
                        ev = pv
                    else:
                        ev = math.exp(-rem / tau)
                    v_end = u + (v - u) * ev
                    if v_end < theta or u <= theta:
                        v = v_end
                        if whole:
                            a *= pa
                            w *= pw
                            r *= pr
                        else:
                            a *= math.exp(-rem / tau_a)
                            w *= math.exp(-rem / tau_f)
                            r *= math.exp(-rem / tau_rr)
                        break
                    if v >= theta:
                        ts = tt
                    else:
                        ts = tt + tau * math.log((u - v) / (u - theta))
                        if ts > t1:
                            ts = t1
                    # --- spike at ts ---
                    if n_stored[0] < cap:
                        out_t[n_stored[0]] = ts
                        out_f[n_stored[0]] = f
                        n_stored[0] += 1
                    n_new += 1
                    spike_count[f] += 1
                    if is_dc[f] and last_counted[f] != p and ts - onset[p] < sync:
                        dc_pulse_count[p] += 1
                        last_counted[f] = p
                    dts = ts - tt
                    w *= math.exp(-dts / tau_f)
                    a = a * math.exp(-dts / tau_a) + a_inc + a_khz * (w / (1.0 + w))
                    r = rr0
                    v = 0.0
                    ref_end[f] = ts + t_abs
                    whole = False
                    if ref_end[f] >= t1:
                        dt = t1 - ts
                        v = u - u * math.exp(-dt / tau)
                        a *= math.exp(-dt / tau_a)
                        w *= math.exp(-dt / tau_f)
                        r *= math.exp(-dt / tau_rr)
                        break
                    dt = t_abs
                    v = u - u * math.exp(-dt / tau)
                    a *= math.exp(-dt / tau_a)
                    w *= math.exp(-dt / tau_f)
                    r *= math.exp(-dt / tau_rr)
                    tt = ref_end[f]
            if depol and v > 0.0:
                w += f_gain * v / th0
                a += a_gain * v / th0
            v_s[f] = v
            a_s[f] = a
            w_s[f] = w
            r_s[f] = r
        t_now[0] = t1
    return n_new


@dataclass(frozen=True)
class Recruitment:
    """Spikes of every fibre and the population summaries of one :func:`recruit` run.

    Attributes
    ----------
    spike_times_s : float array
        Spike times, grouped by fibre (CSR with ``fiber_ptr``) and sorted within each fibre.
    fiber_ptr : int array (n_fibres + 1,)
        Fibre ``f``'s spikes are ``spike_times_s[fiber_ptr[f]:fiber_ptr[f + 1]]``.
    spike_count : int array (n_fibres,)
        Spikes per fibre (exact even when the stored spikes were capped).
    truncated : bool
        True when more than ``max_spikes`` spikes occurred (only the first were stored).
    is_dr : bool array (n_fibres,)
    duration_s : float
    n_pulses : int
        Pulses delivered in ``[0, duration_s)``.
    pulse_dc_count : int array
        DC volley size (distinct DC fibres firing within the sync window) of the first pulses
        (at most ``PerceptionParams.max_pulse_counts``).
    dc_count_hist : int array (n_dc + 1,)
        Number of pulses with a DC volley of each size 0..n_dc (all pulses).
    channel_pulses, channel_volleys : int arrays (n_channels,)
        Pulses per channel of the train, and how many of them carried a perception-sized DC volley
        (paresthesia is judged per channel, so a multiplexed program's 50 Hz component is not diluted
        by its kHz component's pulses).
    """

    spike_times_s: np.ndarray
    fiber_ptr: np.ndarray
    spike_count: np.ndarray
    truncated: bool
    is_dr: np.ndarray
    duration_s: float
    n_pulses: int
    pulse_dc_count: np.ndarray
    dc_count_hist: np.ndarray
    channel_pulses: np.ndarray
    channel_volleys: np.ndarray
    perception: PerceptionParams = field(default_factory=PerceptionParams)

    # -- per-fibre views -----------------------------------------------------------------------
    def spikes(self, fiber: int) -> np.ndarray:
        """Spike times (s) of one fibre."""
        return self.spike_times_s[self.fiber_ptr[fiber]:self.fiber_ptr[fiber + 1]]

    def dc_spikes(self) -> tuple[np.ndarray, np.ndarray]:
        """DC spikes as aligned (times s, DC fibre index), sorted by time, for the circuit (``merge_dc``)."""
        n_dc = int(np.count_nonzero(~self.is_dr))
        counts = np.diff(self.fiber_ptr[: n_dc + 1])
        idx = np.repeat(np.arange(n_dc, dtype=np.int64), counts)
        t = self.spike_times_s[: self.fiber_ptr[n_dc]]
        order = np.argsort(t, kind="stable")
        return t[order], idx[order]

    @property
    def recruited(self) -> np.ndarray:
        """Fibres that fired at least once."""
        return self.spike_count > 0

    @property
    def driven(self) -> np.ndarray:
        """Fibres firing on at least ``driven_pulse_fraction`` of pulses or at ``driven_rate_hz``."""
        p = self.perception
        by_pulse = self.spike_count >= p.driven_pulse_fraction * max(self.n_pulses, 1)
        by_rate = self.spike_count >= p.driven_rate_hz * self.duration_s
        return (self.spike_count > 0) & (by_pulse | by_rate)

    # -- population summaries ------------------------------------------------------------------
    def summary(self) -> dict:
        """Recruitment figures (the ``scs-sim recruit`` JSON keys and more)."""
        p = self.perception
        dc = ~self.is_dr
        n_dc = int(dc.sum())
        rec = self.recruited
        rec_dc = int(np.count_nonzero(rec & dc))
        rec_dr = int(np.count_nonzero(rec & self.is_dr))
        dc_spikes = int(self.spike_count[dc].sum())
        dr_spikes = int(self.spike_count[self.is_dr].sum())
        dur = self.duration_s
        sizes = np.arange(self.dc_count_hist.size)
        s1 = float((self.dc_count_hist * sizes).sum())
        s2 = float((self.dc_count_hist * sizes**2).sum())
        # Volley coherence: the mean volley size a DC spike belongs to (sum n^2 / sum n over pulses),
        # divided by the effective number of active DC fibres (participation ratio of the spike counts,
        # so a fibre with one stray spike hardly counts). 1 = the active fibres fire on the same pulses
        # (50 Hz above threshold); ~1/N when N fibres fire on different pulses (kHz desynchronisation).
        c = self.spike_count[dc].astype(float)
        n_eff = float(c.sum() ** 2 / (c**2).sum()) if c.sum() > 0 else 0.0
        synchrony = float(min(1.0, s2 / (s1 * n_eff))) if s1 > 0 else 0.0
        with np.errstate(invalid="ignore", divide="ignore"):
            per_channel = np.where(self.channel_pulses > 0, self.channel_volleys / self.channel_pulses, 0.0)
        volley_fraction = float(per_channel.max()) if per_channel.size else 0.0
        driven = self.driven
        driven_dc = int(np.count_nonzero(driven & dc))
        driven_dr = int(np.count_nonzero(driven & self.is_dr))
        discomfort = driven_dr >= p.discomfort_dr_count or driven_dc >= p.discomfort_dc_fraction * n_dc
        return {
            "recruited_dc_fibers": rec_dc,
            "recruited_dr_fibers": rec_dr,
            "driven_dc_fibers": driven_dc,
            "driven_dr_fibers": driven_dr,
            "dc_spike_rate_hz": dc_spikes / (rec_dc * dur) if rec_dc and dur > 0 else 0.0,
            "dc_population_rate_hz": dc_spikes / (n_dc * dur) if n_dc and dur > 0 else 0.0,
            "dr_spike_rate_hz": dr_spikes / (rec_dr * dur) if rec_dr and dur > 0 else 0.0,
            "synchrony": synchrony,
            "active_dc_fibers_eff": n_eff,
            "volley_fraction": volley_fraction,
            "mean_dc_volley": s1 / self.n_pulses if self.n_pulses else 0.0,
            "paresthesia": bool(self.n_pulses > 0 and volley_fraction >= p.perception_fraction),
            "discomfort": bool(discomfort),
            "n_pulses": self.n_pulses,
            "n_spikes": int(self.spike_count.sum()),
            "truncated": self.truncated,
            "duration_s": dur,
        }


def _channel_couplings(train, fibers: FiberPopulation, params: ExcitationParams) -> np.ndarray:
    rows = []
    for i, ch in enumerate(train.channels):
        key = "program" if len(train.channels) == 1 else f"program.components.{i}"
        rows.append(fibers.channel_coupling(ch.cathodes, ch.anodes, key=key))
    return np.ascontiguousarray(np.array(rows) / params.af_rheobase_mv)


def recruit(train, fibers: FiberPopulation, rng: np.random.Generator, duration_s: float, *,
            params: ExcitationParams | None = None, perception: PerceptionParams | None = None,
            max_spikes: int = 2_000_000) -> Recruitment:
    """Run the excitation model over ``[0, duration_s)`` of a pulse train.

    Parameters
    ----------
    train : scs_sim.programs.PulseTrain
        From :func:`scs_sim.programs.pulse_train`; streamed with ``train.chunks`` (bounded memory).
    fibers : FiberPopulation
        From :func:`scs_sim.fibers.build_fibers`.
    rng : numpy.random.Generator
        Source of the threshold noise (one standard normal per pulse and fibre, drawn chunk by chunk).
    duration_s : float
        Simulated time, s (pulses with onsets in ``[0, duration_s)``).
    params : ExcitationParams, optional
    perception : PerceptionParams, optional
    max_spikes : int
        Spike times stored at most (counts stay exact; ``Recruitment.truncated`` tells).

    Example
    -------
    >>> from scs_sim.stim.programs import pulse_train, tonic
    >>> from scs_sim.fibers import Anatomy, build_fibers
    >>> pop = build_fibers(Anatomy(), np.random.default_rng(1))
    >>> r = recruit(pulse_train(tonic(amplitude_ma=10.0)), pop, np.random.default_rng(2), 0.2)
    >>> r.summary()["paresthesia"]
    True
    """
    params = params or ExcitationParams()
    perception = perception or PerceptionParams()
    if not isinstance(rng, np.random.Generator):
        raise ConfigError(f"rng must be a numpy.random.Generator (got {type(rng).__name__})", key="rng")
    if not (isinstance(duration_s, int | float) and math.isfinite(duration_s) and duration_s > 0):
        raise ConfigError(f"must be finite and > 0 (got {duration_s!r})", key="duration_s")
    if int(max_spikes) < 0:
        raise ConfigError(f"must be >= 0 (got {max_spikes!r})", key="max_spikes")
    n = fibers.n
    coup = _channel_couplings(train, fibers, params)
    theta0 = np.ascontiguousarray(fibers.threshold_factor, dtype=np.float64)
    is_dc = np.ascontiguousarray(~fibers.is_dr)
    n_dc = int(is_dc.sum())
    prm = _param_vector(params, perception)
    v_s, a_s, w_s, r_s = (np.zeros(n) for _ in range(4))
    ref_end = np.full(n, -np.inf)
    last_counted = np.full(n, -1, dtype=np.int64)
    prev_dep = np.full(len(train.channels), -np.inf)
    t_now = np.zeros(1)
    out_t = np.empty(int(max_spikes))
    out_f = np.empty(int(max_spikes), dtype=np.int64)
    n_stored = np.zeros(1, dtype=np.int64)
    spike_count = np.zeros(n, dtype=np.int64)
    hist = np.zeros(n_dc + 1, dtype=np.int64)
    n_ch = len(train.channels)
    channel_pulses = np.zeros(n_ch, dtype=np.int64)
    channel_volleys = np.zeros(n_ch, dtype=np.int64)
    stored_counts: list[np.ndarray] = []
    n_kept = 0
    n_pulses = 0
    max_pulses = max(1, CHUNK_FIBER_PULSES // max(n, 1))
    for ch in train.chunks(0.0, float(duration_s), max_pulses=max_pulses):
        npc = ch.n_pulses
        if npc == 0:
            continue
        noise = rng.standard_normal((npc, n))
        dc_pulse_count = np.zeros(npc, dtype=np.int64)
        _recruit_kernel(ch.start_s, ch.width_s, ch.current_ma, ch.channel.astype(np.int64),
                        ch.pulse - ch.first_pulse, ch.onset_s, noise, coup, theta0, is_dc, prm,
                        v_s, a_s, w_s, r_s, ref_end, last_counted, prev_dep, t_now,
                        out_t, out_f, n_stored, spike_count, dc_pulse_count)
        last_counted -= npc  # local pulse indices restart at 0 in the next chunk
        hist += np.bincount(dc_pulse_count, minlength=n_dc + 1)[: n_dc + 1]
        pulse_channel = np.zeros(npc, dtype=np.int64)
        pulse_channel[ch.pulse - ch.first_pulse] = ch.channel
        channel_pulses += np.bincount(pulse_channel, minlength=n_ch)
        volley = dc_pulse_count >= perception.perception_count
        channel_volleys += np.bincount(pulse_channel[volley], minlength=n_ch)
        if n_kept < perception.max_pulse_counts:
            take = dc_pulse_count[: perception.max_pulse_counts - n_kept]
            stored_counts.append(take.astype(np.int32))
            n_kept += take.size
        n_pulses += npc
    ns = int(n_stored[0])
    t, f = out_t[:ns], out_f[:ns]
    order = np.lexsort((t, f))
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(f, minlength=n), out=ptr[1:])
    return Recruitment(
        spike_times_s=t[order].copy(),
        fiber_ptr=ptr,
        spike_count=spike_count,
        truncated=bool(spike_count.sum() > ns),
        is_dr=np.asarray(fibers.is_dr).copy(),
        duration_s=float(duration_s),
        n_pulses=n_pulses,
        pulse_dc_count=np.concatenate(stored_counts) if stored_counts else np.zeros(0, np.int32),
        dc_count_hist=hist,
        channel_pulses=channel_pulses,
        channel_volleys=channel_volleys,
        perception=perception,
    )


#: Threshold criteria: perception (paresthesia), discomfort, or the first recruited DC fibre.
_CRITERIA = {
    "perception": lambda s: bool(s["paresthesia"]),
    "discomfort": lambda s: bool(s["discomfort"]),
    "recruitment": lambda s: s["recruited_dc_fibers"] > 0,
}


def threshold(program, fibers: FiberPopulation, rng_seed: int, *,
              which: Literal["perception", "discomfort", "recruitment"] = "perception", duration_s: float = 0.5,
              params: ExcitationParams | None = None, perception: PerceptionParams | None = None,
              ceiling_ma: float = CEILING_MA, rel_tol: float = REL_TOL, abs_tol_ma: float = ABS_TOL_MA) -> float:
    """Lowest ``amplitude_ma`` at which the program evokes perception (or discomfort, or recruits a DC fibre).

    Bisection on ``amplitude_ma`` (all other program parameters fixed) within ``(0, ceiling_ma]``,
    stopping when the bracket is narrower than ``max(abs_tol_ma, rel_tol * upper)``; every amplitude
    is simulated with the same noise (``numpy.random.default_rng(rng_seed)``: common random numbers),
    so the criterion is monotone in amplitude except for rare refractory/accommodation interactions.
    For a multiplexed program ``amplitude_ma`` is the scale factor on all components and the result
    is in those units.

    Returns
    -------
    float
        The upper end of the final bracket (criterion met there), or ``math.inf`` when the criterion
        is not met even at ``ceiling_ma``.

    Example
    -------
    >>> from scs_sim.stim.programs import tonic
    >>> from scs_sim.fibers import Anatomy, build_fibers
    >>> pop = build_fibers(Anatomy(), np.random.default_rng(1))
    >>> 5.0 < threshold(tonic(), pop, rng_seed=7) < 8.0
    True
    """
    from scs_sim.stim.programs import pulse_train

    if which not in _CRITERIA:
        raise ConfigError(f"which must be one of {', '.join(_CRITERIA)} (got {which!r})", key="which")
    criterion = _CRITERIA[which]
    if not (math.isfinite(ceiling_ma) and ceiling_ma > 0):
        raise ConfigError(f"must be finite and > 0 (got {ceiling_ma!r})", key="ceiling_ma")

    if getattr(program, "kind", None) == "custom" and not getattr(program, "relative_amplitude", True):
        raise ConfigError("a threshold search scales amplitude_ma, which a custom program uses only with "
                          "relative_amplitude = true", key="program.relative_amplitude")

    def met(amp: float) -> bool:
        prog = program.model_copy(update={"amplitude_ma": amp})
        rec = recruit(pulse_train(prog), fibers, np.random.default_rng(rng_seed), duration_s,
                      params=params, perception=perception, max_spikes=0)
        return criterion(rec.summary())

    if not met(ceiling_ma):
        return math.inf
    lo, hi = 0.0, ceiling_ma
    while hi - lo > max(abs_tol_ma, rel_tol * hi):
        mid = 0.5 * (lo + hi)
        if met(mid):
            hi = mid
        else:
            lo = mid
    return hi


def strength_duration(program, fibers: FiberPopulation, rng_seed: int, pulse_widths_us, **kwargs) -> np.ndarray:
    """Thresholds (mA) of ``program`` at each pulse width (``threshold`` keyword arguments pass through)."""
    return np.array([
        threshold(program.model_copy(update={"pulse_width_us": float(pw)}), fibers, rng_seed, **kwargs)
        for pw in pulse_widths_us
    ])


def fit_strength_duration(pulse_widths_us, thresholds_ma) -> tuple[float, float]:
    """Least-squares fit of Lapicque's ``I = I_rh / (1 - exp(-PW ln2 / chronaxie))``.

    Returns
    -------
    (rheobase_ma, chronaxie_us)
    """
    from scipy.optimize import curve_fit

    pw = np.asarray(pulse_widths_us, dtype=float)
    thr = np.asarray(thresholds_ma, dtype=float)
    ok = np.isfinite(thr)
    if ok.sum() < 2:
        raise ConfigError("need at least two finite thresholds to fit a strength-duration curve")

    def model(x, rh, ch):
        return rh / (1.0 - np.exp(-x * math.log(2.0) / ch))

    (rh, ch), _ = curve_fit(model, pw[ok], thr[ok], p0=(float(thr[ok].min()), 300.0),
                            sigma=thr[ok], bounds=([1e-6, 1.0], [1e3, 1e5]))
    return float(rh), float(ch)
