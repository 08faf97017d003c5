"""The inputs of the mechanisms-off golden test (tests/test_mechanisms_golden.py) and the function that
made tests/data/golden_mechanisms_off.npz from an unmodified checkout of main (72e9892):

    .venv/bin/python -m tests.golden_mechanisms      # rewrites the file: only from an unmodified main

Circuit level on purpose (fixed afferent and dc spikes): the recruitment layer is not involved, so the
file pins the dorsal horn (spiking kernel, network build, rate backend) alone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from scs_sim.dorsal_horn.afferents import PainState, afferent_spikes, merge_dc
from scs_sim.dorsal_horn.backends import backend
from scs_sim.dorsal_horn.network import build
from scs_sim.dorsal_horn.params import circuit_params

GOLDEN = Path(__file__).parent / "data" / "golden_mechanisms_off.npz"
#: (label, circuit preset, SCS rate Hz, dc sources recruited, duration s)
CASES = (("segment_50hz", "segment", 50.0, 40, 1.0), ("segment_200hz", "segment", 200.0, 60, 0.6),
         ("segment_weak", "segment", 50.0, 5, 1.0), ("zhang_50hz", "zhang2014", 50.0, 15, 1.0))


def case_inputs(preset: str, rate_hz: float, n_rec: int, duration_s: float):
    """The network (seeded) and the afferent spikes (natural drive + a regular dc volley train) of one case."""
    p = circuit_params(preset)
    net = build(p, np.random.default_rng(7))
    sizes = {"abeta": p.n_abeta, "adelta": p.n_adelta, "c": p.n_c}
    spikes = afferent_spikes(PainState(), sizes, duration_s, np.random.default_rng(11))
    t = np.arange(0.2, duration_s, 1.0 / rate_hz)
    times = np.repeat(t, n_rec)
    idx = np.tile(np.arange(n_rec), t.size)
    return net, merge_dc(spikes, times, idx)


def outputs(model: str, preset: str, rate_hz: float, n_rec: int, duration_s: float, **kw) -> dict[str, np.ndarray]:
    """Arrays a case is compared on: every population's binned rate and (spiking) the WDR spikes."""
    net, spikes = case_inputs(preset, rate_hz, n_rec, duration_s)
    out = backend(model)(net, spikes, duration_s, dt_s=1e-4, bin_s=0.005, **kw)
    arrays = {f"rate_{k}": np.asarray(v) for k, v in out.rates_hz.items()}
    arrays["wdr_t"] = np.asarray(out.wdr_spike_times_s)
    if model == "spiking":
        arrays["wdr_i"] = np.asarray(out.wdr_spike_neuron)
        arrays["n_spikes"] = np.array([out.n_spikes_total])
    return arrays


def all_outputs(**kw) -> dict[str, np.ndarray]:
    arrays = {}
    for label, preset, rate, n, dur in CASES:
        for model in ("spiking", "rate"):
            for k, v in outputs(model, preset, rate, n, dur, **kw).items():
                arrays[f"{label}/{model}/{k}"] = v
    return arrays


if __name__ == "__main__":
    np.savez_compressed(GOLDEN, **all_outputs())
    print(GOLDEN, GOLDEN.stat().st_size, "bytes")
