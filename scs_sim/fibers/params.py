"""Parameter models of the excitation model and of the perception criteria (no numba).

This module owns :class:`ExcitationParams` (the v1 leaky-integrator fibre model: time constant,
rheobase, noise, refractoriness, accommodation, facilitation, phenomenological block) and
:class:`PerceptionParams` (the criteria turning dorsal-column / dorsal-root spiking into perception
and discomfort). They are plain pydantic models, importable by the config layer without loading
numba; the kernel that uses them is :mod:`scs_sim.fibers.recruitment`. Equations, defaults, sources
and the calibration: ``docs/MODEL.md`` §2.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import Field, field_validator

from scs_sim._params import Params
from scs_sim.errors import ConfigError

__all__ = ["FIBER_MODEL_NAMES", "ExcitationParams", "FiberParams", "PerceptionParams", "check_recruit_args"]


def check_recruit_args(rng, duration_s, max_spikes) -> None:
    """The checks every fibre model's ``recruit`` makes on its run arguments (ConfigError naming the key)."""
    if not isinstance(rng, np.random.Generator):
        raise ConfigError(f"rng must be a numpy.random.Generator (got {type(rng).__name__})", key="rng")
    if not (isinstance(duration_s, int | float) and math.isfinite(duration_s) and duration_s > 0):
        raise ConfigError(f"must be finite and > 0 (got {duration_s!r})", key="duration_s")
    if int(max_spikes) < 0:
        raise ConfigError(f"must be >= 0 (got {max_spikes!r})", key="max_spikes")

_ASSUMPTION = "scs_sim assumption"
_CAL = "calibrated (docs/MODEL.md §2.5)"


class ExcitationParams(Params):
    """Parameters of the v1 excitation model (leaky integrator with refractoriness and noise)."""

    tau_ms: float = Field(
        0.268, gt=0, le=20.0,
        description="Membrane (integrator) time constant, ms; chronaxie = tau ln 2 = 186 µs. " + _CAL
        + " to the median Lapicque chronaxie (30-1000 µs) of the double-cable MRG axon (McIntyre, Richardson & "
        "Grill 2002 J Neurophysiol 87:995; scs_sim.fibers.biophysical_dcable) on the default anatomy's most "
        "excitable DC fibres (python -m scs_sim.validation.calibrate_fibre).",
    )
    af_rheobase_mv: float = Field(
        4.04, gt=0, le=1000.0,
        description="Peak activating function (mV) at rheobase for threshold factor 1; a lumped constant "
        "absorbing the layered-medium effects the homogeneous conductor leaves out. " + _CAL
        + ": with tau fixed by the MRG reference, the least-squares fit of the clinical perception-threshold "
        "strength-duration curve of Hershey et al. 2010 Pain Physician 13:321 (295 µs, 2.5 mA) over 60-1000 µs.",
    )
    noise_sd: float = Field(
        0.03, ge=0, le=0.5,
        description="Relative threshold noise per pulse and fibre (a few %, Gilbert et al. 2022 eNeuro 9(5):ENEURO.0058-22.2022).",
    )
    abs_refractory_ms: float = Field(
        0.29, gt=0, le=10.0,
        description="Absolute refractory period, ms. " + _CAL + " with rel_refractory_*: least-squares fit of the "
        "two-pulse recovery (0.7-5 ms) of the double-cable MRG axon (McIntyre et al. 2002 J Neurophysiol 87:995), "
        "which still fires pairs 0.3 ms apart.",
    )
    rel_refractory_amp: float = Field(
        1.93, ge=0, le=20.0,
        description="Threshold elevation at the end of the absolute refractory period (x rest). " + _CAL
        + " (MRG recovery fit, see abs_refractory_ms).",
    )
    rel_refractory_tau_ms: float = Field(
        0.47, gt=0, le=50.0,
        description="Decay time constant of the relative refractoriness, ms. " + _CAL + " (MRG recovery fit).",
    )
    accommodation_spike_inc: float = Field(
        0.0, ge=0, le=2.0,
        description=f"Optional slow threshold increase per spike at any rate; off by default ({_ASSUMPTION}).",
    )
    accommodation_khz_inc: float = Field(
        0.02, ge=0, le=2.0,
        description="Extra accommodation per spike, scaled by the facilitation saturation w / (1 + w), so it acts "
        "only while pulses arrive faster than the facilitation decays (kHz drive). It pulls kHz-driven fibres "
        "down to the edge of threshold, where the per-pulse noise makes them fire irregularly and far below "
        "the pulse rate (Crosby et al. 2017 J Neurophysiol 117:136; Sagalajev et al. 2024 Neuron 112:404). "
        f"Phenomenological ({_ASSUMPTION}).",
    )
    subexcitability_inc: float = Field(
        0.0, ge=0, le=2.0,
        description="Late subexcitability: threshold factor 1 + b, b raised by this at every spike and decaying "
        "with subexcitability_tau_ms, so it summates over trains (slow nodal K+ conductance; McIntyre, Richardson & "
        "Grill 2002 J Neurophysiol 87:995). " + _CAL + ": least squares to the double-cable MRG axon's recovery "
        "cycle and train thresholds (python -m scs_sim.validation.calibrate_fibre).",
    )
    subexcitability_tau_ms: float = Field(
        30.0, gt=0, le=10_000.0, description="Decay time constant of the late subexcitability, ms. " + _CAL + "."
    )
    superexcitability_inc: float = Field(
        0.0, ge=0, le=5.0,
        description="Superexcitability (depolarising afterpotential): threshold factor 1 / (1 + x), x raised by "
        "this at every spike and decaying with superexcitability_tau_ms (McIntyre et al. 2002). " + _CAL + ".",
    )
    superexcitability_tau_ms: float = Field(
        5.0, gt=0, le=1000.0, description="Decay time constant of the superexcitability, ms. " + _CAL + "."
    )
    pump_inc: float = Field(
        3.3e-5, ge=0, le=0.1,
        description="Activity-dependent hyperpolarisation (electrogenic Na+/K+ pump): threshold factor 1 + h, h "
        "raised by this at every spike and decaying with pump_tau_s, so it builds up over seconds to minutes of "
        "firing and grows with the rate. From Kiernan et al. 2004 J Physiol 558:341: 10 min of supramaximal 8 Hz "
        "raised human cutaneous-afferent thresholds by 5.4 % (0.1 ms test pulse) and 8.3 % (1 ms), i.e. 6.8 % at "
        "0.3 ms (log interpolation); with pump_tau_s, 4800 impulses leave h = inc x 8 Hz x tau x (1 - e^-2) = "
        "2075 inc, so inc = 0.068 / 2075. Linear in the impulse load: meant for runs of seconds to minutes, not "
        "for a chronic steady state (docs/MODEL.md §2.8).",
    )
    pump_tau_s: float = Field(
        300.0, gt=0, le=3600.0,
        description="Decay time constant of the pump hyperpolarisation, s (recovery over 15-20 min after a 10 min "
        "train, Kiernan et al. 2004 J Physiol 558:341, read as about three time constants; docs/MODEL.md §2.8).",
    )
    accommodation_gain: float = Field(
        0.0, ge=0, le=1.0,
        description="Optional threshold increase per depolarising phase per unit end-of-phase state "
        f"(depolarisation-driven accommodation, e.g. slow Na inactivation); off by default ({_ASSUMPTION}).",
    )
    accommodation_tau_ms: float = Field(
        1000.0, gt=0, le=10_000.0, description=f"Accommodation decay time constant, ms ({_ASSUMPTION})."
    )
    facilitation_gain: float = Field(
        0.3, ge=0, le=10.0,
        description="Facilitation increment per depolarising phase per unit end-of-phase state (temporal "
        "summation at high rates, Rogers et al. 2024 J Neurosci 44(26):e2199232024; "
        f"phenomenological, {_ASSUMPTION}).",
    )
    facilitation_tau_ms: float = Field(
        2.0, gt=0, le=1000.0, description=f"Facilitation decay time constant, ms ({_ASSUMPTION})."
    )
    facilitation_max: float = Field(
        0.5, ge=0, lt=1.0,
        description=f"Largest fractional threshold reduction by the slow and fast facilitation together ({_ASSUMPTION}).",
    )
    facilitation_width_ref_us: float = Field(
        300.0, gt=0, le=10_000.0,
        description="The slow facilitation's increment is scaled by min(1, phase width / this), so pulses shorter "
        "than this leave proportionally less of it: the double-cable MRG axon sums 300 µs pulses from a few "
        "hundred Hz but 30 µs pulses only above 2 kHz (docs/MODEL.md §2.7). The 300 µs reference and the linear "
        f"scaling are an {_ASSUMPTION} (checked at 30 and 300 µs only).",
    )
    facilitation_fast_gain: float = Field(
        40.8, ge=0, le=100.0,
        description="Fast facilitation increment per depolarising phase per unit end-of-phase state (temporal "
        "summation of closely spaced short pulses, kHz rates). " + _CAL + ": least squares to the double-cable MRG "
        "axon's threshold vs rate of biphasic 30 µs pulses, 2 Hz-10 kHz (python -m scs_sim.validation.calibrate_fibre).",
    )
    facilitation_fast_tau_ms: float = Field(
        0.051, gt=0, le=100.0, description="Decay time constant of the fast facilitation, ms. " + _CAL + " (with "
        "facilitation_fast_gain).",
    )
    block: bool = Field(
        False,
        description="PHENOMENOLOGICAL conduction block (off by default): a fibre cannot fire on a depolarising "
        "phase that follows the previous one on its channel within 1/block_rate_hz when its drive exceeds "
        "block_drive_factor x its threshold (Lempka et al. 2015 Anesthesiology 122:1362: block only at high "
        "amplitude / thin CSF).",
    )
    block_rate_hz: float = Field(4000.0, gt=0, description="Pulse rate at and above which block can occur, Hz.")
    block_drive_factor: float = Field(
        3.0, gt=0, description="Drive (x the fibre's threshold factor) at and above which a kHz phase blocks."
    )


class PerceptionParams(Params):
    """Criteria turning DC/DR spiking into a perceived intensity, paresthesia and discomfort (MODEL.md §2.3).

    The percept is a population measure over time: DC spikes are pooled in summation windows of
    ``summation_window_ms``; windows in which at least ``sync_min_spikes`` distinct fibres fired are synchronous, and
    their spikes per second of stimulation-on time are the synchronous drive ``S`` (Hz). The perceived
    intensity is ``I = log2(1 + S / drive_reference_hz)`` (arbitrary units); paresthesia when ``I >= 1``.
    """

    sync_window_ms: float = Field(
        2.0, gt=0, le=50.0,
        description="A DC spike belongs to its pulse's volley when it falls within this time of the pulse onset.",
    )
    summation_window_ms: float = Field(
        10.0, gt=0, le=1000.0,
        description="DC spikes are pooled over windows of this length (temporal summation by the second-order "
        "neurons; at <= 100 Hz every window holds at most one pulse, so tonic 50 Hz is judged pulse by pulse). "
        f"{_ASSUMPTION} (docs/MODEL.md §2.3).",
    )
    sync_min_spikes: int = Field(
        3, ge=1, le=10_000,
        description="A summation window is synchronous when at least this many distinct DC fibres fired in it (a "
        "fibre firing on several pulses of the window counts once); synchronous DC activity is needed for "
        f"paresthesia (Sagalajev et al. 2024 Neuron 112:404); the number is an {_ASSUMPTION}, kept from the v1 "
        "per-pulse rule (the key keeps its v1 name).",
    )
    drive_reference_hz: float = Field(
        75.0, gt=0, le=1e6,
        description="Synchronous drive S0 (DC spikes/s in synchronous windows) at which the perceived intensity is 1 "
        "and paresthesia starts: 3-fibre volleys on half the pulses at 50 Hz (the v1 rule), which keeps the tonic 50 Hz "
        f"calibration (docs/MODEL.md §2.5; {_ASSUMPTION}).",
    )
    discomfort_intensity: float = Field(
        5.0, gt=1.0, le=100.0,
        description="Discomfort also when the perceived intensity reaches this ceiling (S = 31 S0); set above "
        "what tonic 50 Hz reaches at its DR discomfort threshold, so it binds only for dense high-rate "
        f"drive ({_ASSUMPTION}).",
    )
    perception_count: int = Field(
        3, ge=1,
        description="v1 per-pulse figure (reported as volley_fraction, no longer the paresthesia criterion): a pulse "
        f"carries a perception-sized DC volley with at least this many DC fibres ({_ASSUMPTION}).",
    )
    perception_fraction: float = Field(
        0.5, gt=0, le=1.0,
        description="v1 per-pulse rule kept for reference (summary key volley_rule_met): a perception-sized volley "
        "on at least this fraction of one channel's pulses.",
    )
    discomfort_dr_count: int = Field(
        2, ge=1,
        description=f"Discomfort when at least this many DR fibres are driven (docs/MODEL.md §2.3; {_ASSUMPTION}).",
    )
    discomfort_dc_fraction: float = Field(
        0.25, gt=0, le=1.0,
        description=f"... or when at least this fraction of the modelled DC fibres is driven ({_ASSUMPTION}).",
    )
    driven_pulse_fraction: float = Field(
        0.5, gt=0, le=1.0, description="A fibre is driven when it fires on at least this fraction of pulses ..."
    )
    driven_rate_hz: float = Field(20.0, gt=0, description="... or at least at this mean rate, Hz.")
    max_pulse_counts: int = Field(
        10_000, ge=0, description="Per-pulse DC volley counts are stored for at most this many pulses."
    )


#: Fibre models a patient can select (``[patient.fibers] fiber_model``); the dispatch is
#: :data:`scs_sim.fibers.models.FIBER_MODELS`.
FIBER_MODEL_NAMES = ("fast", "biophysical", "biophysical_mrg")


class FiberParams(ExcitationParams):
    """The ``[patient.fibers]`` table: the excitation parameters plus the choice of fibre model."""

    fiber_model: Literal["fast", "biophysical", "biophysical_mrg"] = Field(
        "fast",
        description="'fast': the event-driven leaky integrator (scs_sim.fibers.recruitment); 'biophysical': the "
        "nonlinear reference fibre (scs_sim.fibers.biophysical), much slower; 'biophysical_mrg': the same with MRG "
        "mammalian node kinetics.",
    )

    @field_validator("fiber_model")
    @classmethod
    def _installed(cls, v: str) -> str:
        from scs_sim.fibers.models import fiber_model_available

        if not fiber_model_available(v):
            raise ValueError(f"fibre model '{v}' is not available in this installation (its module is missing); "
                             "allowed here: 'fast'")
        return v

    def excitation(self) -> ExcitationParams:
        """The :class:`ExcitationParams` part (what :func:`~scs_sim.fibers.recruitment.recruit` takes)."""
        return ExcitationParams(**self.model_dump(exclude={"fiber_model"}))
