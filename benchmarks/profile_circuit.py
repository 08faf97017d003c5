"""Where the spiking kernel's time goes: cycle-counter ticks per kernel section (docs/PERFORMANCE.md).

``python -m benchmarks.profile_circuit [--scales 1,4,16] [--members 1,8] [--duration 5] [--json FILE]``

Each case runs the tonic_50hz segment workload (benchmarks/workloads.py) once to warm, then once with
:meth:`~scs_sim.dorsal_horn.spiking.BatchStepper.profile_sections` on; the ticks of each section are
turned into ns per neuron-step with the run's wall time (ticks × wall / total ticks), so the column
sums to the measured cost. Reading the counter costs a few ns per section per step, so the profiled
run is slightly slower than an unprofiled one (the total is printed beside the unprofiled wall).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def profile_case(scale: int, members: int, duration_s: float) -> dict:
    from benchmarks.workloads import batch_run, circuit_workload
    from scs_sim.dorsal_horn.spiking import SECTIONS, BatchStepper

    wls = [circuit_workload("segment", duration_s, scale=scale, seed=1 + k) for k in range(members)]
    net, kw = wls[0].net, wls[0].run_kwargs
    inputs = [w.inputs for w in wls]
    batch_run(net, inputs, duration_s, kw)  # warm (compile, caches)
    t = time.perf_counter()
    batch_run(net, inputs, duration_s, kw)
    plain = time.perf_counter() - t
    bs = BatchStepper(net, duration_s, members, **kw)
    bs.profile_sections()
    t = time.perf_counter()
    bs.advance(inputs, bs.n_steps)
    wall = time.perf_counter() - t
    work = bs.n_steps * net.n_neurons * members
    ticks = bs.profile.astype(float)
    per = {name: 1e9 * wall * c / ticks.sum() / work for name, c in zip(SECTIONS, ticks, strict=True)}
    return {"scale": scale, "members": members, "neurons": net.n_neurons, "duration_s": duration_s,
            "ns_per_neuron_step": 1e9 * plain / work, "ns_per_neuron_step_profiled": 1e9 * wall / work,
            "sections_ns_per_neuron_step": per}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", default="1,4,16")
    ap.add_argument("--members", default="1,8")
    ap.add_argument("--duration", type=float, default=5.0)
    ap.add_argument("--json", help="write the cases as JSON here")
    a = ap.parse_args(argv)
    cases = [profile_case(int(s), int(m), a.duration) for s in a.scales.split(",") for m in a.members.split(",")
             if int(s) == 1 or int(m) == 1]
    names = list(cases[0]["sections_ns_per_neuron_step"])
    head = ["section"] + [f"x{c['scale']} B={c['members']}" for c in cases]
    rows = [[n] + [f"{c['sections_ns_per_neuron_step'][n]:.2f}" for c in cases] for n in names]
    rows.append(["total (profiled)"] + [f"{c['ns_per_neuron_step_profiled']:.2f}" for c in cases])
    rows.append(["unprofiled run"] + [f"{c['ns_per_neuron_step']:.2f}" for c in cases])
    print("ns per neuron-step, " + f"{a.duration:g} s of the segment tonic_50hz workload")
    print("| " + " | ".join(head) + " |\n|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join(r) + " |")
    if a.json:
        Path(a.json).write_text(json.dumps(cases, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
