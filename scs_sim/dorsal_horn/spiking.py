"""The spiking backend: :func:`run` (a built network + afferent spikes → :class:`CircuitOutput`), the
:class:`Stepper` and :class:`BatchStepper` that advance it window by window, and the kernel's argument
bundles they fill (the kernel itself: :mod:`scs_sim.dorsal_horn.spiking_kernel`).

Point AdEx neurons with dual-exponential conductance synapses, exponential-Euler membrane update;
equations, defaults and their sources in ``docs/MODEL.md`` §3. The receptor table
(:data:`~scs_sim.dorsal_horn.params.RECEPTOR_TYPES`) decides every per-receptor row; the kernel sees
receptors only through their reversal class (:mod:`scs_sim.dorsal_horn.synapses`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scs_sim.dorsal_horn.afferents import AFFERENT_POPULATIONS, AfferentSpikes
from scs_sim.dorsal_horn.network import Network, population_sizes
from scs_sim.dorsal_horn.numerics import exp_table
from scs_sim.dorsal_horn.params import POPULATIONS, check_steps
from scs_sim.dorsal_horn.spiking_kernel import SECTIONS, receptor_spans, ring_positions, run_kernel
from scs_sim.dorsal_horn.spiking_types import (
    Calcium,
    Cells,
    Clock,
    Drive,
    Mech,
    ReceptorArrays,
    Record,
    State,
    Wiring,
)
from scs_sim.dorsal_horn.synapses import class_rows, dual_exp_norm, mg_block_table, receptor_classes
from scs_sim.errors import ConfigError, SimulationError

__all__ = ["SECTIONS", "BatchStepper", "CircuitOutput", "Stepper", "Window", "mech_bundle", "prepare_inputs", "run",
           "wiring_bundle"]


@dataclass(frozen=True)
class CircuitOutput:
    """Result of :func:`run`: binned population rates and capped spike lists.

    ``rates_hz[pop]`` is the population-mean firing rate per bin (Hz per cell), for afferent
    populations too. ``spike_times_s``/``spike_neuron`` hold neuron spikes (neuron index space,
    see ``neuron_ranges``), at most ``max_spikes``; ``n_spikes_total`` counts all of them and
    ``truncated`` says whether the cap was hit. ``wdr_spike_times_s`` (capped alike) holds the WDR
    spikes and ``wdr_spike_neuron`` their index within the WDR population.
    """

    bin_s: float
    dt_s: float
    duration_s: float
    rates_hz: dict[str, np.ndarray]
    spike_times_s: np.ndarray
    spike_neuron: np.ndarray
    n_spikes_total: int
    truncated: bool
    neuron_ranges: dict[str, tuple[int, int]]
    wdr_spike_times_s: np.ndarray
    wdr_spike_neuron: np.ndarray
    n_wdr_spikes_total: int
    v_mv: np.ndarray | None = None  # (n_steps, n_neurons) only with record_v

    def wdr_rate_hz(self) -> float:
        """Mean WDR firing rate over the run (Hz per cell), from the uncapped total."""
        n = self.neuron_ranges["wdr"][1] - self.neuron_ranges["wdr"][0]
        return self.n_wdr_spikes_total / (n * self.duration_s)


def _check_scale(v: float, name: str) -> float:
    if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0):
        raise ConfigError(f"{name} must be finite and >= 0 (got {v!r})", key=name)
    return float(v)


def prepare_inputs(net: Network, inputs: AfferentSpikes, dt_s: float, n_steps: int):
    """Merge the afferent trains into (step, global source index), time-ordered; validate them."""
    steps_l, src_l = [], []
    for pop in AFFERENT_POPULATIONS:
        tr = inputs[pop]
        t = np.asarray(tr.times_s, dtype=np.float64)
        i = np.asarray(tr.index, dtype=np.int64)
        if t.shape != i.shape or t.ndim != 1:
            raise ConfigError(f"inputs.{pop}: times_s and index must be aligned 1-D arrays")
        if t.size and not np.all(np.isfinite(t)):
            raise ConfigError(f"inputs.{pop}: spike times must be finite")
        if t.size and t.min() < 0:
            raise ConfigError(f"inputs.{pop}: spike times must be >= 0 (got {t.min()!r})")
        n = net.ranges[pop][1] - net.ranges[pop][0]
        if i.size and (i.min() < 0 or i.max() >= n):
            raise ConfigError(f"inputs.{pop}: fibre index out of range 0..{n - 1} "
                              f"(got {int(i.min())}..{int(i.max())})")
        s = np.floor(t / dt_s).astype(np.int64)
        keep = s < n_steps
        steps_l.append(s[keep])
        src_l.append(i[keep] + net.ranges[pop][0])
    steps = np.concatenate(steps_l)
    src = np.concatenate(src_l)
    order = np.lexsort((src, steps))
    return np.ascontiguousarray(steps[order]), np.ascontiguousarray(src[order])


def mech_bundle(net: Network, bias_pa: np.ndarray | None = None, n_members: int = 1) -> Mech:
    """The kernel's :class:`Mech` bundle from the network's mechanism parameters (``presynaptic``,
    ``inhibitory_stp``) and an optional constant current ``bias_pa`` (pA): shape (n_neurons,) for every
    member of the batch, or (n_members, n_neurons), laid out per state slot i·B + b."""
    p = net.params
    pre_src = np.zeros(net.n_sources, dtype=bool)
    for pop in ("abeta", "adelta", "c"):
        a, b = net.ranges[pop]
        pre_src[a:b] = True
    in_on = np.zeros(net.n_neurons, dtype=bool)
    if p.inhibitory_stp is not None:
        for pop in ("local_in", "surround_in"):
            a, b = net.neuron_ranges[pop]
            in_on[a:b] = True
    stp = p.inhibitory_stp
    n, nb = net.n_neurons, int(n_members)
    bias = np.zeros((nb, n)) if bias_pa is None else np.asarray(bias_pa, dtype=np.float64)
    if bias.shape == (n,):
        bias = np.broadcast_to(bias, (nb, n))
    if bias.shape != (nb, n) or not np.all(np.isfinite(bias)):
        shape = f"{n}" if nb == 1 else f"{n} or ({nb}, {n})"
        raise ConfigError(f"bias_pa must be {shape} finite values (one per neuron)", key="bias_pa")
    pre = p.presynaptic
    return Mech(0.0 if pre is None else float(pre.max_fraction), 1.0 if pre is None else float(pre.k_half_ns),
                pre_src, in_on, 0.0 if stp is None else float(stp.u), 1.0 if stp is None else float(stp.tau_rec_ms),
                np.ascontiguousarray(bias.T).ravel())


def run(net: Network, inputs: AfferentSpikes, duration_s: float, *, dt_s: float = 1e-4, bin_s: float = 0.005,
        max_spikes: int = 200_000, nmda_scale: float = 1.0, gaba_scale: float = 1.0,
        glycine_scale: float = 1.0, e_cl_mv: float | None = None, record_v: bool = False,
        gaba_b_scale: float = 1.0, bias_pa: np.ndarray | None = None) -> CircuitOutput:
    """Simulate the network driven by afferent spikes (one :class:`Stepper` window over the whole run).

    Parameters: ``net`` (from :func:`build`); ``inputs``, the trains of ``abeta``, ``adelta``, ``c``,
    ``dc`` (s, fibre index per population); ``duration_s`` (> 0); ``dt_s``, the step (1 µs ≤ dt ≤
    fastest synaptic decay / 5, i.e. ≤ 1 ms with the 5 ms AMPA decay; default 0.1 ms); ``bin_s``, the
    rate bin (a whole number of steps); ``max_spikes``, the cap of the stored neuron (and, separately,
    WDR) spike lists (counts stay exact); ``nmda_scale``, ``gaba_scale``, ``glycine_scale`` (≥ 0),
    multipliers of every NMDA / GABA_A / glycine conductance; ``e_cl_mv``, a chloride reversal (mV)
    overriding ``params.receptors.e_cl_mv`` (disinhibition, KCC2 loss); ``record_v``, record every
    neuron's V each step (tests on tiny nets only). Raises :class:`ConfigError` on bad arguments,
    :class:`SimulationError` if a value becomes non-finite.

    Examples
    --------
    >>> from scs_sim.dorsal_horn.afferents import PainState, afferent_spikes, merge_dc
    >>> from scs_sim.dorsal_horn.network import build
    >>> from scs_sim.dorsal_horn.params import preset
    >>> p = preset("zhang2014")
    >>> net = build(p, np.random.default_rng(0))
    >>> spikes = afferent_spikes(PainState(), {"abeta": 15, "adelta": 15, "c": 30}, 2.0,
    ...                          np.random.default_rng(1))
    >>> spikes = merge_dc(spikes, np.full(15, 1.0), np.arange(15))   # one SCS pulse at t = 1 s
    >>> out = run(net, spikes, 2.0)
    >>> out.rates_hz["wdr"].shape
    (400,)
    >>> out.wdr_rate_hz() > 0
    True
    """
    st = Stepper(net, duration_s, dt_s=dt_s, bin_s=bin_s, max_spikes=max_spikes, nmda_scale=nmda_scale,
                 gaba_scale=gaba_scale, glycine_scale=glycine_scale, e_cl_mv=e_cl_mv, record_v=record_v,
                 gaba_b_scale=gaba_b_scale, bias_pa=bias_pa)
    w = st.advance(inputs, st.n_steps)
    cap = st.max_spikes
    return CircuitOutput(
        bin_s=float(bin_s), dt_s=float(dt_s), duration_s=st.n_steps * dt_s, rates_hz=w.rates_hz,
        spike_times_s=w.spike_step * dt_s, spike_neuron=w.spike_neuron, n_spikes_total=w.n_spikes,
        truncated=w.n_spikes > cap or w.n_wdr > cap, neuron_ranges=net.neuron_ranges,
        wdr_spike_times_s=w.wdr_step * dt_s, wdr_spike_neuron=w.wdr_neuron, n_wdr_spikes_total=w.n_wdr,
        v_mv=w.v_mv,
    )


@dataclass(frozen=True)
class Window:
    """What :meth:`Stepper.advance` simulated: steps ``s0 .. s1 − 1`` (global step numbers).

    ``rates_hz[pop]`` has one value per rate bin of the window; the spike lists hold global steps,
    at most the ``cap`` asked for (WDR: ``max_spikes``); ``n_spikes``/``n_wdr`` count every spike.
    """

    s0: int
    s1: int
    rates_hz: dict[str, np.ndarray]
    spike_step: np.ndarray
    spike_neuron: np.ndarray
    wdr_step: np.ndarray
    wdr_neuron: np.ndarray   # index within the WDR population
    n_spikes: int
    n_wdr: int
    v_mv: np.ndarray | None = None


def wiring_bundle(net: Network, n_members: int, dly: np.ndarray, ring_len: int, n_rec: int) -> Wiring:
    """The kernel's :class:`Wiring` for a batch of ``n_members``: each synapse as one int32 (int64 for
    huge rings), its place in the flat arrival ring relative to the current step's row (delay × row +
    receptor × slots + target × B), beside its weight, so a delivery reads 12 bytes per synapse. The
    synapses keep the network's order (by source, then target and receptor), so every sum is formed
    in the same order."""
    nb = int(n_members)
    n_sl = net.n_neurons * nb
    n_row = n_rec * n_sl
    ring_size = ring_len * n_row
    pos = np.empty(dly.size, dtype=np.int32 if 2 * ring_size < 2**31 else np.int64)
    ring_positions(dly, net.receptor, net.target, n_row, n_sl, nb, pos)
    return Wiring(net.n_sources, net.n_neurons, nb, net.indptr, pos, np.ascontiguousarray(net.weight_ns, np.float64),
                  net.target, ring_len, ring_size, net.pop_id)


class BatchStepper:
    """``n_members`` runs of one network advanced in lockstep by one kernel call per window.

    The members share the network (connectivity, neuron and receptor parameters, the scales and
    ``e_cl_mv``) and differ in their afferent spikes and ``bias_pa`` (shape (n_neurons,) for all, or
    (n_members, n_neurons)). Their states are interleaved per neuron (state slot i·B + b, B =
    ``n_members``), so the kernel's neuron and receptor loops run over the batch with unit stride and
    each member's arithmetic is exactly that of a run alone: member b gives bit for bit what a
    :class:`Stepper` with its inputs and bias gives (a test). Other arguments as :func:`run`.
    """

    def __init__(self, net: Network, duration_s: float, n_members: int, *, dt_s: float = 1e-4,
                 bin_s: float = 0.005, max_spikes: int = 200_000, nmda_scale: float = 1.0, gaba_scale: float = 1.0,
                 glycine_scale: float = 1.0, e_cl_mv: float | None = None, record_v: bool = False,
                 gaba_b_scale: float = 1.0, bias_pa: np.ndarray | None = None):
        if not (isinstance(n_members, int | np.integer) and not isinstance(n_members, bool) and n_members >= 1):
            raise ConfigError(f"n_members must be an integer >= 1 (got {n_members!r})", key="n_members")
        p = net.params
        nb = self.n_members = int(n_members)
        self.net, self.dt_s, self.bin_s, self.record_v = net, float(dt_s), float(bin_s), bool(record_v)
        self.n_steps, self.bin_steps = check_steps(p, duration_s, dt_s, bin_s)
        table = p.receptors.table()
        dt_ms = dt_s * 1e3
        if not (isinstance(max_spikes, int | np.integer) and max_spikes >= 0):
            raise ConfigError(f"max_spikes must be an integer >= 0 (got {max_spikes!r})", key="max_spikes")
        self.max_spikes = int(max_spikes)
        given = {"nmda_scale": nmda_scale, "gaba_scale": gaba_scale, "glycine_scale": glycine_scale,
                 "gaba_b_scale": gaba_b_scale}
        rec_scale = np.array([1.0 if k.scale is None else _check_scale(given[k.scale], k.scale) for k in table])
        e_cl = p.receptors.e_cl_mv if e_cl_mv is None else e_cl_mv
        if not (isinstance(e_cl, int | float) and math.isfinite(e_cl) and -100 <= e_cl <= 0):
            raise ConfigError(f"e_cl_mv must be within [-100, 0] mV (got {e_cl!r})", key="e_cl_mv")
        norm = np.array([dual_exp_norm(k.tau_rise_ms, k.tau_decay_ms) for k in table])
        dly = np.maximum(1, np.round(net.delay_ms / dt_ms)).astype(np.int64)
        # state-slot span [lo, hi) targeted by each receptor: states outside it stay 0 and are not advanced
        rec_lo = np.zeros(len(table), dtype=np.int64)
        rec_hi = np.zeros(len(table), dtype=np.int64)
        receptor_spans(net.receptor, net.target, rec_lo, rec_hi)
        rec_lo *= nb
        rec_hi *= nb
        exc_rows, nmda_rows, cl_rows, k_rows = class_rows(receptor_classes())
        nrn = net.neuron
        can = p.wdr_can
        ring_len = int(dly.max()) + 1 if dly.size else 2
        self._wiring = wiring_bundle(net, nb, dly, ring_len, len(table))
        self._stp = (net.stp_source, p.dc_stp.u, p.dc_stp.tau_rec_ms)
        self._receptors = ReceptorArrays(
            np.array([math.exp(-dt_ms / k.tau_rise_ms) for k in table]),
            np.array([math.exp(-dt_ms / k.tau_decay_ms) for k in table]), norm * rec_scale,
            rec_lo, rec_hi, exc_rows, nmda_rows, cl_rows, k_rows, p.receptors.e_exc_mv, float(e_cl),
            p.receptors.e_k_mv,
            p.receptors.mg_mm, mg_block_table(p.receptors.mg_mm))

        def per_slot(a):  # neuron i's value at slots i·B .. i·B + B − 1
            return np.repeat(np.asarray(a), nb)

        self._cells = Cells(
            per_slot(dt_ms / nrn["c_pf"]), per_slot(nrn["g_l_ns"]), per_slot(nrn["e_l_mv"]), per_slot(nrn["v_t_mv"]),
            per_slot(nrn["delta_t_mv"]), per_slot(nrn["v_peak_mv"]), per_slot(nrn["v_reset_mv"]),
            per_slot(np.round(nrn["t_ref_ms"] / dt_ms).astype(np.int64)), per_slot(nrn["a_ns"]), per_slot(nrn["b_pa"]),
            per_slot(np.array([math.exp(-dt_ms / t) for t in nrn["tau_w_ms"]])), per_slot(net.g_can_ns), exp_table())
        self._calcium = Calcium(math.exp(-dt_ms / can.tau_ca_ms), can.per_spike, can.per_nmda_charge, can.k_half,
                                can.e_mv)
        self._dt_ms = dt_ms
        self._mech = mech_bundle(net, bias_pa, nb)
        n_sl, n_rec, n_src = net.n_neurons * nb, len(table), net.n_sources * nb
        self.state = State(v=per_slot(np.asarray(nrn["e_l_mv"], dtype=np.float64)), w=np.zeros(n_sl),
                           ca=np.zeros(n_sl), refc=np.zeros(n_sl, dtype=np.int64), g_r=np.zeros((n_rec, n_sl)),
                           g_d=np.zeros((n_rec, n_sl)), g_now=np.zeros((n_rec, n_sl)),
                           buf=np.zeros((ring_len, n_rec, n_sl)), x_stp=np.ones(n_src),
                           last_stp=np.full(n_src, -1, dtype=np.int64), x_in=np.ones(n_sl),
                           last_in=np.full(n_sl, -1, dtype=np.int64))
        self.s = 0  # next step to simulate
        self._pending = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))  # step, member, src
        self._sizes = population_sizes(p)
        #: ticks of the CPU's cycle counter per kernel section (:data:`SECTIONS`), summed over windows
        #: while profiling is on (:meth:`profile_sections`); empty (off, no counter read) by default
        self.profile = np.zeros(0, np.int64)
        #: neuron-steps so far that took the rare exact paths: exp(−x) by libm (x ≥ EXP_NEG_POLY_MAX),
        #: the Mg block outside its table (tests use it to show those paths ran)
        self.rare_paths = np.zeros(2, np.int64)

    def profile_sections(self) -> None:
        """Count cycle-counter ticks per kernel section from now on (into :attr:`profile`)."""
        self.profile = np.zeros(len(SECTIONS), np.int64)

    def _caps(self, cap) -> np.ndarray:
        nb = self.n_members
        caps = cap if isinstance(cap, list | tuple) else [cap] * nb
        if len(caps) != nb:
            raise ConfigError(f"cap must be one value or {nb} (one per member; got {len(caps)})", key="cap")
        return np.array([self.max_spikes if c is None else max(0, int(c)) for c in caps], dtype=np.int64)

    def advance(self, inputs: list[AfferentSpikes | None], s1: int, *,
                cap: int | None | list[int | None] = None) -> list[Window]:
        """Simulate steps ``self.s .. s1 − 1`` of every member; ``inputs[b]``: member b's afferent spikes
        not yet given (times in s) or None; ``cap``: the stored neuron spikes per member (one value for
        all or a list; default ``max_spikes``). One :class:`Window` per member, as :meth:`Stepper.advance`."""
        s0, bs, nb = self.s, self.bin_steps, self.n_members
        s1 = int(s1)
        if not (s0 < s1 <= self.n_steps) or (s1 % bs and s1 != self.n_steps):
            raise ConfigError(f"window end step {s1} must be in ({s0}, {self.n_steps}] and end a rate bin "
                              f"({bs} steps)", key="s1")
        if len(inputs) != nb:
            raise ConfigError(f"inputs must hold one entry per member ({nb}; got {len(inputs)})", key="inputs")
        caps = self._caps(cap)
        parts = [self._pending]
        for b, inp in enumerate(inputs):
            if inp is not None:
                st, sr = prepare_inputs(self.net, inp, self.dt_s, self.n_steps)
                parts.append((st, np.full(st.size, b, dtype=np.int64), sr))
        if len(parts) > 1 or (parts[0][0].size and parts[0][0][0] < s0):
            steps = np.maximum(np.concatenate([q[0] for q in parts]), s0)  # late spikes: the first step
            mem, src = np.concatenate([q[1] for q in parts]), np.concatenate([q[2] for q in parts])
            order = np.lexsort((src, mem, steps))
            steps, mem, src = steps[order], mem[order], src[order]
        else:
            steps, mem, src = parts[0]
        k = int(np.searchsorted(steps, s1))
        self._pending = (steps[k:], mem[k:], src[k:])
        n_bins = -(-(s1 - s0) // bs)
        wdr0, wdr1 = self.net.neuron_ranges["wdr"]
        m, n_sl = self.max_spikes, self.net.n_neurons * nb
        width = int(caps.max())
        rec = Record(counts=np.zeros((nb, n_bins, len(POPULATIONS)), dtype=np.int64),
                     spk_step=np.zeros((nb, width), np.int64), spk_neu=np.zeros((nb, width), np.int64), caps=caps,
                     wdr0=wdr0, wdr1=wdr1, wdr_step=np.zeros((nb, m), np.int64), wdr_neu=np.zeros((nb, m), np.int64),
                     record_v=self.record_v, v_rec=np.zeros((s1 - s0 if self.record_v else 0, n_sl)),
                     n_spk=np.zeros(nb, np.int64), n_wdr=np.zeros(nb, np.int64), status=np.zeros(6, np.int64),
                     prof=self.profile)
        drive = Drive(np.ascontiguousarray(steps[:k]), np.ascontiguousarray(mem[:k]), np.ascontiguousarray(src[:k]),
                      *self._stp)
        run_kernel(self._wiring, drive, self._receptors, self._cells, self._calcium, Clock(s0, s1, self._dt_ms, bs),
                    rec, self.state, self._mech)
        status = rec.status
        if status[0] != 0:
            i, s, b = int(status[1]), int(status[2]), int(status[3])
            rng = self.net.neuron_ranges
            pop = next(q for q, (a, e) in rng.items() if a <= i < e)
            who = f" of member {b} of the batch" if nb > 1 else ""
            raise SimulationError(
                f"non-finite membrane potential or conductance in population '{pop}', neuron {i - rng[pop][0]}"
                f" (index {i}){who} at t = {s * self.dt_s:.6g} s; check weights, neuron parameters and dt_s"
            )
        self.s = s1
        self.rare_paths += status[4:6]
        widths = np.full(n_bins, bs * self.dt_s)
        widths[-1] = (s1 - s0 - (n_bins - 1) * bs) * self.dt_s
        out = []
        for b in range(nb):
            n_tot, n_wdr = int(rec.n_spk[b]), int(rec.n_wdr[b])
            rates = {pop: rec.counts[b, :, j] / (max(self._sizes[pop], 1) * widths) for j, pop in enumerate(POPULATIONS)}
            k_all, k_wdr = min(n_tot, int(caps[b])), min(n_wdr, m)
            out.append(Window(s0=s0, s1=s1, rates_hz=rates, spike_step=rec.spk_step[b, :k_all].copy(),
                              spike_neuron=rec.spk_neu[b, :k_all].copy(), wdr_step=rec.wdr_step[b, :k_wdr].copy(),
                              wdr_neuron=rec.wdr_neu[b, :k_wdr] - wdr0, n_spikes=n_tot, n_wdr=n_wdr,
                              v_mv=rec.v_rec[:, b::nb] if self.record_v else None))
        return out


class Stepper:
    """A spiking run advanced window by window, its whole state carried between windows.

    The state (membrane, adaptation, calcium, refractory counters, receptor conductances, the arrival
    ring buffer, the dc synapses' depression) lives in :attr:`state` and the kernel is deterministic,
    so any split of ``[0, n_steps)`` into windows gives bit-identical spikes and rates (windows start
    on rate-bin boundaries). Afferent spikes may be given early: those of later steps wait for their
    window. Arguments as :func:`run`. A batch of one :class:`BatchStepper`.
    """

    def __init__(self, net: Network, duration_s: float, **kwargs):
        self._batch = BatchStepper(net, duration_s, 1, **kwargs)
        b = self._batch
        self.net, self.dt_s, self.bin_s, self.record_v = b.net, b.dt_s, b.bin_s, b.record_v
        self.n_steps, self.bin_steps, self.max_spikes, self.state = b.n_steps, b.bin_steps, b.max_spikes, b.state

    @property
    def s(self) -> int:
        """The next step to simulate."""
        return self._batch.s

    def advance(self, inputs: AfferentSpikes | None, s1: int, *, cap: int | None = None) -> Window:
        """Simulate steps ``self.s .. s1 − 1`` with ``inputs`` (any afferent spikes not yet given, times in s).

        ``s1`` must end a rate bin or the run; ``cap`` bounds the stored neuron spikes (default
        ``max_spikes``). A spike of an already simulated step (never given by the window loop of
        :mod:`scs_sim.simulation`, whose windows of spikes start at the window's first step) is
        delivered at the window's first step.
        """
        return self._batch.advance([inputs], s1, cap=cap)[0]
