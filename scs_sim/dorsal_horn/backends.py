"""The table of dorsal-horn backends: name → the function that runs a built network on afferent spikes.

No numba at import (the config layer validates ``simulation.model`` against :data:`BACKENDS`): each
entry imports its kernels when it is first called. Every backend has the signature of the spiking
:func:`~scs_sim.dorsal_horn.spiking.run`,

    ``backend(net, inputs, duration_s, *, dt_s, bin_s, gaba_scale, glycine_scale, e_cl_mv)``

and returns an object with the :class:`~scs_sim.dorsal_horn.spiking.CircuitOutput` interface that
:mod:`scs_sim.simulation` reads (``bin_s``, ``rates_hz``, ``neuron_ranges``, ``spike_times_s``,
``spike_neuron``, ``wdr_spike_times_s``, ``wdr_rate_hz()``). Adding a backend is one entry here plus
its module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scs_sim.errors import ConfigError, suggest

__all__ = ["BACKENDS", "DEFAULT_BACKEND", "STEPPERS", "backend", "stepper"]


def _spiking(net, inputs, duration_s: float, **kwargs: Any):
    """Point-neuron AdEx network (docs/MODEL.md §3): :func:`scs_sim.dorsal_horn.spiking.run`."""
    from scs_sim.dorsal_horn.spiking import run

    return run(net, inputs, duration_s, **kwargs)


def _rate(net, inputs, duration_s: float, **kwargs: Any):
    """Population firing-rate gate (docs/MODEL.md §4): :func:`scs_sim.dorsal_horn.rate_backend.run`."""
    from scs_sim.dorsal_horn.rate_backend import run

    return run(net, inputs, duration_s, **kwargs)


def _spiking_stepper(net, duration_s: float, **kwargs: Any):
    """:class:`scs_sim.dorsal_horn.spiking.Stepper`."""
    from scs_sim.dorsal_horn.spiking import Stepper

    return Stepper(net, duration_s, **kwargs)


def _rate_stepper(net, duration_s: float, **kwargs: Any):
    """:class:`scs_sim.dorsal_horn.rate_backend.RateStepper`."""
    from scs_sim.dorsal_horn.rate_backend import RateStepper

    return RateStepper(net, duration_s, **kwargs)


#: Backend registry: ``simulation.model`` name → run function.
BACKENDS: dict[str, Callable[..., Any]] = {"spiking": _spiking, "rate": _rate}
#: The same backends run window by window: name → a stepper factory ``(net, duration_s, *, dt_s, bin_s,
#: gaba_scale, glycine_scale, e_cl_mv)`` whose ``advance(inputs, s1)`` simulates up to step ``s1``
#: with the state carried (one window over the whole run is the run function, bit for bit).
STEPPERS: dict[str, Callable[..., Any]] = {"spiking": _spiking_stepper, "rate": _rate_stepper}
DEFAULT_BACKEND = "spiking"


def backend(name: str) -> Callable[..., Any]:
    """The run function of a backend; :class:`~scs_sim.errors.ConfigError` for an unknown name.

    Examples
    --------
    >>> sorted(BACKENDS)
    ['rate', 'spiking']
    """
    if name not in BACKENDS:
        raise ConfigError(f"unknown model '{name}'; allowed: {', '.join(BACKENDS)}{suggest(name, BACKENDS)}",
                          key="simulation.model")
    return BACKENDS[name]


def stepper(name: str) -> Callable[..., Any]:
    """The stepper factory of a backend (:data:`STEPPERS`); :class:`ConfigError` for an unknown name."""
    backend(name)
    return STEPPERS[name]
