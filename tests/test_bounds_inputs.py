"""Issue 15, the input parts: absurd inputs are refused at load time with exit 2, the key, the value, the
allowed range and the reason; strict types; every command's durations and seeds bounded; ``validate``
runs the sweep-spec checks; every limit is documented in docs/MODEL.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from scs_sim import config
from scs_sim._params import LIMITS
from scs_sim.app.cli import main
from scs_sim.config.loader import PRESET_DIR
from scs_sim.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str, name: str = "case.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def cli(capsys, *argv) -> tuple[int, str]:
    rc = main(list(argv))
    return rc, capsys.readouterr().err


#: (TOML, key in the message, fragments of the message): the absurd inputs of issue 15.
ABSURD = [
    ('[program]\nkind = "tonic"\namplitude_ma = 1e300\n', "program.amplitude_ma", ["1e+300 mA", "<= 100 mA", "25.5"]),
    ('[program]\nkind = "tonic"\namplitude_ma = 6000.0\npulse_width_us = 0.21\n', "program.amplitude_ma",
     ["6000 mA", "25.5 mA"]),
    ('[program]\nkind = "tonic"\namplitude_ma = 3.0\npulse_width_us = 0.21\n', "program.pulse_width_us",
     [">= 10 and <= 1000 µs"]),
    ('[program]\nkind = "tonic"\namplitude_ma = 3.0\nfrequency_hz = 1e7\npulse_width_us = 30.0\n'
     'interphase_gap_us = 0.0\n', "program.frequency_hz", ["1e+07 Hz", "10 kHz"]),
    ('[program]\nkind = "tonic"\namplitude_ma = 3.0\n[program.modifiers]\ncycle_on_s = 1e-9\ncycle_off_s = 1e-9\n',
     "program", ["cycle_on_s", "shorter than one period"]),
    ('program = "tonic_50hz"\n[patient.pain.volleys]\ncount = 1000000000\n', "patient.pain.volleys.count",
     ["<= 1000", "wind-up"]),
    ('program = "tonic_50hz"\n[patient.circuit]\nn_c = 10000000\n', "patient.circuit.n_c", ["<= 2000 cells"]),
    ('program = "tonic_50hz"\n[patient.circuit]\nn_wdr = 100000000\n', "patient.circuit.n_wdr", ["<= 2000 cells"]),
    ('program = "tonic_50hz"\n[patient.pain]\nc_rate_hz = 1e9\n', "patient.pain.c_rate_hz", ["1e+09 Hz", "<= 500 Hz"]),
    ('program = "tonic_50hz"\n[simulation]\ndt_ms = 1e-6\n', "simulation.dt_ms", [">= 0.001"]),
    ('program = "tonic_50hz"\n[simulation]\nbin_ms = 1e6\n', "simulation.bin_ms", ["<= 1000 ms"]),
    ('program = "tonic_50hz"\n[simulation]\nduration_s = 1e7\n', "simulation.duration_s", ["<= 86400 s"]),
    ('program = "tonic_50hz"\n[simulation]\nseed = -5\n', "simulation.seed", [">= 0"]),
    ('program = "tonic_50hz"\n[simulation]\nduration_s = 0.001\n', "simulation", ["at least one rate bin"]),
    ('program = "tonic_50hz"\n[device]\nimpedance_ohm = 1e12\n', "device.impedance_ohm", ["<= 20000 Ω"]),
    ('[program]\nkind = "multiplexed"\n[[program.components]]\nfrequency_hz = 8000.0\npulse_width_us = 30.0\n'
     'amplitude_ma = 3.0\ninterphase_gap_us = 0.0\ncathodes = [1]\n[[program.components]]\nfrequency_hz = 8000.0\n'
     'pulse_width_us = 30.0\namplitude_ma = 3.0\ninterphase_gap_us = 0.0\noffset_us = 50.0\ncathodes = [2]\n',
     "program", ["16000 pulses/s", "10 kHz"]),
    ('[program]\nkind = "custom"\namplitude_ma = 50.0\nrelative_amplitude = true\n[[program.pulses]]\n'
     'onset_ms = 0.0\namplitude_ma = 3.0\npulse_width_us = 100.0\n', "program", ["150 mA", "<= 100 mA"]),
]


@pytest.mark.parametrize("text, key, words", ABSURD, ids=[a[1] + str(i) for i, a in enumerate(ABSURD)])
def test_absurd_inputs_are_refused_at_load_time(tmp_path, capsys, text, key, words):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as ei:
        config.load(path)
    msg = str(ei.value)
    assert msg.startswith(f"{path}: {key}:"), msg
    for w in words:
        assert w in msg, msg
    rc, err = cli(capsys, "validate", str(path))
    assert rc == 2 and "Traceback" not in err and key in err


#: (TOML, key, fragment): strict types.
TYPES = [
    ('[program]\nkind = "tonic"\namplitude_ma = true\n', "program.amplitude_ma", "not a boolean"),
    ('[program]\nkind = "tonic"\namplitude_ma = "5"\n', "program.amplitude_ma", "not a string"),
    ('[program]\nkind = "tonic"\namplitude_ma = 3.0\ncathodes = [true]\n', "program.cathodes", "item 0"),
    ('program = "tonic_50hz"\n[patient.anatomy]\ndc_count = 200.0\n', "patient.anatomy.dc_count",
     "valid integer, not a decimal number"),
    ('program = "tonic_50hz"\n[patient.circuit]\nn_wdr = 40.0\n', "patient.circuit.n_wdr", "valid integer"),
    ('program = "tonic_50hz"\n[patient.pain.volleys]\ncount = true\n', "patient.pain.volleys.count", "boolean"),
    ('program = "tonic_50hz"\n[simulation]\nseed = 1.5\n', "simulation.seed", "valid integer"),
]


@pytest.mark.parametrize("text, key, word", TYPES, ids=[t[1] + str(i) for i, t in enumerate(TYPES)])
def test_bool_and_string_are_not_numbers_and_ints_are_ints(tmp_path, text, key, word):
    with pytest.raises(ConfigError) as ei:
        config.load(write(tmp_path, text))
    assert f": {key}: " in str(ei.value) and word in str(ei.value), str(ei.value)


def test_a_utf8_bom_is_accepted(tmp_path):
    p = tmp_path / "bom.toml"
    p.write_bytes(b'\xef\xbb\xbf[program]\nkind = "tonic"\namplitude_ma = 3.0\n')
    assert config.load(p).program.amplitude_ma == 3.0


@pytest.mark.parametrize("content, words", [
    (b"onset_ms,amplitude_ma,pulse_width_us\n0,1\x00,200\n", ["NUL"]),
    (bytes(range(256)) * 3, ["not a text CSV"]),
    (b"onset_ms,amplitude_ma,pulse_width_us\n0,\xff\xfe,200\n", ["UTF-8"]),
    (b"onset_ms,amplitude_ma,pulse_width_us\n0,true,200\n", ["line 2", "amplitude_ma", "number"]),
    (b"onset_ms,amplitude_ma,pulse_width_us\n0,500,200\n", ["line 2", "<= 100 mA"]),
])
def test_bad_csv_content_is_a_clear_error(tmp_path, capsys, content, words):
    (tmp_path / "p.csv").write_bytes(content)
    path = write(tmp_path, '[program]\nkind = "custom"\ncsv = "p.csv"\n')
    rc, err = cli(capsys, "validate", str(path))
    assert rc == 2 and "Traceback" not in err and "p.csv" in err, err
    for w in words:
        assert w in err, err


def test_too_many_csv_rows(tmp_path):
    rows = "".join(f"{i * 10.0},1.0,100\n" for i in range(10_001))
    (tmp_path / "p.csv").write_text("onset_ms,amplitude_ma,pulse_width_us\n" + rows)
    with pytest.raises(ConfigError, match="10001 pulse rows; at most 10000"):
        config.load(write(tmp_path, '[program]\nkind = "custom"\ncsv = "p.csv"\n'))


@pytest.mark.parametrize("text, key", [
    ('program = "{name}.toml"\n', "program"),
    ('[program]\nkind = "custom"\ncsv = "{name}.csv"\n', "program.csv"),
    ('patient = "{name}"\n', "patient"),
])
def test_names_longer_than_the_file_system_allows(tmp_path, capsys, text, key):
    path = write(tmp_path, text.format(name="a" * 300))
    rc, err = cli(capsys, "validate", str(path))
    assert rc == 2 and f"{key}: file name too long" in err and "Traceback" not in err, err
    rc, err = cli(capsys, "show", "b" * 300)
    assert rc == 2 and "file name too long" in err


@pytest.mark.parametrize("argv, words", [
    (["recruit", "tonic_50hz", "--duration", "1e7"], ["--duration", "<= 60 s"]),
    (["threshold", "tonic_50hz", "--duration", "1e7"], ["--duration", "<= 10 s"]),
    (["recruit", "tonic_50hz", "--duration", "nan"], ["--duration", "finite"]),
    (["recruit", "tonic_50hz", "--duration", "0"], ["--duration", "> 0"]),
    (["recruit", "tonic_50hz", "--seed", "-5"], ["--seed", ">= 0"]),
    (["threshold", "tonic_50hz", "--seed", str(2**64)], ["--seed", "9223372036854775807"]),
    (["compare", "tonic_50hz", "--duration", "1e7"], ["--duration", "<= 86400 s"]),
    (["compare", "tonic_50hz", "--seed", "-1"], ["--seed"]),
    (["explore", "--headless", "--duration", "1e7"], ["--duration", "<= 60 s"]),
    (["run", "tonic_50hz", "-s", "simulation.duration_s=1e7"], ["-s simulation.duration_s", "<= 86400 s"]),
    (["run", "tonic_50hz", "-s", "simulation.dt_ms=1e-6"], ["-s simulation.dt_ms", ">= 0.001"]),
    (["run", "tonic_50hz", "-s", "simulation.seed=-5"], ["-s simulation.seed", ">= 0"]),
    (["run", "tonic_50hz", "-s", "program.amplitude_ma=true"], ["-s program.amplitude_ma", "boolean"]),
])
def test_every_command_bounds_durations_and_seeds(capsys, argv, words):
    rc, err = cli(capsys, *argv)
    assert rc == 2 and "Traceback" not in err, err
    for w in words:
        assert w in err, err


#: Invalid sweep specs: ``validate`` refuses each with the same message as ``sweep`` (load_spec).
BAD_SPECS = [
    '[sweep]\nmethod = "gird"\n',
    '[sweep]\nmethod = { a = 1 }\n',
    '[sweep]\nseeds = "often"\n',
    '[sweep]\nreplicates = 0\n',
    '[sweep]\nreplicates = true\n',
    '[sweep]\nmethod = "sobol"\n[sweep.axes]\n"program.amplitude_ma" = { range = [1.0, 5.0] }\n',
    '[sweep]\nrepeats = 2\n',
    '[sweep.axes]\n"program.frequency_hz" = []\n',
    '[sweep.axes]\n"program.frequncy_hz" = [10.0]\n',
    '[sweep.axes]\n"program.amplitude_ma" = [3.0, 1e300]\n',
    '[sweep.axes]\n"program.frequency_hz" = { log_range = [0, 2], num = 3 }\n',
    '[sweep.axes]\n"simulation.seed" = [1, 2]\n',
]


@pytest.mark.parametrize("sweep", BAD_SPECS)
def test_validate_runs_the_sweep_spec_checks(tmp_path, capsys, sweep):
    from scs_sim.study import load_spec

    path = write(tmp_path, 'program = "tonic_50hz"\n' + sweep, name="spec.toml")
    with pytest.raises(ConfigError) as ei:
        load_spec(str(path))
    rc, err = cli(capsys, "validate", str(path))
    assert rc == 2
    assert err.strip() == str(ei.value), (err, str(ei.value))


def test_validate_accepts_every_preset(capsys):
    presets = sorted(str(p) for p in PRESET_DIR.rglob("*.toml"))
    rc, err = cli(capsys, "validate", *presets)
    assert rc == 0, err


def test_every_preset_is_within_the_limits():
    for p in sorted(PRESET_DIR.rglob("*.toml")):
        if "sweeps" not in p.parts:
            config.load(p)


def test_every_limit_is_documented():
    text = (ROOT / "docs" / "MODEL.md").read_text(encoding="utf-8")
    section = text[text.index("## Input limits"):]
    section = section[: section.find("\n## ", 3)] if "\n## " in section[3:] else section
    missing = [k for k in LIMITS if f"`{k}`" not in section]
    assert not missing, f"limits missing from docs/MODEL.md 'Input limits': {missing}"
