"""Sensitivity analysis (scs_sim.study.sensitivity) checked on the Ishigami function, whose indices are
known, through the same code path as a real sweep: a spec with ``method = "saltelli"`` (or
``"morris"``), ``run_sweep`` into a store with a fake evaluator (``tests.test_sensitivity:evaluate``,
no simulation), then :func:`sensitivity` from the store.

Ishigami & Homma (1990): f = sin x1 + a sin² x2 + b x3⁴ sin x1 on [-π, π]³, a = 7, b = 0.1. Its
variance decomposition is analytic (Sobol' & Levitan 1999; the values used by SALib's tests):
S1 = (0.314, 0.442, 0), ST = (0.558, 0.442, 0.244). The three axes are config keys swept over an
interval of width 2π; the evaluator shifts each to [-π, π] (``CENTRES``).

Morris at 4 levels (step Δ = 2/3 of the range) has analytic elementary effects here too: x2 always
gives |EE| = 7 · 0.75 / Δ = 7.875; x1 gives 0.866 (1 + 0.1 x3⁴) / Δ averaged over the four x3
levels = 7.70; x3 gives 0.1 · 96.2 · |sin x1| / Δ, 0 or 12.5 with equal chance = 6.25. So x1 and x2
rank above x3, and mu* is known to compare with.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from scs_sim.errors import ConfigError

EVALUATOR = "tests.test_sensitivity:evaluate"
A, B = 7.0, 0.1
S1_TRUE = (0.314, 0.442, 0.0)
ST_TRUE = (0.558, 0.442, 0.244)
#: Axis key -> centre of its interval [centre - π, centre + π] (x = value - centre).
CENTRES = {
    "patient.anatomy.lead_offset_mm": 0.0,
    "program.amplitude_ma": 5.0,
    "program.frequency_hz": 100.0,
}
KEYS = list(CENTRES)


def ishigami(x1, x2, x3):
    return math.sin(x1) + A * math.sin(x2) ** 2 + B * x3**4 * math.sin(x1)


def evaluate(cfg) -> dict:
    """The Ishigami function of the three swept config values (no simulation)."""
    x1 = cfg.patient.anatomy.lead_offset_mm - CENTRES[KEYS[0]]
    x2 = cfg.program.amplitude_ma - CENTRES[KEYS[1]]
    x3 = cfg.program.frequency_hz - CENTRES[KEYS[2]]
    y = ishigami(x1, x2, x3)
    return {"y": y, "relief_pct": y, "constant": 1.0, "label": "ishigami"}


def spec_dict(method: str, points: int, replicates: int = 1, seed: int = 11) -> dict:
    return {
        "program": "tonic_50hz",
        "simulation": {"duration_s": 0.5},
        "sweep": {
            "method": method,
            "points": points,
            "replicates": replicates,
            "seed": seed,
            "axes": {k: {"range": [c - math.pi, c + math.pi]} for k, c in CENTRES.items()},
        },
    }


@pytest.fixture(scope="module")
def saltelli_store(tmp_path_factory):
    from scs_sim.study import load_spec, run_sweep

    out = tmp_path_factory.mktemp("saltelli") / "store"
    sp = load_spec(spec_dict("saltelli", 1024), evaluate=EVALUATOR)
    summary = run_sweep(sp, out=out, backend="serial", chunk_size=2048, progress=False)
    return out, summary, sp


def test_saltelli_design_size_and_blocks():
    from scs_sim.study import load_spec

    sp = load_spec(spec_dict("saltelli", 8), evaluate=EVALUATOR)
    assert sp.n_points == 8 * (3 + 2)
    pts = np.array([[p[k] for k in KEYS] for p in sp.design()])
    # each base sample: A, AB_1..AB_3 (A with column j from B), B
    for i in range(8):
        a, ab, b = pts[5 * i], pts[5 * i + 1 : 5 * i + 4], pts[5 * i + 4]
        for j in range(3):
            want = a.copy()
            want[j] = b[j]
            assert np.allclose(ab[j], want)
    lo = np.array([c - math.pi for c in CENTRES.values()])
    assert ((pts >= lo - 1e-9) & (pts <= lo + 2 * math.pi + 1e-9)).all()
    assert load_spec(spec_dict("saltelli", 8)).design() == sp.design()  # seeded: the same design


def test_sobol_indices_of_ishigami_from_the_store(saltelli_store):
    from scs_sim.study.sensitivity import sensitivity

    out, summary, _ = saltelli_store
    assert summary["rows"] == 1024 * 5
    df = sensitivity(out, output="y")
    assert list(df["parameter"]) == KEYS
    assert df.attrs["method"] == "saltelli" and df.attrs["rows"] == 5120
    for col, true in (("S1", S1_TRUE), ("ST", ST_TRUE)):
        est, conf = df[col].to_numpy(), df[f"{col}_conf"].to_numpy()
        # the analytic value lies inside the 95 % CI, and the CI is narrow enough to mean something
        assert (np.abs(est - np.array(true)) <= conf).all(), (col, est, conf)
        assert (conf < 0.1).all(), (col, conf)
    # reproducible: the bootstrap is seeded by the sweep's seed
    again = sensitivity(out, output="y")
    assert again.equals(df)


def test_rows_are_mapped_to_design_points_by_point_index(saltelli_store):
    """The store's parts are not in design order in general; sensitivity() must use ``point``."""
    from scs_sim.study import load_results
    from scs_sim.study.sensitivity import sensitivity

    out, _, sp = saltelli_store
    table = load_results(out)
    shuffled = table.sample(frac=1.0, random_state=np.random.RandomState(0)).reset_index(drop=True)
    a = sensitivity(table, sp, output="y")
    b = sensitivity(shuffled, sp, output="y")
    assert np.allclose(a[["S1", "ST"]].to_numpy(), b[["S1", "ST"]].to_numpy())
    # a table whose rows lost their point index would give other (wrong) indices
    wrong = table.copy()
    wrong["point"] = np.random.default_rng(1).permutation(wrong["point"].to_numpy())
    c = sensitivity(wrong, sp, output="y")
    assert not np.allclose(a["S1"].to_numpy(), c["S1"].to_numpy(), atol=0.05)


def test_replicates_are_averaged_per_point(tmp_path):
    from scs_sim.study import load_results, run_sweep
    from scs_sim.study.sensitivity import sensitivity

    out = tmp_path / "rep"
    run_sweep(spec_dict("saltelli", 64, replicates=2), out=out, backend="serial", evaluate=EVALUATOR,
              chunk_size=1024, progress=False)
    table = load_results(out)
    assert len(table) == 64 * 5 * 2
    both = sensitivity(out, output="y", num_resamples=200)
    one = sensitivity(out, output="y", num_resamples=200, replicate=1)
    # the evaluator has no noise: the mean of two equal replicates is either replicate
    assert np.allclose(both[["S1", "ST"]].to_numpy(), one[["S1", "ST"]].to_numpy())
    assert both.attrs["replicates"] == 2 and one.attrs["replicates"] == 1
    # a replicate's rows shifted by a constant: the mean shifts, the indices do not
    shifted = table.copy()
    shifted.loc[shifted["replicate"] == 0, "y"] += 10.0
    from scs_sim.study import load_spec

    sp = load_spec(spec_dict("saltelli", 64, replicates=2), evaluate=EVALUATOR)
    moved = sensitivity(shifted, sp, output="y", num_resamples=200)
    assert np.allclose(moved[["S1", "ST"]].to_numpy(), both[["S1", "ST"]].to_numpy())


def test_morris_ranks_x1_x2_above_x3(tmp_path):
    from scs_sim.study import run_sweep
    from scs_sim.study.sensitivity import format_sensitivity, sensitivity

    out = tmp_path / "morris"
    summary = run_sweep(spec_dict("morris", 200), out=out, backend="serial", evaluate=EVALUATOR,
                        chunk_size=1024, progress=False)
    assert summary["rows"] == 200 * (3 + 1)
    df = sensitivity(out, output="y")
    assert list(df.columns) == ["parameter", "mu", "mu_star", "mu_star_conf", "sigma"]
    mu_star = df["mu_star"].to_numpy()
    assert mu_star[0] > mu_star[2] and mu_star[1] > mu_star[2], mu_star
    # mu* in output units per whole axis range, against the analytic 4-level values (module docstring)
    x3_levels = -math.pi + 2 * math.pi * np.arange(4) / 3
    step = 2 / 3
    expected = np.array([
        math.sin(math.pi / 3) * np.mean(1 + B * x3_levels**4) / step,  # 7.70
        A * math.sin(math.pi / 3) ** 2 / step,  # 7.875
        B * (math.pi**4 - (math.pi / 3) ** 4) * 0.5 * math.sin(math.pi / 3) / step,  # 6.25
    ])
    conf = df["mu_star_conf"].to_numpy()
    assert (np.abs(mu_star - expected) <= conf + 1e-9).all(), (mu_star, expected, conf)
    # every x2 step is worth exactly 7.875 in absolute value: mu* is exact and its CI zero
    assert mu_star[1] == pytest.approx(7.875, rel=1e-9) and df["mu_star_conf"].iloc[1] < 1e-9
    text = format_sensitivity(df)
    assert "Morris" in text and KEYS[2] in text and "mu*" in text


# ---------------------------------------------------------------------------------------------------
# Sizes and errors
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "points", "replicates", "runs"),
    [("saltelli", 2**18, 1, (2**18) * 5), ("saltelli", 2**17, 2, (2**17) * 5 * 2), ("morris", 300_000, 1, 1_200_000)],
)
def test_size_limit_counts_the_design_rows_before_expansion(method, points, replicates, runs):
    import time

    from scs_sim.study import load_spec

    t0 = time.perf_counter()
    with pytest.raises(ConfigError) as ei:
        load_spec(spec_dict(method, points, replicates))
    assert time.perf_counter() - t0 < 2.0  # refused before any design is made
    msg = str(ei.value)
    assert ei.value.key == "sweep.points" and f"{runs:,} runs" in msg and "1,000,000" in msg, msg
    assert ("axes + 2" if method == "saltelli" else "axes + 1") in msg and "of one core" in msg, msg


def test_size_limit_allows_a_design_just_below_it():
    from scs_sim.study.spec import check_size, load_spec

    sp = load_spec(spec_dict("saltelli", 8), evaluate=EVALUATOR)
    assert check_size(sp.axes, 8, 3, sp.base, method="saltelli") == 8 * 5 * 3
    assert check_size(sp.axes, 200_000, 1, sp.base, method="saltelli") == 1_000_000
    with pytest.raises(ConfigError, match=r"1,000,005 runs"):
        check_size(sp.axes, 200_001, 1, sp.base, method="saltelli")


@pytest.mark.parametrize(
    ("method", "points", "words"),
    [
        ("saltelli", 100, ["power of 2", "got 100", "64 or 128"]),
        ("saltelli", 1, ["power of 2", "got 1"]),
        ("morris", 1, ["at least 2 trajectories", "got 1"]),
    ],
)
def test_bad_design_sizes_name_the_key_value_and_allowed(tmp_path, method, points, words):
    from scs_sim.study import load_spec

    d = spec_dict(method, points)
    axes = "\n".join(f'"{k}" = {{ range = [{v["range"][0]!r}, {v["range"][1]!r}] }}' for k, v in d["sweep"]["axes"].items())
    f = tmp_path / "bad.toml"
    f.write_text(
        f'program = "tonic_50hz"\n[simulation]\nduration_s = 0.5\n[sweep]\nmethod = "{method}"\n'
        f"points = {points}\n[sweep.axes]\n{axes}\n"
    )
    with pytest.raises(ConfigError) as ei:
        load_spec(f)
    msg = str(ei.value)
    assert "bad.toml" in msg and ei.value.key == "sweep.points", msg
    for w in words:
        assert w in msg, msg


def test_categorical_axes_are_refused_for_sensitivity_designs():
    from scs_sim.study import load_spec

    d = spec_dict("saltelli", 8)
    d["sweep"]["axes"]["program"] = ["tonic_50hz", "burst_dr"]
    with pytest.raises(ConfigError, match="categorical"):
        load_spec(d)


@pytest.mark.parametrize(
    ("options", "key", "words"),
    [
        ({"output": "relief"}, "output", ["no such result column", "did you mean 'relief_pct'", "allowed:"]),
        ({"output": "label"}, "output", ["not a numeric result column", "allowed:"]),
        ({"output": "constant"}, "output", ["the same (1)", "no variance"]),
        ({"conf_level": 1.5}, "conf_level", ["between 0 and 1", "1.5"]),
        ({"conf_level": 0}, "conf_level", ["between 0 and 1"]),
        ({"num_resamples": 0}, "num_resamples", ["from 2 to 100,000", "got 0"]),
        ({"num_resamples": 2.5}, "num_resamples", ["integer"]),
        ({"replicate": 3}, "replicate", ["from 0 to 0", "got 3"]),
    ],
)
def test_bad_sensitivity_options_are_config_errors(saltelli_store, options, key, words):
    from scs_sim.study.sensitivity import sensitivity

    out, _, _ = saltelli_store
    kwargs = {"output": "y", **options}
    with pytest.raises(ConfigError) as ei:
        sensitivity(out, **kwargs)
    msg = str(ei.value)
    assert ei.value.key == key and ei.value.file == str(out), msg
    for w in words:
        assert w in msg, msg


def test_sensitivity_refuses_other_designs_and_incomplete_stores(tmp_path):
    from scs_sim.study import load_results, load_spec, run_sweep
    from scs_sim.study.sensitivity import sensitivity

    out = tmp_path / "sobol"
    run_sweep(spec_dict("sobol", 16), out=out, backend="serial", evaluate=EVALUATOR, progress=False)
    with pytest.raises(ConfigError) as ei:
        sensitivity(out, output="y")
    assert ei.value.key == "sweep.method" and "'sobol'" in str(ei.value) and "saltelli, morris" in str(ei.value)

    sp = load_spec(spec_dict("saltelli", 8), evaluate=EVALUATOR)
    out2 = tmp_path / "salt"
    run_sweep(sp, out=out2, backend="serial", evaluate=EVALUATOR, progress=False)
    table = load_results(out2)
    partial = table[~table["point"].isin([3, 17])]
    with pytest.raises(ConfigError, match=r"2 of 40 design points .*points 3, 17.*--resume"):
        sensitivity(partial, sp, output="y")
    failed = table.copy()
    failed.loc[failed["point"] == 5, "y"] = float("nan")
    with pytest.raises(ConfigError, match=r"1 of 40 design points .*points 5"):
        sensitivity(failed, sp, output="y")
    with pytest.raises(ConfigError, match="needs the sweep's spec"):
        sensitivity(table, output="y")


# ---------------------------------------------------------------------------------------------------
# Report section and CLI
# ---------------------------------------------------------------------------------------------------


def test_report_section_has_the_chart_and_the_table(saltelli_store):
    from scs_sim.app.cli.common import use_agg
    from scs_sim.app.report_sensitivity import sensitivity_section
    from scs_sim.study.sensitivity import sensitivity

    use_agg()
    out, _, _ = saltelli_store
    text = sensitivity_section(out, output="y", dpi=60)
    df = sensitivity(out, output="y")
    assert text.count('<img src="data:image/png;base64,') == 1 and 'id="sensitivity"' in text
    assert text.count("<tr>") == 1 + len(KEYS)
    for key, short in zip(KEYS, ("lead_offset_mm", "amplitude_ma", "frequency_hz"), strict=True):
        assert f'title="{key}">{short}</td>' in text
    for v in (*df["S1"], *df["ST_conf"]):
        assert f"<td>{v:.3f}</td>" in text
    assert "N = 1024" in text and "5120 points" in text and "95 % bootstrap" in text


def test_report_section_is_empty_for_other_designs_and_explains_an_unfinished_store(tmp_path):
    from scs_sim.app.report_sensitivity import sensitivity_section
    from scs_sim.study import run_sweep

    run_sweep(spec_dict("lhs", 8), out=tmp_path / "lhs", backend="serial", evaluate=EVALUATOR, progress=False)
    assert sensitivity_section(tmp_path / "lhs") == ""
    # an unfinished saltelli store: the section says why there are no indices
    sp = spec_dict("saltelli", 4)
    run_sweep(sp, out=tmp_path / "s", backend="serial", evaluate=EVALUATOR, progress=False, chunk_size=4)
    parts = sorted((tmp_path / "s").glob("part-*.parquet"))
    parts[-1].unlink()
    (tmp_path / "s" / "checksums" / f"{parts[-1].name}.json").unlink()
    text = sensitivity_section(tmp_path / "s")
    assert "not computed" in text and "4 of 20 design points" in text and "--resume" in text


@pytest.mark.parametrize("n", [3, 12])
def test_chart_labels_fit_and_do_not_overlap(n):
    import matplotlib.pyplot as plt
    import pandas as pd

    from scs_sim.app.cli.common import use_agg
    from scs_sim.plots.sensitivity import figure_height, plot_sensitivity
    from scs_sim.study.sensitivity import short_names

    use_agg()
    keys = [f"patient.anatomy.parameter_number_{i}_mm" for i in range(n)]
    rng = np.random.default_rng(0)
    s1 = rng.uniform(0, 0.5, n)
    df = pd.DataFrame({"parameter": keys, "S1": s1, "S1_conf": 0.1, "ST": s1 + 0.2, "ST_conf": 0.15})
    fig, ax = plt.subplots(figsize=(7.5, figure_height(n)), layout="constrained")
    plot_sensitivity(df, ax=ax, labels=short_names(keys))
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    page = fig.get_window_extent(r)
    boxes = [t.get_window_extent(r) for t in ax.get_yticklabels()]
    lo, hi = ax.get_xlim()
    shown = [t for t in ax.get_xticklabels() if t.get_text() and lo <= t.get_position()[0] <= hi]
    texts = boxes + [t.get_window_extent(r) for t in shown]
    texts += [ax.xaxis.label.get_window_extent(r), ax.get_legend().get_window_extent(r)]
    for b in texts:  # nothing clipped at the figure's edges
        assert b.x0 >= page.x0 - 0.5 and b.x1 <= page.x1 + 0.5 and b.y0 >= page.y0 - 0.5 and b.y1 <= page.y1 + 0.5
    for i, a in enumerate(boxes):  # y labels apart
        assert all(not a.overlaps(b) for b in boxes[i + 1 :])
    assert not ax.get_legend().get_window_extent(r).overlaps(ax.get_window_extent(r).shrunk(1, 0.999))
    plt.close(fig)


def test_cli_report_prints_the_indices(saltelli_store, tmp_path, capsys, monkeypatch):
    import json

    import scs_sim.app.report as report
    from scs_sim.app.cli import main as cli_main
    from scs_sim.study.sensitivity import sensitivity

    out, _, _ = saltelli_store

    def fake_report(store, out_html, **kw):  # the full report re-runs a program: not needed here
        out_html.write_text("<html></html>")
        return out_html

    monkeypatch.setattr(report, "write_report", fake_report)
    html_out = tmp_path / "r.html"
    assert cli_main(["report", str(out), "--out", str(html_out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    df = sensitivity(out)  # relief_pct: the same Ishigami values
    assert lines[0] == str(html_out) and "Sobol' indices of relief_pct" in lines[1]
    for key, row in zip(KEYS, df.itertuples(), strict=True):
        line = next(x for x in lines if x.startswith(key))
        assert f"{row.S1:6.3f}" in line and f"{row.ST_conf:6.3f}" in line
    assert cli_main(["report", str(out), "--out", str(html_out), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    sens = data["sensitivity"]
    assert sens["method"] == "saltelli" and sens["points"] == 1024 and sens["output"] == "relief_pct"
    assert [r["parameter"] for r in sens["indices"]] == KEYS
    assert sens["indices"][1]["S1"] == pytest.approx(df["S1"].iloc[1])
