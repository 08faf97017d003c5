"""Slow, obviously-correct reference of the biophysical cable kernel (scs_sim.fibers.biophysical._cable_kernel).

The same numerical scheme written out in NumPy, vectorised over the nodes: the Frankenhaeuser-Huxley
rate functions typed from the paper's equations (not imported from the kernel), the gates by
exponential Euler, the GHK currents with a numerical (central-difference) slope, and the voltage by
backward Euler solved as a dense linear system with :func:`numpy.linalg.solve`. The step control
(fine steps in phases and shortly after, fine while any node is away from rest, coarse otherwise,
jump to the next phase once at rest) follows the kernel's documented rules. Only the physical
constants come from :func:`scs_sim.fibers.biophysical.kinetics` (the kinetics' own values are
checked against the papers in tests/test_biophysical.py).

The MRG node option (``kin.node == 1``): rate functions typed from ModelDB 3810 AXNODE.mod (McIntyre,
Richardson & Grill 2002) in absolute millivolts, Q10 factors computed here from ``celsius``, the
conductances and reversals typed from the paper; only the rest-holding leak reversal ``e_l``, the
lumped internodal load ``g_in`` and ``v_rest`` come from the kinetics bundle.
"""

from __future__ import annotations

import math

import numpy as np


def _vt(x, y):
    x = np.asarray(x, dtype=float)
    small = np.abs(x / y) < 1e-7
    safe = np.where(small, 1.0, x)
    return np.where(small, y * (1.0 - 0.5 * x / y), safe / np.expm1(safe / y))


def fh_rates(v, q):
    """(alpha, beta) of m, h, n, p at V mV above rest (Frankenhaeuser & Huxley 1964, x q)."""
    am = 0.36 * _vt(22.0 - v, 3.0)
    bm = 0.4 * _vt(v - 13.0, 20.0)
    ah = 0.1 * _vt(v + 10.0, 6.0)
    bh = 4.5 / (1.0 + np.exp((45.0 - v) / 10.0))
    an = 0.02 * _vt(35.0 - v, 10.0)
    bn = 0.05 * _vt(v - 10.0, 10.0)
    ap = 0.006 * _vt(40.0 - v, 10.0)
    bp = 0.09 * _vt(v + 25.0, 20.0)
    return [(q * am, q * bm), (q * ah, q * bh), (q * an, q * bn), (q * ap, q * bp)]


def ghk(kin, v, ci, co):
    """F xi (ci - co e^-xi) / (1 - e^-xi) * 1e-3 (mA/cm² per cm/s of permeability, mM)."""
    xi = (np.asarray(v, dtype=float) + kin.v_rest) / kin.rt_f
    return kin.faraday * 1e-3 * xi * (ci - co * np.exp(-xi)) / (1.0 - np.exp(-xi))


def ionic(kin, v, g):
    """FH current density, mA/cm² (outward +); ``g`` = (m, h, n, p)."""
    m, h, n, p = g
    ina = kin.p_na * m**2 * h * ghk(kin, v, kin.na_i, kin.na_o)
    ip = kin.p_p * p**2 * ghk(kin, v, kin.na_i, kin.na_o)
    ik = kin.p_k * n**2 * ghk(kin, v, kin.k_i, kin.k_o)
    return ina + ip + ik + kin.g_l * 1e-3 * (v - kin.e_l)


def mrg_rates(v, celsius):
    """(alpha, beta) of m, h, s, mp at V mV above -80 mV (AXNODE.mod, Q10 2.2 / 2.9 from 20 °C, 3.0 from 36 °C)."""
    va = np.asarray(v, dtype=float) - 80.0
    q1, q2, q3 = 2.2 ** ((celsius - 20) / 10), 2.9 ** ((celsius - 20) / 10), 3.0 ** ((celsius - 36) / 10)

    def lin(a, x, c):  # a x / (1 - exp(-x / c)), its limit a c at x = 0
        small = np.abs(x / c) < 1e-7
        xs = np.where(small, 1.0, x)
        return np.where(small, a * c * (1 + 0.5 * x / c), a * xs / (1 - np.exp(-xs / c)))

    am, bm = lin(1.86, va + 21.4, 10.3), lin(0.086, -(va + 25.7), 9.16)
    ah, bh = lin(0.062, -(va + 114.0), 11.0), 2.3 / (1 + np.exp(-(va + 31.8) / 13.4))
    v2 = va + 80.0
    a_s, b_s = 0.3 / (np.exp((v2 - 27) / -5) + 1), 0.03 / (np.exp((v2 + 10) / -1) + 1)
    amp, bmp = lin(0.01, va + 27.0, 10.2), lin(0.00025, -(va + 34.0), 10.0)
    return [(q1 * am, q1 * bm), (q2 * ah, q2 * bh), (q3 * a_s, q3 * b_s), (q1 * amp, q1 * bmp)]


def mrg_ionic(kin, v, g):
    """MRG node current density, mA/cm², plus the lumped internodal load; ``g`` = (m, h, s, mp), V above rest."""
    m, h, s, mp = g
    va = v + kin.v_rest
    i = (3.0 * m**3 * h + 0.01 * mp**3) * (va - 50.0) + 0.08 * s * (va + 90.0)  # S/cm² * mV = mA/cm²
    return i + 1e-3 * (kin.g_l * (v - kin.e_l) + kin.g_in * v)


class NaiveFiber:
    """One fibre: V and gates per node; ``run`` advances it through phases like the kernel."""

    def __init__(self, ve, kin, cab, num, rest, celsius=None):
        self.ve = np.atleast_2d(np.asarray(ve, dtype=float))
        self.kin, self.cab, self.num = kin, cab, num
        self.mrg = kin.node == 1
        self.celsius = celsius
        if self.mrg and celsius is None:
            raise ValueError("the MRG twin needs celsius")
        nn = self.ve.shape[1]
        self.rest = np.asarray(rest, dtype=float)
        self.v = np.zeros(nn)
        self.g = [np.full(nn, r) for r in self.rest]
        self.t = 0.0
        self.above = False
        self.last_end = -1e9
        self.spikes: list[float] = []
        # Axial coupling matrix (sealed ends): (A v)_j = sum over neighbours (v_k - v_j).
        a = np.zeros((nn, nn))
        for j in range(nn):
            for k in (j - 1, j + 1):
                if 0 <= k < nn:
                    a[j, k] += 1.0
                    a[j, j] -= 1.0
        self.lap = a

    def step(self, ve_now, dt):
        kin, k_ax = self.kin, self.cab.k_axial
        v_old = self.v.copy()
        rates = mrg_rates(v_old, self.celsius) if self.mrg else fh_rates(v_old, kin.q)
        cur = mrg_ionic if self.mrg else ionic
        for i, (a, b) in enumerate(rates):
            tau = 1.0 / (a + b)
            inf = a * tau
            self.g[i] = inf + (self.g[i] - inf) * np.exp(-dt / tau)
        i0 = cur(kin, v_old, self.g) * 1e3  # µA/cm²
        eps = 1e-4
        gi = (cur(kin, v_old + eps, self.g) - cur(kin, v_old - eps, self.g)) * 1e3 / (2 * eps)  # mS/cm²
        c = kin.cm / dt
        # c (V' - V) = -(i0 + gi (V' - V)) + k (lap V' + lap Ve)
        mat = np.diag(c + gi) - k_ax * self.lap
        rhs = c * v_old - i0 + gi * v_old + k_ax * (self.lap @ ve_now)
        self.v = np.linalg.solve(mat, rhs)
        vr_old, vr = v_old[self.cab.rec], self.v[self.cab.rec]
        if not self.above and vr >= self.cab.v_detect:
            frac = (self.cab.v_detect - vr_old) / (vr - vr_old) if vr > vr_old else 1.0
            self.spikes.append(self.t + frac * dt)
            self.above = True
        elif self.above and vr < self.cab.v_rearm:
            self.above = False
        self.t += dt

    def _quiet(self):
        num = self.num
        return (np.abs(self.v).max() <= num.v_quiet
                and all(np.abs(g - r).max() <= num.g_quiet for g, r in zip(self.g, self.rest, strict=True)))

    def settle(self, t_target):
        num = self.num
        zero = np.zeros_like(self.v)
        while self.t < t_target - 1e-12:
            if self.t < self.last_end + num.t_active:
                dt = min(num.dt_fine, self.last_end + num.t_active - self.t, t_target - self.t)
            elif np.abs(self.v).max() > num.v_fine:
                dt = min(num.dt_fine, t_target - self.t)
            elif self._quiet():
                self.v[:] = 0.0
                self.g = [np.full_like(self.v, r) for r in self.rest]
                self.t = t_target
                return
            else:
                dt = min(num.dt_coarse, t_target - self.t)
            self.step(zero, dt)

    def run(self, start, width, current, channel, t_stop=-math.inf):
        for t0, wd, cur, ch in zip(start, width, current, channel, strict=True):
            if t0 > self.t:
                self.settle(t0)
            nsub = max(self.num.min_sub, int(math.ceil(wd / self.num.dt_fine - 1e-9)))
            for _ in range(nsub):
                self.step(cur * self.ve[ch], wd / nsub)
            self.t = t0 + wd
            self.last_end = t0 + wd
        if t_stop > self.t:
            self.settle(t_stop)
        return np.array(self.spikes)
