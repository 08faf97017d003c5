"""Running a sweep: :func:`run_sweep` (chunks, baselines, progress) and the worker functions.

Evaluation. A row is ``evaluate(cfg, baseline=...)`` (default ``scs_sim.simulation.evaluate``, imported
lazily inside the worker). When the evaluator's module also defines ``baseline(cfg)`` and
``baseline_key(cfg)``, the baselines of all pending rows are computed first, once per distinct key
(in parallel on the chosen backend), stored in the result store and passed to the rows that share
them; otherwise ``evaluate(cfg)`` is called alone. Each row's config is parsed once, here in the
calling process (the configs :func:`~scs_sim.study.spec.load_spec` validated are reused), and the
typed config is what the baseline key, the baseline and the evaluator receive.

A row whose evaluation raises an :class:`~scs_sim.errors.ScsSimError` (a non-finite run, a bad
value) is stored with an ``error`` column holding the message and no metrics, and counts as done (it
would fail again); any other exception is a bug and stops the sweep (finished chunks are kept).

Executors (:mod:`scs_sim.study.executors`) run chunks of rows; each finished chunk becomes one part
file of the store (:mod:`scs_sim.study.store`), so a killed sweep resumes without losing or
duplicating rows. The processes and dask backends start fresh interpreters ('spawn'): a script that
calls :func:`run_sweep` must do so under ``if __name__ == "__main__":``, and its evaluator must be
importable by name there.
"""

from __future__ import annotations

import importlib
import inspect
import json
import math
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from scs_sim.errors import ConfigError, ScsSimError, SimulationError
from scs_sim.study.executors import EXECUTORS, WorkerLost, make_executor
from scs_sim.study.spec import load_spec
from scs_sim.study.store import Store

__all__ = ["run_sweep", "sweep", "TIMING_COLUMNS", "SweepInterrupted"]


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C during a sweep: ``out`` holds ``rows`` of ``rows_total`` finished rows (kept)."""

    def __init__(self, out: str, rows: int, rows_total: int):
        super().__init__(f"interrupted: {rows}/{rows_total} rows are kept in {out}")
        self.out, self.rows, self.rows_total = out, rows, rows_total


#: Columns that measure time, not the model: they differ between runs and backends.
TIMING_COLUMNS = ("wall_s",)

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
        return json.dumps(v.tolist() if isinstance(v, np.ndarray) else v, default=str)
    return v


def _run_baselines(shared: dict, items: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Compute the baselines of ``items`` = [(key, config)]."""
    _, base_fn, _ = _resolve(shared["evaluator"])
    return [(key, base_fn(cfg)) for key, cfg in items]


def _run_chunk(shared: dict, items: list[tuple[int, int, int, dict, Any, Any]]) -> list[dict]:
    """Evaluate rows ``items`` = [(point, replicate, seed, axis values, config, baseline or None)]."""
    fn, _, _ = _resolve(shared["evaluator"])
    use_baseline = shared["baselines"]
    rows = []
    for point, replicate, seed, values, cfg, bl in items:
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
    command: str | None = None,
) -> dict:
    """Run a sweep into the result store ``out``; returns a summary dict.

    Parameters
    ----------
    spec : str, Path, dict or SweepSpec
        A sweep spec file (or preset name under ``configs/sweeps``), a TOML-like dict, or a spec.
    out : str or Path
        The result store folder (created). Must be empty or absent unless ``resume``.
    backend : {"serial", "processes", "dask"}
        Where rows run (a key of :data:`scs_sim.study.executors.EXECUTORS`). ``processes`` (default)
        uses all cores; ``dask`` connects to ``scheduler`` or starts a local cluster of ``workers``
        (default 2) single-threaded worker processes.
    workers : int, optional
        Worker processes (default: ``os.cpu_count()`` for processes, 2 for a Dask LocalCluster).
    resume : bool
        Continue the sweep stored in ``out`` (same spec hash required); finished rows are kept.
    overrides : iterable of str
        ``KEY=V1,V2`` overrides, applied as on the command line (see
        :func:`scs_sim.config.overrides.apply_overrides`).
    evaluate : callable or "module:function", optional
        The row evaluator ``evaluate(cfg, *, baseline=None) -> dict``; None uses
        ``scs_sim.simulation.evaluate`` (imported lazily in the workers). For the processes and dask
        backends it must be importable by name.
    chunk_size : int, optional
        Rows per chunk (one part file each); default ``sweep.chunk_size`` or automatic.
    progress : bool, optional
        Show a tqdm bar on stderr (default: when stderr is a terminal).
    command : str, optional
        How this run was started, written into the store's lock (shown to a second writer).

    Returns
    -------
    dict
        ``points`` (sweep points), ``done`` (points with every replicate finished), ``rows`` (rows in
        the store), ``rows_total``, ``new_rows`` (computed now), ``out``, ``wall_s``, ``backend``,
        ``hash``, ``damaged`` (parts found damaged and recomputed), ``worker_restarts``.

    Raises
    ------
    ConfigError
        Bad spec or options, a store in use by another writer, a damaged or foreign store,
        :class:`~scs_sim.study.executors.WorkerLost` (a worker died twice on the same rows).
    SweepInterrupted
        Ctrl-C (a ``KeyboardInterrupt``): every finished row and baseline is kept; ``resume=True``
        continues.

    Examples
    --------
    >>> summary = run_sweep("configs/sweeps/frequency_response.toml", out="results/freq")  # doctest: +SKIP
    >>> load_results("results/freq").groupby("program.frequency_hz")["relief_pct"].mean()  # doctest: +SKIP
    """
    t0 = time.perf_counter()
    if chunk_size is not None and (
        isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1
    ):
        raise ConfigError(f"--chunk-size: must be an integer >= 1 rows per part (got {chunk_size!r})")
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
    store = Store.open(out, sp.resolved(), resume=resume, info=info, inputs=sp.inputs, command=command)
    try:
        return _run(store, sp, tasks, ref, t0, backend, workers, scheduler, chunk_size, progress)
    finally:
        store.close()


def _close(ex, kill: bool) -> None:
    if kill and "kill" in inspect.signature(ex.close).parameters:
        ex.close(kill=True)
    else:
        ex.close()


def _run(store: Store, sp, tasks, ref, t0, backend, workers, scheduler, chunk_size, progress) -> dict:
    damaged = store.quarantine()  # a damaged part is never used: its rows are computed again
    for name, why in damaged:
        print(
            f"scs-sim: {store.path / name} is damaged ({why}): moved to damaged/, its rows are "
            "computed again",
            file=sys.stderr,
        )
    done = store.done_pairs()
    pending = [t for t in tasks if (t[0], t[1]) not in done]
    design = sp.design()
    new_rows = 0
    restarts = 0
    if pending:
        in_process = getattr(EXECUTORS.get(backend), "in_process", False)
        if not in_process and sp.evaluator.startswith("<"):
            raise ConfigError(
                f"backend '{backend}' needs an evaluator importable by name (got {sp.evaluator}); "
                "use backend 'serial' or a module-level function"
            )
        _, base_fn, key_fn = _resolve(ref)
        shared = {"evaluator": ref, "baselines": base_fn is not None}
        ex = make_executor(backend, workers, scheduler)
        show = sys.stderr.isatty() if progress is None else progress
        interrupted = False
        try:
            configs = {(p, r): sp.row_config(p, s) for p, r, s in pending}  # parsed once per row
            baselines: dict[str, Any] = {}
            row_keys: dict[tuple[int, int], str] = {}
            if base_fn is not None:
                todo: dict[str, tuple[str, Any]] = {}
                for p, r, _ in pending:
                    cfg = configs[(p, r)]
                    k = key_fn(cfg)
                    row_keys[(p, r)] = k
                    if k not in baselines and k not in todo:
                        cached = store.get_baseline(k)
                        if cached is not None:
                            baselines[k] = cached
                        else:
                            todo[k] = (k, cfg)
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
                [
                    (p, r, s, design[p], configs.pop((p, r)), baselines.get(row_keys.get((p, r))))
                    for p, r, s in chunk
                ]
                for chunk in _chunks(pending, size)
            ]
            for rows in _progress(
                ex.imap_unordered(_run_chunk, shared, payloads), show, len(pending), "rows", len
            ):
                store.write_part(rows)
                new_rows += len(rows)
        except KeyboardInterrupt:
            interrupted = True
            raise SweepInterrupted(str(store.path), len(done) + new_rows, len(tasks)) from None
        except WorkerLost as exc:
            kept = len(done) + new_rows
            raise WorkerLost(
                f"{exc.detail}: {kept}/{len(tasks)} rows are in {store.path}; to compute the rest, run the "
                "same sweep with --resume"
            ) from None
        finally:
            restarts = getattr(ex, "restarts", 0)
            _close(ex, kill=interrupted)
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
        "damaged": [name for name, _ in damaged],
        "worker_restarts": restarts,
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


#: ``scs_sim.sweep(spec, out=..., backend=...)``, the public facade's name, is :func:`run_sweep`.
sweep = run_sweep
