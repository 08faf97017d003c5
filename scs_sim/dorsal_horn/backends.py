"""The table of dorsal-horn backends: name → the function that runs a built network on afferent spikes.

No numba at import (the config layer validates ``simulation.model`` against :data:`BACKENDS`): each
entry imports its kernels when it is first called. Every backend has the signature of the spiking
:func:`~scs_sim.dorsal_horn.spiking.run`,

    ``backend(net, inputs, duration_s, *, dt_s, bin_s, gaba_scale, glycine_scale, e_cl_mv)``

and returns an object with the :class:`~scs_sim.dorsal_horn.spiking.CircuitOutput` interface that
:mod:`scs_sim.simulation` reads (``bin_s``, ``rates_hz``, ``neuron_ranges``, ``spike_times_s``,
``spike_neuron``, ``wdr_spike_times_s``, ``wdr_rate_hz()``). Adding a backend is one entry here plus
its module.

:func:`batch_stepper` gives the same steppers for several members on one network (their rows run in
one batch, :func:`scs_sim.simulation.simulate_batch`): the spiking backend's
``spiking.BatchStepper``; the rate backend's steppers run one after another in a :class:`LoopBatch`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scs_sim.errors import ConfigError, suggest

__all__ = ["BACKENDS", "DEFAULT_BACKEND", "STEPPERS", "BATCH_STEPPERS", "LoopBatch", "backend", "batch_stepper", "stepper"]


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


class LoopBatch:
    """``n_members`` single steppers on one network advanced one after another: the interface of
    ``spiking.BatchStepper`` (``advance(inputs_list, s1, *, cap)`` → one window per member), bit for bit
    what each member's own stepper gives, without a batched kernel.

    ``members`` are the single steppers (one per member, on one network); ``takes_cap`` says whether
    their ``advance`` takes ``cap`` (spiking) or not (rate: ``cap`` is ignored).
    """

    def __init__(self, members: list, *, takes_cap: bool):
        if not members:
            raise ConfigError("a batch needs at least one member (got 0)", key="n_members")
        self.members, self.takes_cap = members, takes_cap
        first = members[0]
        self.net = getattr(first, "net", None)
        self.n_members = len(members)
        self.n_steps, self.bin_steps, self.dt_s, self.bin_s = first.n_steps, first.bin_steps, first.dt_s, first.bin_s
        if takes_cap:
            self.max_spikes = first.max_spikes

    @property
    def s(self) -> int:
        """The next step to simulate (every member is at the same step)."""
        return self.members[0].s

    def advance(self, inputs_list: list, s1: int, *, cap: int | list[int | None] | None = None) -> list:
        """Advance every member to step ``s1`` with its own inputs; one window per member."""
        if len(inputs_list) != self.n_members:
            raise ConfigError(f"inputs_list must have one entry per member ({self.n_members}, got "
                              f"{len(inputs_list)})", key="inputs_list")
        caps = cap if isinstance(cap, list | tuple) else [cap] * self.n_members
        if len(caps) != self.n_members:
            raise ConfigError(f"cap must be one value or one per member ({self.n_members}, got {len(caps)})",
                              key="cap")
        if not self.takes_cap:
            return [m.advance(x, s1) for m, x in zip(self.members, inputs_list, strict=True)]
        return [m.advance(x, s1, cap=c) for m, x, c in zip(self.members, inputs_list, caps, strict=True)]


def _check_members(n_members) -> int:
    if isinstance(n_members, bool) or not isinstance(n_members, int) or n_members < 1:
        raise ConfigError(f"n_members must be an integer >= 1 (got {n_members!r})", key="n_members")
    return n_members


def _rate_loop_batch(net, duration_s: float, n_members: int, *, dt_s: float = 1e-4, bin_s: float = 0.005,
                     max_spikes: int = 200_000, nmda_scale: float = 1.0, gaba_scale: float = 1.0,
                     glycine_scale: float = 1.0, e_cl_mv: float | None = None, gaba_b_scale: float = 1.0,
                     bias_pa=None) -> LoopBatch:
    """Rate members: ``max_spikes`` has no meaning (no spikes) and ``gaba_b_scale`` no receptor in the
    rate gate (the rate stepper takes neither); a constant current per neuron has no rate analogue."""
    from scs_sim.dorsal_horn.rate_backend import RateStepper

    _check_members(n_members)
    if bias_pa is not None:
        raise ConfigError("bias_pa: the rate model has no neurons to bias (use model 'spiking')", key="bias_pa")
    kw = {"dt_s": dt_s, "bin_s": bin_s, "nmda_scale": nmda_scale, "gaba_scale": gaba_scale,
          "glycine_scale": glycine_scale, "e_cl_mv": e_cl_mv}
    return LoopBatch([RateStepper(net, duration_s, **kw) for _ in range(n_members)], takes_cap=False)


def _spiking_batch(net, duration_s: float, n_members: int, **kwargs: Any):
    """:class:`scs_sim.dorsal_horn.spiking.BatchStepper`: one kernel call for every member."""
    from scs_sim.dorsal_horn.spiking import BatchStepper

    return BatchStepper(net, duration_s, n_members, **kwargs)


#: Batched steppers: name → a factory ``(net, duration_s, n_members, *, dt_s, bin_s, max_spikes, nmda_scale,
#: gaba_scale, glycine_scale, e_cl_mv, gaba_b_scale, bias_pa)`` whose ``advance(inputs_list, s1, *, cap)``
#: returns one window per member, member ``b`` bit for bit its own stepper's (``bias_pa[b]``).
BATCH_STEPPERS: dict[str, Callable[..., Any]] = {"spiking": _spiking_batch, "rate": _rate_loop_batch}


def batch_stepper(name: str) -> Callable[..., Any]:
    """The batched stepper factory of a backend (:data:`BATCH_STEPPERS`; a backend without an entry: a
    :class:`LoopBatch` of its :data:`STEPPERS`); :class:`ConfigError` for an unknown name."""
    backend(name)
    if name in BATCH_STEPPERS:
        return BATCH_STEPPERS[name]

    def loop(net, duration_s: float, n_members: int, **kwargs: Any) -> LoopBatch:
        members = [STEPPERS[name](net, duration_s, **kwargs) for _ in range(_check_members(n_members))]
        return LoopBatch(members, takes_cap=hasattr(members[0], "max_spikes"))

    return loop
