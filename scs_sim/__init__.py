"""scs_sim: a spinal cord stimulation therapy simulator for engineering and teaching.

Not a clinical decision tool. See README.md and docs/MODEL.md.

Public API (README "Python"; renaming any of it is a breaking change): :func:`load`, :func:`simulate`,
:func:`sweep`, :func:`load_results` (a store as a pandas DataFrame), :func:`to_dataset` (a grid store as
an xarray Dataset), :func:`dosimetry` and the :mod:`scs_sim.programs` constructors. ``simulate`` and ``sweep`` load the numba kernels on first
use, so ``import scs_sim`` stays light for config-only work.
"""

from __future__ import annotations

import sys

from scs_sim._version import __version__
from scs_sim.config.loader import load
from scs_sim.errors import ConfigError, ScsSimError, SimulationError
from scs_sim.stim import programs
from scs_sim.stim.dosimetry import Device, dosimetry

# ``scs_sim.programs`` is public API (README "Python"): the constructors now live in
# scs_sim/stim/programs.py; this alias keeps ``from scs_sim.programs import tonic`` working.
sys.modules[f"{__name__}.programs"] = programs

__all__ = ["ConfigError", "Device", "ScsSimError", "SimulationError", "__version__", "dosimetry", "load",
           "load_results", "programs", "simulate", "sweep", "to_dataset"]


def __getattr__(name: str):
    if name == "simulate":
        from scs_sim.simulation import simulate

        return simulate
    if name == "sweep":
        from scs_sim.study import run_sweep

        return run_sweep
    if name in ("load_results", "to_dataset"):
        import scs_sim.study as study

        return getattr(study, name)
    raise AttributeError(f"module 'scs_sim' has no attribute {name!r}")
