"""Sweep specs: :class:`Axis`, :class:`SweepSpec`, :func:`load_spec` and the checks of every key.

A sweep spec is a run config plus a ``[sweep]`` table (examples in configs/sweeps/; the seeds and the
comparison statistics are described in docs/MODEL.md §6)::

    program = "tonic_50hz"
    [simulation]
    duration_s = 10.0
    [sweep]
    method = "grid"        # grid | random | lhs | sobol | saltelli | morris (study.samplers.SAMPLERS)
    replicates = 3         # seeds per point
    points = 64            # random / lhs / sobol: points; saltelli: N base samples; morris: trajectories
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
designs are made in :mod:`scs_sim.study.samplers`. The sensitivity designs make more points than
``points``: ``saltelli`` N(D + 2) for N = ``points`` (a power of 2) and D axes, ``morris`` r(D + 1)
for r = ``points`` trajectories; the size limit counts those (times ``replicates``) before the design
is made. Their indices: :mod:`scs_sim.study.sensitivity`.

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
(``-s key=v1,v2``) use the same dotted keys; see :func:`scs_sim.config.overrides.apply_overrides`.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from scs_sim.config import find_file, parse, program_dir, read_toml
from scs_sim.config.overrides import (
    absolutize_csv,
    apply_overrides,
    check_key,
    expand_include,
    get_dotted,
    set_dotted,
)
from scs_sim.errors import ConfigError, check_keys, suggest
from scs_sim.study.cohort import Cohort, parse_cohort
from scs_sim.study.inputs import digest_files, track_reads
from scs_sim.study.samplers import SAMPLERS, design
from scs_sim.study.store import spec_hash

__all__ = [
    "Axis",
    "SweepSpec",
    "load_spec",
    "build_config",
    "point_dict",
    "check_size",
    "SEED_MODES",
    "DEFAULT_EVALUATOR",
    "MAX_RUNS",
]

SEED_MODES = ("common", "independent")
#: Most runs (points × replicates) a sweep may have. A limit of the tool, not of the model: 1e6 rows
#: of the default segment circuit at 10 s simulated are about 4 core-days (:data:`SECONDS_PER_SIM_S`),
#: and the design, the tasks and the validated configs are held in memory before the first run.
MAX_RUNS = 1_000_000
#: Measured cost of one sweep row of the default circuit (``segment``) with ``tonic_50hz``, the
#: paired baseline included: 0.037-0.058 s of one core per simulated second (1 s and 10 s runs on the
#: development machine, 2 cores shared); used for the time estimate of a refused sweep only.
SECONDS_PER_SIM_S = 0.05
#: Fixed cost per row (building the network, the metrics), seconds.
RUN_OVERHEAD_S = 0.02
#: Memory of one result row in the loaded table (``load_results``, pandas, deep): 481 B measured on
#: the 27 rows x 53 columns of ``burst_grid``; used for the memory estimate of a refused sweep only.
ROW_BYTES = 500
DEFAULT_EVALUATOR = "scs_sim.simulation:evaluate"
_SWEEP_KEYS = ("method", "replicates", "points", "seed", "seeds", "chunk_size", "batch_size", "axes",
               "cohort")


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
    #: Most rows per batch (:mod:`scs_sim.study.runner`, "Batches"); not part of the hash (results do not
    #: depend on it).
    batch_size: int | None = None
    file: str | None = None
    base_dir: str | None = None
    evaluator: str = DEFAULT_EVALUATOR
    #: Virtual patients (``[sweep.cohort]``, :mod:`scs_sim.study.cohort`): every point runs on each.
    cohort: Cohort | None = None
    #: ``{file: sha256}`` of every file read while the spec was loaded (includes, programs, CSVs,
    #: presets); their contents are part of the hash.
    inputs: dict = field(default_factory=dict)
    _design: list[dict] | None = field(default=None, repr=False)
    #: Configs validated by :func:`load_spec`, by (point, seed): handed out once by :meth:`row_config`.
    _configs: dict = field(default_factory=dict, repr=False, compare=False)

    # -- design --------------------------------------------------------------------------------------

    def design(self) -> list[dict]:
        """The points: one ``{axis key: value}`` dict per point, in point order."""
        if self._design is None:
            self._design = design(self.method, self.axes, self.points, self.seed)
            if self.cohort is not None:
                self._design = self.cohort.expand(self._design)
        return self._design

    @property
    def n_points(self) -> int:
        return len(self.design())

    def seed_for(self, point: int, replicate: int) -> int:
        """``simulation.seed`` of row ``(point, replicate)`` (see the module docstring)."""
        if self.cohort is not None and self.seeds == "common":
            return self.cohort.noise_seed(self.seed, point % self.cohort.patients, replicate)
        key = (replicate,) if self.seeds == "common" else (point, replicate)
        ss = np.random.SeedSequence(self.seed, spawn_key=key)
        return int(ss.generate_state(1, dtype=np.uint32)[0])

    def tasks(self) -> list[tuple[int, int, int]]:
        """Every row as ``(point, replicate, seed)``, sorted."""
        return [(p, r, self.seed_for(p, r)) for p in range(self.n_points) for r in range(self.replicates)]

    def resolved(self) -> dict:
        """The fully resolved spec (JSON-able); its hash identifies the store."""
        enumerated = self.method in SAMPLERS and not SAMPLERS[self.method].sized
        return {
            "base": self.base,
            "sweep": {
                "method": self.method,
                "replicates": self.replicates,
                "points": None if enumerated else self.points,
                "seed": self.seed,
                "seeds": self.seeds,
                "axes": [a.as_dict() for a in self.axes],
            },
            "evaluator": self.evaluator,
            **({"cohort": self.cohort.as_dict()} if self.cohort is not None else {}),
            "inputs": sorted(set(self.inputs.values())),  # contents, not paths: a moved folder still resumes
            "scs_sim": _package_version(),
        }

    @property
    def hash(self) -> str:
        return spec_hash(self.resolved())

    # -- configs -------------------------------------------------------------------------------------

    def point_dict(self, values: dict, seed: int | None = None) -> dict:
        """The config dict of a point (base with the axis values set, and the seed)."""
        return point_dict(self.base, values, seed, self.file, self.base_dir)

    def config(self, point: int, replicate: int = 0):
        """The validated ``RunConfig`` of row ``(point, replicate)``."""
        return build_config(self.shared(), self.design()[point], self.seed_for(point, replicate))

    def row_config(self, point: int, seed: int):
        """The ``RunConfig`` of ``point`` with ``seed``: the one validated by :func:`load_spec` when it
        has that seed (handed out once, then forgotten), else parsed now."""
        cfg = self._configs.pop((point, seed), None)
        return cfg if cfg is not None else build_config(self.shared(), self.design()[point], seed)

    def shared(self) -> dict:
        """What building a point's config needs besides its values: base dict, spec file, base folder."""
        return {"base": self.base, "file": self.file, "base_dir": self.base_dir}


def _package_version() -> str:
    from scs_sim._version import __version__

    return __version__


def point_dict(base: dict, values: dict, seed: int | None, file, base_dir) -> dict:
    """``base`` with each axis value set at its dotted key (whole sections first) and the row's seed."""
    d = copy.deepcopy(base)
    for key in sorted(values, key=lambda k: k.count(".")):  # whole sections before keys inside them
        if key.startswith("cohort."):  # the row's place in a cohort (a column, not a config key)
            continue
        set_dotted(d, key, values[key], file, base_dir)
    if seed is not None:
        d.setdefault("simulation", {})
        if isinstance(d["simulation"], str):
            d["simulation"] = expand_include("simulation", d["simulation"], file, base_dir)
        d["simulation"]["seed"] = int(seed)
    return d


def build_config(shared: dict, values: dict, seed: int | None):
    """The validated ``RunConfig`` of a point (``shared`` as given by :meth:`SweepSpec.shared`)."""
    d = point_dict(shared["base"], values, seed, shared["file"], shared["base_dir"])
    return parse(d, file=shared["file"], base=shared["base_dir"])


# ---------------------------------------------------------------------------------------------------
# Reading a spec
# ---------------------------------------------------------------------------------------------------


def _int_opt(sweep: dict, name: str, default, *, file, minimum: int = 1):
    v = sweep.get(name, default)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
        raise ConfigError(f"must be an integer >= {minimum} (got {v!r})", file=file, key=f"sweep.{name}")
    return v


def _is_num(x) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _enumerating_methods() -> str:
    """The methods that take categorical axes, quoted (``'grid'``)."""
    return " / ".join(f"'{m}'" for m, s in SAMPLERS.items() if not s.sized)


def _parse_axis(key: str, value, method: str, base: dict, file: str | None) -> Axis:
    where = _axis_where(key)
    sized = SAMPLERS[method].sized
    forms = "a list of values (grid only), { range = [a, b], num = n } or { log_range = [a, b], num = n }"
    try:
        base_value = get_dotted(base, key.split("."))
    except KeyError:
        base_value = None
    integer = isinstance(base_value, int) and not isinstance(base_value, bool)
    if isinstance(value, list):
        if not value:
            raise ConfigError("empty axis: give at least one value", file=file, key=where)
        if sized:
            raise ConfigError(
                f"a list of values (a categorical axis) is allowed for method {_enumerating_methods()} "
                f"only, not '{method}'; give bounds as {{ range = [a, b] }} or {{ log_range = [a, b] }}",
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
    if not sized and num is None:
        raise ConfigError(
            f"a {method} range needs 'num' (the number of values)", file=file, key=f"{where}.num"
        )
    if num is not None and (isinstance(num, bool) or not isinstance(num, int) or num < 1):
        raise ConfigError(f"must be an integer >= 1 (got {num!r})", file=file, key=f"{where}.num")
    if num is not None and num > MAX_RUNS:
        raise ConfigError(
            f"{num:,} values on one axis exceed the limit of {MAX_RUNS:,} runs per sweep "
            "(scs_sim.study.spec.MAX_RUNS)",
            file=file,
            key=f"{where}.num",
        )
    return Axis(key, kind, bounds=(a, c), num=num, integer=integer)


def evaluator_ref(evaluate) -> str:
    """The name an evaluator is stored under: ``'module:function'``, or ``'<callable name>'``."""
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
    (``sweep.axes."program.frequency_hz"``). The sweep's size is checked against :data:`MAX_RUNS`
    before the design is made; then every point's config is validated, before any run. The files
    read meanwhile (the spec, its includes, programs, CSVs, presets) are recorded with their sha256
    in :attr:`SweepSpec.inputs` (:mod:`scs_sim.study.inputs`).
    """
    if isinstance(spec, SweepSpec):
        return _load_spec(spec, overrides, evaluate)
    with track_reads() as files:
        out = _load_spec(spec, overrides, evaluate)
    out.inputs = digest_files(files)
    return out


def _load_spec(spec, overrides: Iterable[str], evaluate) -> SweepSpec:
    if isinstance(spec, SweepSpec):
        if overrides:
            raise ConfigError("overrides need a spec file or dict, not a SweepSpec")
        if evaluate is not None:
            spec.evaluator = evaluator_ref(evaluate)
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
    absolutize_csv(base.get("program"), program_dir(cfg))
    raw_sweep, base = apply_overrides(raw_sweep, base, overrides, file=file, base_dir=base_dir)
    if overrides:
        base = parse(copy.deepcopy(base), file=file, base=base_dir).model_dump(
            mode="json", exclude={"source", "sweep"}
        )

    cohort = parse_cohort(raw_sweep, base, raw_sweep.get("axes") or {}, default_seed=_int_opt(
        raw_sweep, "seed", base["simulation"]["seed"], file=file, minimum=0), file=file)
    raw_sweep = {k: v for k, v in raw_sweep.items() if not (k == "cohort" or k.startswith("cohort."))}
    check_keys(raw_sweep, _SWEEP_KEYS, file=file, prefix="sweep")
    method = raw_sweep.get("method", "grid")
    if not isinstance(method, str) or method not in SAMPLERS:
        names = tuple(SAMPLERS)
        raise ConfigError(
            f"unknown method {method!r}{suggest(str(method), names)}; allowed: {', '.join(names)}",
            file=file,
            key="sweep.method",
        )
    sized = SAMPLERS[method].sized
    seeds = raw_sweep.get("seeds", "common")
    if not isinstance(seeds, str) or seeds not in SEED_MODES:
        raise ConfigError(
            f"unknown seeds mode {seeds!r}; allowed: {', '.join(SEED_MODES)}", file=file, key="sweep.seeds"
        )
    replicates = _int_opt(raw_sweep, "replicates", 1, file=file)
    root = _int_opt(raw_sweep, "seed", base["simulation"]["seed"], file=file, minimum=0)
    chunk = _int_opt(raw_sweep, "chunk_size", None, file=file)
    batch = _int_opt(raw_sweep, "batch_size", None, file=file)
    points = _int_opt(raw_sweep, "points", None, file=file)
    if sized and points is None:
        raise ConfigError(
            f"method '{method}' needs 'points' (the design size)", file=file, key="sweep.points"
        )
    axes_raw = raw_sweep.get("axes", {})
    if not isinstance(axes_raw, dict):
        raise ConfigError(f"must be a table of dotted keys (got {axes_raw!r})", file=file, key="sweep.axes")
    if not axes_raw and sized:
        raise ConfigError(f"method '{method}' needs at least one axis", file=file, key="sweep.axes")
    axes = []
    for key, value in axes_raw.items():
        check_key(base, key, where=_axis_where(key), file=file, axes=axes_raw)
        axes.append(_parse_axis(key, value, method, base, file))
    check_size(axes, points if sized else None, replicates, base, file=file, method=method, cohort=cohort)
    if sized and SAMPLERS[method].check is not None and (why := SAMPLERS[method].check(points)):
        raise ConfigError(why, file=file, key="sweep.points")

    out = SweepSpec(
        base=base,
        axes=axes,
        method=method,
        replicates=replicates,
        points=points if sized else None,
        seed=root,
        seeds=seeds,
        chunk_size=chunk,
        batch_size=batch,
        file=file,
        base_dir=base_dir,
        evaluator=evaluator_ref(evaluate),
        cohort=cohort,
    )
    _validate_points(out)
    return out


def _duration(axes: list[Axis], base: dict) -> float:
    d = float((base.get("simulation") or {}).get("duration_s") or 0.0)
    for a in axes:
        if a.key == "simulation.duration_s":
            vals = [v for v in a.values if _is_num(v)] if a.kind == "values" else list(a.bounds)
            d = max([d, *map(float, vals)])
    return d


def _human_s(s: float) -> str:
    for unit, size in (("years", 365.25 * 86400), ("days", 86400), ("h", 3600), ("min", 60)):
        if s >= size:
            return f"{s / size:,.1f} {unit}"
    return f"{s:.1f} s"


def check_size(
    axes: list[Axis], points: int | None, replicates: int, base: dict, *, file=None, method: str | None = None,
    cohort: Cohort | None = None,
) -> int:
    """The number of runs (points × replicates), checked against :data:`MAX_RUNS` before anything
    is expanded; a refusal names the largest factor's key and estimates the compute time. For a
    sampled ``method`` that makes several points per ``points`` (saltelli, morris) the points are
    counted by the sampler's ``size``."""
    counts = {_axis_where(a.key): (len(a.values) if a.kind == "values" else int(a.num or 1)) for a in axes}
    sampler = SAMPLERS.get(method) if method is not None else None
    if points is None:
        design = math.prod(counts.values())
    else:
        design = sampler.n_points(points, len(axes)) if sampler is not None else points
    patients = {"sweep.cohort.patients": cohort.patients} if cohort is not None else {}
    n_points = design * math.prod(patients.values())
    runs = n_points * replicates
    if runs <= MAX_RUNS:
        return runs
    factors = {"sweep.replicates": replicates, **patients}
    factors.update({"sweep.points": design} if points is not None else counts)
    top = max(factors, key=factors.get)
    key = top
    if top in counts and isinstance(next(a for a in axes if _axis_where(a.key) == top).num, int):
        key = f"{top}.num"
    dur = _duration(axes, base)
    per_run = RUN_OVERHEAD_S + dur * SECONDS_PER_SIM_S
    raise ConfigError(
        f"{runs:,} runs ({n_points:,} points{_per_points(method, points, len(axes))} x {replicates:,} "
        "replicates) exceed the limit of "
        f"{MAX_RUNS:,} runs per sweep (scs_sim.study.spec.MAX_RUNS); at about {per_run:.2g} s per run "
        f"({dur:g} s simulated x {SECONDS_PER_SIM_S} s per simulated second + {RUN_OVERHEAD_S} s) "
        f"that is {_human_s(runs * per_run)} of one core and about {runs * ROW_BYTES / 1e6:,.0f} MB of results "
        f"({ROW_BYTES} B per row loaded): reduce this factor ({points if top == 'sweep.points' else factors[top]:,}) or "
        "split the sweep",
        file=file,
        key=key,
    )


def _per_points(method: str | None, points: int | None, n_axes: int) -> str:
    """How a design's points follow from ``points`` (the sampler's ``size_text``; empty if none)."""
    sampler = SAMPLERS.get(method) if method is not None else None
    if points is None or sampler is None or not sampler.size_text:
        return ""
    return " = " + sampler.size_text.format(points=points, d=n_axes)


def _validate_points(spec: SweepSpec) -> None:
    """Parse every distinct point (with the seed of row (0, 0)); keep the configs for the rows."""
    shared = spec.shared()
    seed = spec.seed_for(0, 0)
    checked: set = set()
    for i, values in enumerate(spec.design()):
        sig = repr(sorted(values.items()))
        if sig in checked:
            continue
        checked.add(sig)
        try:
            spec._configs[(i, seed)] = build_config(shared, values, seed)
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
