"""One writer per result store: :class:`StoreLock`, an exclusive ``flock`` on ``DIR/.lock``.

A sweep, a comparison or a ``--resume`` takes the lock before it writes anything and holds it for the
whole run; a second writer on the same folder fails at once with a :class:`~scs_sim.errors.ConfigError`
(exit status 2 on the command line) naming the holder (pid, host, start time, command). The lock
belongs to the open file, so the operating system releases it when the holder exits or dies (kill -9
included): there is never a stale lock to delete by hand. The lock file itself stays (deleting a lock
file races with the next writer opening it). Worker processes do not inherit the descriptor.

``flock`` is advisory and local: it holds between processes of one machine (and on most network file
systems that support it), not against a program that ignores it. Without ``fcntl`` (Windows) the lock
is a no-op.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import socket
import sys
from pathlib import Path

from scs_sim.errors import ConfigError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

__all__ = ["StoreLock", "LOCK_FILE"]

#: Name of the lock file inside a store (hidden: it does not count as content).
LOCK_FILE = ".lock"


def _holder_text(raw: bytes) -> str:
    try:
        h = json.loads(raw.decode("utf-8"))
        return f"pid {h['pid']} on host {h['host']}, started {h['started']}: {h['command']}"
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
        return "a process that has not written its name yet"


class StoreLock:
    """The exclusive lock of the folder ``folder`` (see the module docstring)."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.path = self.folder / LOCK_FILE
        self._fd: int | None = None

    def acquire(self, command: str | None = None) -> StoreLock:
        """Take the lock (never waits); raise :class:`ConfigError` naming the holder when it is taken."""
        if fcntl is None or self._fd is not None:
            return self
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise ConfigError(f"--out: cannot write to {self.folder}: {exc.strerror or exc}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _holder_text(os.pread(fd, 4096, 0))
            os.close(fd)
            raise ConfigError(
                f"--out: {self.folder} is in use by another run ({holder}); one writer per store: "
                "wait for it to finish, or choose another --out"
            ) from None
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "command": command or " ".join(sys.argv),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode("utf-8"), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        """Give the lock up (also done by the operating system when the process ends)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)  # no holder any more (a lock file left by a killed run is harmless)
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def __enter__(self) -> StoreLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
