"""The ``async_dc`` mechanism: asynchronous dorsal-column firing under kHz SCS (overdrive desynchronisation).

Sagalajev et al. 2024 (Neuron 112:404) showed in rats that 1–10 kHz SCS does activate dorsal-column
(DC) axons, but that they "entrain irregularly when stimulated at intervals shorter than their
refractory period": each axon fires at a rate far below the pulse rate, on pulses that differ from
axon to axon, so the population volley is asynchronous. Synchronous DC spiking was necessary for
paresthesia; asynchronous spiking was sufficient for analgesia. Crosby, Janik & Grill
(J Neurophysiol 2017 [R: journal and year unconfirmed]) found slowly accommodating asynchronous firing of single DC axons, similar across
5–20 kHz.

The fast fibre model (:mod:`scs_sim.fibers.recruitment`) already fires fibres *above* their threshold
for the kHz train irregularly and far below the pulse rate (VALIDATION ``khz_subharmonic``,
``khz_desync_pairwise``). This module adds, as a switchable hypothesis, asynchronous firing of DC
fibres *near but below* their threshold for the program's train:

    rho_f    = the program's amplitude / the fibre's threshold for the program's train (fast model, no noise)
    rho_f(k) = a_k * rho_f        (a_k: pulse k's cathodic amplitude / the channel's peak; ramps < 1)
    r_f(k)   = r_max * clip((rho_f(k) - rho_min) / (1 - rho_min), 0, 1)   for fibres with rho_f < 1
    P(spike of fibre f at pulse k) = min(1, r_f(k) * dt_k)

``rho_f`` is found per fibre by bisection on the fibre's resting threshold factor (equivalent to scaling
its drive; the fast model is invariant to the joint scaling) over a short probe of the program's own
train. ``dt_k``: the interval to the previous pulse on the same channel; only pulses with
``dt_k <= 1 / min_frequency_hz`` count (the kHz range of Sagalajev 2024). Because the per-pulse
probability is ``rate * interval``, the fibre rate does not depend on the pulse rate above
``min_frequency_hz`` (Crosby 2017: similar firing across 5–20 kHz). Draws are independent across
fibres and pulses (Poisson-like, not pulse-locked across fibres); a spike within
``abs_refractory_ms`` of the fibre's previous asynchronous spike is dropped. Spikes are timed at the
end of the pulse's cathodic phase. Fibres at or above their train threshold (``rho_f >= 1``) are left
to the fast model.

These spikes reach the circuit by the ordinary DC route (``dorsal_horn.afferents.merge_dc``); they are
not added to the recruitment summary, so the percept (:mod:`scs_sim.fibers.percept`, which counts
synchronous volleys only) does not feel them. Parameters are in docs/MODEL.md ("async_dc").
"""

from __future__ import annotations

import dataclasses

import numpy as np
from pydantic import Field

from scs_sim._params import Params

__all__ = ["AsyncDCParams", "AsyncDCStream", "async_rate_hz", "pulse_drive", "train_threshold_ratio"]

#: Most (pulse x candidate fibre) probabilities held at once.
BLOCK_CELLS = 4_000_000
#: Bisection steps of :func:`train_threshold_ratio` (ratio resolution 64**(1/2**13) - 1 < 0.1 %).
BISECTION_STEPS = 14
#: Largest threshold / amplitude ratio searched (fibres beyond it count as unreachable).
MAX_SCALE = 64.0


class AsyncDCParams(Params):
    """Parameters of the ``async_dc`` mechanism (docs/MODEL.md "async_dc")."""

    min_frequency_hz: float = Field(
        1000.0, ge=100.0, le=1e5,
        description="Lowest pulse rate on a channel whose pulses drive asynchronous firing (Hz); the 1–10 kHz "
        "range of Sagalajev et al. 2024 Neuron 112:404.",
    )
    rho_min: float = Field(
        0.5, ge=0.0, lt=1.0,
        description="Fraction of its train threshold below which a fibre does not fire asynchronously [assumption].",
    )
    max_rate_hz: float = Field(
        20.0, ge=0.0, le=500.0,
        description="Asynchronous rate of a fibre just below its train threshold (Hz) [assumption: 'far below "
        "the stimulus rate', Sagalajev 2024; no per-fibre rate published].",
    )
    abs_refractory_ms: float = Field(
        0.7, gt=0.0, le=10.0,
        description="Shortest interval between two asynchronous spikes of a fibre (ms); the fast model's v1 "
        "absolute refractory period.",
    )
    probe_s: float = Field(
        0.05, gt=0.0, le=1.0,
        description="Length of the train (after start and ramp) over which a fibre's train threshold is found (s) "
        "[assumption].",
    )


def async_rate_hz(rho: np.ndarray, params: AsyncDCParams) -> np.ndarray:
    """Asynchronous firing rate (Hz) at fractions ``rho`` of the train threshold (0 at and above 1)."""
    rho = np.asarray(rho, float)
    frac = np.clip((rho - params.rho_min) / (1.0 - params.rho_min), 0.0, 1.0)
    return np.where(rho < 1.0, params.max_rate_hz * frac, 0.0)


def train_threshold_ratio(train, fibers, excitation, perception, probe_s: float) -> np.ndarray:
    """Per fibre: the amplitude of ``train`` over the fibre's threshold for it (``rho``; >= 1: recruited).

    Bisection (geometric, :data:`BISECTION_STEPS` steps in [1/MAX_SCALE, MAX_SCALE]) on every fibre at
    once: scaling a fibre's resting threshold factor by ``m`` is the same as scaling its drive by
    ``1/m``, so the largest ``m`` at which it still fires is ``rho``. The fast model without threshold noise runs the first ``probe_s`` of stimulation (after
    ``start_s`` and ``ramp_up_s``); a fibre counts as recruited when it fires at least once.
    ``1/MAX_SCALE`` means "not reached within the search"."""
    # imported here: the config layer imports this module's parameter model and must not import numba
    from scs_sim.fibers.recruitment import RecruitStream
    mods = getattr(train, "modifiers", None)
    lead = 0.0 if mods is None else float(mods.start_s) + float(mods.ramp_up_s or 0.0)
    exc = excitation.model_copy(update={"noise_sd": 0.0})
    base = np.asarray(fibers.threshold_factor, float)
    lo = np.full(fibers.n, 1.0 / MAX_SCALE)
    hi = np.full(fibers.n, MAX_SCALE)
    for _ in range(BISECTION_STEPS):
        mid = np.sqrt(lo * hi)
        probe = dataclasses.replace(fibers, threshold_factor=base * mid)
        st = RecruitStream(train, probe, np.random.default_rng(0), lead + probe_s, params=exc,
                           perception=perception, max_spikes=1)
        st.advance(lead + probe_s, deliver=False)
        fired = st.result().spike_count > 0
        lo = np.where(fired, mid, lo)
        hi = np.where(fired, hi, mid)
    return lo  # the largest threshold-factor multiplier that still fires


def pulse_drive(chunk, prev_onset: np.ndarray, n_channels: int):
    """Per pulse of a :class:`~scs_sim.stim.train.PulseChunk`: channel, most cathodic current (mA, > 0),
    end time of that phase (s) and the interval to the previous pulse of its channel (s; inf for the first).

    ``prev_onset`` (n_channels,) is the last onset of each channel before the chunk, updated in place."""
    npc = chunk.n_pulses
    local = chunk.pulse - chunk.first_pulse
    cur = np.zeros(npc)
    end = np.zeros(npc)
    chan = np.zeros(npc, dtype=np.int64)
    chan[local] = chunk.channel
    order = np.lexsort((chunk.current_ma, local))  # by pulse, most cathodic phase first
    first = np.ones(order.size, dtype=bool)
    first[1:] = local[order][1:] != local[order][:-1]
    sel = order[first & (chunk.current_ma[order] < 0)]
    cur[local[sel]] = -chunk.current_ma[sel]
    end[local[sel]] = chunk.start_s[sel] + chunk.width_s[sel]
    onset = np.asarray(chunk.onset_s, float)
    dt = np.full(npc, np.inf)
    for c in range(n_channels):
        idx = np.flatnonzero(chan == c)
        if idx.size:
            prev = np.concatenate(([prev_onset[c]], onset[idx][:-1]))
            dt[idx] = onset[idx] - prev
            prev_onset[c] = onset[idx][-1]
    return chan, cur, end, dt


class AsyncDCStream:
    """A recruitment stream (:class:`~scs_sim.fibers.recruitment.RecruitStream` or the simulation's replay)
    with the asynchronous DC spikes of the ``async_dc`` mechanism added to what :meth:`advance` returns.

    :meth:`result` is the inner stream's recruitment (so the percept and the recruitment summary ignore
    the asynchronous spikes); :meth:`summary` reports them. ``rho``: :func:`train_threshold_ratio` of
    the run's fibres; ``is_dc``: DC fibre mask; ``rng``: the mechanism's own generator.
    """

    def __init__(self, inner, train, rho, is_dc, duration_s: float, rng: np.random.Generator,
                 params: AsyncDCParams | None = None):
        self.inner, self.train, self.rng = inner, train, rng
        self.params = p = params or AsyncDCParams()
        self.duration_s = float(duration_s)
        rho = np.asarray(rho, float)
        is_dc = np.asarray(is_dc, bool)
        self.cand = np.flatnonzero(is_dc & (rho >= p.rho_min) & (rho < 1.0))
        self.rho = rho[self.cand]
        n_ch = len(train.channels)
        self.peak = np.zeros(n_ch)
        for ch in train.chunks(0.0, self.duration_s, max_pulses=200_000):
            if ch.current_ma.size:
                np.maximum.at(self.peak, ch.channel.astype(np.int64), -np.minimum(ch.current_ma, 0.0))
            if np.all(self.peak > 0):
                break
        self.prev_onset = np.full(n_ch, -np.inf)
        self.last_spike = np.full(int(np.size(is_dc)), -np.inf)
        self.t_s = 0.0
        self.n_async = 0
        self.async_fibers: set[int] = set()

    def advance(self, t_end_s: float, *, roots: bool = False) -> tuple[np.ndarray, np.ndarray]:
        t, f = self.inner.advance(t_end_s, roots=roots)
        t_end_s = min(float(t_end_s), self.duration_s)
        at, af = self._async(self.t_s, t_end_s)
        self.t_s = max(self.t_s, t_end_s)
        if at.size == 0:
            return t, f
        t, f = np.concatenate((t, at)), np.concatenate((f, af))
        order = np.lexsort((f, t))
        return t[order], f[order]

    def _async(self, t0: float, t1: float) -> tuple[np.ndarray, np.ndarray]:
        p = self.params
        empty = (np.zeros(0), np.zeros(0, dtype=np.int64))
        if t1 <= t0 or self.cand.size == 0 or p.max_rate_hz <= 0:
            return empty
        max_dt = 1.0 / p.min_frequency_hz * (1.0 + 1e-9)
        out_t, out_f = [], []
        for ch in self.train.chunks(t0, t1):
            if ch.n_pulses == 0:
                continue
            chan, cur, end, dt = pulse_drive(ch, self.prev_onset, self.peak.size)
            keep = np.flatnonzero((dt <= max_dt) & (cur > 0))
            step = max(1, BLOCK_CELLS // self.cand.size)
            for b in range(0, keep.size, step):
                k = keep[b:b + step]
                rel = cur[k] / np.where(self.peak[chan[k]] > 0, self.peak[chan[k]], 1.0)
                prob = np.minimum(1.0, async_rate_hz(rel[:, None] * self.rho[None, :], p) * dt[k][:, None])
                hit_k, hit_f = np.nonzero(self.rng.random(prob.shape) < prob)
                out_t.append(end[k][hit_k])
                out_f.append(self.cand[hit_f])
        if not out_t:
            return empty
        return self._refractory(np.concatenate(out_t), np.concatenate(out_f))

    def _refractory(self, t: np.ndarray, f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Drop spikes within the refractory period of the fibre's previous kept asynchronous spike."""
        ref = self.params.abs_refractory_ms * 1e-3
        order = np.lexsort((t, f))
        t, f = t[order], f[order]
        keep = np.ones(t.size, dtype=bool)
        last = self.last_spike
        for i in range(t.size):  # few spikes per window (rates of tens of Hz)
            if t[i] - last[f[i]] < ref:
                keep[i] = False
            else:
                last[f[i]] = t[i]
        t, f = t[keep], f[keep]
        self.n_async += t.size
        self.async_fibers.update(np.unique(f).tolist())
        order = np.lexsort((f, t))
        return t[order], f[order]

    def result(self):
        return self.inner.result()

    def summary(self) -> dict:
        """The mechanism's own figures for the run metrics."""
        dur = max(self.t_s, 1e-12)
        n = len(self.async_fibers)
        return {"async_dc_spikes": int(self.n_async), "async_dc_fibers": n,
                "async_dc_candidates": int(self.cand.size),
                "async_dc_rate_hz": float(self.n_async / (n * dur)) if n else 0.0}
