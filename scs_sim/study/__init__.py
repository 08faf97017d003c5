"""Studies: sweep specs, samplers, executors (serial, processes, Dask), the result store, comparisons.

Modules, each owning one part (they import one another directly, never this package):

- :mod:`~scs_sim.study.spec`: :class:`Axis`, :class:`SweepSpec`, :func:`load_spec` (the ``[sweep]``
  table, seeds, every key checked, the size limit ``MAX_RUNS`` checked before expansion);
- :mod:`~scs_sim.study.samplers`: :data:`SAMPLERS`, the design methods (grid, random, lhs, sobol,
  saltelli, morris);
- :mod:`~scs_sim.study.executors`: :data:`EXECUTORS`, the backends (serial, processes, dask);
- :mod:`~scs_sim.study.runner`: :func:`run_sweep` (chunks, baselines, progress, worker functions);
- :mod:`~scs_sim.study.store`: the resumable result store (checksummed Parquet parts, verified on every
  read), :func:`load_results`;
- :mod:`~scs_sim.study.lock`: one writer per store (an exclusive ``flock`` held for the whole run);
- :mod:`~scs_sim.study.inputs`: the files a spec reads, by content (their sha256 is part of its hash);
- :mod:`~scs_sim.study.compare`: :func:`compare`, :func:`pareto_front`;
- :mod:`~scs_sim.study.feasibility`: the feasibility of compared programs (dosimetry flags plus discomfort);
- :mod:`~scs_sim.study.results`: :func:`to_dataset` (a grid sweep as an ``xarray.Dataset``);
- :mod:`~scs_sim.study.sensitivity`: :func:`sensitivity` (Sobol' indices of a saltelli store, Morris
  screening of a morris store, with bootstrap CIs).
"""

from scs_sim.study.compare import ci95_halfwidth, compare, pareto_front
from scs_sim.study.executors import EXECUTORS
from scs_sim.study.results import to_dataset
from scs_sim.study.runner import TIMING_COLUMNS, run_sweep, sweep
from scs_sim.study.samplers import SAMPLERS, Sampler
from scs_sim.study.sensitivity import sensitivity
from scs_sim.study.spec import DEFAULT_EVALUATOR, Axis, SweepSpec, load_spec
from scs_sim.study.store import Store, load_results

__all__ = [
    "Axis",
    "DEFAULT_EVALUATOR",
    "EXECUTORS",
    "SAMPLERS",
    "Sampler",
    "Store",
    "SweepSpec",
    "TIMING_COLUMNS",
    "ci95_halfwidth",
    "compare",
    "load_results",
    "to_dataset",
    "load_spec",
    "pareto_front",
    "run_sweep",
    "sensitivity",
    "sweep",
]
