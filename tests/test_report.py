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
    assert doc.tags.get("tr") == len(cmp) + 1
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
