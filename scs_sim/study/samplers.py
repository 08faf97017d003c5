"""Design methods: the table :data:`SAMPLERS` (method name → :class:`Sampler`) and :func:`design`.

A design is the list of sweep points, one ``{axis key: value}`` dict per point, in point order.

- ``grid``: every combination of the axes' values (the first axis varies slowest); a range axis
  gives ``num`` values (``np.linspace`` / ``np.geomspace``).
- ``random``, ``lhs``, ``sobol``: ``points`` draws in the unit cube, from a ``numpy`` Generator
  (random) or ``scipy.stats.qmc`` (``LatinHypercube``; scrambled ``Sobol``), seeded from
  ``SeedSequence(seed, spawn_key=(0xD, 0xE, 0x5))``, then mapped onto each axis's bounds
  (``log_range`` uniformly in log space; integer axes rounded).
- ``saltelli``: the design of Sobol' sensitivity indices (:mod:`scs_sim.study.sensitivity`):
  ``SALib.sample.sobol.sample`` without second order, i.e. ``points`` = N base samples of a
  scrambled Sobol' sequence in 2D dimensions give N(D + 2) points (blocks A, AB_1 … AB_D, B per base
  sample, in that order; Saltelli 2002, Saltelli et al. 2010). N must be a power of 2 (the balance
  of the Sobol' sequence, which the estimators' convergence rests on).
- ``morris``: ``points`` = r Morris trajectories of D + 1 points each on a 4-level grid
  (``SALib.sample.morris.sample``, Morris 1991), r(D + 1) points: the cheap screening design.

The Saltelli and Morris designs are drawn in the unit cube by SALib (seeded with the same
generator) and mapped onto the axes like the others; :func:`unit_matrix` returns that unit-cube
matrix, which the analysis needs (Morris uses the step of each point).

Adding a method is one entry in :data:`SAMPLERS`: a function ``design(axes, points, seed) -> list[dict]``
and whether it draws a ``points``-sized design from bounds (``sized=True``) or enumerates axis values
(``sized=False``, like grid: categorical axes allowed, ranges need ``num``); a sized method that makes
more than one point per ``points`` says how many with ``size`` (counted before the design is made,
for the size limit) and may refuse a ``points`` value with ``check``.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from scs_sim.study.spec import Axis

__all__ = ["Sampler", "SAMPLERS", "design", "unit_design", "unit_matrix", "MORRIS_LEVELS"]

#: Spawn key of the design's random stream (apart from the rows' seeds).
SAMPLING_KEY = (0xD, 0xE, 0x5)
#: Grid levels of the Morris design: p = 4 with step p / (2(p - 1)) = 2/3, as recommended by
#: Morris 1991 (Technometrics 33:161) and Campolongo et al. 2007 (Environ Model Softw 22:1509).
MORRIS_LEVELS = 4


@dataclass(frozen=True)
class Sampler:
    """A design method.

    ``design(axes, points, seed)`` returns one ``{axis key: value}`` dict per point. ``sized``: the
    method draws ``points`` points from the axes' bounds (``sweep.points`` required, no categorical
    axes); otherwise it enumerates the axes' values as grid does (``points`` unused).
    """

    design: Callable[[Sequence[Axis], int | None, int], list[dict]]
    sized: bool = True
    #: ``size(points, n_axes)``: the number of design points (default: ``points``).
    size: Callable[[int, int], int] | None = None
    #: ``check(points)``: why ``points`` is not allowed (a message naming what is), or None.
    check: Callable[[int], str | None] | None = None
    #: How ``size`` follows from ``points`` and ``d`` axes, for messages (``"{points:,} x ({d} axes + 1)"``).
    size_text: str | None = None

    def n_points(self, points: int, n_axes: int) -> int:
        """Design points of a sized method, computed without making the design."""
        return self.size(points, n_axes) if self.size is not None else points


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=SAMPLING_KEY))


def unit_design(axes: Sequence[Axis], u: np.ndarray) -> list[dict]:
    """Points from unit-cube samples ``u`` (rows: points, columns: axes), each axis scaled to its bounds."""
    cols = [a.scale(u[:, j]) for j, a in enumerate(axes)]
    return [{a.key: cols[j][i] for j, a in enumerate(axes)} for i in range(u.shape[0])]


def _grid(axes: Sequence[Axis], points: int | None, seed: int) -> list[dict]:
    lists = [a.grid_values() for a in axes]
    return [dict(zip([a.key for a in axes], combo, strict=True)) for combo in itertools.product(*lists)]


def _random(axes: Sequence[Axis], points: int | None, seed: int) -> list[dict]:
    return unit_design(axes, _rng(seed).random((points, len(axes))))


def _lhs(axes: Sequence[Axis], points: int | None, seed: int) -> list[dict]:
    from scipy.stats import qmc

    return unit_design(axes, qmc.LatinHypercube(len(axes), rng=_rng(seed)).random(points))


def _sobol(axes: Sequence[Axis], points: int | None, seed: int) -> list[dict]:
    from scipy.stats import qmc

    rng = _rng(seed)
    with warnings.catch_warnings():  # non-powers of 2 lose the balance property; allowed
        warnings.simplefilter("ignore", UserWarning)
        u = qmc.Sobol(len(axes), scramble=True, rng=rng).random(points)
    return unit_design(axes, u)


def _problem(d: int) -> dict:
    """A SALib problem over the unit cube (the axes are scaled afterwards)."""
    return {"num_vars": d, "names": [f"x{j}" for j in range(d)], "bounds": [[0.0, 1.0]] * d}


def _saltelli_unit(d: int, n: int, seed: int) -> np.ndarray:
    from SALib.sample import sobol as salib_sobol

    return salib_sobol.sample(_problem(d), n, calc_second_order=False, scramble=True, seed=_rng(seed))


def _morris_unit(d: int, r: int, seed: int) -> np.ndarray:
    from SALib.sample import morris as salib_morris

    return salib_morris.sample(_problem(d), r, num_levels=MORRIS_LEVELS, seed=_rng(seed))


_UNIT = {"saltelli": _saltelli_unit, "morris": _morris_unit}


def unit_matrix(method: str, n_axes: int, points: int, seed: int) -> np.ndarray:
    """The unit-cube design matrix of a ``saltelli`` or ``morris`` sweep (rows: points, in order)."""
    return _UNIT[method](n_axes, points, seed)


def _saltelli(axes: Sequence[Axis], points: int | None, seed: int) -> list[dict]:
    return unit_design(axes, _saltelli_unit(len(axes), points, seed))


def _morris(axes: Sequence[Axis], points: int | None, seed: int) -> list[dict]:
    return unit_design(axes, _morris_unit(len(axes), points, seed))


def _check_saltelli(n: int) -> str | None:
    if n >= 2 and n & (n - 1) == 0:
        return None
    lo = 1 << max(1, n.bit_length() - 1)
    return (
        f"the Saltelli design needs N = a power of 2 >= 2 base samples (got {n}; nearest allowed: "
        f"{lo} or {2 * lo}): the Sobol' sequence is balanced only at powers of 2"
    )


def _check_morris(r: int) -> str | None:
    return None if r >= 2 else f"the Morris design needs at least 2 trajectories (got {r}) for a spread and a CI"


#: Design methods by ``sweep.method`` name.
SAMPLERS: dict[str, Sampler] = {
    "grid": Sampler(_grid, sized=False),
    "random": Sampler(_random),
    "lhs": Sampler(_lhs),
    "sobol": Sampler(_sobol),
    "saltelli": Sampler(
        _saltelli,
        size=lambda n, d: n * (d + 2),
        check=_check_saltelli,
        size_text="N {points:,} x ({d} axes + 2)",
    ),
    "morris": Sampler(
        _morris,
        size=lambda r, d: r * (d + 1),
        check=_check_morris,
        size_text="{points:,} trajectories x ({d} axes + 1)",
    ),
}


def design(method: str, axes: Sequence[Axis], points: int | None, seed: int) -> list[dict]:
    """The points of a design (a single empty point without axes)."""
    if not axes:
        return [{}]
    return SAMPLERS[method].design(axes, points, seed)
