"""One writer per store: a second sweep / compare / --resume on the same --out exits 2 naming the holder.

Two real processes race on one store (the fake evaluator of tests/test_sweep.py, rows slowed down so
that the first writer is still running when the second starts), in every order.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import pandas as pd
import pytest

from scs_sim.errors import ConfigError
from tests.test_sweep import EVALUATOR, ROOT, SPEC, model_columns, write

#: Worker processes import the test evaluators by name (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("importable_tests")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    from scs_sim.study import load_results, run_sweep

    d = tmp_path_factory.mktemp("ref")
    spec = write(d, SPEC.format(num=4))
    run_sweep(spec, out=d / "store", backend="serial", evaluate=EVALUATOR, chunk_size=1, progress=False)
    return spec, d / "store", load_results(d / "store")


def test_a_second_writer_in_this_process_is_refused(tmp_path):
    from scs_sim.study.store import Store

    first = Store.open(tmp_path / "s", {"a": 1}, resume=False, command="first run")
    try:
        with pytest.raises(ConfigError) as ei:
            Store.open(tmp_path / "s", {"a": 1}, resume=True)
        msg = str(ei.value)
        assert "in use by another run" in msg and f"pid {os.getpid()}" in msg and "first run" in msg
    finally:
        first.close()
    Store.open(tmp_path / "s", {"a": 1}, resume=True).close()  # released: a resume may go on


def _start(spec, out, mode: str, sleep: str) -> subprocess.Popen:
    argv = [sys.executable, "-m", "scs_sim", "sweep", str(spec), "--out", str(out), "--backend", "serial"]
    argv += ["--evaluator", EVALUATOR, "--chunk-size", "1", "--json"]
    argv += ["--resume"] if mode == "resume" else []
    env = {**os.environ, "SCS_SIM_TEST_ROW_SLEEP_S": sleep}
    return subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _holds_lock(out, pid: int) -> bool:
    try:
        return f'"pid": {pid},' in (out / ".lock").read_text()
    except OSError:
        return False


@pytest.mark.parametrize(
    ("first", "second"), [("fresh", "resume"), ("resume", "resume"), ("fresh", "fresh"), ("resume", "fresh")]
)
def test_two_concurrent_writers(reference, tmp_path, first, second):
    from scs_sim.study import load_results

    spec, src, ref = reference
    out = tmp_path / "s"
    if first == "resume":  # a store with 10 of its 16 rows, as after a kill
        shutil.copytree(src, out)
        for part in sorted(out.glob("part-*.parquet"))[10:]:
            part.unlink()
            (out / "checksums" / f"{part.name}.json").unlink()
    a = _start(spec, out, first, "0.08")
    deadline = time.monotonic() + 30
    while not _holds_lock(out, a.pid):
        assert a.poll() is None and time.monotonic() < deadline, a.stderr.read()
        time.sleep(0.01)
    b = _start(spec, out, second, "0")
    _, err_b = b.communicate(timeout=60)
    assert a.poll() is None, a.stderr.read()  # the first was still running: the second overlapped it
    out_a, err_a = a.communicate(timeout=60)
    assert a.returncode == 0, err_a
    assert b.returncode == 2, err_b
    assert err_b.count("\n") == 1 and "Traceback" not in err_b
    if "in use" in err_b:
        assert f"pid {a.pid} on host" in err_b and "started" in err_b and "scs-sim sweep" in err_b
    else:  # a fresh sweep onto the store the first one made: refused as not empty
        assert second == "fresh" and "--resume" in err_b
    assert json.loads(out_a)["rows"] == 16
    df = load_results(out)
    assert len(df) == 16 and not df.duplicated(["point", "replicate"]).any()
    pd.testing.assert_frame_equal(model_columns(df), model_columns(ref))


def test_a_second_compare_on_the_same_out_is_refused(tmp_path, capsys):
    from scs_sim.app import cli
    from scs_sim.study.lock import StoreLock

    out = tmp_path / "cmp"
    out.mkdir()
    argv = ["compare", "tonic_50hz", "burst_dr", "--out", str(out), "--duration", "0.5"]
    argv += ["--backend", "serial", "--evaluator", EVALUATOR, "--replicates", "1"]
    with StoreLock(out).acquire("scs-sim compare (the first)"):
        assert cli.main(argv) == 2
        err = capsys.readouterr().err
        assert "in use by another run" in err and "scs-sim compare (the first)" in err
    assert cli.main(argv) == 0
