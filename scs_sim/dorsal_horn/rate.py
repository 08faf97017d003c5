"""Firing-rate dorsal-horn gate (the ``model = "rate"`` backend), after Crodelle et al. 2019.

This module owns the population firing-rate model of the dorsal-horn gate: the parameter model
(:class:`RateParams`), the afferent drive (:class:`RateInputs`, :func:`rates_from_spikes`), the
integration (:func:`run_rate` and its private numba kernel ``_rate_kernel``) and the binned result
(:class:`RateOutput`). Equations, defaults, sources and the SCS assumptions are in
``docs/MODEL.md`` §4.

Model (Crodelle, Piltz, Hagenauer & Booth 2019, PLoS Comput Biol 15:e1007106; runnable equations
from Crodelle & Maia 2021, ``jcrodelle/damagedFibers`` ``DHmodelDiffEq.m``), with the SCS terms
marked *assumption*::

    fA'  = f_abeta + w_dc_infield * f_dc_infield                        (assumption: in-field DC)
    tauP dfP/dt = Pinf(gABP fA' + (gCP + s_N gNMDA) fC + gEP fE - s_G gIP fI) - fP
    tauE dfE/dt = Einf(gCE fC - s_G gIE fI) - fE
    tauI dfI/dt = Iinf(gABI fA' + g_dc_i f_dc_surround) - fI            (assumption: surround DC)
    tauN dgNMDA/dt = Ginf(fP) - gNMDA
    Xinf(c) = max_X * (1 + tanh((c - beta_X) / alpha_X)) / 2   (+ 1 Hz offset for I)

with ``s_N = nmda_scale`` and ``s_G = gaba_scale`` (assumptions, default 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from pydantic import Field

from scs_sim._jit import njit
from scs_sim._params import Params
from scs_sim.errors import ConfigError, SimulationError

__all__ = ["RateInputs", "RateOutput", "RateParams", "rates_from_spikes", "run_rate"]

_SRC = "Crodelle et al. 2019 PLoS Comput Biol 15:e1007106; value from jcrodelle/damagedFibers"
_ASSUMPTION = "scs_sim ASSUMPTION (not in Crodelle et al. 2019)"

#: Names of the kernel's state variables, in the order of the kernel's status codes (1-based).
STATE_NAMES: tuple[str, ...] = ("wdr", "ex", "local_in", "g_nmda")
#: Names of the input arrays of :class:`RateInputs` (and :class:`RateDrive`).
INPUT_NAMES: tuple[str, ...] = ("f_abeta", "f_c", "f_dc_infield", "f_dc_surround")


class RateParams(Params):
    """Parameters of the firing-rate gate; defaults are the published (coded) values.

    Weights are dimensionless gains (input in Hz per afferent fibre or Hz per cell, output in
    the Hz-like "input current" units of the response curves). Time constants in ms, rates in Hz.
    """

    # --- time constants -------------------------------------------------------------------------
    tau_p_ms: float = Field(1.0, gt=0, description=f"P (projection/WDR) rate time constant. {_SRC} (tauP)")
    tau_e_ms: float = Field(10.0, gt=0, description=f"E (excitatory IN) rate time constant. {_SRC} (tauE)")
    tau_i_ms: float = Field(20.0, gt=0, description=f"I (inhibitory IN) rate time constant. {_SRC} (tauI)")
    tau_nmda_ms: float = Field(1000.0, gt=0, description=f"NMDA (wind-up) variable time constant. {_SRC}")
    # --- response-curve maxima ------------------------------------------------------------------
    max_p_hz: float = Field(50.0, gt=0, description=f"Maximum P rate. {_SRC} (maxP)")
    max_e_hz: float = Field(60.0, gt=0, description=f"Maximum E rate. {_SRC} (maxE)")
    max_i_hz: float = Field(80.0, gt=0, description=f"Maximum I rate (above the offset). {_SRC} (maxI)")
    i_offset_hz: float = Field(1.0, ge=0, description=f"Constant offset added to Iinf. {_SRC} (Iinf '+1')")
    max_g: float = Field(
        2.0,
        ge=0,
        description=f"Maximum of the NMDA variable gNMDA (see max_g_squared). {_SRC} (maxG)",
    )
    max_g_squared: bool = Field(
        False,
        description=(
            "False (default): gNMDA_inf = max_g * M(fP), so max_g is the maximum as stated. True: "
            "reproduce DHmodelDiffEq.m as coded, where Minf already contains maxG and the ODE multiplies "
            "by maxG again (effective maximum max_g**2 = 4). scs_sim decision, see docs/MODEL.md §4"
        ),
    )
    # --- synaptic gains -------------------------------------------------------------------------
    g_ab_p: float = Field(0.8, ge=0, description=f"Abeta -> P gain. {_SRC} (gABP)")
    g_c_p: float = Field(0.8, ge=0, description=f"C (Adelta+C) -> P gain. {_SRC} (gCP)")
    g_e_p: float = Field(0.35, ge=0, description=f"E -> P gain. {_SRC} (gEP)")
    g_i_p: float = Field(1.8, ge=0, description=f"I -> P inhibitory gain. {_SRC} (gIP)")
    g_c_e: float = Field(1.6, ge=0, description=f"C -> E gain. {_SRC} (gCE)")
    g_i_e: float = Field(0.6, ge=0, description=f"I -> E inhibitory gain. {_SRC} (gIE)")
    g_ab_i: float = Field(0.8, ge=0, description=f"Abeta -> I gain. {_SRC} (gABI)")
    # --- response-curve shapes (Hz-like input units) -------------------------------------------
    alpha_p: float = Field(11.5, gt=0, description=f"Width of Pinf. {_SRC} (alphaP)")
    beta_p: float = Field(28.2, description=f"Half-activation input of Pinf. {_SRC} (betaP)")
    alpha_e: float = Field(5.2, gt=0, description=f"Width of Einf. {_SRC} (alphaE)")
    beta_e: float = Field(29.2, description=f"Half-activation input of Einf. {_SRC} (betaE)")
    alpha_i: float = Field(9.5, gt=0, description=f"Width of Iinf. {_SRC} (alphaI)")
    beta_i: float = Field(28.0, description=f"Half-activation input of Iinf. {_SRC} (betaI)")
    alpha_g_hz: float = Field(
        10.0, gt=0, description=f"Width of the NMDA activation M(fP), Hz. {_SRC} (alphaG)"
    )
    beta_g_hz: float = Field(38.0, description=f"Half-activation P rate of M(fP), Hz. {_SRC} (betaG)")
    # --- SCS additions and disinhibition (assumptions) ------------------------------------------
    w_dc_infield: float = Field(
        1.0,
        ge=0,
        description=(
            f"{_ASSUMPTION}: weight of the in-field dorsal-column collateral rate added to the Abeta "
            "drive (1 = an in-field DC collateral acts exactly like a local Abeta fibre)"
        ),
    )
    g_dc_i: float = Field(
        0.8,
        ge=0,
        description=(
            f"{_ASSUMPTION}: gain of the surround DC collateral rate onto the inhibitory population "
            "(default = g_ab_i; surround inhibition after Gilbert et al. 2022)"
        ),
    )
    nmda_scale: float = Field(
        1.0, ge=0, description=f"{_ASSUMPTION}: multiplies gNMDA in the P input (0 = NMDA block)"
    )
    gaba_scale: float = Field(
        1.0,
        ge=0,
        description=f"{_ASSUMPTION}: multiplies g_i_p and g_i_e (< 1 disinhibition, 0 GABA/glycine block)",
    )


@dataclass(frozen=True)
class RateInputs:
    """Population-average afferent drive, Hz per fibre, one value per integration step.

    Each field is a scalar (constant drive) or a 1-D array with one value per time step of
    :func:`run_rate` (length ``round(duration_s / dt_s)``); element ``k`` is the rate during
    ``[k*dt, (k+1)*dt)``. Use :func:`rates_from_spikes` to turn spike trains into such arrays.

    Attributes
    ----------
    f_abeta : float or ndarray
        Local (receptive-field) Abeta rate, Hz per fibre.
    f_c : float or ndarray
        Nociceptive rate (Adelta + C lumped, as in Crodelle et al.), Hz per fibre.
    f_dc_infield : float or ndarray
        SCS-recruited dorsal-column collaterals landing in the painful field, Hz per fibre.
    f_dc_surround : float or ndarray
        SCS-recruited dorsal-column collaterals landing in the surround, Hz per fibre.
    """

    f_abeta: float | np.ndarray = 0.0
    f_c: float | np.ndarray = 0.0
    f_dc_infield: float | np.ndarray = 0.0
    f_dc_surround: float | np.ndarray = 0.0


@dataclass(frozen=True)
class RateOutput:
    """Binned result of :func:`run_rate`.

    Attributes
    ----------
    bin_s : float
        Bin width, s (the last bin may be shorter if the duration is not a whole number of bins).
    rates_hz : dict[str, ndarray]
        Bin means of ``wdr`` (projection population P, Hz), ``ex`` (E, Hz), ``local_in`` (I, Hz)
        and ``g_nmda`` (the dimensionless NMDA wind-up gain).
    t_s : ndarray
        Start time of each bin, s.
    """

    bin_s: float
    rates_hz: dict[str, np.ndarray]
    t_s: np.ndarray = field(repr=False)


# ------------------------------------------------------------------------------------------------
# kernel and its argument bundles (module-level namedtuples: numba passes them as typed tuples)
# ------------------------------------------------------------------------------------------------
class RateDrive(NamedTuple):
    """Afferent rates, Hz per fibre, one float64 value per step (the arrays of :class:`RateInputs`)."""

    f_abeta: np.ndarray
    f_c: np.ndarray
    f_dc_infield: np.ndarray
    f_dc_surround: np.ndarray


class RateConstants(NamedTuple):
    """Every constant of the rate kernel, named (see :func:`_constants` and :class:`RateParams`)."""

    g_ab_p: float        # Abeta -> P gain
    g_c_p: float         # C -> P gain
    g_e_p: float         # E -> P gain
    g_i_p: float         # I -> P inhibitory gain
    g_c_e: float         # C -> E gain
    g_i_e: float         # I -> E inhibitory gain
    g_ab_i: float        # Abeta -> I gain
    alpha_p: float       # widths and half-activation inputs of the response curves (input units; Hz for g)
    beta_p: float
    alpha_e: float
    beta_e: float
    alpha_i: float
    beta_i: float
    alpha_g: float
    beta_g: float
    max_p: float         # response-curve maxima (Hz; the NMDA variable: dimensionless)
    max_e: float
    max_i: float
    i_offset: float      # constant offset of Iinf (Hz)
    g_inf_max: float     # maximum of gNMDA_inf (max_g, or max_g**2 with max_g_squared)
    w_dc_infield: float  # weight of the in-field DC rate in the Abeta drive
    g_dc_i: float        # surround DC -> I gain
    nmda_scale: float    # multiplier of gNMDA in the P input
    gaba_scale: float    # multiplier of g_i_p and g_i_e
    d_p: float           # one-step decay factors exp(-dt/tau) of P, E, I, gNMDA
    d_e: float
    d_i: float
    d_g: float


@njit
def _rate_kernel(drive, k, n_per_bin, out, state):
    """Exponential-Euler integration of the rate model; bin means accumulated into ``out``.

    Parameters
    ----------
    drive : RateDrive
        Afferent rates (Hz per fibre), four float64 arrays of one value per step, length n.
    k : RateConstants
        Gains (dimensionless), response-curve shapes (input units) and maxima (Hz), the SCS and
        disinhibition multipliers, and the one-step decay factors exp(−dt/τ) of P, E, I, gNMDA.
    n_per_bin : int
        Steps per output bin (the last bin may be shorter).
    out : float64 array (4, n_bins)
        Bin means of P, E, I (Hz) and gNMDA (dimensionless), rows in STATE_NAMES order; overwritten.
    state : float64 array (4,)
        P, E, I (Hz) and gNMDA before the first step (0 at the start of a run); overwritten with their
        values after the last step, so consecutive windows continue the same integration exactly.

    Returns
    -------
    (status, step) : (int, int)
        status 0 = success (step = n); ``s`` = state variable ``s-1`` (STATE_NAMES) became
        non-finite at step ``step`` (its value after that step).

    Notes
    -----
    Cost (numbers in docs/PERFORMANCE.md): each response curve ``max (1 + tanh((c - beta)/alpha)) / 2``
    is evaluated as the same function in logistic form, ``max / (1 + exp((beta - c) * (2/alpha)))``
    (libm ``exp`` costs a third of ``tanh``, and the slope ``2/alpha`` is precomputed, so no division
    sits on the step-to-step dependency chain); ``tests/naive_rate.py`` rounds it the same way.
    Finiteness is tested once per bin, on the sum of the bin's four accumulators (any non-finite
    state makes it non-finite); only then is the bin replayed from its saved start state with
    per-step tests, which finds the same step and variable as testing every step would.
    """
    f_ab, f_c, f_dc_in, f_dc_sur = drive
    g_ab_p, g_c_p, g_e_p, g_i_p = k.g_ab_p, k.g_c_p, k.g_e_p, k.g_i_p
    g_c_e, g_i_e, g_ab_i = k.g_c_e, k.g_i_e, k.g_ab_i
    a_p, b_p, a_e, b_e = k.alpha_p, k.beta_p, k.alpha_e, k.beta_e
    a_i, b_i, a_g, b_g = k.alpha_i, k.beta_i, k.alpha_g, k.beta_g
    max_p, max_e, max_i, i_off, g_inf_max = k.max_p, k.max_e, k.max_i, k.i_offset, k.g_inf_max
    w_dc_in, g_dc_i, nmda_scale, gaba_scale = k.w_dc_infield, k.g_dc_i, k.nmda_scale, k.gaba_scale
    d_p, d_e, d_i, d_g = k.d_p, k.d_e, k.d_i, k.d_g
    s_p, s_e, s_i, s_g = 2.0 / a_p, 2.0 / a_e, 2.0 / a_i, 2.0 / a_g  # logistic slopes
    n = f_ab.shape[0]
    n_bins = out.shape[1]
    fp = state[0]
    fe = state[1]
    fi = state[2]
    g = state[3]
    for b in range(n_bins):
        k0 = b * n_per_bin
        k1 = min(k0 + n_per_bin, n)
        fp0, fe0, fi0, g0 = fp, fe, fi, g
        check = False  # True only when replaying a bin that went non-finite
        while True:
            sp = 0.0
            se = 0.0
            si = 0.0
            sg = 0.0
            for k in range(k0, k1):
                fa = f_ab[k] + w_dc_in * f_dc_in[k]
                fc = f_c[k]
                c_p = g_ab_p * fa + (g_c_p + nmda_scale * g) * fc + g_e_p * fe - gaba_scale * g_i_p * fi
                c_e = g_c_e * fc - gaba_scale * g_i_e * fi
                c_i = g_ab_i * fa + g_dc_i * f_dc_sur[k]
                p_inf = max_p / (1.0 + math.exp((b_p - c_p) * s_p))
                e_inf = max_e / (1.0 + math.exp((b_e - c_e) * s_e))
                i_inf = max_i / (1.0 + math.exp((b_i - c_i) * s_i)) + i_off
                g_inf = g_inf_max / (1.0 + math.exp((b_g - fp) * s_g))
                fp = p_inf + (fp - p_inf) * d_p
                fe = e_inf + (fe - e_inf) * d_e
                fi = i_inf + (fi - i_inf) * d_i
                g = g_inf + (g - g_inf) * d_g
                if check:
                    if not math.isfinite(fp):
                        return 1, k
                    if not math.isfinite(fe):
                        return 2, k
                    if not math.isfinite(fi):
                        return 3, k
                    if not math.isfinite(g):
                        return 4, k
                sp += fp
                se += fe
                si += fi
                sg += g
            if check or math.isfinite(sp + se + si + sg):
                break  # (a replay that finds no non-finite state: the sums overflowed; keep them)
            fp, fe, fi, g = fp0, fe0, fi0, g0
            check = True
        cnt = k1 - k0
        out[0, b] = sp / cnt
        out[1, b] = se / cnt
        out[2, b] = si / cnt
        out[3, b] = sg / cnt
    state[0] = fp
    state[1] = fe
    state[2] = fi
    state[3] = g
    return 0, n


@njit
def _smooth_kernel(counts, scale, a, r0, out):
    """Causal exponential smoothing: ``out[k] = a*out[k-1] + (1-a)*scale*counts[k]``, ``out[-1] = r0``.

    Parameters
    ----------
    counts : float64 array (n,)
        (Weighted) spike count per step.
    scale : float
        Count → rate factor 1/(n_fibres·dt) (Hz per fibre per spike).
    a : float
        Smoothing factor exp(−dt/τ_smooth) (dimensionless).
    r0 : float
        Rate before the first step (Hz per fibre).
    out : float64 array (n,)
        Smoothed rate (Hz per fibre), written.
    """
    r = r0
    for k in range(counts.shape[0]):
        r = a * r + (1.0 - a) * scale * counts[k]
        out[k] = r


# ------------------------------------------------------------------------------------------------
# public wrappers
# ------------------------------------------------------------------------------------------------
def _constants(p: RateParams, dt_s: float) -> RateConstants:
    """The kernel's constants for parameters ``p`` and step ``dt_s`` (s)."""
    g_inf_max = p.max_g * p.max_g if p.max_g_squared else p.max_g
    taus_s = np.array([p.tau_p_ms, p.tau_e_ms, p.tau_i_ms, p.tau_nmda_ms]) * 1e-3
    d_p, d_e, d_i, d_g = (float(d) for d in np.exp(-dt_s / taus_s))
    return RateConstants(
        p.g_ab_p, p.g_c_p, p.g_e_p, p.g_i_p, p.g_c_e, p.g_i_e, p.g_ab_i,
        p.alpha_p, p.beta_p, p.alpha_e, p.beta_e, p.alpha_i, p.beta_i, p.alpha_g_hz, p.beta_g_hz,
        p.max_p_hz, p.max_e_hz, p.max_i_hz, p.i_offset_hz, g_inf_max,
        p.w_dc_infield, p.g_dc_i, p.nmda_scale, p.gaba_scale, d_p, d_e, d_i, d_g,
    )  # fmt: skip


def _check_positive(value, name: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"must be a number (got {value!r})", key=name) from None
    if not math.isfinite(v) or v <= 0:
        raise ConfigError(f"must be finite and > 0 (got {value!r})", key=name)
    return v


def _n_steps(duration_s: float, dt_s: float) -> int:
    n = int(round(duration_s / dt_s))
    if n < 1:
        raise ConfigError(
            f"duration_s={duration_s!r} is shorter than one step dt_s={dt_s!r}", key="duration_s"
        )
    return n


def _input_array(value, name: str, n: int) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    elif arr.ndim != 1 or arr.shape[0] != n:
        raise ConfigError(
            f"must be a scalar or a 1-D array with one rate per time step, length round(duration_s/dt_s) "
            f"= {n} (got shape {arr.shape})",
            key=f"inputs.{name}",
        )
    else:
        arr = np.ascontiguousarray(arr)
    if not (arr.min() >= 0 and arr.max() < math.inf):  # NaN fails both; two passes, no temporaries
        k = int(np.argmax(~np.isfinite(arr) | (arr < 0)))
        raise ConfigError(
            f"rates must be finite and >= 0 Hz per fibre (got {arr[k]!r} at step {k})", key=f"inputs.{name}"
        )
    return arr


def run_rate(
    params: RateParams | None,
    inputs: RateInputs,
    duration_s: float,
    *,
    dt_s: float = 1e-4,
    bin_s: float = 0.005,
    state: np.ndarray | None = None,
) -> RateOutput:
    """Integrate the firing-rate gate for ``duration_s`` and return bin-mean rates.

    Integration is exponential Euler at ``dt_s`` (each variable relaxes exactly towards its
    steady state computed from the previous step's state and the current step's inputs); all
    populations start at 0 Hz and gNMDA at 0, as in the published code.

    Parameters
    ----------
    params : RateParams or None
        Model parameters (``None``: published defaults).
    inputs : RateInputs
        Afferent rates in Hz per fibre; scalars or one value per step (``round(duration_s/dt_s)``).
    duration_s : float
        Simulated time, s (> 0).
    dt_s : float, optional
        Integration step, s; must be > 0 and <= tau_P/2 (default 0.1 ms).
    bin_s : float, optional
        Output bin width, s; rounded to a whole number of steps (>= 1). Default 5 ms.
    state : float64 array (4,), optional
        P, E, I, gNMDA to start from (default all 0), overwritten with the final values: a run split
        into windows of whole bins, each continuing from the last one's ``state``, is bit-identical.

    Returns
    -------
    RateOutput

    Raises
    ------
    ConfigError
        Bad parameters or inputs (negative or non-finite rates, wrong lengths, bad durations/steps).
    SimulationError
        A state variable became non-finite; the message names it and the time.

    Examples
    --------
    >>> out = run_rate(None, RateInputs(f_abeta=1.0, f_c=1.0), 0.5)
    >>> sorted(out.rates_hz)
    ['ex', 'g_nmda', 'local_in', 'wdr']
    """
    if params is None:
        params = RateParams()
    if not isinstance(params, RateParams):
        raise ConfigError(f"must be a RateParams (got {type(params).__name__})", key="params")
    if not isinstance(inputs, RateInputs):
        raise ConfigError(f"must be a RateInputs (got {type(inputs).__name__})", key="inputs")
    duration_s = _check_positive(duration_s, "duration_s")
    dt_s = _check_positive(dt_s, "dt_s")
    bin_s = _check_positive(bin_s, "bin_s")
    tau_p_s = params.tau_p_ms * 1e-3
    if dt_s > tau_p_s / 2:
        raise ConfigError(
            f"must be <= tau_p_ms/2 = {tau_p_s / 2:g} s for an accurate P rate (got {dt_s!r})", key="dt_s"
        )
    n = _n_steps(duration_s, dt_s)
    n_per_bin = max(1, int(round(bin_s / dt_s)))
    arrays = [_input_array(getattr(inputs, name), name, n) for name in INPUT_NAMES]
    n_bins = -(-n // n_per_bin)
    out = np.empty((4, n_bins), dtype=np.float64)
    if state is None:
        state = np.zeros(4)
    elif not (isinstance(state, np.ndarray) and state.shape == (4,) and state.dtype == np.float64):
        raise ConfigError("must be a float64 array of 4 values (P, E, I, gNMDA)", key="state")
    status, step = _rate_kernel(RateDrive(*arrays), _constants(params, dt_s), n_per_bin, out, state)
    _raise_if_failed(int(status), int(step), dt_s)
    return RateOutput(
        bin_s=n_per_bin * dt_s,
        rates_hz={name: out[j] for j, name in enumerate(STATE_NAMES)},
        t_s=np.arange(n_bins) * (n_per_bin * dt_s),
    )


def _raise_if_failed(status: int, step: int, dt_s: float) -> None:
    """Turn a kernel status code into :class:`SimulationError` naming the variable and time."""
    if status == 0:
        return
    raise SimulationError(
        f"rate model: {STATE_NAMES[status - 1]} became non-finite at t = {(step + 1) * dt_s:.6g} s "
        f"(step {step}); check the parameters and input rates"
    )


def rates_from_spikes(
    times_s,
    n_fibres: int,
    duration_s: float,
    dt_s: float = 1e-4,
    tau_smooth_ms: float = 5.0,
    weights=None,
    *,
    first_step: int = 0,
    state: np.ndarray | None = None,
) -> np.ndarray:
    """Turn pooled spike times of a fibre population into a smoothed rate, Hz per fibre, per step.

    Spikes are counted in steps ``[k*dt, (k+1)*dt)``; the raw rate ``count/(n_fibres*dt)`` is
    smoothed with a causal, unit-area exponential kernel of time constant ``tau_smooth_ms``
    (discrete recursion ``r[k] = a r[k-1] + (1-a) raw[k]``, ``a = exp(-dt/tau)``), started at the
    mean raw rate of the first ``5 tau`` so a steady baseline has no start-up ramp. Crodelle et
    al. smoothed the 1-ms population rate with MATLAB ``smooth(..., 10, 'rloess')`` (a centred
    10-ms robust local regression); the causal exponential has a similar width but never lets
    the response lead its stimulus. ``tau_smooth_ms = 0`` returns the raw step rate.

    Parameters
    ----------
    times_s : array_like
        Spike times of all fibres of the population, pooled, s (finite, >= 0; spikes at or after
        ``duration_s`` are outside the window and ignored).
    n_fibres : int
        Number of fibres in the population (>= 1).
    duration_s : float
        Window length, s; the result has ``round(duration_s/dt_s)`` values.
    dt_s : float, optional
        Step, s (use the ``dt_s`` of :func:`run_rate`).
    tau_smooth_ms : float, optional
        Smoothing time constant, ms (>= 0). Default 5 ms.
    weights : array_like, optional
        Weight of each spike (default 1), e.g. a synapse's release fraction under depression.
    first_step : int, optional
        Global number of the window's first step: spikes count in step ``floor(t/dt) − first_step``
        (earlier ones in the first), so the steps of a windowed run are those of the whole run.
    state : float64 array (2,), optional
        ``[started, rate before the first step]``, carried between windows and overwritten: with
        ``started = 0`` the start rate is computed as above, else the window continues from it.

    Returns
    -------
    ndarray
        Rate in Hz per fibre, one value per step.

    Examples
    --------
    >>> r = rates_from_spikes([0.01, 0.02], n_fibres=10, duration_s=0.05, dt_s=1e-3, tau_smooth_ms=0)
    >>> float(r[10])
    100.0
    """
    duration_s = _check_positive(duration_s, "duration_s")
    dt_s = _check_positive(dt_s, "dt_s")
    if isinstance(n_fibres, bool) or not isinstance(n_fibres, int | np.integer) or n_fibres < 1:
        raise ConfigError(f"must be an integer >= 1 (got {n_fibres!r})", key="n_fibres")
    try:
        tau = float(tau_smooth_ms)
    except (TypeError, ValueError):
        raise ConfigError(f"must be a number (got {tau_smooth_ms!r})", key="tau_smooth_ms") from None
    if not math.isfinite(tau) or tau < 0:
        raise ConfigError(f"must be finite and >= 0 ms (got {tau_smooth_ms!r})", key="tau_smooth_ms")
    t = np.asarray(times_s, dtype=np.float64).ravel()
    bad = ~np.isfinite(t) | (t < 0)
    if bad.any():
        raise ConfigError(f"spike times must be finite and >= 0 s (got {t[bad][0]!r})", key="times_s")
    n = _n_steps(duration_s, dt_s)
    idx = np.floor(t / dt_s).astype(np.int64)
    if first_step:
        idx = np.maximum(idx - int(first_step), 0)
    inside = idx < n
    if weights is None:
        counts = np.bincount(idx[inside], minlength=n).astype(np.float64)
    else:
        w = np.asarray(weights, dtype=np.float64).ravel()
        if w.shape != t.shape or not np.all(np.isfinite(w)) or (w < 0).any():
            raise ConfigError("weights must be finite, >= 0 and one per spike", key="weights")
        counts = np.bincount(idx[inside], weights=w[inside], minlength=n)
    scale = 1.0 / (n_fibres * dt_s)
    if tau == 0:
        return counts * scale
    a = math.exp(-dt_s / (tau * 1e-3))
    if state is not None and state[0]:
        r0 = float(state[1])
    else:
        n0 = min(n, max(1, int(math.ceil(5 * tau * 1e-3 / dt_s))))
        r0 = float(counts[:n0].mean() * scale)
    out = np.empty(n, dtype=np.float64)
    _smooth_kernel(counts, scale, a, r0, out)
    if state is not None:
        state[0], state[1] = 1.0, out[-1]
    return out
