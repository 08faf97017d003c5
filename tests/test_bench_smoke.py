"""Smoke test of the benchmark machinery (benchmarks/suite.py, scs_sim/_cli_bench.py) on tiny sizes.

Not a timing assertion: it checks that the suite runs, writes a valid JSON report with the machine,
the figures and the ratios, that ``--check`` fails (exit 1, naming the ratio) when a floor is not met,
and that the ``scs-sim bench`` command parses and drives the same suite.
"""

from __future__ import annotations

import argparse
import json
import math

import pytest

from benchmarks import suite


@pytest.fixture(scope="module")
def tiny_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "report.json"
    rc = suite.main(["--profile", "tiny", "--out", str(out)])
    assert rc == 0
    return json.loads(out.read_text())


def test_tiny_report_is_valid_json_with_every_part(tiny_report):
    r = tiny_report
    assert r["schema"] == suite.SCHEMA and r["profile"] == "tiny"
    for key in ("cpu", "cores", "python", "numpy", "numba", "git_commit"):
        assert key in r["machine"]
    assert r["machine"]["cores"] >= 1
    assert set(r["results"]) == set(suite.DEFAULT_SECTIONS["tiny"])
    assert not [k for k, v in r["results"].items() if "error" in v], r["results"]
    assert set(r["ratios"]) == set(suite.FLOORS)
    assert all(isinstance(v, float) and math.isfinite(v) and v > 0 for v in r["ratios"].values())
    assert r["results"]["circuit"]["segment"]["neuron_steps_per_s"] > 0
    assert r["results"]["circuit"]["segment"]["synaptic_events"] > 0
    assert [f["scale"] for f in r["results"]["scaling"]["population"]] == list(suite.PROFILES["tiny"]["scales"])
    assert r["table"] and {"figure", "value", "unit", "budget", "status"} <= set(r["table"][0])
    assert isinstance(r["check_failures"], list)


def test_check_fails_and_names_the_ratio(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(suite, "FLOORS", {**suite.FLOORS, "rate_numba_vs_numpy": 1e12})
    rc = suite.main(["--profile", "tiny", "--only", "references", "--out", str(tmp_path / "r.json"), "--check"])
    assert rc == 1
    assert "rate_numba_vs_numpy" in capsys.readouterr().err
    assert json.loads((tmp_path / "r.json").read_text())["check_failures"]


def test_check_passes_against_floors_of_one(tmp_path, monkeypatch):
    monkeypatch.setattr(suite, "FLOORS", {k: 1.0 for k in suite.FLOORS})
    rc = suite.main(["--profile", "tiny", "--only", "recruitment,references", "--out", str(tmp_path / "r.json"),
                     "--check"])
    assert rc == 0


def test_unknown_section_is_bad_input(tmp_path):
    assert suite.main(["--profile", "tiny", "--only", "nope", "--out", str(tmp_path / "r.json")]) == 2


def test_cli_bench_command(tmp_path, capsys):
    from scs_sim.app.cli import bench as _cli_bench

    parser = argparse.ArgumentParser(prog="scs-sim")
    sub = parser.add_subparsers(dest="command")
    commands: dict = {}
    _cli_bench.register(sub, commands)
    out = tmp_path / "cli.json"
    args = parser.parse_args(["bench", "--profile", "tiny", "--only", "circuit", "--out", str(out), "--json"])
    assert commands["bench"](args) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["results"]["circuit"]["zhang2014"]["realtime_factor"] > 0
    assert json.loads(out.read_text())["profile"] == "tiny"


def test_peers_skip_cleanly_without_brian2():
    import subprocess
    import sys

    has_brian2 = subprocess.run([sys.executable, "-c", "import brian2"], capture_output=True).returncode == 0
    if has_brian2:
        pytest.skip("brian2 is importable here: the skip path cannot be exercised")
    res = suite.bench_peers(suite.PROFILES["tiny"], peers_python=sys.executable)
    assert "skipped" in res and "brian2" in res["skipped"] and "requirements-peers.txt" in res["skipped"]
    rows = suite.headline({"peers": res})
    assert rows and rows[0]["value"] == "skipped"


def test_closed_loop_section_runs(tmp_path):
    """The closed_loop section (issue 17) reports a real-time factor for the tiny size."""
    rc = suite.main(["--profile", "tiny", "--only", "closed_loop", "--out", str(tmp_path / "c.json")])
    assert rc == 0
    r = json.loads((tmp_path / "c.json").read_text())
    cl = r["results"]["closed_loop"]["closed_loop_spiking"]
    assert cl["realtime_factor"] > 0 and cl["pulses"] == 50
