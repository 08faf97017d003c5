"""A worked example: extending sweeps is one table entry (scs_sim.study.samplers / executors).

``corners`` is a toy design method: every axis at its low and high end (the 2^d corners of the
design box; a list axis gives its first and last value). Registering it is one entry in
``SAMPLERS`` (here with ``monkeypatch.setitem``, so the table is restored after the test); the spec
then says ``method = "corners"`` and everything else (key checks, seeds, validation of every point,
the store, resume) is the sweep machinery as it is. The same holds for a backend and ``EXECUTORS``.

The evaluator is a cheap fake (no simulation): the rows depend only on the config it receives.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from scs_sim.errors import ConfigError
from scs_sim.study import EXECUTORS, SAMPLERS, Sampler, load_results, load_spec, run_sweep
from scs_sim.study.executors import SerialExecutor


def corners(axes, points, seed) -> list[dict]:
    """Every combination of each axis's two ends (``points`` and ``seed`` are not needed)."""
    ends = []
    for a in axes:
        vals = [a.values[0], a.values[-1]] if a.kind == "values" else a.scale(np.array([0.0, 1.0]))
        ends.append(list(dict.fromkeys(vals)))  # a one-valued axis has one end
    keys = [a.key for a in axes]
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*ends)]


def evaluate(cfg) -> dict:
    """A fake evaluator: charge rate of the program, and a seeded draw (no simulation)."""
    p = cfg.program
    rng = np.random.default_rng(cfg.simulation.seed)
    return {"charge_rate": p.amplitude_ma * p.frequency_hz, "noise": float(rng.random())}


SPEC = {
    "program": "tonic_50hz",
    "simulation": {"duration_s": 0.5},
    "sweep": {
        "method": "corners",
        "replicates": 2,
        "seed": 3,
        "axes": {
            "program.frequency_hz": {"log_range": [2.0, 1000.0], "num": 3},  # enumerating: num as in grid
            "program.amplitude_ma": [2.0, 3.0, 4.0],
        },
    },
}


@pytest.fixture
def with_corners(monkeypatch):
    monkeypatch.setitem(SAMPLERS, "corners", Sampler(corners, sized=False))  # the one table entry


def test_an_unregistered_method_is_refused():
    with pytest.raises(ConfigError, match="unknown method 'corners'"):
        load_spec(SPEC)


def test_a_sampler_is_one_table_entry(with_corners, tmp_path):
    sp = load_spec(SPEC)
    assert sp.design() == [
        {"program.frequency_hz": 2.0, "program.amplitude_ma": 2.0},
        {"program.frequency_hz": 2.0, "program.amplitude_ma": 4.0},
        {"program.frequency_hz": 1000.0, "program.amplitude_ma": 2.0},
        {"program.frequency_hz": 1000.0, "program.amplitude_ma": 4.0},
    ]
    summary = run_sweep(SPEC, out=tmp_path / "out", backend="serial", evaluate=evaluate, progress=False)
    assert summary["points"] == 4 and summary["rows"] == summary["rows_total"] == 8
    df = load_results(tmp_path / "out")
    assert list(df[["point", "replicate"]].itertuples(index=False, name=None)) == [
        (p, r) for p in range(4) for r in range(2)
    ]
    np.testing.assert_array_equal(df["charge_rate"], df["program.frequency_hz"] * df["program.amplitude_ma"])
    assert set(df["program_name"]) == {"tonic_50hz"}
    # common seeds: one seed per replicate, shared by every corner, as for the built-in methods
    assert df.groupby("replicate")["seed"].nunique().tolist() == [1, 1]
    assert [sp.seed_for(0, r) for r in range(2)] == df["seed"][:2].tolist()
    # the spec hash (the store's identity) records the method like any other
    assert sp.resolved()["sweep"]["method"] == "corners" and sp.resolved()["sweep"]["points"] is None


class ReversedExecutor(SerialExecutor):
    """A toy backend: in this process, the last chunk first."""

    name = "reversed"

    def imap_unordered(self, fn, shared, payloads):
        for p in reversed(list(payloads)):
            yield fn(shared, p)


def test_an_executor_is_one_table_entry(with_corners, monkeypatch, tmp_path):
    monkeypatch.setitem(EXECUTORS, "reversed", ReversedExecutor)
    kw = {"evaluate": evaluate, "chunk_size": 3, "progress": False}
    run_sweep(SPEC, out=tmp_path / "serial", backend="serial", **kw)
    run_sweep(SPEC, out=tmp_path / "reversed", backend="reversed", **kw)
    a, b = load_results(tmp_path / "serial"), load_results(tmp_path / "reversed")
    assert a.equals(b)  # rows are sorted by (point, replicate) whatever order the chunks finished in
