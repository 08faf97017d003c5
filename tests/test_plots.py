"""Plot functions on real results: the Axes hold the expected data; saved files are non-empty PNGs."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from scs_sim.config.loader import load_program  # noqa: E402
from scs_sim.fibers.anatomy import Anatomy, build_fibers  # noqa: E402
from scs_sim.fibers.curves import amplitude_scan, fiber_thresholds, recruitment_curves  # noqa: E402
from scs_sim.fibers.recruitment import recruit  # noqa: E402
from scs_sim.plots import (  # noqa: E402
    plot_circuit_schematic,
    plot_comparison_bars,
    plot_cross_section,
    plot_fiber_raster,
    plot_frequency_response,
    plot_heatmap,
    plot_pareto,
    plot_pulse_shape,
    plot_recruitment_curve,
    plot_strength_duration,
    plot_train,
    plot_waveforms,
    raster_comparison_figure,
    run_figure,
)
from scs_sim.plots.schematic import circuit_edges  # noqa: E402
from scs_sim.plots.sweeps import grid_means, response_curve  # noqa: E402
from scs_sim.stim.programs import high_frequency, pulse_train, tonic  # noqa: E402
from scs_sim.study.compare import compare  # noqa: E402
from scs_sim.validation.references import HERSHEY_2010 as _HERSHEY  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
#: Hershey et al. 2010 Pain Physician 13:321 perception curve (rheobase mA, chronaxie µs).
HERSHEY_2010 = _HERSHEY.reference
#: Exact equality of plotted float data with its input (no arithmetic in between but ×100 or unit scaling).
DATA_RTOL = 1e-12
ALL_PRESETS = (
    "tonic_50hz",
    "tonic_90hz_subperception",
    "burst_dr",
    "hf_10khz",
    "hd_1khz",
    "multiplexed_dtm",
    "custom_example",
)


def save(fig, path) -> None:
    """Save a figure as the app does (saving is not the plots' job) and close it."""
    fig.savefig(path, dpi=120)
    plt.close(fig)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def fibers():
    return build_fibers(Anatomy(), np.random.default_rng(1))


@pytest.fixture(scope="module")
def spiking_result():
    from scs_sim.simulation import simulate

    return simulate("tonic_50hz", duration_s=1.0, seed=1, model="spiking")


@pytest.fixture(scope="module")
def sweep_table(tmp_path_factory):
    """A real 3 × 2-point sweep (frequency × amplitude, 2 replicates, 0.5 s spiking runs)."""
    from scs_sim.study import run_sweep
    from scs_sim.study.store import load_results

    spec = {
        "program": {
            "name": "t",
            "kind": "tonic",
            "frequency_hz": 50.0,
            "pulse_width_us": 210.0,
            "amplitude_ma": 8.0,
        },
        "simulation": {"duration_s": 0.5, "seed": 1},
        "sweep": {
            "method": "grid",
            "replicates": 2,
            "seed": 1,
            "axes": {"program.frequency_hz": [5.0, 50.0, 500.0], "program.amplitude_ma": [6.0, 10.0]},
        },
    }
    out = tmp_path_factory.mktemp("sweep") / "store"
    run_sweep(spec, out=out, backend="serial", progress=False)
    return load_results(out)


def _assert_png(path):
    data = path.read_bytes()
    assert len(data) > 1000 and data[:8] == PNG_MAGIC


# -- waveforms -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL_PRESETS)
def test_pulse_shape_every_preset_labels_charge_and_recharge(name, tmp_path):
    program, _ = load_program(name)
    ax = plot_pulse_shape(program)
    texts = [t.get_text() for t in ax.texts]
    assert any("µC" in t for t in texts)
    assert any("recharge" in t for t in texts)
    expect = "passive recharge" if name == "burst_dr" else "active recharge"
    assert any(expect in t for t in texts)
    assert any(t.startswith("gap") or t == "no gap" for t in texts)
    n_ch = len(pulse_train(program).channels)
    steps = [ln for ln in ax.lines if ln.get_xydata().shape[0] > 2]
    assert len(steps) == n_ch
    save(ax.figure, tmp_path / "p.png")
    _assert_png(tmp_path / "p.png")


def test_pulse_shape_data_and_gap_label():
    p = tonic(amplitude_ma=4.0, pulse_width_us=200.0, interphase_gap_us=50.0)
    ax = plot_pulse_shape(p)
    y = ax.lines[0].get_ydata()
    assert y.min() == pytest.approx(-4.0) and y.max() == pytest.approx(4.0 * 200 / 200)
    assert "gap 50 µs" in [t.get_text() for t in ax.texts]
    q_uc = 4.0 * 200e-6 * 1e3
    assert any(t.get_text().startswith(f"{q_uc:.3g} µC") for t in ax.texts)


def test_multiplexed_channels_in_different_colours():
    program, _ = load_program("multiplexed_dtm")
    for fn in (plot_pulse_shape, plot_train):
        ax = fn(program)
        lines = [ln for ln in ax.lines if ln.get_xydata().shape[0] > 2]
        assert len(lines) == 2
        assert lines[0].get_color() != lines[1].get_color()
        assert [t.get_text() for t in ax.get_legend().get_texts()][0].startswith("channel 0")


def test_train_line_equals_sampled_train():
    p = tonic(frequency_hz=100.0)
    train = pulse_train(p)
    ax = plot_train(p, duration_s=0.05)
    x, y = ax.lines[0].get_xdata(), ax.lines[0].get_ydata()
    fs = float(np.clip(20_000 / 0.05, 2e5, 5e7))
    t, cur = train.sample(0.0, 0.05, fs)
    np.testing.assert_allclose(y, cur, rtol=DATA_RTOL)
    np.testing.assert_allclose(x, t * 1e3, rtol=DATA_RTOL)


def test_plot_waveforms_figure(tmp_path):
    fig = plot_waveforms(load_program("burst_dr")[0])
    assert len(fig.axes) == 2
    save(fig, tmp_path / "w.png")
    _assert_png(tmp_path / "w.png")


# -- recruitment ---------------------------------------------------------------------------------------


def test_recruitment_curve_lines_equal_curves(fibers, tmp_path):
    amps = np.linspace(2.0, 24.0, 8)
    curves = recruitment_curves(tonic(), fibers, amps, (210.0, 450.0))
    assert set(curves) == {210.0, 450.0}
    # wider pulses recruit at least as many fibres at the top amplitude; something is recruited
    assert curves[450.0][-1] >= curves[210.0][-1] > 0
    ax = plot_recruitment_curve(amps, curves)
    assert len(ax.lines) == 2
    for line, pw in zip(ax.lines, sorted(curves), strict=True):
        np.testing.assert_allclose(line.get_xdata(), amps, rtol=DATA_RTOL)
        np.testing.assert_allclose(line.get_ydata(), 100 * curves[pw], rtol=DATA_RTOL)
    save(ax.figure, tmp_path / "rc.png")
    _assert_png(tmp_path / "rc.png")


def test_strength_duration_marks_fit_and_hershey(fibers):
    from scs_sim.fibers.threshold import fit_strength_duration, strength_duration

    pws = np.array([60.0, 120.0, 300.0, 700.0])
    thr = strength_duration(tonic(), fibers, 7, pws, duration_s=0.3)
    ax = plot_strength_duration(pws, thr, fit=fit_strength_duration(pws, thr), reference=HERSHEY_2010,
                                reference_label="Hershey 2010")
    np.testing.assert_allclose(ax.lines[0].get_xdata(), pws[np.isfinite(thr)])
    np.testing.assert_allclose(ax.lines[0].get_ydata(), thr[np.isfinite(thr)])
    labels = [ln.get_label() for ln in ax.lines]
    rh, ch = fit_strength_duration(pws, thr)
    assert any(f"chronaxie {ch:.0f} µs" in lab for lab in labels)
    assert any("Hershey 2010: 2.5 mA, 295 µs" in lab for lab in labels)
    star = [ln for ln in ax.lines if ln.get_label() == "Hershey 2010 chronaxie point"][0]
    assert star.get_xdata()[0] == 295.0 and star.get_ydata()[0] == 5.0


def test_cross_section_one_point_per_fibre(fibers, tmp_path):
    thr = fiber_thresholds(tonic(), fibers, np.linspace(1.0, 25.0, 13))
    assert thr.shape == (fibers.n,) and np.isfinite(thr).any()
    ax = plot_cross_section(fibers, thresholds_ma=thr)
    pts = ax.collections[0]
    np.testing.assert_allclose(pts.get_offsets()[:, 0], fibers.x_mm)
    np.testing.assert_allclose(pts.get_offsets()[:, 1], -fibers.depth_mm)
    arr = np.ma.filled(pts.get_array().astype(float), np.nan)
    np.testing.assert_array_equal(np.isfinite(arr), np.isfinite(thr))
    sizes = pts.get_sizes()
    assert sizes[np.argmax(fibers.diameter_um)] == sizes.max()  # marker size by diameter
    assert any(p.__class__.__name__ == "Circle" for p in ax.patches)  # the lead
    a = fibers.anatomy
    lead = [p for p in ax.patches if p.__class__.__name__ == "Circle"][0]
    assert lead.center[1] > a.csf_mm > 0  # above the CSF, above the cord surface (0)
    save(ax.figure, tmp_path / "cs.png")
    _assert_png(tmp_path / "cs.png")
    rec = amplitude_scan(tonic(), fibers, [12.0])[0]
    ax2 = plot_cross_section(fibers, recruited=rec)
    assert len(ax2.collections[0].get_offsets()) == fibers.n


def test_fiber_raster_50hz_vs_10khz(fibers, tmp_path):
    r50 = recruit(pulse_train(tonic(amplitude_ma=12.0)), fibers, np.random.default_rng(1), 0.3)
    r10k = recruit(pulse_train(high_frequency(amplitude_ma=30.0)), fibers, np.random.default_rng(1), 0.3)
    for rec in (r50, r10k):
        ax = plot_fiber_raster(rec, t1=0.3)
        dc = np.flatnonzero(~rec.is_dr & (rec.spike_count > 0))
        n_spikes = int(sum(rec.spikes(int(f)).size for f in dc))
        assert ax.lines[0].get_xdata().size == n_spikes
        assert len(np.unique(ax.lines[0].get_ydata())) == dc.size
    fig = raster_comparison_figure({"50 Hz": r50, "10 kHz": r10k}, t1=0.3)
    assert len(fig.axes) == 2
    save(fig, tmp_path / "r.png")
    _assert_png(tmp_path / "r.png")


# -- the gate ------------------------------------------------------------------------------------------


def test_schematic_nodes_coloured_by_rate(spiking_result, tmp_path):
    r = spiking_result
    ax = plot_circuit_schematic(r)
    nodes = ax.collections[0]
    order = ["dc", "abeta", "adelta", "c", "surround_in", "local_in", "ex", "wdr"]
    assert len(nodes.get_offsets()) == len(order)
    np.testing.assert_allclose(
        np.asarray(nodes.get_array(), dtype=float), [np.mean(r.rates_hz[p]) for p in order], rtol=DATA_RTOL
    )
    gids = [p.get_gid() for p in ax.patches if p.get_gid()]
    from scs_sim.dorsal_horn.circuit import preset

    edges = circuit_edges(preset(r.config.simulation.circuit))
    assert len(gids) == len(edges)
    assert "inh:local_in->wdr" in gids and "exc:c->ex" in gids and "exc:dc->surround_in" in gids
    inh = [p for p in ax.patches if (p.get_gid() or "").startswith("inh")]
    exc = [p for p in ax.patches if (p.get_gid() or "").startswith("exc")]
    assert inh and exc and inh[0].get_edgecolor() != exc[0].get_edgecolor()
    save(ax.figure, tmp_path / "s.png")
    _assert_png(tmp_path / "s.png")


def test_schematic_rate_model_leaves_missing_populations_grey():
    from scs_sim.simulation import simulate

    r = simulate("tonic_50hz", duration_s=0.5, seed=1, model="rate")
    ax = plot_circuit_schematic(r)
    arr = np.ma.filled(np.asarray(ax.collections[0].get_array(), dtype=float), np.nan)
    assert np.isnan(arr[0]) and np.isfinite(arr[-1])  # dc has no rate in the rate model; wdr has


def test_run_figure_reused(spiking_result, tmp_path):
    fig = run_figure(spiking_result)
    save(fig, tmp_path / "run.png")
    _assert_png(tmp_path / "run.png")


# -- sweeps --------------------------------------------------------------------------------------------


def test_heatmap_holds_grid_means(sweep_table, tmp_path):
    t = sweep_table
    ax = plot_heatmap(t, "program.frequency_hz", "program.amplitude_ma")
    img = np.asarray(ax.images[0].get_array(), dtype=float)
    assert img.shape == (2, 3)
    for i, a in enumerate([6.0, 10.0]):
        for j, f in enumerate([5.0, 50.0, 500.0]):
            sel = t[(t["program.amplitude_ma"] == a) & (t["program.frequency_hz"] == f)]["relief_pct"]
            assert img[i, j] == pytest.approx(sel.mean(), rel=1e-12)
    xs, ys, z = grid_means(t, "program.frequency_hz", "program.amplitude_ma")
    np.testing.assert_array_equal(z, img)
    save(ax.figure, tmp_path / "h.png")
    _assert_png(tmp_path / "h.png")


def test_frequency_response_line_and_band(sweep_table):
    t = sweep_table
    ax = plot_frequency_response(t, by="program.amplitude_ma")
    assert len(ax.lines) == 2 and len(ax.collections) == 2  # one curve and one CI band per amplitude
    sub = t[t["program.amplitude_ma"] == 6.0]
    xs, m, ci = response_curve(sub)
    np.testing.assert_allclose(ax.lines[0].get_xdata(), [5.0, 50.0, 500.0])
    np.testing.assert_allclose(ax.lines[0].get_ydata(), m)
    assert ax.get_xscale() == "log"
    for x, g in sub.groupby("program.frequency_hz"):
        assert m[list(xs).index(x)] == pytest.approx(g["relief_pct"].mean())


def test_pareto_and_bars_match_comparison(sweep_table, tmp_path):
    cmp = compare(sweep_table)
    ax = plot_comparison_bars(cmp)
    widths = [p.get_width() for p in ax.patches]
    np.testing.assert_allclose(widths, np.nan_to_num(cmp["relief_pct_mean"].to_numpy()), rtol=DATA_RTOL)
    ticks = sorted(
        zip(ax.get_yticks(), [t.get_text() for t in ax.get_yticklabels()], strict=True), reverse=True
    )
    labels = [lab for _, lab in ticks]  # best on top: "#row name" (cut with "…"), "(infeasible)" marked
    assert len(labels) == len(cmp)
    for i, (lab, name, ok) in enumerate(zip(labels, cmp["program"], cmp["feasible"], strict=True)):
        assert lab.startswith(f"#{i + 1} ") and lab.endswith("(infeasible)") != bool(ok)
        assert name.startswith(lab[len(f"#{i + 1} "):].removesuffix(" (infeasible)").removesuffix("…"))
    save(ax.figure, tmp_path / "b.png")
    _assert_png(tmp_path / "b.png")
    ax = plot_pareto(cmp)
    allpts, front = ax.collections[0], ax.collections[1]
    ok = cmp["feasible"].to_numpy(dtype=bool)  # the first collection: the feasible programs
    assert len(allpts.get_offsets()) == int(ok.sum())
    assert len(front.get_offsets()) == int(cmp["pareto"].sum()) >= 1
    np.testing.assert_allclose(allpts.get_offsets()[:, 1], cmp["relief_pct_mean"][ok])
    assert "recharge" in ax.get_xlabel() or "battery" in ax.get_xlabel()


def test_schematic_draws_the_infield_route_when_recruited_fibres_are_in_field():
    """Position-based roles: the in-field DC edges appear exactly when a recruited fibre is in-field."""
    import matplotlib.pyplot as plt

    import scs_sim
    from scs_sim.dorsal_horn.afferents import ROLE_INFIELD
    from scs_sim.plots import plot_circuit_schematic

    r = scs_sim.simulate("tonic_50hz", duration_s=0.3, seed=1)
    fired = r.recruitment.spike_count > 0
    expect = bool(np.any(fired & (r.dc_role == ROLE_INFIELD)))
    ax = plot_circuit_schematic(r)
    gids = {p.get_gid() for p in ax.patches}
    assert ("exc:dc->wdr" in gids) == expect  # in-field DC sources drive the WDR like local Aβ
    roles = r.dc_role.copy()
    r.dc_role = np.zeros_like(roles)  # no in-field source
    assert "exc:dc->wdr" not in {p.get_gid() for p in plot_circuit_schematic(r).patches}
    r.dc_role = roles.copy()
    r.dc_role[np.flatnonzero(fired)[0]] = ROLE_INFIELD  # one recruited fibre in the field
    assert "exc:dc->wdr" in {p.get_gid() for p in plot_circuit_schematic(r).patches}
    plt.close("all")
