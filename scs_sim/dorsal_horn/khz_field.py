"""The ``khz_dorsal_horn`` mechanism: a direct effect of kHz fields on dorsal-horn neurons.

Hypothesis: kHz SCS acts on dorsal-horn neurons themselves, not only through the dorsal-column
fibres. Lee, Bae, Lee, Kagan, Bradley, Chung & La 2020 (Neuroscience 428:132; rat and mouse, in vivo and
ex vivo): low-intensity (below the sensory threshold) 10 kHz SCS, but not 1 kHz or 5 kHz, selectively
activated inhibitory interneurons of the superficial dorsal horn, without activating dorsal-column
fibres. Biomedicines 2024;12:1346 (calcium imaging of rat spinal cord slices under extracellular kHz fields
of 1, 3, 5, 8 and 10 kHz): dorsal-horn activation rose monotonically with the field's frequency, in the
superficial and in the deeper dorsal horn.

Model (pure NumPy; docs/MODEL.md §3.7 "khz_dorsal_horn")::

    E_ch   = peak cathodic current of channel ch (mA) * e_dh(contacts of ch)       field at the dorsal horn, V/m
    S(f)   = 0 for f < min_frequency_hz, else L(f) / L(10 kHz),
             L(f) = 1 / (1 + exp(-(log10 f - log10 half_frequency_hz) / log_width))
    D      = duty * sum_ch S(f_ch) * E_ch / in_threshold_v_per_m                    drive of an inhibitory IN
    I_i    = D * I_rh,i                      local and surround inhibitory INs
    I_i    = D / excitatory_threshold_ratio * I_rh,i                 EX and WDR neurons

``e_dh`` is the field magnitude (V/m per mA of cathodic channel current) at the dorsal horn, from the
same point-source volume conductor as the fibres (:mod:`scs_sim.fibers.anatomy`, docs/MODEL.md §2):
the superficial dorsal horn at ``dh_lateral_mm`` from the midline (on the lead's side) and
``dh_depth_mm`` below the cord surface, the largest value along the cord. ``f_ch`` is the channel's
cathodic-phase rate while stimulation is on; ``I_rh,i`` the AdEx rheobase of neuron i,
``(g_L + a) (V_T - E_L - Δ_T + Δ_T ln(1 + a / g_L))``, the maximum of the AdEx steady-state I-V curve
(Brette & Gerstner 2005 J Neurophysiol 94:3637; Touboul 2008 SIAM J Appl Math 68:1045, saddle-node case; the
WDR CAN current left out), so a drive of 1 brings a neuron to its rheobase. ``duty`` is the fraction of the run during which
pulses are delivered (start/stop, cycling, pulse dosing): a continuous program (the presets) gets the
current over the whole run; a switched program gets the time-averaged current over the whole run (an
approximation). The current is a constant ``bias_pa`` of the spiking kernel in the stimulated run only;
the paired baseline has none.
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import Field

from scs_sim._params import Params
from scs_sim.fibers.anatomy import SUBSOURCES, Anatomy, channel_contacts

__all__ = ["KhzDorsalHornParams", "channel_drives", "field_v_per_m_per_ma", "frequency_gain", "neuron_bias_pa",
           "on_fraction", "rheobase_pa", "run_bias_pa"]

#: The frequency at which the coupling is normalised (S = 1): the 10 kHz of Lee et al. 2020.
REFERENCE_FREQUENCY_HZ = 10_000.0
#: Inhibitory and excitatory neuron populations of the circuit.
INHIBITORY = ("local_in", "surround_in")
EXCITATORY = ("ex", "wdr")
#: Step of the numerical field (mm) and of the search along the cord (mm).
_H_MM = 0.01
_DZ_MM = 0.1


class KhzDorsalHornParams(Params):
    """Parameters of the ``khz_dorsal_horn`` mechanism (docs/MODEL.md §3.7 "khz_dorsal_horn")."""

    min_frequency_hz: float = Field(
        1000.0, gt=0, le=1e5,
        description="Channels with a lower pulse rate have no direct effect (Hz): kHz carriers only, the 1-10 kHz "
        "range of Lee et al. 2020 Neuroscience 428:132 and Biomedicines 2024;12:1346.")
    half_frequency_hz: float = Field(
        7071.0, gt=0, le=1e5,
        description="Frequency of half the logistic coupling (Hz) [assumption: the geometric mean of 5 kHz (no "
        "effect) and 10 kHz (effect) at low intensity in Lee 2020].")
    log_width: float = Field(
        0.1, gt=0, le=2.0,
        description="Width of the logistic in decades of frequency [assumption: steep enough that 5 kHz gets 0.22 "
        "and 1 kHz 0.0003 of the 10 kHz coupling; monotone in frequency as in Biomedicines 2024].")
    in_threshold_v_per_m: float = Field(
        17.0, gt=0, le=1000.0,
        description="Field at the dorsal horn (V/m) at which 10 kHz brings an inhibitory IN to its rheobase "
        "[assumption: the field of the default patient at half its first-DC-fibre 10 kHz threshold, i.e. "
        "INs respond where no DC fibre fires, as in Lee 2020; docs/MODEL.md].")
    excitatory_threshold_ratio: float = Field(
        4.0, ge=1.0, le=1e6,
        description="Threshold field of excitatory INs and WDR neurons over that of inhibitory INs [assumption: Lee "
        "2020 activated inhibitory, not excitatory neurons; 1e6 = excitatory neurons unaffected].")
    dh_lateral_mm: float = Field(
        1.5, ge=0, le=6.0,
        description="Lateral position of the superficial dorsal horn from the midline, on the lead's side (mm) "
        "[assumption: human thoracic cord].")
    dh_depth_mm: float = Field(
        1.5, gt=0, le=5.0,
        description="Depth of the superficial dorsal horn below the dorsal cord surface (mm) [assumption: beneath "
        "the dorsal columns, human thoracic cord].")


def frequency_gain(f_hz, params: KhzDorsalHornParams) -> np.ndarray:
    """``S(f)``: the coupling at pulse rate ``f_hz`` relative to 10 kHz (0 below ``min_frequency_hz``)."""
    f = np.asarray(f_hz, dtype=np.float64)

    def logistic(x):
        return 1.0 / (1.0 + np.exp(-(np.log10(x) - math.log10(params.half_frequency_hz)) / params.log_width))

    with np.errstate(divide="ignore"):
        s = logistic(np.maximum(f, 1e-300)) / logistic(REFERENCE_FREQUENCY_HZ)
    return np.where(f >= params.min_frequency_hz, s, 0.0)


def _potential(a: Anatomy, w: np.ndarray, x_mm: float, depth_mm: np.ndarray | float, z_mm: np.ndarray) -> np.ndarray:
    """Potential (mV per mA of cathodic channel current, sign dropped) at (x, depth, z): the point-source
    reduction of :mod:`scs_sim.fibers.anatomy` (``V = I / (4 pi sigma r)``, depths count sqrt(anisotropy))."""
    zc = a.contact_z_mm()
    frac = (np.arange(SUBSOURCES) + 0.5) / SUBSOURCES * 2.0 - 1.0
    zs = zc[:, None] + frac[None, :] * (a.contact_length_mm / 2.0)  # (n_contacts, SUBSOURCES)
    y_lead = a.csf_mm + a.lead_diameter_mm / 2.0
    d2 = (x_mm - a.lead_offset_mm) ** 2 + (y_lead + math.sqrt(a.cord_anisotropy) * np.asarray(depth_mm)) ** 2
    r = np.sqrt(d2 + (np.asarray(z_mm)[:, None, None] - zs[None, :, :]) ** 2)
    k_mv = 1000.0 / (4.0 * math.pi * a.sigma_s_per_m)
    return (k_mv / SUBSOURCES) * ((1.0 / r).sum(axis=2) @ w)


def field_v_per_m_per_ma(anatomy: Anatomy, cathodes, anodes, params: KhzDorsalHornParams) -> float:
    """Field magnitude at the superficial dorsal horn (V/m per mA of cathodic channel current): central
    differences of the potential in x, depth and z, the largest value along the lead (±12 mm margin)."""
    cat, ano = channel_contacts(anatomy, cathodes, anodes, key="program")
    w = np.zeros(anatomy.n_contacts)
    w[cat] += 1.0 / len(cat)
    if ano:
        w[ano] -= 1.0 / len(ano)
    zc = anatomy.contact_z_mm()
    z = np.arange(zc[0] - 12.0, zc[-1] + 12.0 + _DZ_MM / 2, _DZ_MM)
    side = 1.0 if anatomy.lead_offset_mm >= 0 else -1.0
    x, d, h = side * params.dh_lateral_mm, params.dh_depth_mm, _H_MM
    ex = (_potential(anatomy, w, x + h, d, z) - _potential(anatomy, w, x - h, d, z)) / (2 * h)
    ed = (_potential(anatomy, w, x, d + h, z) - _potential(anatomy, w, x, d - h, z)) / (2 * h)
    ez = (_potential(anatomy, w, x, d, z + h) - _potential(anatomy, w, x, d, z - h)) / (2 * h)
    return float(np.sqrt(ex ** 2 + ed ** 2 + ez ** 2).max())  # mV/mm = V/m


def on_fraction(modifiers, duration_s: float) -> float:
    """Fraction of ``[0, duration_s)`` with pulses delivered: start/stop, then cycling and dosing duty (1 for a
    continuous program)."""
    stop = duration_s if modifiers.stop_s is None else min(modifiers.stop_s, duration_s)
    span = max(0.0, stop - modifiers.start_s) / duration_s
    return 1.0 if span >= 1.0 and modifiers.duty >= 1.0 else span * modifiers.duty


def channel_drives(train, anatomy: Anatomy, params: KhzDorsalHornParams) -> list[dict]:
    """Per channel of ``train``: its cathodic-phase rate while on (Hz), peak cathodic current (mA), field at
    the dorsal horn (V/m), ``S(f)`` and its drive ``S(f) E / in_threshold_v_per_m`` (before the duty)."""
    duty = train.modifiers.duty
    rate: dict[int, float] = {}
    amp: dict[int, float] = {}
    for cur, _w, per_s, ch, passive in train.phase_table():
        if cur < 0 and not passive:
            rate[ch] = rate.get(ch, 0.0) + per_s / duty
            amp[ch] = max(amp.get(ch, 0.0), -cur)
    out = []
    for ch in sorted(rate):
        c = train.channels[ch]
        e = amp[ch] * field_v_per_m_per_ma(anatomy, c.cathodes, c.anodes, params)
        s = float(frequency_gain(rate[ch], params))
        out.append({"channel": ch, "rate_hz": rate[ch], "amplitude_ma": amp[ch], "field_v_per_m": e,
                    "gain": s, "drive": s * e / params.in_threshold_v_per_m})
    return out


def rheobase_pa(neuron: dict[str, np.ndarray]) -> np.ndarray:
    """AdEx rheobase (pA) of every neuron: ``(g_L + a)(V_T − E_L − Δ_T + Δ_T ln(1 + a/g_L))``."""
    g, a = neuron["g_l_ns"], neuron["a_ns"]
    dt = neuron["delta_t_mv"]
    return (g + a) * (neuron["v_t_mv"] - neuron["e_l_mv"] - dt + dt * np.log1p(a / g))


def neuron_bias_pa(net, drive: float, params: KhzDorsalHornParams) -> np.ndarray:
    """The constant current of every neuron of ``net`` for an inhibitory-IN drive ``drive``."""
    scale = np.zeros(net.n_neurons)
    for pops, k in ((INHIBITORY, 1.0), (EXCITATORY, 1.0 / params.excitatory_threshold_ratio)):
        for pop in pops:
            lo, hi = net.neuron_ranges[pop]
            scale[lo:hi] = k
    return drive * scale * rheobase_pa(net.neuron)


def run_bias_pa(train, anatomy: Anatomy, net, duration_s: float, params: KhzDorsalHornParams) -> np.ndarray | None:
    """``bias_pa`` of the stimulated run (None when no channel is at a kHz rate: the run is unchanged)."""
    drives = channel_drives(train, anatomy, params)
    d = on_fraction(train.modifiers, duration_s) * sum(x["drive"] for x in drives)
    return neuron_bias_pa(net, d, params) if d > 0 else None
