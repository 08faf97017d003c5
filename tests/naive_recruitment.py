"""Slow, obviously-correct reference of the recruitment kernel (scs_sim.fibers.recruitment._recruit_kernel).

Fibre by fibre, phase by phase, in plain Python floats: each fibre is walked through the whole train
on its own (the kernel walks phase by phase over all fibres), with the model written out step by
step. The model scalars are read by name from the kernel's own layout,
:class:`scs_sim.fibers.recruitment.KernelParams` (built by ``kernel_params``; its conversion from the
parameter models is tested on its own in tests/test_recruitment.py). The noise is drawn chunk by
chunk exactly as :func:`scs_sim.fibers.recruitment.recruit` draws it, so both see the same numbers
for the same seed and the spike trains must agree.
"""

from __future__ import annotations

import math

import numpy as np

from scs_sim.fibers import recruitment
from scs_sim.fibers.params import ExcitationParams, PerceptionParams
from scs_sim.fibers.recruitment import kernel_params


def _phases_and_noise(train, n_fib, rng, duration_s):
    """All phases (global pulse index) and the per-pulse noise rows, drawn as recruit() draws them."""
    phases, noise_rows, onsets = [], [], []
    max_pulses = max(1, recruitment.CHUNK_FIBER_PULSES // max(n_fib, 1))  # read at call time
    for ch in train.chunks(0.0, float(duration_s), max_pulses=max_pulses):
        if ch.n_pulses == 0:
            continue
        noise = rng.standard_normal((ch.n_pulses, n_fib))
        noise_rows.extend(noise)
        onsets.extend(ch.onset_s.tolist())
        for s, w, c, k, p in zip(ch.start_s, ch.width_s, ch.current_ma, ch.channel, ch.pulse, strict=True):
            phases.append((float(s), float(w), float(c), int(k), int(p)))
    return phases, noise_rows, onsets


def naive_recruit(train, fibers, rng, duration_s, params=None, perception=None):
    """Return (spike times, spike fibre, spike pulse, DC volley count per pulse) of the v1 model."""
    p = params or ExcitationParams()
    q = perception or PerceptionParams()
    k = kernel_params(p, q)
    n = fibers.n
    phases, noise, onsets = _phases_and_noise(train, n, rng, duration_s)
    coup = [fibers.channel_coupling(c.cathodes, c.anodes) / p.af_rheobase_mv for c in train.channels]
    tau, tau_a, tau_f, tau_rr = k.tau_s, k.tau_a_s, k.tau_f_s, k.tau_rr_s
    tau_b, tau_x, tau_h = k.tau_b_s, k.tau_x_s, k.tau_h_s
    t_abs = k.t_abs_s

    # Which depolarising phases are "blocking" (same channel, within 1/block_rate_hz) - fibre independent.
    blocking, last_dep = [], {}
    for s, _w, c, ch, _p in phases:
        b = False
        if c < 0:
            b = k.block and ch in last_dep and s - last_dep[ch] <= k.block_dt_s
            last_dep[ch] = s
        blocking.append(b)

    spikes = []  # (t, fibre, pulse)
    for f in range(n):
        th0 = float(fibers.threshold_factor[f])
        v = a = w = z = r = b = x = h = 0.0
        ref_end = -math.inf
        t_last = 0.0

        def decay(dt, a, w, r, b, x, h):
            return (a * math.exp(-dt / tau_a), w * math.exp(-dt / tau_f), r * math.exp(-dt / tau_rr),
                    b * math.exp(-dt / tau_b), x * math.exp(-dt / tau_x), h * math.exp(-dt / tau_h))

        def relax(v, u, dt):  # exact solution of tau dv/dt = u - v over dt
            return u + (v - u) * math.exp(-dt / tau)

        for (s, wd, c, ch, pulse), blk in zip(phases, blocking, strict=True):
            gap = max(s - t_last, 0.0)
            v = v * math.exp(-gap / tau)
            a, w, r, b, x, h = decay(gap, a, w, r, b, x, h)
            z *= math.exp(-gap / k.tau_z_s)  # fast facilitation: no change inside a phase but its decay
            z_start = z
            end = s + wd
            u = -c * coup[ch][f]
            can_fire = c < 0 and u > 0 and ref_end < end and not (blk and u >= k.block_drive * th0)
            if not can_fire:
                v = relax(v, u, wd)
                a, w, r, b, x, h = decay(wd, a, w, r, b, x, h)
            else:
                t, seg_is_phase = s, True
                if ref_end > s:  # still absolutely refractory at the phase start
                    v = relax(v, u, ref_end - s)
                    a, w, r, b, x, h = decay(ref_end - s, a, w, r, b, x, h)
                    t, seg_is_phase = ref_end, False
                while True:
                    w_all = w + z_start * math.exp(-(t - s) / k.tau_z_s)
                    fac = 1.0 - k.f_max * w_all / (1.0 + w_all)
                    recovery = (1.0 + r) * (1.0 + b) / (1.0 + x)  # refractoriness, late sub-, superexcitability
                    pump = 1.0 + h  # activity-dependent hyperpolarisation
                    theta = th0 * (1.0 + a) * recovery * pump * fac * (1.0 + k.noise_sd * noise[pulse][f])
                    rest = wd if seg_is_phase else end - t
                    v_end = relax(v, u, rest)
                    if v_end < theta or u <= theta:  # no crossing in the rest of the phase
                        v = v_end
                        a, w, r, b, x, h = decay(rest, a, w, r, b, x, h)
                        break
                    t_spike = t if v >= theta else min(t + tau * math.log((u - v) / (u - theta)), end)
                    spikes.append((t_spike, f, pulse))
                    a, w, r, b, x, h = decay(t_spike - t, a, w, r, b, x, h)
                    a += k.a_spike_inc
                    w_all = w + z_start * math.exp(-(t_spike - s) / k.tau_z_s)
                    a += k.a_khz_inc * (w_all / (1.0 + w_all))
                    b += k.b_inc
                    x += k.x_inc
                    h += k.h_inc
                    r, v = k.r_at_spike, 0.0
                    ref_end = t_spike + t_abs
                    seg_is_phase = False
                    if ref_end >= end:
                        v = relax(0.0, u, end - t_spike)
                        a, w, r, b, x, h = decay(end - t_spike, a, w, r, b, x, h)
                        break
                    v = relax(0.0, u, t_abs)
                    a, w, r, b, x, h = decay(t_abs, a, w, r, b, x, h)
                    t = ref_end
            z = z_start * math.exp(-wd / k.tau_z_s)
            if c < 0 and v > 0:
                w += k.f_gain * min(1.0, wd / k.f_width_s) * v / th0
                z += k.z_gain * v / th0
                a += k.a_gain * v / th0
            t_last = end

    spikes.sort(key=lambda x: (x[1], x[0]))
    t = np.array([x[0] for x in spikes])
    fib = np.array([x[1] for x in spikes], dtype=np.int64)
    pul = np.array([x[2] for x in spikes], dtype=np.int64)
    counts = np.zeros(len(onsets), dtype=np.int64)
    sync = k.sync_s
    for pulse in range(len(onsets)):
        members = {f for (ts, f, pp) in spikes if pp == pulse and not fibers.is_dr[f] and ts - onsets[pulse] < sync}
        counts[pulse] = len(members)
    return t, fib, pul, counts
