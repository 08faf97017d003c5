"""scs_sim: a spinal cord stimulation therapy simulator for engineering and teaching.

Not a clinical decision tool. See README.md and docs/MODEL.md.

Public API (DESIGN §7): :func:`load`, :func:`dosimetry`, :mod:`scs_sim.programs` constructors.
"""

from __future__ import annotations

__version__ = "0.1.0"

from . import programs
from .config import load
from .dosimetry import Device, dosimetry
from .errors import ConfigError, ScsSimError, SimulationError

__all__ = [
    "ConfigError",
    "Device",
    "ScsSimError",
    "SimulationError",
    "__version__",
    "dosimetry",
    "load",
    "programs",
]
