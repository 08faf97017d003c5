"""The files a sweep spec reads, by content: :func:`track_reads` and :func:`digest_files`.

A spec names other files: includes (``program = "my_program.toml"``), program and patient files on
an axis, custom-program CSVs, presets. Its hash (the store's identity, :func:`scs_sim.study.store.
spec_hash`) must change when any of them changes, or a ``--resume`` after an edit would mix rows of
two programs. Rather than re-implement the config loader's search rules, :func:`track_reads` records
every file actually opened for reading while a spec is loaded (a :func:`sys.addaudithook` hook on the
``open`` event, active only inside the block and only in its thread), leaving out Python code and the
installed libraries (but not scs_sim's own presets) and virtual file systems (/proc, /sys, /dev). :func:`digest_files` reads each file's sha256.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import sysconfig
import threading
from collections.abc import Iterator
from pathlib import Path

__all__ = ["track_reads", "digest_files"]

_STATE = threading.local()
_HOOK_LOCK = threading.Lock()
_HOOKED = False
_CODE_SUFFIXES = frozenset({".py", ".pyc", ".pyo", ".pyi", ".so", ".pyd", ".pth", ".dll", ".dylib"})
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
_PACKAGE_DIR = str(Path(__file__).resolve().parent.parent)
_LIB_DIRS = tuple(
    {
        str(Path(p).resolve())
        for k in ("stdlib", "platstdlib", "purelib", "platlib")
        if (p := sysconfig.get_path(k))
    }
)


#: Virtual file systems (machine state such as /proc/meminfo, read by the load-time checks): never inputs.
_VIRTUAL_DIRS = ("/proc", "/sys", "/dev")


def _is_input(path: str) -> bool:
    if Path(path).suffix.lower() in _CODE_SUFFIXES:
        return False
    full = os.path.realpath(path)
    if any(full == d or full.startswith(d + os.sep) for d in _VIRTUAL_DIRS):
        return False
    if full.startswith(_PACKAGE_DIR + os.sep):
        return "__pycache__" not in full
    return not any(full.startswith(d + os.sep) for d in _LIB_DIRS)


def _hook(event: str, args: tuple) -> None:
    if event != "open":
        return
    record = getattr(_STATE, "files", None)
    if record is None:
        return
    try:  # an audit hook must never raise
        path, mode, flags = args
        if isinstance(path, int) or path is None:
            return
        if mode is not None and any(c in str(mode) for c in "wax+"):
            return
        if mode is None and isinstance(flags, int) and flags & _WRITE_FLAGS:
            return
        p = os.fsdecode(path)
        if _is_input(p):
            record.append(os.path.abspath(p))
    except Exception:  # noqa: BLE001
        return


@contextlib.contextmanager
def track_reads() -> Iterator[list[str]]:
    """Record the files opened for reading in this thread inside the block (absolute paths, in order)."""
    global _HOOKED
    with _HOOK_LOCK:
        if not _HOOKED:
            sys.addaudithook(_hook)
            _HOOKED = True
    outer = getattr(_STATE, "files", None)
    files: list[str] = []
    _STATE.files = files
    try:
        yield files
    finally:
        _STATE.files = outer
        if outer is not None:
            outer.extend(files)


def digest_files(paths: list[str]) -> dict[str, str]:
    """``{path: sha256 hex}`` of the regular files among ``paths`` (sorted by path, each once)."""
    out: dict[str, str] = {}
    for p in sorted(set(paths)):
        if not os.path.isfile(p):
            continue
        h = hashlib.sha256()
        try:
            with open(p, "rb") as f:
                for block in iter(lambda f=f: f.read(1 << 20), b""):
                    h.update(block)
        except OSError:
            continue
        out[p] = h.hexdigest()
    return out
