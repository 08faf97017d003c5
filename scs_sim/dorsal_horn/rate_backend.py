"""The ``rate`` backend: the firing-rate gate (:mod:`scs_sim.dorsal_horn.rate`) driven by afferent spikes.

:func:`run` takes what the spiking backend takes (a built network for its parameters, the afferent
spike trains) and returns a :class:`RateRun` with the interface of the spiking
:class:`~scs_sim.dorsal_horn.spiking.CircuitOutput` that :mod:`scs_sim.simulation` reads, so the two
backends are interchangeable in :data:`~scs_sim.dorsal_horn.backends.BACKENDS` (docs/MODEL.md §4).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from scs_sim.dorsal_horn.afferents import ROLE_INFIELD, ROLE_SURROUND, AfferentSpikes
from scs_sim.dorsal_horn.network import Network
from scs_sim.dorsal_horn.rate import RateInputs, RateParams, rates_from_spikes, run_rate
from scs_sim.dorsal_horn.synapses import std_efficacy

__all__ = ["RateRun", "run"]


@dataclass
class RateRun:
    """The rate backend's output with the circuit output's interface (one ``wdr`` "cell", no spikes)."""

    bin_s: float
    rates_hz: dict[str, np.ndarray]
    neuron_ranges: dict[str, tuple[int, int]]
    spike_times_s: np.ndarray = field(default_factory=lambda: np.zeros(0))
    spike_neuron: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    wdr_spike_times_s: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def wdr_rate_hz(self) -> float:
        """Mean WDR (projection population P) rate over the run, Hz."""
        return float(np.mean(self.rates_hz["wdr"]))


def run(net: Network, inputs: AfferentSpikes, duration_s: float, *, dt_s: float, bin_s: float,
        nmda_scale: float = 1.0, gaba_scale: float = 1.0, glycine_scale: float = 1.0,
        e_cl_mv: float | None = None) -> RateRun:
    """Feed afferent spikes, as smoothed population rates, to the Crodelle et al. 2019 rate gate.

    Aβ → ``f_abeta``; Aδ and C pooled → ``f_c`` (as in Crodelle et al. 2019 PLoS Comput Biol
    15:e1007106); dorsal-column collateral spikes pass the same short-term depression as in the
    spiking circuit (each spike weighted by its release fraction relative to a rested synapse,
    :func:`~scs_sim.dorsal_horn.synapses.std_efficacy`) and split by the network's dc roles
    (``net.dc_role``, the same split as the spiking wiring) into in-field and surround drive. The
    rate model's inputs are population-average rates per dc source (docs/MODEL.md §4),
    ``f_dc_infield = Σ in-field spikes / (n_dc T)`` and ``f_dc_surround = Σ surround spikes / (n_dc T)``
    (each spike weighted by its efficacy); sources without a role are dropped. Only ``net.params`` and ``net.dc_role`` are read, not the wiring.

    Parameters
    ----------
    net : Network
        A built spiking network; its parameters set the fibre counts and depression, ``dc_role`` the split.
    inputs : AfferentSpikes
        Afferent spike trains (s).
    duration_s, dt_s, bin_s : float
        Simulated time, integration step and output bin (s).
    nmda_scale, gaba_scale : float
        The rate model's NMDA and inhibition multipliers (``RateParams.nmda_scale``, ``gaba_scale``).
    glycine_scale, e_cl_mv
        Accepted for the backend interface; the rate model has no separate glycine or chloride
        reversal (inhibition is lumped into ``gaba_scale``), so they are ignored.
    """
    p = net.params
    dur, dt = duration_s, dt_s

    def rates(times, n):
        return rates_from_spikes(times, max(n, 1), dur, dt_s=dt)

    f_ab = rates(inputs.abeta.times_s, p.n_abeta)
    pooled = np.sort(np.concatenate([inputs.adelta.times_s, inputs.c.times_s]))
    f_c = rates(pooled, p.n_adelta + p.n_c)
    dc = inputs.dc
    if dc.times_s.size and p.n_dc > 0:
        eff = std_efficacy(dc.times_s, dc.index, p.n_dc, p.dc_stp.u, p.dc_stp.tau_rec_ms * 1e-3)
        role = net.dc_role[dc.index]
        infield, surround = role == ROLE_INFIELD, role == ROLE_SURROUND
        f_in = rates_from_spikes(dc.times_s[infield], p.n_dc, dur, dt_s=dt, weights=eff[infield])
        f_sur = rates_from_spikes(dc.times_s[surround], p.n_dc, dur, dt_s=dt, weights=eff[surround])
    else:
        f_in = f_sur = 0.0
    params = RateParams(nmda_scale=nmda_scale, gaba_scale=gaba_scale)
    out = run_rate(params, RateInputs(f_abeta=f_ab, f_c=f_c, f_dc_infield=f_in, f_dc_surround=f_sur),
                   dur, dt_s=dt, bin_s=bin_s)
    rates_hz = {k: v for k, v in out.rates_hz.items() if k != "g_nmda"}
    return RateRun(bin_s=out.bin_s, rates_hz=rates_hz, neuron_ranges={"wdr": (0, 1)})
