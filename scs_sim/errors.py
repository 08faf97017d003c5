"""The scs_sim error hierarchy.

Every error caused by input a user can change (a config file, a command-line value, a
parameter passed to a public function) is a :class:`ConfigError` (a ``ValueError``), whose
message says where (file, key path), what (the bad value) and what is allowed. The CLI turns
these into one line on stderr and exit status 2. Anything else is a bug (exit status 1).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class ScsSimError(Exception):
    """Base class of every error raised on purpose by scs_sim."""


class ConfigError(ScsSimError, ValueError):
    """Bad user input: names the place, the value and what is allowed.

    Parameters
    ----------
    message : str
        What is wrong and what is allowed.
    file : str, optional
        The file the value came from.
    key : str, optional
        Dotted key path of the value inside the file (``program.frequency_hz``).
    """

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None):
        self.file = file
        self.key = key
        self.detail = message
        super().__init__(self._render())

    def _render(self) -> str:
        where = ": ".join(p for p in (self.file, self.key) if p)
        return f"{where}: {self.detail}" if where else self.detail

    def located(self, *, file: str | None = None, key_prefix: str | None = None) -> ConfigError:
        """Return a copy placed in ``file`` and/or under ``key_prefix``."""
        key = self.key
        if key_prefix:
            key = f"{key_prefix}.{key}" if key else key_prefix
        return ConfigError(self.detail, file=file or self.file, key=key)


class SimulationError(ScsSimError, RuntimeError):
    """A run produced a non-finite or overflowing value; the message says where it arose."""


def suggest(name: str, allowed: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest allowed name, or ``""``."""
    close = difflib.get_close_matches(name, list(allowed), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def check_keys(keys: Iterable[str], allowed: Iterable[str], *, file: str | None = None,
               prefix: str | None = None, what: str = "key") -> None:
    """Raise :class:`ConfigError` for the first of ``keys`` not in ``allowed``, with a did-you-mean."""
    allowed = list(allowed)
    for k in keys:
        if k not in allowed:
            raise ConfigError(
                f"unknown {what} '{k}'{suggest(str(k), allowed)}; allowed: {', '.join(allowed)}",
                file=file,
                key=f"{prefix}.{k}" if prefix else str(k),
            )


def require_finite_positive(value: float, name: str, *, allow_zero: bool = False) -> float:
    """Validate a scalar parameter; raise :class:`ConfigError` naming it if it is not usable."""
    import math

    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"must be a number (got {value!r})", key=name) from None
    if not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ConfigError(f"must be finite and {bound} (got {value!r})", key=name)
    return v
