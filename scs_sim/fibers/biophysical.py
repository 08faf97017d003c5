"""A biophysical reference fibre: a SENN-type myelinated-axon cable with Frankenhaeuser-Huxley (or MRG) nodes.

This module owns :class:`BiophysicalParams`, the numba cable kernel ``_cable_kernel`` with its named
bundles (:class:`Kinetics`, :class:`Cable`, :class:`Numerics`, :class:`CableState`, :class:`CablePhases`,
:class:`CableSpikes`), the single-fibre API (:func:`simulate_fiber`, :func:`single_pulse_threshold`,
:func:`reilly_potentials`) and :func:`recruit_biophysical` / :func:`recruit_biophysical_mrg`, drop-in
replacements of :func:`scs_sim.fibers.recruitment.recruit` behind ``fiber_model = "biophysical"`` /
``"biophysical_mrg"``. Equations, parameters, sources and the reference checks are in ``docs/MODEL.md`` §2.7.

Model (McNeal 1976 IEEE TBME 23:329; Reilly, Freeman & Larkin 1985 IEEE TBME 32:1001), per node ``j``::

    c_m dV_j/dt = -i_ion(V_j, m, h, n, p) + k (V_{j-1} - 2 V_j + V_{j+1} + Ve_{j-1} - 2 Ve_j + Ve_{j+1})
    k = d / (4 rho_a L l)                                              (axial conductance per node area)

``V`` is the membrane potential relative to rest (mV), ``Ve`` the extracellular potential (mV) from
the volume conductor, the internodes are pure axial resistance (perfectly insulating myelin), the ends
are sealed. ``i_ion``: ``node = "fh"`` (default) the Frankenhaeuser-Huxley (1964 J Physiol 171:302) node,
GHK Na, K and non-specific currents plus a leak, rates Q10-scaled from 20 °C; ``"mrg"`` the MRG node
membrane of :mod:`scs_sim.fibers.biophysical_mrg` (not the double-cable MRG model). Integration: gates by
exponential Euler at the old voltage, voltage by backward Euler with the ionic current linearised (one
tridiagonal solve per step); fine steps in and after phases, coarse later, a jump once back at rest.

A spike is the upward crossing of ``v_detect_mv`` at a recording node near the rostral end of the
simulated stretch (a propagated action potential, so a blocked or local response does not count).
"""

from __future__ import annotations

import math
from collections import namedtuple
from typing import Literal

import numpy as np
from pydantic import Field

from scs_sim._jit import njit
from scs_sim._params import Params
from scs_sim.errors import ConfigError
from scs_sim.fibers.biophysical_mrg import MRG_SOURCE, mrg_constants, mrg_ionic, mrg_rates, vtrap

__all__ = ["BiophysicalParams", "recruit_biophysical", "recruit_biophysical_mrg", "reilly_potentials",
           "simulate_fiber", "single_pulse_threshold", "kinetics", "rest_state"]

_FH = "Frankenhaeuser & Huxley 1964 J Physiol 171:302"
_REILLY = "Reilly, Freeman & Larkin 1985 IEEE Trans Biomed Eng 32:1001"
_ASSUMPTION = "scs_sim assumption"

#: Faraday constant (C/mol) and gas constant (J/(mol K)).
FARADAY = 96485.33
GAS_R = 8.314462


class BiophysicalParams(Params):
    """Parameters of the SENN-type fibre (geometry, FH node, numerics, coupling to the conductor)."""

    node: Literal["fh", "mrg"] = Field(
        "fh", description=f"Node membrane: 'fh' Frankenhaeuser-Huxley ({_FH}, Q10-scaled); 'mrg' the mammalian node "
        f"of {MRG_SOURCE} at `celsius` with its own Q10s (q10 unused), on this SENN cable (no paranodes, no DAP).")
    mrg_internode_ms_cm2: float = Field(
        45.0, ge=0, le=1000.0, description=f"node='mrg': lumped internodal load, mS/cm² of node area, reversal at rest "
        f"({_ASSUMPTION}: MRG's MYSA+FLUT+STIN leak of one 10 µm internode; docs/MODEL.md §2.7).")
    rho_a_ohm_cm: float = Field(110.0, gt=0, le=1000.0, description=f"Axoplasm resistivity, Ω·cm ({_REILLY}).")
    axon_ratio: float = Field(0.7, gt=0, le=1.0, description=f"Axon / fibre diameter d/D ({_REILLY}).")
    node_length_um: float = Field(2.5, gt=0, le=20.0, description=f"Node length, µm ({_REILLY}).")
    cm_uf_cm2: float = Field(2.0, gt=0, le=20.0, description=f"Nodal capacitance, µF/cm² ({_FH}; {_REILLY}).")
    celsius: float = Field(
        37.0, ge=0.0, le=45.0,
        description=f"Temperature, °C; FH rates are Q10-scaled from 20 °C ({_FH} measured at 20 °C; body "
        f"temperature for SCS is an {_ASSUMPTION}; the Reilly checks run at 20 °C).")
    q10: float = Field(3.0, gt=1.0, le=5.0, description=f"Q10 of every FH rate ({_ASSUMPTION}; the FH choice of the "
                       "public PySONIC code).")
    dt_us: float = Field(5.0, gt=0, le=50.0, description="Fine time step in and after phases, µs (numerics).")
    dt_coarse_us: float = Field(50.0, gt=0, le=500.0, description="Coarse step once the fibre is settling, µs.")
    active_ms: float = Field(1.0, gt=0, le=100.0, description="Fine steps last at least this long after a phase, ms.")
    v_fine_mv: float = Field(1.0, gt=0, le=50.0, description="... and while any node is this far from rest, mV.")
    min_substeps: int = Field(8, ge=1, le=1000, description="At least this many steps per phase (short pulses).")
    v_detect_mv: float = Field(50.0, gt=0, le=100.0, description="Spike = upward crossing of this V (mV above rest).")
    record_margin: int = Field(3, ge=1, le=50, description="Recording node: this many nodes from the rostral end.")
    window_fraction: float = Field(
        5e-2, ge=0.0, le=0.5,
        description="Simulated stretch: the nodes whose activating function exceeds this fraction of the fibre's "
        "peak, plus window_margin nodes each side (numerics).")
    window_margin: int = Field(12, ge=2, le=500, description="Nodes added on each side of the stretch.")
    current_scale: float = Field(
        1.0, gt=0, le=100.0,
        description="Multiplies the conductor's node potentials. 1 = the homogeneous conductor as is "
        "(UNCALIBRATED by decision: the S-D shape differs from the fast model's, so one scale cannot match the "
        "Hershey 2010 rheobase and chronaxie; the 300 µs threshold is ~1.66 x the fast model's, docs/MODEL.md §2.7; "
        "1.66 matches the fast model at 300 µs).")
    noise_sd: float = Field(
        0.03, ge=0, le=0.5,
        description="Relative threshold noise per pulse and fibre, applied as a gain 1/(1 + sd xi) on the "
        "potentials (same meaning as ExcitationParams.noise_sd, Gilbert et al. 2022 eNeuro 9(5)).")
    skip_af_mv: float = Field(
        2.0, ge=0, le=1000.0,
        description="A fibre whose largest |activating function| (mV, any phase, after scale, noise at +4 sd and "
        "threshold factor) stays below this is not integrated (it cannot fire; the criterion is tested).")


# --- the kernel's named bundles ---------------------------------------------------------------------
#: Node constants (mV, ms, mS/cm², µF/cm², cm/s, mM); ``node`` 0 = FH (GHK fields), 1 = MRG (fields after node).
Kinetics = namedtuple("Kinetics", ["p_na", "p_k", "p_p", "g_l", "e_l", "na_i", "na_o", "k_i", "k_o",
                                   "v_rest", "rt_f", "q", "cm", "faraday", "node", "g_naf", "g_nap", "g_ks",
                                   "e_na", "e_k", "q_h", "q_s", "g_in"])
#: Cable scalars: axial conductance per node area (mS/cm²), recording node, detection levels (mV).
Cable = namedtuple("Cable", ["k_axial", "rec", "v_detect", "v_rearm"])
#: Step control (ms, mV, gate units).
Numerics = namedtuple("Numerics", ["dt_fine", "dt_coarse", "t_active", "v_fine", "min_sub", "v_quiet", "g_quiet"])
#: Fibre state, updated in place: V and gates per node, the clock, detector arming, end of last phase.
CableState = namedtuple("CableState", ["v", "m", "h", "n", "p", "rest", "t_now", "above", "last_end"])
#: Phases (ms, mA after all gains, channel row of ``ve``).
CablePhases = namedtuple("CablePhases", ["start", "width", "current", "channel"])
#: Spike output: times (ms, capped) and the exact count.
CableSpikes = namedtuple("CableSpikes", ["t", "count"])


def kinetics(celsius: float = 20.0, q10: float = 3.0, cm_uf_cm2: float = 2.0, node: str = "fh", g_in=45.0) -> Kinetics:
    """Node constants at ``celsius``, leak reversal set for zero net current at rest: ``node`` "fh" (rates x
    q10^((T-20)/10)) or "mrg" (biophysical_mrg.mrg_constants; q10 unused; ``g_in`` internodal load, mS/cm²)."""
    rt_f = GAS_R * (celsius + 273.15) / FARADAY * 1e3  # mV
    kin = Kinetics(p_na=8e-3, p_k=1.2e-3, p_p=0.54e-3, g_l=30.3, e_l=0.0, na_i=13.74, na_o=114.5, k_i=120.0,
                   k_o=2.5, v_rest=-70.0, rt_f=rt_f, q=q10 ** ((celsius - 20.0) / 10.0), cm=cm_uf_cm2,
                   faraday=FARADAY, node=0, **dict.fromkeys(Kinetics._fields[15:], 0.0))
    if node == "mrg":
        kin = kin._replace(node=1, p_na=0.0, p_k=0.0, p_p=0.0, g_in=float(g_in), **mrg_constants(celsius))
    elif node != "fh":
        raise ConfigError(f"node must be 'fh' or 'mrg' (got {node!r})", key="node")
    g = np.array([_gate_inf(kin, 0.0, i) for i in range(4)])
    i_ghk = _ionic(0.0, g[0], g[1], g[2], g[3], kin)[0]  # with e_l = 0: ghk part + g_l * 0
    return kin._replace(e_l=float(i_ghk * 1e3 / kin.g_l))  # mA/cm² -> µA/cm², / mS/cm² = mV


def rest_state(kin: Kinetics, n_nodes: int) -> CableState:
    """A fibre at rest (V = 0, gates at their steady state) with an empty clock."""
    g = np.array([_gate_inf(kin, 0.0, i) for i in range(4)])
    return CableState(v=np.zeros(n_nodes), m=np.full(n_nodes, g[0]), h=np.full(n_nodes, g[1]),
                      n=np.full(n_nodes, g[2]), p=np.full(n_nodes, g[3]), rest=g, t_now=np.zeros(1),
                      above=np.zeros(1, dtype=np.bool_), last_end=np.full(1, -1e9))


@njit
def _rates(kin, v, i):
    """(alpha, beta), 1/ms, of gate i (0 m, 1 h, 2 n, 3 p) at V mV above rest (FH 1964, x Q10; MRG if node 1)."""
    if kin.node == 1:
        return mrg_rates(kin, v, i)
    q = kin.q
    if i == 0:
        return q * 0.36 * vtrap(22.0 - v, 3.0), q * 0.4 * vtrap(v - 13.0, 20.0)
    if i == 1:
        return q * 0.1 * vtrap(v + 10.0, 6.0), q * 4.5 / (1.0 + math.exp((45.0 - v) / 10.0))
    if i == 2:
        return q * 0.02 * vtrap(35.0 - v, 10.0), q * 0.05 * vtrap(v - 10.0, 10.0)
    return q * 0.006 * vtrap(40.0 - v, 10.0), q * 0.09 * vtrap(v + 25.0, 20.0)


@njit
def _gate_inf(kin, v, i):
    """Steady-state value of gate i at V (mV above rest)."""
    a, b = _rates(kin, v, i)
    return a / (a + b)


@njit
def _ghk(kin, v, ci, co):
    """GHK flux factor F xi (ci - co e^-xi) / (1 - e^-xi) and its V-derivative (µA/cm² per cm/s; per mV)."""
    xi = (v + kin.v_rest) / kin.rt_f
    f = kin.faraday * 1e-3
    if abs(xi) < 1e-6:
        return f * (ci - co + 0.5 * xi * (ci + co)), f * 0.5 * (ci + co) / kin.rt_f
    e = math.exp(-xi)
    den = -math.expm1(-xi)  # 1 - e
    num = ci - co * e
    val = f * xi * num / den
    dxi = f * ((num + xi * co * e) / den - xi * num * e / (den * den))
    return val, dxi / kin.rt_f


@njit
def _ionic(v, m, h, n, p, kin):
    """Ionic current density and its V-derivative at fixed gates: (mA/cm², mS/cm²), outward + (FH; MRG if node 1)."""
    if kin.node == 1:
        return mrg_ionic(v, m, h, n, p, kin)
    gna, dna = _ghk(kin, v, kin.na_i, kin.na_o)
    gk, dk = _ghk(kin, v, kin.k_i, kin.k_o)
    pna = kin.p_na * m * m * h + kin.p_p * p * p
    pk = kin.p_k * n * n
    i = pna * gna + pk * gk + kin.g_l * 1e-3 * (v - kin.e_l)
    return i, (pna * dna + pk * dk) * 1e3 + kin.g_l


@njit
def _step(st, drive, dt, kin, k_ax, work):
    """One step of length dt (ms): exponential-Euler gates, then a linearised backward-Euler tridiagonal solve.

    ``drive`` (µA/cm², (n,)) is k times the second difference of Ve (sealed ends); ``work`` is (4, n) scratch.
    """
    v, m, h, n, p = st.v, st.m, st.h, st.n, st.p
    nn = v.shape[0]
    c = kin.cm / dt  # µF/cm² / ms = mS/cm²
    sub = work[0]
    diag = work[1]
    rhs = work[2]
    cp = work[3]
    for j in range(nn):
        vj = v[j]
        for g in range(4):
            a, b = _rates(kin, vj, g)
            tau = 1.0 / (a + b)
            inf = a * tau
            e = math.exp(-dt / tau)
            if g == 0:
                m[j] = inf + (m[j] - inf) * e
            elif g == 1:
                h[j] = inf + (h[j] - inf) * e
            elif g == 2:
                n[j] = inf + (n[j] - inf) * e
            else:
                p[j] = inf + (p[j] - inf) * e
        i0, gi = _ionic(vj, m[j], h[j], n[j], p[j], kin)
        i0 *= 1e3  # µA/cm²; gi in mS/cm²
        nb = 2.0 if 0 < j < nn - 1 else 1.0
        if nn == 1:
            nb = 0.0
        diag[j] = c + gi + nb * k_ax
        rhs[j] = c * vj - i0 + gi * vj + drive[j]
        sub[j] = -k_ax
    # Thomas algorithm (symmetric: super-diagonal = sub-diagonal = -k_ax).
    cp[0] = sub[0] / diag[0]
    rhs[0] = rhs[0] / diag[0]
    for j in range(1, nn):
        den = diag[j] - sub[j] * cp[j - 1]
        cp[j] = sub[j] / den
        rhs[j] = (rhs[j] - sub[j] * rhs[j - 1]) / den
    v[nn - 1] = rhs[nn - 1]
    for j in range(nn - 2, -1, -1):
        v[j] = rhs[j] - cp[j] * v[j + 1]


@njit
def _detect(st, cab, v_old, t_old, dt, out):
    """Record an upward crossing of ``cab.v_detect`` at the recording node during the last step."""
    vr = st.v[cab.rec]
    if not st.above[0]:
        if vr >= cab.v_detect:
            frac = (cab.v_detect - v_old) / (vr - v_old) if vr > v_old else 1.0
            k = out.count[0]
            if k < out.t.shape[0]:
                out.t[k] = t_old + frac * dt
            out.count[0] = k + 1
            st.above[0] = True
    elif vr < cab.v_rearm:
        st.above[0] = False


@njit
def _quiet(st, num):
    """True when every node is within ``num.v_quiet`` mV and every gate within ``num.g_quiet`` of rest."""
    r = st.rest
    for j in range(st.v.shape[0]):
        if abs(st.v[j]) > num.v_quiet:
            return False
        if (abs(st.m[j] - r[0]) > num.g_quiet or abs(st.h[j] - r[1]) > num.g_quiet
                or abs(st.n[j] - r[2]) > num.g_quiet or abs(st.p[j] - r[3]) > num.g_quiet):
            return False
    return True


@njit
def _vmax(st):
    """Largest |V| over the nodes, mV."""
    x = 0.0
    for j in range(st.v.shape[0]):
        x = max(x, abs(st.v[j]))
    return x


@njit
def _settle(st, t_target, kin, cab, num, zero, work, out):
    """Integrate without stimulus from ``st.t_now`` to ``t_target`` (fine, then coarse steps, then jump at rest)."""
    while st.t_now[0] < t_target - 1e-12:
        t = st.t_now[0]
        if t < st.last_end[0] + num.t_active:
            dt = min(num.dt_fine, st.last_end[0] + num.t_active - t, t_target - t)
        elif _vmax(st) > num.v_fine:
            dt = min(num.dt_fine, t_target - t)
        else:
            if _quiet(st, num):
                for j in range(st.v.shape[0]):
                    st.v[j] = 0.0
                    st.m[j] = st.rest[0]
                    st.h[j] = st.rest[1]
                    st.n[j] = st.rest[2]
                    st.p[j] = st.rest[3]
                st.t_now[0] = t_target
                return
            dt = min(num.dt_coarse, t_target - t)
        v_old = st.v[cab.rec]
        _step(st, zero, dt, kin, cab.k_axial, work)
        st.t_now[0] = t + dt
        _detect(st, cab, v_old, t, dt, out)


@njit
def _cable_kernel(ph, ve, kin, cab, num, st, out, t_stop):
    """Advance one fibre through a chunk of phases (state and spikes updated in place).

    Parameters
    ----------
    ph : CablePhases
        ``start`` and ``width`` (float64 (n_phases,), ms), ``current`` (float64, mA after scale, noise and
        threshold-factor gains; cathodic < 0), ``channel`` (int64, row of ``ve``).
    ve : float64 array (n_channels, n_nodes)
        Extracellular potential per mA of channel current at each simulated node, mV/mA.
    kin : Kinetics
        Node constants, FH or MRG (see :func:`kinetics`).
    cab : Cable
        ``k_axial`` (mS/cm², d / (4 rho_a L l)), ``rec`` (int, recording node), ``v_detect`` and ``v_rearm``
        (mV above rest: spike threshold and re-arming level of the detector).
    num : Numerics
        ``dt_fine``, ``dt_coarse``, ``t_active`` (ms: fine steps at least this long after a phase), ``v_fine``
        (mV: and while any node is farther from rest), ``min_sub`` (int, steps per phase at least),
        ``v_quiet`` (mV) and ``g_quiet`` (gate units): the at-rest test before jumping ahead.
    st : CableState
        Per-node ``v`` (mV above rest), ``m``, ``h``, ``n``, ``p``; ``rest`` (4,) resting gates; ``t_now``
        (1,) ms; ``above`` (bool (1,)) detector state; ``last_end`` (1,) end of the last phase, ms.
    out : CableSpikes
        ``t`` (float64 (cap,), ms) spike times at the recording node, ``count`` (int64 (1,)) exact count.
    t_stop : float
        After the last phase, integrate on to this time (ms); ``-inf`` = stop at the last phase's end.

    Returns
    -------
    int
        Integration steps taken (for the speed report).
    """
    nn = st.v.shape[0]
    work = np.empty((4, nn))
    zero = np.zeros(nn)
    drive = np.empty(nn)
    k_ax = cab.k_axial
    steps = 0
    for i in range(ph.start.shape[0]):
        t0 = ph.start[i]
        wd = ph.width[i]
        if t0 > st.t_now[0]:
            _settle(st, t0, kin, cab, num, zero, work, out)
        cur = ph.current[i]
        row = ve[ph.channel[i]]
        for j in range(nn):
            left = row[j - 1] if j > 0 else row[j]
            right = row[j + 1] if j < nn - 1 else row[j]
            drive[j] = k_ax * cur * (left - 2.0 * row[j] + right)
        nsub = max(num.min_sub, int(math.ceil(wd / num.dt_fine - 1e-9)))
        dt = wd / nsub
        for _ in range(nsub):
            t = st.t_now[0]
            v_old = st.v[cab.rec]
            _step(st, drive, dt, kin, k_ax, work)
            st.t_now[0] = t + dt
            _detect(st, cab, v_old, t, dt, out)
            steps += 1
        st.t_now[0] = t0 + wd
        st.last_end[0] = t0 + wd
    if t_stop > st.t_now[0]:
        _settle(st, t_stop, kin, cab, num, zero, work, out)
    return steps


# --- single-fibre API ----------------------------------------------------------------------------------
def cable_constants(diameter_um: float, params: BiophysicalParams, n_nodes: int,
                    rec: int | None = None) -> tuple[Kinetics, Cable, Numerics]:
    """The kernel bundles for a fibre of ``diameter_um`` with ``n_nodes`` simulated nodes.

    ``k_axial = d / (4 rho_a L l)`` with ``d = axon_ratio D``, ``L = 100 D`` (McNeal 1976), ``l`` the node length.
    """
    p = params
    d_cm = p.axon_ratio * diameter_um * 1e-4
    big_l_cm = 100.0 * diameter_um * 1e-4
    l_cm = p.node_length_um * 1e-4
    k_ax = d_cm / (4.0 * p.rho_a_ohm_cm * big_l_cm * l_cm) * 1e3  # mS/cm²
    kin = kinetics(p.celsius, p.q10, p.cm_uf_cm2, p.node, p.mrg_internode_ms_cm2)
    r = n_nodes - 1 - p.record_margin if rec is None else int(rec)
    if not 0 <= r < n_nodes:
        raise ConfigError(f"recording node {r} is outside the {n_nodes} simulated nodes", key="rec")
    cab = Cable(k_axial=float(k_ax), rec=int(r), v_detect=float(p.v_detect_mv), v_rearm=float(p.v_detect_mv / 2))
    num = Numerics(dt_fine=p.dt_us * 1e-3, dt_coarse=p.dt_coarse_us * 1e-3, t_active=p.active_ms,
                   v_fine=p.v_fine_mv, min_sub=int(p.min_substeps), v_quiet=2e-2, g_quiet=1e-3)
    return kin, cab, num


def simulate_fiber(ve: np.ndarray, diameter_um: float, start_ms, width_ms, current_ma, channel=None, *,
                   t_stop_ms: float = -math.inf, params: BiophysicalParams | None = None, rec: int | None = None,
                   state: CableState | None = None, max_spikes: int = 100_000) -> tuple[np.ndarray, CableState]:
    """Run one fibre through the given phases; returns (spike times at the recording node, ms; final state).

    ``ve`` is (n_nodes,) or (n_channels, n_nodes), mV per mA (positive current); ``current_ma`` signed
    (cathodic < 0). Pass the returned ``state`` back in to continue.
    """
    p = params or BiophysicalParams()
    ve2 = np.ascontiguousarray(np.atleast_2d(np.asarray(ve, dtype=np.float64)))
    n_nodes = ve2.shape[1]
    kin, cab, num = cable_constants(diameter_um, p, n_nodes, rec)
    st = state if state is not None else rest_state(kin, n_nodes)
    start = np.ascontiguousarray(np.atleast_1d(np.asarray(start_ms, dtype=np.float64)))
    ch = np.zeros(start.size, np.int64) if channel is None else np.ascontiguousarray(channel, dtype=np.int64)
    ph = CablePhases(start=start, width=np.ascontiguousarray(np.atleast_1d(width_ms), dtype=np.float64),
                     current=np.ascontiguousarray(np.atleast_1d(current_ma), dtype=np.float64), channel=ch)
    out = CableSpikes(t=np.empty(int(max_spikes)), count=np.zeros(1, np.int64))
    _cable_kernel(ph, ve2, kin, cab, num, st, out, float(t_stop_ms))
    return out.t[: min(int(out.count[0]), int(max_spikes))].copy(), st


def fires(ve: np.ndarray, diameter_um: float, amp_ma: float, pw_us: float, params: BiophysicalParams, *,
          rec: int | None = None, t_after_ms: float = 3.0) -> bool:
    """Whether one monophasic pulse of ``amp_ma`` (signed) and ``pw_us`` launches a spike to the recording node."""
    pw = pw_us * 1e-3
    t, _ = simulate_fiber(ve, diameter_um, [0.0], [pw], [amp_ma], t_stop_ms=pw + t_after_ms, params=params, rec=rec)
    return t.size > 0


def single_pulse_threshold(ve: np.ndarray, diameter_um: float, pw_us: float, params: BiophysicalParams | None = None,
                           *, polarity: float = -1.0, rec: int | None = None, rel_tol: float = 2e-3,
                           t_after_ms: float = 3.0, start_ma: float = 1e-3, ceiling_ma: float = 1e4) -> float:
    """Lowest amplitude (mA, magnitude) of one monophasic pulse that fires (``inf`` above the ceiling).

    Doubles from ``start_ma`` until the fibre fires, then bisects; starting low matters, because far
    above threshold the flanking hyperpolarisation blocks propagation (cathodal block) and the fibre
    stops firing again.
    """
    p = params or BiophysicalParams()
    lo, hi = 0.0, float(start_ma)
    while not fires(ve, diameter_um, polarity * hi, pw_us, p, rec=rec, t_after_ms=t_after_ms):
        lo, hi = hi, hi * 2.0
        if hi > ceiling_ma:
            return math.inf
    while hi - lo > rel_tol * hi:
        mid = 0.5 * (lo + hi)
        if fires(ve, diameter_um, polarity * mid, pw_us, p, rec=rec, t_after_ms=t_after_ms):
            hi = mid
        else:
            lo = mid
    return hi


def reilly_potentials(n_nodes: int = 41, diameter_um: float = 20.0, distance_mm: float | None = None,
                      rho_e_ohm_cm: float = 300.0) -> np.ndarray:
    """Node potentials (mV per mA) of Reilly's test case: a point electrode above the central node.

    ``V = rho_e I / (4 pi r)`` in a homogeneous medium; the electrode is ``distance_mm`` (default one
    internode, ``L = 100 D``) from the fibre, over node ``n_nodes // 2``.
    """
    big_l_mm = 100.0 * diameter_um * 1e-3
    h = big_l_mm if distance_mm is None else distance_mm
    z = (np.arange(n_nodes) - n_nodes // 2) * big_l_mm
    r_cm = np.sqrt(h * h + z * z) * 0.1
    return rho_e_ohm_cm / (4.0 * math.pi * r_cm)


# --- population recruitment (the fiber_model = "biophysical" path) -----------------------------------------
def _fiber_setup(fibers, f: int, weights: np.ndarray, p: BiophysicalParams):
    """(ve (n_ch, n_win) mV/mA, peak |AF| per channel (mV/mA)) on fibre f's simulated stretch."""
    v = fibers.node_potentials(f) @ weights.T  # (m, n_ch): potential per mA of each channel's current
    af = np.abs(v[:-2] - 2.0 * v[1:-1] + v[2:])  # (m - 2, n_ch), node j + 1
    peak = af.max(axis=0)
    big = np.flatnonzero((af >= p.window_fraction * max(float(peak.max()), 1e-300)).any(axis=1))
    lo = max(0, int(big[0]) + 1 - p.window_margin) if big.size else 0
    hi = min(v.shape[0], int(big[-1]) + 2 + p.window_margin) if big.size else v.shape[0]
    return np.ascontiguousarray(v[lo:hi].T), peak


def _as_params(params) -> BiophysicalParams:
    if params is None:
        return BiophysicalParams()
    if isinstance(params, BiophysicalParams):
        return params
    from scs_sim.fibers.params import ExcitationParams

    if isinstance(params, ExcitationParams):  # the config's excitation table: only the noise carries over
        return BiophysicalParams(noise_sd=params.noise_sd)
    raise ConfigError(f"params must be BiophysicalParams or ExcitationParams (got {type(params).__name__})",
                      key="params")


def recruit_biophysical(train, fibers, rng: np.random.Generator, duration_s: float, *, params=None,
                        perception=None, max_spikes: int = 2_000_000, stats: dict | None = None):
    """:func:`scs_sim.fibers.recruitment.recruit` with the biophysical fibre: same inputs, same :class:`Recruitment`.

    Every fibre is a SENN cable (:func:`simulate_fiber`) on the stretch of nodes where the channels'
    activating function matters, driven by the conductor's node potentials times
    ``params.current_scale / threshold_factor`` and a per-pulse noise gain ``1 / (1 + noise_sd xi)``
    (``xi`` standard normal from a child generator per fibre, ``rng.spawn``, so skipping a fibre does
    not change the others). A DC spike counts in a pulse's volley when it reaches the recording node
    within ``perception.sync_window_ms`` of the pulse onset (the latest onset before it). A fibre
    whose largest drive cannot reach ``params.skip_af_mv`` is not integrated. ``params`` may be an
    :class:`~scs_sim.fibers.params.ExcitationParams` (only its ``noise_sd`` is used). ``stats``, if
    given, receives the work done (fibres integrated, steps, wall time).
    """
    import time

    from scs_sim.fibers.params import PerceptionParams, check_recruit_args
    from scs_sim.fibers.recruitment import Recruitment

    wall0 = time.perf_counter()
    p = _as_params(params)
    perception = perception or PerceptionParams()
    check_recruit_args(rng, duration_s, max_spikes)
    n, n_ch = fibers.n, len(train.channels)
    weights = np.array([fibers.contact_weights(ch.cathodes, ch.anodes,
                                               key="program" if n_ch == 1 else f"program.components.{i}")
                        for i, ch in enumerate(train.channels)])
    chunks = [c for c in train.chunks(0.0, float(duration_s), max_pulses=50_000) if c.n_pulses]
    onsets = np.concatenate([c.onset_s for c in chunks]) if chunks else np.zeros(0)
    n_pulses = int(onsets.size)
    pulse_channel = np.zeros(n_pulses, dtype=np.int64)
    for c in chunks:
        pulse_channel[c.pulse] = c.channel
    children = rng.spawn(n)
    gain_max = 1.0 / (1.0 - 4.0 * p.noise_sd) if p.noise_sd < 0.25 else math.inf
    dc_pulse_count = np.zeros(n_pulses, dtype=np.int64)
    spikes: list[np.ndarray] = []
    spike_count = np.zeros(n, dtype=np.int64)
    n_stored = 0
    integrated = 0
    for f in range(n):
        scale = p.current_scale / float(fibers.threshold_factor[f])
        ve, peak = _fiber_setup(fibers, f, weights, p)
        drive = max((float(np.abs(c.current_ma * peak[c.channel]).max()) for c in chunks), default=0.0)
        if drive * scale * gain_max < p.skip_af_mv:
            spikes.append(np.zeros(0))
            continue
        integrated += 1
        kin, cab, num = cable_constants(float(fibers.diameter_um[f]), p, ve.shape[1])
        st = rest_state(kin, ve.shape[1])
        cap = max(int(max_spikes) - n_stored, 0)
        out = CableSpikes(t=np.empty(cap), count=np.zeros(1, np.int64))
        for k, c in enumerate(chunks):
            xi = children[f].standard_normal(c.n_pulses)
            g = scale / (1.0 + p.noise_sd * xi[c.pulse - c.first_pulse])
            ph = CablePhases(start=c.start_s * 1e3, width=c.width_s * 1e3, current=c.current_ma * g,
                             channel=c.channel.astype(np.int64))
            t_stop = float(duration_s) * 1e3 if k == len(chunks) - 1 else -math.inf
            _cable_kernel(ph, ve, kin, cab, num, st, out, t_stop)
        cnt = int(out.count[0])
        t_f = out.t[: min(cnt, cap)] * 1e-3
        spike_count[f] = cnt
        n_stored += t_f.size
        spikes.append(t_f)
        if not fibers.is_dr[f] and t_f.size:
            pi = np.searchsorted(onsets, t_f, side="right") - 1
            ok = (pi >= 0) & (t_f - onsets[np.maximum(pi, 0)] < perception.sync_window_ms * 1e-3)
            dc_pulse_count[np.unique(pi[ok])] += 1
    n_dc = int(np.count_nonzero(~fibers.is_dr))
    volley = dc_pulse_count >= perception.perception_count
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum([s.size for s in spikes], out=ptr[1:])
    if stats is not None:
        stats.update(fibers=n, integrated=integrated, pulses=n_pulses, wall_s=time.perf_counter() - wall0)
    return Recruitment(
        spike_times_s=np.concatenate(spikes) if spikes else np.zeros(0),
        fiber_ptr=ptr,
        spike_count=spike_count,
        truncated=bool(spike_count.sum() > n_stored),
        is_dr=np.asarray(fibers.is_dr).copy(),
        duration_s=float(duration_s),
        n_pulses=n_pulses,
        pulse_dc_count=dc_pulse_count[: perception.max_pulse_counts].astype(np.int32),
        dc_count_hist=np.bincount(dc_pulse_count, minlength=n_dc + 1)[: n_dc + 1].astype(np.int64),
        channel_pulses=np.bincount(pulse_channel, minlength=n_ch).astype(np.int64),
        channel_volleys=np.bincount(pulse_channel[volley], minlength=n_ch).astype(np.int64),
        perception=perception,
    )


def recruit_biophysical_mrg(train, fibers, rng, duration_s, *, params=None, **kw):
    """:func:`recruit_biophysical` with the MRG node (``node = "mrg"``; ``fiber_model = "biophysical_mrg"``)."""
    p = _as_params(params).model_copy(update={"node": "mrg"})
    return recruit_biophysical(train, fibers, rng, duration_s, params=p, **kw)


def fiber_threshold(fibers, f: int, pw_us: float, params: BiophysicalParams | None = None, *,
                    cathodes=None, anodes=None, rel_tol: float = 5e-3) -> float:
    """Threshold (mA of cathodic channel current) of fibre ``f`` of a population for one monophasic pulse.

    Same stretch, scale and threshold factor as :func:`recruit_biophysical`, no noise.
    """
    p = params or BiophysicalParams()
    w = np.atleast_2d(fibers.contact_weights(cathodes, anodes))
    ve, _ = _fiber_setup(fibers, f, w, p)
    scale = p.current_scale / float(fibers.threshold_factor[f])
    return single_pulse_threshold(ve[0] * scale, float(fibers.diameter_um[f]), pw_us, p, rel_tol=rel_tol,
                                  start_ma=0.05)
