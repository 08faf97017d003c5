"""The ``rate`` backend: the firing-rate gate (:mod:`scs_sim.dorsal_horn.rate`) driven by afferent spikes.

:func:`run` takes what the spiking backend takes (a built network for its parameters, the afferent
spike trains) and returns a :class:`RateRun` with the interface of the spiking
:class:`~scs_sim.dorsal_horn.spiking.CircuitOutput` that :mod:`scs_sim.simulation` reads, so the two
backends are interchangeable in :data:`~scs_sim.dorsal_horn.backends.BACKENDS` (docs/MODEL.md §4).
:class:`RateStepper` runs it window by window with its state carried (bit-identical to one call).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from scs_sim.dorsal_horn.afferents import ROLE_INFIELD, ROLE_SURROUND, AfferentSpikes
from scs_sim.dorsal_horn.network import Network
from scs_sim.dorsal_horn.rate import RateInputs, RateParams, rates_from_spikes, run_rate
from scs_sim.dorsal_horn.synapses import std_efficacy
from scs_sim.errors import ConfigError

__all__ = ["RateRun", "RateStepper", "RateWindow", "run"]


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


@dataclass(frozen=True)
class RateWindow:
    """What :meth:`RateStepper.advance` integrated: steps ``s0 .. s1 − 1``, one rate value per bin."""

    s0: int
    s1: int
    rates_hz: dict[str, np.ndarray]


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
    st = RateStepper(net, duration_s, dt_s=dt_s, bin_s=bin_s, nmda_scale=nmda_scale, gaba_scale=gaba_scale)
    w = st.advance(inputs, st.n_steps)
    return RateRun(bin_s=st.bin_s, rates_hz=w.rates_hz, neuron_ranges={"wdr": (0, 1)})


class RateStepper:
    """The rate backend advanced window by window (arguments as :func:`run`).

    Carried between windows: the smoothing state of every input rate, the dc synapses' depression
    (last spike time and resources per fibre), the gate's P, E, I and gNMDA, and the spikes given
    early (those of steps past the window wait for theirs). Windows end on bins and the first lasts at
    least 5 smoothing time constants, so any such split of the run gives bit-identical rates.
    """

    def __init__(self, net: Network, duration_s: float, *, dt_s: float, bin_s: float, nmda_scale: float = 1.0,
                 gaba_scale: float = 1.0, glycine_scale: float = 1.0, e_cl_mv: float | None = None):
        p = net.params
        self.p, self.dt_s = p, float(dt_s)
        self.params = RateParams(nmda_scale=nmda_scale, gaba_scale=gaba_scale)
        for name, v in (("duration_s", duration_s), ("dt_s", dt_s), ("bin_s", bin_s)):
            if not (isinstance(v, int | float) and math.isfinite(v) and v > 0):
                raise ConfigError(f"must be finite and > 0 (got {v!r})", key=name)
        self.n_steps = int(round(duration_s / dt_s))
        self.bin_steps = max(1, int(round(bin_s / dt_s)))
        self.bin_s = self.bin_steps * self.dt_s
        self.N_START = int(math.ceil(5 * 5.0e-3 / self.dt_s))
        self.s = 0
        self.gate = np.zeros(4)  # P, E, I, gNMDA
        self.smooth = {k: np.zeros(2) for k in ("abeta", "c", "dc_in", "dc_sur")}
        self.stp = (np.full(p.n_dc, -np.inf), np.ones(p.n_dc))
        self.role = net.dc_role  # in-field / surround / none per dc source (the spiking wiring's split)
        z = np.zeros(0)
        self._pending = {"abeta": z, "c": z, "dc": (z, np.zeros(0, np.int64))}

    def _split(self, t: np.ndarray, s1: int) -> int:
        return int(np.searchsorted(np.floor(t / self.dt_s), s1))

    def advance(self, inputs: AfferentSpikes | None, s1: int) -> RateWindow:
        """Integrate steps ``self.s .. s1 − 1`` with ``inputs`` (afferent spikes not yet given, s)."""
        s0, p, dt = self.s, self.p, self.dt_s
        s1 = int(s1)
        if not (s0 < s1 <= self.n_steps) or (s1 % self.bin_steps and s1 != self.n_steps):
            raise ConfigError(f"window end step {s1} must be in ({s0}, {self.n_steps}] and end a rate bin "
                              f"({self.bin_steps} steps)", key="s1")
        if s0 == 0 and s1 < min(self.n_steps, self.N_START):
            # the smoothed rates start at the mean of the run's first 5 tau_smooth (rates_from_spikes)
            raise ConfigError(f"the first window must last at least {self.N_START} steps (5 x the 5 ms rate "
                              f"smoothing) or the whole run (got {s1})", key="s1")
        pend = self._pending
        ab, c, (dc_t, dc_i) = pend["abeta"], pend["c"], pend["dc"]
        if inputs is not None:
            ab = np.sort(np.concatenate([ab, inputs.abeta.times_s]))
            c = np.sort(np.concatenate([c, inputs.adelta.times_s, inputs.c.times_s]))
            dc_t = np.concatenate([dc_t, inputs.dc.times_s])
            dc_i = np.concatenate([dc_i, inputs.dc.index])
            order = np.argsort(dc_t, kind="stable")
            dc_t, dc_i = dc_t[order], dc_i[order]
        ka, kc, kd = self._split(ab, s1), self._split(c, s1), self._split(dc_t, s1)
        self._pending = {"abeta": ab[ka:], "c": c[kc:], "dc": (dc_t[kd:], dc_i[kd:])}
        n = s1 - s0
        dur = n * dt

        def rates(times, n_fib, key, weights=None):
            return rates_from_spikes(times, max(n_fib, 1), dur, dt_s=dt, weights=weights, first_step=s0,
                                     state=self.smooth[key])

        f_ab = rates(ab[:ka], p.n_abeta, "abeta")
        f_c = rates(c[:kc], p.n_adelta + p.n_c, "c")
        f_in = f_sur = 0.0
        if p.n_dc > 0 and (kd or self.smooth["dc_in"][1] or self.smooth["dc_sur"][1]):
            t, i = dc_t[:kd], dc_i[:kd]
            eff = std_efficacy(t, i, p.n_dc, p.dc_stp.u, p.dc_stp.tau_rec_ms * 1e-3, state=self.stp)
            role = self.role[i]
            infield, surround = role == ROLE_INFIELD, role == ROLE_SURROUND
            f_in = rates(t[infield], p.n_dc, "dc_in", eff[infield])
            f_sur = rates(t[surround], p.n_dc, "dc_sur", eff[surround])
        else:  # no dc drive yet (or any more): the smoothed dc rates are exactly 0
            for key in ("dc_in", "dc_sur"):
                self.smooth[key][:] = (1.0, 0.0)
        out = run_rate(self.params, RateInputs(f_abeta=f_ab, f_c=f_c, f_dc_infield=f_in, f_dc_surround=f_sur),
                       dur, dt_s=dt, bin_s=self.bin_s, state=self.gate)
        self.s = s1
        return RateWindow(s0=s0, s1=s1, rates_hz={k: v for k, v in out.rates_hz.items() if k != "g_nmda"})
