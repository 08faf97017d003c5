"""Waveform figures: the shape of one pulse (or burst) and a window of a pulse train."""

from __future__ import annotations

import numpy as np

from ..programs import Burst, Custom, Multiplexed, PulseTrain, pulse_train
from ._common import get_ax

__all__ = ["plot_pulse_shape", "plot_train"]


def _unit_window(train: PulseTrain) -> tuple[float, float]:
    """A window around the first unit (pulse, burst or pattern) of a train, s."""
    prog = train.program
    t0 = prog.modifiers.start_s
    if isinstance(prog, Burst):
        return t0, t0 + 1.0 / prog.burst_frequency_hz
    if isinstance(prog, Custom):
        ch = train.phases(t0, t0 + 10.0)
        end = float((ch.start_s + ch.width_s).max()) if ch.start_s.size else t0 + 1e-3
        return t0, t0 + (end - t0) * 1.15
    if isinstance(prog, Multiplexed):
        slowest = min(c.frequency_hz for c in prog.components)
        return t0, t0 + min(1.0 / slowest, 0.02)
    ch = train.phases(t0, t0 + 1.0 / prog.frequency_hz)
    end = float((ch.start_s + ch.width_s).max())
    return t0 - 0.15 * (end - t0), t0 + 1.3 * (end - t0)


def plot_pulse_shape(program, ax=None, *, train: PulseTrain | None = None, annotate: bool = True, **style):
    """Plot one pulse (or burst/pattern) of ``program``: phases, gap and recharge, in mA against µs/ms.

    Cathodic current is drawn negative. Each phase is annotated with its charge (µC) when
    ``annotate`` is true. Returns the Axes.
    """
    ax = get_ax(ax)
    train = train or pulse_train(program)
    t0, t1 = _unit_window(train)
    span = t1 - t0
    fs = min(max(4000 / span, 1e6), 2e8)
    t, y = train.sample(t0, t1, fs)
    scale, unit = (1e6, "µs") if span < 2e-3 else (1e3, "ms")
    ax.step((t - t0) * scale, y, where="post", color=style.pop("color", "C0"), **style)
    ax.axhline(0, color="0.6", lw=0.6)
    if annotate:
        ch = train.phases(t0, t1)
        for st, w, c in zip(ch.start_s, ch.width_s, ch.current_ma, strict=True):
            q = abs(c) * w * 1e3
            ax.annotate(
                f"{q:.3g} µC",
                ((st + w / 2 - t0) * scale, c),
                textcoords="offset points",
                xytext=(0, -12 if c < 0 else 4),
                ha="center",
                fontsize=7,
            )
    ax.set_xlabel(f"time ({unit})")
    ax.set_ylabel("current (mA, cathodic < 0)")
    ax.set_title(f"{getattr(program, 'name', None) or program.kind}: pulse shape")
    return ax


def plot_train(
    program,
    ax=None,
    *,
    t0: float = 0.0,
    duration_s: float | None = None,
    train: PulseTrain | None = None,
    **style,
):
    """Plot a window of the pulse train (default: about 6 periods of the slowest component).

    Returns the Axes.
    """
    ax = get_ax(ax)
    train = train or pulse_train(program)
    if duration_s is None:
        rate = train.pulses_per_s or 50.0
        unit = (1.0 / program.burst_frequency_hz) if isinstance(program, Burst) else 1.0 / rate
        if isinstance(program, Multiplexed):
            unit = 1.0 / min(c.frequency_hz for c in program.components)
        if isinstance(program, Custom) and program.repeat_period_ms:
            unit = program.repeat_period_ms * 1e-3
        duration_s = float(np.clip(6 * unit, 1e-3, 2.0))
    fs = float(np.clip(20_000 / duration_s, 2e5, 5e7))
    t, y = train.sample(t0, t0 + duration_s, fs)
    ax.plot((t - t0) * 1e3, y, lw=0.8, color=style.pop("color", "C0"), **style)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("current (mA)")
    ax.set_title(f"{getattr(program, 'name', None) or program.kind}: {train.pulses_per_s:g} pulses/s")
    return ax
