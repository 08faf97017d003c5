"""Pydantic validation errors → :class:`~scs_sim.errors.ConfigError` (file, dotted key, value, allowed).

:func:`validate_model` validates data against a model and reports the most specific problem: an
unknown key with the nearest valid one and the allowed keys, an unknown program ``kind``, a missing
key, or a bad value quoted. Program kinds come from the table :data:`scs_sim.stim.kinds.PROGRAM_KINDS`
(discriminator tags are dropped from key paths). Never imports numba.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from scs_sim._params import FieldTypeError, LimitError
from scs_sim.errors import ConfigError, suggest
from scs_sim.stim.programs import PROGRAM_KINDS

__all__ = ["validate_model"]


def _unwrap(tp):
    """Yield the model classes and containers inside a type annotation."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        out = []
        for a in typing.get_args(tp):
            out.extend(_unwrap(a))
        return out
    return [tp]


def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The model class that owns the last element of ``loc`` (for key suggestions)."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if isinstance(current, type) and issubclass(current, BaseModel):
            if part in PROGRAM_KINDS and part not in current.model_fields:
                current = PROGRAM_KINDS[part]  # a discriminated-union tag
                continue
            field = current.model_fields.get(part)
            if field is None:
                return None
            nxt = None
            for cand in _unwrap(field.annotation):
                origin = typing.get_origin(cand)
                if origin in (list, tuple):
                    cand = typing.get_args(cand)[0]
                    for c2 in _unwrap(cand):
                        if isinstance(c2, type) and issubclass(c2, BaseModel):
                            nxt = c2
                elif isinstance(cand, type) and issubclass(cand, BaseModel):
                    nxt = cand
            if nxt is None:
                # A discriminated union of programs: the next loc part names the kind.
                return None
            current = nxt
    if loc and loc[-1] in PROGRAM_KINDS and isinstance(current, type) and "kind" not in current.model_fields:
        return PROGRAM_KINDS[loc[-1]]
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _clean_loc(loc: tuple) -> tuple:
    """Drop discriminator tags (``program.tonic.frequency_hz`` → ``program.frequency_hz``)."""
    return tuple(p for p in loc if not (isinstance(p, str) and p in PROGRAM_KINDS))


def _format_error(err: dict, model: type[BaseModel], prefix: tuple) -> tuple[str, str]:
    loc = tuple(err.get("loc", ()))
    clean = prefix + _clean_loc(loc)
    key = ".".join(str(p) for p in clean)
    typ = err.get("type", "")
    value = err.get("input")
    msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    if typ == "extra_forbidden":
        owner = _model_at(model, loc)
        allowed = sorted(owner.model_fields) if owner is not None else []
        name = str(loc[-1]) if loc else "?"
        text = f"unknown key '{name}'{suggest(name, allowed)}"
        if allowed:
            text += f"; allowed: {', '.join(allowed)}"
        return key, text
    if typ == "union_tag_invalid":
        tag = err.get("ctx", {}).get("tag", value)
        kinds = list(PROGRAM_KINDS)
        return ".".join(str(p) for p in clean + ("kind",)), (
            f"unknown kind '{tag}'{suggest(str(tag), kinds)}; allowed: {', '.join(kinds)}"
        )
    if typ == "union_tag_not_found":
        return key + ".kind", f"missing 'kind'; allowed: {', '.join(PROGRAM_KINDS)}"
    error = (err.get("ctx") or {}).get("error")
    if isinstance(error, FieldTypeError):
        return ".".join(str(p) for p in (*clean, error.field)), f"{error.problem} (got {error.value!r})"
    if isinstance(error, LimitError):
        return key, str(error)
    if typ == "missing":
        return key, "required key is missing"
    if typ in ("model_type", "dict_type", "model_attributes_type") and not isinstance(value, dict):
        return key, f"must be a table (got {value!r})"
    got = "" if isinstance(value, dict) else f" (got {value!r})"
    return key, f"{msg}{got}"


def validate_model(model: type[BaseModel], data: Any, *, file: str | None, prefix: tuple = ()) -> Any:
    """Validate ``data`` as ``model``; any problem is a ConfigError under the key path ``prefix``."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errs = exc.errors(include_url=False)
        # Prefer the most specific error (unknown keys first, then the deepest location).
        errs.sort(key=lambda e: (e.get("type") != "extra_forbidden", -len(e.get("loc", ()))))
        key, text = _format_error(errs[0], model, prefix)
        more = f" (and {len(errs) - 1} more problem{'s' if len(errs) > 2 else ''})" if len(errs) > 1 else ""
        raise ConfigError(text + more, file=file, key=key or None) from None
