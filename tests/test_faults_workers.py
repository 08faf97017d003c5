"""Faults survived: a killed worker is retried once (else one line, exit 2, with the command that
resumes), no worker outlives the main process (kill -9, SIGTERM), and Ctrl-C keeps every finished
row and prints the exact command that continues. Real worker processes, the fake evaluator."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import tests.test_sweep as _ts
from tests.test_sweep import ROOT, SPEC, model_columns, write

HERE = "tests.test_faults_workers"


def evaluate(cfg, *, baseline=None) -> dict:
    """The test evaluator, except that the rows at 4 mA kill their worker process: the first such row
    only (``SCS_SIM_TEST_DIE=once``, marker file ``SCS_SIM_TEST_MARKER``) or every time (``always``)."""
    if cfg.program.amplitude_ma == 4.0 and os.environ.get("SCS_SIM_TEST_DIE"):
        if os.environ["SCS_SIM_TEST_DIE"] == "always":
            os.kill(os.getpid(), signal.SIGKILL)
        try:
            os.close(os.open(os.environ["SCS_SIM_TEST_MARKER"], os.O_CREAT | os.O_EXCL))
            os.kill(os.getpid(), signal.SIGKILL)
        except FileExistsError:
            pass
    return _ts.evaluate(cfg, baseline=baseline)


#: The paired baseline of the test evaluator (found by name beside ``evaluate``).
baseline, baseline_key = _ts.baseline, _ts.baseline_key


#: Worker processes import the test evaluators by name (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("importable_tests")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    from scs_sim.study import load_results, run_sweep

    d = tmp_path_factory.mktemp("ref")
    spec = write(d, SPEC.format(num=4))
    run_sweep(spec, out=d / "store", backend="serial", evaluate=HERE + ":evaluate", progress=False)
    return spec, load_results(d / "store")


def test_a_killed_worker_is_retried_once(reference, tmp_path, monkeypatch):
    from scs_sim.study import load_results, run_sweep

    spec, ref = reference
    monkeypatch.setenv("SCS_SIM_TEST_DIE", "once")
    monkeypatch.setenv("SCS_SIM_TEST_MARKER", str(tmp_path / "died"))
    kw = {"backend": "processes", "workers": 2, "chunk_size": 2, "progress": False}
    summary = run_sweep(spec, out=tmp_path / "s", evaluate=HERE + ":evaluate", **kw)
    assert (tmp_path / "died").exists() and summary["worker_restarts"] == 1
    df = load_results(tmp_path / "s")
    assert summary["rows"] == len(df) == 16 and not df.duplicated(["point", "replicate"]).any()
    pd.testing.assert_frame_equal(model_columns(df), model_columns(ref))


def test_a_worker_killed_twice_is_one_line_with_the_resume_command(reference, tmp_path):
    spec, _ = reference
    out = tmp_path / "s"
    argv = ["sweep", str(spec), "--out", str(out), "--backend", "processes", "--workers", "2"]
    argv += ["--evaluator", HERE + ":evaluate", "--chunk-size", "2"]
    env = {**os.environ, "SCS_SIM_TEST_DIE": "always", "SCS_SIM_TEST_ROW_SLEEP_S": "0"}
    r = subprocess.run(
        [sys.executable, "-m", "scs_sim", *argv], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr
    assert "a worker process died twice" in r.stderr and "rows are in" in r.stderr
    assert shlex.join(["scs-sim", *argv[:4], "--resume"]) in r.stderr
    assert "--workers 2 --chunk-size 2 --evaluator tests.test_faults_workers:evaluate" in r.stderr


def _children(pid: int) -> list[int]:
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _start_driver(spec, out, sleep: str, backend: str = "processes") -> subprocess.Popen:
    argv = [sys.executable, "-m", "scs_sim", "sweep", str(spec), "--out", str(out), "--backend", backend]
    argv += ["--workers", "2", "--evaluator", HERE + ":evaluate", "--chunk-size", "1"]
    env = {**os.environ, "SCS_SIM_TEST_ROW_SLEEP_S": sleep}
    return subprocess.Popen(
        argv,
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_parts(proc, out: Path, n: int) -> list[int]:
    deadline = time.monotonic() + 60
    while len(list(out.glob("part-*"))) < n:
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
        time.sleep(0.02)
    return _children(proc.pid)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal: Linux")
@pytest.mark.parametrize(("backend", "sig"), [("processes", signal.SIGKILL), ("processes", signal.SIGTERM),
                                              ("dask", signal.SIGKILL)])
def test_no_worker_outlives_the_main_process(reference, tmp_path, backend, sig):
    if backend == "dask":
        pytest.importorskip("distributed")
    spec, _ = reference
    proc = _start_driver(spec, tmp_path / "s", "0.3", backend)
    try:
        kids = _wait_for_parts(proc, tmp_path / "s", 1)
        assert len(kids) >= 2, kids  # the two workers (and multiprocessing's resource tracker)
        os.kill(proc.pid, sig)  # the main process only, as `kill -9 PID` or `kill PID`
        proc.wait(10)
        deadline = time.monotonic() + 5
        while any(_alive(k) for k in kids) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [k for k in kids if _alive(k)], "worker processes outlived the main process"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        for k in _children(proc.pid):
            os.kill(k, signal.SIGKILL)


def test_ctrl_c_keeps_every_finished_row_and_prints_the_command(reference, tmp_path):
    from scs_sim.study import load_results

    spec, ref = reference
    out = tmp_path / "s"
    proc = _start_driver(spec, out, "0.3")
    try:
        kids = _wait_for_parts(proc, out, 2)
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C: the terminal signals the whole process group
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "rows are kept in" in err, err
    kept = load_results(out)
    assert len(kept) >= 2
    time.sleep(0.5)
    assert not [k for k in kids if _alive(k)]
    command = err.strip().rsplit("continue with: ", 1)[1]
    words = shlex.split(command)
    assert words[:2] == ["scs-sim", "sweep"] and "--resume" in words
    env = {**os.environ, "SCS_SIM_TEST_ROW_SLEEP_S": "0"}
    r = subprocess.run(
        [sys.executable, "-m", "scs_sim", *words[1:]], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr
    df = load_results(out)
    pd.testing.assert_frame_equal(model_columns(df), model_columns(ref))
    m = df.merge(kept[["point", "replicate", "wall_s"]], on=["point", "replicate"], suffixes=("", "_old"))
    assert len(m) == len(kept) and (m["wall_s"] == m["wall_s_old"]).all()  # kept, not recomputed
