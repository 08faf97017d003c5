"""Slow, obviously-correct references for :mod:`scs_sim.dorsal_horn.rate` (pure Python / NumPy, no numba).

Written from the equations in ``docs/MODEL.md`` §4, not from the kernel: one explicit loop over
steps with the parameters read by name from :class:`~scs_sim.dorsal_horn.rate.RateParams` (the
kernel reads the same names from its ``RateConstants`` bundle), the full trace kept, binning done
afterwards with NumPy.
"""

from __future__ import annotations

import math

import numpy as np


def sigmoid(c, max_hz, alpha, beta):
    """Crodelle response curve ``max * (1 + tanh((c - beta)/alpha)) / 2``.

    Written in its logistic form ``max / (1 + exp(-2 (c - beta)/alpha))``: the same function, since
    ``(1 + tanh x)/2 = 1/(1 + exp(-2x))``. The exponent is rounded as ``(beta - c) * (2/alpha)``,
    exactly as the kernel rounds it.
    """
    return max_hz / (1.0 + math.exp((beta - c) * (2.0 / alpha)))


def naive_rate_trace(p, f_ab, f_c, f_dc_in, f_dc_sur, dt_s):
    """Exponential-Euler integration; returns the state after every step, shape (4, n).

    Rows: P (wdr), E (ex), I (local_in), gNMDA. All start at 0.
    """
    n = len(f_ab)
    trace = np.zeros((4, n))
    g_max = p.max_g**2 if p.max_g_squared else p.max_g
    dec_p = math.exp(-dt_s / (p.tau_p_ms / 1000.0))
    dec_e = math.exp(-dt_s / (p.tau_e_ms / 1000.0))
    dec_i = math.exp(-dt_s / (p.tau_i_ms / 1000.0))
    dec_g = math.exp(-dt_s / (p.tau_nmda_ms / 1000.0))
    fp = fe = fi = g = 0.0
    for k in range(n):
        fa = float(f_ab[k]) + p.w_dc_infield * float(f_dc_in[k])
        fc = float(f_c[k])
        inhib_p = p.gaba_scale * p.g_i_p * fi
        inhib_e = p.gaba_scale * p.g_i_e * fi
        drive_p = p.g_ab_p * fa + (p.g_c_p + p.nmda_scale * g) * fc + p.g_e_p * fe - inhib_p
        drive_e = p.g_c_e * fc - inhib_e
        drive_i = p.g_ab_i * fa + p.g_dc_i * float(f_dc_sur[k])
        p_inf = sigmoid(drive_p, p.max_p_hz, p.alpha_p, p.beta_p)
        e_inf = sigmoid(drive_e, p.max_e_hz, p.alpha_e, p.beta_e)
        i_inf = sigmoid(drive_i, p.max_i_hz, p.alpha_i, p.beta_i) + p.i_offset_hz
        g_inf = sigmoid(fp, g_max, p.alpha_g_hz, p.beta_g_hz)
        # exact relaxation over one step towards the (frozen) steady state
        fp = p_inf + (fp - p_inf) * dec_p
        fe = e_inf + (fe - e_inf) * dec_e
        fi = i_inf + (fi - i_inf) * dec_i
        g = g_inf + (g - g_inf) * dec_g
        trace[:, k] = (fp, fe, fi, g)
    return trace


def naive_bin(trace, n_per_bin):
    """Bin means along the last axis; a trailing partial bin is averaged over its own length."""
    n = trace.shape[-1]
    starts = np.arange(0, n, n_per_bin)
    return np.stack([trace[:, s : s + n_per_bin].mean(axis=1) for s in starts], axis=1)


def naive_rates_from_spikes(times_s, n_fibres, duration_s, dt_s, tau_smooth_ms):
    """Histogram per step, then an explicit sum over the exponential kernel (O(n^2))."""
    n = int(round(duration_s / dt_s))
    raw = np.zeros(n)
    for t in times_s:
        k = int(math.floor(t / dt_s))
        if k < n:
            raw[k] += 1.0 / (n_fibres * dt_s)
    if tau_smooth_ms == 0:
        return raw
    a = math.exp(-dt_s / (tau_smooth_ms / 1000.0))
    n0 = min(n, max(1, math.ceil(5 * tau_smooth_ms / 1000.0 / dt_s)))
    r0 = raw[:n0].mean()
    out = np.zeros(n)
    for k in range(n):
        j = np.arange(k + 1)
        out[k] = a ** (k + 1) * r0 + np.sum((1 - a) * a ** (k - j) * raw[: k + 1])
    return out
