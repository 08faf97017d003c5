"""Command-line overrides (``-s KEY=VALUE``) and the dotted config keys they address.

A key is a dotted path into a run config dumped to a dict (``program.frequency_hz``,
``patient.pain.c_rate_hz``, ``program.components.0.amplitude_ma``). ``scs-sim run -s`` sets one value
per key; ``scs-sim sweep -s`` may also give a comma list or a range, which becomes a sweep axis (see
:func:`apply_overrides`). Setting a key under a section that is an include string (``program =
"tonic_50hz"``) expands the include into its table first.

Owns :func:`parse_override`, :func:`apply_overrides` and the dotted-key helpers the sweep specs use
too (:func:`get_dotted`, :func:`set_dotted`, :func:`dotted_keys`, :func:`check_key`,
:func:`expand_include`, :func:`absolutize_csv`). Never imports numba.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from scs_sim.config.loader import load_section
from scs_sim.errors import ConfigError, suggest

__all__ = [
    "parse_override",
    "apply_overrides",
    "check_key",
    "get_dotted",
    "set_dotted",
    "dotted_keys",
    "expand_include",
    "absolutize_csv",
]


# ---------------------------------------------------------------------------------------------------
# Dotted keys
# ---------------------------------------------------------------------------------------------------


def get_dotted(d: Any, parts: Sequence[str]):
    """The value at the key path ``parts`` of nested dicts / lists; KeyError when absent."""
    for p in parts:
        if isinstance(d, dict) and p in d:
            d = d[p]
        elif isinstance(d, list) and p.isdigit() and int(p) < len(d):
            d = d[int(p)]
        else:
            raise KeyError(p)
    return d


def dotted_keys(d: Any, prefix: str = "") -> list[str]:
    """Every dotted key of nested dicts / lists (list items by index), parents before children."""
    out = []
    items = d.items() if isinstance(d, dict) else enumerate(d) if isinstance(d, list) else ()
    for k, v in items:
        key = f"{prefix}{k}"
        out.append(key)
        out.extend(dotted_keys(v, key + "."))
    return out


def expand_include(section: str, value: str, file: str | None, base_dir: str | None) -> dict:
    """Load an include / preset string of a top-level section into its dict form."""
    obj, name, path = load_section(section, value, file=file, base=Path(base_dir) if base_dir else None)
    d = obj.model_dump(mode="json")
    if section == "program":
        if d.get("name") is None and name:
            d["name"] = name
        absolutize_csv(d, (path.parent if path else Path(base_dir or ".")))
    return d


def absolutize_csv(program: dict | None, folder: Path | None) -> None:
    """Make a custom program's CSV reference absolute (dumped configs are re-parsed elsewhere)."""
    if isinstance(program, dict) and program.get("kind") == "custom" and program.get("csv"):
        p = Path(program["csv"])
        if not p.is_absolute() and folder is not None:
            program["csv"] = str((folder / p).resolve())


def set_dotted(d: dict, key: str, value, file: str | None, base_dir: str | None) -> None:
    """Set ``key`` in the config dict ``d`` to a copy of ``value`` (expanding a top-level include)."""
    parts = key.split(".")
    cur: Any = d
    for i, p in enumerate(parts[:-1]):
        if i == 0 and isinstance(cur.get(p), str):
            cur[p] = expand_include(p, cur[p], file, base_dir)
        if isinstance(cur, list) and p.isdigit():
            cur = cur[int(p)]
            continue
        if not isinstance(cur.get(p), dict):
            cur[p] = {}
        cur = cur[p]
    last = parts[-1]
    if isinstance(cur, list) and last.isdigit():
        cur[int(last)] = copy.deepcopy(value)
    else:
        cur[last] = copy.deepcopy(value)


def check_key(
    base: dict, key: str, *, where: str, file: str | None, axes: dict, allow_seed: bool = False
) -> None:
    """Raise a ConfigError with a did-you-mean when ``key`` is not a key of the base config."""
    parts = key.split(".")
    if parts[0] in ("program", "patient", "device", "simulation") and len(parts) > 1 and parts[0] in axes:
        return  # a whole section is an axis too: checked when each point is validated
    try:
        node = get_dotted(base, parts[:-1])
    except KeyError:
        node = None
    ok = False
    if isinstance(node, dict):
        ok = parts[-1] in node or (len(parts) == 1 and parts[0] in ("program", "patient", "device"))
        if len(parts) == 1 and parts[0] == "simulation":
            ok = False
    elif isinstance(node, list):
        ok = parts[-1].isdigit() and int(parts[-1]) < len(node)
    if not ok and isinstance(node, str) and len(parts) >= 2:
        ok = True  # under an include string: checked when each point is validated
    if ok:
        if key == "simulation.seed" and not allow_seed:
            raise ConfigError(
                "the seed is set per row from sweep.seed and sweep.replicates; do not sweep it",
                file=file,
                key=where,
            )
        return
    allowed = [k for k in dotted_keys(base) if k.count(".") >= 1 or k in ("program", "patient", "device")]
    hint = suggest(key, allowed)
    if not hint and len(parts) > 1 and isinstance(node, dict):
        hint = suggest(parts[-1], list(node))
        if hint:
            hint = hint.replace("'", f"'{'.'.join(parts[:-1])}.", 1)
    under = [k for k in allowed if k.startswith(parts[0] + ".") and k.count(".") == 1]
    example = ", ".join(under[:12]) + (", ..." if len(under) > 12 else "")
    more = f"; keys under {parts[0]}: {example}" if under else ""
    raise ConfigError(f"unknown config key '{key}'{hint}{more}", file=file, key=where)


# ---------------------------------------------------------------------------------------------------
# -s KEY=VALUE
# ---------------------------------------------------------------------------------------------------


def _parse_literal(text: str):
    """A TOML literal (``50``, ``1e3``, ``true``, ``"x"``, ``[1, 2]``, ``{ range = [1, 2], num = 3 }``);
    anything that is not one is taken as a bare string."""
    return _try_literal(text)[1]


def _try_literal(text: str) -> tuple[bool, Any]:
    text = text.strip()
    try:
        return True, tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return False, text


def parse_override(item: str) -> tuple[str, Any, bool]:
    """Split ``key=v`` / ``key=v1,v2`` / ``key={ range = [a, b], num = n }`` into (key, value, is_list).

    A whole-value TOML literal wins (an array or inline table stays one value, ``"a,b"`` one
    string); otherwise the text is split at commas and each piece parsed as a TOML literal (bare
    words are strings).
    """
    if "=" not in item:
        raise ConfigError(
            f"-s {item!r}: expected KEY=VALUE or KEY=V1,V2,... (e.g. program.frequency_hz=50,100)"
        )
    key, _, text = item.partition("=")
    key = key.strip().strip('"')
    if not key or not text.strip():
        raise ConfigError(f"-s {item!r}: expected KEY=VALUE with a non-empty key and value")
    ok, whole = _try_literal(text)
    if ok or "," not in text:
        return key, whole, isinstance(whole, list)
    return key, [_parse_literal(t) for t in text.split(",")], True


def apply_overrides(
    raw_sweep: dict, base: dict, overrides: Iterable[str], *, file, base_dir, allow_seed: bool = False
) -> tuple[dict, dict]:
    """Apply command-line overrides (the command line wins) to the raw sweep table and base dict.

    ``sweep.KEY=v`` sets a sweep option (``sweep.replicates=5``), applied first. For a key that is
    an axis: a comma list replaces its values, an inline table its range; one value makes it a
    one-valued axis (grid) or pins it, removing the axis (random / lhs / sobol). Any other key with a
    comma list or a table becomes a new axis; with one value it sets the base config.
    ``scs-sim run`` passes ``{"axes": {}}`` as the sweep table and rejects any axis that results.
    """
    sweep = copy.deepcopy(raw_sweep)
    base = copy.deepcopy(base)
    parsed = [parse_override(item) for item in overrides]
    rest = []
    for key, value, is_list in parsed:
        sub = key.removeprefix("sweep.")
        if key.startswith("sweep.") and not sub.startswith("axes."):
            sweep[sub] = value
        else:
            rest.append(
                (sub.removeprefix("axes.").strip('"') if key.startswith("sweep.") else key, value, is_list)
            )
    axes = dict(sweep.get("axes") or {}) if isinstance(sweep.get("axes"), dict) else sweep.get("axes")
    grid = sweep.get("method", "grid") == "grid"
    for key, value, is_list in rest:
        multi = is_list or isinstance(value, dict)
        if isinstance(axes, dict) and (multi or (key in axes and grid)):
            axes[key] = value if multi else [value]
            continue
        if isinstance(axes, dict):
            axes.pop(key, None)
        check_key(base, key, where=f"-s {key}", file=None, axes={}, allow_seed=allow_seed)
        set_dotted(base, key, value, file, base_dir)
    if axes is not None:
        sweep["axes"] = axes
    return sweep, base
