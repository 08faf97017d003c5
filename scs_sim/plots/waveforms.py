"""Waveform figures: the shape of one pulse (or burst) and a window of a pulse train."""

from __future__ import annotations

import numpy as np

from scs_sim.plots._common import get_ax
from scs_sim.stim.programs import Multiplexed, PulseTrain, pulse_train

__all__ = ["plot_pulse_shape", "plot_train", "plot_waveforms"]


def _burst_window(train: PulseTrain, t0: float) -> tuple[float, float]:
    return t0, t0 + 1.0 / train.program.burst_frequency_hz


def _custom_window(train: PulseTrain, t0: float) -> tuple[float, float]:
    prog = train.program
    if prog.repeat_period_ms:
        return t0, t0 + prog.repeat_period_ms * 1e-3
    ch = train.phases(t0, t0 + 10.0)
    end = float((ch.start_s + ch.width_s).max()) if ch.start_s.size else t0 + 1e-3
    return t0, t0 + (end - t0) * 1.15


def _multiplexed_window(train: PulseTrain, t0: float) -> tuple[float, float]:
    # up to the end of the first pulse of every channel (each channel's first unit shown)
    slowest = min(c.frequency_hz for c in train.program.components)
    ch = train.phases(t0, t0 + min(1.0 / slowest, 0.02))
    ends = [float((ch.start_s + ch.width_s)[ch.channel == i][:2].max()) for i in np.unique(ch.channel)]
    end = max(ends) if ends else t0 + 1e-3
    return t0 - 0.05 * (end - t0), t0 + 1.15 * (end - t0)


def _pulse_window(train: PulseTrain, t0: float) -> tuple[float, float]:
    ch = train.phases(t0, t0 + 1.0 / train.program.frequency_hz)
    end = float((ch.start_s + ch.width_s).max())
    return t0 - 0.15 * (end - t0), t0 + 1.3 * (end - t0)


#: Program kind -> the window (s) around its first unit; kinds not listed have one pulse per period.
_UNIT_WINDOWS = {"burst": _burst_window, "custom": _custom_window, "multiplexed": _multiplexed_window}


def _pulse_period(program, rate: float) -> float:
    return 1.0 / rate


def _custom_period(program, rate: float) -> float:
    return program.repeat_period_ms * 1e-3 if program.repeat_period_ms else 1.0 / rate


#: Program kind -> the period (s) of its repeating unit, given the train's pulses per second.
_UNIT_PERIODS = {
    "burst": lambda program, rate: 1.0 / program.burst_frequency_hz,
    "multiplexed": lambda program, rate: 1.0 / min(c.frequency_hz for c in program.components),
    "custom": _custom_period,
}


def _unit_window(train: PulseTrain) -> tuple[float, float]:
    """A window around the first unit (pulse, burst or pattern) of a train, s."""
    window = _UNIT_WINDOWS.get(train.program.kind, _pulse_window)
    return window(train, train.program.modifiers.start_s)


def _passive_lookup(train: PulseTrain) -> dict:
    """(channel, width, |current|) of every template phase → passive flag (for recharge labels)."""
    out = {}
    for c, w, _, chan, pas in train.phase_table():
        out[(int(chan), round(w * 1e9), round(abs(c), 6))] = pas
    return out


def _channel_label(program, i: int) -> str:
    if isinstance(program, Multiplexed):
        c = program.components[i]
        return f"channel {i}: {c.frequency_hz:g} Hz, {c.pulse_width_us:g} µs"
    return f"channel {i}"


def plot_pulse_shape(program, ax=None, *, train: PulseTrain | None = None, annotate: bool = True, **style):
    """Plot one pulse (or burst/pattern) of ``program``: phases, gap and recharge, in mA against µs/ms.

    Cathodic current is drawn negative. With ``annotate`` each phase is labelled with its charge
    (µC), every recharge phase with its type (active: driven by the stimulator; passive: capacitor
    discharge), and the first interphase gap with its width. The channels of a multiplexed program
    are drawn in different colours (one step line per channel, labelled). Returns the Axes.

    Examples
    --------
    >>> from scs_sim.stim.programs import tonic
    >>> ax = plot_pulse_shape(tonic())  # doctest: +SKIP
    """
    ax = get_ax(ax)
    train = train or pulse_train(program)
    t0, t1 = _unit_window(train)
    span = t1 - t0
    fs = min(max(4000 / span, 1e6), 2e8)
    scale, unit = (1e6, "µs") if span < 2e-3 else (1e3, "ms")
    color = style.pop("color", None)
    n_ch = len(train.channels)
    if n_ch > 1:
        for i in range(n_ch):
            t, y = train.sample(t0, t1, fs, channel=i)
            ax.step(
                (t - t0) * scale,
                y,
                where="post",
                color=color or f"C{i}",
                label=_channel_label(program, i),
                **style,
            )
        ax.legend(fontsize=7, loc="lower right")
    else:
        t, y = train.sample(t0, t1, fs)
        ax.step((t - t0) * scale, y, where="post", color=color or "C0", **style)
    ax.axhline(0, color="0.6", lw=0.6)
    if annotate:
        ch = train.phases(t0, t1)
        passive = _passive_lookup(train)
        seen = set()
        for st, w, c, chan in zip(ch.start_s, ch.width_s, ch.current_ma, ch.channel, strict=True):
            key = (int(chan), round(w * 1e9), round(c, 6))
            if ch.start_s.size > 4 and key in seen:
                continue  # long patterns: label each distinct phase once
            seen.add(key)
            q = abs(c) * w * 1e3
            text = f"{q:.3g} µC"
            if c > 0:
                pas = passive.get((int(chan), round(w * 1e9), round(abs(c), 6)))
                if pas is None:
                    pas = str(getattr(program, "recharge", "active")) == "passive"
                text += "\npassive recharge" if pas else "\nactive recharge"
            ax.annotate(
                text,
                ((st + w / 2 - t0) * scale, c),
                textcoords="offset points",
                xytext=(0, -12 if c < 0 else 4),
                ha="center",
                va="top" if c < 0 else "bottom",
                fontsize=7,
                color=f"C{int(chan)}" if n_ch > 1 else "k",
            )
        _label_gap(ax, ch, t0, scale, unit)
        lo, hi = ax.get_ylim()
        ax.set_ylim(lo - 0.12 * (hi - lo), hi + 0.18 * (hi - lo))
    ax.set_xlabel(f"time ({unit})")
    ax.set_ylabel("current (mA, cathodic < 0)")
    ax.set_title(f"{getattr(program, 'name', None) or program.kind}: pulse shape")
    return ax


def _label_gap(ax, ch, t0: float, scale: float, unit: str) -> None:
    """Mark the first interphase gap (cathodic end → next phase of the same pulse) with its width."""
    for k in range(ch.start_s.size - 1):
        if ch.current_ma[k] >= 0:
            continue
        same = np.flatnonzero((ch.pulse == ch.pulse[k]) & (ch.channel == ch.channel[k]) & (ch.current_ma > 0))
        if same.size == 0:
            continue
        j = same[0]
        end = ch.start_s[k] + ch.width_s[k]
        gap = ch.start_s[j] - end
        if gap <= 0:
            ax.annotate(
                "no gap",
                ((end - t0) * scale, 0),
                textcoords="offset points",
                xytext=(0, 14),
                ha="center",
                fontsize=7,
                color="0.3",
                arrowprops=dict(arrowstyle="-", color="0.5", lw=0.6),
            )
            return
        x0, x1 = (end - t0) * scale, (ch.start_s[j] - t0) * scale
        ax.annotate(
            "",
            (x0, 0),
            (x1, 0),
            arrowprops=dict(arrowstyle="<->", color="0.25", lw=0.8, shrinkA=0, shrinkB=0),
        )
        ax.annotate(
            f"gap {gap * 1e6:.3g} µs",
            ((x0 + x1) / 2, 0),
            textcoords="offset points",
            xytext=(0, 14),
            ha="center",
            fontsize=7,
            color="0.25",
            arrowprops=dict(arrowstyle="-", color="0.5", lw=0.6),
        )
        return


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

    A multiplexed program's channels are drawn in different colours. Returns the Axes.
    """
    ax = get_ax(ax)
    train = train or pulse_train(program)
    if duration_s is None:
        rate = train.pulses_per_s or 50.0
        unit = _UNIT_PERIODS.get(program.kind, _pulse_period)(program, rate)
        duration_s = float(np.clip(6 * unit, 1e-3, 2.0))
    fs = float(np.clip(20_000 / duration_s, 2e5, 5e7))
    color = style.pop("color", None)
    if len(train.channels) > 1:
        for i in range(len(train.channels)):
            t, y = train.sample(t0, t0 + duration_s, fs, channel=i)
            ax.plot(
                (t - t0) * 1e3, y, lw=0.8, color=color or f"C{i}", label=_channel_label(program, i), **style
            )
        ax.legend(fontsize=7, loc="lower right")
    else:
        t, y = train.sample(t0, t0 + duration_s, fs)
        ax.plot((t - t0) * 1e3, y, lw=0.8, color=color or "C0", **style)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("current (mA)")
    ax.set_title(f"{getattr(program, 'name', None) or program.kind}: {train.pulses_per_s:g} pulses/s")
    return ax


def plot_waveforms(program, *, fig=None):
    """A two-panel figure of a program: pulse shape (annotated) above a window of its train. Returns the Figure."""
    import matplotlib.pyplot as plt

    if fig is None:
        fig = plt.figure(figsize=(7, 5.5), layout="constrained")
    a, b = fig.subplots(2, 1)
    train = pulse_train(program)
    plot_pulse_shape(program, ax=a, train=train)
    plot_train(program, ax=b, train=train)
    return fig
