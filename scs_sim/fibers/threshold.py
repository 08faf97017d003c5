"""Perception, discomfort and recruitment thresholds, and strength-duration curves.

This module owns :func:`threshold` (the lowest amplitude meeting a criterion, by bisection with
common random numbers), the criteria table ``_CRITERIA`` (criterion name -> test on
:meth:`Recruitment.summary`; adding a criterion is one entry; :data:`CRITERIA` lists the names,
:data:`CRITERION_ALIASES` the accepted old names), :func:`strength_duration` (thresholds against pulse
width), the strength-duration fits (:func:`fit_strength_duration`: exponential, Lapicque;
:func:`fit_strength_duration_weiss`: hyperbolic, Weiss; :func:`strength_duration_fits`: both) and the
search limits (:data:`CEILING_MA`, :data:`REL_TOL`, :data:`ABS_TOL_MA`). Each threshold step is a
:func:`scs_sim.fibers.recruitment.recruit` run; method and calibration: ``docs/MODEL.md`` §2.4-2.5.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from scs_sim.errors import ConfigError
from scs_sim.fibers.anatomy import FiberPopulation
from scs_sim.fibers.models import recruit_function
from scs_sim.fibers.params import ExcitationParams, PerceptionParams

__all__ = ["ABS_TOL_MA", "CEILING_MA", "CRITERIA", "CRITERION_ALIASES", "REL_TOL", "canonical_criterion",
           "fit_strength_duration", "fit_strength_duration_weiss", "strength_duration", "strength_duration_fits",
           "threshold"]

#: Amplitude ceiling of threshold searches, mA (well above the clinical range of a few mA: 0.5-5 mA
#: in Lempka et al. 2015 Anesthesiology 122:1362).
CEILING_MA = 25.0
#: Bisection stops when the bracket is narrower than max(ABS_TOL_MA, REL_TOL * upper bound).
REL_TOL = 0.005
ABS_TOL_MA = 0.005


#: Threshold criteria: perception (paresthesia), discomfort, or the first recruited DC fibre.
_CRITERIA = {
    "perception": lambda s: bool(s["paresthesia"]),
    "discomfort": lambda s: bool(s["discomfort"]),
    "first-fibre": lambda s: s["recruited_dc_fibers"] > 0,
}
#: The criterion names :func:`threshold` and ``scs-sim threshold --criterion`` accept.
CRITERIA = tuple(_CRITERIA)
#: Older names still accepted: ``recruitment`` = ``first-fibre``.
CRITERION_ALIASES = {"recruitment": "first-fibre", "first_fibre": "first-fibre"}


def canonical_criterion(which: str) -> str:
    """The criterion name of ``which`` (an alias resolved); ConfigError for an unknown one."""
    name = CRITERION_ALIASES.get(which, which)
    if name not in _CRITERIA:
        raise ConfigError(f"must be one of {', '.join(CRITERIA)} (got {which!r})", key="which")
    return name


def threshold(program, fibers: FiberPopulation, rng_seed: int, *,
              which: Literal["perception", "discomfort", "first-fibre", "recruitment"] = "perception",
              duration_s: float = 0.5,
              params: ExcitationParams | None = None, perception: PerceptionParams | None = None,
              ceiling_ma: float = CEILING_MA, rel_tol: float = REL_TOL, abs_tol_ma: float = ABS_TOL_MA,
              fiber_model: str = "fast") -> float:
    """Lowest ``amplitude_ma`` at which the program evokes perception (or discomfort, or recruits a DC fibre).

    ``which``: ``perception`` (the population percept, ``summary()["paresthesia"]``), ``discomfort``, or
    ``first-fibre`` (the first DC fibre fires at all; ``recruitment`` is accepted as its old name).

    Bisection on ``amplitude_ma`` (all other program parameters fixed) within ``(0, ceiling_ma]``,
    stopping when the bracket is narrower than ``max(abs_tol_ma, rel_tol * upper)``; every amplitude
    is simulated with the same noise (``numpy.random.default_rng(rng_seed)``: common random numbers),
    so the criterion is monotone in amplitude except for rare refractory/accommodation interactions.
    ``fiber_model`` picks the recruit function (:data:`scs_sim.fibers.models.FIBER_MODELS`).
    For a multiplexed program ``amplitude_ma`` is the scale factor on all components and the result
    is in those units.

    Returns
    -------
    float
        The upper end of the final bracket (criterion met there), or ``math.inf`` when the criterion
        is not met even at ``ceiling_ma``.

    Example
    -------
    >>> from scs_sim.stim.programs import tonic
    >>> from scs_sim.fibers.anatomy import Anatomy, build_fibers
    >>> pop = build_fibers(Anatomy(), np.random.default_rng(1))
    >>> 5.0 < threshold(tonic(), pop, rng_seed=7) < 8.0
    True
    """
    from scs_sim.stim.programs import pulse_train

    criterion = _CRITERIA[canonical_criterion(which)]
    run = recruit_function(fiber_model)
    if not (math.isfinite(ceiling_ma) and ceiling_ma > 0):
        raise ConfigError(f"must be finite and > 0 (got {ceiling_ma!r})", key="ceiling_ma")

    if getattr(program, "kind", None) == "custom" and not getattr(program, "relative_amplitude", True):
        raise ConfigError("a threshold search scales amplitude_ma, which a custom program uses only with "
                          "relative_amplitude = true", key="program.relative_amplitude")

    def met(amp: float) -> bool:
        prog = program.model_copy(update={"amplitude_ma": amp})
        rec = run(pulse_train(prog), fibers, np.random.default_rng(rng_seed), duration_s,
                  params=params, perception=perception, max_spikes=0)
        return criterion(rec.summary())

    if not met(ceiling_ma):
        return math.inf
    lo, hi = 0.0, ceiling_ma
    while hi - lo > max(abs_tol_ma, rel_tol * hi):
        mid = 0.5 * (lo + hi)
        if met(mid):
            hi = mid
        else:
            lo = mid
    return hi


def strength_duration(program, fibers: FiberPopulation, rng_seed: int, pulse_widths_us, **kwargs) -> np.ndarray:
    """Thresholds (mA) of ``program`` at each pulse width (``threshold`` keyword arguments pass through)."""
    return np.array([
        threshold(program.model_copy(update={"pulse_width_us": float(pw)}), fibers, rng_seed, **kwargs)
        for pw in pulse_widths_us
    ])


def _sd_data(pulse_widths_us, thresholds_ma):
    pw = np.asarray(pulse_widths_us, dtype=float)
    thr = np.asarray(thresholds_ma, dtype=float)
    ok = np.isfinite(thr)
    if ok.sum() < 2:
        raise ConfigError("need at least two finite thresholds to fit a strength-duration curve")
    return pw[ok], thr[ok]


def _fit(model, pw, thr) -> tuple[float, float]:
    from scipy.optimize import curve_fit

    (rh, ch), _ = curve_fit(model, pw, thr, p0=(float(thr.min()), 300.0), sigma=thr,
                            bounds=([1e-6, 1.0], [1e3, 1e5]))
    return float(rh), float(ch)


def fit_strength_duration(pulse_widths_us, thresholds_ma) -> tuple[float, float]:
    """Least-squares fit (relative errors) of the exponential (Lapicque) form
    ``I = I_rh / (1 - exp(-PW ln2 / chronaxie))`` (the form the calibration targets, docs/MODEL.md §2.5).

    Returns
    -------
    (rheobase_ma, chronaxie_us)
    """
    pw, thr = _sd_data(pulse_widths_us, thresholds_ma)
    return _fit(lambda x, rh, ch: rh / (1.0 - np.exp(-x * math.log(2.0) / ch)), pw, thr)


def fit_strength_duration_weiss(pulse_widths_us, thresholds_ma) -> tuple[float, float]:
    """Least-squares fit (relative errors) of the hyperbolic (Weiss) form ``I = I_rh (1 + chronaxie / PW)``.

    Returns
    -------
    (rheobase_ma, chronaxie_us)
    """
    pw, thr = _sd_data(pulse_widths_us, thresholds_ma)
    return _fit(lambda x, rh, ch: rh * (1.0 + ch / x), pw, thr)


def strength_duration_fits(pulse_widths_us, thresholds_ma) -> dict[str, dict[str, float]]:
    """Both standard forms: ``{"lapicque": {...}, "weiss": {...}}``, each ``rheobase_ma`` and ``chronaxie_us``."""
    out = {}
    for name, fit in (("lapicque", fit_strength_duration), ("weiss", fit_strength_duration_weiss)):
        rh, ch = fit(pulse_widths_us, thresholds_ma)
        out[name] = {"rheobase_ma": rh, "chronaxie_us": ch}
    return out
