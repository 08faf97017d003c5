"""The named argument bundles of the recruitment kernel and :func:`kernel_params` (:mod:`scs_sim.fibers.recruitment`).

Module-level namedtuples, so numba passes them as typed tuples (nopython mode, cache friendly). They
live apart from the kernel only to keep :mod:`scs_sim.fibers.recruitment` within the module-size
limit; :mod:`scs_sim.fibers.recruitment` re-exports them.
"""

from __future__ import annotations

import math
from collections import namedtuple

from scs_sim.fibers.params import ExcitationParams, PerceptionParams

__all__ = ["FiberArrays", "FiberState", "KernelParams", "Phases", "SpikeBuffer", "kernel_params"]

# --- the kernel's named bundles (module-level namedtuples: nopython-mode and cache friendly) --------
#: Scalars of the excitation model as the kernel reads them, SI units; built by :func:`kernel_params`.
KernelParams = namedtuple("KernelParams", [
    "tau_s",        # membrane (integrator) time constant, s
    "t_abs_s",      # absolute refractory period, s
    "r_at_spike",   # relative-refractory elevation set at a spike (it decays to rel_refractory_amp by t_abs_s)
    "tau_rr_s",     # decay time constant of the relative refractoriness, s
    "a_spike_inc",  # accommodation added per spike (dimensionless)
    "a_gain",       # accommodation per depolarising phase per unit end-of-phase state v / theta0
    "a_khz_inc",    # accommodation per spike, times the facilitation saturation w / (1 + w)
    "tau_a_s",      # accommodation decay time constant, s
    "b_inc",        # late subexcitability added per spike (threshold factor 1 + b)
    "tau_b_s",      # its decay time constant, s
    "x_inc",        # superexcitability added per spike (threshold factor 1 / (1 + x))
    "tau_x_s",      # its decay time constant, s
    "h_inc",        # activity-dependent hyperpolarisation added per spike (threshold factor 1 + h)
    "tau_h_s",      # its decay time constant, s
    "f_gain",       # facilitation per depolarising phase per unit end-of-phase state v / theta0
    "tau_f_s",      # facilitation decay time constant, s
    "f_max",        # largest fractional threshold reduction by facilitation (slow w and fast z together)
    "f_width_s",    # the slow facilitation's increment is scaled by min(1, phase width / f_width_s)
    "z_gain",       # fast facilitation z per depolarising phase per unit end-of-phase state v / theta0
    "tau_z_s",      # fast facilitation decay time constant, s
    "noise_sd",     # relative threshold noise per pulse and fibre
    "sync_s",       # a DC spike belongs to its pulse's volley within this time of the pulse onset, s
    "block",        # bool: phenomenological conduction block on
    "block_dt_s",   # a depolarising phase this soon after the previous one on its channel can block, s
    "block_drive",  # ... when the drive u is at least this multiple of the fibre's threshold factor
    "window_s",     # summation window of the percept, s (distinct fibres per window are counted)
])
#: One chunk of the pulse train (phase arrays of ``PulseTrain.chunks``, pulse indices chunk-local).
Phases = namedtuple("Phases", ["start_s", "width_s", "current_ma", "channel", "pulse", "onset_s"])
#: The fibre population as the kernel reads it.
FiberArrays = namedtuple("FiberArrays", ["coupling", "theta0", "is_dc"])
#: Per-fibre model state (and the per-channel / global clocks), carried across chunks, updated in place.
FiberState = namedtuple("FiberState", ["v", "a", "w", "z", "r", "b", "x", "h", "ref_end_s", "last_counted", "prev_dep_s",
                                       "t_now_s", "last_window"])
#: Spike output: stored spikes (capped) and exact per-fibre counts, updated in place.
SpikeBuffer = namedtuple("SpikeBuffer", ["t_s", "fiber", "n_stored", "count"])


def kernel_params(p: ExcitationParams, perception: PerceptionParams) -> KernelParams:
    """The kernel's scalars (SI units) from the parameter models."""
    return KernelParams(
        tau_s=float(p.tau_ms * 1e-3),
        t_abs_s=float(p.abs_refractory_ms * 1e-3),
        # r is stored so that it equals rel_refractory_amp when the absolute refractory period ends.
        r_at_spike=float(p.rel_refractory_amp * math.exp(p.abs_refractory_ms / p.rel_refractory_tau_ms)),
        tau_rr_s=float(p.rel_refractory_tau_ms * 1e-3),
        a_spike_inc=float(p.accommodation_spike_inc),
        a_gain=float(p.accommodation_gain),
        a_khz_inc=float(p.accommodation_khz_inc),
        tau_a_s=float(p.accommodation_tau_ms * 1e-3),
        b_inc=float(p.subexcitability_inc),
        tau_b_s=float(p.subexcitability_tau_ms * 1e-3),
        x_inc=float(p.superexcitability_inc),
        tau_x_s=float(p.superexcitability_tau_ms * 1e-3),
        h_inc=float(p.pump_inc),
        tau_h_s=float(p.pump_tau_s),
        f_gain=float(p.facilitation_gain),
        tau_f_s=float(p.facilitation_tau_ms * 1e-3),
        f_max=float(p.facilitation_max),
        f_width_s=float(p.facilitation_width_ref_us * 1e-6),
        z_gain=float(p.facilitation_fast_gain),
        tau_z_s=float(p.facilitation_fast_tau_ms * 1e-3),
        noise_sd=float(p.noise_sd),
        sync_s=float(perception.sync_window_ms * 1e-3),
        block=bool(p.block),
        block_dt_s=float(1.0 / p.block_rate_hz),
        block_drive=float(p.block_drive_factor),
        window_s=float(perception.summation_window_ms * 1e-3),
    )
