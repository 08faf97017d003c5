"""The benchmark suite behind ``python -m benchmarks`` and ``scs-sim bench``: figures, peers, JSON, check.

Every timed call is warmed first (numba compiled and loaded, caches filled) and repeated; figures
are medians. The machine these run on is usually shared, so the pass/fail check (``--check``) only
looks at *ratios* measured side by side in the same run (numba kernel vs its NumPy reference twin
from ``tests/``), never at absolute seconds; the budget columns (the project's performance budgets, docs/PERFORMANCE.md) are reported, not
enforced. Sections:

``recruitment``  fibre-pulse events/s (10 kHz × 100 fibres) and numba / NumPy-reference ratio
``circuit``      zhang2014 and segment: simulated s per wall s, neuron-steps/s, synaptic events/s;
                 end-to-end ``simulate`` (stimulated run + paired baseline)
``references``   circuit and rate kernels vs their NumPy twins (ratio per unit of work)
``scaling``      segment × 1 … × 16 (ns per neuron-step, per synaptic event), and vs duration
``batch``        segment in batches of B networks per kernel call: network-seconds per wall second on one
                 core, and the ratio to B = 1 measured side by side
``sweep``        points/minute with 1 and 2 worker processes (``benchmarks/bench_sweep.py``)
``startup``      first result in a fresh process: empty numba cache (cold) and populated (warm)
``memory``       peak RSS of a process simulating segment for a short and a long duration
``peers``        the same segment network in Brian2 (optional; ``benchmarks/peers/brian2_segment.py``)
``memory_day``   opt-in (``--only memory_day``; in no profile): peak RSS of ``scs-sim run`` at 10 s to a
                 day simulated, both models (``benchmarks/bench_memory.py``, ~15 min)
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the NumPy references live in tests/, importable from the repo root
    sys.path.insert(0, str(ROOT))

SCHEMA = 1
SECTIONS = ("recruitment", "circuit", "references", "scaling", "batch", "sweep", "startup", "memory", "closed_loop", "peers",
            "explore", "memory_day")

#: ``--check`` floors for numba / NumPy-reference speed ratios (per unit of work, same run).
#: The performance budget (docs/PERFORMANCE.md) is 50×; the floors are half of it so a loaded, shared 2-core machine (a
#: neighbour's job slowing one side of the pair by up to 2×) does not fail CI, while a real
#: regression (a kernel falling out of nopython mode, an accidental O(n²), a Python-object loop)
#: costs 10–1000× and still trips it. Ratios, not seconds: both sides run in the same process
#: minutes apart, so machine speed cancels.
FLOORS: dict[str, float] = {
    "recruitment_numba_vs_numpy": 25.0,
    "circuit_numba_vs_numpy": 25.0,
    "rate_numba_vs_numpy": 25.0,
}

#: The performance budgets of docs/PERFORMANCE.md (reported, not enforced by ``--check``).
BUDGETS: dict[str, float] = {
    "recruitment_events_per_s": 1e7,
    "segment_realtime_factor": 20.0,
    "segment_all_mechanisms_realtime_factor": 20.0,
    "numba_vs_numpy": 50.0,
    "sweep_speedup_1_to_2": 1.7,
    "sweep_1000_rows_min": 10.0,
    "cold_start_s": 30.0,
    "warm_start_s": 3.0,
    "vs_brian2_standalone": 4.0,
    "vs_brian2_runtime": 60.0,
    "explore_update_ms": 1000.0,
}

#: Sizes per profile. ``quick`` is the CI trend run (< 2 min here); ``tiny`` is for the smoke test.
PROFILES: dict[str, dict] = {
    "full": dict(rounds=5, rec_s=60.0, rec_naive_s=0.05, circ_s=10.0, circ_naive_s=0.05, zhang_naive_s=0.5,
                 rate_s=10.0, rate_naive_s=1.0, scales=(1, 2, 4, 8, 16), scale_s=1.0,
                 durations=(1.0, 2.0, 5.0, 10.0, 20.0), sweep=(60, 2, 10.0), startup_rounds=3,
                 memory_s=(10.0, 60.0), peers_s=10.0, cl_s=60.0, batch_sizes=(1, 4, 8, 16), batch_s=10.0),
    "quick": dict(rounds=5, rec_s=6.0, rec_naive_s=0.02, circ_s=10.0, circ_naive_s=0.02, zhang_naive_s=0.2,
                  rate_s=10.0, rate_naive_s=0.3, scales=(1, 4, 16), scale_s=0.2,
                  durations=(1.0, 2.0, 5.0), sweep=(8, 2, 5.0), startup_rounds=1,
                  memory_s=(10.0, 60.0), peers_s=2.0, cl_s=60.0, batch_sizes=(1, 8), batch_s=2.0),
    "tiny": dict(rounds=2, rec_s=0.2, rec_naive_s=0.002, circ_s=0.2, circ_naive_s=0.002, zhang_naive_s=0.02,
                 rate_s=0.2, rate_naive_s=0.02, scales=(1, 2), scale_s=0.05,
                 durations=(0.05, 0.1), sweep=(2, 1, 0.1), startup_rounds=1,
                 memory_s=(0.2, 1.0), peers_s=0.2, cl_s=1.0, batch_sizes=(1, 2), batch_s=0.1),
}
#: Sections each profile runs by default (subprocess-heavy ones are left out of ``tiny``).
DEFAULT_SECTIONS: dict[str, tuple[str, ...]] = {
    "full": SECTIONS[:-1],  # memory_day is opt-in
    "quick": ("recruitment", "circuit", "references", "scaling", "batch", "sweep", "startup", "memory", "closed_loop",
              "explore"),
    "tiny": ("recruitment", "circuit", "references", "scaling", "batch"),
}


def _log(msg: str) -> None:
    print(f"bench: {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------------
# machine
# ------------------------------------------------------------------------------------------------
def machine_info() -> dict:
    """CPU model, cores, versions and the git commit (if any): what a trend line needs to compare runs."""
    import numba

    import scs_sim

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    commit = dirty = None
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                timeout=10).stdout.strip() or None
        if commit:
            dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                                        capture_output=True, text=True, timeout=10).stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "loadavg_1min_at_start": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "scs_sim": scs_sim.__version__,
        "git_commit": commit,
        "git_dirty": dirty,
    }


# ------------------------------------------------------------------------------------------------
# sections
# ------------------------------------------------------------------------------------------------
def bench_recruitment(cfg: dict) -> dict:
    from benchmarks import bench_recruitment as br

    m = br.measure(cfg["rec_s"], cfg["rec_naive_s"], cfg["rounds"])
    return {
        "workload": m["workload"],
        "events_per_s": m["events_per_s"],
        "wall_s": m["wall_s"],
        "fiber_pulse_events": m["fiber_pulse_events"],
        "numba_vs_numpy_per_event": m["naive_vs_kernel_per_event_ratio"],
        "numba_vs_numpy_per_event_rounds": m["naive_vs_kernel_per_event_ratio_rounds"],
        "numba_vs_numpy_same_size": m["naive_vs_kernel_speed_ratio"],
        "numpy_workload": m["naive_workload"],
        "numpy_events_per_s": m["naive_events_per_s"],
        "tonic_50hz_1s_240_fibres_wall_s": m["tonic_50hz_1s_240_fibres_wall_s"],
    }


def _circuit_figures(wl, rounds: int) -> dict:
    from benchmarks.workloads import population_rates, synaptic_events, timed

    walls, out = timed(wl.run, rounds)
    wall = median(walls)
    n_steps = int(round(wl.duration_s / out.dt_s))
    events = synaptic_events(wl.net, wl.inputs, out)
    return {
        "duration_s": wl.duration_s,
        "neurons": wl.net.n_neurons,
        "sources": wl.net.n_sources,
        "synapses": int(wl.net.weight_ns.size),
        "wall_s": wall,
        "wall_rounds_s": walls,
        "realtime_factor": wl.duration_s / wall,
        "realtime_factor_best": wl.duration_s / min(walls),
        "neuron_steps_per_s": wl.net.n_neurons * n_steps / wall,
        "synaptic_events": events,
        "synaptic_events_per_s": events / wall,
        "ns_per_neuron_step": 1e9 * wall / (wl.net.n_neurons * n_steps),
        "ns_per_synaptic_event": 1e9 * wall / max(events, 1),
        "input_spikes": wl.n_input_spikes,
        "neuron_spikes": out.n_spikes_total,
        "rates_hz": population_rates(out),
    }


def bench_circuit(cfg: dict) -> dict:
    import scs_sim
    from benchmarks.workloads import circuit_workload

    res: dict = {}
    for name in ("zhang2014", "segment"):
        res[name] = _circuit_figures(circuit_workload(name, cfg["circ_s"]), cfg["rounds"])
        _log(f"circuit {name}: {res[name]['realtime_factor']:.1f}x real time")
    # every circuit mechanism on (issue 13: >= 20x real time on one core)
    res["segment_all_mechanisms"] = _circuit_figures(circuit_workload("segment", cfg["circ_s"], mechanisms="all"),
                                                     cfg["rounds"])
    _log(f"circuit segment, all mechanisms: {res['segment_all_mechanisms']['realtime_factor']:.1f}x real time")
    # end to end, as a user calls it: recruitment + stimulated run + paired baseline (2 circuit runs)
    dur = cfg["circ_s"]
    walls = []
    scs_sim.simulate("tonic_50hz", duration_s=min(dur, 0.5), seed=1)
    for _ in range(max(1, cfg["rounds"] // 2)):
        t = time.perf_counter()
        scs_sim.simulate("tonic_50hz", duration_s=dur, seed=1)
        walls.append(time.perf_counter() - t)
    res["simulate_segment"] = {"duration_s": dur, "wall_s": median(walls), "realtime_factor": dur / median(walls),
                               "note": "scs_sim.simulate('tonic_50hz'): recruitment + stimulated + baseline run"}
    return res


def bench_closed_loop(cfg: dict) -> dict:
    from benchmarks.bench_closed_loop import measure

    return measure(cfg["cl_s"], rounds=max(1, min(cfg["rounds"], 3)))


def bench_references(cfg: dict) -> dict:
    """numba kernels vs their NumPy twins from tests/, per unit of work (the references are linear in it)."""
    from benchmarks.workloads import circuit_workload, timed
    from scs_sim.dorsal_horn.rate import RateInputs, RateParams, run_rate
    from tests.naive_circuit import naive_run
    from tests.naive_rate import naive_rate_trace

    res: dict = {}
    rounds = max(1, min(cfg["rounds"], 3))
    # circuit: the same network and inputs, the reference on a short window; per simulated second
    # (= per neuron-step: same network). Kernel and reference alternate; the ratio is the median of
    # the per-pair ratios (each pair shares the machine's load at that moment).
    for name, naive_s in (("segment", cfg["circ_naive_s"]), ("zhang2014", cfg["zhang_naive_s"])):
        wl = circuit_workload(name, cfg["circ_s"])
        res[f"circuit_{name}"] = _paired(
            wl.run, cfg["circ_s"], lambda wl=wl, d=naive_s: naive_run(wl.net, wl.inputs, d, **wl.run_kwargs),
            naive_s, rounds, unit="sim_s")
        s_walls, _ = timed(lambda wl=wl, d=naive_s: wl.run(d), 3)
        res[f"circuit_{name}"]["ratio_same_size"] = res[f"circuit_{name}"]["numpy_wall_s"] / median(s_walls)
    # rate: per step
    p = RateParams()
    rng = np.random.default_rng(7)
    dt = 1e-4
    n = int(round(cfg["rate_s"] / dt))
    f = [rng.uniform(0, 20, n) for _ in range(4)]
    m = int(round(cfg["rate_naive_s"] / dt))
    res["rate"] = _paired(lambda: run_rate(p, RateInputs(*f), cfg["rate_s"], dt_s=dt), n,
                          lambda: naive_rate_trace(p, *(x[:m] for x in f), dt), m, max(3, cfg["rounds"]),
                          unit="step")
    return res


def _paired(kernel, k_work: float, naive, n_work: float, rounds: int, unit: str) -> dict:
    """Alternate kernel and reference calls (kernel warmed first); ratio per unit of work, median of pairs."""
    kernel()
    kw, nw = [], []
    for _ in range(rounds):
        t = time.perf_counter()
        kernel()
        kw.append(time.perf_counter() - t)
        t = time.perf_counter()
        naive()
        nw.append(time.perf_counter() - t)
    pairs = [(n / n_work) / (k / k_work) for k, n in zip(kw, nw, strict=True)]
    return {f"numba_s_per_{unit}": median(kw) / k_work, f"numpy_s_per_{unit}": median(nw) / n_work,
            "ratio": median(pairs), "ratio_rounds": pairs, f"numba_{unit}": k_work, f"numpy_{unit}": n_work,
            "numba_wall_s": median(kw), "numpy_wall_s": median(nw)}


def bench_scaling(cfg: dict) -> dict:
    from benchmarks.workloads import circuit_workload

    pop = []
    for k in cfg["scales"]:
        wl = circuit_workload("segment", cfg["scale_s"], scale=k)
        f = _circuit_figures(wl, max(1, min(cfg["rounds"], 3 if k >= 8 else cfg["rounds"])))
        f["scale"] = k
        pop.append(f)
        _log(f"scaling x{k}: {f['neurons']} neurons, {f['synapses']} synapses, {f['wall_s']:.3f} s")
    dur = []
    wl = circuit_workload("segment", max(cfg["durations"]))
    for d in cfg["durations"]:
        walls = []
        wl.run(min(d, 0.05))
        for _ in range(3):
            t = time.perf_counter()
            wl.run(d)
            walls.append(time.perf_counter() - t)
        dur.append({"duration_s": d, "wall_s": median(walls), "wall_per_sim_s": median(walls) / d})
    base = pop[0]
    for f in pop:
        f["wall_vs_x1"] = f["wall_s"] / base["wall_s"]
        f["ns_per_neuron_step_vs_x1"] = f["ns_per_neuron_step"] / base["ns_per_neuron_step"]
    return {"population": pop, "duration": dur, "note": "population: every afferent and neuron count x scale, "
            "connection probabilities fixed (synapses grow as scale^2), dc_full_volley x scale"}


def bench_batch(cfg: dict) -> dict:
    """segment (x1) in batches: B input sets (seeds 1..B of the tonic_50hz workload) on the seed-1 network,
    one BatchStepper per run. Rounds interleave the batch sizes so the machine's load hits them alike;
    the ratio to B = 1 is the median of the per-round ratios. Member 0 of the largest batch is checked
    against a run alone, bit for bit."""
    from benchmarks.workloads import batch_run, circuit_workload

    sizes = cfg["batch_sizes"]
    dur = cfg["batch_s"]
    wls = [circuit_workload("segment", dur, seed=1 + k) for k in range(max(sizes))]
    net, kw = wls[0].net, wls[0].run_kwargs
    inputs = [w.inputs for w in wls]
    alone = wls[0].run()
    big = batch_run(net, inputs, dur, kw)
    same = bool(np.array_equal(big[0].wdr_step * alone.dt_s, alone.wdr_spike_times_s)
                and np.array_equal(big[0].spike_step * alone.dt_s, alone.spike_times_s))
    for b in sizes:
        batch_run(net, inputs[:b], min(dur, 0.5), kw)  # warm
    walls: dict[int, list[float]] = {b: [] for b in sizes}
    for _ in range(max(1, cfg["rounds"])):
        for b in sizes:
            t = time.perf_counter()
            batch_run(net, inputs[:b], dur, kw)
            walls[b].append(time.perf_counter() - t)
    n_steps = int(round(dur / 1e-4))
    res = {"duration_s": dur, "neurons": net.n_neurons, "member0_bit_identical": same, "sizes": []}
    for b in sizes:
        per = [b * dur / w for w in walls[b]]
        ratio = [(b / w) / (1 / w1) for w, w1 in zip(walls[b], walls[sizes[0]], strict=True)]
        res["sizes"].append({"members": b, "wall_s": median(walls[b]), "wall_rounds_s": walls[b],
                             "network_s_per_wall_s_per_core": median(per),
                             "ns_per_neuron_step": 1e9 * median(walls[b]) / (b * net.n_neurons * n_steps),
                             "throughput_vs_single": median(ratio)})
        _log(f"batch B={b}: {median(per):.1f} network-s per wall-s, x{median(ratio):.2f} vs B=1")
    return res


def bench_sweep(cfg: dict) -> dict:
    from benchmarks import bench_sweep as bs

    points, reps, dur = cfg["sweep"]
    return bs.measure(points, reps, dur, (1, 2), log=_log)


_FIRST_RESULT = (
    "import json, resource, time\n"
    "t0 = time.perf_counter()\n"
    "import scs_sim\n"
    "t1 = time.perf_counter()\n"
    "r = scs_sim.simulate('tonic_50hz', duration_s={dur}, seed=1)\n"
    "t2 = time.perf_counter()\n"
    "hwm = None\n"
    "try:\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmHWM:'):\n"
    "            hwm = int(line.split()[1])\n"
    "except OSError:\n"
    "    pass\n"
    "print(json.dumps({{'import_s': t1 - t0, 'simulate_s': t2 - t1, 'wdr_rate_hz': r.metrics['wdr_rate_hz'],\n"
    "                  'maxrss_kb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, 'vmhwm_kb': hwm}}))\n"
)


def _child(dur: float, cache_dir: str | None = None, timeout: float = 600) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = cache_dir
    t = time.perf_counter()
    cp = subprocess.run([sys.executable, "-c", _FIRST_RESULT.format(dur=float(dur))], cwd=ROOT, env=env,
                        capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - t
    if cp.returncode != 0:
        raise RuntimeError(f"child process failed ({cp.returncode}): {cp.stderr.strip()[-800:]}")
    res = json.loads(cp.stdout.strip().splitlines()[-1])
    res["process_wall_s"] = wall
    return res


def bench_startup(cfg: dict) -> dict:
    """Wall time of a fresh process to its first ``simulate(..., duration_s=1)``, cold and warm numba cache."""
    with tempfile.TemporaryDirectory(prefix="bench_numba_cache_") as cache:
        cold = _child(1.0, cache)
        _log(f"cold start {cold['process_wall_s']:.1f} s")
        warm = [_child(1.0, cache) for _ in range(max(1, cfg["startup_rounds"]))]
    w = sorted(warm, key=lambda r: r["process_wall_s"])[len(warm) // 2]
    return {"cold": cold, "warm": w, "cold_s": cold["process_wall_s"], "warm_s": w["process_wall_s"],
            "note": "process wall (interpreter start, import, JIT compile or cache load, simulate 1 s with its "
                    "paired baseline); NUMBA_CACHE_DIR is an empty temporary folder for the cold run"}


def bench_memory(cfg: dict) -> dict:
    """Peak RSS of a process simulating segment for a short and a long duration (numba cache warm)."""
    from scs_sim.fibers.recruitment import recruit

    short, long_ = cfg["memory_s"]
    a = _child(short)
    b = _child(long_)
    # Peak RSS of the child itself: /proc/self/status VmHWM (high-water mark of the process's own
    # address space). getrusage(RUSAGE_SELF).ru_maxrss is reported too, but on Linux it carries the
    # *parent's* high-water mark over fork + exec (signal->maxrss), so from a large parent it shows
    # the parent, not the child; it is only the figure when VmHWM is unavailable.
    def peak_kb(r):
        return r["vmhwm_kb"] if r.get("vmhwm_kb") else r["maxrss_kb"]

    mb = 1024.0
    # what may grow with duration: the capped spike lists (circuit: 4 int64 arrays × max_spikes per
    # run; recruitment: times + fibres × max_spikes), the natural drive and the binned rates
    circuit_cap = 4 * 8 * 200_000 / 2**20
    rec_cap = 16 * int(recruit.__kwdefaults__["max_spikes"]) / 2**20
    growth = (peak_kb(b) - peak_kb(a)) / mb
    return {
        "short_s": short, "long_s": long_,
        "short_peak_rss_mb": peak_kb(a) / mb, "long_peak_rss_mb": peak_kb(b) / mb,
        "short_ru_maxrss_mb": a["maxrss_kb"] / mb, "long_ru_maxrss_mb": b["maxrss_kb"] / mb,
        "growth_mb": growth, "spike_cap_mb": circuit_cap + rec_cap,
        "bounded": growth <= circuit_cap + rec_cap,
        "note": "peak RSS = VmHWM of the child (ru_maxrss inherits the parent's peak over fork+exec on "
                "Linux); growth from the short to the long run must stay within the spike-cap arrays "
                "(circuit 200k spikes x 4 int64, recruitment 2M x (time, fibre))",
    }


def bench_memory_day(cfg: dict) -> dict:
    """Peak RSS of ``scs-sim run`` from 10 s to 86,400 s simulated (``benchmarks/bench_memory.py``)."""
    from benchmarks.bench_memory import run

    return run(log=_log)


def bench_explore(cfg: dict) -> dict:
    """Browser explorer: control change -> updated page (benchmarks/bench_explore.py)."""
    from benchmarks import bench_explore as be

    return be.measure(export=cfg is PROFILES["full"])


def bench_peers(cfg: dict, peers_python: str | None = None) -> dict:
    """Run the Brian2 peer script in its own environment; merge its JSON (skipped cleanly if absent)."""
    script = ROOT / "benchmarks" / "peers" / "brian2_segment.py"
    py = peers_python or os.environ.get("SCS_BENCH_PEERS_PYTHON")
    if not py:
        cand = ROOT / ".venv-peers" / "bin" / "python"
        py = str(cand) if cand.exists() else sys.executable
    why = None
    try:
        probe = subprocess.run([py, "-c", "import brian2; print(brian2.__version__)"], capture_output=True,
                               text=True, timeout=120)
        if probe.returncode != 0:
            why = "brian2 is not importable"
    except (OSError, subprocess.SubprocessError) as exc:
        why = f"cannot run it ({exc})"
    if why:
        msg = (f"skipped: {why} with {py}. Install the optional peer environment: python3 -m venv .venv-peers "
               f"&& .venv-peers/bin/pip install -r benchmarks/requirements-peers.txt && "
               f".venv-peers/bin/pip install -e .")
        _log(f"peers {msg}")
        return {"skipped": msg}
    with tempfile.TemporaryDirectory(prefix="bench_brian2_") as tmp:
        out = Path(tmp) / "peer.json"
        cmd = [py, str(script), "--duration", str(cfg["peers_s"]), "--out", str(out), "--build-dir",
               str(Path(tmp) / "standalone")]
        _log(f"peers: {' '.join(cmd[1:])} (Brian2 {probe.stdout.strip()}; cpp_standalone builds take minutes)")
        cp = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=3600)
        if cp.returncode != 0 or not out.exists():
            return {"error": f"peer script failed ({cp.returncode}): {cp.stderr.strip()[-1500:]}"}
        return json.loads(out.read_text())


# ------------------------------------------------------------------------------------------------
# summary, table, check
# ------------------------------------------------------------------------------------------------
def _get(d: dict, *keys, default=None):
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return default
        d = d[k]
    return d


def ratios(results: dict) -> dict[str, float]:
    """The numba / NumPy-reference ratios the check compares with :data:`FLOORS` (absent: not measured)."""
    out = {}
    v = _get(results, "recruitment", "numba_vs_numpy_per_event")
    if v is not None:
        out["recruitment_numba_vs_numpy"] = v
    v = _get(results, "references", "circuit_segment", "ratio")
    if v is not None:
        out["circuit_numba_vs_numpy"] = v
    v = _get(results, "references", "rate", "ratio")
    if v is not None:
        out["rate_numba_vs_numpy"] = v
    return out


def check(results: dict) -> list[str]:
    """Ratios below their floor, as messages (empty: pass)."""
    fails = []
    r = ratios(results)
    for name, floor in FLOORS.items():
        if name not in r:
            continue
        if not (r[name] >= floor):
            fails.append(f"{name} = {r[name]:.1f}x is below its floor {floor:g}x (budget "
                         f"{BUDGETS['numba_vs_numpy']:g}x)")
    return fails


def headline(results: dict) -> list[dict]:
    """Rows of the printed table: figure, value, unit, budget, status."""
    rows: list[dict] = []

    def row(figure, value, unit, budget=None, ok=None, fmt=".3g"):
        if value is None:
            return
        rows.append({"figure": figure, "value": format(value, fmt) if isinstance(value, float) else str(value),
                     "unit": unit, "budget": budget or "", "status": "" if ok is None else ("met" if ok else "MISSED")})

    r = results
    ev = _get(r, "recruitment", "events_per_s")
    if ev is not None:
        row("recruitment (10 kHz x 100 fibres)", ev, "fibre-pulse events/s", ">= 1e7", ev >= BUDGETS["recruitment_events_per_s"])
    for name in ("zhang2014", "segment"):
        c = _get(r, "circuit", name)
        if c:
            budget = ">= 20x (segment)" if name == "segment" else None
            ok = c["realtime_factor"] >= BUDGETS["segment_realtime_factor"] if name == "segment" else None
            row(f"circuit {name}, {c['duration_s']:g} s: sim s / wall s", c["realtime_factor"], "x real time", budget, ok, ".1f")
            if name == "segment" and "realtime_factor_best" in c:
                row("  (best round)", c["realtime_factor_best"], "x real time", None, None, ".1f")
    c = _get(r, "circuit", "segment")
    if c:
        row("circuit segment neuron-steps/s", c["neuron_steps_per_s"], "neuron-steps/s")
        row("circuit segment synaptic events/s", c["synaptic_events_per_s"], "events/s")
        row("circuit segment ns per neuron-step", c["ns_per_neuron_step"], "ns", "floor ~1 ns (docs/PERFORMANCE.md)", None, ".1f")
    s = _get(r, "circuit", "simulate_segment")
    if s:
        row("simulate(tonic_50hz) end to end (2 circuit runs)", s["realtime_factor"], "x real time", None, None, ".1f")
    cl = _get(r, "closed_loop", "closed_loop_spiking")
    if cl:
        row("closed-loop ECAP run, 60 s (spiking, end to end)", cl["realtime_factor"], "x real time", ">= 10x",
            cl["realtime_factor"] >= 10.0, ".1f")
    rt = ratios(r)
    for name, label in (("recruitment_numba_vs_numpy", "recruitment numba / NumPy ref"),
                        ("circuit_numba_vs_numpy", "circuit (segment) numba / NumPy ref"),
                        ("rate_numba_vs_numpy", "rate numba / NumPy ref")):
        if name in rt:
            row(label, rt[name], "x per unit of work", f">= 50x (floor {FLOORS[name]:g}x)", rt[name] >= 50.0, ".0f")
    for f in _get(r, "scaling", "population", default=[]) or []:
        row(f"segment x{f['scale']} ({f['neurons']} neurons, {f['synapses']} syn)", f["ns_per_neuron_step"],
            "ns/neuron-step", None, None, ".1f")
    pop = _get(r, "scaling", "population", default=[]) or []
    if len(pop) > 1:
        row(f"segment x{pop[-1]['scale']} / x1 ns per neuron-step", pop[-1]["ns_per_neuron_step_vs_x1"], "x",
            "<= 1.5x" if pop[-1]["scale"] == 16 else None,
            pop[-1]["ns_per_neuron_step_vs_x1"] <= 1.5 if pop[-1]["scale"] == 16 else None, ".2f")
    ba = _get(r, "batch")
    if ba and "sizes" in ba:
        for x in ba["sizes"]:
            row(f"segment batch of {x['members']}: network-s per wall-s (1 core)", x["network_s_per_wall_s_per_core"],
                "x real time", None, None, ".1f")
            if x["members"] > 1:
                judged = x["members"] == 8
                row(f"  batch of {x['members']} vs 1 network, throughput per core", x["throughput_vs_single"], "x",
                    ">= 2x" if judged else None, x["throughput_vs_single"] >= 2.0 if judged else None, ".2f")
        row("  member 0 bit-identical to a run alone", str(ba["member0_bit_identical"]), "")
    durs = _get(r, "scaling", "duration", default=[]) or []
    if durs:
        per = [d["wall_per_sim_s"] for d in durs]
        row(f"segment wall per sim s, {durs[0]['duration_s']:g}..{durs[-1]['duration_s']:g} s", max(per) / min(per),
            "max/min (1 = linear)", None, None, ".2f")
    sw = _get(r, "sweep")
    if sw and "results" in sw:
        for x in sw["results"]:
            row(f"sweep {x['workers']} worker(s), {sw['duration_s']:g} s rows", x["points_per_min"], "rows/min")
        if "speedup_1_to_2" in sw:
            # the budgets are for 10 s rows; shorter (quick) rows are dominated by worker start-up
            judged = sw["duration_s"] >= 10.0
            note = "" if judged else " (judged in full)"
            row("sweep speed-up 1 -> 2 workers", sw["speedup_1_to_2"], "x", ">= 1.7x" + note,
                sw["meets_target"] if judged else None, ".2f")
            row("  machine's own 2-process ceiling", sw["hardware_speedup_2_processes"], "x", None, None, ".2f")
            row("sweep 1,000 rows x 10 s (projected)", sw["projected_1000_rows_min"], "min", "< 10 min" + note,
                sw["projected_1000_rows_min"] < BUDGETS["sweep_1000_rows_min"] if judged else None, ".1f")
    st = _get(r, "startup")
    if st and "cold_s" in st:
        row("first result, cold numba cache", st["cold_s"], "s (process wall)", "< 30 s", st["cold_s"] < 30.0, ".1f")
        row("first result, warm numba cache", st["warm_s"], "s (process wall)", "< 3 s", st["warm_s"] < 3.0, ".1f")
    m = _get(r, "memory")
    if m and "growth_mb" in m:
        row(f"peak RSS, segment {m['short_s']:g} s -> {m['long_s']:g} s",
            f"{m['short_peak_rss_mb']:.0f} -> {m['long_peak_rss_mb']:.0f}", "MB",
            f"growth <= {m['spike_cap_mb']:.0f} MB caps", m["bounded"])
    md = _get(r, "memory_day")
    if md and "summary" in md:
        for model, s in md["summary"].items():
            row(f"peak RSS {model}, {s['longest_s']:g} s / {s['shortest_s']:g} s", s["ratio_longest_to_shortest"],
                "x", f"<= {md['ratio_target']:g}x", s["within_target"], ".2f")
    ex = _get(r, "explore")
    if ex and "http_new_state" in ex:
        b = ex.get("browser", {})
        if "median_ms" in b:
            row("explorer: control change -> updated page (Chromium)", b["median_ms"], "ms (median)", "< 1000 ms",
                b["max_ms"] < BUDGETS["explore_update_ms"], ".0f")
        row("explorer: /api/view, new state (1 s spiking run)", ex["http_new_state"]["median_ms"], "ms (median)",
            None, None, ".0f")
        if "export" in ex:
            row(f"explorer export: {ex['export']['states']} states", ex["export"]["bytes"] / 1e6, "MB",
                None, None, ".2f")
            row("  precomputation", ex["export"]["precompute_s"], "s", None, None, ".0f")
    pe = _get(r, "peers")
    if pe and "ratios" in pe:
        pr = pe["ratios"]
        if "vs_standalone_run" in pr:
            row("vs Brian2 cpp_standalone (run only)", pr["vs_standalone_run"], "x faster", ">= 4x",
                pr["vs_standalone_run"] >= 4.0, ".2f")
        if "standalone_build_over_scs_run" in pr:
            row("  Brian2 standalone build / scs_sim run", pr["standalone_build_over_scs_run"], "x", None, None, ".0f")
        if "vs_standalone_run_batched" in pr:
            row("  batched (8 networks per call), per network", pr["vs_standalone_run_batched"], "x faster")
        if "vs_runtime" in pr:
            row("vs Brian2 runtime mode", pr["vs_runtime"], "x faster", ">= 60x", pr["vs_runtime"] >= 60.0, ".1f")
        if "vs_runtime_batched" in pr:
            row("  batched (8 networks per call), per network", pr["vs_runtime_batched"], "x faster")
        if "rate_agreement_max_rel_diff" in pe:
            a = pe["rate_agreement_max_rel_diff"]
            row("  population rates scs_sim vs Brian2 (max rel. diff)", 100 * a, "%", "<= 5 %", a <= 0.05, ".1f")
    elif pe:
        row("Brian2 peer", "skipped" if "skipped" in pe else "error", pe.get("skipped") or pe.get("error", "")[:60])
    return rows


def format_table(rows: list[dict]) -> str:
    cols = [("figure", "figure"), ("value", "value"), ("unit", "unit"), ("budget", "budget"),
            ("status", "status")]
    cells = [[h for _, h in cols]] + [[str(r[k]) for k, _ in cols] for r in rows]
    w = [max(len(c[i]) for c in cells) for i in range(len(cols))]
    lines = []
    for j, c in enumerate(cells):
        lines.append("  ".join(s.rjust(w[i]) if i == 1 and j else s.ljust(w[i]) for i, s in enumerate(c)).rstrip())
        if j == 0:
            lines.append("  ".join("-" * x for x in w))
    return "\n".join(lines)


def markdown_table(rows: list[dict]) -> str:
    out = ["| figure | value | unit | budget | status |", "|---|---:|---|---|---|"]
    out += [f"| {r['figure'].strip()} | {r['value']} | {r['unit']} | {r['budget']} | {r['status']} |" for r in rows]
    return "\n".join(out)


def _json_default(o):
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, np.bool_):
        return bool(o)
    return str(o)


def _finite(o):
    if isinstance(o, float) and not math.isfinite(o):
        return None
    if isinstance(o, dict):
        return {k: _finite(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [_finite(v) for v in o]
    return o


def run_suite(profile: str = "full", sections: tuple[str, ...] | None = None, *,
              peers_python: str | None = None) -> dict:
    """Run the sections of ``profile`` (or the given ones) and return the JSON-able report."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile '{profile}'; allowed: {', '.join(PROFILES)}")
    cfg = PROFILES[profile]
    sections = tuple(sections or DEFAULT_SECTIONS[profile])
    bad = [s for s in sections if s not in SECTIONS]
    if bad:
        raise ValueError(f"unknown section(s) {', '.join(bad)}; allowed: {', '.join(SECTIONS)}")
    t0 = time.perf_counter()
    report: dict = {"schema": SCHEMA, "profile": profile, "sections": list(sections),
                    "started_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
                    "machine": machine_info(), "results": {}, "section_wall_s": {}}
    funcs = {"recruitment": bench_recruitment, "circuit": bench_circuit, "references": bench_references,
             "scaling": bench_scaling, "sweep": bench_sweep, "startup": bench_startup, "memory": bench_memory,
             "peers": lambda c: bench_peers(c, peers_python), "batch": bench_batch, "memory_day": bench_memory_day,
             "closed_loop": bench_closed_loop, "explore": bench_explore}
    for name in sections:
        _log(f"{name} ...")
        ts = time.perf_counter()
        try:
            report["results"][name] = funcs[name](cfg)
        except Exception as exc:  # noqa: BLE001 - one failing section must not lose the others
            report["results"][name] = {"error": f"{type(exc).__name__}: {exc}"}
            _log(f"{name} FAILED: {type(exc).__name__}: {exc}")
        report["section_wall_s"][name] = round(time.perf_counter() - ts, 2)
    report["ratios"] = ratios(report["results"])
    report["floors"] = dict(FLOORS)
    report["budgets"] = dict(BUDGETS)
    report["check_failures"] = check(report["results"])
    report["table"] = headline(report["results"])
    report["wall_s"] = round(time.perf_counter() - t0, 2)
    report["loadavg_1min_at_end"] = round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None
    return report


def write_json(report: dict, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(_finite(report), indent=2, default=_json_default) + "\n")
    os.replace(tmp, path)
    return path


def main(argv=None, prog: str = "python -m benchmarks") -> int:
    import argparse

    ap = argparse.ArgumentParser(prog=prog, description="Run the scs_sim benchmark suite: print a table, write JSON.")
    ap.add_argument("--quick", action="store_true", help="CI trend sizes (under 2 minutes on a 2-core machine)")
    ap.add_argument("--profile", choices=tuple(PROFILES), help="full (default), quick or tiny (smoke test)")
    ap.add_argument("--out", metavar="FILE.json", help="JSON report path (default: results/bench-<profile>.json)")
    ap.add_argument("--only", metavar="SECTION[,SECTION]", help=f"sections to run: {', '.join(SECTIONS)}")
    ap.add_argument("--peers", action="store_true", help="add the Brian2 peer section (default only in full)")
    ap.add_argument("--peers-python", metavar="PYTHON", help="interpreter with brian2 (default: .venv-peers/bin/python)")
    ap.add_argument("--check", action="store_true",
                    help="exit 1 when a numba / NumPy-reference ratio falls below its floor")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = ap.parse_args(argv)
    profile = args.profile or ("quick" if args.quick else "full")
    sections = tuple(s.strip() for s in args.only.split(",") if s.strip()) if args.only else None
    if args.peers:
        sections = tuple(dict.fromkeys((sections or DEFAULT_SECTIONS[profile]) + ("peers",)))
    try:
        report = run_suite(profile, sections, peers_python=args.peers_python)
    except ValueError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    out = write_json(report, args.out or ROOT / "results" / f"bench-{profile}.json")
    m = report["machine"]
    print(f"scs_sim benchmarks ({profile}) on {m['cpu']}, {m['cores']} cores; python {m['python']}, numpy "
          f"{m['numpy']}, numba {m['numba']}; commit {(m['git_commit'] or '?')[:12]}{' (dirty)' if m['git_dirty'] else ''}")
    print(markdown_table(report["table"]) if args.markdown else format_table(report["table"]))
    errors = {k: v["error"] for k, v in report["results"].items() if isinstance(v, dict) and "error" in v}
    for k, v in errors.items():
        print(f"section {k} failed: {v}", file=sys.stderr)
    print(f"wrote {out} ({report['wall_s']:.0f} s)", file=sys.stderr)
    if args.check:
        if report["check_failures"]:
            for f in report["check_failures"]:
                print(f"CHECK FAILED: {f}", file=sys.stderr)
            return 1
        missing = [k for k in FLOORS if k not in report["ratios"]]
        if missing and any(s in report["sections"] for s in ("recruitment", "references")):
            print(f"CHECK FAILED: ratio(s) not measured: {', '.join(missing)}", file=sys.stderr)
            return 1
        print("check passed: " + ", ".join(f"{k} {v:.0f}x >= {FLOORS[k]:g}x" for k, v in report["ratios"].items()),
              file=sys.stderr)
    return 0
