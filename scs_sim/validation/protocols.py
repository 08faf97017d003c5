"""The protocol table: protocol name -> function producing the model values of one or more experiments.

A protocol takes ``quick`` (the fast subset: fewer seeds, cheaper variants) and returns
``{"metrics": {name: value}, "details": {...}, "figure": {...}}``; an experiment of
:data:`scs_sim.validation.experiments.EXPERIMENTS` reads ``metrics[exp.metric]`` of ``exp.protocol``.
Adding a validation experiment = its entry in EXPERIMENTS, its protocol here (if new) and its test.
"""

from __future__ import annotations

from collections.abc import Callable

from scs_sim.validation.protocols_circuit import (
    protocol_conditioning,
    protocol_foreman,
    protocol_foreman_segment,
    protocol_gate,
    protocol_rate,
    protocol_stp,
    protocol_windup,
)
from scs_sim.validation.protocols_pipeline import protocol_pinch, protocol_pipeline
from scs_sim.validation.protocols_recruitment import (
    protocol_clinical_recruitment,
    protocol_desync,
    protocol_strength_duration,
)

__all__ = ["PROTOCOLS"]

PROTOCOLS: dict[str, Callable[[bool], dict]] = {
    "gate": protocol_gate,
    "strength_duration": protocol_strength_duration,
    "clinical_recruitment": protocol_clinical_recruitment,
    "desync": protocol_desync,
    "stp": protocol_stp,
    "foreman": protocol_foreman,
    "foreman_segment": protocol_foreman_segment,
    "windup": protocol_windup,
    "conditioning": protocol_conditioning,
    "rate": protocol_rate,
    "pipeline": protocol_pipeline,
    "pinch": protocol_pinch,
}
