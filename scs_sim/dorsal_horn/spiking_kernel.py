"""The spiking kernel: ``run_kernel`` (one window of a batch of B runs of one network) and the two
set-up passes over the synapses, for :mod:`scs_sim.dorsal_horn.spiking` (which owns the bundles' contents).

Point AdEx neurons with dual-exponential conductance synapses, exponential-Euler membrane update;
equations, defaults and sources in ``docs/MODEL.md`` §3, layout and profile in ``docs/PERFORMANCE.md``.
``tests/naive_circuit.py`` is its plain NumPy twin. numba's cache does not notice a change in a
function imported from another file (numba issue #1833): after editing ``numerics.py`` or
``synapses.py`` delete the ``__pycache__/*.nbi`` files of ``scs_sim/dorsal_horn`` (or touch this file).
"""

from __future__ import annotations

import math

import numpy as np

from scs_sim._jit import cycle_counter, njit
from scs_sim.dorsal_horn.numerics import EXP_NEG_POLY_MAX, exp_adex_parts, exp_neg, exp_neg_poly
from scs_sim.dorsal_horn.synapses import JS_MG_MM, JS_SLOPE, MG_H_MV, MG_V0_MV, tm_spike

__all__ = ["SECTIONS", "receptor_spans", "ring_positions", "run_kernel"]

#: The kernel's sections, in step order, as ``BatchStepper.profile`` counts them.
SECTIONS = ("afferent spikes", "receptor states", "AdEx exponential", "NMDA Mg block", "membrane update",
            "spikes and deliveries")


@njit
def receptor_spans(receptor, target, lo, hi):
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
def ring_positions(dly, receptor, target, n_row, n_sl, nb, pos):
    """pos[k] = dly[k]·n_row + receptor[k]·n_sl + target[k]·nb, written into ``pos`` (its dtype)."""
    for k in range(dly.shape[0]):
        pos[k] = dly[k] * n_row + receptor[k] * n_sl + target[k] * nb


@njit
def run_kernel(wiring, drive, receptors, cells, calcium, clock, rec, state, mech):
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
