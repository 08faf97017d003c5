"""Peak memory of ``scs-sim run`` against simulated duration (issue 15: a day-long run within 1.5x of
a 10 s run). A benchmark, not a test: it takes minutes (the day-long run is the rate model, about
10 minutes here; the spiking model runs at ~20-50x real time, so its longest row is an hour).

Each row is a fresh process running the CLI's ``run`` command (``scs_sim.app.cli.main``, what the
``scs-sim`` script calls) on ``configs/runs/tonic_default.toml`` (tonic 50 Hz, default patient,
stimulated run + paired baseline) with ``-s simulation.duration_s=D -s simulation.model=M --json``.
Peak RSS is the child's own ``VmHWM`` (/proc/self/status, read when the command returns; not
``ru_maxrss``, which on Linux carries the parent's high-water mark over fork + exec). The slope is a least-squares fit of peak
RSS over simulated seconds, per model.

Usage::

    python -m benchmarks.bench_memory                          # spiking 10, 600, 3600 s; rate 10, 600, 3600, 86400 s
    python -m benchmarks.bench_memory --spiking 10,60 --rate 10,600 --out mem.json
    python -m benchmarks --only memory_day                     # the same, as an opt-in suite section
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "configs" / "runs" / "tonic_default.toml"
SPIKING_S = (10.0, 600.0, 3600.0)
RATE_S = (10.0, 600.0, 3600.0, 86_400.0)
#: Acceptance of issue 15: peak RSS of the longest run within this factor of the 10 s run.
RATIO_TARGET = 1.5

_CHILD = (
    "import json, sys\n"
    "from scs_sim.app.cli import main\n"
    "rc = main(sys.argv[1:])\n"
    "hwm = None\n"
    "with open('/proc/self/status') as fh:\n"
    "    for line in fh:\n"
    "        if line.startswith('VmHWM:'):\n"
    "            hwm = int(line.split()[1])\n"
    "print('BENCH_MEMORY ' + json.dumps({'rc': rc, 'vmhwm_kb': hwm}), file=sys.stderr)\n"
    "sys.exit(rc)\n"
)


def measure(duration_s: float, model: str, config: Path = CONFIG) -> dict:
    """Run ``scs-sim run`` once in a fresh process; its peak RSS (MB), wall time and metrics."""
    args = [sys.executable, "-c", _CHILD, "run", str(config), "-s", f"simulation.duration_s={duration_s:g}",
            "-s", f"simulation.model={model}", "--json"]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    t = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate()
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"scs-sim run ({model}, {duration_s:g} s) exited {proc.returncode}: {err.strip()[-600:]}")
    info = json.loads(next(ln for ln in reversed(err.splitlines()) if ln.startswith("BENCH_MEMORY "))[13:])
    metrics = json.loads(out)
    row = {"model": model, "duration_s": duration_s, "peak_rss_mb": info["vmhwm_kb"] / 1024.0, "wall_s": wall,
           "relief_pct": metrics.get("relief_pct"), "wdr_rate_hz": metrics.get("wdr_rate_hz")}
    return row


def _slope(rows: list[dict]) -> float | None:
    if len(rows) < 2:
        return None
    x = [r["duration_s"] for r in rows]
    y = [r["peak_rss_mb"] for r in rows]
    mx, my = sum(x) / len(x), sum(y) / len(y)
    sxx = sum((a - mx) ** 2 for a in x)
    return sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True)) / sxx if sxx else None


def run(spiking=SPIKING_S, rate=RATE_S, log=None) -> dict:
    """Every row, then per model the slope (MB per simulated s) and the longest / shortest peak ratio."""
    rows = []
    for model, durations in (("spiking", spiking), ("rate", rate)):
        for d in durations:
            r = measure(float(d), model)
            rows.append(r)
            if log:
                log(f"{model} {d:g} s: peak RSS {r['peak_rss_mb']:.0f} MB, wall {r['wall_s']:.1f} s")
    summary = {}
    for model in ("spiking", "rate"):
        m = sorted((r for r in rows if r["model"] == model), key=lambda r: r["duration_s"])
        if not m:
            continue
        ratio = m[-1]["peak_rss_mb"] / m[0]["peak_rss_mb"]
        summary[model] = {"shortest_s": m[0]["duration_s"], "longest_s": m[-1]["duration_s"],
                          "slope_mb_per_simulated_s": _slope(m), "ratio_longest_to_shortest": ratio,
                          "within_target": ratio <= RATIO_TARGET}
    return {"rows": rows, "summary": summary, "ratio_target": RATIO_TARGET,
            "note": "peak RSS = VmHWM of a fresh `scs-sim run` process (configs/runs/tonic_default.toml, "
                    "stimulated + baseline); windows of simulation.window_s, recorded span simulation.record_s"}


def _durations(text: str) -> tuple[float, ...]:
    return tuple(float(x) for x in text.split(",") if x.strip())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.bench_memory", description=__doc__.splitlines()[0])
    ap.add_argument("--spiking", default=",".join(f"{d:g}" for d in SPIKING_S), help="spiking durations, s")
    ap.add_argument("--rate", default=",".join(f"{d:g}" for d in RATE_S), help="rate-model durations, s")
    ap.add_argument("--out", metavar="FILE.json", help="also write the JSON report here")
    args = ap.parse_args(argv)
    rep = run(_durations(args.spiking), _durations(args.rate), log=lambda m: print(m, file=sys.stderr, flush=True))
    text = json.dumps(rep, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    ok = all(s["within_target"] for s in rep["summary"].values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
