"""Synapses of the dorsal-horn gate: dual-exponential kinetics, the Mg²⁺ block, short-term depression.

This module owns what happens between a presynaptic spike and a conductance: the peak
normalisation of the dual-exponential kinetics (:func:`dual_exp_norm`) and their exact one-step
advance (:func:`advance_synapses`), the reversal classes the receptor table maps onto
(:func:`receptor_classes`), the Jahr–Stevens Mg²⁺ block of NMDA (:func:`mg_block` and its table), and
the ONE Tsodyks–Markram depression update (:func:`tm_spike`), used by the spiking kernel and by
:func:`std_efficacy` (the release fraction of every spike, for the rate backend and validation).
Equations and sources: ``docs/MODEL.md`` §3 "Synapses".

The spiking kernel inlines the ``@njit`` helpers here; numba's cache does not notice a change in a
function imported from another file (numba issue #1833), so after editing one of them delete the
``__pycache__/*.nbi`` files of ``scs_sim/dorsal_horn`` (or touch ``spiking_kernel.py``).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from scs_sim._jit import njit
from scs_sim.dorsal_horn.params import RECEPTOR_TYPES, ReceptorType
from scs_sim.errors import ConfigError

__all__ = ["CLASS_CL", "CLASS_K", "CLASS_EXC", "CLASS_NMDA", "JS_MG_MM", "JS_SLOPE", "MG_H_MV", "MG_N", "MG_V0_MV",
           "N_CLASSES", "advance_synapses", "class_rows", "dual_exp_norm", "mg_block", "mg_block_table", "receptor_classes",
           "std_efficacy", "tm_spike"]

#: Jahr & Stevens 1990 (J Neurosci 10:3178) Mg²⁺ block: B(V) = 1 / (1 + [Mg]/3.57 mM · exp(−0.062 V/mV)).
JS_MG_MM = 3.57
JS_SLOPE = 0.062
#: The block is tabulated on [MG_V0_MV, MG_V0_MV + (MG_N − 1)·MG_H_MV] and linearly interpolated
#: (error < 2e-7 of the block); outside the table it is computed exactly.
MG_V0_MV = -120.0
MG_H_MV = 0.05
MG_N = 3201

#: Reversal classes. Every receptor row belongs to one: unblocked at E_exc (AMPA, NK1), Mg-blocked
#: at E_exc (NMDA), at E_Cl (GABA_A, glycine). The membrane update sums the conductances of each
#: class (in table order) and reads only these three sums.
CLASS_EXC = 0
CLASS_NMDA = 1
CLASS_CL = 2
CLASS_K = 3  # GABA_B (slow_inhibition mechanism), K⁺ reversal
N_CLASSES = 4


def receptor_classes(types: tuple[ReceptorType, ...] = RECEPTOR_TYPES) -> np.ndarray:
    """Reversal class of every receptor row (int64, kernel order), from the receptor table.

    A Mg-blocked row must reverse at E_exc (the kernel's NMDA current and calcium entry use E_exc).

    Examples
    --------
    >>> receptor_classes().tolist()    # ampa, nmda, nk1_ex, nk1_wdr, gaba_a, glycine, gaba_b
    [0, 1, 0, 0, 2, 2, 3]
    """
    out = np.empty(len(types), dtype=np.int64)
    for k, r in enumerate(types):
        if r.mg_block and r.reversal != "e_exc_mv":
            raise ValueError(f"receptor '{r.name}': a Mg-blocked receptor must reverse at e_exc_mv")
        out[k] = CLASS_NMDA if r.mg_block else _REVERSAL_CLASS[r.reversal]
    return out


_REVERSAL_CLASS = {"e_exc_mv": CLASS_EXC, "e_cl_mv": CLASS_CL, "e_k_mv": CLASS_K}


def class_rows(classes: np.ndarray) -> tuple[tuple[int, ...], ...]:
    """The receptor rows of each reversal class, ascending: ``(exc_rows, nmda_rows, cl_rows, k_rows)``.

    Tuples, not arrays: the spiking kernel loops over them inside its vectorised neuron loop, and
    a tuple's length is part of its numba type, so those loops are fully unrolled.

    Examples
    --------
    >>> class_rows(receptor_classes())
    ((0, 2, 3), (1,), (4, 5), (6,))
    """
    return tuple(tuple(int(r) for r in np.flatnonzero(classes == c)) for c in range(N_CLASSES))


def dual_exp_norm(tau_rise_ms: float, tau_decay_ms: float) -> float:
    """Factor making the peak of exp(−t/τd) − exp(−t/τr) equal to 1 (the NEURON Exp2Syn convention)."""
    tp = tau_rise_ms * tau_decay_ms / (tau_decay_ms - tau_rise_ms) * math.log(tau_decay_ms / tau_rise_ms)
    return 1.0 / (math.exp(-tp / tau_decay_ms) - math.exp(-tp / tau_rise_ms))


def mg_block(v_mv: float, mg_mm: float) -> float:
    """Jahr–Stevens Mg²⁺ block B(V) (fraction of NMDA conductance unblocked), exact."""
    return 1.0 / (1.0 + mg_mm / JS_MG_MM * math.exp(-JS_SLOPE * v_mv))


@functools.lru_cache(maxsize=8)
def mg_block_table(mg_mm: float) -> np.ndarray:
    """B(V) at V = MG_V0_MV + j·MG_H_MV, j = 0 .. MG_N − 1 (cached, read-only)."""
    tab = np.array([mg_block(MG_V0_MV + j * MG_H_MV, mg_mm) for j in range(MG_N)])
    tab.setflags(write=False)
    return tab


@njit
def advance_synapses(row, q, dr, dd, g_r, g_d, g_now):
    """Advance one receptor's dual-exponential states by one step exactly and add this step's arrivals.

    Over a span of neurons: the arrivals of this step (``row``, peak-normalised by ``q``) are added to
    both components after their exact decay, the row is cleared for its next use in the ring buffer,
    and the conductance g_decay − g_rise is written to ``g_now``.

    Parameters
    ----------
    row : float64 array (n,)
        Summed weights (nS) arriving in this step, one per neuron of the span; set to 0 on return.
    q : float
        Peak normalisation × receptor scale (dimensionless; :func:`dual_exp_norm`).
    dr, dd : float
        One-step decay factors exp(−dt/τ_rise), exp(−dt/τ_decay) (dimensionless).
    g_r, g_d : float64 array (n,)
        Rise and decay components (nS), updated in place.
    g_now : float64 array (n,)
        Conductance of the receptor (nS), written.
    """
    for k in range(row.shape[0]):
        x = row[k] * q
        g_r[k] = g_r[k] * dr + x
        g_d[k] = g_d[k] * dd + x
        g_now[k] = g_d[k] - g_r[k]
        row[k] = 0.0


@njit(inline="always")
def tm_spike(x, elapsed, tau_rec, u, recovered):
    """One spike at a Tsodyks–Markram depressing synapse: the release fraction and the resources after.

    Resources recover as x ← 1 − (1 − x)·exp(−Δ/τ_rec) since the previous spike (``recovered`` False
    for a fibre's first spike: x is still the rested 1); the spike transmits x of the nominal weight
    and leaves x − u·x (docs/MODEL.md §3 "Short-term depression of DC collaterals").

    Parameters
    ----------
    x : float
        Resources after the previous spike (0..1, dimensionless).
    elapsed : float
        Time since the previous spike Δ, in the units of ``tau_rec`` (ms in the kernel, s in
        :func:`std_efficacy`); ignored when ``recovered`` is False.
    tau_rec : float
        Recovery time constant τ_rec, same units as ``elapsed``.
    u : float
        Utilisation U (fraction of the resources used per spike, dimensionless).
    recovered : bool
        Whether there was a previous spike to recover from.

    Returns
    -------
    (release, x_after) : (float, float)
    """
    if recovered:
        x = 1.0 - (1.0 - x) * math.exp(-elapsed / tau_rec)
    return x, x - u * x


@njit
def _std_kernel(times, fiber, u, tau_rec, out, last, x):
    """Release fraction of every spike of a set of depressing fibres (:func:`tm_spike` per spike).

    Parameters
    ----------
    times : float64 array (n,)
        Spike times (s), sorted ascending.
    fiber : int64 array (n,)
        Fibre of each spike, 0 .. n_fibers − 1.
    u : float
        Utilisation U (dimensionless).
    tau_rec : float
        Recovery time constant (s).
    out : float64 array (n,)
        Release fraction of each spike relative to a rested synapse (0..1], written.
    last : float64 array (n_fibers,)
        Time (s) of each fibre's previous spike (−inf: none yet), updated.
    x : float64 array (n_fibers,)
        Each fibre's resources after its previous spike (1 when rested), updated.
    """
    for k in range(times.size):
        j = fiber[k]
        out[k], x[j] = tm_spike(x[j], times[k] - last[j], tau_rec, u, last[j] > -np.inf)
        last[j] = times[k]


def std_efficacy(times_s: np.ndarray, fiber: np.ndarray, n_fibers: int, u: float, tau_rec_s: float,
                 state: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Tsodyks–Markram depression: release of each spike relative to a fully rested synapse (0..1].

    Resources ``x`` recover as ``1 − (1 − x)·exp(−Δt/τ_rec)`` between a fibre's spikes; each spike
    releases ``u·x`` and leaves ``x(1 − u)`` (the update of :func:`tm_spike`, the same as in the
    spiking kernel). ``times_s`` must be sorted. ``state``, optional: (time of each fibre's previous
    spike, s, −inf for none; its resources x), float64 arrays updated in place, so a train split into
    windows continues exactly.

    Examples
    --------
    >>> std_efficacy(np.array([0.0, 0.001]), np.array([0, 0]), 1, 0.5, 1.0).round(3).tolist()
    [1.0, 0.5]
    """
    times = np.ascontiguousarray(times_s, dtype=np.float64)
    fib = np.ascontiguousarray(fiber, dtype=np.int64)
    if fib.size and (fib.min() < 0 or fib.max() >= n_fibers):
        raise ConfigError(f"fibre index out of range 0..{n_fibers - 1}")
    if state is None:
        state = (np.full(int(n_fibers), -np.inf), np.ones(int(n_fibers)))
    out = np.empty(times.size)
    _std_kernel(times, fib, float(u), float(tau_rec_s), out, *state)
    return out
