"""Design methods: the table :data:`SAMPLERS` (method name → :class:`Sampler`) and :func:`design`.

A design is the list of sweep points, one ``{axis key: value}`` dict per point, in point order.

- ``grid``: every combination of the axes' values (the first axis varies slowest); a range axis
  gives ``num`` values (``np.linspace`` / ``np.geomspace``).
- ``random``, ``lhs``, ``sobol``: ``points`` draws in the unit cube, from a ``numpy`` Generator
  (random) or ``scipy.stats.qmc`` (``LatinHypercube``; scrambled ``Sobol``), seeded from
  ``SeedSequence(seed, spawn_key=(0xD, 0xE, 0x5))``, then mapped onto each axis's bounds
  (``log_range`` uniformly in log space; integer axes rounded).

Adding a method is one entry in :data:`SAMPLERS`: a function ``design(axes, points, seed) -> list[dict]``
and whether it draws a ``points``-sized design from bounds (``sized=True``) or enumerates axis values
(``sized=False``, like grid: categorical axes allowed, ranges need ``num``).
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

__all__ = ["Sampler", "SAMPLERS", "design", "unit_design"]

#: Spawn key of the design's random stream (apart from the rows' seeds).
SAMPLING_KEY = (0xD, 0xE, 0x5)


@dataclass(frozen=True)
class Sampler:
    """A design method.

    ``design(axes, points, seed)`` returns one ``{axis key: value}`` dict per point. ``sized``: the
    method draws ``points`` points from the axes' bounds (``sweep.points`` required, no categorical
    axes); otherwise it enumerates the axes' values as grid does (``points`` unused).
    """

    design: Callable[[Sequence[Axis], int | None, int], list[dict]]
    sized: bool = True


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


#: Design methods by ``sweep.method`` name.
SAMPLERS: dict[str, Sampler] = {
    "grid": Sampler(_grid, sized=False),
    "random": Sampler(_random),
    "lhs": Sampler(_lhs),
    "sobol": Sampler(_sobol),
}


def design(method: str, axes: Sequence[Axis], points: int | None, seed: int) -> list[dict]:
    """The points of a design (a single empty point without axes)."""
    if not axes:
        return [{}]
    return SAMPLERS[method].design(axes, points, seed)
