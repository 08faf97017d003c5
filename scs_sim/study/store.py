"""The sweep result store: a folder appended atomically, one verified Parquet part per finished chunk.

Layout of a store ``DIR``::

    DIR/manifest.json                   the resolved spec, its sha256, the input files' sha256, package
                                        versions, timestamps, sizes, and the manifest's own checksum
    DIR/part-00000.parquet              rows of one finished chunk
    DIR/checksums/part-00000.json       that part's sha256, size in bytes and row count
    DIR/baselines/<sha>.pkl             paired no-stimulation baselines (checksummed pickles)
    DIR/damaged/                        parts found damaged on --resume, moved aside (never read)
    DIR/.lock                           the writer's lock (:mod:`scs_sim.study.lock`)

One writer at a time: :meth:`Store.open` takes the store's exclusive lock before writing anything and
holds it until :meth:`Store.close` (a second writer fails naming the holder). Every file is written
under a temporary name, flushed to disk and ``os.replace``-d into place; a part's checksum record is
written *before* the part, so a part present on disk is committed (a checksum record without its part
is an unfinished write, ignored and cleaned up). A store cannot return a row it did not write: every
read (:func:`load_results`, resume, the summary, ``compare``, the report) checks each part against
its checksum record (sha256, bytes, row count), that it parses, that its ``point`` / ``replicate``
cells are integers inside the sweep, and that no row repeats another part's. A damaged part is named
in a :class:`~scs_sim.errors.ConfigError` (exit status 2) that says to ``--resume``; a resume moves
it to ``damaged/`` and recomputes its rows. The manifest is checked the same way (JSON object,
format, checksum). Parquet (pyarrow) is the one table format; stores of the older layout
(``scs_sim.sweep/1``, CSV or unverified parts) are refused with a message.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import importlib.metadata
import io
import json
import math
import os
import pickle
import re
import tempfile
from pathlib import Path
from typing import Any

from scs_sim.errors import ConfigError
from scs_sim.study.lock import StoreLock

__all__ = ["Store", "load_results", "read_manifest", "spec_hash", "spec_diff", "MANIFEST", "FORMAT"]

MANIFEST = "manifest.json"
#: Version tag of the store layout (in the manifest).
FORMAT = "scs_sim.sweep/2"
CHECKSUMS = "checksums"
DAMAGED = "damaged"
_PART = re.compile(r"^part-(\d{5,})\.parquet$")
_BASELINE_MAGIC = b"scs_sim-baseline sha256="


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


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


def _canonical(o: Any) -> bytes:
    return json.dumps(_jsonable(o), sort_keys=True, separators=(",", ":")).encode("utf-8")


def _flat(node, prefix: str = "") -> dict:
    """Dotted keys of a resolved spec; axes (lists of ``{"key": ...}``) by their key."""
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            out.update(_flat(v, f"{prefix}{k}."))
        return out or {prefix.rstrip("."): {}}
    if isinstance(node, list) and node and all(isinstance(x, dict) and "key" in x for x in node):
        out = {}
        for x in node:
            out.update(_flat({k: v for k, v in x.items() if k != "key"}, f'{prefix}"{x["key"]}".'))
        return out
    return {prefix.rstrip("."): node}


def spec_diff(old: dict, new: dict) -> list[str]:
    """The keys where two resolved specs differ, as ``key: store value -> this value`` (sorted);
    ``base.`` is dropped from config keys (``simulation.duration_s``), ``inputs`` is left out."""
    a = _flat({k: v for k, v in old.items() if k != "inputs"})
    b = _flat({k: v for k, v in new.items() if k != "inputs"})
    out = []
    for k in sorted(set(a) | set(b)):
        va, vb = a.get(k, _MISSING), b.get(k, _MISSING)
        if va != vb:
            out.append(f"{k.removeprefix('base.')}: {_show(va)} -> {_show(vb)}")
    return out


_MISSING = object()


def _show(v) -> str:
    return "(none)" if v is _MISSING else json.dumps(v, default=str)


def spec_hash(resolved: dict) -> str:
    """sha256 of a resolved spec's canonical JSON (sorted keys, no whitespace)."""
    return hashlib.sha256(_canonical(resolved)).hexdigest()


def _atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file in the same folder, fsync, rename)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _scs_sim_version() -> str:
    from scs_sim._version import __version__

    return __version__


# ---------------------------------------------------------------------------------------------------
# The manifest
# ---------------------------------------------------------------------------------------------------


def _manifest_checksum(m: dict) -> str:
    return hashlib.sha256(_canonical({k: v for k, v in m.items() if k != "checksum"})).hexdigest()


def read_manifest(folder: str | Path) -> dict:
    """The verified manifest of the store ``folder``; a :class:`ConfigError` when it is absent or damaged."""
    mpath = Path(folder) / MANIFEST
    if not mpath.is_file():
        raise ConfigError(f"not a sweep store (no {MANIFEST}): {folder}")
    bad = f"{mpath}: damaged store manifest"
    advice = "the store cannot be trusted: run the sweep again into a new --out"
    try:
        raw = mpath.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {mpath}: {exc.strerror or exc}") from None
    try:
        m = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{bad} (not UTF-8 text: binary data); {advice}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{bad} (not valid JSON: {exc}); {advice}") from None
    if not isinstance(m, dict):
        raise ConfigError(f"{bad} (holds a JSON {type(m).__name__}, expected an object); {advice}")
    fmt = m.get("format")
    if fmt != FORMAT:
        if isinstance(fmt, str) and fmt.startswith("scs_sim.sweep/"):
            raise ConfigError(
                f"{mpath}: a store of the older layout {fmt!r} (CSV or unverified parts); this scs_sim "
                f"reads {FORMAT!r} (checksummed Parquet parts) only: run the sweep again into a new --out"
            )
        raise ConfigError(f"{bad} (format {fmt!r}, expected {FORMAT!r}); {advice}")
    if m.get("checksum") != _manifest_checksum(m):
        raise ConfigError(f"{bad} (its checksum does not match its content: edited?); {advice}")
    if not isinstance(m.get("hash"), str) or not isinstance(m.get("spec"), dict):
        raise ConfigError(f"{bad} (no spec hash); {advice}")
    return m


def _changed_inputs(old: dict, new: dict) -> list[str]:
    """Files read by both specs whose content differs, or read by only one of them."""
    o, n = old or {}, new or {}
    changed = [p for p in sorted(set(o) & set(n)) if o[p] != n[p]]
    return changed + [p for p in sorted(set(o) ^ set(n))]


class Store:
    """A sweep result directory (see the module docstring).

    Use :meth:`open` to create a new store or reopen one for ``resume`` (taking its lock), and
    :meth:`close` (or ``with``) to release it; :func:`load_results` only reads.
    """

    def __init__(self, path: str | Path, manifest: dict | None = None):
        self.path = Path(path)
        self.manifest: dict = manifest or {}
        self._next: int | None = None
        self._lock: StoreLock | None = None

    # -- creation / reopening -----------------------------------------------------------------------

    def _entries(self) -> list[Path]:
        return [c for c in self.path.iterdir() if not c.name.startswith(".")] if self.path.is_dir() else []

    def _check_empty(self, resume: bool) -> list[Path]:
        existing = self._entries()
        if existing and not resume:
            raise ConfigError(
                f"--out: {self.path} is not empty (it holds {len(existing)} entries); "
                "pass --resume to continue that sweep, or choose another --out"
            )
        if existing and not (self.path / MANIFEST).is_file():
            raise ConfigError(f"--out: {self.path} is not empty and has no {MANIFEST}: not a sweep store")
        return existing

    @classmethod
    def open(
        cls,
        path: str | Path,
        resolved: dict,
        *,
        resume: bool,
        info: dict | None = None,
        inputs: dict | None = None,
        command: str | None = None,
    ) -> Store:
        """Create the store for ``resolved`` (a JSON-able spec), or reopen it when ``resume`` is true.

        Takes the store's lock first. Raises :class:`ConfigError` when the folder cannot be written,
        is in use by another writer, already holds results and ``resume`` is false, or when ``resume``
        meets a store made from another spec (naming the input file that changed, or the package
        versions), a damaged manifest or an older store layout. ``inputs`` is ``{file: sha256}`` of
        the files the spec read (kept in the manifest to name a changed file).
        """
        store = cls(path)
        p = store.path
        if p.exists() and not p.is_dir():
            raise ConfigError(f"--out: not a folder: {p}")
        store._check_empty(resume)  # before writing anything into a folder that is not ours
        try:
            p.mkdir(parents=True, exist_ok=True)
            probe = p / f".write-test-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise ConfigError(f"--out: cannot write to {p}: {exc.strerror or exc}") from None
        store._lock = StoreLock(p).acquire(command)
        try:
            store._open_locked(resolved, resume, info, inputs, command)
        except BaseException:
            store.close()
            raise
        return store

    def _open_locked(self, resolved: dict, resume: bool, info: dict | None, inputs: dict | None,
                     command: str | None = None) -> None:
        p = self.path
        existing = self._check_empty(resume)  # again, now that no one else can write
        for stale in [*p.glob(".*.tmp"), *p.glob(f"{CHECKSUMS}/.*.tmp"), *p.glob("baselines/.*.tmp")]:
            with contextlib.suppress(OSError):  # half-written files of a killed run
                stale.unlink()
        h = spec_hash(resolved)
        if existing:
            old = read_manifest(p)
            if old["hash"] != h:
                raise self._mismatch(old, resolved, h, inputs)
            self.manifest = old
            self.manifest["resumed"] = int(old.get("resumed", 0)) + 1
            for side in (p / CHECKSUMS).glob("part-*.json"):  # records of parts never committed
                if not (p / side.name.removesuffix(".json")).exists():
                    with contextlib.suppress(OSError):
                        side.unlink()
        else:
            self.manifest = {
                "format": FORMAT,
                "hash": h,
                "spec": _jsonable(resolved),
                "input_files": dict(inputs or {}),
                "versions": {
                    "scs_sim": _scs_sim_version(),
                    "numba": _version("numba"),
                    "numpy": _version("numpy"),
                    "pyarrow": _version("pyarrow"),
                    "python": ".".join(map(str, __import__("sys").version_info[:3])),
                },
                "table_format": "parquet",
                "created": _now(),
                "resumed": 0,
                "command": command,  # the command that made the store (the resume advice repeats it)
            }
        self.manifest.update(_jsonable(info or {}))
        self.write_manifest()

    def _mismatch(self, old: dict, resolved: dict, h: str, inputs: dict | None) -> ConfigError:
        mpath = str(self.path / MANIFEST)
        old_v = old.get("spec", {}).get("scs_sim")
        new_v = resolved.get("scs_sim")
        if old_v != new_v:
            return ConfigError(
                f"--resume: the store was made by scs_sim {old_v}, this is scs_sim {new_v}; its rows may "
                "differ from what this version computes: use a new --out (or the version that made it)",
                file=mpath,
            )
        changed = _changed_inputs(old.get("input_files", {}), inputs or {})
        same_rest = {k: v for k, v in old["spec"].items() if k != "inputs"} == _jsonable(
            {k: v for k, v in resolved.items() if k != "inputs"}
        )
        if changed and same_rest:
            shown = ", ".join(changed[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")
            return ConfigError(
                f"--resume: a file the spec reads changed since the store was made: {shown}; its rows "
                "would mix the old and the new content: restore the file, or use a new --out",
                file=mpath,
            )
        diff = spec_diff(old.get("spec", {}), _jsonable(resolved))
        shown = "; ".join(diff[:6]) + (f"; and {len(diff) - 6} more" if len(diff) > 6 else "")
        return ConfigError(
            f"--resume: the store was made from another spec (store hash {old.get('hash')}, "
            f"this spec {h}){'; keys that differ (store -> this spec): ' + shown if shown else ''}; use a new "
            "--out or the original spec",
            file=mpath,
        )

    def close(self) -> None:
        """Release the store's lock (idempotent)."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def table_format(self) -> str:
        return "parquet"

    @property
    def hash(self) -> str:
        return self.manifest["hash"]

    def write_manifest(self, **update) -> None:
        self.manifest.update(_jsonable(update))
        self.manifest["updated"] = _now()
        self.manifest["checksum"] = _manifest_checksum(self.manifest)
        text = json.dumps(self.manifest, indent=2, sort_keys=False)
        _atomic_write(self.path / MANIFEST, (text + "\n").encode("utf-8"))

    # -- parts ---------------------------------------------------------------------------------------

    def parts(self) -> list[Path]:
        """The committed part files, in order (not yet verified: see :meth:`scan`)."""
        found = []
        for c in self.path.iterdir() if self.path.is_dir() else []:
            if m := _PART.match(c.name):
                found.append((int(m.group(1)), c))
        return [c for _, c in sorted(found)]

    def _next_index(self) -> int:
        if self._next is None:  # one writer per store (the lock): scan once, then count
            idx = [int(_PART.match(c.name).group(1)) for c in self.parts()]
            dmg = [
                int(m.group(1)) for c in (self.path / DAMAGED).glob("part-*") if (m := _PART.match(c.name))
            ]
            self._next = max([*idx, *dmg], default=-1) + 1
        n = self._next
        self._next += 1
        return n

    def write_part(self, rows: list[dict]) -> Path:
        """Write the rows of one finished chunk as a new part (checksum record first); returns its path."""
        import pandas as pd

        if self._lock is None:
            raise ConfigError(f"{self.path}: the store is not open for writing (use Store.open)")
        path = self.path / f"part-{self._next_index():05d}.parquet"
        df = pd.DataFrame.from_records(rows)
        buf = io.BytesIO()
        df.to_parquet(buf, index=False)
        data = buf.getvalue()
        record = {
            "part": path.name,
            "sha256": hashlib.sha256(data).hexdigest(),
            "bytes": len(data),
            "rows": len(df),
            "hash": self.manifest.get("hash"),
        }
        (self.path / CHECKSUMS).mkdir(exist_ok=True)
        _atomic_write(self.path / CHECKSUMS / f"{path.name}.json", json.dumps(record).encode("utf-8"))
        _atomic_write(path, data)
        return path

    def _load_part(self, part: Path, columns: list[str] | None):
        """The verified rows of ``part``; raises ``ValueError(reason)`` when it is damaged."""
        import pandas as pd

        side = self.path / CHECKSUMS / f"{part.name}.json"
        try:
            record = json.loads(side.read_bytes().decode("utf-8"))
            want_sha, want_bytes, want_rows = record["sha256"], int(record["bytes"]), int(record["rows"])
        except FileNotFoundError:
            raise ValueError(f"no checksum record {CHECKSUMS}/{side.name}") from None
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
            raise ValueError(f"damaged checksum record {CHECKSUMS}/{side.name}") from None
        data = part.read_bytes()
        if len(data) != want_bytes:
            raise ValueError(f"{len(data)} bytes, {want_bytes} written: truncated or changed")
        if hashlib.sha256(data).hexdigest() != want_sha:
            raise ValueError("its content differs from what was written (checksum mismatch)")
        try:
            df = pd.read_parquet(io.BytesIO(data), columns=columns)
        except Exception as exc:  # noqa: BLE001 - any parse failure means a damaged part
            raise ValueError(f"not a readable Parquet file ({type(exc).__name__})") from None
        if len(df) != want_rows:
            raise ValueError(f"{len(df)} rows, {want_rows} written")
        for col in ("point", "replicate"):
            if col not in df.columns or not pd.api.types.is_integer_dtype(df[col]) or (df[col] < 0).any():
                raise ValueError(f"no valid integer '{col}' column")
        n_points, n_rep = self.manifest.get("points"), self.manifest.get("replicates")
        if (isinstance(n_points, int) and (df["point"] >= n_points).any()) or (
            isinstance(n_rep, int) and (df["replicate"] >= n_rep).any()
        ):
            raise ValueError("rows outside the sweep (a point or replicate beyond its size)")
        if df.duplicated(["point", "replicate"]).any():
            raise ValueError("a (point, replicate) row twice")
        return df

    def scan(self, columns: list[str] | None = None):
        """``(frames, damaged)``: the verified parts' rows, and ``[(part name, reason)]`` of the others."""
        frames, damaged, owner = [], [], {}
        for part in self.parts():
            try:
                df = self._load_part(part, columns)
            except (OSError, ValueError) as exc:
                damaged.append((part.name, str(exc)))
                continue
            pairs = list(zip(df["point"].tolist(), df["replicate"].tolist(), strict=True))
            clash = next((owner[x] for x in pairs if x in owner), None)
            if clash is not None:
                damaged.append((part.name, f"repeats rows of {clash}"))
                continue
            owner.update(dict.fromkeys(pairs, part.name))
            frames.append(df)
        return frames, damaged

    def damage_error(self, damaged: list[tuple[str, str]]) -> ConfigError:
        """The error of reading a store with damaged parts (names them, says how to recompute)."""
        shown = "; ".join(f"{name}: {why}" for name, why in damaged[:3])
        more = f" (and {len(damaged) - 3} more)" if len(damaged) > 3 else ""
        made_by = self.manifest.get("command") or ""
        spec = self.manifest.get("spec_file")
        if made_by.startswith("scs-sim sweep "):  # the same spec and -s options, plus --resume
            how = f"`{made_by}`" if " --resume" in made_by else f"`{made_by} --resume`"
        elif spec:
            how = f"`scs-sim sweep {spec} --out {self.path} --resume` (with the -s options that made it)"
        else:
            how = "the same command with --resume (`scs-sim compare` resumes by itself)"
        return ConfigError(
            f"{self.path}: damaged result part(s), their rows are not used: {shown}{more}; "
            f"run {how} to recompute them"
        )

    def read(self, columns: list[str] | None = None):
        """All rows as one DataFrame sorted by ``point``, ``replicate`` (empty if none).

        Raises :class:`ConfigError` naming the damaged parts when any part fails verification.
        """
        import pandas as pd

        frames, damaged = self.scan(columns)
        if damaged:
            raise self.damage_error(damaged)
        frames = [f for f in frames if len(f)]
        if not frames:
            return pd.DataFrame(columns=["point", "replicate", "seed"])
        df = pd.concat(frames, ignore_index=True, sort=False)
        return df.sort_values(["point", "replicate"], kind="stable").reset_index(drop=True)

    def quarantine(self) -> list[tuple[str, str]]:
        """Move every damaged part (and its checksum record) to ``damaged/``; returns ``[(name, reason)]``."""
        _, damaged = self.scan(["point", "replicate"])
        if damaged:
            dest = self.path / DAMAGED
            dest.mkdir(exist_ok=True)
            for name, _ in damaged:
                with contextlib.suppress(OSError):
                    os.replace(self.path / name, dest / name)
                with contextlib.suppress(OSError):
                    os.replace(self.path / CHECKSUMS / f"{name}.json", dest / f"{name}.json")
        return damaged

    def done_pairs(self) -> set[tuple[int, int]]:
        """The finished ``(point, replicate)`` pairs (verified; see :meth:`read`)."""
        df = self.read(["point", "replicate"])
        return set(zip(df["point"].astype(int), df["replicate"].astype(int), strict=True))

    # -- baselines -----------------------------------------------------------------------------------

    def _baseline_path(self, key: str) -> Path:
        return self.path / "baselines" / (hashlib.sha256(key.encode()).hexdigest()[:32] + ".pkl")

    def get_baseline(self, key: str):
        """The stored baseline of ``key``, or None (absent, or damaged: then it is recomputed)."""
        p = self._baseline_path(key)
        try:
            raw = p.read_bytes()
        except OSError:
            return None
        head, _, data = raw.partition(b"\n")
        if not head.startswith(_BASELINE_MAGIC) or head[len(_BASELINE_MAGIC) :] != hashlib.sha256(
            data
        ).hexdigest().encode("ascii"):
            return None
        try:
            k, value = pickle.loads(data)
        except Exception:  # noqa: BLE001 - a damaged cache entry is recomputed
            return None
        return value if k == key else None

    def put_baseline(self, key: str, value) -> None:
        p = self._baseline_path(key)
        p.parent.mkdir(exist_ok=True)
        data = pickle.dumps((key, value), protocol=pickle.HIGHEST_PROTOCOL)
        head = _BASELINE_MAGIC + hashlib.sha256(data).hexdigest().encode("ascii") + b"\n"
        _atomic_write(p, head + data)


def load_results(path: str | Path):
    """Read a sweep store's results table (one row per point × replicate, sorted), every part verified.

    Raises :class:`ConfigError` when ``path`` is not a store, its manifest is damaged or of an older
    layout, or a part is damaged (naming it; ``--resume`` recomputes its rows).

    Examples
    --------
    >>> df = load_results("results/frequency_response")  # doctest: +SKIP
    >>> df.groupby("program.frequency_hz")["relief_pct"].mean()  # doctest: +SKIP
    """
    p = Path(path)
    return Store(p, read_manifest(p)).read()
