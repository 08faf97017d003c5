"""The MRG mammalian node membrane, as a second node option of the SENN cable in :mod:`scs_sim.fibers.biophysical`.

This module owns the node membrane of McIntyre, Richardson & Grill 2002 (J Neurophysiol 87:995; rate
equations as in their public NEURON mechanism, ModelDB 3810 ``AXNODE.mod``) in the form the cable
kernel reads: :func:`mrg_constants` (conductances, reversals, Q10 factors), :func:`mrg_rates` and
:func:`mrg_ionic` (numba). It is **MRG node kinetics on a SENN cable with a perfectly insulating
internode**, not the double-cable MRG model: there are no MYSA / FLUT / STIN compartments and no
finite-impedance myelin, so there is no depolarising afterpotential from the paranodes (MRG's DAP),
and the geometry (d/D, node length, L = 100 D, rho_a) stays the SENN one of ``BiophysicalParams``.

Node membrane (V in mV absolute here; the kernel passes V above rest, rest = v_init = -80 mV)::

    i_ion = g_Naf m^3 h (V - E_Na) + g_NaP mp^3 (V - E_Na) + g_Ks s (V - E_K) + g_L (V - E_L)

Gates are stored in the kernel's four slots as (m, h, n <- s, p <- mp). Rates (1/ms) at 20 °C for m, h,
mp, at 36 °C for s, times Q10 factors 2.2 (m, mp), 2.9 (h), 3.0 (s) to ``celsius``, as in AXNODE.mod.
"""

from __future__ import annotations

import math

from scs_sim._jit import njit

__all__ = ["MRG_E_L", "MRG_SOURCE", "MRG_V_INIT", "mrg_constants", "mrg_ionic", "mrg_rates", "vtrap"]

MRG_SOURCE = "McIntyre, Richardson & Grill 2002 J Neurophysiol 87:995 (ModelDB 3810 AXNODE.mod)"

#: Resting (initial) potential of the MRG node, mV (McIntyre et al. 2002).
MRG_V_INIT = -80.0
#: Published leak reversal of the MRG node, mV (McIntyre et al. 2002); see :func:`mrg_constants`.
MRG_E_L = -90.0


def mrg_constants(celsius: float = 37.0) -> dict:
    """The MRG node constants as Kinetics fields: conductances mS/cm², reversals mV *above rest*, Q10 factors.

    No ``e_l``: :func:`scs_sim.fibers.biophysical.kinetics` sets the leak reversal for zero net current at
    v_init (-90.20 mV at 37 °C against the published E_L = -90 mV, :data:`MRG_E_L`), because the node alone,
    without MRG's internodal axolemma at -80 mV, would otherwise rest at -87.9 mV.
    """
    v0 = MRG_V_INIT
    return dict(g_naf=3000.0, g_nap=10.0, g_ks=80.0, g_l=7.0, e_na=50.0 - v0, e_k=-90.0 - v0,
                v_rest=v0, q=2.2 ** ((celsius - 20.0) / 10.0), q_h=2.9 ** ((celsius - 20.0) / 10.0),
                q_s=3.0 ** ((celsius - 36.0) / 10.0))


@njit
def vtrap(x, y):
    """x / (exp(x / y) - 1), continuous at x = 0 (the rate form of both FH and MRG kinetics)."""
    r = x / y
    if abs(r) < 1e-7:
        return y * (1.0 - 0.5 * r)
    return x / math.expm1(r)


@njit
def mrg_rates(kin, v, i):
    """(alpha, beta), 1/ms, of slot i (0 m, 1 h, 2 s, 3 mp) at V mV above rest (McIntyre et al. 2002, x Q10)."""
    va = v + kin.v_rest
    if i == 0:
        return kin.q * 1.86 * vtrap(-(va + 21.4), 10.3), kin.q * 0.086 * vtrap(va + 25.7, 9.16)
    if i == 1:
        return kin.q_h * 0.062 * vtrap(va + 114.0, 11.0), kin.q_h * 2.3 / (1.0 + math.exp(-(va + 31.8) / 13.4))
    if i == 2:
        v2 = va + 80.0  # AXNODE's "Traub convention", vtraub = -80 mV (fixed, not the rest)
        return (kin.q_s * 0.3 / (math.exp((v2 - 27.0) / -5.0) + 1.0),
                kin.q_s * 0.03 / (math.exp((v2 + 10.0) / -1.0) + 1.0))
    return kin.q * 0.01 * vtrap(-(va + 27.0), 10.2), kin.q * 0.00025 * vtrap(va + 34.0, 10.0)


@njit
def mrg_ionic(v, m, h, s, mp, kin):
    """MRG node current density and its V-derivative at fixed gates: (mA/cm², mS/cm²), outward +."""
    g_na = kin.g_naf * m * m * m * h + kin.g_nap * mp * mp * mp
    g_k = kin.g_ks * s
    i = (g_na * (v - kin.e_na) + g_k * (v - kin.e_k) + kin.g_l * (v - kin.e_l) + kin.g_in * v) * 1e-3
    return i, g_na + g_k + kin.g_l + kin.g_in
