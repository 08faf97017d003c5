"""Config layer: presets load, includes resolve, every bad config is rejected naming the right key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scs_sim.config import loader as config
from scs_sim.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
BAD = Path(__file__).resolve().parent / "data" / "bad_configs"
PROGRAM_PRESETS = [
    "tonic_50hz",
    "tonic_90hz_subperception",
    "burst_dr",
    "hf_10khz",
    "hd_1khz",
    "multiplexed_dtm",
    "custom_example",
]


@pytest.mark.parametrize("path", sorted((ROOT / "configs").rglob("*.toml")), ids=lambda p: p.name)
def test_every_preset_loads(path):
    cfg = config.load(path)
    assert cfg.source == str(path)


@pytest.mark.parametrize("name", PROGRAM_PRESETS)
def test_design_preset_names_exist(name):
    program, _ = config.load_program(name)
    assert program.name == name


def test_program_preset_values():
    tonic, _ = config.load_program("tonic_50hz")
    assert (tonic.frequency_hz, tonic.pulse_width_us) == (50.0, 210.0)
    burst, _ = config.load_program("burst_dr")
    assert (burst.burst_frequency_hz, burst.intraburst_frequency_hz, burst.pulses_per_burst) == (
        40.0,
        500.0,
        5,
    )
    hf, _ = config.load_program("hf_10khz")
    assert (hf.frequency_hz, hf.pulse_width_us) == (10_000.0, 30.0)


def test_include_relative_to_including_file(tmp_path):
    (tmp_path / "progs").mkdir()
    (tmp_path / "progs" / "mine.toml").write_text('[program]\nkind = "tonic"\namplitude_ma = 3.3\n')
    run = tmp_path / "run.toml"
    run.write_text('program = "progs/mine.toml"\n[simulation]\nduration_s = 2.0\nseed = 7\n')
    cfg = config.load(run)
    assert cfg.program.amplitude_ma == 3.3 and cfg.program.name == "mine"
    assert cfg.simulation.duration_s == 2.0 and cfg.simulation.seed == 7


def test_include_by_preset_name(tmp_path):
    run = tmp_path / "run.toml"
    run.write_text('program = "hf_10khz"\n')
    assert config.load(run).program.kind == "high_frequency"


def test_error_in_included_file_names_that_file(tmp_path):
    (tmp_path / "p.toml").write_text('[program]\nkind = "tonic"\namplitude_ma = -1\n')
    run = tmp_path / "run.toml"
    run.write_text('program = "p.toml"\n')
    with pytest.raises(ConfigError) as exc:
        config.load(run)
    assert exc.value.file == str(tmp_path / "p.toml")
    assert exc.value.key == "program.amplitude_ma"


def _bad_cases():
    for path in sorted(BAD.glob("*.toml")):
        first = path.read_text().splitlines()[0]
        m = re.match(r"# expect: (.*)", first)
        assert m, f"{path} lacks an '# expect:' header"
        parts = [p.strip() for p in m.group(1).split("|")]
        yield pytest.param(path, parts, id=path.stem)


@pytest.mark.parametrize("path, expected", list(_bad_cases()))
def test_bad_config_rejected_naming_the_key(path, expected):
    with pytest.raises(ConfigError) as exc:
        config.load(path)
    msg = str(exc.value)
    # the message names the file (this file or the file it references) ...
    assert BAD.name in msg
    # ... and contains every expected fragment (the key path first, then what is wrong)
    for frag in expected:
        assert frag in msg, f"{frag!r} not in {msg!r}"


def test_bad_value_is_quoted():
    with pytest.raises(ConfigError, match=r"got -2\.0"):
        config.load(BAD / "neg_amplitude.toml")
