"""Slow, obviously-correct twin of the double-cable MRG kernel (scs_sim.fibers.biophysical_dcable._dcable_kernel).

A different formulation of the same equations: the unknowns of each step are the intracellular and
periaxonal potentials (Vi, Vp) of every compartment, the Kirchhoff current balances are written out one by
one into a dense (2n x 2n) matrix and solved with numpy.linalg.solve (the kernel solves for the membrane
potentials (Vm, Vy) with a 2 x 2 block-tridiagonal elimination). Node rates and currents are typed from
AXNODE.mod in absolute mV (tests/naive_biophysical.mrg_rates). The state kept between steps is the
capacitor voltages Vm = Vi - Vp and Vy = Vp - Ve, as in the kernel.
"""

from __future__ import annotations

import math

import numpy as np

from tests.naive_biophysical import mrg_rates


def node_current(vm_rel, g):
    """MRG node current (mA/cm²) at Vm (mV above -80) and its slope (S/cm² = mA/cm² per mV); published E_L."""
    m, h, s, mp = g
    va = vm_rel - 80.0
    gna = 3.0 * m**3 * h + 0.01 * mp**3
    i = gna * (va - 50.0) + 0.08 * s * (va + 90.0) + 0.007 * (va + 90.0)
    return i, gna + 0.08 * s + 0.007


class NaiveDCable:
    def __init__(self, cab, ve, state, celsius=37.0, dt_ms=2e-3, min_sub=8):
        self.cab, self.ve = cab, np.asarray(ve, dtype=float)
        self.vm = state.vm.copy()
        self.vy = state.vy.copy()
        self.g = [state.m.copy(), state.h.copy(), state.s.copy(), state.p.copy()]
        self.celsius, self.dt, self.min_sub = celsius, dt_ms, min_sub
        self.t = 0.0
        self.above = False
        self.spikes: list[float] = []

    def step(self, cur, dt):
        cab = self.cab
        n = self.vm.size
        for i in np.flatnonzero(cab.is_node):
            rates = mrg_rates(self.vm[i], self.celsius)
            for k, (a, b) in enumerate(rates):
                inf, tau = a / (a + b), 1.0 / (a + b)
                self.g[k][i] = inf + (self.g[k][i] - inf) * math.exp(-dt / tau)
        ve = cur * self.ve
        mat = np.zeros((2 * n, 2 * n))
        rhs = np.zeros(2 * n)
        iv = lambda i: i  # noqa: E731  (column of Vi_i)
        ip = lambda i: n + i  # noqa: E731  (column of Vp_i)
        for i in range(n):
            # axolemma current out of the axon: C_ax/dt (Vm - Vm_old) + I0 + G (Vm - Vm_old), Vm = Vi - Vp
            if cab.is_node[i]:
                i0, g = node_current(self.vm[i], [x[i] for x in self.g])
                i0, g = i0 * cab.node_area[i] * 1e6, g * cab.node_area[i] * 1e6  # nA, µS
            else:
                i0, g = cab.g_pas[i] * self.vm[i], cab.g_pas[i]
            cg = cab.c_ax[i] / dt + g
            const_ax = i0 - cg * self.vm[i]  # current = cg (Vi - Vp) + const_ax
            # intracellular: axolemma current = sum_j Ga (Vi_j - Vi_i)
            row = iv(i)
            mat[row, iv(i)] += cg
            mat[row, ip(i)] -= cg
            rhs[row] -= const_ax
            for j, ga in ((i - 1, cab.ga[i - 1] if i > 0 else 0.0), (i + 1, cab.ga[i] if i < n - 1 else 0.0)):
                if 0 <= j < n:
                    mat[row, iv(i)] += ga
                    mat[row, iv(j)] -= ga
            row = ip(i)
            if cab.is_node[i]:  # shorted periaxonal layer
                mat[row, ip(i)] = 1.0
                rhs[row] = ve[i]
                continue
            # periaxonal: myelin current = axolemma current + sum_j Gp (Vp_j - Vp_i)
            # myelin current = C_my/dt (Vy - Vy_old) + G_my Vy, Vy = Vp - Ve
            cm = cab.c_my[i] / dt + cab.g_my[i]
            mat[row, ip(i)] += cm
            rhs[row] += cm * ve[i] + cab.c_my[i] / dt * self.vy[i]
            mat[row, iv(i)] -= cg
            mat[row, ip(i)] += cg
            rhs[row] += const_ax
            for j, gp in ((i - 1, cab.gp[i - 1] if i > 0 else 0.0), (i + 1, cab.gp[i] if i < n - 1 else 0.0)):
                if 0 <= j < n:
                    mat[row, ip(i)] += gp
                    mat[row, ip(j)] -= gp
        x = np.linalg.solve(mat, rhs)
        vi, vp = x[:n], x[n:]
        v_old = self.vm[cab.rec]
        self.vm = vi - vp
        self.vy = vp - ve
        vr = self.vm[cab.rec]
        if not self.above and vr >= cab.v_detect:
            frac = (cab.v_detect - v_old) / (vr - v_old) if vr > v_old else 1.0
            self.spikes.append(self.t + frac * dt)
            self.above = True
        elif self.above and vr < cab.v_rearm:
            self.above = False
        self.t += dt

    def run(self, start, width, current, t_stop):
        phases = list(zip(start, width, current, strict=True)) + [(t_stop, None, None)]
        for s, w, c in phases:
            while self.t < s - 1e-12:
                self.step(0.0, min(self.dt, s - self.t))
            if w is None:
                break
            nsub = max(self.min_sub, math.ceil(w / self.dt - 1e-9))
            for k in range(nsub):
                self.t = s + k * (w / nsub)
                self.step(c, w / nsub)
            self.t = s + w
        return np.array(self.spikes)
