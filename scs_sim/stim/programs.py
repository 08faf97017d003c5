"""Therapy programs and the pulse trains they produce (the public module).

A program is data: a ``kind`` plus unit-suffixed parameters (``frequency_hz``, ``pulse_width_us``,
``amplitude_ma``) and optional modifiers (cycling, pulse dosing, ramp-up, start/stop). Each kind is a
pydantic model registered in the table :data:`~scs_sim.stim.kinds.KINDS` (model and stream builder,
:mod:`scs_sim.stim.kinds`); :func:`pulse_train` turns any of them into a :class:`PulseTrain`
(:mod:`scs_sim.stim.train`: periodic phase templates, streamed in bounded chunks).

This module is the public face: ``from scs_sim import programs; programs.tonic(frequency_hz=90)``.

Sign convention: cathodic current is negative (it depolarises axons near the cathode), anodic
positive. Every unit (a pulse with active or passive recharge, or a burst with passive recharge after
it) sums to zero charge; modifiers scale or drop whole units, so balance is kept exactly.
"""

from __future__ import annotations

from pathlib import Path

from scs_sim.errors import ConfigError
from scs_sim.stim.kinds import (
    KINDS,
    PROGRAM_KINDS,
    Burst,
    Custom,
    CustomPulse,
    HighFrequency,
    Multiplexed,
    Program,
    Tonic,
    load_custom_csv,
)
from scs_sim.stim.train import Channel, Modifiers, PulseChunk, PulseTrain, Recharge

__all__ = [
    "KINDS",
    "PROGRAM_KINDS",
    "Burst",
    "Channel",
    "Custom",
    "CustomPulse",
    "HighFrequency",
    "Modifiers",
    "Multiplexed",
    "Program",
    "PulseChunk",
    "PulseTrain",
    "Recharge",
    "Tonic",
    "burst",
    "custom",
    "high_frequency",
    "load_custom_csv",
    "multiplexed",
    "pulse_train",
    "tonic",
]


def pulse_train(program, *, base_dir: str | Path | None = None) -> PulseTrain:
    """Turn any program model into its :class:`PulseTrain` (dispatch through :data:`KINDS`).

    Parameters
    ----------
    program : Tonic | Burst | HighFrequency | Multiplexed | Custom
    base_dir : path, optional
        Directory that relative file references (custom CSV) are resolved against.
    """
    name = getattr(program, "kind", None)
    kind = KINDS.get(name) if isinstance(name, str) else None
    if kind is None or not isinstance(program, kind.model):
        raise ConfigError(f"not a program: {type(program).__name__}")
    streams, channels = kind.streams(program, Path(base_dir) if base_dir is not None else None)
    return PulseTrain(program, streams, channels)


# Convenience constructors (the Python API: ``scs_sim.programs.tonic(frequency_hz=90)``).


def tonic(**kw) -> Tonic:
    """A tonic program; keyword arguments are :class:`Tonic` fields (``amplitude_ma`` default 4 mA)."""
    kw.setdefault("amplitude_ma", 4.0)
    return Tonic(**kw)


def burst(**kw) -> Burst:
    """A burst program (BurstDR defaults; ``amplitude_ma`` default 1 mA)."""
    kw.setdefault("amplitude_ma", 1.0)
    return Burst(**kw)


def high_frequency(**kw) -> HighFrequency:
    """A kHz program (10 kHz / 30 µs defaults; ``amplitude_ma`` default 3 mA)."""
    kw.setdefault("amplitude_ma", 3.0)
    return HighFrequency(**kw)


def multiplexed(components, **kw) -> Multiplexed:
    """A multiplexed program from a list of component dicts (see :class:`Multiplexed`)."""
    return Multiplexed(components=components, **kw)


def custom(pulses=None, csv=None, **kw) -> Custom:
    """A custom program from a pulse list (dicts) or a CSV path."""
    return Custom(pulses=pulses, csv=csv, **kw)
