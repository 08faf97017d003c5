"""Where sweep chunks run: the table :data:`EXECUTORS` (backend name → executor class).

Every executor has ``name``, ``workers``, ``imap_unordered(fn, shared, payloads)`` (yields
``fn(shared, payload)`` for each payload, in completion order) and ``close()``, and is built as
``cls(workers, scheduler)``. Its class attributes say whether it accepts a scheduler address
(``takes_scheduler``) and whether it runs rows in the calling process (``in_process``: only then may
the evaluator be a callable that cannot be imported by name).

- ``serial``: in this process, in order.
- ``processes``: a ``ProcessPoolExecutor`` of fresh interpreters ('spawn'), at most two chunks in
  flight per worker.
- ``dask``: a ``dask.distributed`` client, connected to ``scheduler`` or to a local cluster of
  ``workers`` single-threaded worker processes.

Worker processes run with :data:`WORKER_ENV` (single-threaded numerical libraries: one simulation per
process, so that ``workers`` processes use ``workers`` cores; see docs/PERFORMANCE.md).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from scs_sim.errors import ConfigError, suggest

__all__ = ["EXECUTORS", "WORKER_ENV", "SerialExecutor", "ProcessExecutor", "DaskExecutor", "make_executor"]

#: Environment that keeps each worker single-threaded (one simulation per process).
WORKER_ENV = {
    "NUMBA_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
}


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


class SerialExecutor:
    """Runs every payload in this process, in order."""

    name = "serial"
    takes_scheduler = False
    in_process = True
    workers = 1

    def __init__(self, workers: int | None = None, scheduler: str | None = None):
        pass

    def imap_unordered(self, fn, shared, payloads) -> Iterator:
        for p in payloads:
            yield fn(shared, p)

    def close(self):
        pass


class ProcessExecutor:
    """A pool of ``workers`` (default ``os.cpu_count()``) spawned worker processes."""

    name = "processes"
    takes_scheduler = False
    in_process = False

    def __init__(self, workers: int | None = None, scheduler: str | None = None):
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


class DaskExecutor:
    """A ``dask.distributed`` client: of ``scheduler``, or of a local cluster of ``workers`` (default 2)."""

    name = "dask"
    takes_scheduler = True
    in_process = False

    def __init__(self, workers: int | None = None, scheduler: str | None = None):
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


#: Executors by ``--backend`` name.
EXECUTORS: dict[str, type] = {
    "serial": SerialExecutor,
    "processes": ProcessExecutor,
    "dask": DaskExecutor,
}


def make_executor(backend: str, workers: int | None, scheduler: str | None):
    """The executor of ``backend``, after checking ``workers`` and ``scheduler``."""
    if backend not in EXECUTORS:
        names = tuple(EXECUTORS)
        raise ConfigError(
            f"--backend: unknown backend {backend!r}{suggest(backend, names)}; allowed: {', '.join(names)}"
        )
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ConfigError(f"--workers: must be an integer >= 1 (got {workers!r})")
    cls = EXECUTORS[backend]
    if scheduler and not cls.takes_scheduler:
        takers = " or ".join(n for n, c in EXECUTORS.items() if c.takes_scheduler)
        raise ConfigError(f"--scheduler needs --backend {takers}")
    return cls(workers, scheduler)
