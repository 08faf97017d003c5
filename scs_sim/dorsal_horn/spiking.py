"""The spiking backend: :func:`run` (a built network + afferent spikes → :class:`CircuitOutput`) and
its numba kernel ``_run_kernel`` beside it, with the kernel's named argument bundles.

Point AdEx neurons with dual-exponential conductance synapses, exponential-Euler membrane update;
equations, defaults and their sources in ``docs/MODEL.md`` §3. The receptor table
(:data:`~scs_sim.dorsal_horn.params.RECEPTOR_TYPES`) decides every per-receptor row; the kernel sees
receptors only through their reversal class (:mod:`scs_sim.dorsal_horn.synapses`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scs_sim._jit import cycle_counter, njit
from scs_sim.dorsal_horn.afferents import AFFERENT_POPULATIONS, AfferentSpikes
from scs_sim.dorsal_horn.network import Network, population_sizes
from scs_sim.dorsal_horn.numerics import EXP_NEG_POLY_MAX, exp_adex_parts, exp_neg, exp_neg_poly, exp_table
from scs_sim.dorsal_horn.params import POPULATIONS, check_steps
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
from scs_sim.dorsal_horn.synapses import (
    JS_MG_MM,
    JS_SLOPE,
    MG_H_MV,
    MG_V0_MV,
    class_rows,
    dual_exp_norm,
    mg_block_table,
    receptor_classes,
    tm_spike,
)
from scs_sim.errors import ConfigError, SimulationError

__all__ = ["SECTIONS", "BatchStepper", "CircuitOutput", "Stepper", "Window", "mech_bundle", "prepare_inputs", "run", "wiring_bundle"]


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


#: The kernel's sections, in step order, as :attr:`BatchStepper.profile` counts them.
SECTIONS = ("afferent spikes", "receptor states", "AdEx exponential", "NMDA Mg block", "membrane update",
            "spikes and deliveries")


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
    _ring_positions(dly, net.receptor, net.target, n_row, n_sl, nb, pos)
    return Wiring(net.n_sources, net.n_neurons, nb, net.indptr, pos, np.ascontiguousarray(net.weight_ns, np.float64),
                  net.target, ring_len, ring_size, net.pop_id)


@njit
def _receptor_spans(receptor, target, lo, hi):
    """The neuron span [lo[r], hi[r]) the synapses of each receptor row r target (0, 0 when none), in one pass."""
    n_rec = lo.shape[0]
    first = np.full(n_rec, np.iinfo(np.int64).max)
    last = np.full(n_rec, -1)
    for k in range(receptor.shape[0]):
        r = receptor[k]
        t = target[k]
        if t < first[r]:
            first[r] = t
        if t > last[r]:
            last[r] = t
    for r in range(n_rec):
        if last[r] >= 0:
            lo[r] = first[r]
            hi[r] = last[r] + 1


@njit
def _ring_positions(dly, receptor, target, n_row, n_sl, nb, pos):
    """pos[k] = dly[k]·n_row + receptor[k]·n_sl + target[k]·nb, written into ``pos`` (its dtype)."""
    for k in range(dly.shape[0]):
        pos[k] = dly[k] * n_row + receptor[k] * n_sl + target[k] * nb


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
        _receptor_spans(net.receptor, net.target, rec_lo, rec_hi)
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
        _run_kernel(self._wiring, drive, self._receptors, self._cells, self._calcium, Clock(s0, s1, self._dt_ms, bs),
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


@njit
def _run_kernel(wiring, drive, receptors, cells, calcium, clock, rec, state, mech):
    """Simulate one window of a batch of B runs of one network step by step from ``state``; spikes,
    rates and status are written into ``rec``.

    Neuron i of member b lives in state slot q = i·B + b (B = ``wiring.n_mem``; B = 1 is a single run),
    so every per-neuron loop runs over the slots with unit stride and each member's arithmetic is, op
    for op, that of a run alone. Each step: the afferent spikes of the step (dc through the depressing
    synapse), the exact decay of every receptor's dual-exponential states plus this step's arrivals;
    the AdEx exponential of every neuron, the NMDA Mg²⁺ block, the exponential-Euler membrane
    (conductances summed per reversal class), adaptation and calcium update (arithmetic only, so it
    vectorises), then refractoriness, the finiteness check and spikes (docs/MODEL.md §3). Units: mV,
    ms, nS, pF, pA.

    Parameters
    ----------
    wiring : Wiring
        Connectivity (CSR by source in the global index space, sources then neurons): ``n_src``,
        ``n_neu``, ``n_mem`` (B); ``indptr`` (int64); per synapse ``syn_pos`` (its place in the flat
        ring ``buf`` after the current step's row: delay × row + receptor × n_sl + target × B),
        ``syn_w`` (peak conductance, nS), ``syn_tgt`` (neuron; read by presynaptic inhibition only);
        ``ring_len`` (steps), ``ring_size`` (elements of ``buf``); ``pop_id`` (population of every
        global index) (:func:`wiring_bundle`).
    drive : Drive
        Afferent spikes ``in_step`` (step, ascending), ``in_mem`` (member), ``in_src`` (global source
        index); ``stp_on`` (bool per source: Tsodyks–Markram depression), ``stp_u`` (U),
        ``stp_tau_rec_ms`` (ms).
    receptors : ReceptorArrays
        Per receptor row: ``rise_dec``, ``decay_dec`` (one-step decay factors), ``q_rec`` (peak
        normalisation × scale), the targeted slot span ``rec_lo``..``rec_hi``; the rows of each
        reversal class (int tuples ``exc_rows``, ``nmda_rows``, ``cl_rows``, ``k_rows``); ``e_exc``,
        ``e_cl``, ``e_k`` (reversals, mV), ``mg_mm`` (mM) and ``mg_tab`` (Mg block on the MG_V0_MV +
        j·MG_H_MV grid).
    cells : Cells
        AdEx parameters per slot: ``dt_over_c`` (ms/pF), ``g_l`` (nS), ``e_l``, ``v_t``, ``delta_t``,
        ``v_peak``, ``v_reset`` (mV), ``tref_steps`` (steps), ``a_ns`` (nS), ``b_pa`` (pA), ``w_dec``
        (exp(−dt/τ_w)), ``g_can`` (nS); ``exp_tab`` (the table of ``numerics.exp_adex_parts``).
    calcium : Calcium
        WDR calcium and CAN: ``ca_dec`` (exp(−dt/τ_Ca)), ``per_spike``, ``per_nmda`` (1/pC), ``k_half``,
        ``e_mv`` (mV).
    clock : Clock
        Global steps ``s0`` .. ``s1`` − 1 to simulate (``s0`` a multiple of ``bin_steps``), ``dt_ms`` (ms),
        ``bin_steps`` (steps per rate bin).
    rec : Record
        Outputs of the window, written: ``counts`` (int64 (B, n_bins, n_populations)); per member b the
        first ``caps[b]`` neuron spikes in ``spk_step[b]``/``spk_neu[b]`` and WDR spikes (neurons
        ``wdr0``..``wdr1`` − 1) in ``wdr_step[b]``/``wdr_neu[b]`` (global steps); ``v_rec[s − s0, q]`` if
        ``record_v``; ``n_spk``, ``n_wdr`` (spikes of the window per member, uncapped); ``status``
        (int64 (6,)): [0] 1 if a value became non-finite, then [1] its neuron, [2] its step, [3] its member;
        [4] the neuron-steps that took exp_neg's libm branch, [5] those with V outside the Mg-block table.
    state : State
        Carried between windows, updated in place (initially V = E_L, x_stp = 1, last_stp = −1, the
        rest 0), per slot: ``v`` (mV), ``w`` (pA), ``ca``, ``refc`` (steps); receptor states ``g_r``,
        ``g_d``, ``g_now`` (nS, [receptor, slot]); the arrival ring ``buf`` (nS, [step % ring_len,
        receptor, slot]); ``x_stp`` (resources) and ``last_stp`` (global step of the previous spike)
        per source and member (j·B + b); ``x_in``, ``last_in`` the same per slot (depressing output synapses).
    mech : Mech
        Circuit mechanisms (docs/MODEL.md §3.7): presynaptic inhibition ``pre_max`` (fraction), ``pre_k_ns``
        (nS) of the sources ``pre_src``: their release onto neuron i scaled by 1 − pre_max·g_K,i/(g_K,i +
        pre_k_ns) (g_K: the GABA_B conductance of the previous step); depressing output synapses of the
        neurons ``in_stp_on`` (``in_stp_u``, ``in_stp_tau_ms`` in ms); ``i_bias`` (pA per slot). All off
        leaves every operation of the model without them unchanged (bit for bit).
    """
    n_src, n_neu, nb, indptr, syn_pos, syn_w, syn_tgt, ring_len, ring_size, pop_id = wiring
    in_step, in_mem, in_src, stp_on, stp_u, stp_tau_rec_ms = drive
    (rise_dec, decay_dec, q_rec, rec_lo, rec_hi, exc_rows, nmda_rows, cl_rows, k_rows, e_exc, e_cl, e_k, mg_mm,
     mg_tab) = receptors
    dt_over_c, g_l, e_l, v_t, delta_t, v_peak, v_reset, tref_steps, a_ns, b_pa, w_dec, g_can, exp_tab = cells
    ca_dec, ca_per_spike, ca_per_nmda, can_k, can_e = calcium
    s0, s1, dt_ms, bin_steps = clock
    counts, spk_step, spk_neu, caps, wdr0, wdr1, wdr_step, wdr_neu, record_v, v_rec, n_spk, n_wdr, status, prof = rec
    profile = prof.shape[0] > 0
    # dual-exponential states [receptor, slot] (rise, decay, difference) and the arrival ring buffer
    v, w, ca, refc, g_r, g_d, g_now, buf, x_stp, last_stp, x_in, last_in = state
    buf_flat = buf.reshape(ring_size)  # the ring as one array: [step % ring_len, receptor, slot]
    n_row = ring_size // ring_len  # one step's row: n_rec × n_sl
    pre_max, pre_k_ns, pre_src, in_stp_on, in_stp_u, in_stp_tau_ms, i_bias = mech
    n_rec = rise_dec.shape[0]
    n_sl = n_neu * nb
    cap_wdr = wdr_step.shape[1]
    mg_fac = mg_mm / JS_MG_MM
    e_exp = np.empty(n_sl)  # exp((V − V_T)/Δ_T) of this step, and its table index
    e_idx = np.zeros(n_sl, dtype=np.int64)
    v_nxt = np.empty(n_sl)  # this step's V (the state's v and this array swap roles every step)
    gtot_a = np.empty(n_sl)
    gl_el = np.empty(n_sl)  # g_L·E_L and g_L·Δ_T, the same products the update would form
    gl_dt = np.empty(n_sl)
    for q in range(n_sl):
        gl_el[q] = g_l[q] * e_l[q]
        gl_dt[q] = g_l[q] * delta_t[q]
    v_state = v
    n_tab = mg_tab.shape[0]
    inv_h = 1.0 / MG_H_MV
    n_in = in_step.shape[0]
    ip = 0
    t0 = cycle_counter() if profile else 0
    for s in range(s0, s1):
        rs = s % ring_len  # this step's row of the arrival ring
        base = rs * n_row  # its offset in buf_flat
        bi = (s - s0) // bin_steps
        # afferent spikes emitted in this step (dc collaterals pass the depressing synapse)
        while ip < n_in and in_step[ip] == s:
            j = in_src[ip]
            mb = in_mem[ip]
            counts[mb, bi, pop_id[j]] += 1
            m = 1.0
            if stp_on[j]:
                js = j * nb + mb
                m, x_stp[js] = tm_spike(x_stp[js], (s - last_stp[js]) * dt_ms, stp_tau_rec_ms, stp_u,
                                        last_stp[js] >= 0)
                last_stp[js] = s
            if pre_max > 0.0 and pre_src[j]:  # presynaptic GABA_B inhibition of this afferent's release
                for k in range(indptr[j], indptr[j + 1]):
                    t = base + syn_pos[k]
                    if t >= ring_size:
                        t -= ring_size
                    q = syn_tgt[k] * nb + mb
                    gb = 0.0
                    for r in k_rows:
                        gb += g_now[r, q]
                    buf_flat[t + mb] += syn_w[k] * m * (1.0 - pre_max * gb / (gb + pre_k_ns))
            else:
                for k in range(indptr[j], indptr[j + 1]):
                    t = base + syn_pos[k]  # delay < ring_len: no modulo needed
                    if t >= ring_size:
                        t -= ring_size
                    buf_flat[t + mb] += syn_w[k] * m
            ip += 1
        if profile:
            t1 = cycle_counter()
            prof[0] += t1 - t0
            t0 = t1
        # exact decay from the previous step, plus the arrivals of this step (peak-normalised); the
        # arrival row is cleared for its next turn in the ring
        for r in range(n_rec):
            qr = q_rec[r]
            dr = rise_dec[r]
            dd = decay_dec[r]
            row = buf[rs, r]
            gr_r = g_r[r]
            gd_r = g_d[r]
            gn_r = g_now[r]
            for q in range(np.uint64(rec_lo[r]), np.uint64(rec_hi[r])):  # unsigned: no wrap-around test
                x = row[q] * qr
                gr = gr_r[q] * dr + x
                gd = gd_r[q] * dd + x
                gr_r[q] = gr
                gd_r[q] = gd
                gn_r[q] = gd - gr
                row[q] = 0.0
        if profile:
            t1 = cycle_counter()
            prof[1] += t1 - t0
            t0 = t1
        # the AdEx exponential e^a of every neuron first, a = (V − V_T)/Δ_T of the previous step, as
        # E[n]·P(r), in two loops: the branch-free polynomial vectorises, then the lookup
        for q in range(n_sl):
            e_idx[q], e_exp[q] = exp_adex_parts((v[q] - v_t[q]) / delta_t[q])
        for q in range(n_sl):
            e_exp[q] = exp_tab[e_idx[q]] * e_exp[q]
        if profile:
            t1 = cycle_counter()
            prof[2] += t1 - t0
            t0 = t1
        # NMDA Mg²⁺ block, in place (the Mg-blocked rows of g_now are rebuilt every step): the table's
        # interpolation in a branch-free loop (it vectorises), then, only if some V lies outside the
        # table, the exact formula (libm) for those neurons, from the unblocked g_decay − g_rise
        for r in nmda_rows:
            gn_r = g_now[r]
            n_out = 0
            for q in range(np.uint64(rec_lo[r]), np.uint64(rec_hi[r])):
                x = (v[q] - MG_V0_MV) * inv_h
                inside = (x >= 0.0) & (x < n_tab - 1)
                n_out += not inside
                xc = x if inside else 0.0
                j = int(xc)
                gn_r[q] = gn_r[q] * (mg_tab[j] + (xc - j) * (mg_tab[j + 1] - mg_tab[j]))
            if n_out:
                status[5] += n_out
                for q in range(np.uint64(rec_lo[r]), np.uint64(rec_hi[r])):
                    vq = v[q]
                    x = (vq - MG_V0_MV) * inv_h
                    if not (x >= 0.0 and x < n_tab - 1):
                        gn_r[q] = (g_d[r, q] - g_r[r, q]) * (1.0 / (1.0 + mg_fac * math.exp(-JS_SLOPE * vq)))
        if profile:
            t1 = cycle_counter()
            prof[3] += t1 - t0
            t0 = t1
        # neurons, arithmetic only: no calls, no early exits, so it vectorises (exp(−x) by its
        # polynomial; the rare x ≥ EXP_NEG_POLY_MAX keeps V∞ in v_nxt and is redone below). The
        # refractory clamp, the finiteness check and the spike count are selects and integer sums.
        n_slow = 0
        n_bad = 0
        n_fire = 0
        for q in range(n_sl):
            vq = v[q]
            # conductance per reversal class, summed in table order (rows a neuron lacks add exact zeros)
            g_exc = 0.0  # AMPA, NK1 (reversal e_exc)
            for r in exc_rows:
                g_exc += g_now[r, q]
            g_nmda = 0.0  # NMDA, blocked (reversal e_exc)
            for r in nmda_rows:
                g_nmda += g_now[r, q]
            g_inh = 0.0  # GABA_A, glycine (reversal e_cl)
            for r in cl_rows:
                g_inh += g_now[r, q]
            g_k = 0.0  # GABA_B (reversal e_k; exact zero without slow_inhibition)
            for r in k_rows:
                g_k += g_now[r, q]
            cq = ca[q]
            gc = 0.0
            if g_can[q] > 0.0:
                gc = g_can[q] * cq / (cq + can_k)
            gtot = g_l[q] + g_exc + g_nmda + g_inh + gc + g_k
            ie = gl_el[q] + (g_exc + g_nmda) * e_exc + g_inh * e_cl + gc * can_e + g_k * e_k + i_bias[q]
            wq = w[q]
            i_exp = gl_dt[q] * e_exp[q]
            vinf = (ie + i_exp - wq) / gtot
            x = gtot * dt_over_c[q]
            vn = vinf + (vq - vinf) * exp_neg_poly(x)
            gtot_a[q] = gtot
            winf = a_ns[q] * (vq - e_l[q])
            wn = winf + (wq - winf) * w_dec[q]
            w[q] = wn
            i_nmda = g_nmda * (vq - e_exc)
            if i_nmda < 0.0:
                ca[q] = cq * ca_dec - ca_per_nmda * i_nmda * dt_ms * 1e-3
            else:
                ca[q] = cq * ca_dec
            refr = refc[q] > 0
            slow = 0 if (refr or x < EXP_NEG_POLY_MAX) else 1  # exp_neg's libm branch
            n_slow += slow
            vn = v_reset[q] if refr else (vinf if slow else vn)
            v_nxt[q] = vn
            chk = vn + wn + gtot
            n_bad += 0 if chk - chk == 0.0 else 1  # NaN or ±inf in V, w or the conductances
            n_fire += 1 if vn >= v_peak[q] else 0
        if profile:
            t1 = cycle_counter()
            prof[4] += t1 - t0
            t0 = t1
        # the rare exact exp(−x) (libm) and the counts again; refractory counters; the failure
        # report; the spikes
        if n_slow:
            status[4] += n_slow
            n_bad = 0
            n_fire = 0
            for q in range(n_sl):
                x = gtot_a[q] * dt_over_c[q]
                if refc[q] == 0 and not (x < EXP_NEG_POLY_MAX):
                    vinf = v_nxt[q]
                    v_nxt[q] = vinf + (v[q] - vinf) * exp_neg(x)
                chk = v_nxt[q] + w[q] + gtot_a[q]
                n_bad += 0 if chk - chk == 0.0 else 1
                n_fire += 1 if v_nxt[q] >= v_peak[q] else 0
        for q in range(n_sl):
            rc = refc[q]
            refc[q] = rc - 1 if rc > 0 else rc
        if n_bad:
            for q in range(n_sl):
                chk = v_nxt[q] + w[q] + gtot_a[q]
                if not (chk - chk == 0.0):
                    status[0] = 1
                    status[1] = q // nb
                    status[2] = s
                    status[3] = q - (q // nb) * nb
                    return
        if n_fire:
            for q in range(n_sl):
                if v_nxt[q] >= v_peak[q]:
                    v_nxt[q] = v_reset[q]
                    w[q] += b_pa[q]
                    refc[q] = tref_steps[q]
                    ca[q] += ca_per_spike
                    i = q // nb  # the neuron and its member
                    mb = q - i * nb
                    gi = n_src + i
                    counts[mb, bi, pop_id[gi]] += 1
                    ns = n_spk[mb]
                    if ns < caps[mb]:
                        spk_step[mb, ns] = s
                        spk_neu[mb, ns] = i
                    n_spk[mb] = ns + 1
                    if wdr0 <= i < wdr1:
                        nw = n_wdr[mb]
                        if nw < cap_wdr:
                            wdr_step[mb, nw] = s
                            wdr_neu[mb, nw] = i
                        n_wdr[mb] = nw + 1
                    m = 1.0
                    if in_stp_on[i]:  # depressing output synapses (interneuron_limits)
                        m, x_in[q] = tm_spike(x_in[q], (s - last_in[q]) * dt_ms, in_stp_tau_ms, in_stp_u,
                                              last_in[q] >= 0)
                        last_in[q] = s
                        for k in range(indptr[gi], indptr[gi + 1]):
                            t = base + syn_pos[k]
                            if t >= ring_size:
                                t -= ring_size
                            buf_flat[t + mb] += syn_w[k] * m
                    else:
                        for k in range(indptr[gi], indptr[gi + 1]):
                            t = base + syn_pos[k]
                            if t >= ring_size:
                                t -= ring_size
                            buf_flat[t + mb] += syn_w[k]
        v, v_nxt = v_nxt, v  # this step's V becomes the current one
        if record_v:
            for q in range(n_sl):
                v_rec[s - s0, q] = v[q]
        if profile:
            t1 = cycle_counter()
            prof[5] += t1 - t0
            t0 = t1
    if (s1 - s0) % 2:  # an odd number of swaps: the last V is in the scratch array
        for q in range(n_sl):
            v_state[q] = v[q]
