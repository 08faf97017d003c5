"""Base class of every parameter model (programs, anatomy, circuit, pain state, simulation), and input limits.

Parameter models are pydantic models: typed, unit-suffixed field names, bounds on the fields,
unknown keys rejected, NaN/Inf rejected, and strict number types: a boolean or a string is never
taken as a number, and an integer field takes only an integer (``true`` is not ``1``, ``"5"`` is not
``5``, ``200.0`` is not ``200``). The config layer (:mod:`scs_sim.config`) turns TOML into these
models and turns pydantic's errors into :class:`scs_sim.errors.ConfigError` with the file, key path,
value and what is allowed.

A :class:`Limit` is a physically plausible range with its reason; :func:`limited` makes a field
validator of it, so an absurd value (an amplitude of 1e300 mA, a 10 MHz program) is refused when the
model is built, with the range and the reason in the message. Every limit is registered in
:data:`LIMITS` (dotted config key -> limit) and documented in ``docs/MODEL.md`` ("Input limits").
"""

from __future__ import annotations

import math
import types
import typing
from dataclasses import dataclass

from pydantic import AfterValidator, BaseModel, ConfigDict, model_validator

__all__ = ["LIMITS", "FieldTypeError", "Limit", "LimitError", "Params", "limited", "type_problem"]


def _fmt(x) -> str:
    return str(x) if isinstance(x, int) and not isinstance(x, bool) else f"{float(x):g}"


@dataclass(frozen=True)
class Limit:
    """A plausible range ``lo <= value <= hi`` (``lo < value`` when ``lo_open``) in ``unit``, and why."""

    lo: float | None
    hi: float | None
    unit: str
    why: str
    lo_open: bool = False

    def allowed(self) -> str:
        """The range as text: ``> 0 and <= 100 mA``."""
        parts = []
        if self.lo is not None:
            parts.append(f"{'>' if self.lo_open else '>='} {_fmt(self.lo)}")
        if self.hi is not None:
            parts.append(f"<= {_fmt(self.hi)}")
        unit = f" {self.unit}" if self.unit else ""
        return " and ".join(parts) + unit

    def problem(self, value: float) -> str | None:
        """The message for ``value`` outside the range (None when inside)."""
        v = float(value)
        low = self.lo is not None and (v <= self.lo if self.lo_open else v < self.lo)
        high = self.hi is not None and v > self.hi
        if math.isnan(v) or low or high:
            unit = f" {self.unit}" if self.unit else ""
            return f"{_fmt(value)}{unit} is out of range (allowed: {self.allowed()}): {self.why}"
        return None

    def check(self, value):
        """Raise :class:`LimitError` for a value outside the range; return it unchanged otherwise."""
        if value is not None:
            msg = self.problem(value)
            if msg:
                raise LimitError(msg)
        return value


class LimitError(ValueError):
    """A value outside its :class:`Limit`; the message holds the value, the range and the reason."""


#: Every limit of a parameter model, by dotted config key (``program.amplitude_ma``).
LIMITS: dict[str, Limit] = {}


def limited(key: str, limit: Limit) -> AfterValidator:
    """A pydantic validator enforcing ``limit`` (registered in :data:`LIMITS` under ``key``)."""
    LIMITS.setdefault(key, limit)
    return AfterValidator(limit.check)


def _kind(value) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, float):
        return "a decimal number"
    return type(value).__name__


def type_problem(tp, value) -> str | None:
    """Why ``value`` is not a strict instance of the number annotation ``tp`` (None if it is, or n/a).

    Only plain ``float`` / ``int`` annotations (inside ``Annotated``, ``Optional``, ``list``,
    ``tuple`` and ``dict`` values) are checked; everything else is left to pydantic.
    """
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return type_problem(typing.get_args(tp)[0], value)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None or len(args) != 1:
            return None
        return type_problem(args[0], value)
    if origin in (list, tuple) and isinstance(value, list | tuple):
        args = typing.get_args(tp)
        for i, item in enumerate(value):
            if not args:
                return None
            arg = args[0] if origin is list or (len(args) == 2 and args[1] is Ellipsis) else (
                args[i] if i < len(args) else None)
            p = type_problem(arg, item) if arg is not None else None
            if p:
                return f"item {i} {p}"
        return None
    if origin is dict and isinstance(value, dict):
        args = typing.get_args(tp)
        for k, item in value.items():
            p = type_problem(args[1], item) if len(args) == 2 else None
            if p:
                return f"'{k}' {p}"
        return None
    if tp is float and isinstance(value, bool | str):
        return f"must be a valid number, not {_kind(value)}"
    if tp is int and (isinstance(value, bool | str) or isinstance(value, float)):
        return f"must be a valid integer, not {_kind(value)}"
    return None


class FieldTypeError(ValueError):
    """A value of the wrong type for a number field (``field`` names it, ``problem`` says why)."""

    def __init__(self, field: str, problem: str, value):
        self.field, self.problem, self.value = field, problem, value
        super().__init__(f"{field}: {problem} (got {value!r})")


class Params(BaseModel):
    """Frozen, strict-keys, finite-numbers, strict-number-types pydantic base model."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, validate_default=True)

    @model_validator(mode="before")
    @classmethod
    def _strict_numbers(cls, data):
        if isinstance(data, dict):
            for name, field in cls.model_fields.items():
                if name in data and (problem := type_problem(field.annotation, data[name])):
                    raise FieldTypeError(name, problem, data[name])
        return data
