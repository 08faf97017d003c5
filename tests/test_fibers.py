"""Tests of the anatomy and fibre population (scs_sim.fibers): presets, validation, geometry."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

from scs_sim.errors import ConfigError
from scs_sim.fibers.anatomy import Anatomy, build_fibers, parse_anatomy

PATIENTS = Path(__file__).resolve().parents[1] / "configs" / "patients"
LARGE_FRACTION_RTOL = 0.5  # the stratified DC sample holds 0.5 % > 10.7 µm within ±50 % (few fibres)
SEED = 1


@pytest.fixture(scope="module")
def pop():
    return build_fibers(Anatomy(), np.random.default_rng(SEED))


@pytest.mark.parametrize("name,csf", [("default", 3.0), ("thin_csf", 2.0), ("thick_csf", 5.0)])
def test_patient_presets_load(name, csf):
    table = tomllib.loads((PATIENTS / f"{name}.toml").read_text())
    assert table["patient"]["name"] == name
    anatomy = Anatomy(**table["patient"]["anatomy"])
    assert anatomy.csf_mm == csf
    assert parse_anatomy(table["patient"]["anatomy"]) == anatomy


def test_population_shapes(pop):
    a = Anatomy()
    n = a.dc_count + a.dr_count
    assert pop.n == n and pop.n_dc == a.dc_count and pop.n_dr == a.dr_count
    assert pop.coupling.shape == (n, a.n_contacts)
    assert pop.node_af.shape[0] == n and pop.node_af.shape[2] == a.n_contacts
    for arr in (pop.x_mm, pop.depth_mm, pop.diameter_um, pop.threshold_factor):
        assert arr.shape == (n,) and np.all(np.isfinite(arr))
    dc = ~pop.is_dr
    assert np.all((pop.depth_mm[dc] >= 0) & (pop.depth_mm[dc] <= a.dc_depth_max_mm))
    assert np.all(np.abs(pop.x_mm[dc]) <= a.dc_half_width_mm)
    assert np.all(np.abs(pop.x_mm[pop.is_dr]) > 0.5 * a.dr_lateral_mm)
    assert np.all(pop.threshold_factor[dc] == 1.0)
    assert np.all(pop.threshold_factor[pop.is_dr] == a.dr_threshold_factor)
    assert not pop.x_mm.flags.writeable


def test_dc_diameters_have_few_large_fibres():
    a = Anatomy(dc_count=2000, dr_count=0)
    d = build_fibers(a, np.random.default_rng(SEED)).diameter_um
    frac = np.mean(d > a.dc_large_diameter_um)
    assert frac == pytest.approx(a.dc_large_fraction, rel=LARGE_FRACTION_RTOL)
    assert np.median(d) == pytest.approx(a.dc_diameter_median_um, rel=0.05)


def test_coupling_falls_with_depth_and_rises_with_diameter(pop):
    c = pop.coupling[:, 3]
    dc = ~pop.is_dr & (np.abs(pop.x_mm) < 1.0)
    # Fibre excitability ~ D^2 / distance^3 for a far source: check the rank correlation signs.
    def rank_corr(x, y):
        rx, ry = np.argsort(np.argsort(x)), np.argsort(np.argsort(y))
        return np.corrcoef(rx, ry)[0, 1]

    assert rank_corr(pop.diameter_um[dc], c[dc]) > 0.5
    assert rank_corr(pop.depth_mm[dc], c[dc] / pop.diameter_um[dc] ** 2) < -0.5


def test_coupling_scales_with_csf():
    rng_seed = SEED
    c = [build_fibers(Anatomy(csf_mm=h), np.random.default_rng(rng_seed)).channel_coupling() for h in (2, 3, 5)]
    dc = slice(0, Anatomy().dc_count)
    assert np.all(c[0][dc] > c[1][dc]) and np.all(c[1][dc] > c[2][dc])


def test_anode_shields_and_monopolar(pop):
    bipole = pop.channel_coupling([3], [4])
    mono = pop.channel_coupling([3], [])
    assert np.all(bipole >= 0) and np.all(mono >= 0)
    assert np.all(mono == pop.coupling[:, 3])
    w = pop.contact_weights([3, 5], [4])
    assert w.sum() == pytest.approx(0.0) and w[3] == w[5] == 0.5 and w[4] == -1.0


@pytest.mark.parametrize(
    "table,key",
    [
        ({"csf_mm": -1.0}, "patient.anatomy.csf_mm"),
        ({"dc_count": 0}, "patient.anatomy.dc_count"),
        ({"dc_depth_max_mm": -0.5}, "patient.anatomy.dc_depth_max_mm"),
        ({"cathodes": [8]}, "patient.anatomy.cathodes"),
        ({"cathodes": [3], "anodes": [3]}, "patient.anatomy.anodes"),
        ({"anodes": [-1]}, "patient.anatomy.anodes.0"),
        ({"csf": 3.0}, "patient.anatomy.csf"),
    ],
)
def test_bad_anatomy_names_the_key(table, key):
    with pytest.raises(ConfigError) as exc:
        parse_anatomy(table, file="p.toml")
    assert exc.value.key == key
    assert key in str(exc.value) and "p.toml" in str(exc.value)


def test_typo_suggests_key():
    with pytest.raises(ConfigError, match="did you mean 'csf_mm'"):
        parse_anatomy({"csf_m": 3.0})


def test_build_rechecks_constructed_anatomy():
    bad = Anatomy.model_construct(**{**Anatomy().model_dump(), "dc_count": 0})
    with pytest.raises(ConfigError) as exc:
        build_fibers(bad, np.random.default_rng(0))
    assert exc.value.key == "anatomy.dc_count"
    bad = Anatomy.model_construct(**{**Anatomy().model_dump(), "cathodes": [12]})
    with pytest.raises(ConfigError) as exc:
        build_fibers(bad, np.random.default_rng(0))
    assert exc.value.key == "anatomy.cathodes"


def test_program_contacts_checked(pop):
    with pytest.raises(ConfigError) as exc:
        pop.channel_coupling([9], None)
    assert exc.value.key == "program.cathodes"


def test_build_is_deterministic():
    a = build_fibers(Anatomy(), np.random.default_rng(7))
    b = build_fibers(Anatomy(), np.random.default_rng(7))
    c = build_fibers(Anatomy(), np.random.default_rng(8))
    assert np.array_equal(a.coupling, b.coupling) and np.array_equal(a.diameter_um, b.diameter_um)
    assert not np.array_equal(a.coupling, c.coupling)
