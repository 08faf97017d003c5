"""The sweep result store: a directory that is appended atomically, one file per finished chunk.

Layout of a store ``DIR``::

    DIR/manifest.json          the fully resolved spec, its sha256, package versions, timestamps, sizes
    DIR/part-00000.parquet     rows of one finished chunk (``.csv`` when pyarrow is not importable)
    DIR/part-00001.parquet     ...
    DIR/baselines/<sha>.pkl    paired no-stimulation baselines (pickles, reused on resume)

One process writes a store at a time. Every file is written under a temporary name in the same
folder and then ``os.replace``-d into place,
so a killed sweep leaves only whole parts behind: resuming reads the finished ``(point, replicate)``
pairs and computes only the rest, so no row is lost or duplicated. Reading concatenates the parts and
sorts the rows by ``point``, ``replicate``.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import importlib.metadata
import json
import math
import os
import pickle
import re
import tempfile
from pathlib import Path
from typing import Any

from scs_sim.errors import ConfigError

__all__ = ["Store", "load_results", "spec_hash", "MANIFEST", "FORMAT"]

MANIFEST = "manifest.json"
#: Version tag of the store layout (in the manifest).
FORMAT = "scs_sim.sweep/1"
_PART = re.compile(r"^part-(\d{5,})\.(parquet|csv)$")


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def _has_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _jsonable(o: Any) -> Any:
    if isinstance(o, float) and not math.isfinite(o):
        return None
    if isinstance(o, dict):
        return {str(k): _jsonable(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [_jsonable(v) for v in o]
    if hasattr(o, "item") and not isinstance(o, str | bytes):
        return o.item()
    return o


def spec_hash(resolved: dict) -> str:
    """sha256 of a resolved spec's canonical JSON (sorted keys, no whitespace)."""
    text = json.dumps(_jsonable(resolved), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _atomic_write(path: Path, write) -> None:
    """Call ``write(tmp_path)`` then move the file into place atomically."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class Store:
    """A sweep result directory (see the module docstring).

    Use :meth:`open` to create a new store or reopen one for ``resume``.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.manifest: dict = {}
        self._next: int | None = None

    # -- creation / reopening -----------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path, resolved: dict, *, resume: bool, info: dict | None = None) -> Store:
        """Create the store for ``resolved`` (a JSON-able spec), or reopen it when ``resume`` is true.

        Raises :class:`ConfigError` when the folder cannot be written, when it already holds results
        and ``resume`` is false, or when ``resume`` meets a store made from another spec.
        """
        store = cls(path)
        p = store.path
        h = spec_hash(resolved)
        if p.exists() and not p.is_dir():
            raise ConfigError(f"--out: not a folder: {p}")
        existing = [c for c in p.iterdir() if not c.name.startswith(".")] if p.is_dir() else []
        if existing and not resume:
            raise ConfigError(
                f"--out: {p} is not empty (it holds {len(existing)} entries); "
                "pass --resume to continue that sweep, or choose another --out"
            )
        try:
            p.mkdir(parents=True, exist_ok=True)
            probe = p / f".write-test-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise ConfigError(f"--out: cannot write to {p}: {exc.strerror or exc}") from None
        for stale in p.glob(".*.tmp"):  # half-written files of a killed run
            with contextlib.suppress(OSError):
                stale.unlink()
        mpath = p / MANIFEST
        if existing:
            if not mpath.is_file():
                raise ConfigError(f"--out: {p} is not empty and has no {MANIFEST}: not a sweep store")
            try:
                old = json.loads(mpath.read_text())
            except (OSError, json.JSONDecodeError) as exc:
                raise ConfigError(f"cannot read {mpath}: {exc}") from None
            if old.get("hash") != h:
                raise ConfigError(
                    f"--resume: the store was made from another spec (store hash {old.get('hash')}, "
                    f"this spec {h}); use a new --out or the original spec",
                    file=str(mpath),
                )
            store.manifest = old
            store.manifest["updated"] = _now()
            store.manifest["resumed"] = int(old.get("resumed", 0)) + 1
        else:
            store.manifest = {
                "format": FORMAT,
                "hash": h,
                "spec": _jsonable(resolved),
                "versions": {
                    "scs_sim": _scs_sim_version(),
                    "numba": _version("numba"),
                    "numpy": _version("numpy"),
                    "python": ".".join(map(str, __import__("sys").version_info[:3])),
                },
                "table_format": "parquet" if _has_pyarrow() else "csv",
                "created": _now(),
                "updated": _now(),
                "resumed": 0,
            }
        store.manifest.update(_jsonable(info or {}))
        store.write_manifest()
        return store

    @property
    def table_format(self) -> str:
        return self.manifest.get("table_format", "parquet" if _has_pyarrow() else "csv")

    @property
    def hash(self) -> str:
        return self.manifest["hash"]

    def write_manifest(self, **update) -> None:
        self.manifest.update(_jsonable(update))
        self.manifest["updated"] = _now()
        text = json.dumps(self.manifest, indent=2, sort_keys=False)
        _atomic_write(self.path / MANIFEST, lambda t: t.write_text(text + "\n"))

    # -- parts ---------------------------------------------------------------------------------------

    def parts(self) -> list[Path]:
        found = []
        for c in self.path.iterdir() if self.path.is_dir() else []:
            if m := _PART.match(c.name):
                found.append((int(m.group(1)), c))
        return [c for _, c in sorted(found)]

    def _next_index(self) -> int:
        if self._next is None:  # one writer per store: scan once, then count
            idx = [int(_PART.match(c.name).group(1)) for c in self.parts()]
            self._next = max(idx) + 1 if idx else 0
        n = self._next
        self._next += 1
        return n

    def write_part(self, rows: list[dict]) -> Path:
        """Write the rows of one finished chunk as a new part file (atomically); returns its path."""
        import pandas as pd

        fmt = self.table_format
        path = self.path / f"part-{self._next_index():05d}.{fmt}"
        df = pd.DataFrame.from_records(rows)
        if fmt == "parquet":
            _atomic_write(path, lambda t: df.to_parquet(t, index=False))
        else:
            _atomic_write(path, lambda t: df.to_csv(t, index=False))
        return path

    def read(self):
        """All finished rows as one DataFrame sorted by ``point``, ``replicate`` (empty if none)."""
        return _read_parts(self.parts())

    def done_pairs(self) -> set[tuple[int, int]]:
        """The finished ``(point, replicate)`` pairs."""
        import pandas as pd

        pairs: set[tuple[int, int]] = set()
        for part in self.parts():
            if part.suffix == ".parquet":
                df = pd.read_parquet(part, columns=["point", "replicate"])
            else:
                df = pd.read_csv(part, usecols=["point", "replicate"])
            pairs.update(zip(df["point"].astype(int), df["replicate"].astype(int), strict=True))
        return pairs

    # -- baselines -----------------------------------------------------------------------------------

    def _baseline_path(self, key: str) -> Path:
        return self.path / "baselines" / (hashlib.sha256(key.encode()).hexdigest()[:32] + ".pkl")

    def get_baseline(self, key: str):
        """The stored baseline of ``key``, or None."""
        p = self._baseline_path(key)
        if not p.is_file():
            return None
        try:
            k, value = pickle.loads(p.read_bytes())
        except Exception:  # noqa: BLE001 - a damaged cache entry is recomputed
            return None
        return value if k == key else None

    def put_baseline(self, key: str, value) -> None:
        p = self._baseline_path(key)
        p.parent.mkdir(exist_ok=True)
        data = pickle.dumps((key, value), protocol=pickle.HIGHEST_PROTOCOL)
        _atomic_write(p, lambda t: t.write_bytes(data))


def _scs_sim_version() -> str:
    from scs_sim._version import __version__

    return __version__


def _read_parts(parts: list[Path]):
    import pandas as pd

    frames = []
    for part in parts:
        frames.append(pd.read_parquet(part) if part.suffix == ".parquet" else pd.read_csv(part))
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=["point", "replicate", "seed"])
    df = pd.concat(frames, ignore_index=True, sort=False)
    return df.sort_values(["point", "replicate"], kind="stable").reset_index(drop=True)


def load_results(path: str | Path):
    """Read a sweep store's results table (one row per point × replicate, sorted).

    Examples
    --------
    >>> df = load_results("results/frequency_response")  # doctest: +SKIP
    >>> df.groupby("program.frequency_hz")["relief_pct"].mean()  # doctest: +SKIP
    """
    p = Path(path)
    if not (p / MANIFEST).is_file():
        raise ConfigError(f"not a sweep store (no {MANIFEST}): {p}")
    return Store(p).read()
