"""HTML report: self-contained, parses, holds every figure and the comparison table; CLI report/gallery."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import re  # noqa: E402
from html.parser import HTMLParser  # noqa: E402

import pytest  # noqa: E402

from scs_sim.app.cli import main as cli_main  # noqa: E402
from scs_sim.app.report import spec_from_store, write_report  # noqa: E402
from scs_sim.study import load_spec, run_sweep  # noqa: E402
from scs_sim.study.compare import compare  # noqa: E402
from scs_sim.study.store import load_results  # noqa: E402

IMG = '<img src="data:image/png;base64,'

SPEC = {
    "program": {
        "name": "t",
        "kind": "tonic",
        "frequency_hz": 50.0,
        "pulse_width_us": 210.0,
        "amplitude_ma": 8.0,
    },
    "simulation": {"duration_s": 0.4, "seed": 1},
    "sweep": {
        "method": "grid",
        "replicates": 2,
        "seed": 1,
        "axes": {"program.frequency_hz": [10.0, 100.0], "program.amplitude_ma": [6.0, 10.0]},
    },
}


class _Doc(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: dict[str, int] = {}
        self.imgs: list[str] = []
        self.external: list[str] = []
        self.cells: list[str] = []
        self._in_td = False

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        a = dict(attrs)
        if tag == "img":
            self.imgs.append(a.get("src", ""))
        if tag in ("script", "link") or (tag == "img" and not a.get("src", "").startswith("data:")):
            self.external.append(tag)
        self._in_td = tag == "td"

    def handle_data(self, data):
        if self._in_td:
            self.cells.append(data)

    def handle_endtag(self, tag):
        if tag == "td":
            self._in_td = False


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    out = tmp_path_factory.mktemp("rep") / "store"
    run_sweep(SPEC, out=out, backend="serial", progress=False)
    return out


def _parse(path) -> _Doc:
    doc = _Doc()
    doc.feed(path.read_text(encoding="utf-8"))
    doc.close()
    return doc


def test_spec_from_store_round_trips(store):
    sp = spec_from_store(store)
    assert sp.hash == load_spec(SPEC).hash
    assert sp.config(3, 1).program.frequency_hz == 100.0


def test_report_is_self_contained_with_every_figure_and_the_table(store, tmp_path):
    out = write_report(store, tmp_path / "sub" / "r.html", best_run_s=0.4)
    assert out == tmp_path / "sub" / "r.html"
    text = out.read_text(encoding="utf-8")
    doc = _parse(out)
    assert doc.tags.get("html") == 1 and doc.tags.get("table") == 1
    assert not doc.external  # no scripts, stylesheets or linked images
    # 1 waveform (one program name) + bars + Pareto + frequency response + heatmap + run figure + schematic
    assert text.count(IMG) == 7 == len(doc.imgs)
    assert all(len(src) > 2000 for src in doc.imgs)
    cmp = compare(load_results(store))
    # one row per program, the header, and a "why" row under each infeasible program
    n_why = int((~cmp["feasible"].astype(bool)).sum()) if "feasible" in cmp else 0
    assert doc.tags.get("tr") == len(cmp) + 1 + n_why
    for name in cmp["program"]:
        assert name in doc.cells
    assert f"{cmp['relief_pct_mean'].iloc[0]:.1f}" in doc.cells
    assert "not for clinical decisions" in text and "docs/MODEL.md" in text
    assert re.search(r"Methods and assumptions", text)


def test_cli_report_from_store(store, tmp_path, capsys):
    out = tmp_path / "x.html"
    assert cli_main(["report", str(store), "--out", str(out), "--best-duration", "0.3"]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    assert out.read_text().count(IMG) == 7


def test_cli_report_from_spec_runs_the_sweep(tmp_path, capsys):
    spec = tmp_path / "mini.toml"
    spec.write_text(
        'program = "tonic_50hz"\n[simulation]\nduration_s = 0.3\nseed = 1\n'
        '[sweep]\nmethod = "grid"\nreplicates = 2\n[sweep.axes]\n'
        '"program" = ["tonic_50hz", "burst_dr"]\n'
    )
    out, st = tmp_path / "m.html", tmp_path / "st"
    assert cli_main(["report", str(spec), "--out", str(out), "--store", str(st), "--backend", "serial"]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    assert (st / "manifest.json").is_file()
    text = out.read_text()
    # 2 waveforms + bars + Pareto + run figure + schematic (no numeric axis: no heatmap/frequency curve)
    assert text.count(IMG) == 6
    assert "burst_dr" in text and "tonic_50hz" in text


def test_cli_report_bad_input(tmp_path, capsys):
    assert cli_main(["report", str(tmp_path), "--out", str(tmp_path / "r.html")]) == 2
    assert "not a sweep store" in capsys.readouterr().err
    assert cli_main(["report", "no_such_spec_xyz", "--out", str(tmp_path / "r.html")]) == 2


def test_cli_gallery_json(tmp_path, capsys, monkeypatch):
    import scs_sim.app.gallery as gallery

    calls = {}

    def fake(out, *, seed=1, log=None):
        calls["out"] = out
        p = tmp_path / "g.png"
        p.write_bytes(b"x")
        return [p]

    monkeypatch.setattr(gallery, "write_gallery", fake)
    assert cli_main(["gallery", "--out", str(tmp_path), "--json"]) == 0
    assert calls["out"] == str(tmp_path)
    assert '"files"' in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------------
# Feasibility: show, compare, "best" and the Pareto front among feasible programs only
# ---------------------------------------------------------------------------------------------------


def _program_file(tmp_path, name, **kw):
    body = "".join(f"{k} = {v!r}\n" if isinstance(v, str) else f"{k} = {v}\n" for k, v in kw.items())
    p = tmp_path / f"{name}.toml"
    p.write_text(f'[program]\nname = "{name}"\n' + body.replace("'", '"'))
    return p


def test_show_flags_infeasible_programs_with_reasons(tmp_path, capsys):
    hf30 = _program_file(tmp_path, "hf30", kind="high_frequency", frequency_hz=10000.0, pulse_width_us=30.0,
                         amplitude_ma=30.0)
    k197 = _program_file(tmp_path, "k197", kind="tonic", frequency_hz=69.1, pulse_width_us=413.2,
                         amplitude_ma=8.157)
    assert cli_main(["show", str(hf30), str(k197), "tonic_50hz"]) == 0
    out = capsys.readouterr().out
    lines = {ln.split()[0]: ln for ln in out.splitlines() if ln.split()}
    assert lines["hf30"].rstrip().endswith("no") and lines["tonic_50hz"].rstrip().endswith("yes")
    assert "INFEASIBLE hf30: needs 31 V" in out and "needs 1642 min/day of recharging (a day has 1440)" in out
    assert "INFEASIBLE k197: Shannon k 1.97 >= 1.85" in out
    assert "INFEASIBLE tonic_50hz" not in out and "1 of 3 feasible" in out
    assert cli_main(["show", str(hf30), "--json"]) == 0
    import json

    row = json.loads(capsys.readouterr().out)[0]
    assert row["feasible"] is False and "1642 min/day" in row["infeasible_reasons"]


def test_show_refuses_6000_ma_at_0_21_us(tmp_path, capsys):
    absurd = _program_file(tmp_path, "absurd", kind="tonic", frequency_hz=50.0, pulse_width_us=0.21,
                           amplitude_ma=6000.0)
    assert cli_main(["show", str(absurd)]) == 2
    err = capsys.readouterr().err
    assert "program.amplitude_ma: 6000 mA is out of range" in err


def test_best_and_pareto_are_taken_among_feasible_programs():
    import pandas as pd

    from scs_sim.study.feasibility import best_feasible

    t = pd.DataFrame({
        "point": [0, 0, 1, 1, 2, 2, 3, 3],
        "program": ["k197", "k197", "ok_a", "ok_a", "ok_b", "ok_b", "sore", "sore"],
        "relief_pct": [95.0, 93.0, 60.0, 62.0, 30.0, 32.0, 80.0, 80.0],
        "battery_power_uw": [500.0] * 2 + [2000.0] * 2 + [900.0] * 2 + [100.0] * 2,
        "feasible": [False, False, True, True, True, True, True, True],
        "infeasible_reasons": ["Shannon k 1.97 >= 1.85"] * 2 + [""] * 6,
        "discomfort": [False, False, False, False, False, True, True, True],
    })
    cmp = compare(t)
    assert list(cmp["program"]) == ["k197", "sore", "ok_a", "ok_b"]  # ranked by relief, all shown
    by = cmp.set_index("program")
    assert not by.loc["k197", "feasible"] and by.loc["k197", "infeasible_reasons"] == "Shannon k 1.97 >= 1.85"
    assert not by.loc["sore", "feasible"] and "discomfort in 100% of runs" in by.loc["sore", "infeasible_reasons"]
    assert by.loc["ok_b", "feasible"] and by.loc["ok_b", "discomfort"] == 0.5  # half the runs: a titration matter
    # without the mask k197 (95 %, 500 µW) and sore (80 %, 100 µW) would dominate ok_b and ok_a
    assert by["pareto"].to_dict() == {"k197": False, "sore": False, "ok_a": True, "ok_b": True}
    assert best_feasible(cmp) == 2 and cmp.iloc[2]["program"] == "ok_a"
    assert best_feasible(cmp.assign(feasible=False)) is None


def test_stores_without_flags_are_judged_from_their_figures():
    import pandas as pd

    from scs_sim.study.feasibility import row_feasibility

    t = pd.DataFrame({"shannon_k": [1.2, 1.97, 0.8], "recharge_min_per_day": [10.0, 20.0, 1642.0]})
    ok, why, dis = row_feasibility(t)
    assert ok.tolist() == [True, False, False] and not dis.any()
    assert why[1] == "Shannon k 1.97 >= 1.85" and "1642 min/day" in why[2]


def test_report_best_program_is_the_best_feasible_one(store, tmp_path):
    cmp = compare(load_results(store))
    assert "feasible" in cmp.columns
    text = write_report(store, tmp_path / "r.html", best_run_s=0.3).read_text(encoding="utf-8")
    from scs_sim.study.feasibility import best_feasible

    pos = best_feasible(cmp)
    assert f"<b>Best feasible program:</b> #{pos + 1} {cmp.iloc[pos]['program']}" in text
    assert 'id="limits"' in text and "known limits" in text


# ---------------------------------------------------------------------------------------------------
# Labels: none overlap, none is clipped
# ---------------------------------------------------------------------------------------------------


def _crowded_comparison(n=40, seed=3):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    relief = np.round(rng.uniform(0, 100, n) * (rng.random(n) < 0.5), 1)  # half piled up at 0
    return pd.DataFrame({
        "program": [f"tonic_50hz (amplitude_ma={a:.4g}, frequency_hz={f:.4g})"
                    for a, f in zip(rng.uniform(2, 14, n), rng.uniform(20, 1000, n), strict=True)],
        "relief_pct_mean": relief,
        "relief_pct_ci95": rng.uniform(0, 10, n),
        "battery_power_uw": rng.uniform(300, 3000, n),
        "recharge_min_per_day": rng.uniform(2, 20, n),
        "pareto": rng.random(n) < 0.2,
        "feasible": rng.random(n) < 0.7,
    }).sort_values("relief_pct_mean", ascending=False).reset_index(drop=True)


def test_bar_rows_keep_the_best_feasible_and_some_infeasible():
    from scs_sim.plots.sweeps import bar_rows

    assert bar_rows([False] * 30 + [True] * 30, 20).tolist() == list(range(5)) + list(range(30, 45))
    assert bar_rows([False] * 30 + [True] * 3, 20).tolist() == list(range(17)) + [30, 31, 32]
    assert bar_rows([True] * 30, 20).tolist() == list(range(20))


def test_pareto_labels_never_overlap_and_stay_inside_the_axes():
    import matplotlib.pyplot as plt

    from scs_sim.plots import plot_pareto
    from scs_sim.plots.labels import boxes_overlap

    cmp = _crowded_comparison()
    fig, ax = plt.subplots(figsize=(7.5, 4.8), layout="constrained")
    plot_pareto(cmp, ax=ax)
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    placed = [a for a in ax.point_labels if a is not None]
    assert len(ax.point_labels) == len(cmp) and len(placed) >= len(cmp) // 2
    assert {a.get_text() for a in placed} <= {str(i + 1) for i in range(len(cmp))}  # numbers: many long names
    boxes = [a.get_window_extent(r) for a in placed]
    frame = ax.get_window_extent(r)
    for i, a in enumerate(boxes):
        assert frame.x0 <= a.x0 and a.x1 <= frame.x1 and frame.y0 <= a.y0 and a.y1 <= frame.y1
        for b in boxes[i + 1:]:
            assert not boxes_overlap((a.x0, a.y0, a.x1, a.y1), (b.x0, b.y0, b.x1, b.y1))
    plt.close(fig)


def test_comparison_bars_are_limited_shortened_and_inside_the_figure():
    import matplotlib.pyplot as plt

    from scs_sim.plots import plot_comparison_bars
    from scs_sim.plots.sweeps import LABEL_CHARS, MAX_BARS

    cmp = _crowded_comparison(64)
    cmp.loc[0, "relief_pct_ci95"] = 40.0  # a t-interval of 2 replicates can reach past 100 %
    fig, ax = plt.subplots(figsize=(7.5, 1.2 + 0.34 * MAX_BARS), layout="constrained")
    plot_comparison_bars(cmp, ax=ax)
    fig.canvas.draw()
    labels = ax.get_yticklabels()
    assert len(ax.patches) == len(labels) == MAX_BARS
    texts = [t.get_text() for t in labels]
    assert all(len(t) <= LABEL_CHARS + len("#64 ") + len(" (infeasible)") for t in texts)
    # the best feasible programs first; the best infeasible ones get a quarter of the bars
    assert int(cmp["feasible"].sum()) >= MAX_BARS
    assert sum(t.endswith("(infeasible)") for t in texts) == MAX_BARS // 4
    ranks = sorted(int(t.split(" ")[0][1:]) for t in texts)
    ok = cmp["feasible"].to_numpy()
    assert [r - 1 for r in ranks if ok[r - 1]] == [i for i in range(len(cmp)) if ok[i]][: MAX_BARS - MAX_BARS // 4]
    fb = fig.bbox
    for t in labels:
        bb = t.get_window_extent(fig.canvas.get_renderer())
        assert bb.x0 >= fb.x0 and bb.x1 <= fb.x1
    # relief error bars end at 100 % (the WDR rate cannot fall below 0)
    import numpy as np
    from matplotlib.container import ErrorbarContainer

    eb = next(c for c in ax.containers if isinstance(c, ErrorbarContainer))
    segs = np.concatenate(eb.lines[2][0].get_segments())
    assert segs[:, 0].max() <= 100.0 + 1e-9
    assert (cmp["relief_pct_mean"].iloc[:MAX_BARS] + cmp["relief_pct_ci95"].iloc[:MAX_BARS]).max() > 100.0
    tb = ax.title.get_window_extent(fig.canvas.get_renderer())
    assert tb.x0 >= fb.x0 and tb.x1 <= fb.x1
    plt.close(fig)


def test_feasibility_of_a_cohort_program_counts_every_patient():
    import pandas as pd

    from scs_sim.study.feasibility import feasibility_columns

    # two programs (cohort.point 0, 1) on three virtual patients each (points 0-2 and 3-5)
    t = pd.DataFrame({
        "cohort.point": [0, 0, 0, 1, 1, 1],
        "point": [0, 1, 2, 3, 4, 5],
        "relief_pct": [50.0, 60.0, 70.0, 20.0, 30.0, 40.0],
        "feasible": [True] * 6,
        "infeasible_reasons": [""] * 6,
        "discomfort": [False, True, True, False, False, True],  # program 0: 2 of 3 patients
    })
    cmp = pd.DataFrame({"program": ["a", "b"], "cohort.point": [0, 1], "point": [0, 3]})
    cols = feasibility_columns(cmp, t)
    assert cols["feasible"] == [False, True]
    assert cols["discomfort"] == pytest.approx([2 / 3, 1 / 3])
    assert cols["infeasible_reasons"] == ["discomfort in 67% of runs", None]
    assert feasibility_columns(cmp, t.drop(columns=["feasible"])) == {}  # no flags: compare adds nothing
