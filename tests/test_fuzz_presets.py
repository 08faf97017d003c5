"""Property-based fuzzing of every preset through ``scs-sim validate`` and a very short ``scs-sim run``.

Each example takes one packaged preset (programs, patients, devices, runs, sweeps), mutates it (a value
set to an extreme or a wrong type, a key dropped, renamed, nested or added) and runs the CLI in-process.
The property (issue 15): the exit status is 0 or 2, never 1, and nothing but a one-line error escapes
(an uncaught exception fails the test). The default profile is bounded (~100 validations and a few
short runs, seconds); ``pytest -m slow tests/test_fuzz_presets.py`` runs a larger one.
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scs_sim.app.cli import main
from scs_sim.config.loader import PRESET_DIR, read_toml

PRESETS = sorted(p for p in PRESET_DIR.rglob("*.toml"))
assert PRESETS, "no presets found"

#: Values a mutation may put anywhere: extremes, non-finite, wrong types, nesting.
NASTY = [0, -1, 1, 2**62, -(2**62), 0.0, -0.0, 1e-300, 1e300, -1e300, 1e7, 1e9, math.inf, -math.inf, math.nan,
         True, False, "", "x", "tonic_50hz", "\u00b5", [], [1, 2], [True], {}, {"a": 1}, {"range": [1, 2]}]


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{json.dumps(str(k))} = {_toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(type(v))


def to_toml(doc: dict) -> str:
    """A TOML document of ``doc`` (every top-level value on one line, tables inline)."""
    return "".join(f"{json.dumps(str(k))} = {_toml_value(v)}\n" for k, v in doc.items())


def _paths(d, prefix=()):
    items = d.items() if isinstance(d, dict) else enumerate(d) if isinstance(d, list) else ()
    for k, v in items:
        yield (*prefix, k)
        yield from _paths(v, (*prefix, k))


def _parent(doc, path):
    node = doc
    for p in path[:-1]:
        node = node[p]
    return node


@st.composite
def mutated(draw):
    """(preset path, mutated document)."""
    src = draw(st.sampled_from(PRESETS))
    doc = read_toml(src)
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(doc))
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = _parent(doc, path)
        key = path[-1]
        op = draw(st.sampled_from(["set", "set", "set", "drop", "rename", "nest", "add"]))
        if op == "set":
            parent[key] = copy.deepcopy(draw(st.sampled_from(NASTY)))
        elif op == "drop" and isinstance(parent, dict):
            del parent[key]
        elif op == "rename" and isinstance(parent, dict):
            parent[f"{key}_x"] = parent.pop(key)
        elif op == "nest":
            parent[key] = {"value": parent[key]}
        elif op == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["extra", "kind", "amplitude_ma", "n_wdr", "count"]))] = copy.deepcopy(
                draw(st.sampled_from(NASTY)))
    return src, doc


def _cli(capsys, *argv) -> tuple[int, str]:
    rc = main(list(argv))
    err = capsys.readouterr().err
    assert rc in (0, 2), f"exit {rc} for {argv}: {err}"
    assert "Traceback" not in err
    if rc == 2:
        assert err.strip().startswith("scs-sim: error:") or ": " in err, err
    return rc, err


def _write(folder: Path, src: Path, doc: dict, name: str) -> Path:
    # Beside the preset's copy of any relative file (custom CSV): the include resolves the same way.
    path = folder / name
    path.write_text(to_toml(doc), encoding="utf-8")
    for extra in src.parent.glob("*.csv"):
        target = folder / extra.name
        if not target.exists():
            target.write_bytes(extra.read_bytes())
    return path


def _check(case, folder: Path, capsys, run: bool) -> None:
    src, doc = case
    path = _write(folder, src, doc, "fuzz.toml")
    rc, _ = _cli(capsys, "validate", str(path))
    if rc != 0 or not run or "sweep" in doc:
        return
    run_doc = dict(doc)
    if "program" not in run_doc:
        run_doc["program"] = "tonic_50hz"
    sim = run_doc.get("simulation", {})
    if not isinstance(sim, dict):
        return
    run_doc["simulation"] = {**sim, "duration_s": 0.05, "model": "rate"}
    _cli(capsys, "run", str(_write(folder, src, run_doc, "fuzz_run.toml")))


_COMMON = dict(deadline=None, derandomize=True, database=None,
               suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@settings(max_examples=100, **_COMMON)
@given(case=mutated())
def test_fuzz_validate_never_crashes(case, tmp_path_factory, capsys):
    _check(case, tmp_path_factory.mktemp("fuzz"), capsys, run=False)


@settings(max_examples=8, **_COMMON)
@given(case=mutated())
def test_fuzz_validate_then_short_run_never_crashes(case, tmp_path_factory, capsys):
    _check(case, tmp_path_factory.mktemp("fuzz"), capsys, run=True)


@pytest.mark.slow
@settings(max_examples=1000, **_COMMON)
@given(case=mutated())
def test_fuzz_slow_profile(case, tmp_path_factory, capsys, request):
    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("the larger fuzz profile: run with -m slow")
    _check(case, tmp_path_factory.mktemp("fuzz"), capsys, run=True)
