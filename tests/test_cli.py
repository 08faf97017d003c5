"""The scs-sim command line: exit codes, JSON keys, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scs_sim.app.cli import main

ROOT = Path(__file__).resolve().parent.parent
SHOW_KEYS = {
    "name",
    "kind",
    "charge_per_phase_uc",
    "charge_density_uc_per_cm2",
    "shannon_k",
    "shannon_safe",
    "pulses_per_s",
    "tissue_power_uw",
}


def test_show_every_preset_json(capsys):
    files = sorted(str(p) for p in (ROOT / "configs" / "programs").glob("*.toml"))
    assert main(["show", *files, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == len(files)
    for r in rows:
        assert SHOW_KEYS <= set(r)
        assert ("battery_life_days" in r) or ("recharge_min_per_day" in r)


def test_show_primary_device_reports_battery_life(capsys):
    assert main(["show", "tonic_50hz", "--device", "primary", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["battery_life_days"] > 0 and "recharge_min_per_day" not in row


def test_show_table(capsys):
    assert main(["show", "tonic_50hz", "burst_dr"]) == 0
    out = capsys.readouterr().out
    assert "tonic_50hz" in out and "burst_dr" in out and "Shannon k" in out


def test_validate_json_reports_each_file(capsys):
    good = str(ROOT / "configs" / "programs" / "tonic_50hz.toml")
    bad = str(ROOT / "tests" / "data" / "bad_configs" / "misspelt_key.toml")
    assert main(["validate", good, bad, "--json"]) == 2
    res = json.loads(capsys.readouterr().out)
    assert res[0] == {"file": good, "ok": True, "error": None}
    assert res[1]["ok"] is False and "frequency_hz" in res[1]["error"]


def test_waveform_writes_png(tmp_path, capsys):
    out = tmp_path / "w.png"
    assert main(["waveform", "burst_dr", "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 5000


@pytest.mark.parametrize(
    "argv",
    [
        ["show", "no_such_program"],
        ["show", str(ROOT / "tests" / "data" / "bad_configs" / "neg_amplitude.toml")],
        ["waveform", "tonic_50hz", "--out", "/nonexistent-dir/x.png"],
        ["frobnicate"],
        ["show"],
    ],
)
def test_bad_input_exit_2_one_line_no_traceback(argv):
    proc = subprocess.run(
        [sys.executable, "-m", "scs_sim", *argv], capture_output=True, text=True, cwd=ROOT
    )
    assert proc.returncode == 2
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("scs-sim: error:")
    assert "Traceback" not in proc.stderr


def test_version():
    proc = subprocess.run([sys.executable, "-m", "scs_sim", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("scs-sim 0.")
