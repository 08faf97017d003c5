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


PACKAGED = Path(config.PRESET_DIR)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_configs_folder_is_byte_identical_to_the_packaged_presets():
    """configs/ is the human-facing copy of scs_sim/config/presets (what a wheel ships)."""
    assert PACKAGED == ROOT / "scs_sim" / "config" / "presets"
    human, packaged = _tree(ROOT / "configs"), _tree(PACKAGED)
    assert sorted(human) == sorted(packaged), "configs/ and scs_sim/config/presets/ hold different files"
    differ = [name for name in human if human[name] != packaged[name]]
    assert not differ, f"configs/ differs from scs_sim/config/presets/ in {differ} (copy one onto the other)"


def test_presets_are_package_data():
    """Every packaged preset file is covered by the package-data globs of pyproject.toml."""
    import fnmatch
    import tomllib

    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["scs_sim"]
    for name in _tree(PACKAGED):
        rel = f"config/presets/{name}"
        assert any(fnmatch.fnmatch(rel, g) for g in globs), f"{rel} is not package data"


@pytest.mark.parametrize("root", ["configs", "packaged"])
@pytest.mark.parametrize("rel", sorted(p.relative_to(ROOT / "configs").as_posix()
                                       for p in (ROOT / "configs").rglob("*.toml")))
def test_every_preset_loads(root, rel):
    path = (ROOT / "configs" if root == "configs" else PACKAGED) / rel
    cfg = config.load(path)
    assert cfg.source == str(path)


def test_relative_includes_resolve_in_both_trees():
    for root in (ROOT / "configs", PACKAGED):
        cfg = config.load(root / "runs" / "tonic_default.toml")
        assert cfg.program.name == "tonic_50hz" and cfg.patient.name == config.load_patient("default").name
        csv = config.load(root / "programs" / "custom_csv_example.toml")
        assert config.program_dir(csv) == root / "programs"


def test_preset_names_read_the_packaged_presets():
    assert config.preset_path("program", "tonic_50hz") == PACKAGED / "programs" / "tonic_50hz.toml"
    program, folder = config.load_program("custom_csv_example")
    assert folder == PACKAGED / "programs"


def test_a_configs_path_outside_the_checkout_is_the_packaged_copy(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert config.find_file("configs/sweeps/frequency_response.toml") == PACKAGED / "sweeps" / "frequency_response.toml"
    run = tmp_path / "run.toml"
    run.write_text('program = "configs/programs/hf_10khz.toml"\n')
    assert config.load(run).program.kind == "high_frequency"
    with pytest.raises(ConfigError, match="file not found"):
        config.find_file("configs/sweeps/no_such_spec.toml")


def test_program_dir_is_a_field_excluded_from_dumps():
    cfg = config.load(PACKAGED / "programs" / "custom_csv_example.toml")
    assert "program_dir" in config.RunConfig.model_fields
    assert cfg.program_dir == PACKAGED / "programs" == config.program_dir(cfg)
    assert "program_dir" not in cfg.model_dump() and "program_dir" not in cfg.model_dump(mode="json")
    again = cfg.model_copy(update={"source": None})
    assert config.program_dir(again) == PACKAGED / "programs"
    assert config.program_dir(config.parse({})) is None


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


def test_validate_command_rejects_a_misspelt_circuit_key(capsys):
    from scs_sim.app.cli import main

    assert main(["validate", str(BAD / "circuit_typo.toml")]) == 2
    err = capsys.readouterr().err
    assert "patient.circuit.n_wdrr" in err and "did you mean 'n_wdr'" in err


def test_circuit_overrides_validated_against_the_chosen_preset(tmp_path):
    run = tmp_path / "run.toml"
    run.write_text('[simulation]\ncircuit = "zhang2014"\n[patient.circuit]\nn_wdr = 3\n'
                   '[patient.circuit.pathways.ex_wdr]\ngain = 4.0\n')
    cfg = config.load(run)
    from scs_sim.config.checks import circuit_of

    p = circuit_of(cfg.patient, cfg.simulation)
    assert (p.n_wdr, p.n_abeta, p.pathways["ex_wdr"].gain, p.n_dc) == (3, 15, 4.0, cfg.patient.anatomy.dc_count)


def test_config_uses_the_circuit_preset_table():
    from scs_sim.dorsal_horn.params import PRESETS

    assert not hasattr(config, "CIRCUIT_PRESETS")
    for name in PRESETS:
        assert config.parse({"simulation": {"circuit": name}}).simulation.circuit == name


@pytest.mark.parametrize("bad, update", [
    ("circuit_empty_population", lambda c: {"patient": c.patient.model_copy(update={"circuit": {"n_abeta": 0}})}),
    ("dt_too_coarse", lambda c: {"simulation": c.simulation.model_copy(update={"dt_ms": 2.0})}),
    ("program_contact_off_lead", lambda c: {"program": c.program.model_copy(update={"cathodes": [9]})}),
    ("anatomy_large_fibre_cut", lambda c: {"patient": c.patient.model_copy(
        update={"anatomy": c.patient.anatomy.model_copy(update={"dc_large_diameter_um": 3.0})})}),
])
def test_load_time_and_run_time_say_the_same(bad, update):
    """The loader runs the run's own checks: a config that bypasses the loader fails the run identically."""
    from scs_sim.simulation import simulate_config

    with pytest.raises(ConfigError) as at_load:
        config.load(BAD / f"{bad}.toml")
    good = config.parse({"program": {"kind": "tonic", "amplitude_ma": 2.0}, "simulation": {"duration_s": 0.05}})
    with pytest.raises(ConfigError) as at_run:
        simulate_config(good.model_copy(update=update(good)))
    assert at_run.value.detail == at_load.value.detail


def test_loading_and_checking_a_config_never_loads_numba():
    """The load-time checks run the run's rules without the numba layers (fresh interpreter)."""
    import subprocess
    import sys

    code = ("import sys; from scs_sim.config import loader as c; "
            "c.load('configs/runs/tonic_default.toml'); c.load('custom_csv_example'); c.load('multiplexed_dtm'); "
            "c.load('compare_programs'); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('numba', 'matplotlib')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT).stdout.strip()
    assert out == "[]", f"loading a config loads {out}"
