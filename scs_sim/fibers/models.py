"""Which fibre model recruits: the ``fiber_model`` dispatch of ``[patient.fibers]`` (no numba at import).

This module owns :data:`FIBER_MODELS` (model name -> the module and function implementing it, both
imported only when the model is used), :func:`fiber_model_available` (for load-time validation,
without importing the model) and :func:`recruit_function` (the callable). Every model has the
signature of :func:`scs_sim.fibers.recruitment.recruit`:
``f(train, fibers, rng, duration_s, *, params=None, perception=None, max_spikes=...) -> Recruitment``.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable

from scs_sim.errors import ConfigError

__all__ = ["FIBER_MODELS", "fiber_model_available", "recruit_function"]

#: Fibre model name -> (module, function). "fast" = the event-driven integrator (docs/MODEL.md §2.2);
#: "biophysical" = the nonlinear reference fibre (docs/MODEL.md §2.7), FH nodes; "biophysical_mrg" = the same
#: cable with MRG mammalian node kinetics (McIntyre, Richardson & Grill 2002; docs/MODEL.md §2.7).
FIBER_MODELS: dict[str, tuple[str, str]] = {
    "fast": ("scs_sim.fibers.recruitment", "recruit"),
    "biophysical": ("scs_sim.fibers.biophysical", "recruit_biophysical"),
    "biophysical_mrg": ("scs_sim.fibers.biophysical", "recruit_biophysical_mrg"),
}


def _unknown(name: str, key: str, file: str | None) -> ConfigError:
    return ConfigError(f"unknown fibre model {name!r}; allowed: {', '.join(FIBER_MODELS)}", file=file, key=key)


def fiber_model_available(name: str) -> bool:
    """True when the module of fibre model ``name`` is installed (it is not imported)."""
    if name not in FIBER_MODELS:
        return False
    try:
        return importlib.util.find_spec(FIBER_MODELS[name][0]) is not None
    except (ImportError, ValueError):
        return False


def recruit_function(name: str = "fast", *, key: str = "patient.fibers.fiber_model",
                     file: str | None = None) -> Callable:
    """The recruit function of fibre model ``name``; ConfigError when it is unknown or not installed."""
    if name not in FIBER_MODELS:
        raise _unknown(name, key, file)
    module, func = FIBER_MODELS[name]
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        raise ConfigError(f"fibre model {name!r} is not available in this installation (module {module} is "
                          f"missing); allowed here: {', '.join(n for n in FIBER_MODELS if fiber_model_available(n))}",
                          file=file, key=key) from None
    fn = getattr(mod, func, None)
    if fn is None:
        raise ConfigError(f"fibre model {name!r}: {module} has no function {func}", file=file, key=key)
    return fn
