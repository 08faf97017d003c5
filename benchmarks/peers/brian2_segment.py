"""The ``segment`` circuit in Brian2, built from scs_sim's own network and inputs: equal work, side by side.

Runs in the optional peer environment (``benchmarks/requirements-peers.txt``: Brian2 needs
``numpy<2.4`` and Cython), which also has scs_sim installed (``pip install -e .``), so each mode
times scs_sim's ``circuit.run`` on the same network and inputs *in the same process*, right before
Brian2, and reports ratios. Modes run in child processes (a Brian2 device is chosen once per
process): ``runtime`` (Cython code generation; compiled once by a short warm-up run, then the timed
run from the stored initial state) and ``cpp_standalone`` (build = code generation + C++ compile,
reported apart from the run; the run time is Brian2's own measure of ``network.run`` inside the
binary). ``python benchmarks/peers/brian2_segment.py --duration 10 --out peer.json``.

What is mirrored from ``scs_sim.circuit`` (see docs/PERFORMANCE.md for the list of simplifications):

* connectivity: the ``Network`` CSR arrays (source, target, receptor, weight, 1 ms delay), one
  ``Synapses`` object per (source group, receptor); weights pre-multiplied by the dual-exponential
  peak normalisation and the pain state's receptor scales;
* inputs: the same afferent and dorsal-column spike times (``SpikeGeneratorGroup``, on the
  kernel's step grid, floor(t/dt));
* neurons: AdEx (exponential term clamped at e^20) with conductance synapses, dual-exponential
  rise/decay states per receptor (AMPA, NMDA, NK1-EX, NK1-WDR, GABA_A, glycine, GABA_B at E_K), Jahr–Stevens Mg²⁺
  block of NMDA, the WDR calcium variable fed by inward NMDA current and the CAN current, absolute
  refractoriness with V clamped at reset, spike-triggered adaptation; Tsodyks–Markram depression on
  the dc sources (per synapse: every synapse of a source sees the same spikes, so it equals the
  kernel's per-source state);
* integration: ``exponential_euler`` with the exponential current, the Mg block and the NMDA
  calcium drive marked ``(constant over dt)``, which makes it the kernel's update (V relaxes
  exactly towards its frozen-conductance steady state; linear states decay exactly).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

RECEPTOR_VARS = ("ampa", "nmda", "nk1e", "nk1w", "gaba", "gly", "gabab")

EQS = """
dv/dt = (g_l*(e_l - v) + i_exp - w + g_exc*(e_exc - v) + g_nmda*(e_exc - v) + g_inh*(e_cl - v)
         + g_c*(e_can - v) + g_k*(e_k - v)) / c_m : volt (unless refractory)
dw/dt = (a*(v - e_l) - w) / tau_w : amp
dca/dt = -ca/tau_ca + ca_per_nmda * i_nmda_in / pcoulomb : 1
i_exp = g_l*delta_t*exp(clip((v - v_t)/delta_t, -500, exp_arg_max)) : amp (constant over dt)
mg_b = 1/(1 + mg_fac*exp(-js_slope*v/mV)) : 1 (constant over dt)
i_nmda_in = clip((gd_nmda - gr_nmda)*mg_b*(e_exc - v), 0*amp, 1e9*amp) : amp (constant over dt)
g_exc = (gd_ampa - gr_ampa) + (gd_nk1e - gr_nk1e) + (gd_nk1w - gr_nk1w) : siemens
g_nmda = (gd_nmda - gr_nmda)*mg_b : siemens
g_inh = (gd_gaba - gr_gaba) + (gd_gly - gr_gly) : siemens
g_k = gd_gabab - gr_gabab : siemens
g_c = g_can*ca/(ca + can_k) : siemens
c_m : farad (constant)
g_l : siemens (constant)
e_l : volt (constant)
v_t : volt (constant)
delta_t : volt (constant)
v_peak : volt (constant)
v_reset : volt (constant)
t_ref : second (constant)
a : siemens (constant)
b : amp (constant)
tau_w : second (constant)
g_can : siemens (constant)
"""


def _receptor_eqs(tau_rise_s: list[float], tau_decay_s: list[float]) -> str:
    lines = []
    for r, tr, td in zip(RECEPTOR_VARS, tau_rise_s, tau_decay_s, strict=True):
        lines.append(f"dgr_{r}/dt = -gr_{r}/({tr!r}*second) : siemens")
        lines.append(f"dgd_{r}/dt = -gd_{r}/({td!r}*second) : siemens")
    return "\n".join(lines)


def _step_grid_inputs(wl, dt_s: float):
    """Afferent spikes as (global source index, step) on the kernel's grid; duplicates in one step merged."""
    from scs_sim.dorsal_horn.afferents import AFFERENT_POPULATIONS

    idx, steps = [], []
    n_steps = int(round(wl.duration_s / dt_s))
    for pop in AFFERENT_POPULATIONS:
        tr = wl.inputs[pop]
        s = np.floor(np.asarray(tr.times_s) / dt_s).astype(np.int64)
        keep = s < n_steps
        idx.append(np.asarray(tr.index, dtype=np.int64)[keep] + wl.net.ranges[pop][0])
        steps.append(s[keep])
    idx = np.concatenate(idx)
    steps = np.concatenate(steps)
    key = steps * (wl.net.n_sources + 1) + idx
    _, first = np.unique(key, return_index=True)
    return idx[first], steps[first], int(key.size - first.size)


def _dedup_workload(wl, idx, steps, dt_s):
    """The workload with exactly the inputs Brian2 gets (only matters if duplicates were merged)."""
    from scs_sim.dorsal_horn.afferents import AFFERENT_POPULATIONS, AfferentSpikes, make_train

    trains = {}
    for pop in AFFERENT_POPULATIONS:
        a, b = wl.net.ranges[pop]
        m = (idx >= a) & (idx < b)
        order = np.argsort(steps[m], kind="stable")
        trains[pop] = make_train((steps[m][order] + 0.5) * dt_s, idx[m][order] - a)
    wl.inputs = AfferentSpikes(**trains)
    return wl


def build_brian2(wl, dt_s: float):
    """Brian2 objects mirroring ``wl.net`` and its inputs; returns (Network, neurons, spike monitor)."""
    import brian2 as b2

    from scs_sim.dorsal_horn import circuit as C

    net, p = wl.net, wl.net.params
    b2.defaultclock.dt = dt_s * b2.second
    kin = [getattr(p.receptors, r) for r in C.RECEPTORS]
    eqs = EQS + _receptor_eqs([k.tau_rise_ms * 1e-3 for k in kin], [k.tau_decay_ms * 1e-3 for k in kin])
    can = p.wdr_can
    e_cl = wl.run_kwargs.get("e_cl_mv")
    namespace = {
        "e_exc": p.receptors.e_exc_mv * b2.mV, "e_cl": (p.receptors.e_cl_mv if e_cl is None else e_cl) * b2.mV,
        "e_can": can.e_mv * b2.mV, "e_k": p.receptors.e_k_mv * b2.mV, "mg_fac": p.receptors.mg_mm / C.JS_MG_MM, "js_slope": C.JS_SLOPE,
        "exp_arg_max": C.EXP_ARG_MAX, "tau_ca": can.tau_ca_ms * b2.ms, "ca_per_nmda": can.per_nmda_charge,
        "can_k": can.k_half,
    }
    G = b2.NeuronGroup(net.n_neurons, eqs, threshold="v >= v_peak",
                       reset=f"v = v_reset; w += b; ca += {can.per_spike!r}", refractory="t_ref",
                       method="exponential_euler", namespace=namespace, name="neurons")
    nr = net.neuron
    G.c_m = nr["c_pf"] * b2.pF
    G.g_l = nr["g_l_ns"] * b2.nS
    G.e_l = nr["e_l_mv"] * b2.mV
    G.v_t = nr["v_t_mv"] * b2.mV
    G.delta_t = nr["delta_t_mv"] * b2.mV
    G.v_peak = nr["v_peak_mv"] * b2.mV
    G.v_reset = nr["v_reset_mv"] * b2.mV
    G.t_ref = nr["t_ref_ms"] * b2.ms
    G.a = nr["a_ns"] * b2.nS
    G.b = nr["b_pa"] * b2.pA
    G.tau_w = nr["tau_w_ms"] * b2.ms
    G.g_can = net.g_can_ns * b2.nS
    G.v = nr["e_l_mv"] * b2.mV

    idx, steps, _ = _step_grid_inputs(wl, dt_s)
    A = b2.SpikeGeneratorGroup(net.n_sources, idx, steps * dt_s * b2.second, name="afferents")

    scale = np.ones(len(C.RECEPTORS))
    scale[C.RECEPTORS.index("nmda")] = wl.run_kwargs.get("nmda_scale", 1.0)
    scale[C.RECEPTORS.index("gaba_a")] = wl.run_kwargs.get("gaba_scale", 1.0)
    scale[C.RECEPTORS.index("glycine")] = wl.run_kwargs.get("glycine_scale", 1.0)
    scale[C.RECEPTORS.index("gaba_b")] = wl.run_kwargs.get("gaba_b_scale", 1.0)
    q = np.array([C.dual_exp_norm(k.tau_rise_ms, k.tau_decay_ms) for k in kin]) * scale
    pre = np.repeat(np.arange(net.indptr.size - 1), np.diff(net.indptr))
    objs = [G, A]
    for r, rv in enumerate(RECEPTOR_VARS):
        sel_r = net.receptor == r
        for kind in ("afferent", "stp", "neuron"):
            if kind == "neuron":
                m = sel_r & (pre >= net.n_sources)
            else:
                is_stp = net.stp_source[np.minimum(pre, net.n_sources - 1)] & (pre < net.n_sources)
                m = sel_r & (pre < net.n_sources) & (is_stp if kind == "stp" else ~is_stp)
            if not m.any():
                continue
            src = pre[m] - (net.n_sources if kind == "neuron" else 0)
            if kind == "stp":
                model = "w_syn : siemens\nx_stp : 1\nt_last : second"
                on_pre = (f"x_stp = 1 - (1 - x_stp)*exp(-(t - t_last)/({p.dc_stp.tau_rec_ms!r}*ms))\n"
                          f"gr_{rv}_post += w_syn*x_stp\ngd_{rv}_post += w_syn*x_stp\n"
                          f"x_stp = x_stp - {p.dc_stp.u!r}*x_stp\nt_last = t")
            else:
                model = "w_syn : siemens"
                on_pre = f"gr_{rv}_post += w_syn\ngd_{rv}_post += w_syn"
            S = b2.Synapses(G if kind == "neuron" else A, G, model=model, on_pre=on_pre,
                            name=f"syn_{kind}_{rv}")
            S.connect(i=src, j=net.target[m])
            S.w_syn = net.weight_ns[m] * q[r] * b2.nS
            S.delay = net.delay_ms[m] * b2.ms
            if kind == "stp":
                S.x_stp = 1.0
            objs.append(S)
    M = b2.SpikeMonitor(G, record=False, name="spikes")
    objs.append(M)
    return b2.Network(*objs), G, M


def _rates(counts: np.ndarray, wl, duration_s: float) -> dict[str, float]:
    return {pop: float(counts[a:b].sum()) / ((b - a) * duration_s) for pop, (a, b) in wl.net.neuron_ranges.items()}


def _scs_side(wl, rounds: int = 5) -> dict:
    from benchmarks.workloads import population_rates, timed

    walls, out = timed(wl.run, rounds)
    return {"run_s": float(np.median(walls)), "run_rounds_s": walls, "rates_hz": population_rates(out)}


def run_mode(mode: str, duration_s: float, build_dir: str, seed: int, rounds: int = 3) -> dict:
    import brian2 as b2

    from benchmarks.workloads import circuit_workload

    dt_s = 1e-4
    wl = circuit_workload("segment", duration_s, seed=seed)
    idx, steps, dups = _step_grid_inputs(wl, dt_s)
    if dups:
        wl = _dedup_workload(wl, idx, steps, dt_s)
    scs = _scs_side(wl)  # warm scs_sim (and a first timing) in this process
    res = {"mode": mode, "duration_s": duration_s, "brian2": b2.__version__, "numpy": np.__version__,
           "neurons": wl.net.n_neurons, "sources": wl.net.n_sources, "synapses": int(wl.net.weight_ns.size),
           "input_spikes": int(idx.size), "merged_duplicate_input_spikes": dups, "rounds": rounds}

    def scs_once() -> float:
        t = time.perf_counter()
        wl.run()
        return time.perf_counter() - t

    from benchmarks.workloads import batch_run

    n_batch = 8

    def scs_batched_once() -> float:  # wall per network of a batch of n_batch copies of the workload
        t = time.perf_counter()
        batch_run(wl.net, [wl.inputs] * n_batch, duration_s, wl.run_kwargs)
        return (time.perf_counter() - t) / n_batch

    scs_batched_once()  # warm

    # Each round times scs_sim then Brian2 back to back; the ratio is the median of the per-round
    # ratios, so a neighbour's load on the shared machine hits both sides of a pair alike.
    scs_walls, b2_walls, batched_walls = [], [], []
    if mode == "runtime":
        b2.prefs.codegen.target = "cython"
        t = time.perf_counter()
        bnet, G, M = build_brian2(wl, dt_s)
        bnet.store("init")
        setup_s = time.perf_counter() - t
        t = time.perf_counter()
        bnet.run(10 * b2.ms)  # code generation + Cython compile (cached on disk for later runs)
        warm_s = time.perf_counter() - t
        for _ in range(rounds):
            scs_walls.append(scs_once())
            batched_walls.append(scs_batched_once())
            bnet.restore("init")
            t = time.perf_counter()
            bnet.run(duration_s * b2.second)
            b2_walls.append(time.perf_counter() - t)
        counts = np.asarray(M.count[:])
        res["brian2_runtime"] = {"setup_s": setup_s, "compile_warmup_s": warm_s, "run_s": float(np.median(b2_walls)),
                                 "run_rounds_s": b2_walls, "target": b2.prefs.codegen.target}
    else:
        b2.set_device("cpp_standalone", directory=build_dir, build_on_run=False)
        b2.prefs.devices.cpp_standalone.openmp_threads = 0  # one thread: threads lose on this 2-core machine (docs/PERFORMANCE.md)
        t = time.perf_counter()
        bnet, G, M = build_brian2(wl, dt_s)
        bnet.run(duration_s * b2.second)
        setup_s = time.perf_counter() - t
        t = time.perf_counter()
        b2.device.build(directory=build_dir, compile=True, run=False, debug=False)
        build_s = time.perf_counter() - t
        process = []
        for _ in range(rounds):
            scs_walls.append(scs_once())
            batched_walls.append(scs_batched_once())
            t = time.perf_counter()
            b2.device.run(directory=build_dir, with_output=False, run_args=[])
            process.append(time.perf_counter() - t)
            b2_walls.append(float(b2.device._last_run_time))  # Brian2's own timing of network.run
        counts = np.asarray(M.count[:])
        res["brian2_standalone"] = {"setup_s": setup_s, "build_s": build_s, "run_s": float(np.median(b2_walls)),
                                    "run_rounds_s": b2_walls, "process_s": float(np.median(process))}
    res["brian2_rates_hz"] = _rates(counts, wl, duration_s)
    res["scs_sim"] = {"run_s": float(np.median(scs_walls)), "run_rounds_s": scs_walls,
                      "first_rounds_s": scs["run_rounds_s"], "rates_hz": scs["rates_hz"]}
    res["paired_ratios"] = [b / a for a, b in zip(scs_walls, b2_walls, strict=True)]
    res["ratio"] = float(np.median(res["paired_ratios"]))
    res["scs_sim_batched"] = {"members": n_batch, "run_s_per_network": float(np.median(batched_walls)),
                              "run_rounds_s_per_network": batched_walls}
    res["paired_ratios_batched"] = [b / a for a, b in zip(batched_walls, b2_walls, strict=True)]
    res["ratio_batched"] = float(np.median(res["paired_ratios_batched"]))
    return res


def _agreement(a: dict, b: dict) -> dict:
    out = {}
    for pop, x in a.items():
        y = b[pop]
        out[pop] = None if max(x, y) == 0 else abs(x - y) / max(abs(x), 1e-12)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=10.0, help="simulated seconds (default 10)")
    ap.add_argument("--modes", default="runtime,standalone", help="runtime,standalone (default both)")
    ap.add_argument("--out", help="JSON report path (default: stdout)")
    ap.add_argument("--build-dir", default=str(ROOT / "results" / "brian2_standalone"),
                    help="cpp_standalone project folder")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=3, help="paired scs_sim / Brian2 rounds per mode (default 3)")
    ap.add_argument("--mode", help=argparse.SUPPRESS)  # child: run one mode, print its JSON
    args = ap.parse_args(argv)
    if args.mode:
        print(json.dumps(run_mode(args.mode, args.duration, args.build_dir, args.seed, args.rounds)))
        return 0
    try:
        import brian2
    except ImportError as exc:
        msg = f"skipped: brian2 is not importable ({exc}); see benchmarks/requirements-peers.txt"
        print(msg, file=sys.stderr)
        rep = {"skipped": msg}
        if args.out:
            Path(args.out).write_text(json.dumps(rep) + "\n")
        return 0
    report: dict = {"peer": "brian2", "brian2": brian2.__version__, "duration_s": args.duration, "modes": {}}
    for mode in (m.strip() for m in args.modes.split(",") if m.strip()):
        cmd = [sys.executable, str(Path(__file__).resolve()), "--mode", mode, "--duration", str(args.duration),
               "--build-dir", args.build_dir, "--seed", str(args.seed), "--rounds", str(args.rounds)]
        print(f"brian2 peer: {mode} ...", file=sys.stderr, flush=True)
        cp = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=dict(os.environ))
        if cp.returncode != 0:
            report["modes"][mode] = {"error": cp.stderr.strip()[-2000:]}
            print(f"brian2 peer: {mode} failed:\n{cp.stderr.strip()[-2000:]}", file=sys.stderr)
            continue
        report["modes"][mode] = json.loads(cp.stdout.strip().splitlines()[-1])
    ratios, agreement = {}, {}
    rt = report["modes"].get("runtime", {})
    sa = report["modes"].get("standalone", {})
    if "brian2_runtime" in rt:
        ratios["vs_runtime"] = rt["ratio"]
        ratios["vs_runtime_batched"] = rt["ratio_batched"]
        agreement["runtime"] = _agreement(rt["scs_sim"]["rates_hz"], rt["brian2_rates_hz"])
    if "brian2_standalone" in sa:
        b = sa["brian2_standalone"]
        ratios["vs_standalone_run"] = sa["ratio"]
        ratios["vs_standalone_run_batched"] = sa["ratio_batched"]
        ratios["vs_standalone_process"] = b["process_s"] / sa["scs_sim"]["run_s"]
        ratios["standalone_build_over_scs_run"] = b["build_s"] / sa["scs_sim"]["run_s"]
        agreement["standalone"] = _agreement(sa["scs_sim"]["rates_hz"], sa["brian2_rates_hz"])
    report["ratios"] = ratios
    report["rate_agreement"] = agreement
    diffs = [d for m in agreement.values() for d in m.values() if d is not None and math.isfinite(d)]
    if diffs:
        report["rate_agreement_max_rel_diff"] = max(diffs)
        report["rates_within_5pct"] = max(diffs) <= 0.05
    text = json.dumps(report, indent=2)
    if args.out:
        Path(args.out).write_text(text + "\n")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
