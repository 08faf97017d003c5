"""TOML configuration: files → validated, typed models; includes; presets; errors that teach.

Owns the public config surface. A document may hold any of the top-level tables ``[program]``,
``[patient]``, ``[device]``, ``[simulation]`` and ``[sweep]``. Instead of a table, a top-level key may
name another file (``program = "configs/programs/tonic_50hz.toml"``) or a preset (``program =
"tonic_50hz"``); the included file must hold a table of the same name. Paths are resolved against
the including file's folder first, then the working directory, then (for a path under ``configs/``)
the packaged copy of the presets.

The presets ship inside the package (:data:`PRESET_DIR`, ``scs_sim/config/presets``, read through
:mod:`importlib.resources`), so they work after a plain ``pip install``; the repository's
``configs/`` folder is the human-facing copy, byte-identical (a test checks it).

Every problem is a :class:`~scs_sim.errors.ConfigError` naming the file, the dotted key path, the bad
value and what is allowed; a misspelt key suggests the nearest valid one. Everything a run would
reject is rejected at load time (:mod:`scs_sim.config.checks`). This module never imports numba.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator

from scs_sim._params import Limit, Params, limited
from scs_sim.config.checks import check_run
from scs_sim.config.validate import validate_model
from scs_sim.dorsal_horn.afferents import PainState
from scs_sim.dorsal_horn.backends import BACKENDS, DEFAULT_BACKEND
from scs_sim.dorsal_horn.mechanisms import DEFAULT_SET, MECHANISMS, SETS
from scs_sim.dorsal_horn.mechanisms import mechanism_params as check_mechanism_params
from scs_sim.dorsal_horn.mechanisms import resolve as resolve_mechanisms
from scs_sim.dorsal_horn.params import PRESETS as CIRCUIT_PRESET_TABLE
from scs_sim.errors import ConfigError, check_keys, suggest
from scs_sim.fibers.anatomy import Anatomy
from scs_sim.fibers.params import FiberParams, PerceptionParams
from scs_sim.stim.dosimetry import Device
from scs_sim.stim.programs import Program, pulse_train

__all__ = [
    "RunConfig",
    "Simulation",
    "Patient",
    "load",
    "load_program",
    "load_patient",
    "load_device",
    "parse",
    "preset_path",
    "preset_names",
    "PRESET_DIR",
    "find_file",
    "load_section",
    "read_toml",
    "validate_model",
]


def _preset_dir() -> Path:
    root = resources.files("scs_sim.config").joinpath("presets")
    if isinstance(root, Path):
        return root
    # A zipped install: presets need real paths (relative includes, the custom CSV).
    import atexit
    import contextlib

    stack = contextlib.ExitStack()
    atexit.register(stack.close)
    return Path(stack.enter_context(resources.as_file(root)))


#: The packaged presets (``programs/``, ``patients/``, ``devices/``, ``runs/``, ``sweeps/``).
PRESET_DIR = _preset_dir()

_SECTIONS = ("program", "patient", "device", "simulation", "sweep")
_PRESET_DIRS = {"program": "programs", "patient": "patients", "device": "devices", "sweep": "sweeps"}
#: The repository folder that mirrors :data:`PRESET_DIR` (``configs/sweeps/x.toml`` = a packaged file).
_MIRROR = "configs"


#: Simulation limits (``docs/MODEL.md``, Input limits).
DURATION_S = Limit(0.0, 86_400.0, "s", "one day of simulated time at most", lo_open=True)
SEED = Limit(0, 2**63 - 1, "", "a 64-bit signed integer (the seed column of a result store)")
DT_MS = Limit(0.001, 10.0, "ms", "1 µs to 10 ms; the spiking circuit also needs dt <= its fastest synaptic "
              "decay / 5")
BIN_MS = Limit(0.01, 1000.0, "ms", "rate bins of 10 µs to 1 s; a bin is a whole number of steps dt_ms")
WINDOW_S = Limit(1.0, 86_400.0, "s", "a run is simulated window by window with its state carried; memory grows "
                 "with the window, not with the duration")
RECORD_S = Limit(0.0, 86_400.0, "s", "rate bins and spike lists are kept for [0, record_s); memory grows with it")


class Simulation(Params):
    """How to run: duration, seed, backend and circuit preset."""

    duration_s: Annotated[float, limited("simulation.duration_s", DURATION_S)] = Field(
        10.0, description="Simulated time, s.")
    seed: Annotated[int, limited("simulation.seed", SEED)] = Field(
        1, description="Root seed; every random draw derives from it.")
    model: str = Field(DEFAULT_BACKEND, description="Circuit backend (scs_sim.dorsal_horn.backends.BACKENDS).")
    circuit: str = Field("segment", description="Circuit preset (scs_sim.dorsal_horn.params.PRESETS).")
    dt_ms: Annotated[float, limited("simulation.dt_ms", DT_MS)] = Field(0.1, description="Integration step, ms.")
    bin_ms: Annotated[float, limited("simulation.bin_ms", BIN_MS)] = Field(5.0, description="Rate bin width, ms.")
    window_s: Annotated[float, limited("simulation.window_s", WINDOW_S)] = Field(
        60.0, description="Window length, s (a whole number of rate bins): longer runs are simulated window by "
        "window, state carried exactly (docs/MODEL.md §5).")
    record_s: Annotated[float, limited("simulation.record_s", RECORD_S)] = Field(
        60.0, description="Recorded span, s: rate bins and spike lists of [0, record_s); metrics and the "
        "per-window rates cover the whole run.")
    mechanisms: tuple[str, ...] = Field(
        SETS[DEFAULT_SET], description="Mechanism set: a set name (scs_sim.dorsal_horn.mechanisms.SETS, default "
        "'gate_only') or a list of mechanism/set names; stored resolved (mechanism names, registry order).")
    mechanism_params: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Parameters of each mechanism: [simulation.mechanism_params.<name>] "
        "(docs/MODEL.md §3.7); unset fields keep their sourced defaults.")

    @field_validator("mechanisms", mode="before")
    @classmethod
    def _resolve_mechanisms(cls, v):
        if not isinstance(v, str | list | tuple):
            raise ValueError(f"mechanisms must be a set name or a list of names (got {v!r}); sets: {', '.join(SETS)}")
        try:
            return resolve_mechanisms(v)
        except ConfigError as e:
            raise ValueError(e.detail) from None

    @model_validator(mode="after")
    def _mechanisms_supported(self):
        # a mechanism switched from its default state, or given parameters, needs a backend implementing it
        changed = [m.name for m in MECHANISMS.values()
                   if (m.name in self.mechanisms) != m.default or (m.name in self.mechanisms and
                                                                 self.mechanism_params.get(m.name))]
        for name in changed:
            ok = MECHANISMS[name].backends
            if self.model not in ok:
                state = "on" if name in self.mechanisms else "off"
                raise ValueError(f"mechanism '{name}' ({state}) is not implemented by the '{self.model}' backend (it "
                                 f"runs on: {', '.join(ok)}); choose another simulation.model or mechanism set")
        for name, raw in self.mechanism_params.items():
            if not isinstance(raw, dict):
                raise ValueError(f"mechanism_params.{name} must be a table (got {raw!r})")
            try:
                check_mechanism_params(name, raw)
            except ConfigError as e:
                raise ValueError(f"{e.key}: {e.detail}") from None
        return self

    @model_validator(mode="after")
    def _grid(self):
        bins = round(self.window_s * 1e3 / self.bin_ms)
        if bins < 1 or abs(bins * self.bin_ms - self.window_s * 1e3) > 1e-6 * self.bin_ms:
            raise ValueError(f"window_s ({self.window_s:g} s) must be a whole number of rate bins "
                             f"(bin_ms = {self.bin_ms:g} ms)")
        if self.bin_ms < self.dt_ms * (1 - 1e-9):
            raise ValueError(f"bin_ms ({self.bin_ms:g}) must be at least one step dt_ms ({self.dt_ms:g})")
        if self.duration_s * 1e3 < self.bin_ms * (1 - 1e-9):
            raise ValueError(f"duration_s ({self.duration_s:g} s) must last at least one rate bin "
                             f"(bin_ms = {self.bin_ms:g} ms)")
        return self

    @field_validator("model")
    @classmethod
    def _known_model(cls, v: str) -> str:
        return _one_of("model", v, BACKENDS)

    @field_validator("circuit")
    @classmethod
    def _known_circuit(cls, v: str) -> str:
        return _one_of("circuit", v, CIRCUIT_PRESET_TABLE)


def _one_of(what: str, v: str, table) -> str:
    allowed = list(table)
    if v not in allowed:
        raise ValueError(f"unknown {what} '{v}'{suggest(v, allowed)}; allowed: {', '.join(allowed)}")
    return v


class Patient(Params):
    """A patient: anatomy (lead and fibres), pain state (afferent drive), circuit overrides, and the fibre
    model (``[patient.fibers]``) and perception criteria (``[patient.perception]``)."""

    name: str = Field("default", description="Display name.")
    anatomy: Anatomy = Field(default_factory=Anatomy, description="Lead, CSF and fibre populations.")
    pain: PainState = Field(default_factory=PainState, description="Natural afferent drive.")
    circuit: dict[str, Any] = Field(default_factory=dict, description="Overrides of the circuit preset.")
    anatomy_seed: Annotated[int, limited("patient.anatomy_seed", SEED)] | None = Field(
        None, description="Seed of this patient's own anatomy draws (fibre population, circuit "
        "connectivity), apart from the run's noise seed; unset: drawn from simulation.seed (virtual "
        "cohorts set it per virtual patient, scs_sim.study.cohort).")
    fibers: FiberParams = Field(default_factory=FiberParams,
                                description="Fibre model and excitation parameters (docs/MODEL.md §2.2).")
    perception: PerceptionParams = Field(default_factory=PerceptionParams,
                                         description="Perception and discomfort criteria (docs/MODEL.md §2.3).")


class RunConfig(Params):
    """A whole run: program, patient, device, simulation (and an optional sweep table)."""

    program: Program | None = None
    patient: Patient = Field(default_factory=Patient)
    device: Device = Field(default_factory=Device)
    simulation: Simulation = Field(default_factory=Simulation)
    sweep: dict[str, Any] | None = None
    source: str | None = Field(None, description="File the config was read from (set by load).")
    program_dir: Path | None = Field(
        None, exclude=True,
        description="Folder the program's relative file references (custom CSV) resolve against (set by "
        "parse; excluded from dumps, so spec hashes and stores do not depend on where a file lives).",
    )


# ---------------------------------------------------------------------------------------------------
# Reading files
# ---------------------------------------------------------------------------------------------------


def _is_file(p: Path) -> bool:
    """``p.is_file()`` that is False (not an error) for a name the file system cannot hold."""
    try:
        return p.is_file()
    except (OSError, ValueError):  # ENAMETOOLONG, a NUL byte, ...
        return False


def _check_name(value: str, file: str | None, key: str | None) -> None:
    """Refuse a file name longer than the file system allows, with the limit."""
    import os

    limit = 255
    try:
        limit = os.pathconf(".", "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        pass
    long = [part for part in Path(value).parts if len(part.encode("utf-8", "replace")) > limit]
    if long:
        raise ConfigError(f"file name too long ({len(long[0].encode('utf-8', 'replace'))} bytes; the file system "
                          f"allows {limit}): {value[:60]}...", file=file, key=key)
    if "\0" in value:
        raise ConfigError(f"file name contains a NUL byte: {value!r}", file=file, key=key)


def preset_names(section: str) -> list[str]:
    """Names of the preset files of a section (``program`` → ``tonic_50hz``, ...)."""
    folder = PRESET_DIR / _PRESET_DIRS[section]
    return sorted(p.stem for p in folder.glob("*.toml")) if folder.is_dir() else []


def preset_path(section: str, name: str) -> Path | None:
    """Path of the preset ``name`` of ``section``, or None."""
    p = PRESET_DIR / _PRESET_DIRS[section] / f"{name}.toml"
    return p if _is_file(p) else None


def _mirrored(p: Path) -> Path | None:
    """The packaged copy of a relative ``configs/...`` path, or None."""
    if p.is_absolute() or len(p.parts) < 2 or p.parts[0] != _MIRROR:
        return None
    q = PRESET_DIR.joinpath(*p.parts[1:])
    return q if _is_file(q) else None


def read_toml(path: Path, *, referenced_from: str | None = None, key: str | None = None) -> dict:
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        where = f" (referenced by {key})" if key else ""
        raise ConfigError(f"file not found: {path}{where}", file=referenced_from) from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}", file=referenced_from, key=key) from None
    except ValueError as exc:  # a NUL byte in the path
        raise ConfigError(f"cannot read {path!r}: {exc}", file=referenced_from, key=key) from None
    try:
        return tomllib.loads(text.decode("utf-8-sig"))  # a UTF-8 byte-order mark is accepted
    except UnicodeDecodeError:
        raise ConfigError("not a UTF-8 text file", file=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"malformed TOML: {exc}", file=str(path)) from None


def _resolve_ref(section: str, value: str, base: Path | None, file: str | None) -> Path:
    """Turn an include string into a path: a file (relative to ``base`` then cwd) or a preset name."""
    _check_name(value, file, section)
    candidates = []
    p = Path(value)
    if base is not None and not p.is_absolute():
        candidates.append(base / p)
    candidates.append(p)
    for c in candidates:
        if _is_file(c):
            return c
    if mirrored := _mirrored(p):
        return mirrored
    if p.suffix == "" and "/" not in value and (pp := preset_path(section, value)):
        return pp
    names = preset_names(section)
    hint = suggest(value, names) if p.suffix == "" else ""
    allowed = f"; presets: {', '.join(names)}" if names else ""
    raise ConfigError(f"no such file or preset '{value}'{hint}{allowed}", file=file, key=section)


# ---------------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------------


def _section_model(section: str):
    if section == "patient":
        return Patient
    return {"program": _ProgramDoc, "device": Device, "simulation": Simulation}[section]


class _ProgramDoc(Params):
    program: Program


def load_section(section: str, value: Any, *, file: str | None, base: Path | None, depth: int = 0):
    """Validate one section given inline (a table) or by reference (a path or preset name)."""
    if depth > 8:
        raise ConfigError("includes nested more than 8 deep (a cycle?)", file=file, key=section)
    if isinstance(value, str):
        path = _resolve_ref(section, value, base, file)
        doc = read_toml(path, referenced_from=file, key=section)
        if section not in doc:
            present = ", ".join(doc) or "nothing"
            raise ConfigError(f"included file has no [{section}] table (it has: {present})", file=str(path))
        obj, name, inner_path = load_section(
            section, doc[section], file=str(path), base=path.parent, depth=depth + 1
        )
        return obj, name or path.stem, inner_path or path
    if not isinstance(value, dict):
        raise ConfigError(f"must be a table or a file name (got {value!r})", file=file, key=section)
    if section == "program":
        obj = validate_model(_ProgramDoc, {"program": value}, file=file).program
    elif section == "sweep":
        obj = value
    else:
        obj = validate_model(_section_model(section), value, file=file, prefix=(section,))
    return obj, None, None


def _check_train(program, base: Path | None, file):
    """Build the program's pulse train once so file references (custom CSV) are checked at load time."""
    try:
        return pulse_train(program, base_dir=base)
    except ConfigError as exc:
        raise exc.located(file=exc.file or (str(file) if file else None)) from None


def parse(data: dict, *, file: str | None = None, base: str | Path | None = None):
    """Validate a TOML-like dict into a ``RunConfig``; ``file`` and ``base`` are used in errors/includes."""
    if not isinstance(data, dict):
        raise ConfigError("a config must be a TOML table", file=file)
    check_keys(data, _SECTIONS, file=file, what="top-level key")
    base_path = Path(base) if base is not None else (Path(file).parent if file else None)
    parts: dict[str, Any] = {}
    files: dict[str, str | None] = {}
    program_dir: Path | None = base_path
    train = None
    for section in _SECTIONS:
        if section not in data:
            continue
        obj, default_name, path = load_section(section, data[section], file=file, base=base_path)
        files[section] = str(path) if path is not None else file
        if section == "program":
            if obj.name is None and default_name:
                obj = obj.model_copy(update={"name": default_name})
            if path is not None:
                program_dir = path.parent
            train = _check_train(obj, program_dir, path or file)
        parts[section] = obj
    cfg = RunConfig.model_construct(**{**_defaults(), **parts, "source": file, "program_dir": program_dir})
    check_run(cfg, train=train, files=files)
    return cfg


def _defaults() -> dict:
    return {
        "program": None,
        "patient": Patient(),
        "device": Device(),
        "simulation": Simulation(),
        "sweep": None,
    }


def find_file(path: str | Path) -> Path:
    """A config file by path, or by preset name (programs, sweeps, patients, devices).

    A relative ``configs/...`` path that is not a file under the working directory is the packaged
    copy of that preset (``configs/`` mirrors :data:`PRESET_DIR`).
    """
    _check_name(str(path), None, None)
    p = Path(path)
    is_file = _is_file(p)
    if not is_file and (mirrored := _mirrored(p)):
        return mirrored
    if not is_file and p.suffix == "" and "/" not in str(path):
        for section in ("program", "sweep", "patient", "device"):
            if pp := preset_path(section, str(path)):
                return pp
    if not is_file:
        names = preset_names("program")
        hint = suggest(str(path), names) if p.suffix == "" else ""
        raise ConfigError(f"file not found: {path}{hint}")
    return p


def load(path: str | Path):
    """Read and validate a config file; returns a ``RunConfig`` (missing sections take defaults).

    A bare preset name (``"tonic_50hz"``) is accepted.

    Examples
    --------
    >>> cfg = load("configs/programs/tonic_50hz.toml")  # doctest: +SKIP
    >>> cfg.program.frequency_hz  # doctest: +SKIP
    50.0
    """
    p = find_file(path)
    return parse(read_toml(p), file=str(p), base=p.parent)


def program_dir(cfg) -> Path | None:
    """Folder that a program's relative file references (custom CSV) resolve against."""
    return getattr(cfg, "program_dir", None)


def load_program(ref: str | Path):
    """Load the program of a file (a program file or a run config) or preset; returns ``(program, dir)``.

    ``dir`` is the folder its relative file references (custom CSV) resolve against.
    """
    p = find_file(ref)
    doc = read_toml(p)
    if "program" not in doc:
        raise ConfigError(f"no [program] table (the file has: {', '.join(doc) or 'nothing'})", file=str(p))
    program, name, inc = load_section("program", doc["program"], file=str(p), base=p.parent)
    if program.name is None:
        program = program.model_copy(update={"name": name or p.stem})
    _check_train(program, (inc or p).parent, inc or p)
    return program, (inc or p).parent


def load_patient(ref: str | Path | None):
    """Load a patient from a file or preset name (None: the default patient)."""
    if ref is None:
        ref = "default"
    obj, _, _ = load_section("patient", str(ref), file=None, base=None)
    return obj


def load_device(ref: str | Path | None) -> Device:
    """Load a device from a file or preset name (None: the default illustrative rechargeable IPG)."""
    if ref is None:
        return Device()
    obj, _, _ = load_section("device", str(ref), file=None, base=None)
    return obj

