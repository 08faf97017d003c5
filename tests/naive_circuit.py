"""Slow, plain reference of the dorsal-horn network step (the twin of scs_sim.dorsal_horn.spiking_kernel.run_kernel).

Same algorithm, written without numba or cleverness: a dense table of future synaptic arrivals
instead of a ring buffer, per-(neuron, receptor) state matrices instead of compact slots, Python
loops over neurons. The receptor rows come from the same receptor table (``Receptors.table()``):
each row's conductance is summed into its reversal class (unblocked at E_exc, Mg-blocked at E_exc,
at E_Cl) in table order, and each row's scale is the ``run`` keyword the table names.
Floating-point operations are done in the same order as the kernel so the two agree spike for
spike (sums over receptors that a neuron lacks only add exact zeros).
"""

from __future__ import annotations

import math

import numpy as np

from scs_sim.dorsal_horn.network import Network
from scs_sim.dorsal_horn.params import RECEPTOR_TYPES
from scs_sim.dorsal_horn.spiking import prepare_inputs
from scs_sim.dorsal_horn.synapses import dual_exp_norm


def exp_neg(x: float) -> float:
    """exp(−x): the same degree-6 Taylor polynomial below 0.1 as the kernel (Estrin order), else math.exp."""
    if x < 0.1:
        x2 = x * x
        return ((1.0 - x) + x2 * (0.5 - x * (1.0 / 6.0))) + (x2 * x2) * ((1.0 / 24.0 - x * (1.0 / 120.0))
                                                                      + x2 * (1.0 / 720.0))
    return math.exp(-x)


# e^a as the kernel computes it: exp(n/8) tabulated by math.exp on [-700, 20], times the degree-8
# Taylor polynomial of the remainder |r| <= 1/16 (same operations, same order)
EXP_TABLE = [math.exp((n - 5600) / 8) for n in range(5761)]


def exp_adex(a: float) -> float:
    """The kernel's AdEx exponential e^a, a <= 20 (a below -700 or NaN taken as -700)."""
    if not (a >= -700.0):
        a = -700.0
    n = int(a * 8.0 + 5600.5)
    r = a - (n - 5600) * 0.125
    r2 = r * r
    r4 = r2 * r2
    p = (((1.0 + r) + r2 * (0.5 + r * (1.0 / 6.0))) + r4 * ((1.0 / 24.0 + r * (1.0 / 120.0))
                                                           + r2 * (1.0 / 720.0 + r * (1.0 / 5040.0)))
         + (r4 * r4) * (1.0 / 40320.0))
    return EXP_TABLE[n] * p


def naive_run(net: Network, inputs, duration_s: float, *, dt_s: float = 1e-4, nmda_scale: float = 1.0,
              gaba_scale: float = 1.0, glycine_scale: float = 1.0, e_cl_mv: float | None = None,
              gaba_b_scale: float = 1.0, bias_pa=None):
    """Return (spike_times_s, spike_neuron, v_mv[n_steps, n_neurons]) of every neuron spike.

    The circuit mechanisms (docs/MODEL.md §3.7) as the kernel has them: GABA_B rows at E_K, presynaptic
    inhibition of Aβ/Aδ/C release by the target's GABA_B conductance of the previous step, depressing
    output synapses of the inhibitory INs, a constant current ``bias_pa`` per neuron.
    """
    p = net.params
    dt_ms = dt_s * 1e3
    n_steps = int(round(duration_s / dt_s))
    n_neu, n_src = net.n_neurons, net.n_sources
    e_cl = p.receptors.e_cl_mv if e_cl_mv is None else e_cl_mv
    e_exc = p.receptors.e_exc_mv
    receptors = p.receptors.table()
    n_rec = len(receptors)
    rise = np.array([math.exp(-dt_ms / k.tau_rise_ms) for k in receptors])
    decay = np.array([math.exp(-dt_ms / k.tau_decay_ms) for k in receptors])
    given = {"nmda_scale": nmda_scale, "gaba_scale": gaba_scale, "glycine_scale": glycine_scale,
             "gaba_b_scale": gaba_b_scale}
    scale = np.array([1.0 if k.scale is None else given[k.scale] for k in receptors])
    q = np.array([dual_exp_norm(k.tau_rise_ms, k.tau_decay_ms) for k in receptors]) * scale
    # reversal classes, in table order: unblocked at E_exc, Mg-blocked (NMDA, at E_exc), at E_Cl
    exc_rows = [r for r, t in enumerate(RECEPTOR_TYPES) if t.reversal == "e_exc_mv" and not t.mg_block]
    nmda_rows = [r for r, t in enumerate(RECEPTOR_TYPES) if t.mg_block]
    cl_rows = [r for r, t in enumerate(RECEPTOR_TYPES) if t.reversal == "e_cl_mv"]
    k_rows = [r for r, t in enumerate(RECEPTOR_TYPES) if t.reversal == "e_k_mv"]
    e_k = p.receptors.e_k_mv
    bias = np.zeros(n_neu) if bias_pa is None else np.asarray(bias_pa, dtype=float)
    afferent = np.zeros(n_src, dtype=bool)  # the sources presynaptic inhibition acts on
    for pop in ("abeta", "adelta", "c"):
        afferent[net.ranges[pop][0]:net.ranges[pop][1]] = True
    inhibitory = np.zeros(n_neu, dtype=bool)  # neurons with depressing output synapses
    if p.inhibitory_stp is not None:
        for pop in ("local_in", "surround_in"):
            inhibitory[net.neuron_ranges[pop][0]:net.neuron_ranges[pop][1]] = True
    delay = np.maximum(1, np.round(net.delay_ms / dt_ms)).astype(int)
    pending = np.zeros((n_steps + int(delay.max(initial=1)) + 1, n_neu, n_rec))
    nr = net.neuron
    dt_over_c = dt_ms / nr["c_pf"]
    tref = np.round(nr["t_ref_ms"] / dt_ms).astype(int)
    can = p.wdr_can
    ca_decay = math.exp(-dt_ms / can.tau_ca_ms)
    mg_fac = p.receptors.mg_mm / 3.57

    # Jahr–Stevens block, tabulated every 0.05 mV on [-120, 40] mV, linear interpolation inside
    table = [1.0 / (1.0 + mg_fac * math.exp(-0.062 * (-120.0 + j * 0.05))) for j in range(3201)]

    def block(vm: float) -> float:
        x = (vm - -120.0) * (1.0 / 0.05)
        if 0.0 <= x < 3200:
            j = int(x)
            return table[j] + (x - j) * (table[j + 1] - table[j])
        return 1.0 / (1.0 + mg_fac * math.exp(-0.062 * vm))

    in_step, in_src = prepare_inputs(net, inputs, dt_s, n_steps)
    x_stp = np.ones(n_src)
    last = np.full(n_src, -1)

    x_in = np.ones(n_neu)
    last_in = np.full(n_neu, -1)

    def send(source: int, step: int, factor: float, g_prev=None) -> None:
        pre = p.presynaptic
        for k in range(net.indptr[source], net.indptr[source + 1]):
            wk = net.weight_ns[k] * factor
            if g_prev is not None and pre is not None and pre.max_fraction > 0 and afferent[source]:
                gb = 0.0
                for r in k_rows:
                    gb += g_prev[net.target[k], r]
                wk = wk * (1.0 - pre.max_fraction * gb / (gb + pre.k_half_ns))
            pending[step + delay[k], net.target[k], net.receptor[k]] += wk

    v = nr["e_l_mv"].copy()
    w = np.zeros(n_neu)
    ca = np.zeros(n_neu)
    refc = np.zeros(n_neu, dtype=int)
    g_rise = np.zeros((n_neu, n_rec))
    g_decay = np.zeros((n_neu, n_rec))
    g_now = np.zeros((n_neu, n_rec))
    times, neurons = [], []
    v_trace = np.zeros((n_steps, n_neu))
    ip = 0
    for s in range(n_steps):
        while ip < in_step.size and in_step[ip] == s:
            j = int(in_src[ip])
            factor = 1.0
            if net.stp_source[j]:
                if last[j] >= 0:
                    x_stp[j] = 1.0 - (1.0 - x_stp[j]) * math.exp(-(s - last[j]) * dt_ms / p.dc_stp.tau_rec_ms)
                factor = x_stp[j]
                x_stp[j] = x_stp[j] - p.dc_stp.u * x_stp[j]
                last[j] = s
            send(j, s, factor, g_now)
            ip += 1
        arrived = pending[s] * q
        g_rise = g_rise * rise + arrived
        g_decay = g_decay * decay + arrived
        g_now = g_decay - g_rise
        for i in range(n_neu):
            vi = v[i]
            g_exc = 0.0                                         # AMPA + NK1 (reversal E_exc)
            for r in exc_rows:
                g_exc += g_now[i, r]
            g_nmda = 0.0
            for r in nmda_rows:
                g_nmda += g_now[i, r]
            if g_nmda != 0.0:
                g_nmda = g_nmda * block(vi)  # Jahr–Stevens Mg block, tabulated as in the kernel
            g_inh = 0.0                                         # GABA_A + glycine (reversal E_Cl)
            for r in cl_rows:
                g_inh += g_now[i, r]
            g_k = 0.0                                           # GABA_B (reversal E_K)
            for r in k_rows:
                g_k += g_now[i, r]
            gc = 0.0
            if net.g_can_ns[i] > 0.0:
                gc = net.g_can_ns[i] * ca[i] / (ca[i] + can.k_half)
            g_total = nr["g_l_ns"][i] + g_exc + g_nmda + g_inh + gc + g_k
            i_eq = (nr["g_l_ns"][i] * nr["e_l_mv"][i] + (g_exc + g_nmda) * e_exc + g_inh * e_cl
                    + gc * can.e_mv)
            i_eq = i_eq + g_k * e_k + bias[i]
            if refc[i] > 0:
                refc[i] -= 1
                v_new = nr["v_reset_mv"][i]
            else:
                arg = min((vi - nr["v_t_mv"][i]) / nr["delta_t_mv"][i], 20.0)
                i_exp = nr["g_l_ns"][i] * nr["delta_t_mv"][i] * exp_adex(arg)
                v_inf = (i_eq + i_exp - w[i]) / g_total
                v_new = v_inf + (vi - v_inf) * exp_neg(g_total * dt_over_c[i])
            w_inf = nr["a_ns"][i] * (vi - nr["e_l_mv"][i])
            w[i] = w_inf + (w[i] - w_inf) * math.exp(-dt_ms / nr["tau_w_ms"][i])
            i_nmda = g_nmda * (vi - e_exc)
            if i_nmda < 0.0:
                ca[i] = ca[i] * ca_decay - can.per_nmda_charge * i_nmda * dt_ms * 1e-3
            else:
                ca[i] = ca[i] * ca_decay
            if v_new >= nr["v_peak_mv"][i]:
                v_new = nr["v_reset_mv"][i]
                w[i] += nr["b_pa"][i]
                refc[i] = tref[i]
                ca[i] += can.per_spike
                times.append(s * dt_s)
                neurons.append(i)
                out = 1.0
                if inhibitory[i]:
                    st = p.inhibitory_stp
                    if last_in[i] >= 0:
                        x_in[i] = 1.0 - (1.0 - x_in[i]) * math.exp(-(s - last_in[i]) * dt_ms / st.tau_rec_ms)
                    out = x_in[i]
                    x_in[i] = x_in[i] - st.u * x_in[i]
                    last_in[i] = s
                send(n_src + i, s, out)
            v[i] = v_new
            v_trace[s, i] = v_new
    return np.array(times), np.array(neurons, dtype=np.int64), v_trace
