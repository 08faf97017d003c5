"""Base class of every parameter model (programs, anatomy, circuit, pain state, simulation).

Parameter models are pydantic models: typed, unit-suffixed field names, bounds on the fields,
unknown keys rejected, NaN/Inf rejected. The config layer (:mod:`scs_sim.config`) turns TOML into
these models and turns pydantic's errors into :class:`scs_sim.errors.ConfigError` with the file,
key path, value and what is allowed.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Params(BaseModel):
    """Frozen, strict-keys, finite-numbers pydantic base model."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, validate_default=True)
