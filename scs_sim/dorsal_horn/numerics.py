"""The two exponentials of the spiking kernel, each written once (docs/MODEL.md §3 "Membrane integration").

* :func:`exp_neg_poly` / :func:`exp_neg`: exp(−x) of the exponential-Euler membrane update,
  x = G·dt/C ≥ 0; a degree-6 Taylor polynomial below 0.1 (relative error < 2.2e-11), libm above.
* :func:`exp_adex_parts` / :func:`exp_table`: the AdEx spike term e^a, a = (V − V_T)/Δ_T, as
  E[n]·P(r) with E a table of exp(k/8) filled by libm and P the degree-8 Taylor polynomial of the
  remainder (relative error < 1e-15).

Both are branch-free polynomials so the kernel's neuron loops vectorise (libm's exp does not).
They are ``inline="always"``: numba pastes them into the caller before LLVM sees it, as if they
were written there. The spiking kernel inlines them, and numba's cache does not notice a change
in a function imported from another file (numba issue #1833): after editing this file delete the
``__pycache__/*.nbi`` files of ``scs_sim/dorsal_horn`` (or touch ``spiking_kernel.py``).
``tests/naive_circuit.py`` evaluates both in the same operations and order.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from scs_sim._jit import njit

__all__ = ["EXP_ARG_MAX", "EXP_ARG_MIN", "EXP_NEG_POLY_MAX", "EXP_TAB_N", "EXP_TAB_N0", "exp_adex_parts",
           "exp_neg", "exp_neg_poly", "exp_table"]

#: Upper clamp of the AdEx exponent (V − V_T)/Δ_T; e^20 already carries V far past V_peak in one step.
EXP_ARG_MAX = 20.0
#: Lower clamp of the AdEx exponent: below it the term is taken as e^−700 (< 1e−304, nothing).
EXP_ARG_MIN = -700.0
#: e^a = E[n]·P(r) with E[n] = exp((n − EXP_TAB_N0)/8) tabulated by math.exp on [EXP_ARG_MIN,
#: EXP_ARG_MAX], n = int(8a + EXP_TAB_N0 + 0.5), r = a − (n − EXP_TAB_N0)/8 (|r| ≤ 1/16).
EXP_TAB_N0 = 5600
EXP_TAB_N = 5761
#: exp(−x) is the polynomial below this x and libm's exp at or above it.
EXP_NEG_POLY_MAX = 0.1


@njit(inline="always")
def exp_neg_poly(x):
    """The degree-6 Taylor polynomial of exp(−x), by Estrin's scheme (short dependency chains).

    Parameters
    ----------
    x : float
        Argument, 0 ≤ x < EXP_NEG_POLY_MAX (dimensionless) for a relative error < 2.2e-11; evaluated
        for any x (branch-free, so a loop calling it vectorises; the caller replaces large x).
    """
    x2 = x * x
    return ((1.0 - x) + x2 * (0.5 - x * (1.0 / 6.0))) + (x2 * x2) * ((1.0 / 24.0 - x * (1.0 / 120.0))
                                                                  + x2 * (1.0 / 720.0))


@njit
def exp_neg(x):
    """exp(−x) for x ≥ 0: :func:`exp_neg_poly` below EXP_NEG_POLY_MAX, else libm.

    Parameters
    ----------
    x : float
        Argument ≥ 0 (dimensionless).
    """
    if x < EXP_NEG_POLY_MAX:
        return exp_neg_poly(x)
    return math.exp(-x)


@njit(inline="always")
def exp_adex_parts(a):
    """e^a as (n, P): e^a = exp_table()[n] · P, for the AdEx spike term.

    ``a`` is clamped to [EXP_ARG_MIN, EXP_ARG_MAX] first (NaN becomes EXP_ARG_MIN). The caller does
    the table lookup in a separate loop, so this polynomial loop vectorises.

    Parameters
    ----------
    a : float
        Exponent (V − V_T)/Δ_T (dimensionless).

    Returns
    -------
    (n, p) : (int, float)
        Table index and P(r), the degree-8 Taylor polynomial of e^r at r = a − (n − EXP_TAB_N0)/8.
    """
    if a > EXP_ARG_MAX:
        a = EXP_ARG_MAX
    if not (a >= EXP_ARG_MIN):
        a = EXP_ARG_MIN
    n = int(a * 8.0 + (EXP_TAB_N0 + 0.5))
    r = a - (n - EXP_TAB_N0) * 0.125
    r2 = r * r
    r4 = r2 * r2
    p = ((((1.0 + r) + r2 * (0.5 + r * (1.0 / 6.0))) + r4 * ((1.0 / 24.0 + r * (1.0 / 120.0))
                                                            + r2 * (1.0 / 720.0 + r * (1.0 / 5040.0))))
         + (r4 * r4) * (1.0 / 40320.0))
    return n, p


@functools.lru_cache(maxsize=1)
def exp_table() -> np.ndarray:
    """E[n] = exp((n − EXP_TAB_N0)/8), n = 0 .. EXP_TAB_N − 1: the table of :func:`exp_adex_parts`
    (cached, read-only)."""
    tab = np.array([math.exp((n - EXP_TAB_N0) / 8) for n in range(EXP_TAB_N)])
    tab.setflags(write=False)
    return tab
