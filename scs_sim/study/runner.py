"""Running a sweep: :func:`run_sweep` (chunks, baselines, progress) and the worker functions.

Evaluation. A row is ``evaluate(cfg, baseline=...)`` (default ``scs_sim.simulation.evaluate``, imported
lazily inside the worker). When the evaluator's module also defines ``baseline(cfg)`` and
``baseline_key(cfg)``, the baselines of all pending rows are computed first, once per distinct key
(in parallel on the chosen backend), stored in the result store and passed to the rows that share
them; otherwise ``evaluate(cfg)`` is called alone. Each row's config is parsed once, here in the
calling process (the configs :func:`~scs_sim.study.spec.load_spec` validated are reused), and the
typed config is what the baseline key, the baseline and the evaluator receive.

Batches. When the evaluator's module also defines ``evaluate_batch(cfgs, baseline=None, *,
computed=None)`` and ``batch_key(cfg)`` (as :mod:`scs_sim.simulation` does) and the batch size
(``batch_size``, ``[sweep] batch_size``, default :data:`DEFAULT_BATCH`) is above 1, pending rows are
grouped by (batch key, baseline key), in row order, and each group is cut into batches of at most that
many rows (fewer when there are fewer rows than ``workers`` x batch size, so every worker gets work);
rows of key None run alone. A batch is evaluated in one ``evaluate_batch`` call (one network build, one
batched stepper); a baseline whose rows all lie in one batch is not computed beforehand but rides in
that batch, and is stored when it returns. A task holds whole batches (up to the chunk size of rows,
at least one batch) and becomes one part. A batch that raises an :class:`~scs_sim.errors.ScsSimError`
is evaluated again row by row, so one bad row is stored with its error and the others with their
metrics, as without batches. Results are the same as one row at a time, bit for bit (``wall_s``
aside, see :func:`scs_sim.simulation.simulate_batch`).

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

__all__ = ["run_sweep", "sweep", "DEFAULT_BATCH", "TIMING_COLUMNS", "SweepInterrupted"]

#: Rows per batch by default (rows sharing one network run in one batched stepper): 8, a compromise
#: between fewer network builds and kernel calls per row and load balance across workers **[assumption]**.
DEFAULT_BATCH = 8


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


def _batching(ref):
    """(evaluate_batch, batch_key) of the evaluator's module when it is that module's ``evaluate`` and
    the module defines both, else (None, None)."""
    fn, _, _ = _resolve(ref)
    mod = sys.modules.get(getattr(fn, "__module__", "") or "")
    if mod is None or getattr(mod, "evaluate", None) is not fn:
        return None, None
    batch_fn, key_fn = getattr(mod, "evaluate_batch", None), getattr(mod, "batch_key", None)
    if not (callable(batch_fn) and callable(key_fn)):
        return None, None
    return batch_fn, key_fn


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


def _row(item, metrics) -> dict:
    """The stored row of ``item`` = (point, replicate, seed, axis values, config, baseline) with ``metrics``."""
    point, replicate, seed, values, cfg, _ = item
    if not isinstance(metrics, dict):
        raise SimulationError(f"evaluator returned {type(metrics).__name__}, expected a dict of metrics")
    row = {k: _scalar(v) for k, v in values.items()}
    row.update(point=point, replicate=replicate, seed=seed)
    prog = cfg.program
    row["program_name"] = (prog.name or prog.kind) if prog is not None else None
    for k, v in metrics.items():
        row[k if k not in row else f"metric_{k}"] = _scalar(v)
    return row


def _evaluate_row(fn, use_baseline: bool, cfg, bl) -> dict:
    try:
        return fn(cfg, baseline=bl) if use_baseline else fn(cfg)
    except ScsSimError as exc:  # a deliberate failure of this point: record it, keep sweeping
        return {"error": f"{type(exc).__name__}: {exc}"}


def _run_chunk(shared: dict, items: list[tuple[int, int, int, dict, Any, Any]]) -> list[dict]:
    """Evaluate rows ``items`` = [(point, replicate, seed, axis values, config, baseline or None)]."""
    fn, _, _ = _resolve(shared["evaluator"])
    return [_row(it, _evaluate_row(fn, shared["baselines"], it[4], it[5])) for it in items]


def _run_batches(shared: dict, batches: list[list[tuple]]) -> dict:
    """Evaluate ``batches`` (each a list of :func:`_run_chunk` items of one batch key and one baseline
    key) with ``evaluate_batch``; ``{"rows": [...], "baselines": [(key, baseline) computed here]}``."""
    fn, base_fn, key_fn = _resolve(shared["evaluator"])
    batch_fn, _ = _batching(shared["evaluator"])
    rows: list[dict] = []
    made: dict = {}
    for items in batches:
        bl = items[0][5]  # one baseline key per batch: given, or None (it rides in the batch)
        try:
            computed: dict = {}
            got = batch_fn([it[4] for it in items], baseline=bl, computed=computed)
        except ScsSimError:  # some row fails: row by row, so that only that row carries the error
            got = None
        if got is not None:
            if not isinstance(got, list) or len(got) != len(items):
                raise SimulationError(f"evaluate_batch returned {type(got).__name__} for {len(items)} rows, "
                                      "expected a list of one dict of metrics per row")
            made.update(computed)
            rows += [_row(it, m) for it, m in zip(items, got, strict=True)]
            continue
        if bl is None:
            try:  # once, as the sweep's baseline phase would; a failing baseline fails each row itself
                bl = base_fn(items[0][4])
                made[key_fn(items[0][4])] = bl
            except ScsSimError:
                bl = None
        rows += [_row(it, _evaluate_row(fn, True, it[4], bl)) for it in items]
    return {"rows": rows, "baselines": list(made.items())}


# ---------------------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------------------


def _chunks(seq: list, size: int) -> list[list]:
    return [seq[i : i + size] for i in range(0, len(seq), size)]


def _batches(pending, configs, batch_key, baseline_key, size: int) -> list[tuple[bool, list]]:
    """The rows ``pending`` grouped by (batch key, baseline key) in row order, cut into batches of at
    most ``size`` rows: ``[(alone, rows)]``, ``alone`` for a row of batch key None (a batch alone)."""
    groups: dict = {}
    for p, r, s in pending:
        cfg = configs[(p, r)]
        bk = batch_key(cfg)
        k = (bk, baseline_key(cfg)) if bk is not None else ("alone", p, r)
        groups.setdefault(k, []).append((p, r, s))
    return [(k[0] == "alone", rows[i : i + size]) for k, rows in groups.items() for i in range(0, len(rows), size)]


def _pack(batches: list[list], size: int) -> list[list[list]]:
    """Consecutive whole batches packed into tasks of at most ``size`` rows (at least one batch each)."""
    tasks: list[list[list]] = []
    n = size
    for b in batches:
        if tasks and n + len(b) <= size:
            tasks[-1].append(b)
            n += len(b)
        else:
            tasks.append([b])
            n = len(b)
    return tasks


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
    batch_size: int | None = None,
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
    batch_size : int, optional
        Most rows run together in one batch (module docstring, "Batches"); default ``sweep.batch_size``
        or :data:`DEFAULT_BATCH`; 1 runs every row alone. Results do not depend on it.
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
    if batch_size is not None and (
        isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1
    ):
        raise ConfigError(f"--batch-size: must be an integer >= 1 rows per batch (got {batch_size!r})")
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
        batch = batch_size or sp.batch_size or DEFAULT_BATCH
        return _run(store, sp, tasks, ref, t0, backend, workers, scheduler, chunk_size, batch, progress)
    finally:
        store.close()


def _close(ex, kill: bool) -> None:
    if kill and "kill" in inspect.signature(ex.close).parameters:
        ex.close(kill=True)
    else:
        ex.close()


def _run(store: Store, sp, tasks, ref, t0, backend, workers, scheduler, chunk_size, batch, progress) -> dict:
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
        batch_fn, batch_key = _batching(ref) if base_fn is not None and batch > 1 else (None, None)
        ex = make_executor(backend, workers, scheduler)
        show = sys.stderr.isatty() if progress is None else progress
        interrupted = False
        try:
            configs = {(p, r): sp.row_config(p, s) for p, r, s in pending}  # parsed once per row
            batches = None
            if batch_fn is not None:  # at most `batch` rows, fewer when the workers would idle otherwise
                per = max(1, min(batch, math.ceil(len(pending) / ex.workers)))
                batches = _batches(pending, configs, batch_key, key_fn, per)
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
                if batches is not None:  # a baseline of one batch only rides in it (stored when it returns)
                    where: dict[str, list[bool]] = {}
                    for alone, rows in batches:
                        where.setdefault(row_keys[rows[0][:2]], []).append(alone)
                    todo = {k: v for k, v in todo.items() if where[k] != [False]}
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

            def item(p, r, s):
                return (p, r, s, design[p], configs.pop((p, r)), baselines.get(row_keys.get((p, r))))

            if batches is None:
                payloads = [[item(*t) for t in chunk] for chunk in _chunks(pending, size)]
                for rows in _progress(
                    ex.imap_unordered(_run_chunk, shared, payloads), show, len(pending), "rows", len
                ):
                    store.write_part(rows)
                    new_rows += len(rows)
            else:
                payloads = [[[item(*t) for t in b] for b in task] for task in _pack([b for _, b in batches], size)]
                for res in _progress(
                    ex.imap_unordered(_run_batches, shared, payloads), show, len(pending), "rows",
                    lambda res: len(res["rows"]),
                ):
                    for k, v in res["baselines"]:
                        if k not in baselines:
                            store.put_baseline(k, v)
                            baselines[k] = v
                    store.write_part(res["rows"])
                    new_rows += len(res["rows"])
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
