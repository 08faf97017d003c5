"""Sweep throughput: points per minute with 1 vs 2 worker processes (target >= 1.7×, docs/PERFORMANCE.md).

Runs the same sweep (tonic 50 Hz, an amplitude axis × replicates, default 10 s simulated per row,
the real ``scs_sim.simulation.evaluate`` with paired baselines) through the ``processes`` backend with
each worker count into a fresh temporary store, and prints JSON on stdout. Wall times are whole
``run_sweep`` calls: worker start-up, JIT cache loading, baselines and storage included. The JIT
cache is warmed in this process first. Skips (exit 0, ``"skipped"`` in the JSON) when
``scs_sim.simulation`` is not importable.

Usage::

    python benchmarks/bench_sweep.py                     # 20 points × 2 replicates, 10 s each (the suite's full profile: 60 × 2)
    python benchmarks/bench_sweep.py --points 6 --duration 2 --workers 1,2
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: Target speed-up from 1 to 2 workers (docs/PERFORMANCE.md, "Budgets: met and missed").
SPEEDUP_TARGET = 1.7


def _spec(points: int, replicates: int, duration_s: float) -> dict:
    return {
        "program": "tonic_50hz",
        "simulation": {"duration_s": duration_s, "seed": 1},
        "sweep": {
            "method": "grid",
            "replicates": replicates,
            "seed": 1,
            "axes": {"program.amplitude_ma": {"range": [1.0, 8.0], "num": points}},
        },
    }


def _spin(n: int) -> float:
    t = time.perf_counter()
    s = 0
    for i in range(n):
        s += i
    return time.perf_counter() - t


def hardware_ceiling(workers: int = 2, n: int = 8_000_000) -> float:
    """Speed-up the machine itself gives ``workers`` concurrent CPU-bound processes (ideal = workers).

    On shared or virtualised 2-core machines this is often well below 2, and it bounds any sweep's
    speed-up; the benchmark reports it beside the measured one.
    """
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    with ctx.Pool(workers) as pool:
        pool.map(_spin, [1000] * workers)  # start the workers
        one = min(pool.map(_spin, [n]))
        t = time.perf_counter()
        pool.map(_spin, [n] * workers)
        both = time.perf_counter() - t
    return workers * one / both


def measure(points: int = 20, replicates: int = 2, duration_s: float = 10.0, workers=(1, 2),
            *, log=None) -> dict:
    """Run the sweep with each worker count; return the JSON-able figures (``"skipped"`` if unavailable).

    ``log`` (a callable taking one string) receives progress lines; default: stderr.
    """
    log = log or (lambda msg: print(msg, file=sys.stderr))
    try:
        from scs_sim.config import loader as config
        from scs_sim.simulation import baseline, evaluate
        from scs_sim.study import load_spec, run_sweep
    except ImportError as exc:
        return {"benchmark": "sweep", "skipped": f"scs_sim.simulation unavailable: {exc}"}

    spec = _spec(points, replicates, duration_s)
    sp = load_spec(spec)
    rows = sp.n_points * sp.replicates
    # warm the numba cache (workers then load compiled kernels from disk)
    t = time.perf_counter()
    cfg = config.parse({"program": "tonic_50hz", "simulation": {"duration_s": 0.2}})
    evaluate(cfg, baseline=baseline(cfg))
    warm_s = time.perf_counter() - t

    results = []
    with tempfile.TemporaryDirectory(prefix="bench_sweep_") as tmp:
        for n in workers:
            t = time.perf_counter()
            summary = run_sweep(spec, out=Path(tmp) / f"w{n}", backend="processes", workers=n, progress=False)
            wall = time.perf_counter() - t
            assert summary["rows"] == rows, summary
            results.append(
                {"workers": n, "wall_s": round(wall, 3), "points_per_min": round(60.0 * rows / wall, 2)}
            )
            log(f"bench_sweep: {n} worker(s): {rows} rows in {wall:.1f} s")
    out = {
        "benchmark": "sweep",
        "backend": "processes",
        "duration_s": duration_s,
        "points": sp.n_points,
        "replicates": sp.replicates,
        "rows": rows,
        "warm_jit_s": round(warm_s, 3),
        "results": results,
        "cpu_count": os.cpu_count(),
        "loadavg_1min": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
        "note": "points_per_min counts rows (point × replicate); wall includes worker start-up and baselines",
    }
    ceiling = hardware_ceiling(2)
    out["hardware_speedup_2_processes"] = round(ceiling, 3)
    by_n = {r["workers"]: r for r in results}
    if 1 in by_n and 2 in by_n:
        out["speedup_1_to_2"] = round(by_n[1]["wall_s"] / by_n[2]["wall_s"], 3)
        out["speedup_target"] = SPEEDUP_TARGET
        out["meets_target"] = out["speedup_1_to_2"] >= SPEEDUP_TARGET
        out["efficiency_vs_hardware"] = round(out["speedup_1_to_2"] / ceiling, 3)
        # docs/PERFORMANCE.md budget: 1,000 rows of 10 s under 10 minutes on 2 cores
        out["projected_1000_rows_min"] = round(1000 / by_n[2]["points_per_min"] * 10.0 / duration_s, 2)
        out["projection_note"] = "1,000 rows of 10 s, scaled linearly from this run's row duration"
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=20, help="sweep points (amplitudes); default 20")
    ap.add_argument("--replicates", type=int, default=2, help="seeds per point; default 2")
    ap.add_argument("--duration", type=float, default=10.0, help="simulated seconds per row; default 10")
    ap.add_argument("--workers", default="1,2", help="worker counts to compare; default 1,2")
    args = ap.parse_args(argv)
    out = measure(args.points, args.replicates, args.duration, tuple(int(x) for x in args.workers.split(",")))
    if "skipped" in out:
        print(f"bench_sweep: skipped ({out['skipped']})", file=sys.stderr)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
