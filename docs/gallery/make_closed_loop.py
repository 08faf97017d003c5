"""Render docs/gallery/closed_loop.png: open vs closed loop on the moving patient (issue 17), with
1000 modelled DC fibres (the default 200 make a granular ECAP).

``python docs/gallery/make_closed_loop.py`` (about 10 s).
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from scs_sim.config import parse  # noqa: E402
from scs_sim.plots.ecap import closed_loop_figure  # noqa: E402
from scs_sim.simulation import simulate_config  # noqa: E402

logs = {}
for prog in ("tonic_50hz", "tonic_50hz_closed_loop"):
    cfg = parse({"program": prog, "patient": "posture", "simulation": {"duration_s": 12.0, "seed": 1}})
    patient = cfg.patient.model_copy(update={"anatomy": cfg.patient.anatomy.model_copy(update={"dc_count": 1000})})
    cfg = cfg.model_copy(update={"patient": patient})
    logs[prog] = simulate_config(cfg).loop_log
fig = closed_loop_figure(logs["tonic_50hz"], logs["tonic_50hz_closed_loop"])
out = Path(__file__).with_name("closed_loop.png")
fig.savefig(out, dpi=90)
print(out)
