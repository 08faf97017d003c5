"""The spiking kernel's argument bundles (module-level namedtuples: numba passes them as typed tuples).

Their layouts are documented field by field; :mod:`scs_sim.dorsal_horn.spiking` fills them.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["Calcium", "Cells", "Clock", "Drive", "Mech", "ReceptorArrays", "Record", "State", "Wiring"]


class Wiring(NamedTuple):
    """Connectivity in the global index space (sources then neurons), CSR by source."""

    n_src: int               # afferent sources
    n_neu: int               # neurons
    n_mem: int               # members of the batch (B); state slot of neuron i in member b: i·B + b
    indptr: np.ndarray       # int64 (n_src + n_neu + 1,): synapses of source j are indptr[j]:indptr[j+1]
    syn_pos: np.ndarray      # int32/int64 (n_syn,): delay·row + receptor·n_sl + target·B (flat ring place)
    syn_w: np.ndarray        # float64 (n_syn,): peak conductance (nS)
    syn_tgt: np.ndarray      # int64 (n_syn,): target neuron (0 .. n_neu − 1; presynaptic inhibition reads it)
    ring_len: int            # length of the arrival ring buffer (steps)
    ring_size: int           # elements of the ring: ring_len · n_rec · n_sl
    pop_id: np.ndarray       # int64 (n_src + n_neu,): population (POPULATIONS order)


class Drive(NamedTuple):
    """Afferent spikes and the depressing synapses of the dc sources."""

    in_step: np.ndarray      # int64 (n_in,): step of each afferent spike, ascending (then member, source)
    in_mem: np.ndarray       # int64 (n_in,): its member of the batch
    in_src: np.ndarray       # int64 (n_in,): its source (global index)
    stp_on: np.ndarray       # bool (n_src,): source has Tsodyks–Markram depression (dc)
    stp_u: float             # utilisation U (dimensionless)
    stp_tau_rec_ms: float    # recovery time constant (ms)


class ReceptorArrays(NamedTuple):
    """Per receptor row (RECEPTOR_TYPES order) kinetics and span; reversals and the Mg block."""

    rise_dec: np.ndarray     # float64 (n_rec,): exp(−dt/τ_rise)
    decay_dec: np.ndarray    # float64 (n_rec,): exp(−dt/τ_decay)
    q_rec: np.ndarray        # float64 (n_rec,): peak normalisation × receptor scale
    rec_lo: np.ndarray       # int64 (n_rec,): first state slot the row targets (first neuron × B; empty: 0, 0)
    rec_hi: np.ndarray       # int64 (n_rec,): end of the span (last neuron + 1) × B
    exc_rows: tuple          # rows of each reversal class (synapses.class_rows), in table order: unblocked
    nmda_rows: tuple         # at e_exc (AMPA, NK1), Mg-blocked at e_exc (NMDA), at e_cl (GABA_A, glycine);
    cl_rows: tuple           # int tuples, so their lengths are part of the kernel's type;
    k_rows: tuple            # at e_k (GABA_B)
    e_exc: float             # reversal of exc_rows and nmda_rows (mV)
    e_cl: float              # reversal of cl_rows (mV)
    e_k: float               # reversal of k_rows (mV)
    mg_mm: float             # extracellular Mg²⁺ (mM)
    mg_tab: np.ndarray       # float64 (MG_N,): Mg block B(V) on the MG_V0_MV + j·MG_H_MV grid


class Mech(NamedTuple):
    """Circuit mechanisms (scs_sim.dorsal_horn.mechanisms); all off: pre_max 0, no in_stp_on, i_bias 0."""

    pre_max: float           # presynaptic inhibition: largest fraction of release removed (0: off)
    pre_k_ns: float          # GABA_B conductance at the target giving half of it (nS)
    pre_src: np.ndarray      # bool (n_src,): sources whose release it scales (abeta, adelta, c)
    in_stp_on: np.ndarray    # bool (n_neu,): neurons whose output synapses depress (inhibitory INs)
    in_stp_u: float          # their utilisation U
    in_stp_tau_ms: float     # their recovery time constant (ms)
    i_bias: np.ndarray       # float64 (n_neu·B,): constant injected current (pA) per state slot


class Cells(NamedTuple):
    """AdEx parameters per state slot, neuron i's value repeated for its B members (float64 (n_neu·B,)
    unless noted), so the neuron loops run over slots with unit stride whatever B."""

    dt_over_c: np.ndarray    # dt/C (ms/pF)
    g_l: np.ndarray          # leak conductance (nS)
    e_l: np.ndarray          # leak reversal (mV)
    v_t: np.ndarray          # exponential threshold V_T (mV)
    delta_t: np.ndarray      # slope factor Δ_T (mV)
    v_peak: np.ndarray       # spike cut-off (mV)
    v_reset: np.ndarray      # reset (mV)
    tref_steps: np.ndarray   # int64: refractory period (steps)
    a_ns: np.ndarray         # subthreshold adaptation (nS)
    b_pa: np.ndarray         # spike-triggered adaptation (pA)
    w_dec: np.ndarray        # exp(−dt/τ_w)
    g_can: np.ndarray        # maximal CAN conductance (nS), 0 except WDR
    exp_tab: np.ndarray      # float64 (EXP_TAB_N,): the table of numerics.exp_adex_parts


class Calcium(NamedTuple):
    """WDR calcium and CAN current (docs/MODEL.md §3 "WDR calcium and CAN current")."""

    ca_dec: float            # exp(−dt/τ_Ca)
    per_spike: float         # Ca increment per spike
    per_nmda: float          # Ca increment per pC of inward NMDA charge (1/pC)
    k_half: float            # CAN half-activation (Ca units)
    e_mv: float              # CAN reversal (mV)


class Clock(NamedTuple):
    """Time grid of one window."""

    s0: int                  # first step to simulate (global step number; a multiple of bin_steps)
    s1: int                  # end step (exclusive)
    dt_ms: float             # step (ms)
    bin_steps: int           # steps per rate bin


class State(NamedTuple):
    """Everything the kernel carries from one window to the next (updated in place). Per neuron
    quantities are per state slot i·B + b (n_sl = n_neu·B), per source ones per j·B + b."""

    v: np.ndarray            # float64 (n_sl,): membrane potential (mV)
    w: np.ndarray            # float64 (n_sl,): adaptation current (pA)
    ca: np.ndarray           # float64 (n_sl,): calcium (dimensionless units of k_half)
    refc: np.ndarray         # int64 (n_sl,): refractory steps left
    g_r: np.ndarray          # float64 (n_rec, n_sl): rise component of every receptor state
    g_d: np.ndarray          # float64 (n_rec, n_sl): decay component
    g_now: np.ndarray        # float64 (n_rec, n_sl): their difference (the conductance, nS)
    buf: np.ndarray          # float64 (ring_len, n_rec, n_sl): future arrivals, ring slot = step % ring_len
    x_stp: np.ndarray        # float64 (n_src·B,): Tsodyks–Markram resources of each source
    last_stp: np.ndarray     # int64 (n_src·B,): global step of its previous spike (−1: none yet)
    x_in: np.ndarray         # float64 (n_sl,): resources of each neuron's depressing output synapses
    last_in: np.ndarray      # int64 (n_sl,): global step of its previous spike (−1: none yet)


class Record(NamedTuple):
    """Outputs, written by the kernel."""

    counts: np.ndarray       # int64 (B, n_bins, n_populations): spikes per member, bin and population
    spk_step: np.ndarray     # int64 (B, width): step of each stored neuron spike
    spk_neu: np.ndarray      # int64 (B, width): its neuron
    caps: np.ndarray         # int64 (B,): neuron spikes to store per member (<= width)
    wdr0: int                # WDR neurons are wdr0 .. wdr1 − 1
    wdr1: int
    wdr_step: np.ndarray     # int64 (B, cap_wdr): step of each stored WDR spike
    wdr_neu: np.ndarray      # int64 (B, cap_wdr): its neuron
    record_v: bool           # store V every step
    v_rec: np.ndarray        # float64 (s1 − s0, n_sl) if record_v, else (0, n_sl)
    n_spk: np.ndarray        # int64 (B,): neuron spikes of the window per member (uncapped), written
    n_wdr: np.ndarray        # int64 (B,): WDR spikes alike
    status: np.ndarray       # int64 (6,): [failed, neuron, step, member, libm exp(−x) uses, exact Mg uses]
    prof: np.ndarray         # int64 (0,) or (N_SECTIONS,): cycle-counter ticks per kernel section, added to
