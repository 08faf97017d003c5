"""The double-cable MRG axon (scs_sim.fibers.biophysical_dcable): kernel vs NumPy twin, geometry, rest, CV, S-D."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scs_sim.errors import ConfigError
from scs_sim.fibers import biophysical_dcable as dc
from tests.naive_dcable import NaiveDCable

KIN = dc.node_kinetics(37.0)


def _point(cab, centre_node, distance_mm=1.0, rho_ohm_cm=500.0):
    """mV per mA of a point electrode ``distance_mm`` above a node (homogeneous medium)."""
    zc = cab.z_um[cab.node_index[centre_node]]
    r_cm = np.sqrt((distance_mm * 0.1) ** 2 + ((cab.z_um - zc) * 1e-4) ** 2)
    return rho_ohm_cm / (4.0 * math.pi * r_cm)


@pytest.mark.parametrize("diameter", [10.0, 7.0])
def test_kernel_matches_numpy_twin(diameter):
    p = dc.DCableParams(n_nodes=7, record_margin=1)
    cab = dc.build_cable(diameter, p)
    ve = _point(cab, 3)
    rest = dc.dcable_rest(cab, KIN)
    thr = dc.dcable_threshold(ve, cab, KIN, 100.0, p)
    # a spike, a pulse in its refractory period, a sub-threshold anodic phase, then settling
    start, width, cur = [0.0, 0.8, 2.0], [0.1, 0.1, 0.05], [-1.3 * thr, -1.3 * thr, 0.4 * thr]
    t_k, st = dc.dcable_run(ve, cab, KIN, start, width, cur, t_stop_ms=3.0, params=p)
    tw = NaiveDCable(cab, ve, rest, dt_ms=p.dt_us * 1e-3, min_sub=p.min_substeps)
    t_n = tw.run(start, width, cur, 3.0)
    assert t_k.size >= 1
    np.testing.assert_allclose(t_k, t_n, rtol=0, atol=1e-6)
    np.testing.assert_allclose(st.vm, tw.vm, rtol=0, atol=1e-5)
    np.testing.assert_allclose(st.vy, tw.vy, rtol=0, atol=1e-5)
    for a, b in zip((st.m, st.h, st.s, st.p), tw.g, strict=True):
        np.testing.assert_allclose(a[cab.is_node], b[cab.is_node], rtol=0, atol=1e-8)


def test_twin_mid_action_potential():
    p = dc.DCableParams(n_nodes=7, record_margin=1)
    cab = dc.build_cable(10.0, p)
    ve = _point(cab, 3)
    rest = dc.dcable_rest(cab, KIN)
    thr = dc.dcable_threshold(ve, cab, KIN, 100.0, p)
    _, st = dc.dcable_run(ve, cab, KIN, [0.0], [0.1], [-1.5 * thr], t_stop_ms=0.25, params=p)
    tw = NaiveDCable(cab, ve, rest, dt_ms=p.dt_us * 1e-3, min_sub=p.min_substeps)
    tw.run([0.0], [0.1], [-1.5 * thr], 0.25)
    assert np.abs(st.vm).max() > 30.0
    np.testing.assert_allclose(st.vm, tw.vm, rtol=0, atol=1e-5)
    np.testing.assert_allclose(st.vy, tw.vy, rtol=0, atol=1e-5)


def test_geometry_is_the_mrg_table():
    g = dc.mrg_geometry(10.0)
    assert (g["axon_um"], g["node_um"], g["deltax_um"], g["flut_um"], g["lamellae"]) == (6.9, 3.3, 1150.0, 46.0, 120.0)
    assert dc.mrg_geometry(10.75)["deltax_um"] == pytest.approx(1200.0)  # linear between rows
    with pytest.raises(ConfigError, match="5.7-16"):
        dc.mrg_geometry(4.0)
    p = dc.DCableParams(n_nodes=21)
    cab = dc.build_cable(10.0, p)
    assert cab.c_ax.size == 11 * 20 + 1 and cab.node_index.size == 21
    # node-to-node distance 1150 µm; STIN length (1150 - 1 - 2*3 - 2*46) / 6
    assert np.diff(cab.z_um[cab.node_index]) == pytest.approx(1150.0)
    stin = (1150.0 - 1.0 - 6.0 - 92.0) / 6.0
    # periaxonal conductance between two STINs: annulus of 4 nm around the 6.9 µm axon, 70 Ohm cm
    ann = math.pi * ((3.45 + 0.004) ** 2 - 3.45**2) * 1e-8
    assert cab.gp[5] == pytest.approx(1e6 / (70.0 * stin * 1e-4 / ann))
    # myelin of a STIN: 0.001 S/cm² per lamella membrane over 240 membranes, on the 10 µm fibre surface
    assert cab.g_my[5] == pytest.approx(1e-3 / 240 * math.pi * 10.0 * stin * 1e-8 * 1e6)
    assert cab.g_my[0] == 0.0 and cab.is_node[0] and cab.is_node[11]


def test_rest_is_stable_near_minus_80():
    p = dc.DCableParams(n_nodes=11)
    cab = dc.build_cable(10.0, p)
    rest = dc.dcable_rest(cab, KIN)
    assert np.abs(rest.vm).max() < 0.5  # within 0.5 mV of -80 mV (published E_L -90 pulls the node a little)
    ve = _point(cab, 5)
    thr = dc.dcable_threshold(ve, cab, KIN, 100.0, p)
    t, st = dc.dcable_run(ve, cab, KIN, [0.0], [0.1], [-0.5 * thr], t_stop_ms=30.0, params=p)
    assert t.size == 0
    np.testing.assert_allclose(st.vm, rest.vm, atol=0.05)


def test_conduction_velocity_per_diameter():
    """CV of the MRG fibre: ~5-6 m/s per µm of fibre diameter (large mammalian myelinated fibres)."""
    p = dc.DCableParams(n_nodes=21)
    for d in (8.7, 10.0, 14.0):
        cab = dc.build_cable(d, p)
        ve = _point(cab, 5)
        thr = dc.dcable_threshold(ve, cab, KIN, 100.0, p)
        t = []
        for node in (10, 16):
            c2 = cab._replace(rec=int(cab.node_index[node]))
            t.append(dc.dcable_run(ve, c2, KIN, [0.0], [0.1], [-1.5 * thr], t_stop_ms=3.0, params=p)[0][0])
        cv = 6 * dc.mrg_geometry(d)["deltax_um"] * 1e-3 / (t[1] - t[0])  # mm/ms = m/s
        assert 4.5 <= cv / d <= 6.5, (d, cv)


def test_line_potentials_match_the_population_conductor():
    from scs_sim.fibers.anatomy import INTERNODE_PER_DIAMETER, NODE_MARGIN_MM, Anatomy, build_fibers

    pop = build_fibers(Anatomy(dc_count=5, dr_count=2), np.random.default_rng(1))
    f = 2
    w = pop.contact_weights()
    ref = pop.node_potentials(f) @ w
    inter = INTERNODE_PER_DIAMETER * float(pop.diameter_um[f]) * 1e-3
    z = pop.anatomy.contact_z_mm()[0] - NODE_MARGIN_MM + pop.node_offset_mm[f] + inter * (np.arange(ref.size) - 1)
    got = dc.line_potentials(pop.anatomy, float(pop.x_mm[f]), float(pop.depth_mm[f]), z, w)
    np.testing.assert_allclose(got, ref, rtol=1e-12)
