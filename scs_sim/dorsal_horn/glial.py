"""The ``dtm_glial`` mechanism: a slow neuron–glia state set by hours of therapy, changing dorsal-horn inhibition.

Hypothesis (Vallejo and co-workers): differential target multiplexed (DTM) SCS acts partly by
restoring neuron–glia interactions perturbed by nerve injury. Cedeño, Smith, Kelley & Vallejo 2020
(Mol Pain 16:1744806920964360; rat spared nerve injury, continuous SCS): after DTM programming the
transcriptomes of all four neural cell types (neurons, microglia, astrocytes, oligodendrocytes)
correlated strongly with those of healthy animals; after high-rate programming (1200 Hz) only the
microglia transcriptome did; after low-rate programming (50 Hz) none did. Microglia drive the loss of
spinal inhibition after nerve injury (BDNF → KCC2 down-regulation → depolarised anion reversal;
Coull et al. 2005 Nature 438:1017), which this model represents by the patient's disinhibition settings
(:class:`~scs_sim.dorsal_horn.afferents.PainState` ``gaba_scale``, ``glycine_scale``, ``e_cl_mv``).

Model (a slow state, not simulated inside a run)::

    R(T) = R_inf(program) * (1 - exp(-T / tau))           restoration after T hours of therapy
    x_treated = x_patient + glial_share * R(T) * (x_healthy - x_patient)   for each disinhibition setting

``R_inf`` is the fraction of the four cell-type transcriptomes restored by the program's class in
Cedeño 2020: DTM-like (multiplexed with a component <= ``low_rate_max_hz`` and one >=
``high_rate_min_hz``) 4/4, high-rate (every component >= ``high_rate_min_hz``) 1/4, low-rate
(every component <= ``low_rate_max_hz``) 0/4; programs the study did not test (burst, custom, rates in
between) get 0 [assumption: no evidence either way]. A run of seconds uses the state reached after
``therapy_hours`` of the configured program; the state is constant during the run, and the paired
baseline stays the untreated patient (relief is measured against the patient before therapy). A
patient without disinhibition (the default: ``gaba_scale = glycine_scale = 1``, default ``E_Cl``) has
nothing to restore, so the mechanism changes nothing for it. Parameters: docs/MODEL.md ("dtm_glial").
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from pydantic import Field

from scs_sim._params import Params

__all__ = ["GlialParams", "program_class", "restoration", "treated_scales"]

#: Restored fraction of the four cell-type transcriptomes per program class (Cedeño et al. 2020 Mol Pain 16).
RESTORED_FRACTION: dict[str, float] = {"dtm": 4 / 4, "high_rate": 1 / 4, "low_rate": 0 / 4, "untested": 0.0}
#: The circuit's default chloride reversal (mV), the healthy value of ``e_cl_mv`` (docs/MODEL.md §3).
HEALTHY_E_CL_MV = -70.0


class GlialParams(Params):
    """Parameters of the ``dtm_glial`` mechanism (docs/MODEL.md "dtm_glial")."""

    therapy_hours: float = Field(
        48.0, ge=0.0, le=24.0 * 365 * 10,
        description="Hours of therapy with the run's program before the simulated seconds (h); 48 h of continuous "
        "SCS as in de Geus, Franken & Joosten 2023 Mol Pain 19 (Con-, HF- and DTM-SCS in rats).",
    )
    tau_hours: float = Field(
        24.0, gt=0.0, le=24.0 * 365,
        description="Time constant of the glial state (h) [assumption: glial changes over hours to days; no "
        "time course published].",
    )
    glial_share: float = Field(
        1.0, ge=0.0, le=1.0,
        description="Fraction of the patient's disinhibition that is glia-driven and can be restored "
        "[assumption; microglial BDNF is necessary for the anion shift, Coull et al. 2005 Nature 438:1017].",
    )
    low_rate_max_hz: float = Field(
        100.0, gt=0.0, le=1e5,
        description="Highest pulse rate of a 'low-rate' component (Hz); Cedeño 2020 low rate: 50 Hz [assumption "
        "for the cut-off].",
    )
    high_rate_min_hz: float = Field(
        1000.0, gt=0.0, le=1e5,
        description="Lowest pulse rate of a 'high-rate' component (Hz); Cedeño 2020 high rate: 1200 Hz "
        "[assumption for the cut-off].",
    )


def _rates(program) -> list[float] | None:
    kind = getattr(program, "kind", None)
    if kind in ("tonic", "high_frequency"):
        return [float(program.frequency_hz)]
    if kind == "multiplexed":
        return [float(c.frequency_hz) for c in program.components]
    return None  # burst, custom: not tested by Cedeño 2020


def program_class(program, params: GlialParams) -> str:
    """``dtm``, ``high_rate``, ``low_rate`` or ``untested`` (see the module docstring)."""
    rates = _rates(program)
    if not rates:
        return "untested"
    low = [r <= params.low_rate_max_hz for r in rates]
    high = [r >= params.high_rate_min_hz for r in rates]
    if getattr(program, "kind", None) == "multiplexed" and any(low) and any(high):
        return "dtm"
    if all(high):
        return "high_rate"
    if all(low):
        return "low_rate"
    return "untested"


def restoration(program, params: GlialParams) -> float:
    """``R(T)``: the fraction of the glia-driven disinhibition restored after ``therapy_hours``."""
    r_inf = RESTORED_FRACTION[program_class(program, params)]
    return r_inf * (1.0 - math.exp(-params.therapy_hours / params.tau_hours))


def treated_scales(scales: Mapping[str, float | None], program, params: GlialParams) -> dict[str, float | None]:
    """The patient's disinhibition settings (``PainState.circuit_kwargs()``) after therapy with ``program``."""
    k = params.glial_share * restoration(program, params)
    out = dict(scales)
    for key in ("gaba_scale", "glycine_scale"):
        if out.get(key) is not None:
            out[key] = float(out[key]) + k * (1.0 - float(out[key]))
    if out.get("e_cl_mv") is not None:
        out["e_cl_mv"] = float(out["e_cl_mv"]) + k * (HEALTHY_E_CL_MV - float(out["e_cl_mv"]))
    return out
