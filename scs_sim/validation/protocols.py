"""The protocol table: protocol name -> function producing the model values of one or more experiments.

A protocol takes ``quick`` (the fast subset: fewer seeds, cheaper variants) and returns
``{"metrics": {name: value}, "details": {...}, "figure": {...}}``; an experiment of
:data:`scs_sim.validation.experiments.EXPERIMENTS` reads ``metrics[exp.metric]`` of ``exp.protocol``.
Each protocol module (``protocols_recruitment``, ``protocols_circuit``, ``protocols_pipeline``) ends
with its own ``TABLE``; this module merges them. Adding a validation experiment = its entry in
EXPERIMENTS and, if it needs a new protocol, the function and its ``TABLE`` entry in the protocol
module of its subject (two source files), plus its test.
"""

from __future__ import annotations

from collections.abc import Callable

from scs_sim.validation import (
    protocols_biophysical,
    protocols_circuit,
    protocols_ecap,
    protocols_mechanisms,
    protocols_mechanisms_more,
    protocols_pipeline,
    protocols_recruitment,
    protocols_trains,
)

__all__ = ["PROTOCOLS"]

_MODULES = (protocols_recruitment, protocols_circuit, protocols_pipeline, protocols_biophysical, protocols_ecap,
            protocols_mechanisms, protocols_trains)
_MODULES += (protocols_mechanisms_more,)  # async_dc, dtm_glial, burst charge (mechmore)


def _merge() -> dict[str, Callable[[bool], dict]]:
    table: dict[str, Callable[[bool], dict]] = {}
    for mod in _MODULES:
        clash = table.keys() & mod.TABLE.keys()
        if clash:
            raise RuntimeError(f"protocol names defined twice: {sorted(clash)} ({mod.__name__})")
        table.update(mod.TABLE)
    return table


#: Every protocol by name (the union of the protocol modules' tables).
PROTOCOLS: dict[str, Callable[[bool], dict]] = _merge()
