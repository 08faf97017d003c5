"""A store that cannot lie: every damaged part is named on read and recomputed on --resume, never used.

Uses the fake evaluator of tests/test_sweep.py (no simulation): 8 points x 2 replicates, 2 rows a part.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from scs_sim.errors import ConfigError
from tests.test_sweep import EVALUATOR, ROOT, SPEC, model_columns, write

KW = {"backend": "serial", "evaluate": EVALUATOR, "chunk_size": 2, "progress": False}


#: Worker processes import the test evaluators by name (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("importable_tests")


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    from scs_sim.study import load_results, run_sweep

    d = tmp_path_factory.mktemp("clean")
    spec = write(d, SPEC.format(num=4))
    run_sweep(spec, out=d / "store", **KW)
    return spec, d / "store", load_results(d / "store")


def _rewrite(col, value):
    def damage(part: Path) -> None:
        df = pd.read_parquet(part)
        df.loc[0, col] = value if not callable(value) else value(df.loc[0, col])
        df.to_parquet(part, index=False)

    return damage


def _flip_byte(part: Path) -> None:
    data = bytearray(part.read_bytes())
    i = len(data) // 2
    data[i] = (data[i] + 1) % 256
    part.write_bytes(bytes(data))


DAMAGES = {
    "truncated": lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
    "one_byte_changed": _flip_byte,
    "metric_digit_changed": _rewrite("relief_pct", lambda v: v + 1.0),
    "point_cell_changed": _rewrite("point", 0),
    "garbage_text": lambda p: p.write_text("point,replicate\n0,0\n"),
    "empty": lambda p: p.write_bytes(b""),
    "binary": lambda p: p.write_bytes(os.urandom(4000)),
    "checksum_record_deleted": lambda p: (p.parent / "checksums" / f"{p.name}.json").unlink(),
    "checksum_record_garbage": lambda p: (p.parent / "checksums" / f"{p.name}.json").write_bytes(b"\xff\x00"),
}


@pytest.mark.parametrize("how", list(DAMAGES))
def test_a_damaged_part_is_named_on_read_and_recomputed_on_resume(clean, tmp_path, how, capsys):
    from scs_sim.app import cli
    from scs_sim.study import load_results, run_sweep

    spec, src, ref = clean
    store = tmp_path / "s"
    shutil.copytree(src, store)
    DAMAGES[how](store / "part-00003.parquet")
    with pytest.raises(ConfigError) as ei:  # never used: reading is an error naming the part
        load_results(store)
    msg = str(ei.value)
    assert "part-00003.parquet" in msg and "--resume" in msg and str(spec) in msg, msg
    argv = ["sweep", str(spec), "--out", str(store), "--backend", "serial", "--evaluator", EVALUATOR]
    assert cli.main(argv) == 2  # without --resume: refused (the store is not empty)
    capsys.readouterr()
    summary = run_sweep(spec, out=store, resume=True, **KW)
    assert summary["damaged"] == ["part-00003.parquet"] and summary["new_rows"] == 2
    assert "part-00003.parquet is damaged" in capsys.readouterr().err
    assert (store / "damaged" / "part-00003.parquet").exists()
    df = load_results(store)
    assert not df.duplicated(["point", "replicate"]).any()
    pd.testing.assert_frame_equal(model_columns(df), model_columns(ref))


def test_a_part_repeating_another_is_damaged(clean, tmp_path):
    from scs_sim.study import load_results, run_sweep

    spec, src, ref = clean
    store = tmp_path / "s"
    shutil.copytree(src, store)
    shutil.copy(store / "part-00001.parquet", store / "part-00009.parquet")
    side = json.loads((store / "checksums" / "part-00001.parquet.json").read_text())
    (store / "checksums" / "part-00009.parquet.json").write_text(json.dumps({**side, "part": "part-00009"}))
    with pytest.raises(ConfigError, match="part-00009.parquet: repeats rows of part-00001.parquet"):
        load_results(store)
    summary = run_sweep(spec, out=store, resume=True, **KW)
    assert summary["damaged"] == ["part-00009.parquet"] and summary["new_rows"] == 0
    pd.testing.assert_frame_equal(model_columns(load_results(store)), model_columns(ref))


def test_an_unfinished_write_is_ignored_and_cleaned(clean, tmp_path):
    """A checksum record without its part (killed between the two writes) is not a row."""
    from scs_sim.study import load_results, run_sweep

    spec, src, ref = clean
    store = tmp_path / "s"
    shutil.copytree(src, store)
    (store / "part-00007.parquet").unlink()  # as if killed after its checksum record was written
    (store / ".part-00007.parquet.x.tmp").write_bytes(b"half")
    assert len(load_results(store)) == 14
    summary = run_sweep(spec, out=store, resume=True, **KW)
    assert summary["new_rows"] == 2 and summary["damaged"] == []
    assert not list(store.glob(".*.tmp"))
    pd.testing.assert_frame_equal(model_columns(load_results(store)), model_columns(ref))


MANIFESTS = {
    "binary": (lambda p: p.write_bytes(os.urandom(300) + b"\xff"), "binary"),
    "a_list": (lambda p: p.write_text("[1, 2, 3]"), "list"),
    "truncated": (lambda p: p.write_text(p.read_text()[:200]), "not valid JSON"),
    "a_digit_changed": (
        lambda p: p.write_text(p.read_text().replace('"points": 8', '"points": 9')),
        "checksum",
    ),
    "empty": (lambda p: p.write_bytes(b""), "not valid JSON"),
}


@pytest.mark.parametrize("how", list(MANIFESTS))
def test_a_damaged_manifest_is_a_clear_error(clean, tmp_path, how, capsys):
    from scs_sim.app import cli
    from scs_sim.study import load_results

    spec, src, _ = clean
    store = tmp_path / "s"
    shutil.copytree(src, store)
    damage, words = MANIFESTS[how]
    damage(store / "manifest.json")
    with pytest.raises(ConfigError) as ei:
        load_results(store)
    assert "manifest.json: damaged store manifest" in str(ei.value) and words in str(ei.value)
    argv = [
        "sweep",
        str(spec),
        "--out",
        str(store),
        "--resume",
        "--backend",
        "serial",
        "--evaluator",
        EVALUATOR,
    ]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "damaged store manifest" in err and "Traceback" not in err


def test_a_damaged_baseline_is_recomputed_never_used(tmp_path):
    from scs_sim.study.store import Store

    with Store.open(tmp_path / "s", {"spec": 1}, resume=False) as st:
        st.put_baseline("key", {"wdr_rate_hz": 21.5})
        assert st.get_baseline("key") == {"wdr_rate_hz": 21.5}
        (pkl,) = (tmp_path / "s" / "baselines").glob("*.pkl")
        data = bytearray(pkl.read_bytes())
        data[-3] ^= 0x01  # one bit of the pickled value
        pkl.write_bytes(bytes(data))
        assert st.get_baseline("key") is None  # absent: the runner computes it again
        pkl.write_bytes(b"")
        assert st.get_baseline("key") is None


def test_parts_are_parquet_with_checksum_records(clean):
    _, store, _ = clean
    parts = sorted(store.glob("part-*"))
    assert parts and {p.suffix for p in parts} == {".parquet"}
    for p in parts:
        rec = json.loads((store / "checksums" / f"{p.name}.json").read_text())
        assert rec["bytes"] == p.stat().st_size and rec["rows"] == 2 and len(rec["sha256"]) == 64
    m = json.loads((store / "manifest.json").read_text())
    assert m["format"] == "scs_sim.sweep/2" and m["table_format"] == "parquet" and len(m["checksum"]) == 64


def test_the_resume_advice_repeats_the_command_that_made_the_store(tmp_path):
    """Following the advice of a damaged-store error literally must work: same spec, same -s options."""
    from scs_sim.study import load_results

    out = tmp_path / "sw"
    made = [sys.executable, "-m", "scs_sim", "sweep", "burst_grid", "--out", str(out), "--backend", "serial",
            "-s", "sweep.replicates=1", "-s", "simulation.duration_s=0.2", "--evaluator", "tests.test_sweep:evaluate"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(made, check=True, capture_output=True, env=env)
    part = sorted(out.glob("part-*.parquet"))[0]
    part.write_bytes(part.read_bytes()[:100])
    with pytest.raises(ConfigError) as err:
        load_results(out)
    advice = str(err.value).split("run `", 1)[1].split("`", 1)[0]
    assert advice.startswith("scs-sim sweep burst_grid --out") and advice.endswith("--resume")
    assert "-s sweep.replicates=1 -s simulation.duration_s=0.2" in advice
    resumed = [sys.executable, "-m", "scs_sim", *shlex.split(advice)[1:]]
    subprocess.run(resumed, check=True, capture_output=True, env=env)
    assert len(load_results(out)) == 27
