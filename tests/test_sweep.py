"""Sweeps: specs, designs, seeds, executors, the resumable store and the CLI commands.

Storage, resume, executors and determinism do not depend on the model, so most tests use the small
honest evaluator below (dosimetry figures plus seeded draws and a short sleep), addressed by name
(``tests.test_sweep:evaluate``) so that worker processes can import it. One end-to-end test runs the
real ``scs_sim.simulation.evaluate`` when that module exists.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scs_sim.errors import ConfigError, SimulationError

ROOT = Path(__file__).resolve().parent.parent
EVALUATOR = "tests.test_sweep:evaluate"
#: Seconds each test row sleeps (so a kill lands mid-run, and parallel backends have work to share).
ROW_SLEEP_S = float(os.environ.get("SCS_SIM_TEST_ROW_SLEEP_S", "0.02"))

# ---------------------------------------------------------------------------------------------------
# The test evaluator (and a paired baseline, so the baseline machinery is exercised too)
# ---------------------------------------------------------------------------------------------------

BASELINE_CALLS: list[str] = []


def baseline_key(cfg) -> str:
    return json.dumps(
        {
            "patient": cfg.patient.model_dump(mode="json"),
            "simulation": cfg.simulation.model_dump(mode="json"),
        },
        sort_keys=True,
    )


def baseline(cfg) -> dict:
    BASELINE_CALLS.append(baseline_key(cfg))
    rng = np.random.default_rng([cfg.simulation.seed, 99])
    return {"wdr_rate_hz": 20.0 + 5.0 * float(rng.random())}


def evaluate(cfg, *, baseline=None) -> dict:
    from scs_sim.stim.dosimetry import dosimetry

    time.sleep(ROW_SLEEP_S)
    if cfg.program.amplitude_ma == 7.25:
        raise SimulationError("non-finite WDR rate (test)")
    d = dosimetry(cfg.program, cfg.device).as_dict()
    rng = np.random.default_rng(cfg.simulation.seed)
    base = baseline["wdr_rate_hz"] if baseline is not None else 20.0
    drive = d["charge_per_s_uc"] / (d["charge_per_s_uc"] + 50.0)
    wdr = base * (1.0 - 0.6 * drive) + float(rng.normal(0.0, 1.0))
    keep = ("shannon_k", "charge_per_s_uc", "battery_power_uw", "recharge_min_per_day", "battery_life_days")
    return {
        "wdr_rate_hz": wdr,
        "baseline_wdr_rate_hz": base,
        "relief_pct": 100.0 * (1.0 - wdr / base),
        "paresthesia": bool(cfg.program.amplitude_ma > 3.0),
        "noise": float(rng.random()),
        "wall_s": time.perf_counter() % 1.0,  # a timing column: differs between runs
        "worker_threads_env": ",".join(
            os.environ.get(k, "-")
            for k in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
        ),  # where it ran, not the model
        **{k: v for k, v in d.items() if k in keep},
    }


def evaluate_no_baseline(cfg, *, baseline=None) -> dict:
    assert baseline is None
    rng = np.random.default_rng(cfg.simulation.seed)
    return {"relief_pct": float(rng.random()), "amp": cfg.program.amplitude_ma}


evaluate_no_baseline.__module__ = "no_such_module_for_baselines"  # its "module" offers no baseline


# ---------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------

SPEC = """\
program = "tonic_50hz"
[simulation]
duration_s = 0.5
[sweep]
method = "grid"
replicates = 2
seed = 11
[sweep.axes]
"program.frequency_hz" = {{ log_range = [2.0, 1000.0], num = {num} }}
"program.amplitude_ma" = [2.0, 4.0]
"""


def write(tmp_path: Path, text: str, name: str = "spec.toml") -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


def model_columns(df: pd.DataFrame) -> pd.DataFrame:
    from scs_sim.study import TIMING_COLUMNS

    drop = [*TIMING_COLUMNS, "worker_threads_env"]
    return df.drop(columns=[c for c in drop if c in df.columns])


#: Worker processes import the test evaluators by name (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("importable_tests")


@pytest.fixture(scope="module")
def serial_table(tmp_path_factory):
    from scs_sim.study import load_results, run_sweep

    d = tmp_path_factory.mktemp("serial")
    spec = write(d, SPEC.format(num=4))
    summary = run_sweep(spec, out=d / "out", backend="serial", evaluate=EVALUATOR, chunk_size=3)
    return spec, summary, load_results(d / "out")


# ---------------------------------------------------------------------------------------------------
# Designs and seeds
# ---------------------------------------------------------------------------------------------------


def test_grid_points_values_and_table(serial_table):
    spec, summary, df = serial_table
    assert summary["points"] == 8 and summary["done"] == 8
    assert summary["rows"] == summary["rows_total"] == len(df) == 16
    assert list(df[["point", "replicate"]].itertuples(index=False, name=None)) == [
        (p, r) for p in range(8) for r in range(2)
    ]
    freqs = sorted(df["program.frequency_hz"].unique())
    np.testing.assert_allclose(freqs, np.geomspace(2.0, 1000.0, 4), rtol=1e-10)
    assert set(df["program.amplitude_ma"]) == {2.0, 4.0}
    for col in ("seed", "program_name", "relief_pct", "shannon_k", "paresthesia"):
        assert col in df.columns
    # first axis varies slowest
    assert list(df["program.frequency_hz"][:4]) == [2.0] * 4


def test_seeds_documented_and_common_random_numbers(serial_table):
    from scs_sim.study import load_spec

    spec, _, df = serial_table
    expected = [
        int(np.random.SeedSequence(11).spawn(2)[r].generate_state(1, dtype=np.uint32)[0]) for r in range(2)
    ]
    assert list(df.groupby("replicate")["seed"].unique().map(lambda s: list(s))) == [[e] for e in expected]
    sp = load_spec(spec, ["sweep.seeds=independent"])
    seeds = [s for _, _, s in sp.tasks()]
    assert len(set(seeds)) == len(seeds)
    ss = np.random.SeedSequence(11, spawn_key=(3, 1))
    assert sp.seed_for(3, 1) == int(ss.generate_state(1, dtype=np.uint32)[0])


@pytest.mark.parametrize("method", ["random", "lhs", "sobol"])
def test_sampled_designs_count_bounds_determinism(tmp_path, method):
    from scs_sim.study import load_spec

    spec = write(
        tmp_path,
        f"""\
        program = "burst_dr"
        [sweep]
        method = "{method}"
        points = 16
        seed = 5
        [sweep.axes]
        "program.amplitude_ma" = {{ range = [0.5, 2.0] }}
        "program.burst_frequency_hz" = {{ log_range = [10.0, 60.0] }}
        "program.pulses_per_burst" = {{ range = [2, 6] }}
        """,
    )
    d1 = load_spec(spec).design()
    assert len(d1) == 16
    a = np.array([p["program.amplitude_ma"] for p in d1])
    f = np.array([p["program.burst_frequency_hz"] for p in d1])
    n = [p["program.pulses_per_burst"] for p in d1]
    assert a.min() >= 0.5 and a.max() <= 2.0
    assert f.min() >= 10.0 and f.max() <= 60.0
    assert all(isinstance(x, int) and 2 <= x <= 6 for x in n)  # integer field → rounded
    assert load_spec(spec).design() == d1  # seeded
    assert load_spec(spec, ["sweep.seed=6"]).design() != d1
    if method in ("lhs", "sobol"):  # stratified: every quarter of the log range holds 4 points
        u = (np.log(f) - np.log(10.0)) / (np.log(60.0) - np.log(10.0))
        assert np.bincount(np.minimum((u * 4).astype(int), 3), minlength=4).tolist() == [4, 4, 4, 4]


def test_overrides_command_line_wins(tmp_path):
    from scs_sim.study import load_spec

    spec = write(tmp_path, SPEC.format(num=4))
    sp = load_spec(
        spec,
        [
            "program.frequency_hz=50,100,200",
            "simulation.duration_s=2",
            "program.pulse_width_us=120.0",
            "patient.anatomy.csf_mm={ range = [2.0, 4.0], num = 3 }",
            "sweep.replicates=1",
        ],
    )
    assert sp.replicates == 1 and sp.base["simulation"]["duration_s"] == 2.0
    assert sp.base["program"]["pulse_width_us"] == 120.0
    assert [a.key for a in sp.axes] == [
        "program.frequency_hz",
        "program.amplitude_ma",
        "patient.anatomy.csf_mm",
    ]
    assert sp.n_points == 3 * 2 * 3
    cfg = sp.config(sp.n_points - 1)
    assert cfg.program.frequency_hz == 200.0 and cfg.patient.anatomy.csf_mm == 4.0
    assert cfg.simulation.duration_s == 2.0 and cfg.program.pulse_width_us == 120.0
    spec2 = write(
        tmp_path,
        'program = "tonic_50hz"\n[sweep]\n[sweep.axes]\n"program.amplitude_ma" = [1.0, 2.0]\n',
        name="spec2.toml",
    )
    sp2 = load_spec(spec2, ["program=hf_10khz,burst_dr", "program.amplitude_ma=1.5"])
    progs = {sp2.config(i).program.name for i in range(sp2.n_points)}
    assert progs == {"hf_10khz", "burst_dr"}
    assert all(sp2.config(i).program.amplitude_ma == 1.5 for i in range(sp2.n_points))
    # one value for an axis of a sampled design pins it (removes the axis)
    sp3 = load_spec(
        ROOT / "configs/sweeps/sobol_sensitivity.toml", ["program.amplitude_ma=3", "sweep.points=8"]
    )
    # (a Saltelli design: N = 8 base samples x (4 axes left + 2) points)
    assert "program.amplitude_ma" not in [a.key for a in sp3.axes] and sp3.n_points == 8 * (4 + 2)
    assert sp3.config(5).program.amplitude_ma == 3.0


def test_categorical_program_axis_with_inner_key(tmp_path):
    from scs_sim.study import load_spec

    spec = write(
        tmp_path,
        """\
        program = "tonic_50hz"
        [sweep]
        [sweep.axes]
        "program" = ["tonic_50hz", "hf_10khz", "custom_csv_example"]
        "program.amplitude_ma" = [1.0, 2.0]
        """,
    )
    sp = load_spec(spec)
    cfgs = [sp.config(i) for i in range(sp.n_points)]
    assert [(c.program.name, c.program.amplitude_ma) for c in cfgs] == [
        (n, a) for n in ("tonic_50hz", "hf_10khz", "custom_csv_example") for a in (1.0, 2.0)
    ]


def test_sweep_configs_load():
    from scs_sim.study import load_spec

    sizes = {}
    for f in sorted((ROOT / "configs" / "sweeps").glob("*.toml")):
        sp = load_spec(f)  # validates every point
        sizes[f.stem] = (sp.n_points, sp.replicates)
    assert sizes["frequency_response"] == (12, 3)
    assert sizes["compare_programs"] == (7 * 16, 2)  # 7 programs x 16 virtual patients, 2 noise seeds
    assert sizes["sobol_sensitivity"] == (64 * (5 + 2), 1)  # Saltelli: N(D + 2) points
    assert {"tonic_amplitude_pw", "burst_grid"} <= set(sizes)
    sp = load_spec(ROOT / "configs" / "sweeps" / "compare_programs.toml")
    assert sp.base["simulation"]["duration_s"] == 10.0


# ---------------------------------------------------------------------------------------------------
# Bad specs and stores
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("axis", "key", "words"),
    [
        (
            '"program.frequncy_hz" = [1.0]',
            'sweep.axes."program.frequncy_hz"',
            ["did you mean 'program.frequency_hz'"],
        ),
        ('"patient.anatomy.csf" = [2.0]', 'sweep.axes."patient.anatomy.csf"', ["patient.anatomy.csf_mm"]),
        ('"program.frequency_hz" = []', 'sweep.axes."program.frequency_hz"', ["empty axis"]),
        ('"program.frequency_hz" = "fast"', 'sweep.axes."program.frequency_hz"', ["'fast'", "range"]),
        ('"program.frequency_hz" = ["fast"]', 'sweep.axes."program.frequency_hz"', ["'fast'", "number"]),
        ('"program.frequency_hz" = [20000.0]', 'sweep.axes."program.frequency_hz"', ["period"]),
        ('"program.frequency_hz" = { range = [1, 2], nm = 3 }', "nm", ["did you mean 'num'"]),
        ('"program.frequency_hz" = { log_range = [0, 2], num = 3 }', "log_range", ["> 0"]),
        ('"program" = ["tonic_50hz", "burts_dr"]', 'sweep.axes."program"', ["did you mean 'burst_dr'"]),
        ('"simulation.seed" = [1, 2]', 'sweep.axes."simulation.seed"', ["replicates"]),
    ],
)
def test_bad_axes_are_clear_config_errors(tmp_path, axis, key, words):
    from scs_sim.study import load_spec

    spec = write(tmp_path, f'program = "tonic_50hz"\n[sweep]\n[sweep.axes]\n{axis}\n', name="bad_spec.toml")
    with pytest.raises(ConfigError) as ei:
        load_spec(spec)
    msg = str(ei.value)
    assert "bad_spec.toml" in msg and key in msg, msg
    for w in words:
        assert w in msg, msg


@pytest.mark.parametrize(
    ("sweep", "words"),
    [
        (
            'method = "lhs"\npoints = 4\n[sweep.axes]\n"program.amplitude_ma" = [1.0, 2.0]',
            ["'grid' only", "'lhs'"],
        ),
        ('method = "sobl"\n[sweep.axes]\n"program.amplitude_ma" = [1.0]', ["did you mean 'sobol'"]),
        ('method = "random"\n[sweep.axes]\n"program.amplitude_ma" = { range = [1, 2] }', ["sweep.points"]),
        ('replicates = 0\n[sweep.axes]\n"program.amplitude_ma" = [1.0]', ["sweep.replicates", ">= 1"]),
        ('replicats = 2\n[sweep.axes]\n"program.amplitude_ma" = [1.0]', ["did you mean 'replicates'"]),
    ],
)
def test_bad_sweep_options(tmp_path, sweep, words):
    from scs_sim.study import load_spec

    spec = write(tmp_path, f'program = "tonic_50hz"\n[sweep]\n{sweep}\n')
    with pytest.raises(ConfigError) as ei:
        load_spec(spec)
    for w in words:
        assert w in str(ei.value), str(ei.value)


def test_store_errors(tmp_path):
    from scs_sim.study import run_sweep

    spec = write(tmp_path, SPEC.format(num=2))
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match="cannot write"):
        run_sweep(spec, out=blocker / "out", backend="serial", evaluate=EVALUATOR)
    out = tmp_path / "out"
    run_sweep(spec, out=out, backend="serial", evaluate=EVALUATOR, overrides=["sweep.replicates=1"])
    with pytest.raises(ConfigError, match="--resume"):
        run_sweep(spec, out=out, backend="serial", evaluate=EVALUATOR, overrides=["sweep.replicates=1"])
    with pytest.raises(ConfigError) as ei:
        run_sweep(spec, out=out, backend="serial", evaluate=EVALUATOR, resume=True)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["hash"] in str(ei.value) and "another spec" in str(ei.value)
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not a sweep store"):
        run_sweep(spec, out=other, backend="serial", evaluate=EVALUATOR, resume=True)
    with pytest.raises(ConfigError, match="backend"):
        run_sweep(spec, out=tmp_path / "o3", backend="threads", evaluate=EVALUATOR)


def test_manifest(serial_table, tmp_path):
    from scs_sim.study import load_spec

    spec, summary, _ = serial_table
    m = json.loads((Path(summary["out"]) / "manifest.json").read_text())
    assert m["hash"] == load_spec(spec, evaluate=EVALUATOR).hash == summary["hash"]
    assert m["points"] == 8 and m["rows"] == 16 and m["complete"] is True
    assert {"scs_sim", "numpy", "numba"} <= set(m["versions"])
    assert m["spec"]["sweep"]["replicates"] == 2 and m["spec"]["evaluator"] == EVALUATOR
    assert m["created"] <= m["updated"]
    assert m["table_format"] in ("parquet", "csv")
    assert all(p.name.startswith("part-") for p in Path(summary["out"]).glob("part-*"))


# ---------------------------------------------------------------------------------------------------
# Baselines, executors, resume
# ---------------------------------------------------------------------------------------------------


def test_baselines_computed_once_per_key_and_stored(tmp_path):
    import importlib

    from scs_sim.study import run_sweep

    mod = importlib.import_module("tests.test_sweep")
    mod.BASELINE_CALLS.clear()
    spec = write(tmp_path, SPEC.format(num=3))
    run_sweep(spec, out=tmp_path / "o", backend="serial", evaluate=EVALUATOR)
    assert len(mod.BASELINE_CALLS) == 2 == len(set(mod.BASELINE_CALLS))  # one per replicate seed
    assert len(list((tmp_path / "o" / "baselines").glob("*.pkl"))) == 2
    mod.BASELINE_CALLS.clear()
    run_sweep(
        spec,
        out=tmp_path / "o2",
        backend="serial",
        evaluate=EVALUATOR,
        overrides=["patient.anatomy.csf_mm=2.0,4.0"],
    )
    assert len(mod.BASELINE_CALLS) == 4  # 2 patients × 2 seeds


def test_failed_rows_are_recorded_and_the_sweep_goes_on(tmp_path):
    from scs_sim.study import load_results, run_sweep

    spec = write(tmp_path, SPEC.format(num=2))
    summary = run_sweep(
        spec,
        out=tmp_path / "o",
        backend="serial",
        evaluate=EVALUATOR,
        overrides=["program.amplitude_ma=2,7.25"],
    )
    df = load_results(tmp_path / "o")
    assert summary["rows"] == 8 and summary["failed"] == 4
    bad = df[df["program.amplitude_ma"] == 7.25]
    assert bad["error"].str.contains("SimulationError: non-finite").all() and bad["relief_pct"].isna().all()
    assert df[df["program.amplitude_ma"] == 2]["error"].isna().all()


def test_an_old_csv_store_is_refused_with_a_message(serial_table, tmp_path):
    """Parquet is the one table format: a store of the older layout (CSV parts) is refused, clearly."""
    from scs_sim.study import load_results, run_sweep

    spec, _, ref = serial_table
    old = tmp_path / "c"
    old.mkdir()
    (old / "manifest.json").write_text(json.dumps({"format": "scs_sim.sweep/1", "table_format": "csv"}))
    ref.to_csv(old / "part-00000.csv", index=False)
    for call in (
        lambda: load_results(old),
        lambda: run_sweep(spec, out=old, backend="serial", evaluate=EVALUATOR, resume=True),
    ):
        with pytest.raises(ConfigError) as ei:
            call()
        assert "older layout" in str(ei.value) and "new --out" in str(ei.value), str(ei.value)


def test_injected_evaluator_without_baselines(tmp_path):
    from scs_sim.study import load_results, run_sweep

    spec = write(tmp_path, SPEC.format(num=2))
    run_sweep(spec, out=tmp_path / "o", backend="serial", evaluate=evaluate_no_baseline)
    df = load_results(tmp_path / "o")
    assert len(df) == 8 and not (tmp_path / "o" / "baselines").exists()
    assert (df["amp"] == df["program.amplitude_ma"]).all()


def test_backends_give_identical_tables(serial_table, tmp_path):
    pytest.importorskip("distributed")
    from scs_sim.study import load_results, run_sweep

    spec, _, ref = serial_table
    run_sweep(spec, out=tmp_path / "p", backend="processes", workers=2, evaluate=EVALUATOR)
    run_sweep(spec, out=tmp_path / "d", backend="dask", workers=2, evaluate=EVALUATOR)
    for name in ("p", "d"):
        df = load_results(tmp_path / name)
        pd.testing.assert_frame_equal(model_columns(df), model_columns(ref))
        assert set(df["worker_threads_env"]) == {"1,1,1,1"}  # single-threaded workers


def test_dask_scheduler_address(serial_table, tmp_path):
    distributed = pytest.importorskip("distributed")
    from scs_sim.study import load_results, run_sweep

    spec, _, ref = serial_table
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        summary = run_sweep(
            spec, out=tmp_path / "s", backend="dask", scheduler=cluster.scheduler_address, evaluate=EVALUATOR
        )
    assert summary["rows"] == 16
    pd.testing.assert_frame_equal(model_columns(load_results(tmp_path / "s")), model_columns(ref))
    with pytest.raises(ConfigError, match="--scheduler needs --backend dask"):
        run_sweep(
            spec, out=tmp_path / "x", backend="serial", scheduler="tcp://127.0.0.1:1", evaluate=EVALUATOR
        )


def test_sigkill_then_resume_equals_uninterrupted(serial_table, tmp_path):
    from scs_sim.study import load_results

    spec, _, ref = serial_table
    out = tmp_path / "killed"
    driver = (
        "import sys; from scs_sim.study import run_sweep; "
        f"run_sweep({str(spec)!r}, out={str(out)!r}, backend=sys.argv[1], workers=2, "
        f"evaluate={EVALUATOR!r}, chunk_size=1, resume=len(sys.argv) > 2)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SCS_SIM_TEST_ROW_SLEEP_S": "0.15"}  # slow: kill mid-run
    proc = subprocess.Popen(
        [sys.executable, "-c", driver, "processes"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(list(out.glob("part-*"))) < 3:
            assert proc.poll() is None, proc.stderr.read().decode()
            time.sleep(0.01)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the driver and its worker processes (its own session)
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    partial = load_results(out)
    assert 3 <= len(partial) < 16
    env["SCS_SIM_TEST_ROW_SLEEP_S"] = "0"
    r = subprocess.run(
        [sys.executable, "-c", driver, "serial", "resume"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    df = load_results(out)
    assert not df.duplicated(["point", "replicate"]).any()
    pd.testing.assert_frame_equal(model_columns(df), model_columns(ref))
    # the rows finished before the kill were kept as they were, not recomputed
    m = df.merge(partial[["point", "replicate", "wall_s"]], on=["point", "replicate"], suffixes=("", "_old"))
    assert len(m) == len(partial) and (m["wall_s"] == m["wall_s_old"]).all()
    assert json.loads((out / "manifest.json").read_text())["resumed"] == 1


# ---------------------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------------------


def _main(argv):
    from scs_sim.app import cli

    return cli.main(argv)


def test_cli_sweep_json_and_errors(tmp_path, capsys):
    spec = write(tmp_path, SPEC.format(num=2))
    out = tmp_path / "o"
    argv = [
        "sweep",
        str(spec),
        "--out",
        str(out),
        "--backend",
        "serial",
        "--evaluator",
        EVALUATOR,
        "-s",
        "program.amplitude_ma=1.0,2.0,3.0",
        "--json",
    ]
    assert _main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["points"] == 6 and summary["done"] == 6 and summary["out"] == str(out)
    assert summary["rows"] == 12 and "wall_s" in summary
    assert _main(argv) == 2
    assert "--resume" in capsys.readouterr().err
    assert _main(argv + ["--resume"]) == 0
    assert json.loads(capsys.readouterr().out)["new_rows"] == 0
    assert _main(["sweep", str(spec), "--out", str(out), "-s", "program.frequncy_hz=3"]) == 2
    assert "did you mean 'program.frequency_hz'" in capsys.readouterr().err


def test_cli_compare_programs(tmp_path, capsys):
    out = tmp_path / "cmp"
    argv = [
        "compare",
        "tonic_50hz",
        str(ROOT / "configs/programs/hf_10khz.toml"),
        "burst_dr",
        "--out",
        str(out),
        "--duration",
        "0.5",
        "--backend",
        "serial",
        "--evaluator",
        EVALUATOR,
        "--json",
    ]
    assert _main(argv) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["program"] for r in rows} == {"tonic_50hz", "hf_10khz", "burst_dr"}
    for k in ("program", "relief_pct_mean", "relief_pct_ci95", "paresthesia", "shannon_k", "pareto"):
        assert all(k in r for r in rows)
    assert all(("battery_life_days" in r) or ("recharge_min_per_day" in r) for r in rows)
    assert [r["relief_pct_mean"] for r in rows] == sorted((r["relief_pct_mean"] for r in rows), reverse=True)
    assert json.loads((out / "comparison.json").read_text()) == rows
    assert len(pd.read_csv(out / "comparison.csv")) == 3
    assert _main(argv[:-1]) == 0  # same comparison again: reuses the finished runs, prints a table
    text = capsys.readouterr()
    assert "relief %" in text.out and "0 new" in text.err


def test_cli_compare_spec(tmp_path, capsys):
    argv = [
        "compare",
        "compare_programs",
        "--out",
        str(tmp_path / "c"),
        "--backend",
        "serial",
        "--evaluator",
        EVALUATOR,
        "-s",
        "simulation.duration_s=0.5",
        "-s",
        "sweep.replicates=2",
        "--json",
    ]
    assert _main(argv) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 7 and all(r["relief_pct_ci_low"] <= r["relief_pct_mean"] <= r["relief_pct_ci_high"]
                                  for r in rows)
    assert any(r["pareto"] for r in rows)
    assert _main(["compare", "compare_programs", "tonic_50hz", "--out", str(tmp_path / "c2")]) == 2
    assert "sweep spec" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------------
# End to end with the real model
# ---------------------------------------------------------------------------------------------------


def test_real_evaluator_end_to_end(tmp_path):
    pytest.importorskip("scs_sim.simulation")
    from scs_sim.study import load_results, run_sweep
    from scs_sim.study.compare import compare

    spec = write(
        tmp_path,
        """\
        program = "tonic_50hz"
        [simulation]
        duration_s = 0.5
        [sweep]
        [sweep.axes]
        "program.amplitude_ma" = [2.0, 5.0]
        """,
    )
    summary = run_sweep(spec, out=tmp_path / "o", backend="serial")
    df = load_results(tmp_path / "o")
    assert summary["done"] == 2 and len(df) == 2
    for k in (
        "wdr_rate_hz",
        "baseline_wdr_rate_hz",
        "relief_pct",
        "recruited_dc_fibers",
        "paresthesia",
        "charge_per_phase_uc",
        "shannon_k",
        "battery_power_uw",
    ):
        assert k in df.columns, k
    assert df["baseline_wdr_rate_hz"].nunique() == 1  # one shared paired baseline
    assert len(list((tmp_path / "o" / "baselines").glob("*.pkl"))) == 1
    assert len(compare(df)) == 2
