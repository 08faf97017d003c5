"""The dtm_glial mechanism (dorsal_horn/glial.py): a slow glial state restoring glia-driven disinhibition.

Source experiment (Cedeño et al. 2020 Mol Pain 16:1744806920964360): DTM restored all four cell-type
transcriptomes toward healthy, high-rate programming only microglia, low-rate none.
"""

from __future__ import annotations

import math

import pytest

from scs_sim.config import load_patient, load_program
from scs_sim.dorsal_horn.glial import GlialParams, program_class, restoration, treated_scales
from scs_sim.errors import ConfigError


def _prog(name):
    return load_program(name)[0]


@pytest.mark.parametrize("name, cls", [("multiplexed_dtm", "dtm"), ("hf_10khz", "high_rate"),
                                       ("hd_1khz", "high_rate"), ("tonic_50hz", "low_rate"),
                                       ("tonic_90hz_subperception", "low_rate"), ("burst_dr", "untested")])
def test_program_classes_of_the_presets(name, cls):
    assert program_class(_prog(name), GlialParams()) == cls


def test_cedeno_direction_dtm_restores_more_than_high_rate_more_than_low_rate():
    p = GlialParams()
    r = {n: restoration(_prog(n), p) for n in ("multiplexed_dtm", "hf_10khz", "tonic_50hz")}
    assert r["multiplexed_dtm"] > r["hf_10khz"] > r["tonic_50hz"] == 0.0
    pat = load_patient("disinhibited").pain.circuit_kwargs()
    g = {n: treated_scales(pat, _prog(n), p)["gaba_scale"] for n in r}
    assert g["multiplexed_dtm"] > g["hf_10khz"] > g["tonic_50hz"] == pat["gaba_scale"]
    assert g["multiplexed_dtm"] < 1.0  # 48 h with tau 24 h: not fully restored


def test_time_scale_is_explicit():
    prog = _prog("multiplexed_dtm")
    assert restoration(prog, GlialParams(therapy_hours=0.0)) == 0.0
    rs = [restoration(prog, GlialParams(therapy_hours=h)) for h in (1.0, 24.0, 48.0, 500.0)]
    assert rs == sorted(rs) and rs[0] < 0.05
    assert rs[1] == pytest.approx(1 - math.exp(-1.0))
    assert rs[-1] == pytest.approx(1.0, abs=1e-6)


def test_no_disinhibition_nothing_to_restore():
    base = load_patient(None).pain.circuit_kwargs()
    for name in ("multiplexed_dtm", "hf_10khz", "tonic_50hz", "burst_dr"):
        assert treated_scales(base, _prog(name), GlialParams()) == base


def test_e_cl_moves_toward_healthy():
    scales = {"gaba_scale": 1.0, "glycine_scale": 1.0, "e_cl_mv": -50.0}
    out = treated_scales(scales, _prog("multiplexed_dtm"), GlialParams(therapy_hours=1e4))
    assert out["e_cl_mv"] == pytest.approx(-70.0)
    half = treated_scales(scales, _prog("multiplexed_dtm"), GlialParams(glial_share=0.5, therapy_hours=1e4))
    assert half["e_cl_mv"] == pytest.approx(-60.0)


def test_bad_parameters_rejected():
    with pytest.raises((ValueError, ConfigError)):
        GlialParams(tau_hours=0.0)
    with pytest.raises((ValueError, ConfigError)):
        GlialParams(glial_share=1.5)
