"""Which fibre fires at which pulse: the event-driven excitation model (v1) and its outputs.

This module owns :func:`recruit` (pulse train + fibre population + ``numpy.random.Generator`` ->
:class:`Recruitment`), its private numba kernel ``_recruit_kernel`` with the named bundles it takes
(:class:`KernelParams`, :class:`Phases`, :class:`FiberArrays`, :class:`FiberState`,
:class:`SpikeBuffer`, defined in :mod:`scs_sim.fibers.kernel_types`). :class:`Recruitment` (spikes and
population summaries) is defined in :mod:`scs_sim.fibers.recruitment_result` and re-exported. The parameter
models are in :mod:`scs_sim.fibers.params`, the threshold searches in :mod:`scs_sim.fibers.threshold`.
Equations, defaults, sources and the calibration are in ``docs/MODEL.md`` §2.

Model (per fibre, dimensionless state ``v``, threshold 1 at rest)::

    tau dv/dt = -v + u(t),   u = -I(t) * c_f / af_rheobase_mv        (cathodic I < 0 depolarises)
    theta = theta0_f * (1 + a) * (1 + r) * (1 + b) / (1 + x) * (1 + h)
            * (1 - fac_max * W / (1 + W)) * (1 + noise_sd * xi),   W = w + z

``c_f`` is the fibre's coupling (peak activating function, mV/mA) to the phase's channel, ``a`` a
slow spike-triggered accommodation, ``r`` the relative-refractory elevation (decaying), ``b`` and ``x``
the late subexcitability and the superexcitability of the recovery cycle (per-spike increments, each
decaying with its own time constant; they summate over trains), ``h`` the activity-dependent
hyperpolarisation of the electrogenic Na+/K+ pump (per-spike increment, decaying over minutes;
Kiernan et al. 2004 J Physiol 558:341), ``w`` (slow, its increment scaled by min(1, phase width /
``facilitation_width_ref_us``)) and ``z`` (fast) a phenomenological facilitation fed by the end-of-phase
depolarisation (temporal summation at high rates, Rogers et al. 2024 J Neurosci 44(26):e2199232024;
calibrated against the double-cable MRG axon, docs/MODEL.md §2.7), ``xi`` a standard normal drawn per pulse and
fibre (Gilbert et al. 2022 eNeuro 9(5):ENEURO.0058-22.2022). Within a phase
``u`` is constant, so ``v`` is an exact exponential and the crossing time is solved in closed form;
``theta`` is evaluated at the start of each phase (and after a spike or the end of the absolute
refractory period inside a phase). A spike resets ``v`` to 0 and starts the absolute refractory
period. Cost is O(phases x fibres); state carries across ``train.chunks`` windows, so memory is
bounded by the chunk size and the spike cap, not by the duration.

A biophysical fibre model can replace this one behind the same :func:`recruit` signature.
"""

from __future__ import annotations

import math

import numpy as np

from scs_sim._jit import njit
from scs_sim.fibers.anatomy import FiberPopulation
from scs_sim.fibers.kernel_types import FiberArrays, FiberState, Phases, SpikeBuffer, kernel_params
from scs_sim.fibers.kernel_types import KernelParams as KernelParams  # re-exported beside the kernel
from scs_sim.fibers.params import ExcitationParams, PerceptionParams, check_recruit_args
from scs_sim.fibers.percept import SummationWindows, on_time_s
from scs_sim.fibers.recruitment_result import Recruitment as Recruitment  # re-exported beside recruit

__all__ = ["RecruitStream", "Recruitment", "recruit"]

#: Fibre-pulse pairs per chunk (bounds the noise array: 2e6 doubles = 16 MB).
CHUNK_FIBER_PULSES = 2_000_000

@njit
def _decay(dt, a, w, r, b, x, h, prm):
    """(a, w, r, b, x, h) after ``dt`` s of free decay, each with its own time constant from ``prm`` (KernelParams)."""
    return (a * math.exp(-dt / prm.tau_a_s), w * math.exp(-dt / prm.tau_f_s), r * math.exp(-dt / prm.tau_rr_s),
            b * math.exp(-dt / prm.tau_b_s), x * math.exp(-dt / prm.tau_x_s), h * math.exp(-dt / prm.tau_h_s))


@njit
def _recruit_kernel(phases, noise, fib, prm, state, out, dc_pulse_count, dc_window_new):
    """Advance every fibre through the phases of one chunk (state and outputs updated in place).

    Parameters
    ----------
    phases : Phases
        The chunk's phases, each (n_phases,): ``start_s`` (float64, s) and ``width_s`` (float64, s) of
        the phase, ``current_ma`` (float64, mA, cathodic < 0), ``channel`` (int64, program channel),
        ``pulse`` (int64, chunk-local pulse index, 0..n_pulses-1); and ``onset_s`` (float64, s,
        (n_pulses,)): onset of every chunk-local pulse.
    noise : float64 array (n_pulses, n_fibres)
        Standard normal threshold noise per chunk-local pulse and fibre (dimensionless).
    fib : FiberArrays
        ``coupling`` (float64 (n_channels, n_fibres), 1/mA: peak activating function per mA divided by
        ``af_rheobase_mv``, so ``-current_ma * coupling`` is the dimensionless drive ``u``),
        ``theta0`` (float64 (n_fibres,), dimensionless resting threshold factor), ``is_dc`` (bool
        (n_fibres,), dorsal-column fibre).
    prm : KernelParams
        Model scalars in SI units (s; the rest dimensionless, ``block`` bool); see its field comments.
    state : FiberState
        Carried across chunks, updated in place: ``v``, ``a``, ``w``, ``r``, ``b``, ``x``, ``h`` (float64
        (n_fibres,), membrane state, accommodation, facilitation, refractoriness, late sub-/superexcitability,
        pump hyperpolarisation at ``t_now_s``),
        ``ref_end_s`` (float64 (n_fibres,), s, end of the absolute refractory period),
        ``last_counted`` (int64 (n_fibres,), chunk-local pulse whose DC volley last counted the fibre),
        ``prev_dep_s`` (float64 (n_channels,), s, onset of each channel's previous depolarising phase),
        ``t_now_s`` (float64 (1,), s, end of the last phase simulated), ``last_window`` (int64
        (n_fibres,), summation window ``floor(onset / prm.window_s)`` in which the fibre was last counted).
    out : SpikeBuffer
        Updated in place: ``t_s`` (float64 (cap,), s) and ``fiber`` (int64 (cap,)) of the stored spikes,
        ``n_stored`` (int64 (1,), how many are stored, at most cap), ``count`` (int64 (n_fibres,),
        spikes per fibre, exact even past the cap).
    dc_pulse_count : int64 array (n_pulses,)
        Incremented in place: distinct DC fibres firing within ``prm.sync_s`` of each pulse's onset.
    dc_window_new : int64 array (n_pulses,)
        Incremented in place: of those, the fibres counted for the first time in the pulse's summation
        window (summed over a window: the distinct DC fibres that fired in it).

    Returns
    -------
    int
        Spikes in the chunk (stored or not; ``out.n_stored[0]`` counts the stored ones).
    """
    start = phases.start_s
    width = phases.width_s
    current = phases.current_ma
    channel = phases.channel
    plocal = phases.pulse
    onset = phases.onset_s
    coup = fib.coupling
    theta0 = fib.theta0
    is_dc = fib.is_dc
    v_s = state.v
    a_s = state.a
    w_s = state.w
    z_s = state.z
    r_s = state.r
    b_s = state.b
    x_s = state.x
    h_s = state.h
    ref_end = state.ref_end_s
    last_counted = state.last_counted
    prev_dep = state.prev_dep_s
    t_now = state.t_now_s
    out_t = out.t_s
    out_f = out.fiber
    n_stored = out.n_stored
    spike_count = out.count
    tau = prm.tau_s
    t_abs = prm.t_abs_s
    rr0 = prm.r_at_spike
    tau_rr = prm.tau_rr_s
    a_inc = prm.a_spike_inc
    a_gain = prm.a_gain
    a_khz = prm.a_khz_inc
    tau_a = prm.tau_a_s
    tau_b = prm.tau_b_s
    tau_x = prm.tau_x_s
    tau_h = prm.tau_h_s
    f_gain = prm.f_gain
    tau_f = prm.tau_f_s
    f_max = prm.f_max
    f_width = prm.f_width_s
    z_gain = prm.z_gain
    tau_z = prm.tau_z_s
    sd = prm.noise_sd
    sync = prm.sync_s
    block_on = prm.block
    block_dt = prm.block_dt_s
    block_u = prm.block_drive
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
        gb = math.exp(-gap / tau_b)
        gx = math.exp(-gap / tau_x)
        gh = math.exp(-gap / tau_h)
        gz = math.exp(-gap / tau_z)
        pv = math.exp(-wd / tau)
        pa = math.exp(-wd / tau_a)
        pw = math.exp(-wd / tau_f)
        pr = math.exp(-wd / tau_rr)
        pb = math.exp(-wd / tau_b)
        px = math.exp(-wd / tau_x)
        ph = math.exp(-wd / tau_h)
        pz = math.exp(-wd / tau_z)
        w_in = f_gain * (wd / f_width if wd < f_width else 1.0)
        cur = current[i]
        ch = channel[i]
        p = plocal[i]
        depol = cur < 0.0
        blocking = depol and block_on and t0 - prev_dep[ch] <= block_dt
        if depol:
            prev_dep[ch] = t0
        for f in range(n_fib):
            v = v_s[f] * gv
            a = a_s[f] * ga
            w = w_s[f] * gw
            r = r_s[f] * gr
            b = b_s[f] * gb
            x = x_s[f] * gx
            h = h_s[f] * gh
            z0 = z_s[f] * gz  # fast facilitation at the phase start; within the phase it only decays
            u = -cur * coup[ch, f]
            th0 = theta0[f]
            if (not depol) or u <= 0.0 or ref_end[f] >= t1 or (blocking and u >= block_u * th0):
                v = u + (v - u) * pv
                a, w, r, b, x, h = a * pa, w * pw, r * pr, b * pb, x * px, h * ph
            else:
                tt = t0
                whole = True
                if ref_end[f] > t0:
                    dt = ref_end[f] - t0
                    v = u + (v - u) * math.exp(-dt / tau)
                    a, w, r, b, x, h = _decay(dt, a, w, r, b, x, h, prm)
                    tt = ref_end[f]
                    whole = False
                while True:
                    wz = w + z0 * math.exp(-(tt - t0) / tau_z)
                    theta = (th0 * (1.0 + a) * (1.0 + r) * (1.0 + b) / (1.0 + x) * (1.0 + h)
                             * (1.0 - f_max * wz / (1.0 + wz)) * (1.0 + sd * noise[p, f]))
                    rem = t1 - tt
                    ev = pv if whole else math.exp(-rem / tau)
                    v_end = u + (v - u) * ev
                    if v_end < theta or u <= theta:
                        v = v_end
                        if whole:
                            a, w, r, b, x, h = a * pa, w * pw, r * pr, b * pb, x * px, h * ph
                        else:
                            a, w, r, b, x, h = _decay(rem, a, w, r, b, x, h, prm)
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
                        k_win = np.int64(math.floor(onset[p] / prm.window_s))
                        if state.last_window[f] != k_win:
                            dc_window_new[p] += 1
                            state.last_window[f] = k_win
                    a, w, r, b, x, h = _decay(ts - tt, a, w, r, b, x, h, prm)
                    wz = w + z0 * math.exp(-(ts - t0) / tau_z)
                    a = a + a_inc + a_khz * (wz / (1.0 + wz))
                    b, x, h = b + prm.b_inc, x + prm.x_inc, h + prm.h_inc
                    r = rr0
                    v = 0.0
                    ref_end[f] = ts + t_abs
                    whole = False
                    if ref_end[f] >= t1:
                        dt = t1 - ts
                        v = u - u * math.exp(-dt / tau)
                        a, w, r, b, x, h = _decay(dt, a, w, r, b, x, h, prm)
                        break
                    dt = t_abs
                    v = u - u * math.exp(-dt / tau)
                    a, w, r, b, x, h = _decay(dt, a, w, r, b, x, h, prm)
                    tt = ref_end[f]
            z = z0 * pz
            if depol and v > 0.0:
                w += w_in * v / th0
                z += z_gain * v / th0
                a += a_gain * v / th0
            v_s[f] = v
            a_s[f] = a
            w_s[f] = w
            z_s[f] = z
            r_s[f] = r
            b_s[f] = b
            x_s[f] = x
            h_s[f] = h
        t_now[0] = t1
    return n_new


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
    train : scs_sim.stim.programs.PulseTrain
        From :func:`scs_sim.stim.programs.pulse_train`; streamed with ``train.chunks`` (bounded memory).
    fibers : FiberPopulation
        From :func:`scs_sim.fibers.anatomy.build_fibers`.
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
    >>> from scs_sim.fibers.anatomy import Anatomy, build_fibers
    >>> pop = build_fibers(Anatomy(), np.random.default_rng(1))
    >>> r = recruit(pulse_train(tonic(amplitude_ma=10.0)), pop, np.random.default_rng(2), 0.2)
    >>> r.summary()["paresthesia"]
    True
    """
    stream = RecruitStream(train, fibers, rng, duration_s, params=params, perception=perception,
                           max_spikes=max_spikes)
    stream.advance(float(duration_s), deliver=False)
    return stream.result()


class RecruitStream:
    """:func:`recruit` window by window: :meth:`advance` runs the pulses up to a time and returns the
    dorsal-column spikes they produced; :meth:`result` gives the :class:`Recruitment` of the run so far.

    The fibre state, the noise generator and every summary counter carry across windows, and the
    kernel's chunks are cut at window ends only, so the spikes and counters do not depend on the
    windows (:func:`recruit` is one window). Stored spike times (:attr:`Recruitment.spike_times_s`)
    are those before ``record_s`` (default: all), at most ``max_spikes``; counts stay exact.
    Arguments as :func:`recruit`.
    """

    def __init__(self, train, fibers: FiberPopulation, rng: np.random.Generator, duration_s: float, *,
                 params: ExcitationParams | None = None, perception: PerceptionParams | None = None,
                 max_spikes: int = 2_000_000, record_s: float = math.inf):
        params = params or ExcitationParams()
        perception = perception or PerceptionParams()
        check_recruit_args(rng, duration_s, max_spikes)
        n = fibers.n
        self.train, self.fibers, self.rng, self.duration_s = train, fibers, rng, float(duration_s)
        self.perception, self.max_spikes = perception, int(max_spikes)
        self.record_all = not record_s < duration_s
        self.record_s = float(record_s)
        coup = _channel_couplings(train, fibers, params)
        theta0 = np.ascontiguousarray(fibers.threshold_factor, dtype=np.float64)
        is_dc = np.ascontiguousarray(~fibers.is_dr)
        self.n_dc = n_dc = int(is_dc.sum())
        self.prm = kernel_params(params, perception)
        self.fib = FiberArrays(coupling=coup, theta0=theta0, is_dc=is_dc)
        self.state = FiberState(v=np.zeros(n), a=np.zeros(n), w=np.zeros(n), z=np.zeros(n), r=np.zeros(n), b=np.zeros(n), x=np.zeros(n),
                                h=np.zeros(n),
                                ref_end_s=np.full(n, -np.inf), last_counted=np.full(n, -1, dtype=np.int64),
                                prev_dep_s=np.full(len(train.channels), -np.inf), t_now_s=np.zeros(1),
                                last_window=np.full(n, np.iinfo(np.int64).min, dtype=np.int64))
        # one chunk's spikes (np.empty: only the pages written are resident), drained after every chunk
        cap = max(int(max_spikes), 2 * CHUNK_FIBER_PULSES)
        self.out = SpikeBuffer(t_s=np.empty(cap), fiber=np.empty(cap, dtype=np.int64),
                               n_stored=np.zeros(1, dtype=np.int64), count=np.zeros(n, dtype=np.int64))
        self.hist = np.zeros(n_dc + 1, dtype=np.int64)
        n_ch = len(train.channels)
        self.channel_pulses = np.zeros(n_ch, dtype=np.int64)
        self.channel_volleys = np.zeros(n_ch, dtype=np.int64)
        self.windows = SummationWindows(perception.summation_window_ms * 1e-3, perception.sync_min_spikes)
        self.stored_counts: list[np.ndarray] = []
        self.n_kept = 0
        self.n_pulses = 0
        self.lost = 0  # spikes beyond one chunk's buffer (never with CHUNK_FIBER_PULSES-sized chunks)
        self._rec_t: list[np.ndarray] = []
        self._rec_f: list[np.ndarray] = []
        self._n_rec = 0
        self.t_s = 0.0
        self.max_pulses = max(1, CHUNK_FIBER_PULSES // max(n, 1))

    def advance(self, t_end_s: float, *, deliver: bool = True, roots: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Run the pulses with onsets in ``[t, t_end_s)`` (``t``: the previous end); return their DC
        spikes as aligned (times s, DC fibre index), sorted by time then fibre, as
        :meth:`Recruitment.dc_spikes` orders them (empty with ``deliver=False``); with ``roots`` the
        DR fibres' spikes too, at their fibre index (DC fibres come first)."""
        t_end_s = min(float(t_end_s), self.duration_s)
        perception, n_dc, out = self.perception, self.n_dc, self.out
        n = self.fibers.n
        n_ch = len(self.train.channels)
        win_t: list[np.ndarray] = []
        win_f: list[np.ndarray] = []
        if t_end_s <= self.t_s:
            return np.zeros(0), np.zeros(0, dtype=np.int64)
        for ch in self.train.chunks(self.t_s, t_end_s, max_pulses=self.max_pulses):
            npc = ch.n_pulses
            if npc == 0:
                continue
            noise = self.rng.standard_normal((npc, n))
            dc_pulse_count = np.zeros(npc, dtype=np.int64)
            dc_window_new = np.zeros(npc, dtype=np.int64)
            phases = Phases(start_s=ch.start_s, width_s=ch.width_s, current_ma=ch.current_ma,
                            channel=ch.channel.astype(np.int64), pulse=ch.pulse - ch.first_pulse, onset_s=ch.onset_s)
            n_new = _recruit_kernel(phases, noise, self.fib, self.prm, self.state, out, dc_pulse_count,
                                    dc_window_new)
            self.state.last_counted[:] -= npc  # local pulse indices restart at 0 in the next chunk
            self.hist += np.bincount(dc_pulse_count, minlength=n_dc + 1)[: n_dc + 1]
            self.windows.add(ch.onset_s, dc_pulse_count, dc_window_new)
            pulse_channel = np.zeros(npc, dtype=np.int64)
            pulse_channel[ch.pulse - ch.first_pulse] = ch.channel
            self.channel_pulses += np.bincount(pulse_channel, minlength=n_ch)
            volley = dc_pulse_count >= perception.perception_count
            self.channel_volleys += np.bincount(pulse_channel[volley], minlength=n_ch)
            if self.n_kept < perception.max_pulse_counts:
                take = dc_pulse_count[: perception.max_pulse_counts - self.n_kept]
                self.stored_counts.append(take.astype(np.int32))
                self.n_kept += take.size
            self.n_pulses += npc
            ns = int(out.n_stored[0])
            out.n_stored[0] = 0
            self.lost += int(n_new) - ns
            t, f = out.t_s[:ns], out.fiber[:ns]
            if deliver:
                dc = slice(None) if roots else f < n_dc
                win_t.append(t[dc].copy())
                win_f.append(f[dc].copy())
            self._record(t, f)
        self.t_s = t_end_s
        if not win_t:
            return np.zeros(0), np.zeros(0, dtype=np.int64)
        t, f = np.concatenate(win_t), np.concatenate(win_f)
        order = np.lexsort((f, t))
        return t[order], f[order]

    def _record(self, t: np.ndarray, f: np.ndarray) -> None:
        room = self.max_spikes - self._n_rec
        if room <= 0:
            return
        if not self.record_all:
            keep = t < self.record_s
            t, f = t[keep], f[keep]
        t, f = t[:room], f[:room]
        if t.size:
            self._rec_t.append(t.copy())
            self._rec_f.append(f.copy())
            self._n_rec += t.size

    def result(self) -> Recruitment:
        """The :class:`Recruitment` of ``[0, t)`` (``t``: the last :meth:`advance` end)."""
        n = self.fibers.n
        ns = self._n_rec
        t = np.concatenate(self._rec_t) if self._rec_t else np.zeros(0)
        f = np.concatenate(self._rec_f) if self._rec_f else np.zeros(0, dtype=np.int64)
        order = np.lexsort((t, f))
        ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(f, minlength=n), out=ptr[1:])
        spike_count = self.out.count
        return Recruitment(
            spike_times_s=t[order].copy(),
            fiber_ptr=ptr,
            spike_count=spike_count,
            truncated=bool(spike_count.sum() > ns),
            is_dr=np.asarray(self.fibers.is_dr).copy(),
            duration_s=float(self.t_s),
            n_pulses=self.n_pulses,
            pulse_dc_count=np.concatenate(self.stored_counts) if self.stored_counts else np.zeros(0, np.int32),
            dc_count_hist=self.hist,
            channel_pulses=self.channel_pulses,
            channel_volleys=self.channel_volleys,
            perception=self.perception,
            window_count_hist=(win := self.windows.result()).count_hist,
            window_spike_hist=win.spike_hist,
            on_time_s=on_time_s(getattr(self.train, "modifiers", None), float(self.t_s)),
        )
