"""Recruitment curves: which fibres fire across an amplitude grid, and what follows from it.

Owns :func:`amplitude_scan` (bool fibre × amplitude table), :func:`recruitment_curves` (fraction of
dorsal-column fibres recruited against amplitude, one curve per pulse width) and
:func:`fiber_thresholds` (each fibre's lowest firing amplitude on a grid). They run
:func:`scs_sim.fibers.recruitment.recruit`; the figures of :mod:`scs_sim.plots.recruitment` draw
their results.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from scs_sim.fibers.recruitment import recruit
from scs_sim.stim.programs import pulse_train

__all__ = ["amplitude_scan", "fiber_thresholds", "recruitment_curves"]


def amplitude_scan(program, fibers, amplitudes_ma, *, seed: int = 1, duration_s: float = 0.1,
                   params=None) -> np.ndarray:
    """Which fibres fire at each amplitude: bool array (n_amplitudes, n_fibres).

    Every amplitude reuses the same noise (``default_rng(seed)``: common random numbers), so the
    scan is (almost) monotone in amplitude. ``program`` is copied with ``amplitude_ma`` replaced;
    ``params`` (:class:`~scs_sim.fibers.params.ExcitationParams`, optional) passes to ``recruit``.
    """
    out = np.zeros((len(amplitudes_ma), fibers.n), dtype=bool)
    for i, a in enumerate(amplitudes_ma):
        prog = program.model_copy(update={"amplitude_ma": float(a)})
        rec = recruit(pulse_train(prog), fibers, np.random.default_rng(seed), duration_s, params=params,
                      max_spikes=0)
        out[i] = rec.recruited
    return out


def recruitment_curves(
    program,
    fibers,
    amplitudes_ma,
    pulse_widths_us: Sequence[float],
    *,
    seed: int = 1,
    duration_s: float = 0.1,
) -> dict[float, np.ndarray]:
    """Fraction of DC fibres recruited against amplitude, one curve per pulse width.

    Returns ``{pulse_width_us: fraction array (len(amplitudes_ma),)}``.
    """
    dc = ~fibers.is_dr
    out = {}
    for pw in pulse_widths_us:
        prog = program.model_copy(update={"pulse_width_us": float(pw)})
        scan = amplitude_scan(prog, fibers, amplitudes_ma, seed=seed, duration_s=duration_s)
        out[float(pw)] = scan[:, dc].mean(axis=1)
    return out


def fiber_thresholds(program, fibers, amplitudes_ma, *, seed: int = 1, duration_s: float = 0.1) -> np.ndarray:
    """Per-fibre activation threshold (mA): the lowest amplitude of ``amplitudes_ma`` at which it fires.

    ``inf`` for fibres that never fire on the grid. Resolution is the grid spacing.
    """
    amps = np.sort(np.asarray(amplitudes_ma, dtype=float))
    scan = amplitude_scan(program, fibers, amps, seed=seed, duration_s=duration_s)
    fired = scan.any(axis=0)
    first = np.argmax(scan, axis=0)
    return np.where(fired, amps[first], np.inf)
