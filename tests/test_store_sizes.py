"""Sweep sizes are checked before the design is expanded: absurd sizes are refused at once, with the
number of runs, an estimate of time, the limit (``MAX_RUNS``), the file and the key."""

from __future__ import annotations

import time

import pytest

from scs_sim.errors import ConfigError
from tests.test_sweep import EVALUATOR, write

BIG = 2**63 - 1
CASES = {
    "grid_of_1e9_values": ('"program.amplitude_ma" = { range = [1.0, 2.0], num = 1000000000 }', "", ".num"),
    "axis_num_2^63-1": (f'"program.amplitude_ma" = {{ range = [1.0, 2.0], num = {BIG} }}', "", ".num"),
    "sobol_1e9_points": (
        '"program.amplitude_ma" = { range = [1.0, 2.0] }',
        'method = "sobol"\npoints = 1000000000',
        "sweep.points",
    ),
    "grid_1e4_x_1e4": (
        '"program.amplitude_ma" = { range = [1.0, 2.0], num = 10000 }\n'
        '"program.frequency_hz" = { range = [10.0, 100.0], num = 10000 }',
        "",
        'sweep.axes."program.amplitude_ma".num',
    ),
    "replicates_2^63-1": ('"program.amplitude_ma" = [1.0, 2.0]', f"replicates = {BIG}", "sweep.replicates"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_absurd_sweep_sizes_are_refused_before_expansion(tmp_path, case):
    from scs_sim.study import load_spec

    axes, options, key = CASES[case]
    spec = write(
        tmp_path, f'program = "tonic_50hz"\n[sweep]\n{options}\n[sweep.axes]\n{axes}\n', name="big.toml"
    )
    t0 = time.perf_counter()
    with pytest.raises(ConfigError) as ei:
        load_spec(spec)
    assert time.perf_counter() - t0 < 2.0
    msg = str(ei.value)
    assert "big.toml" in msg and key in msg and "1,000,000 runs" in msg, msg
    if case != "axis_num_2^63-1" and case != "grid_of_1e9_values":
        assert "runs (" in msg and "of one core" in msg and "s per simulated second" in msg, msg
        assert "MB of results" in msg, msg


def test_the_limit_itself_is_allowed_and_estimated(tmp_path):
    from scs_sim.study.spec import MAX_RUNS, check_size, load_spec

    sp = load_spec(
        write(tmp_path, 'program = "tonic_50hz"\n[sweep]\n[sweep.axes]\n"program.amplitude_ma" = [1.0]\n')
    )
    assert check_size(sp.axes, None, MAX_RUNS, sp.base) == MAX_RUNS
    with pytest.raises(ConfigError, match=r"1,000,001 runs .*\(10 s simulated.*6.0 days"):
        check_size(sp.axes, None, MAX_RUNS + 1, sp.base)


def test_compare_replicates_1e9_is_refused_at_once(tmp_path, capsys):
    from scs_sim.app import cli

    t0 = time.perf_counter()
    argv = ["compare", "tonic_50hz", "burst_dr", "--replicates", "1000000000", "--out", str(tmp_path / "c")]
    assert cli.main(argv) == 2
    assert time.perf_counter() - t0 < 5.0
    err = capsys.readouterr().err
    assert "--replicates" in err and "2,000,000,000 runs" in err and "1,000,000" in err


@pytest.mark.parametrize("value", ["0", "-3"])
def test_chunk_size_zero_is_an_error_not_automatic(tmp_path, capsys, value):
    from scs_sim.app import cli
    from scs_sim.study import run_sweep

    spec = write(tmp_path, 'program = "tonic_50hz"\n[sweep]\n[sweep.axes]\n"program.amplitude_ma" = [1.0]\n')
    argv = ["sweep", str(spec), "--out", str(tmp_path / "o"), "--chunk-size", value, "--evaluator", EVALUATOR]
    assert cli.main(argv) == 2
    assert "--chunk-size: must be an integer >= 1" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()  # refused before anything was written
    with pytest.raises(ConfigError, match="chunk-size"):
        run_sweep(spec, out=tmp_path / "o", chunk_size=0, evaluate=EVALUATOR, backend="serial")
