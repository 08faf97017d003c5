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

Faults. A worker process that dies (killed, out of memory) breaks a ``ProcessPoolExecutor``: the
pool is then rebuilt and every chunk that was in flight is submitted again, once (as Dask retries
the tasks of a lost worker); a chunk lost a second time raises :class:`WorkerLost` (a
:class:`~scs_sim.errors.ConfigError`: one line, exit status 2), and the chunks finished so far stay
in the store. Dask's own retries end in ``KilledWorker``, reported the same way. No worker outlives
the main process: each ``processes`` worker asks Linux to send it SIGKILL when its parent dies
(``prctl(PR_SET_PDEATHSIG)``, set in the worker initializer, which also exits at once if the parent
is already gone), and a watchdog thread in each worker exits it within 0.5 s of its parent's death
(any platform), so kill -9 or SIGTERM of the main process ends the workers too. Workers ignore
SIGINT: on Ctrl-C the main process stops them (:meth:`ProcessExecutor.close` with ``kill=True``)
after keeping every finished chunk.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator

from scs_sim.errors import ConfigError, suggest

__all__ = [
    "EXECUTORS",
    "WORKER_ENV",
    "SerialExecutor",
    "ProcessExecutor",
    "DaskExecutor",
    "WorkerLost",
    "make_executor",
]

#: ``prctl`` option: the signal a process receives when its parent dies (linux/prctl.h).
PR_SET_PDEATHSIG = 1


class WorkerLost(ConfigError):
    """A worker process died (killed, out of memory) and its chunk could not be finished."""


def _watch_parent(parent_pid: int) -> None:
    """Exit this worker as soon as its parent is gone (checked every 0.5 s)."""
    while os.getppid() == parent_pid:
        time.sleep(0.5)
    os._exit(1)


def _worker_init(parent_pid: int) -> None:
    """Initializer of every ``processes`` worker: die with the parent, leave Ctrl-C to the parent.

    Two guards: ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` on Linux (the kernel kills the worker when its
    parent dies), and on every platform a daemon thread that exits the worker within 0.5 s of its
    parent's death (the parent changes to the reaper).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            prctl = ctypes.CDLL(None, use_errno=True).prctl
            prctl.argtypes = [ctypes.c_int] + [
                ctypes.c_ulong
            ] * 4  # full-width arguments, as prctl(2) reads them
            prctl.restype = ctypes.c_int
            prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)
    threading.Thread(
        target=_watch_parent, args=(parent_pid,), name="scs-sim-parent-watch", daemon=True
    ).start()


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

    def close(self, *, kill: bool = False):
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
        self._make_pool = lambda: ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=mp.get_context("spawn"),
            initializer=_worker_init,
            initargs=(os.getpid(),),
        )
        self._pool = self._make_pool()
        #: Times the pool was rebuilt after a worker died.
        self.restarts = 0

    def imap_unordered(self, fn, shared, payloads) -> Iterator:
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        payloads = list(payloads)
        limit = 2 * self.workers
        pending: dict = {}  # future -> payload index
        attempts = [0] * len(payloads)
        queue = list(range(len(payloads)))[::-1]  # next payload at the end
        try:
            while queue or pending:
                broken = False
                while queue and len(pending) < limit:
                    i = queue.pop()
                    try:
                        pending[self._pool.submit(fn, shared, payloads[i])] = i
                    except BrokenProcessPool:  # it broke since the last wait
                        queue.append(i)
                        broken = True
                        break
                lost = []
                if not broken:
                    done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
                    for f in done:
                        i = pending.pop(f)
                        try:
                            result = f.result()
                        except BrokenProcessPool:
                            lost.append(i)
                            continue
                        yield result
                if broken or lost:
                    lost += list(pending.values())  # the pool is broken: every chunk in flight is lost
                    pending.clear()
                    for i in lost:
                        attempts[i] += 1
                    if any(attempts[i] > 1 for i in lost):
                        raise WorkerLost(
                            "a worker process died twice while running the same rows (killed, or out of "
                            "memory?); the rows finished so far are kept"
                        )
                    self._pool.shutdown(wait=False, cancel_futures=True)
                    self._pool = self._make_pool()
                    self.restarts += 1
                    queue.extend(sorted(lost, reverse=True))
        finally:
            for f in pending:
                f.cancel()

    def close(self, *, kill: bool = False):
        """Shut the pool down; ``kill``: stop the workers now (Ctrl-C), without finishing their chunks."""
        try:
            if kill:
                # the pool's worker processes (a private attribute of ProcessPoolExecutor: there is no
                # public way to stop a running task)
                procs = list((getattr(self._pool, "_processes", None) or {}).values())
                self._pool.shutdown(wait=False, cancel_futures=True)
                for proc in procs:
                    with contextlib.suppress(OSError, AttributeError):
                        proc.kill()
                for proc in procs:
                    with contextlib.suppress(OSError, AttributeError, ValueError):
                        proc.join(5)
            else:
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

        try:
            from distributed.scheduler import KilledWorker
        except ImportError:  # pragma: no cover
            KilledWorker = ()  # noqa: N806

        futures = [self._client.submit(fn, shared, p, pure=False) for p in payloads]
        try:
            for f in as_completed(futures):
                try:
                    yield f.result()
                except KilledWorker as exc:
                    raise WorkerLost(
                        f"Dask lost the worker of a task too often (killed, or out of memory?): {exc}; "
                        "the rows finished so far are kept"
                    ) from None
        finally:
            for f in futures:
                if not f.done():
                    f.cancel()

    def close(self, *, kill: bool = False):
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
