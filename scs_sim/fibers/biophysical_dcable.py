"""The double-cable MRG axon (McIntyre, Richardson & Grill 2002): the mammalian reference fibre of the calibration.

This module owns :class:`DCableParams`, the MRG geometry table (:data:`MRG_GEOMETRY`, :func:`mrg_geometry`),
the compartment chain (:func:`build_cable`, :class:`DCable`), the numba kernel ``_dcable_kernel`` with its
bundles (:class:`DCState`, :class:`DCNumerics`), and the single-fibre API (:func:`dcable_rest`,
:func:`dcable_run`, :func:`dcable_threshold`, :func:`dcable_train_spikes`, :func:`line_potentials`). It is the
reference the fast event-driven model is calibrated against (docs/MODEL.md §2.7); it is not a
``fiber_model`` of the population path.

Model (McIntyre et al. 2002 J Neurophysiol 87:995; parameters of their public NEURON model, ModelDB 3810
``MRGaxon.hoc``). Each internode is node - MYSA - FLUT - 6 STIN - FLUT - MYSA; every compartment ``i`` has an
axolemma potential ``Vm`` (intracellular minus periaxonal, mV absolute) and a myelin potential ``Vy``
(periaxonal minus extracellular); ``Vi = Vm + Vy + Ve`` and ``Vp = Vy + Ve``::

    C_ax dVm_i/dt + I_ion,i(Vm_i) = sum_j Ga_ij (Vi_j - Vi_i)                       (intracellular KCL)
    C_my dVy_i/dt + G_my Vy_i     = sum_j Ga_ij (Vi_j - Vi_i) + Gp_ij (Vp_j - Vp_i)  (periaxonal KCL)

Nodes: the MRG node membrane (:mod:`scs_sim.fibers.biophysical_mrg`, published E_L = -90 mV), their
periaxonal layer shorted to the outside (MRG ``xg = 1e10``: ``Vy = 0``). MYSA / FLUT / STIN: passive
axolemma (2 µF/cm², 1 / 0.1 / 0.1 mS/cm², E -80 mV) on their own diameter; myelin 0.1 µF/cm² and
1 mS/cm² per lamella membrane over 2 x lamellae, on the fibre diameter; axoplasm and periaxonal space
70 Ω·cm (periaxonal annulus 2 nm at node / MYSA, 4 nm at FLUT / STIN). Sealed ends. Integration:
exponential-Euler gates at the old voltage, backward Euler for (Vm, Vy) with the node current linearised:
one block-tridiagonal (2 x 2) solve per step, a fixed step, phase edges hit exactly. A spike is the
upward crossing of ``v_detect_mv`` above -80 mV at the recording node (3 nodes from the rostral end).
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np
from pydantic import Field

from scs_sim._jit import njit
from scs_sim._params import Params
from scs_sim.errors import ConfigError
from scs_sim.fibers.biophysical import kinetics
from scs_sim.fibers.biophysical_mrg import MRG_E_L, MRG_V_INIT, mrg_ionic, mrg_rates

__all__ = ["DCable", "DCNumerics", "DCState", "DCableParams", "MRG_GEOMETRY", "build_cable", "dcable_rest",
           "dcable_run", "dcable_threshold", "dcable_train_spikes", "line_potentials", "mrg_geometry",
           "node_kinetics", "population_fiber"]

_MRG = "McIntyre, Richardson & Grill 2002 J Neurophysiol 87:995 (ModelDB 3810 MRGaxon.hoc)"

#: MRG 2002 geometry table: fibre D, axon (= FLUT) diameter, node (= MYSA) diameter, node-to-node
#: distance (µm), FLUT length (µm), myelin lamellae.
MRG_GEOMETRY = np.array([
    [5.7, 3.4, 1.9, 500.0, 35.0, 80.0],
    [7.3, 4.6, 2.4, 750.0, 38.0, 100.0],
    [8.7, 5.8, 2.8, 1000.0, 40.0, 110.0],
    [10.0, 6.9, 3.3, 1150.0, 46.0, 120.0],
    [11.5, 8.1, 3.7, 1250.0, 50.0, 130.0],
    [12.8, 9.2, 4.2, 1350.0, 54.0, 135.0],
    [14.0, 10.4, 4.7, 1400.0, 56.0, 140.0],
    [15.0, 11.5, 5.0, 1450.0, 58.0, 145.0],
    [16.0, 12.7, 5.5, 1500.0, 60.0, 150.0],
])


class DCableParams(Params):
    """Parameters of the double-cable MRG axon (all from McIntyre et al. 2002 except the numerics)."""

    celsius: float = Field(37.0, ge=20.0, le=42.0, description=f"Temperature, °C ({_MRG}: 37 °C).")
    n_nodes: int = Field(21, ge=5, le=201, description=f"Nodes simulated ({_MRG}: 21; 31 changes SCS thresholds < 0.5 %).")
    rho_a_ohm_cm: float = Field(70.0, gt=0, le=1000.0, description=f"Axoplasm and periaxonal resistivity ({_MRG}).")
    node_length_um: float = Field(1.0, gt=0, le=10.0, description=f"Node length ({_MRG}).")
    mysa_length_um: float = Field(3.0, gt=0, le=20.0, description=f"MYSA length ({_MRG}).")
    space_node_nm: float = Field(2.0, gt=0, le=50.0, description=f"Periaxonal space at node and MYSA, nm ({_MRG}).")
    space_inter_nm: float = Field(4.0, gt=0, le=50.0, description=f"Periaxonal space at FLUT and STIN, nm ({_MRG}).")
    dt_us: float = Field(2.0, gt=0, le=20.0, description="Time step, µs (numerics; converged to ~1 % at 2 µs).")
    min_substeps: int = Field(8, ge=1, le=1000, description="At least this many steps per phase.")
    v_detect_mv: float = Field(50.0, gt=0, le=120.0, description="Spike: upward crossing of -80 mV + this.")
    record_margin: int = Field(3, ge=1, le=50, description="Recording node, nodes from the rostral end.")


def mrg_geometry(diameter_um: float) -> dict:
    """The MRG geometry of a fibre of ``diameter_um``: the table row, linear interpolation between rows.

    Outside 5.7-16 µm a ConfigError (the table is not extrapolated).
    """
    d = float(diameter_um)
    tab = MRG_GEOMETRY
    if not tab[0, 0] <= d <= tab[-1, 0]:
        raise ConfigError(f"the MRG geometry table covers 5.7-16 µm fibres (got {d:g} µm)", key="diameter_um")
    col = [float(np.interp(d, tab[:, 0], tab[:, k])) for k in range(1, 6)]
    return dict(fiber_um=d, axon_um=col[0], node_um=col[1], deltax_um=col[2], flut_um=col[3], lamellae=col[4])


#: The compartment chain (absolute units: nF, µS, cm², µm): per compartment ``c_ax``, ``g_pas``, ``c_my``,
#: ``g_my``, ``node_area`` (cm², 0 off nodes), ``is_node``, ``z_um`` (centre); per junction ``ga``, ``gp``
#: (µS, i to i+1); ``rec`` (compartment of the recording node), ``v_detect`` / ``v_rearm`` (mV above -80).
DCable = namedtuple("DCable", ["c_ax", "g_pas", "c_my", "g_my", "node_area", "is_node", "z_um", "ga", "gp",
                               "rec", "v_detect", "v_rearm", "node_index"])
#: Fixed step (ms) and the least steps per phase.
DCNumerics = namedtuple("DCNumerics", ["dt", "min_sub"])
#: State, updated in place: Vm (mV above -80), Vy (mV), node gates (m, h, s, mp; per compartment), clock,
#: detector arming.
DCState = namedtuple("DCState", ["vm", "vy", "m", "h", "s", "p", "t_now", "above"])


def build_cable(diameter_um: float, params: DCableParams | None = None) -> DCable:
    """The compartment chain of an MRG fibre (``params.n_nodes`` nodes, 10 internodal compartments between)."""
    p = params or DCableParams()
    g = mrg_geometry(diameter_um)
    big_d, ax, nd = g["fiber_um"], g["axon_um"], g["node_um"]
    stin = (g["deltax_um"] - p.node_length_um - 2 * p.mysa_length_um - 2 * g["flut_um"]) / 6.0
    # (length µm, inner diameter µm, axolemma leak S/cm², periaxonal space nm, kind 0 node 1 myelinated)
    unit = [(p.node_length_um, nd, 0.0, p.space_node_nm, 0), (p.mysa_length_um, nd, 1e-3, p.space_node_nm, 1),
            (g["flut_um"], ax, 1e-4, p.space_inter_nm, 1)] + [(stin, ax, 1e-4, p.space_inter_nm, 1)] * 6 + [
            (g["flut_um"], ax, 1e-4, p.space_inter_nm, 1), (p.mysa_length_um, nd, 1e-3, p.space_node_nm, 1)]
    comps = unit * (p.n_nodes - 1) + unit[:1]
    length = np.array([c[0] for c in comps])
    din = np.array([c[1] for c in comps])
    leak = np.array([c[2] for c in comps])
    space = np.array([c[3] for c in comps]) * 1e-3  # µm
    is_node = np.array([c[4] == 0 for c in comps])
    a_ax = math.pi * din * length * 1e-8  # cm²
    a_my = math.pi * big_d * length * 1e-8
    lam = 2.0 * g["lamellae"]
    c_ax = 2.0 * a_ax * 1e3  # µF/cm² * cm² -> nF
    g_pas = leak * a_ax * 1e6  # S -> µS
    c_my = np.where(is_node, 0.0, 0.1 / lam * a_my * 1e3)
    g_my = np.where(is_node, 0.0, 1e-3 / lam * a_my * 1e6)
    rho = p.rho_a_ohm_cm
    r_in = rho * (length / 2 * 1e-4) / (math.pi * (din / 2 * 1e-4) ** 2)  # Ω, half compartment
    annulus = math.pi * ((din / 2 + space) ** 2 - (din / 2) ** 2) * 1e-8  # cm²
    r_p = rho * (length / 2 * 1e-4) / annulus
    ga = 1e6 / (r_in[:-1] + r_in[1:])
    gp = 1e6 / (r_p[:-1] + r_p[1:])
    z = np.concatenate([[0.0], np.cumsum((length[:-1] + length[1:]) / 2)])
    node_index = np.flatnonzero(is_node)
    rec = int(node_index[p.n_nodes - 1 - p.record_margin])
    return DCable(c_ax=c_ax, g_pas=g_pas, c_my=c_my, g_my=g_my, node_area=np.where(is_node, a_ax, 0.0),
                  is_node=is_node, z_um=z, ga=ga, gp=gp, rec=rec, v_detect=float(p.v_detect_mv),
                  v_rearm=float(p.v_detect_mv / 2), node_index=node_index)


def node_kinetics(celsius: float):
    """The MRG node constants (:func:`scs_sim.fibers.biophysical.kinetics`, node "mrg") with the published
    leak reversal E_L = -90 mV and no lumped load (the internode is modelled)."""
    return kinetics(celsius, node="mrg", g_in=0.0)._replace(e_l=MRG_E_L - MRG_V_INIT)


@njit
def _dc_step(cab, kin, st, ve, cur, dt, work):
    """One backward-Euler step of length dt (ms) with extracellular potential ``cur * ve`` (mV).

    ``work`` is (12, n) scratch: rows 0-3 the reduced diagonal blocks, 4-7 C = D'^-1 U, 8-9 rhs, 10-11 y.
    """
    n = st.vm.shape[0]
    vm, vy = st.vm, st.vy
    for i in range(n):  # gates of the nodes, exponential Euler at the old voltage
        if cab.is_node[i]:
            v = vm[i]
            for g in range(4):
                a, b = mrg_rates(kin, v, g)
                tau = 1.0 / (a + b)
                inf = a * tau
                e = math.exp(-dt / tau)
                if g == 0:
                    st.m[i] = inf + (st.m[i] - inf) * e
                elif g == 1:
                    st.h[i] = inf + (st.h[i] - inf) * e
                elif g == 2:
                    st.s[i] = inf + (st.s[i] - inf) * e
                else:
                    st.p[i] = inf + (st.p[i] - inf) * e
    d00, d01, d10, d11 = work[0], work[1], work[2], work[3]
    c00, c01, c10, c11 = work[4], work[5], work[6], work[7]
    r0, r1, y0, y1 = work[8], work[9], work[10], work[11]
    for i in range(n):
        if cab.is_node[i]:
            i0, gi = mrg_ionic(vm[i], st.m[i], st.h[i], st.s[i], st.p[i], kin)
            area = cab.node_area[i]
            i0 *= area * 1e6  # mA/cm² -> nA
            gi *= area * 1e3  # mS/cm² -> µS
        else:
            i0 = cab.g_pas[i] * vm[i]
            gi = cab.g_pas[i]
        cx = cab.c_ax[i] / dt
        a00 = cx + gi
        rhs0 = cx * vm[i] - i0 + gi * vm[i]
        a11 = cab.c_my[i] / dt + cab.g_my[i]
        rhs1 = cab.c_my[i] / dt * vy[i]
        sga = 0.0
        sgp = 0.0
        if i > 0:
            sga += cab.ga[i - 1]
            sgp += cab.gp[i - 1]
            rhs0 += cab.ga[i - 1] * cur * (ve[i - 1] - ve[i])
            rhs1 += (cab.ga[i - 1] + cab.gp[i - 1]) * cur * (ve[i - 1] - ve[i])
        if i < n - 1:
            sga += cab.ga[i]
            sgp += cab.gp[i]
            rhs0 += cab.ga[i] * cur * (ve[i + 1] - ve[i])
            rhs1 += (cab.ga[i] + cab.gp[i]) * cur * (ve[i + 1] - ve[i])
        # row A: (a00 + sga) Vm + sga Vy - sum ga (Vm_j + Vy_j) = rhs0
        # row B: sga Vm + (a11 + sga + sgp) Vy - sum ga Vm_j - sum (ga + gp) Vy_j = rhs1
        e00, e01 = a00 + sga, sga
        e10, e11 = sga, a11 + sga + sgp
        pinned = cab.is_node[i]  # periaxonal layer shorted to the outside: Vy = 0
        if pinned:
            e10, e11, rhs1 = 0.0, 1.0, 0.0
        if i > 0:  # subtract L_i C_{i-1} and L_i y_{i-1}, L_i = -[[g, g], [g, g + gp]] (row B zero if pinned)
            g = cab.ga[i - 1]
            gq = g + cab.gp[i - 1]
            e00 += g * (c00[i - 1] + c10[i - 1])
            e01 += g * (c01[i - 1] + c11[i - 1])
            rhs0 += g * (y0[i - 1] + y1[i - 1])
            if not pinned:
                e10 += g * c00[i - 1] + gq * c10[i - 1]
                e11 += g * c01[i - 1] + gq * c11[i - 1]
                rhs1 += g * y0[i - 1] + gq * y1[i - 1]
        det = e00 * e11 - e01 * e10
        d00[i], d01[i], d10[i], d11[i] = e00, e01, e10, e11
        y0[i] = (e11 * rhs0 - e01 * rhs1) / det
        y1[i] = (-e10 * rhs0 + e00 * rhs1) / det
        r0[i], r1[i] = rhs0, rhs1
        if i < n - 1:  # C_i = D'^-1 U_i, U_i = -[[g, g], [g, g + gp]] (row B zero if pinned)
            g = cab.ga[i]
            gq = g + cab.gp[i]
            u00, u01 = -g, -g
            u10, u11 = (0.0, 0.0) if pinned else (-g, -gq)
            c00[i] = (e11 * u00 - e01 * u10) / det
            c01[i] = (e11 * u01 - e01 * u11) / det
            c10[i] = (-e10 * u00 + e00 * u10) / det
            c11[i] = (-e10 * u01 + e00 * u11) / det
    vm[n - 1] = y0[n - 1]
    vy[n - 1] = y1[n - 1]
    for i in range(n - 2, -1, -1):
        vm[i] = y0[i] - c00[i] * vm[i + 1] - c01[i] * vy[i + 1]
        vy[i] = y1[i] - c10[i] * vm[i + 1] - c11[i] * vy[i + 1]


@njit
def _dc_detect(cab, st, v_old, t_old, dt, out_t, count):
    """Record an upward crossing of ``cab.v_detect`` at the recording node during the last step."""
    vr = st.vm[cab.rec]
    if not st.above[0]:
        if vr >= cab.v_detect:
            k = count[0]
            if k < out_t.shape[0]:
                out_t[k] = t_old + (cab.v_detect - v_old) / (vr - v_old) * dt if vr > v_old else t_old + dt
            count[0] = k + 1
            st.above[0] = True
    elif vr < cab.v_rearm:
        st.above[0] = False


@njit
def _dcable_kernel(start, width, current, ve, cab, kin, num, st, out_t, count, t_stop):
    """Advance the double-cable MRG fibre through phases; spikes at the recording node (numba).

    Parameters
    ----------
    start, width, current : float64 arrays (n_phases,)
        Phase onsets (ms, increasing, not before ``st.t_now``), widths (ms) and currents (mA, signed,
        cathodic < 0); between phases the current is 0.
    ve : float64 array (n_compartments,)
        Extracellular potential per mA at every compartment centre, mV/mA.
    cab : DCable
        The compartment chain (:func:`build_cable`: nF, µS, cm²).
    kin : Kinetics
        MRG node constants (:func:`node_kinetics`).
    num : DCNumerics
        ``dt`` (ms) and ``min_sub`` (least steps per phase).
    st : DCState
        Updated in place: ``vm`` (mV above -80), ``vy`` (mV), gates, ``t_now`` (1,) ms, ``above`` (1,) bool.
    out_t : float64 array (cap,)
        Spike times at the recording node (ms); ``count`` (int64 (1,)) counts them exactly.
    count : int64 array (1,)
    t_stop : float
        Integrate on to this time after the last phase (ms).

    Returns
    -------
    int
        Steps taken.
    """
    n = st.vm.shape[0]
    work = np.empty((12, n))
    steps = 0
    for k in range(start.shape[0] + 1):
        t_next = start[k] if k < start.shape[0] else t_stop
        while st.t_now[0] < t_next - 1e-12:  # unstimulated gap
            t = st.t_now[0]
            dt = min(num.dt, t_next - t)
            v_old = st.vm[cab.rec]
            _dc_step(cab, kin, st, ve, 0.0, dt, work)
            st.t_now[0] = t + dt
            _dc_detect(cab, st, v_old, t, dt, out_t, count)
            steps += 1
        if k == start.shape[0]:
            break
        nsub = max(num.min_sub, int(math.ceil(width[k] / num.dt - 1e-9)))
        dt = width[k] / nsub
        for j in range(nsub):
            t = start[k] + j * dt
            v_old = st.vm[cab.rec]
            _dc_step(cab, kin, st, ve, current[k], dt, work)
            st.t_now[0] = t + dt
            _dc_detect(cab, st, v_old, t, dt, out_t, count)
            steps += 1
        st.t_now[0] = start[k] + width[k]
    return steps


def _fresh_state(cab: DCable, kin) -> DCState:
    n = cab.c_ax.size
    st = DCState(vm=np.zeros(n), vy=np.zeros(n), m=np.zeros(n), h=np.zeros(n), s=np.zeros(n), p=np.zeros(n),
                 t_now=np.zeros(1), above=np.zeros(1, dtype=np.bool_))
    for g, arr in enumerate((st.m, st.h, st.s, st.p)):
        a, b = mrg_rates(kin, 0.0, g)
        arr[:] = a / (a + b)
    return st


_REST_CACHE: dict = {}


def dcable_rest(cab: DCable, kin, relax_ms: float = 50.0) -> DCState:
    """The resting state: from v_init = -80 mV (gates at steady state) the unstimulated fibre relaxed for
    ``relax_ms`` (the node's published E_L = -90 mV pulls it slightly below -80 mV). A fresh copy each call."""
    key = (cab.c_ax.size, float(cab.c_ax.sum()), float(cab.ga.sum()), kin, relax_ms)
    if key not in _REST_CACHE:
        st = _fresh_state(cab, kin)
        e = np.zeros(0)
        _dcable_kernel(e, e, e, np.zeros(cab.c_ax.size), cab, kin, DCNumerics(0.01, 1), st, np.zeros(1),
                       np.zeros(1, np.int64), float(relax_ms))
        st.t_now[0] = 0.0
        _REST_CACHE[key] = st
    st = _REST_CACHE[key]
    return DCState(*(np.array(a, copy=True) for a in st))


def dcable_run(ve, cab: DCable, kin, start_ms, width_ms, current_ma, *, t_stop_ms: float,
               params: DCableParams | None = None, state: DCState | None = None,
               max_spikes: int = 100_000) -> tuple[np.ndarray, DCState]:
    """Run the fibre (from rest, or ``state``) through phases; (spike times at the recording node ms, state)."""
    p = params or DCableParams()
    st = state if state is not None else dcable_rest(cab, kin)
    f64 = lambda x: np.ascontiguousarray(np.atleast_1d(np.asarray(x, dtype=np.float64)))  # noqa: E731
    out = np.empty(int(max_spikes))
    count = np.zeros(1, np.int64)
    _dcable_kernel(f64(start_ms), f64(width_ms), f64(current_ma), f64(ve), cab, kin,
                   DCNumerics(p.dt_us * 1e-3, int(p.min_substeps)), st, out, count, float(t_stop_ms))
    return out[: min(int(count[0]), out.size)].copy(), st


def dcable_threshold(ve, cab: DCable, kin, pw_us: float, params: DCableParams | None = None, *,
                     rel_tol: float = 5e-3, start_ma: float = 0.05, ceiling_ma: float = 1e4,
                     t_after_ms: float = 3.0) -> float:
    """Lowest amplitude (mA) of one monophasic cathodic pulse that launches a spike to the recording node
    (doubling from ``start_ma``, then bisection; ``inf`` above ``ceiling_ma``)."""
    pw = pw_us * 1e-3

    def fires(a: float) -> bool:
        return dcable_run(ve, cab, kin, [0.0], [pw], [-a], t_stop_ms=pw + t_after_ms, params=params)[0].size > 0

    lo, hi = 0.0, float(start_ma)
    while not fires(hi):
        lo, hi = hi, hi * 2.0
        if hi > ceiling_ma:
            return math.inf
    while hi - lo > rel_tol * hi:
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if fires(mid) else (mid, hi)
    return hi


def dcable_train_spikes(ve, cab: DCable, kin, program, duration_s: float, params: DCableParams | None = None):
    """Spike times (s) at the recording node for a program's pulse train over ``[0, duration_s)``."""
    from scs_sim.stim.programs import pulse_train

    chunks = [c for c in pulse_train(program).chunks(0.0, float(duration_s)) if c.n_pulses]
    if not chunks:
        return np.zeros(0)
    start = np.concatenate([c.start_s for c in chunks]) * 1e3
    order = np.argsort(start, kind="stable")
    width = np.concatenate([c.width_s for c in chunks])[order] * 1e3
    cur = np.concatenate([c.current_ma for c in chunks])[order]
    t, _ = dcable_run(ve, cab, kin, start[order], width, cur, t_stop_ms=float(duration_s) * 1e3, params=params)
    return t * 1e-3


def line_potentials(anatomy, x_mm: float, depth_mm: float, z_mm: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Extracellular potential (mV per mA of cathodic channel current, sign of +1 mA on the cathodes) at
    positions ``z_mm`` of a fibre at ``x_mm``, ``depth_mm``: the homogeneous anisotropy-scaled point-source
    conductor of docs/MODEL.md §1.1 (the one :meth:`FiberPopulation.node_potentials` evaluates at nodes)."""
    from scs_sim.fibers.anatomy import SUBSOURCES

    a = anatomy
    zc = a.contact_z_mm()
    frac = (np.arange(SUBSOURCES) + 0.5) / SUBSOURCES * 2.0 - 1.0
    zs = zc[:, None] + frac[None, :] * (a.contact_length_mm / 2.0)
    y_lead = a.csf_mm + a.lead_diameter_mm / 2.0
    dx2 = (x_mm - a.lead_offset_mm) ** 2 + (y_lead + math.sqrt(a.cord_anisotropy) * depth_mm) ** 2
    r = np.sqrt(dx2 + (np.asarray(z_mm, dtype=float)[:, None, None] - zs[None, :, :]) ** 2)
    v = (1000.0 / (4.0 * math.pi * a.sigma_s_per_m) / SUBSOURCES) * (1.0 / r).sum(axis=2)
    return v @ np.asarray(weights, dtype=float)


def population_fiber(fibers, f: int, params: DCableParams | None = None, *, cathodes=None, anodes=None):
    """(chain, potentials mV/mA) of an MRG fibre standing in for fibre ``f`` of a population: same diameter,
    position and conductor, its central node at the population fibre's most depolarised node (the MRG
    node-to-node distance differs from the population's 100 D, so the node grids cannot coincide)."""
    from scs_sim.fibers.anatomy import INTERNODE_PER_DIAMETER, NODE_MARGIN_MM

    p = params or DCableParams()
    w = fibers.contact_weights(cathodes, anodes)
    af = fibers.node_af[f] @ w
    d = float(fibers.diameter_um[f])
    inter = INTERNODE_PER_DIAMETER * d * 1e-3
    z_peak = (fibers.anatomy.contact_z_mm()[0] - NODE_MARGIN_MM + float(fibers.node_offset_mm[f])
              + inter * int(np.argmax(af)))
    cab = build_cable(d, p)
    z = z_peak + (cab.z_um - cab.z_um[cab.node_index[p.n_nodes // 2]]) * 1e-3
    ve = line_potentials(fibers.anatomy, float(fibers.x_mm[f]), float(fibers.depth_mm[f]), z, w)
    return cab, np.ascontiguousarray(ve / float(fibers.threshold_factor[f]))
