"""Parameter sweeps: specs, seeds, executors (serial | processes | dask) and the resumable store.

A sweep spec is a run config plus a ``[sweep]`` table (DESIGN §5, §7)::

    program = "tonic_50hz"
    [simulation]
    duration_s = 10.0
    [sweep]
    method = "grid"        # grid | random | lhs | sobol
    replicates = 3         # seeds per point
    points = 64            # random / lhs / sobol only
    seed = 1               # the sweep's root seed (default: simulation.seed)
    seeds = "common"       # common (default) | independent
    [sweep.axes]
    "program.frequency_hz" = { log_range = [2.0, 10000.0], num = 12 }
    "program.amplitude_ma" = [2.0, 4.0, 6.0]
    "program" = ["tonic_50hz", "burst_dr"]      # a categorical axis of includes / presets

Axes are keyed by dotted config key. A value is a list (grid only: categorical or explicit values),
``{ range = [a, b], num = n }`` (linear) or ``{ log_range = [a, b], num = n }`` (geometric). For
random / lhs / sobol the ranges are bounds (``log_range`` sampled uniformly in log space, ``num``
unused) and ``points`` sets the design size; axes whose base value is an integer are rounded. The
design draws from ``scipy.stats.qmc`` (lhs, sobol, scrambled) or a ``numpy`` Generator (random),
seeded from ``SeedSequence(seed, spawn_key=(0xD, 0xE, 0x5))``.

Seeds. Row ``(point, replicate)`` runs with ``simulation.seed`` =

- ``seeds = "common"`` (default): ``SeedSequence(seed).spawn(replicates)[replicate]`` — the same
  seed for every point of a replicate (common random numbers: programs are compared on the same
  patient noise, and the paired no-stimulation baseline is shared and computed once);
- ``seeds = "independent"``: ``SeedSequence(seed, spawn_key=(point, replicate))``,

each reduced to ``generate_state(1)[0]`` (an unsigned 32-bit integer). Seeds depend only on the spec,
never on execution order or backend, so every backend yields the same table.

Each point's config is the base config dumped to a dict, with each axis's value set at its dotted key
(an include string at ``program`` / ``patient`` / ``device`` is expanded first when a deeper key
under it is also set), re-validated by :func:`scs_sim.config.parse`. Command-line overrides
(``-s key=v1,v2``) use the same dotted keys; see :func:`apply_overrides`.

Evaluation. A row is ``evaluate(cfg, baseline=...)`` (default ``scs_sim.simulation.evaluate``, imported
lazily inside the worker). When the evaluator's module also defines ``baseline(cfg)`` and
``baseline_key(cfg)``, the baselines of all pending rows are computed first, once per distinct key
(in parallel on the chosen backend), stored in the result store and passed to the rows that share
them; otherwise ``evaluate(cfg)`` is called alone.

A row whose evaluation raises an :class:`~scs_sim.errors.ScsSimError` (a non-finite run, a bad
value) is stored with an ``error`` column holding the message and no metrics, and counts as done (it
would fail again); any other exception is a bug and stops the sweep (finished chunks are kept).

Executors run chunks of rows; each finished chunk becomes one part file of the store
(:mod:`scs_sim.sweep_store`), so a killed sweep resumes without losing or duplicating rows. The
processes and dask backends start fresh interpreters ('spawn'): a script that calls
:func:`run_sweep` must do so under ``if __name__ == "__main__":``, and its evaluator must be
importable by name there.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import math
import os
import sys
import time
import tomllib
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from scs_sim.errors import ConfigError, ScsSimError, SimulationError, check_keys, suggest
from scs_sim.study.store import Store, load_results, spec_hash

__all__ = [
    "Axis",
    "SweepSpec",
    "load_spec",
    "apply_overrides",
    "run_sweep",
    "sweep",
    "load_results",
    "METHODS",
    "BACKENDS",
    "DEFAULT_EVALUATOR",
    "TIMING_COLUMNS",
]

METHODS = ("grid", "random", "lhs", "sobol")
BACKENDS = ("serial", "processes", "dask")
SEED_MODES = ("common", "independent")
DEFAULT_EVALUATOR = "scs_sim.simulation:evaluate"
#: Columns that measure time, not the model: they differ between runs and backends.
TIMING_COLUMNS = ("wall_s",)
_SWEEP_KEYS = ("method", "replicates", "points", "seed", "seeds", "chunk_size", "axes")
_RESERVED = ("point", "replicate", "seed", "program_name")
_DESIGN_KEY = (0xD, 0xE, 0x5)
#: Environment that keeps each worker single-threaded (one simulation per process, DESIGN §6).
WORKER_ENV = {
    "NUMBA_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
}


# ---------------------------------------------------------------------------------------------------
# Spec
# ---------------------------------------------------------------------------------------------------


def _axis_where(key: str) -> str:
    return f'sweep.axes."{key}"'


@dataclass(frozen=True)
class Axis:
    """One sweep axis: explicit ``values`` (a list) or a ``range`` / ``log_range`` with ``num``."""

    key: str
    kind: str  # "values" | "range" | "log_range"
    values: tuple = ()
    bounds: tuple[float, float] | None = None
    num: int | None = None
    integer: bool = False

    def as_dict(self) -> dict:
        if self.kind == "values":
            return {"key": self.key, "values": list(self.values)}
        return {"key": self.key, self.kind: list(self.bounds), "num": self.num, "integer": self.integer}

    def _cast(self, v: float):
        if self.integer:
            return int(round(v))
        return float(f"{float(v):.12g}")

    def grid_values(self) -> list:
        if self.kind == "values":
            return list(self.values)
        a, b = self.bounds
        xs = np.linspace(a, b, self.num) if self.kind == "range" else np.geomspace(a, b, self.num)
        out = []
        for x in xs:  # integer axes: drop duplicates after rounding, keep order
            v = self._cast(x)
            if v not in out:
                out.append(v)
        return out

    def scale(self, u: np.ndarray) -> list:
        """Map unit-interval samples to the axis (log space for ``log_range``)."""
        a, b = self.bounds
        if self.kind == "range":
            xs = a + u * (b - a)
        else:
            xs = np.exp(np.log(a) + u * (np.log(b) - np.log(a)))
        return [self._cast(x) for x in xs]


@dataclass
class SweepSpec:
    """A resolved sweep: the base config (as a dict), axes, design method, replicates and seeds."""

    base: dict
    axes: list[Axis]
    method: str = "grid"
    replicates: int = 1
    points: int | None = None
    seed: int = 1
    seeds: str = "common"
    chunk_size: int | None = None
    file: str | None = None
    base_dir: str | None = None
    evaluator: str = DEFAULT_EVALUATOR
    _design: list[dict] | None = field(default=None, repr=False)

    # -- design --------------------------------------------------------------------------------------

    def design(self) -> list[dict]:
        """The points: one ``{axis key: value}`` dict per point, in point order."""
        if self._design is None:
            self._design = _design(self)
        return self._design

    @property
    def n_points(self) -> int:
        return len(self.design())

    def seed_for(self, point: int, replicate: int) -> int:
        """``simulation.seed`` of row ``(point, replicate)`` (see the module docstring)."""
        key = (replicate,) if self.seeds == "common" else (point, replicate)
        ss = np.random.SeedSequence(self.seed, spawn_key=key)
        return int(ss.generate_state(1, dtype=np.uint32)[0])

    def tasks(self) -> list[tuple[int, int, int]]:
        """Every row as ``(point, replicate, seed)``, sorted."""
        return [(p, r, self.seed_for(p, r)) for p in range(self.n_points) for r in range(self.replicates)]

    def resolved(self) -> dict:
        """The fully resolved spec (JSON-able); its hash identifies the store."""
        return {
            "base": self.base,
            "sweep": {
                "method": self.method,
                "replicates": self.replicates,
                "points": self.points if self.method != "grid" else None,
                "seed": self.seed,
                "seeds": self.seeds,
                "axes": [a.as_dict() for a in self.axes],
            },
            "evaluator": self.evaluator,
        }

    @property
    def hash(self) -> str:
        return spec_hash(self.resolved())

    # -- configs -------------------------------------------------------------------------------------

    def point_dict(self, values: dict, seed: int | None = None) -> dict:
        """The config dict of a point (base with the axis values set, and the seed)."""
        return _point_dict(self.base, values, seed, self.file, self.base_dir)

    def config(self, point: int, replicate: int = 0):
        """The validated ``RunConfig`` of row ``(point, replicate)``."""
        return _build_config(self._shared(), self.design()[point], self.seed_for(point, replicate))

    def _shared(self) -> dict:
        return {"base": self.base, "file": self.file, "base_dir": self.base_dir}


def _get(d: Any, parts: Sequence[str]):
    for p in parts:
        if isinstance(d, dict) and p in d:
            d = d[p]
        elif isinstance(d, list) and p.isdigit() and int(p) < len(d):
            d = d[int(p)]
        else:
            raise KeyError(p)
    return d


def _dotted_keys(d: Any, prefix: str = "") -> list[str]:
    out = []
    items = d.items() if isinstance(d, dict) else enumerate(d) if isinstance(d, list) else ()
    for k, v in items:
        key = f"{prefix}{k}"
        out.append(key)
        out.extend(_dotted_keys(v, key + "."))
    return out


def _expand_include(section: str, value: str, file: str | None, base_dir: str | None) -> dict:
    """Load an include / preset string of a top-level section into its dict form."""
    from scs_sim.config.loader import load_section

    obj, name, path = load_section(section, value, file=file, base=Path(base_dir) if base_dir else None)
    d = obj.model_dump(mode="json")
    if section == "program":
        if d.get("name") is None and name:
            d["name"] = name
        _absolutize_csv(d, (path.parent if path else Path(base_dir or ".")))
    return d


def _absolutize_csv(program: dict | None, folder: Path | None) -> None:
    """Make a custom program's CSV reference absolute (dumped configs are re-parsed elsewhere)."""
    if isinstance(program, dict) and program.get("kind") == "custom" and program.get("csv"):
        p = Path(program["csv"])
        if not p.is_absolute() and folder is not None:
            program["csv"] = str((folder / p).resolve())


def _set(d: dict, key: str, value, file: str | None, base_dir: str | None) -> None:
    parts = key.split(".")
    cur: Any = d
    for i, p in enumerate(parts[:-1]):
        if i == 0 and isinstance(cur.get(p), str):
            cur[p] = _expand_include(p, cur[p], file, base_dir)
        if isinstance(cur, list) and p.isdigit():
            cur = cur[int(p)]
            continue
        if not isinstance(cur.get(p), dict):
            cur[p] = {}
        cur = cur[p]
    last = parts[-1]
    if isinstance(cur, list) and last.isdigit():
        cur[int(last)] = copy.deepcopy(value)
    else:
        cur[last] = copy.deepcopy(value)


def _point_dict(base: dict, values: dict, seed: int | None, file, base_dir) -> dict:
    d = copy.deepcopy(base)
    for key in sorted(values, key=lambda k: k.count(".")):  # whole sections before keys inside them
        _set(d, key, values[key], file, base_dir)
    if seed is not None:
        d.setdefault("simulation", {})
        if isinstance(d["simulation"], str):
            d["simulation"] = _expand_include("simulation", d["simulation"], file, base_dir)
        d["simulation"]["seed"] = int(seed)
    return d


def _build_config(shared: dict, values: dict, seed: int | None):
    from scs_sim.config.loader import parse

    d = _point_dict(shared["base"], values, seed, shared["file"], shared["base_dir"])
    return parse(d, file=shared["file"], base=shared["base_dir"])


def _design(spec: SweepSpec) -> list[dict]:
    axes = spec.axes
    if not axes:
        return [{}]
    if spec.method == "grid":
        import itertools

        lists = [a.grid_values() for a in axes]
        return [dict(zip([a.key for a in axes], combo, strict=True)) for combo in itertools.product(*lists)]
    n, d = spec.points, len(axes)
    rng = np.random.default_rng(np.random.SeedSequence(spec.seed, spawn_key=_DESIGN_KEY))
    if spec.method == "random":
        u = rng.random((n, d))
    else:
        from scipy.stats import qmc

        if spec.method == "lhs":
            u = qmc.LatinHypercube(d, rng=rng).random(n)
        else:
            with warnings.catch_warnings():  # non-powers of 2 lose the balance property; allowed
                warnings.simplefilter("ignore", UserWarning)
                u = qmc.Sobol(d, scramble=True, rng=rng).random(n)
    cols = [a.scale(u[:, j]) for j, a in enumerate(axes)]
    return [{a.key: cols[j][i] for j, a in enumerate(axes)} for i in range(n)]


# ---------------------------------------------------------------------------------------------------
# Reading a spec
# ---------------------------------------------------------------------------------------------------


def _parse_literal(text: str):
    """A TOML literal (``50``, ``1e3``, ``true``, ``"x"``, ``[1, 2]``, ``{ range = [1, 2], num = 3 }``);
    anything that is not one is taken as a bare string."""
    return _try_literal(text)[1]


def _try_literal(text: str) -> tuple[bool, Any]:
    text = text.strip()
    try:
        return True, tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return False, text


def parse_override(item: str) -> tuple[str, Any, bool]:
    """Split ``key=v`` / ``key=v1,v2`` / ``key={ range = [a, b], num = n }`` into (key, value, is_list).

    A whole-value TOML literal wins (an array or inline table stays one value, ``"a,b"`` one
    string); otherwise the text is split at commas and each piece parsed as a TOML literal (bare
    words are strings).
    """
    if "=" not in item:
        raise ConfigError(
            f"-s {item!r}: expected KEY=VALUE or KEY=V1,V2,... (e.g. program.frequency_hz=50,100)"
        )
    key, _, text = item.partition("=")
    key = key.strip().strip('"')
    if not key or not text.strip():
        raise ConfigError(f"-s {item!r}: expected KEY=VALUE with a non-empty key and value")
    ok, whole = _try_literal(text)
    if ok or "," not in text:
        return key, whole, isinstance(whole, list)
    return key, [_parse_literal(t) for t in text.split(",")], True


def apply_overrides(
    raw_sweep: dict, base: dict, overrides: Iterable[str], *, file, base_dir, allow_seed: bool = False
) -> tuple[dict, dict]:
    """Apply command-line overrides (the command line wins) to the raw sweep table and base dict.

    ``sweep.KEY=v`` sets a sweep option (``sweep.replicates=5``), applied first. For a key that is
    an axis: a comma list replaces its values, an inline table its range; one value makes it a
    one-valued axis (grid) or pins it, removing the axis (random / lhs / sobol). Any other key with a
    comma list or a table becomes a new axis; with one value it sets the base config.
    """
    sweep = copy.deepcopy(raw_sweep)
    base = copy.deepcopy(base)
    parsed = [parse_override(item) for item in overrides]
    rest = []
    for key, value, is_list in parsed:
        sub = key.removeprefix("sweep.")
        if key.startswith("sweep.") and not sub.startswith("axes."):
            sweep[sub] = value
        else:
            rest.append(
                (sub.removeprefix("axes.").strip('"') if key.startswith("sweep.") else key, value, is_list)
            )
    axes = dict(sweep.get("axes") or {}) if isinstance(sweep.get("axes"), dict) else sweep.get("axes")
    grid = sweep.get("method", "grid") == "grid"
    for key, value, is_list in rest:
        multi = is_list or isinstance(value, dict)
        if isinstance(axes, dict) and (multi or (key in axes and grid)):
            axes[key] = value if multi else [value]
            continue
        if isinstance(axes, dict):
            axes.pop(key, None)
        _check_key(base, key, where=f"-s {key}", file=None, axes={}, allow_seed=allow_seed)
        _set(base, key, value, file, base_dir)
    if axes is not None:
        sweep["axes"] = axes
    return sweep, base


def _check_key(base: dict, key: str, *, where: str, file: str | None, axes: dict, allow_seed: bool = False) -> None:
    """Raise a ConfigError with a did-you-mean when ``key`` is not a key of the base config."""
    parts = key.split(".")
    if parts[0] in ("program", "patient", "device", "simulation") and len(parts) > 1 and parts[0] in axes:
        return  # a whole section is an axis too: checked when each point is validated
    try:
        node = _get(base, parts[:-1])
    except KeyError:
        node = None
    ok = False
    if isinstance(node, dict):
        ok = parts[-1] in node or (len(parts) == 1 and parts[0] in ("program", "patient", "device"))
        if len(parts) == 1 and parts[0] == "simulation":
            ok = False
    elif isinstance(node, list):
        ok = parts[-1].isdigit() and int(parts[-1]) < len(node)
    if not ok and isinstance(node, str) and len(parts) >= 2:
        ok = True  # under an include string: checked when each point is validated
    if ok:
        if key == "simulation.seed" and not allow_seed:
            raise ConfigError(
                "the seed is set per row from sweep.seed and sweep.replicates; do not sweep it",
                file=file,
                key=where,
            )
        return
    allowed = [k for k in _dotted_keys(base) if k.count(".") >= 1 or k in ("program", "patient", "device")]
    hint = suggest(key, allowed)
    if not hint and len(parts) > 1 and isinstance(node, dict):
        hint = suggest(parts[-1], list(node))
        if hint:
            hint = hint.replace("'", f"'{'.'.join(parts[:-1])}.", 1)
    under = [k for k in allowed if k.startswith(parts[0] + ".") and k.count(".") == 1]
    example = ", ".join(under[:12]) + (", ..." if len(under) > 12 else "")
    more = f"; keys under {parts[0]}: {example}" if under else ""
    raise ConfigError(f"unknown config key '{key}'{hint}{more}", file=file, key=where)


def _int_opt(sweep: dict, name: str, default, *, file, minimum: int = 1):
    v = sweep.get(name, default)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
        raise ConfigError(f"must be an integer >= {minimum} (got {v!r})", file=file, key=f"sweep.{name}")
    return v


def _is_num(x) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _parse_axis(key: str, value, method: str, base: dict, file: str | None) -> Axis:
    where = _axis_where(key)
    forms = "a list of values (grid only), { range = [a, b], num = n } or { log_range = [a, b], num = n }"
    try:
        base_value = _get(base, key.split("."))
    except KeyError:
        base_value = None
    integer = isinstance(base_value, int) and not isinstance(base_value, bool)
    if isinstance(value, list):
        if not value:
            raise ConfigError("empty axis: give at least one value", file=file, key=where)
        if method != "grid":
            raise ConfigError(
                f"a list of values (a categorical axis) is allowed for method 'grid' only, not '{method}'; "
                "give bounds as { range = [a, b] } or { log_range = [a, b] }",
                file=file,
                key=where,
            )
        return Axis(key, "values", values=tuple(value))
    if not isinstance(value, dict):
        raise ConfigError(f"must be {forms} (got {value!r})", file=file, key=where)
    kinds = [k for k in ("range", "log_range") if k in value]
    check_keys(value, ("range", "log_range", "num"), file=file, prefix=where)
    if len(kinds) != 1:
        raise ConfigError(
            f"give exactly one of 'range' or 'log_range' (got {value!r}); {forms}", file=file, key=where
        )
    kind = kinds[0]
    b = value[kind]
    if not (isinstance(b, list) and len(b) == 2 and all(_is_num(x) for x in b)):
        raise ConfigError(f"must be two finite numbers [a, b] (got {b!r})", file=file, key=f"{where}.{kind}")
    a, c = float(b[0]), float(b[1])
    if kind == "log_range" and (a <= 0 or c <= 0):
        raise ConfigError(f"log_range bounds must be > 0 (got {b!r})", file=file, key=f"{where}.{kind}")
    if base_value is not None and not _is_num(base_value):
        raise ConfigError(
            f"a range needs a numeric key, but the base value is {base_value!r}; use a list of values",
            file=file,
            key=where,
        )
    num = value.get("num")
    if method == "grid":
        if num is None:
            raise ConfigError(
                "a grid range needs 'num' (the number of values)", file=file, key=f"{where}.num"
            )
    if num is not None and (isinstance(num, bool) or not isinstance(num, int) or num < 1):
        raise ConfigError(f"must be an integer >= 1 (got {num!r})", file=file, key=f"{where}.num")
    return Axis(key, kind, bounds=(a, c), num=num, integer=integer)


def _evaluator_ref(evaluate) -> str:
    if evaluate is None:
        return DEFAULT_EVALUATOR
    if isinstance(evaluate, str):
        if ":" not in evaluate:
            raise ConfigError(f"evaluator must be 'module:function' (got {evaluate!r})")
        return evaluate
    mod, name = getattr(evaluate, "__module__", None), getattr(evaluate, "__qualname__", None)
    if mod and name and mod != "__main__" and "<" not in name:
        return f"{mod}:{name}"
    return f"<callable {getattr(evaluate, '__name__', repr(evaluate))}>"


def load_spec(spec, overrides: Iterable[str] = (), *, evaluate=None) -> SweepSpec:
    """Read and validate a sweep spec (a TOML path, a preset name, a TOML-like dict or a SweepSpec).

    Every problem is a :class:`~scs_sim.errors.ConfigError` naming the spec file and key
    (``sweep.axes."program.frequency_hz"``). Every point's config is validated here, before any run.
    """
    from scs_sim.config.loader import find_file, parse, read_toml

    if isinstance(spec, SweepSpec):
        if overrides:
            raise ConfigError("overrides need a spec file or dict, not a SweepSpec")
        if evaluate is not None:
            spec.evaluator = _evaluator_ref(evaluate)
        return spec
    if isinstance(spec, dict):
        data, file, base_dir = copy.deepcopy(spec), None, str(Path.cwd())
    else:
        path = find_file(spec)
        data, file, base_dir = read_toml(path), str(path), str(path.parent)
    raw_sweep = data.pop("sweep", None)
    if raw_sweep is None:
        raise ConfigError("not a sweep spec: no [sweep] table (see configs/sweeps/)", file=file)
    if not isinstance(raw_sweep, dict):
        raise ConfigError(f"must be a table (got {raw_sweep!r})", file=file, key="sweep")
    cfg = parse(data, file=file, base=base_dir)
    base = cfg.model_dump(mode="json", exclude={"source", "sweep"})
    from scs_sim.config.loader import program_dir

    _absolutize_csv(base.get("program"), program_dir(cfg))
    raw_sweep, base = apply_overrides(raw_sweep, base, overrides, file=file, base_dir=base_dir)
    if overrides:
        base = parse(copy.deepcopy(base), file=file, base=base_dir).model_dump(
            mode="json", exclude={"source", "sweep"}
        )

    check_keys(raw_sweep, _SWEEP_KEYS, file=file, prefix="sweep")
    method = raw_sweep.get("method", "grid")
    if method not in METHODS:
        raise ConfigError(
            f"unknown method {method!r}{suggest(str(method), METHODS)}; allowed: {', '.join(METHODS)}",
            file=file,
            key="sweep.method",
        )
    seeds = raw_sweep.get("seeds", "common")
    if seeds not in SEED_MODES:
        raise ConfigError(
            f"unknown seeds mode {seeds!r}; allowed: {', '.join(SEED_MODES)}", file=file, key="sweep.seeds"
        )
    replicates = _int_opt(raw_sweep, "replicates", 1, file=file)
    root = _int_opt(raw_sweep, "seed", base["simulation"]["seed"], file=file, minimum=0)
    chunk = _int_opt(raw_sweep, "chunk_size", None, file=file)
    points = _int_opt(raw_sweep, "points", None, file=file)
    if method != "grid" and points is None:
        raise ConfigError(
            f"method '{method}' needs 'points' (the design size)", file=file, key="sweep.points"
        )
    axes_raw = raw_sweep.get("axes", {})
    if not isinstance(axes_raw, dict):
        raise ConfigError(f"must be a table of dotted keys (got {axes_raw!r})", file=file, key="sweep.axes")
    if not axes_raw and method != "grid":
        raise ConfigError(f"method '{method}' needs at least one axis", file=file, key="sweep.axes")
    axes = []
    for key, value in axes_raw.items():
        _check_key(base, key, where=_axis_where(key), file=file, axes=axes_raw)
        axes.append(_parse_axis(key, value, method, base, file))

    out = SweepSpec(
        base=base,
        axes=axes,
        method=method,
        replicates=replicates,
        points=points if method != "grid" else None,
        seed=root,
        seeds=seeds,
        chunk_size=chunk,
        file=file,
        base_dir=base_dir,
        evaluator=_evaluator_ref(evaluate),
    )
    _validate_points(out)
    return out


def _validate_points(spec: SweepSpec) -> None:
    shared = spec._shared()
    seed = spec.seed_for(0, 0)
    checked: set = set()
    for i, values in enumerate(spec.design()):
        sig = repr(sorted(values.items()))
        if sig in checked:
            continue
        checked.add(sig)
        try:
            _build_config(shared, values, seed)
        except ConfigError as exc:
            axis = _blame_axis(exc, values)
            shown = ", ".join(f"{k}={v!r}" for k, v in values.items())
            where = _axis_where(axis) if axis else "sweep.axes"
            raise ConfigError(
                f"point {i} ({shown}) is not a valid config: {exc.key + ': ' if exc.key else ''}{exc.detail}",
                file=spec.file,
                key=where,
            ) from None


def _blame_axis(exc: ConfigError, values: dict) -> str | None:
    if exc.key:
        for k in sorted(values, key=len, reverse=True):
            if exc.key == k or exc.key.startswith(k + "."):
                return k
    return next(iter(values), None) if len(values) == 1 else None


# ---------------------------------------------------------------------------------------------------
# Workers (module-level so they pickle by reference)
# ---------------------------------------------------------------------------------------------------

_EVALUATORS: dict[str, Callable] = {}


def _resolve(ref):
    """(evaluate, baseline, baseline_key) for a 'module:function' reference or a callable."""
    if callable(ref):
        fn = ref
    else:
        if ref not in _EVALUATORS:
            mod_name, _, attr = ref.partition(":")
            try:
                mod = importlib.import_module(mod_name)
            except ModuleNotFoundError as exc:
                raise ConfigError(f"evaluator {ref!r}: cannot import {mod_name!r} ({exc})") from None
            obj = mod
            for part in attr.split("."):
                obj = getattr(obj, part, None)
            if not callable(obj):
                raise ConfigError(f"evaluator {ref!r}: {attr!r} is not a function of {mod_name}")
            _EVALUATORS[ref] = obj
        fn = _EVALUATORS[ref]
    mod = sys.modules.get(getattr(fn, "__module__", "") or "")
    base_fn = getattr(mod, "baseline", None) if mod else None
    key_fn = getattr(mod, "baseline_key", None) if mod else None
    if not (callable(base_fn) and callable(key_fn)):
        base_fn = key_fn = None
    return fn, base_fn, key_fn


def _scalar(v):
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, list | tuple | dict | np.ndarray):
        import json

        return json.dumps(v.tolist() if isinstance(v, np.ndarray) else v, default=str)
    return v


def _run_baselines(shared: dict, items: list[tuple[str, dict, int]]) -> list[tuple[str, Any]]:
    """Compute the baselines of ``items`` = [(key, axis values, seed)]."""
    _, base_fn, _ = _resolve(shared["evaluator"])
    return [(key, base_fn(_build_config(shared, values, seed))) for key, values, seed in items]


def _run_chunk(shared: dict, items: list[tuple[int, int, int, dict, Any]]) -> list[dict]:
    """Evaluate rows ``items`` = [(point, replicate, seed, axis values, baseline or None)]."""
    fn, _, _ = _resolve(shared["evaluator"])
    use_baseline = shared["baselines"]
    rows = []
    for point, replicate, seed, values, bl in items:
        cfg = _build_config(shared, values, seed)
        try:
            metrics = fn(cfg, baseline=bl) if use_baseline else fn(cfg)
        except ScsSimError as exc:  # a deliberate failure of this point: record it, keep sweeping
            metrics = {"error": f"{type(exc).__name__}: {exc}"}
        if not isinstance(metrics, dict):
            raise SimulationError(f"evaluator returned {type(metrics).__name__}, expected a dict of metrics")
        row = {k: _scalar(v) for k, v in values.items()}
        row.update(point=point, replicate=replicate, seed=seed)
        prog = cfg.program
        row["program_name"] = (prog.name or prog.kind) if prog is not None else None
        for k, v in metrics.items():
            row[k if k not in row else f"metric_{k}"] = _scalar(v)
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------------------------------
# Executors
# ---------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _worker_env():
    """Single-threaded numerical libraries in every worker process started inside this block."""
    old = {k: os.environ.get(k) for k in WORKER_ENV}
    os.environ.update(WORKER_ENV)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class _SerialExecutor:
    name = "serial"
    workers = 1

    def imap_unordered(self, fn, shared, payloads) -> Iterator:
        for p in payloads:
            yield fn(shared, p)

    def close(self):
        pass


class _ProcessExecutor:
    name = "processes"

    def __init__(self, workers: int | None):
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        self.workers = workers or os.cpu_count() or 1
        self._env = _worker_env()
        self._env.__enter__()  # kept for the pool's lifetime: workers may start lazily
        # 'spawn' everywhere: a fresh interpreter that inherits this environment and sys.path
        # (forkserver would freeze both at the time its server first started).
        ctx = mp.get_context("spawn")
        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx)

    def imap_unordered(self, fn, shared, payloads) -> Iterator:
        from concurrent.futures import FIRST_COMPLETED, wait

        payloads = list(payloads)
        limit = 2 * self.workers
        pending: set = set()
        i = 0
        try:
            while i < len(payloads) or pending:
                while i < len(payloads) and len(pending) < limit:
                    pending.add(self._pool.submit(fn, shared, payloads[i]))
                    i += 1
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in done:
                    yield f.result()
        finally:
            for f in pending:
                f.cancel()

    def close(self):
        try:
            self._pool.shutdown(wait=True, cancel_futures=True)
        finally:
            self._env.__exit__(None, None, None)


class _DaskExecutor:
    name = "dask"

    def __init__(self, workers: int | None, scheduler: str | None):
        try:
            import dask
            from distributed import Client, LocalCluster
        except ImportError:
            raise ConfigError(
                "--backend dask needs dask.distributed (pip install 'dask[distributed]')"
            ) from None
        self._cluster = None
        if scheduler:
            try:
                self._client = Client(scheduler, timeout="20s")
            except (OSError, TimeoutError) as exc:
                raise ConfigError(f"--scheduler: cannot connect to {scheduler}: {exc}") from None
            self.workers = max(1, sum(self._client.nthreads().values()))
        else:
            import logging

            self.workers = workers or 2
            env = {**dask.config.get("distributed.nanny.pre-spawn-environ", {}), **WORKER_ENV}
            with dask.config.set({"distributed.nanny.pre-spawn-environ": env}), _worker_env():
                self._cluster = LocalCluster(
                    n_workers=self.workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
            self._client = Client(self._cluster)

    def imap_unordered(self, fn, shared, payloads) -> Iterator:
        from distributed import as_completed

        futures = [self._client.submit(fn, shared, p, pure=False) for p in payloads]
        try:
            for f in as_completed(futures):
                yield f.result()
        finally:
            for f in futures:
                if not f.done():
                    f.cancel()

    def close(self):
        try:
            self._client.close()
        finally:
            if self._cluster is not None:
                self._cluster.close()


def _executor(backend: str, workers: int | None, scheduler: str | None):
    if backend not in BACKENDS:
        raise ConfigError(
            f"--backend: unknown backend {backend!r}{suggest(backend, BACKENDS)}; allowed: {', '.join(BACKENDS)}"
        )
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ConfigError(f"--workers: must be an integer >= 1 (got {workers!r})")
    if scheduler and backend != "dask":
        raise ConfigError("--scheduler needs --backend dask")
    if backend == "serial":
        return _SerialExecutor()
    if backend == "processes":
        return _ProcessExecutor(workers)
    return _DaskExecutor(workers, scheduler)


# ---------------------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------------------


def _chunks(seq: list, size: int) -> list[list]:
    return [seq[i : i + size] for i in range(0, len(seq), size)]


def _auto_chunk(n: int, workers: int) -> int:
    """Rows per chunk: about eight chunks per worker (load balance, resume granularity), 1 to 16 rows."""
    return max(1, min(16, math.ceil(n / (8 * max(1, workers)))))


def run_sweep(
    spec,
    *,
    out: str | Path,
    backend: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    overrides: Iterable[str] = (),
    evaluate: Callable | str | None = None,
    chunk_size: int | None = None,
    progress: bool | None = None,
) -> dict:
    """Run a sweep into the result store ``out``; returns a summary dict.

    Parameters
    ----------
    spec : str, Path, dict or SweepSpec
        A sweep spec file (or preset name under ``configs/sweeps``), a TOML-like dict, or a spec.
    out : str or Path
        The result store folder (created). Must be empty or absent unless ``resume``.
    backend : {"serial", "processes", "dask"}
        Where rows run. ``processes`` (default) uses all cores; ``dask`` connects to ``scheduler`` or
        starts a local cluster of ``workers`` (default 2) single-threaded worker processes.
    workers : int, optional
        Worker processes (default: ``os.cpu_count()`` for processes, 2 for a Dask LocalCluster).
    resume : bool
        Continue the sweep stored in ``out`` (same spec hash required); finished rows are kept.
    overrides : iterable of str
        ``KEY=V1,V2`` overrides, applied as on the command line (see :func:`apply_overrides`).
    evaluate : callable or "module:function", optional
        The row evaluator ``evaluate(cfg, *, baseline=None) -> dict``; None uses
        ``scs_sim.simulation.evaluate`` (imported lazily in the workers). For the processes and dask
        backends it must be importable by name.
    chunk_size : int, optional
        Rows per chunk (one part file each); default ``sweep.chunk_size`` or automatic.
    progress : bool, optional
        Show a tqdm bar on stderr (default: when stderr is a terminal).

    Returns
    -------
    dict
        ``points`` (sweep points), ``done`` (points with every replicate finished), ``rows`` (rows in
        the store), ``rows_total``, ``new_rows`` (computed now), ``out``, ``wall_s``, ``backend``,
        ``hash``.

    Examples
    --------
    >>> summary = run_sweep("configs/sweeps/frequency_response.toml", out="results/freq")  # doctest: +SKIP
    >>> load_results("results/freq").groupby("program.frequency_hz")["relief_pct"].mean()  # doctest: +SKIP
    """
    t0 = time.perf_counter()
    sp = load_spec(spec, overrides, evaluate=evaluate)
    ref = evaluate if callable(evaluate) else sp.evaluator  # a callable runs as given
    tasks = sp.tasks()
    info = {
        "points": sp.n_points,
        "replicates": sp.replicates,
        "rows": len(tasks),
        "axes": [a.key for a in sp.axes],
        "spec_file": sp.file,
    }
    store = Store.open(out, sp.resolved(), resume=resume, info=info)
    done = store.done_pairs()
    pending = [t for t in tasks if (t[0], t[1]) not in done]
    design = sp.design()
    new_rows = 0
    if pending:
        if backend != "serial" and sp.evaluator.startswith("<"):
            raise ConfigError(
                f"backend '{backend}' needs an evaluator importable by name (got {sp.evaluator}); "
                "use backend 'serial' or a module-level function"
            )
        _, base_fn, key_fn = _resolve(ref)
        shared = {**sp._shared(), "evaluator": ref, "baselines": base_fn is not None}
        ex = _executor(backend, workers, scheduler)
        show = sys.stderr.isatty() if progress is None else progress
        try:
            baselines: dict[str, Any] = {}
            row_keys: dict[tuple[int, int], str] = {}
            if base_fn is not None:
                todo: dict[str, tuple[str, dict, int]] = {}
                for p, r, s in pending:
                    k = key_fn(_build_config(shared, design[p], s))
                    row_keys[(p, r)] = k
                    if k not in baselines and k not in todo:
                        cached = store.get_baseline(k)
                        if cached is not None:
                            baselines[k] = cached
                        else:
                            todo[k] = (k, design[p], s)
                if todo:
                    items = list(todo.values())
                    size = max(1, math.ceil(len(items) / (2 * ex.workers)))
                    for res in _progress(
                        ex.imap_unordered(_run_baselines, shared, _chunks(items, size)),
                        show,
                        len(items),
                        "baselines",
                        lambda res: len(res),
                    ):
                        for k, v in res:
                            store.put_baseline(k, v)
                            baselines[k] = v
            size = chunk_size or sp.chunk_size or _auto_chunk(len(pending), ex.workers)
            payloads = [
                [(p, r, s, design[p], baselines.get(row_keys.get((p, r)))) for p, r, s in chunk]
                for chunk in _chunks(pending, size)
            ]
            for rows in _progress(
                ex.imap_unordered(_run_chunk, shared, payloads), show, len(pending), "rows", len
            ):
                store.write_part(rows)
                new_rows += len(rows)
        finally:
            ex.close()
    table_pairs = store.done_pairs()
    failed = _count_failed(store)
    per_point: dict[int, int] = {}
    for p, _ in table_pairs:
        per_point[p] = per_point.get(p, 0) + 1
    summary = {
        "points": sp.n_points,
        "done": sum(1 for n in per_point.values() if n >= sp.replicates),
        "rows": len(table_pairs),
        "rows_total": len(tasks),
        "new_rows": new_rows,
        "failed": failed,
        "replicates": sp.replicates,
        "out": str(store.path),
        "backend": backend,
        "hash": store.hash,
        "wall_s": round(time.perf_counter() - t0, 3),
    }
    store.write_manifest(
        complete=len(table_pairs) == len(tasks),
        last_run={k: summary[k] for k in ("backend", "new_rows", "wall_s")},
    )
    return summary


def _count_failed(store: Store) -> int:
    df = store.read()
    return int(df["error"].notna().sum()) if "error" in df.columns else 0


def _progress(it: Iterator, show: bool, total: int, unit: str, count: Callable) -> Iterator:
    if not show:
        yield from it
        return
    from tqdm import tqdm

    with tqdm(total=total, unit=unit, desc=f"sweep {unit}", file=sys.stderr, dynamic_ncols=True) as bar:
        for x in it:
            bar.update(count(x))
            yield x


#: ``scs_sim.sweep(spec, out=..., backend=...)`` (DESIGN §7) is :func:`run_sweep`.
sweep = run_sweep
