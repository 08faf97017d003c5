"""Receptive fields by position: dorsal-column somatotopy, the painful area, in-field vs surround DC
fibres, DR fibres as segmental input (docs/MODEL.md §3 "Receptive fields and somatotopy").

Bounds are chosen from the phenomena (Gilbert et al. 2022 eNeuro: surround inhibition below the
perception threshold; in-field recruitment does not inhibit as the surround does), not from outputs.
Runs are short (0.5-3 s); the perception threshold is the one ``fibers.threshold.threshold`` returns.
"""

from __future__ import annotations

import numpy as np
import pytest

from scs_sim.config import load, load_patient, load_program
from scs_sim.dorsal_horn import circuit as C
from scs_sim.dorsal_horn import rate_backend
from scs_sim.dorsal_horn.afferents import (
    ROLE_INFIELD,
    ROLE_NONE,
    ROLE_SURROUND,
    PainState,
    afferent_spikes,
    merge_dc,
    merge_dr,
    receptive_field_roles,
)
from scs_sim.dorsal_horn.params import circuit_params
from scs_sim.errors import ConfigError
from scs_sim.fibers.anatomy import DERMATOMES, Anatomy, build_fibers, dermatome_index
from scs_sim.fibers.recruitment import recruit
from scs_sim.fibers.threshold import threshold
from scs_sim.simulation import simulate
from scs_sim.stim.programs import pulse_train
from scs_sim.validation.protocols_circuit import all_surround_area

SURROUND_RELIEF_MIN = 1.0     # % relief below the perception threshold (a clear effect; CRN make "none" exactly 0)
INFIELD_DEFICIT_MIN = 5.0     # pp less relief with the same fibres in-field than in the surround
SHORT_S = 3.0


def _pt_fibres(program, seed, anatomy=None):
    """The run's fibre population (as simulate builds it) and the program's perception threshold on it."""
    pat = load_patient(None)
    anat = anatomy or pat.anatomy
    fib = build_fibers(anat, np.random.default_rng(np.random.SeedSequence(seed).spawn(4)[0]))
    return fib, threshold(program, fib, seed, which="perception")


def _with_pain(patient, **pain):
    return patient.model_copy(update={"pain": patient.pain.model_copy(update=pain)})


# ---------------------------------------------------------------------------------------------
# somatotopy
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("segment", ["T10", "L2", "C5"])
def test_dermatome_mapping_is_monotone_medial_to_lateral(segment):
    a = Anatomy(lead_segment=segment)
    x = np.linspace(0.0, a.dc_half_width_mm, 2001)
    d = dermatome_index(a, x)
    assert np.all(np.diff(d) <= 0)  # more lateral: never more caudal
    assert DERMATOMES[d[0]] == "S5" and DERMATOMES[d[-1]] == segment
    assert set(d.tolist()) == set(range(DERMATOMES.index(segment), len(DERMATOMES)))  # every lamina present
    np.testing.assert_array_equal(dermatome_index(a, -x), d)  # mirror image on the other side


def test_fibre_draws_unchanged_and_dr_fibres_enter_the_lead_segment():
    a, b = Anatomy(), Anatomy(lead_segment="L3")
    pa, pb = build_fibers(a, np.random.default_rng(5)), build_fibers(b, np.random.default_rng(5))
    for name in ("x_mm", "depth_mm", "diameter_um", "node_offset_mm", "coupling"):
        np.testing.assert_array_equal(getattr(pa, name), getattr(pb, name))
    assert np.all(pb.dermatomes()[pb.is_dr] == DERMATOMES.index("L3"))
    np.testing.assert_array_equal(pa.dermatomes()[~pa.is_dr], dermatome_index(a, pa.x_mm[~pa.is_dr]))


def test_roles_follow_painful_area_side_and_surround_width():
    fib = build_fibers(Anatomy(), np.random.default_rng(2))
    derm = fib.dermatomes()
    pain = PainState(painful_area=["L4"], pain_side="right", surround_dermatomes=2)
    roles = receptive_field_roles(fib, pain)
    dist = np.abs(derm - DERMATOMES.index("L4"))
    right = fib.x_mm >= 0
    np.testing.assert_array_equal(roles == ROLE_INFIELD, right & (dist == 0))
    np.testing.assert_array_equal(roles == ROLE_SURROUND, right & (dist >= 1) & (dist <= 2))
    assert np.all(roles[~right] == ROLE_NONE)
    assert np.count_nonzero(roles == ROLE_INFIELD) > 0 and np.count_nonzero(roles == ROLE_SURROUND) > 0


@pytest.mark.parametrize("seed", [1, 2])
def test_moving_the_lead_laterally_changes_which_recruited_fibres_are_in_field(seed):
    """Right-sided lateral (rostral) painful area: a lead 3 mm to the right recruits in-field fibres, one
    3 mm to the left recruits none of them (each at 1.5 × its own perception threshold)."""
    prog, _ = load_program("tonic_50hz")
    pain = PainState(painful_area=["T10", "T11", "T12", "L1", "L2", "L3"], pain_side="right")
    infield = {}
    for off in (-3.0, 3.0):
        fib = build_fibers(Anatomy(lead_offset_mm=off), np.random.default_rng(seed))
        pt = threshold(prog, fib, seed, which="perception")
        rec = recruit(pulse_train(prog.model_copy(update={"amplitude_ma": 1.5 * pt})), fib,
                      np.random.default_rng(seed), 0.5)
        roles = receptive_field_roles(fib, pain)
        infield[off] = set(np.nonzero(rec.recruited & ~rec.is_dr & (roles == ROLE_INFIELD))[0].tolist())
    assert len(infield[3.0]) >= 1 and len(infield[-3.0]) == 0


# ---------------------------------------------------------------------------------------------
# surround inhibition (Gilbert 2022)
# ---------------------------------------------------------------------------------------------
def test_relief_below_perception_threshold_for_a_lead_over_the_surround():
    seed = 1
    prog, _ = load_program("tonic_90hz_subperception")
    fib, pt = _pt_fibres(prog, seed)
    amp = prog.model_copy(update={"amplitude_ma": 0.85 * pt})
    pat = load_patient(None)
    rec = recruit(pulse_train(amp), fib, np.random.default_rng(seed), 0.5)
    dc = rec.recruited & ~rec.is_dr
    assert dc.sum() >= 1  # the lead recruits a few DC fibres below the perception threshold
    sur = _with_pain(pat, painful_area=all_surround_area(fib, dc), surround_dermatomes=10)
    r = simulate(amp, sur, duration_s=SHORT_S, seed=seed)
    assert r.metrics["paresthesia"] is False or r.metrics["paresthesia"] == 0
    assert r.metrics["relief_pct"] > SURROUND_RELIEF_MIN
    # the same fibres with no connection to the WDR pool: exactly the baseline (common random numbers)
    far = _with_pain(pat, painful_area=all_surround_area(fib, dc), surround_dermatomes=0)
    roles = receptive_field_roles(fib, far.pain)
    if not np.any(roles[rec.recruited] != ROLE_NONE):
        assert simulate(amp, far, duration_s=SHORT_S, seed=seed).metrics["relief_pct"] == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("model", ["spiking", "rate"])
def test_in_field_recruitment_gives_less_relief_than_the_same_fibres_in_the_surround(model):
    seed = 1
    prog, _ = load_program("tonic_50hz")
    fib, pt = _pt_fibres(prog, seed)
    amp = prog.model_copy(update={"amplitude_ma": 1.2 * pt})
    pat = load_patient(None)
    rec = recruit(pulse_train(amp), fib, np.random.default_rng(seed), 0.5)
    dc = rec.recruited & ~rec.is_dr
    own = sorted({DERMATOMES[d] for d in fib.dermatomes()[dc]})
    r_in = simulate(amp, _with_pain(pat, painful_area=own), duration_s=SHORT_S, seed=seed, model=model)
    r_sur = simulate(amp, _with_pain(pat, painful_area=all_surround_area(fib, dc), surround_dermatomes=10),
                     duration_s=SHORT_S, seed=seed, model=model)
    assert r_in.metrics["baseline_wdr_rate_hz"] == pytest.approx(r_sur.metrics["baseline_wdr_rate_hz"], rel=0.02)
    assert r_in.metrics["relief_pct"] < r_sur.metrics["relief_pct"] - INFIELD_DEFICIT_MIN
    assert r_in.metrics["wdr_rate_hz"] > r_sur.metrics["wdr_rate_hz"]


# ---------------------------------------------------------------------------------------------
# the network and the rate backend use the same split
# ---------------------------------------------------------------------------------------------
def _small(n_dc, **over):
    return circuit_params("segment", {"n_abeta": 10, "n_adelta": 10, "n_c": 20, "n_dc": n_dc, "n_local_in": 4,
                                      "n_surround_in": 4, "n_ex": 6, "n_wdr": 5, **over})


def test_build_wires_each_role_and_keeps_other_pathways_independent_of_roles():
    p = _small(9)
    roles_a = np.array([0, 1, 2] * 3, dtype=np.int8)
    roles_b = np.array([2, 0, 1] * 3, dtype=np.int8)
    na = C.build(p, np.random.default_rng(4), dc_role=roles_a)
    nb = C.build(p, np.random.default_rng(4), dc_role=roles_b)
    dc0 = na.ranges["dc"][0]
    names = {k: (a - na.n_sources, b - na.n_sources) for k, (a, b) in na.ranges.items() if k not in
             ("abeta", "adelta", "c", "dc")}
    for k, role in enumerate(roles_a):
        tgt = na.target[na.indptr[dc0 + k]:na.indptr[dc0 + k + 1]]
        pops = {n for n, (a, b) in names.items() if np.any((tgt >= a) & (tgt < b))}
        if role == ROLE_NONE:
            assert tgt.size == 0
        elif role == ROLE_SURROUND:
            assert pops <= {"surround_in"}
        else:
            assert pops <= {"local_in", "wdr"} and pops
    # synapses of every non-dc source are identical whatever the roles
    n_before_dc = dc0
    first_neuron = na.ranges["local_in"][0]
    for arr in ("target", "weight_ns", "receptor"):
        a = getattr(na, arr)
        b = getattr(nb, arr)
        np.testing.assert_array_equal(a[:na.indptr[n_before_dc]], b[:nb.indptr[n_before_dc]])
        np.testing.assert_array_equal(a[na.indptr[first_neuron]:], b[nb.indptr[first_neuron]:])
    np.testing.assert_array_equal(na.dc_role, roles_a)


def test_build_rejects_bad_roles():
    p = _small(4)
    with pytest.raises(ConfigError, match="n_dc"):
        C.build(p, np.random.default_rng(0), dc_role=np.zeros(3, np.int8))
    with pytest.raises(ConfigError, match="dc_role"):
        C.build(p, np.random.default_rng(0), dc_role=np.array([0, 1, 2, 7]))


@pytest.mark.parametrize("backend", ["spiking", "rate"])
def test_sources_without_a_role_do_not_reach_either_backend(backend):
    p = _small(6, dc_full_volley=2)  # two synchronous surround sources = one published volley
    roles = np.array([0, 0, 1, 1, 2, 2], dtype=np.int8)
    net = C.build(p, np.random.default_rng(1), dc_role=roles)
    dur = 1.0
    nat = afferent_spikes(PainState(), C.afferent_sizes(p), dur, np.random.default_rng(2))
    pulses = np.arange(0.1, dur, 0.02)

    def run(sources):
        sp = merge_dc(nat, np.repeat(pulses, len(sources)), np.tile(np.array(sources), pulses.size))
        if backend == "spiking":
            return C.run(net, sp, dur).wdr_rate_hz()
        return rate_backend.run(net, sp, dur, dt_s=1e-4, bin_s=1e-3).wdr_rate_hz()

    base = run([])
    assert run([0, 1]) == pytest.approx(base, abs=1e-12)
    assert run([2, 3]) != pytest.approx(base, abs=1e-6)  # in-field
    assert run([4, 5]) < base  # surround: inhibition


# ---------------------------------------------------------------------------------------------
# DR fibres: segmental input
# ---------------------------------------------------------------------------------------------
def test_dr_spikes_reach_the_circuit_when_their_segment_is_in_the_painful_area():
    seed = 3
    anat = Anatomy(lead_segment="L4")
    fib = build_fibers(anat, np.random.default_rng(seed))
    prog, _ = load_program("tonic_50hz")
    pt = threshold(prog, fib, seed, which="perception")
    dur = 1.0
    rec = recruit(pulse_train(prog.model_copy(update={"amplitude_ma": 2.0 * pt})), fib,
                  np.random.default_rng(seed), dur)
    n_dr_spikes = int(rec.spike_count[rec.is_dr].sum())
    assert n_dr_spikes > 0  # the DR fibres are recruited at 2 × PT
    p = circuit_params("segment", {"n_dc": fib.n})
    nat = afferent_spikes(PainState(), C.afferent_sizes(p), dur, np.random.default_rng(seed))
    with_dc = merge_dc(nat, *rec.dc_spikes())
    both = merge_dr(with_dc, rec)
    assert len(both.dc) - len(with_dc.dc) == n_dr_spikes
    assert np.all(both.dc.index[both.dc.index >= fib.n_dc] < fib.n)
    rates = {}
    for area in (["L4"], ["T6"]):
        pain = PainState(painful_area=area, surround_dermatomes=0)
        roles = receptive_field_roles(fib, pain)
        assert np.all(roles[fib.is_dr] == (ROLE_INFIELD if area == ["L4"] else ROLE_NONE))
        net = C.build(p, np.random.default_rng(seed), dc_role=roles)
        rates[area[0]] = (C.run(net, with_dc, dur).wdr_rate_hz(), C.run(net, both, dur).wdr_rate_hz())
    assert rates["L4"][1] != pytest.approx(rates["L4"][0], abs=1e-6)  # in-field DR spikes change the WDR
    assert rates["T6"][1] == pytest.approx(rates["T6"][0], abs=1e-12)  # far from the area: no connection


# ---------------------------------------------------------------------------------------------
# configuration errors
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("section,line,key", [
    ("pain", 'painful_area = ["L4", "L9"]', "patient.pain.painful_area"),
    ("pain", "painful_area = []", "patient.pain.painful_area"),
    ("pain", 'painful_area = ["L4", "L4"]', "patient.pain.painful_area"),
    ("pain", 'pain_side = "top"', "patient.pain.pain_side"),
    ("pain", "surround_dermatomes = 11", "patient.pain.surround_dermatomes"),
    ("anatomy", 'lead_segment = "T13"', "patient.anatomy.lead_segment"),
])
def test_config_errors_name_the_key(tmp_path, section, line, key):
    f = tmp_path / "patient.toml"
    f.write_text(f'program = "tonic_50hz"\n\n[patient.{section}]\n{line}\n')
    with pytest.raises(ConfigError) as exc:
        load(f)
    assert exc.value.key is not None and exc.value.key.startswith(key), exc.value
    assert str(f) in str(exc.value)


def test_default_patient_painful_area():
    pat = load_patient(None)
    assert pat.pain.painful_area == ["L4", "L5"] and pat.pain.pain_side == "both"
    assert pat.anatomy.lead_segment == "T10"
