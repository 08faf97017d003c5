"""The spec hash covers content: every file a spec reads (includes, program files on an axis, CSVs,
presets) and the package version. An edit between a kill and --resume is refused naming the file;
``scs-sim compare A B`` after editing B computes B again, never reuses its old rows.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from scs_sim.errors import ConfigError
from tests.test_sweep import EVALUATOR, ROOT, write

KW = {"backend": "serial", "evaluate": EVALUATOR, "progress": False}
PROGRAMS = ROOT / "configs" / "programs"


#: Worker processes import the test evaluators by name (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("importable_tests")


def _programs(tmp_path: Path) -> tuple[Path, Path, Path]:
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    shutil.copy(PROGRAMS / "tonic_50hz.toml", a)
    b.write_text('[program]\nname = "b"\nkind = "tonic"\nfrequency_hz = 60.0\namplitude_ma = 4.5\n')
    spec = write(
        tmp_path,
        f"""\
        program = "tonic_50hz"
        [simulation]
        duration_s = 0.5
        [sweep]
        replicates = 2
        [sweep.axes]
        "program" = ["{a}", "{b}"]
        """,
    )
    return spec, a, b


def test_inputs_are_every_file_read(tmp_path):
    from scs_sim.study import load_spec

    spec, a, b = _programs(tmp_path)
    sp = load_spec(spec)
    assert {str(spec), str(a), str(b)} <= set(sp.inputs)
    assert any(p.endswith("presets/programs/tonic_50hz.toml") for p in sp.inputs)  # the base's preset
    assert not any(p.endswith((".py", ".pyc")) for p in sp.inputs)
    assert sp.resolved()["inputs"] == sorted(set(sp.inputs.values()))
    assert load_spec(spec).hash == sp.hash  # stable
    csv = load_spec(
        {
            "program": str(PROGRAMS / "custom_csv_example.toml"),
            "sweep": {"axes": {"program.amplitude_ma": [1.0]}},
        }
    )
    assert str(PROGRAMS / "custom_example.csv") in csv.inputs


def test_an_edited_program_file_on_an_axis_refuses_resume(tmp_path, capsys):
    from scs_sim.app import cli
    from scs_sim.study import load_results, run_sweep

    spec, _, b = _programs(tmp_path)
    out = tmp_path / "s"
    run_sweep(spec, out=out, chunk_size=1, **KW)
    for part in sorted(out.glob("part-*"))[2:]:  # as if killed after two rows
        part.unlink()
    b.write_text(b.read_text().replace("amplitude_ma = 4.5", "amplitude_ma = 9.0"))
    with pytest.raises(ConfigError) as ei:
        run_sweep(spec, out=out, resume=True, **KW)
    msg = str(ei.value)
    assert "a file the spec reads changed" in msg and str(b) in msg and "new --out" in msg, msg
    argv = [
        "sweep",
        str(spec),
        "--out",
        str(out),
        "--resume",
        "--backend",
        "serial",
        "--evaluator",
        EVALUATOR,
    ]
    assert cli.main(argv) == 2
    assert str(b) in capsys.readouterr().err
    assert len(load_results(out)) == 2  # nothing was added
    b.write_text(b.read_text().replace("amplitude_ma = 9.0", "amplitude_ma = 4.5"))  # restored: resumes
    assert run_sweep(spec, out=out, resume=True, **KW)["rows"] == 4


def test_an_edited_csv_changes_the_hash(tmp_path):
    from scs_sim.study import load_spec

    shutil.copy(PROGRAMS / "custom_csv_example.toml", tmp_path / "p.toml")
    shutil.copy(PROGRAMS / "custom_example.csv", tmp_path / "custom_example.csv")
    spec = {"program": str(tmp_path / "p.toml"), "sweep": {"axes": {"program.amplitude_ma": [1.0]}}}
    before = load_spec(spec).hash
    csv = tmp_path / "custom_example.csv"
    csv.write_text(csv.read_text() + "\n")
    assert load_spec(spec).hash != before


def test_compare_after_editing_b_computes_b_again(tmp_path, capsys):
    from scs_sim.app import cli

    _, a, b = _programs(tmp_path)
    argv = [
        "compare",
        str(a),
        str(b),
        "--out",
        str(tmp_path / "cmp"),
        "--duration",
        "0.5",
        "--replicates",
        "1",
    ]
    argv += ["--backend", "serial", "--evaluator", EVALUATOR, "--json"]
    assert cli.main(argv) == 0
    first = {r["program"]: r for r in json.loads(capsys.readouterr().out)}
    b.write_text(b.read_text().replace("amplitude_ma = 4.5", "amplitude_ma = 9.0"))
    assert cli.main(argv[:-1]) == 0
    assert "2 new" in capsys.readouterr().err  # a new store for the new content: nothing reused
    assert cli.main(argv) == 0
    second = {r["program"]: r for r in json.loads(capsys.readouterr().out)}
    assert second["b"]["charge_per_s_uc"] == pytest.approx(2 * first["b"]["charge_per_s_uc"])
    assert second["tonic_50hz"]["charge_per_s_uc"] == first["tonic_50hz"]["charge_per_s_uc"]
    assert len(list((tmp_path / "cmp").glob("sweep-*"))) == 2


def test_a_store_of_another_package_version_refuses_resume(tmp_path, monkeypatch):
    import scs_sim._version
    from scs_sim.study import run_sweep

    spec, _, _ = _programs(tmp_path)
    run_sweep(spec, out=tmp_path / "s", **KW)
    monkeypatch.setattr(scs_sim._version, "__version__", "99.0")
    with pytest.raises(ConfigError) as ei:
        run_sweep(spec, out=tmp_path / "s", resume=True, **KW)
    assert "made by scs_sim 0.1.0, this is scs_sim 99.0" in str(ei.value)


def test_machine_state_files_are_not_inputs(tmp_path):
    """The load-time memory check reads /proc/meminfo: machine state, not part of a spec's identity."""
    from scs_sim.study.inputs import track_reads

    f = tmp_path / "x.toml"
    f.write_text("a = 1\n")
    with track_reads() as files:
        f.read_text()
        with open("/proc/meminfo", encoding="ascii") as fh:
            fh.read()
    assert files == [str(f)]
