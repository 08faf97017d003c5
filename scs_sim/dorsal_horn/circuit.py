"""The spiking dorsal-horn gate network (after Zhang, Janik & Grill 2014 J Neurophysiol 112:552): public API.

One import for the spiking backend (``from scs_sim.dorsal_horn import circuit as C``): parameters and
presets (``C.preset``, ``C.circuit_params``, :mod:`~scs_sim.dorsal_horn.params`), the built network
(``C.build``, :mod:`~scs_sim.dorsal_horn.network`), the run (``C.run``, :mod:`~scs_sim.dorsal_horn.spiking`),
and the synapse and membrane numerics they use (:mod:`~scs_sim.dorsal_horn.synapses`,
:mod:`~scs_sim.dorsal_horn.numerics`). Nothing is defined here; each name lives in the module that
owns it. Equations, defaults and their sources: ``docs/MODEL.md`` §3.
"""

from __future__ import annotations

from scs_sim.dorsal_horn.network import Network, afferent_sizes, build, population_sizes
from scs_sim.dorsal_horn.numerics import EXP_ARG_MAX, EXP_ARG_MIN, EXP_TAB_N, EXP_TAB_N0, exp_table
from scs_sim.dorsal_horn.params import (
    DEFAULT_PRESET,
    EX_WDR_GAIN,
    NEURON_POPULATIONS,
    POPULATIONS,
    PRESETS,
    RECEPTOR_SCALES,
    RECEPTOR_TYPES,
    RECEPTORS,
    SEGMENT_P_AFFERENT,
    SEGMENT_P_NEURON,
    ZHANG_SIZES,
    AdEx,
    Can,
    CircuitParams,
    Kinetics,
    Pathway,
    Receptor,
    Receptors,
    ReceptorType,
    Stp,
    TargetScale,
    circuit_params,
    preset,
    zhang_pathways,
)
from scs_sim.dorsal_horn.spiking import CircuitOutput, prepare_inputs, run
from scs_sim.dorsal_horn.synapses import (
    JS_MG_MM,
    JS_SLOPE,
    MG_H_MV,
    MG_N,
    MG_V0_MV,
    dual_exp_norm,
    mg_block,
    mg_block_table,
    std_efficacy,
)

__all__ = [
    "DEFAULT_PRESET", "EXP_ARG_MAX", "EXP_ARG_MIN", "EXP_TAB_N", "EXP_TAB_N0", "EX_WDR_GAIN", "JS_MG_MM",
    "JS_SLOPE", "MG_H_MV", "MG_N", "MG_V0_MV", "NEURON_POPULATIONS", "POPULATIONS", "PRESETS",
    "RECEPTORS", "RECEPTOR_SCALES", "RECEPTOR_TYPES", "SEGMENT_P_AFFERENT", "SEGMENT_P_NEURON",
    "ZHANG_SIZES", "AdEx", "Can", "CircuitOutput", "CircuitParams", "Kinetics", "Network", "Pathway",
    "Receptor", "ReceptorType", "Receptors", "Stp", "TargetScale", "afferent_sizes", "build",
    "circuit_params", "dual_exp_norm", "exp_table", "mg_block", "mg_block_table", "population_sizes",
    "preset", "prepare_inputs", "run", "std_efficacy", "zhang_pathways",
]
