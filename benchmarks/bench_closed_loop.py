"""Closed-loop ECAP control, end to end (issue 17 acceptance: a 60 s closed-loop run >= 10x real time
on one core): ``tonic_50hz_closed_loop`` on the moving patient ``posture`` through
:func:`scs_sim.simulation.simulate_config` (thresholds for the therapeutic window, the pulse-by-pulse
stream with ECAPs and the controller, the stimulated circuit run and the paired baseline).

``python -m benchmarks --only closed_loop`` (JSON via the suite) or ``python -m benchmarks.bench_closed_loop``.
"""

from __future__ import annotations

import time
from statistics import median

#: The acceptance budget: simulated seconds per wall second.
REALTIME_BUDGET = 10.0


def config(duration_s: float, *, model: str = "spiking", closed: bool = True):
    from scs_sim.config import parse

    prog = "tonic_50hz_closed_loop" if closed else "tonic_50hz"
    return parse({"program": prog, "patient": "posture",
                  "simulation": {"duration_s": float(duration_s), "seed": 1, "model": model}})


def measure(duration_s: float = 60.0, rounds: int = 3) -> dict:
    """Median wall time of a closed-loop run (JIT warmed first) and its real-time factor, for the spiking
    and the rate circuit; the open-loop run on the same moving patient for comparison."""
    from scs_sim.simulation import simulate_config

    simulate_config(config(0.5))  # warm the JIT
    simulate_config(config(0.5, model="rate"))
    out: dict = {"duration_s": duration_s, "budget_realtime_factor": REALTIME_BUDGET}
    for name, kw in (("closed_loop_spiking", {}), ("closed_loop_rate", {"model": "rate"}),
                     ("open_loop_motion_spiking", {"closed": False})):
        walls, metrics = [], {}
        for _ in range(max(1, rounds)):
            t = time.perf_counter()
            metrics = simulate_config(config(duration_s, **kw)).metrics
            walls.append(time.perf_counter() - t)
        w = median(walls)
        out[name] = {"wall_s": w, "realtime_factor": duration_s / w, "pulses": metrics.get("cl_pulses"),
                     "in_window_pct": metrics.get("cl_in_window_pct"), "relief_pct": metrics.get("relief_pct")}
    out["meets_budget"] = out["closed_loop_spiking"]["realtime_factor"] >= REALTIME_BUDGET
    return out


if __name__ == "__main__":
    import json

    print(json.dumps(measure(), indent=2))
