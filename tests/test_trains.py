"""Tests of the recovery-cycle / train protocol (scs_sim.validation.protocols_trains): the fast model's state-read
threshold against bisection of the real kernel, the recovery-cycle terms, and the MRG reference's recovery cycle."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scs_sim.fibers.anatomy import Anatomy, build_fibers
from scs_sim.fibers.params import ExcitationParams
from scs_sim.fibers.recruitment import recruit
from scs_sim.stim.programs import custom, pulse_train
from scs_sim.validation import protocols_trains as pt
from scs_sim.validation.protocols_biophysical import study_fibers

RTOL_BISECT = 2e-3  # bisection tolerance of the check below (the state formula is exact)
ON = {"subexcitability_inc": 0.1, "subexcitability_tau_ms": 30.0, "superexcitability_inc": 0.3,
      "superexcitability_tau_ms": 5.0}


@pytest.fixture(scope="module")
def fibre():
    s, f = study_fibers(True)[0]
    pop = build_fibers(Anatomy(), np.random.default_rng(s))
    return pop, f


def _bisect_ratio(pop1, params, cond_onsets_ms, t_test_ms):
    """Test-pulse threshold ÷ resting threshold by bisection of recruit() (conditioning at CONDITIONING x rest)."""
    ep = params.model_copy(update={"noise_sd": 0.0})
    c = float(pop1.channel_coupling()[0])
    thr = ep.af_rheobase_mv * float(pop1.threshold_factor[0]) / (c * -math.expm1(-pt.PW_MS / ep.tau_ms))

    def fires(a):
        pulses = [dict(onset_ms=t, amplitude_ma=pt.CONDITIONING * thr, pulse_width_us=100.0) for t in cond_onsets_ms]
        pulses.append(dict(onset_ms=t_test_ms, amplitude_ma=a, pulse_width_us=100.0))
        r = recruit(pulse_train(custom(pulses=pulses)), pop1, np.random.default_rng(0), t_test_ms * 1e-3 + 2e-3,
                    params=ep)
        sp = r.spikes(0)
        assert np.count_nonzero(sp < t_test_ms * 1e-3) == len(cond_onsets_ms)  # every conditioning pulse fired
        return np.count_nonzero(sp >= t_test_ms * 1e-3) > 0

    lo, hi = 0.5 * thr, 3.0 * thr
    assert fires(hi) and not fires(lo)
    while hi - lo > RTOL_BISECT * thr:
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if fires(mid) else (mid, hi)
    return hi / thr


@pytest.mark.parametrize("terms", [{}, ON])
def test_state_ratio_matches_bisection(fibre, terms):
    """fast_cycle reads the threshold from the kernel's state; bisection of the kernel gives the same number."""
    pop, f = fibre
    pop1 = pt.one_fiber(pop, f)
    p = ExcitationParams(**terms)
    cyc = pt.fast_cycle(pop1, p, delays=(1.5, 3.0, 30.0), rates=(200.0,))
    for d, got in zip((1.5, 3.0, 30.0), cyc["recovery"], strict=True):
        assert got == pytest.approx(_bisect_ratio(pop1, p, [0.0], d), abs=RTOL_BISECT)
    n = pt.train_points(200.0)[1]  # pulse 5 of a 200 Hz train
    assert cyc["trains"][200.0][1] == pytest.approx(_bisect_ratio(pop1, p, [5.0 * j for j in range(n - 1)],
                                                                  5.0 * (n - 1)), abs=RTOL_BISECT)


def test_recovery_terms_shape_the_cycle(fibre):
    """Superexcitability lowers the 3 ms threshold; late subexcitability raises the 30 ms one and summates in a
    50 Hz train; with both off (default) the fast model recovers to 1 by 10 ms."""
    pop, f = fibre
    pop1 = pt.one_fiber(pop, f)
    off = pt.fast_cycle(pop1, ExcitationParams(), delays=(3.0, 10.0, 30.0), rates=(50.0,))
    on = pt.fast_cycle(pop1, ExcitationParams(**ON), delays=(3.0, 10.0, 30.0), rates=(50.0,))
    assert on["recovery"][0] < off["recovery"][0] - 0.05
    assert abs(off["recovery"][1] - 1.0) < 2e-3 and abs(off["recovery"][2] - 1.0) < 1e-3
    assert on["recovery"][2] > 1.02
    assert on["trains"][50.0][-1] > on["trains"][50.0][0] + 0.02  # summation over the train


def test_mrg_recovery_cycle(fibre):
    """The double-cable MRG axon: refractory at 1 ms, superexcitable at 3 ms, late-subexcitable at 30 ms, and the
    late subexcitability summates in a 50 Hz train (pulse 11 above pulse 2)."""
    pop, f = fibre
    m = pt.mrg_cycle(pop, f, delays=(1.0, 3.0, 30.0), rates=(50.0,), rel_tol=1e-2)
    assert m["recovery_conditioning_fired"] == 1 and m["conditioning_fired"][50.0][0] == m["conditioning_fired"][50.0][1]
    rec1, rec3, rec30 = m["recovery"]
    assert rec1 > 1.2 and rec3 < 0.95 and rec30 > 1.02
    assert m["trains"][50.0][-1] > m["trains"][50.0][0] + 0.03
