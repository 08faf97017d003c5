"""Every optional mechanism off reproduces main (72e9892) bit for bit (issue 13 acceptance).

tests/data/golden_mechanisms_off.npz was written by ``python -m tests.golden_mechanisms`` from an
unmodified checkout of 72e9892, before any mechanism code existed. The default set must give the same
arrays exactly (no tolerance): spiking WDR spikes, every population's binned rate, and the rate backend.
"""

from __future__ import annotations

import numpy as np
import pytest

from scs_sim.dorsal_horn.mechanisms import SETS, apply_circuit
from scs_sim.dorsal_horn.params import circuit_params
from tests.golden_mechanisms import CASES, GOLDEN, outputs


@pytest.mark.parametrize("model", ["spiking", "rate"])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_default_set_is_bit_identical_to_main(case, model):
    gold = np.load(GOLDEN)
    label = case[0]
    got = outputs(model, *case[1:])
    keys = sorted(k.split("/", 2)[2] for k in gold.files if k.startswith(f"{label}/{model}/"))
    assert keys == sorted(got), "the set of compared arrays changed"
    for k in keys:
        want = gold[f"{label}/{model}/{k}"]
        assert got[k].shape == want.shape, k
        assert np.array_equal(got[k], want), f"{label}/{model}/{k} differs from main"


def test_default_set_leaves_the_circuit_parameters_unchanged():
    for preset in ("segment", "zhang2014"):
        cp = circuit_params(preset)
        assert apply_circuit(cp, SETS["gate_only"]) == cp
