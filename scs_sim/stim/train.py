"""Pulse trains: periodic phase templates (streams) gated by the program modifiers.

A :class:`PulseTrain` never holds a dense waveform. It is a small set of periodic *streams*, each a
template of phases (start, width, signed current) repeated at a period, and produces the phases of a
time window on demand, in bounded chunks (:meth:`PulseTrain.chunks`), so 10 kHz for an hour never holds
more than one window. Onsets are computed as ``first + k * period`` from the integer unit index ``k``,
so chunked and one-shot generation give identical floats. :meth:`PulseTrain.sample` renders a dense
window for plots only.

This module also owns what every program kind shares: :class:`Recharge` and :class:`Modifiers`
(cycling, pulse dosing, ramp-up, start/stop, applied to whole units), and the builders of a stream from
a list of biphasic pulses (:func:`stream_from_pulses`). It knows no program kind; those are in
:mod:`scs_sim.stim.kinds`.

Sign convention: cathodic current is negative (it depolarises axons near the cathode), anodic
positive. Every unit (a pulse with active or passive recharge, or a burst with passive recharge after
it) sums to zero charge; modifiers scale or drop whole units, so balance is kept exactly.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

import numpy as np
from pydantic import Field, model_validator

from scs_sim._params import Params, limited
from scs_sim.errors import ConfigError
from scs_sim.stim.limits import TIME_S

__all__ = ["Channel", "Modifiers", "PulseChunk", "PulseTrain", "Recharge", "Stream", "biphasic",
           "stream_from_pulses"]


class Recharge(StrEnum):
    """How a pulse's charge is returned: an actively driven phase, or capacitor discharge."""

    ACTIVE = "active"
    PASSIVE = "passive"


_StartS = Annotated[float, limited("program.modifiers.start_s", TIME_S)]
_StopS = Annotated[float, limited("program.modifiers.stop_s", TIME_S)]
_CycleOnS = Annotated[float, limited("program.modifiers.cycle_on_s", TIME_S)]
_CycleOffS = Annotated[float, limited("program.modifiers.cycle_off_s", TIME_S)]
_RampUpS = Annotated[float, limited("program.modifiers.ramp_up_s", TIME_S)]
_DosePeriodS = Annotated[float, limited("program.modifiers.dose_period_s", TIME_S)]


class Modifiers(Params):
    """Switching and scaling applied to any program kind (whole pulses or bursts at a time).

    A unit (pulse or burst) is delivered when its onset lies in ``[start_s, stop_s)``, in the ON part of
    the cycling period and in the ON part of the pulse-dosing period. Amplitude ramps linearly from 0 to
    full over ``ramp_up_s`` after the start and after every cycling ON edge (soft start).
    """

    start_s: _StartS = Field(0.0, ge=0, description="Time of the first delivered pulse, s.")
    stop_s: _StopS | None = Field(None, gt=0, description="No pulses from this time on, s (None: never stop).")
    cycle_on_s: _CycleOnS | None = Field(None, gt=0, description="Cycling: ON time, s (None: no cycling).")
    cycle_off_s: _CycleOffS | None = Field(None, ge=0, description="Cycling: OFF time, s.")
    ramp_up_s: _RampUpS = Field(0.0, ge=0, description="Linear amplitude ramp after start and each ON edge, s.")
    dose_duty_pct: float = Field(100.0, gt=0, le=100, description="Pulse dosing: % of each dosing period ON.")
    dose_period_s: _DosePeriodS = Field(1.0, gt=0, description="Pulse dosing period, s.")

    @model_validator(mode="after")
    def _check(self) -> Modifiers:
        if (self.cycle_on_s is None) != (self.cycle_off_s is None):
            raise ValueError("cycle_on_s and cycle_off_s must be given together")
        if self.stop_s is not None and self.stop_s <= self.start_s:
            raise ValueError(f"stop_s ({self.stop_s}) must be after start_s ({self.start_s})")
        return self

    @property
    def duty(self) -> float:
        """Steady-state fraction of time pulses are delivered (cycling × dosing)."""
        d = self.dose_duty_pct / 100.0
        if self.cycle_on_s is not None:
            d *= self.cycle_on_s / (self.cycle_on_s + self.cycle_off_s)
        return d



@dataclass(frozen=True)
class Channel:
    """Contacts a stream drives (None: the patient's active contacts)."""

    cathodes: tuple[int, ...] | None
    anodes: tuple[int, ...] | None


@dataclass(frozen=True)
class Stream:
    """A periodic template of phases: unit k starts at ``first_s + k * period_s``."""

    first_s: float
    period_s: float
    n_units: int | None  # None: unbounded; else units k < n_units only
    start_s: np.ndarray  # phase start relative to the unit onset, s
    width_s: np.ndarray
    current_ma: np.ndarray  # signed, cathodic < 0
    pulse: np.ndarray  # pulse index within the unit for each phase
    n_pulses: int
    pulse_onset_s: np.ndarray  # onset of each pulse relative to the unit onset
    channel: int
    passive: np.ndarray  # True for passive (capacitor-discharge) recharge phases


@dataclass(frozen=True)
class PulseChunk:
    """The phases of a time window, sorted by start time.

    Attributes
    ----------
    start_s, width_s, current_ma : ndarray
        Phase start (s), width (s) and signed current (mA; cathodic < 0).
    channel : ndarray of int16
        Index into :attr:`PulseTrain.channels` for each phase.
    pulse : ndarray of int64
        Global index of the pulse each phase belongs to (a passive burst recharge belongs to the
        last pulse of its burst).
    onset_s : ndarray
        Onset of every pulse whose index lies in ``[first_pulse, first_pulse + len(onset_s))``.
    first_pulse : int
        Number of pulses delivered before this chunk.
    """

    start_s: np.ndarray
    width_s: np.ndarray
    current_ma: np.ndarray
    channel: np.ndarray
    pulse: np.ndarray
    onset_s: np.ndarray
    first_pulse: int

    @property
    def n_pulses(self) -> int:
        return int(self.onset_s.size)


class PulseTrain:
    """A charge-balanced pulse train produced lazily from periodic templates.

    Use :meth:`chunks` to stream phases window by window (bounded memory), :meth:`phases` for one
    window, :meth:`sample` for a dense waveform window (plots only).
    """

    def __init__(self, program, streams: list[Stream], channels: list[Channel]):
        self.program = program
        self._streams = streams
        self.channels: tuple[Channel, ...] = tuple(channels)
        self.modifiers: Modifiers = program.modifiers

    # -- summary figures (steady state: ramps and start/stop ignored) ---------------------------------
    @property
    def pulses_per_s(self) -> float:
        """Mean delivered pulses per second (cycling and dosing duty included)."""
        return sum(s.n_pulses / s.period_s for s in self._streams if s.n_units is None) * self.modifiers.duty

    def phase_table(self) -> list[tuple[float, float, float, int, bool]]:
        """Every template phase as (signed current mA, width s, occurrences per s, channel, passive).

        Occurrences per second include the cycling and dosing duty; a one-shot custom pattern has 0.
        """
        rows = []
        for s in self._streams:
            rate = (1.0 / s.period_s if s.n_units is None else 0.0) * self.modifiers.duty
            for c, w, pas in zip(s.current_ma, s.width_s, s.passive, strict=True):
                rows.append((float(c), float(w), rate, s.channel, bool(pas)))
        return rows

    # -- generation ------------------------------------------------------------------------------
    def _gate(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Delivered mask and amplitude scale for unit onsets ``t``."""
        m = self.modifiers
        keep = t >= m.start_s - 1e-15
        if m.stop_s is not None:
            keep &= t < m.stop_s
        rel = t - m.start_s
        since_on = rel.copy()
        if m.cycle_on_s is not None:
            cyc = m.cycle_on_s + m.cycle_off_s
            pos = np.mod(rel, cyc)
            keep &= pos < m.cycle_on_s
            since_on = pos
        if m.dose_duty_pct < 100.0:
            keep &= np.mod(rel, m.dose_period_s) < m.dose_period_s * m.dose_duty_pct / 100.0
        scale = np.ones_like(t)
        if m.ramp_up_s > 0:
            scale = np.clip((since_on + 1e-15) / m.ramp_up_s, 0.0, 1.0)
            scale = np.where(scale <= 0, 0.0, scale)
        keep &= scale > 0
        return keep, scale

    def _units(self, s: Stream, t0: float, t1: float) -> np.ndarray:
        # A generous integer range, then the exact float test decides (so windows tile exactly).
        k0 = max(0, math.floor((t0 - s.first_s) / s.period_s) - 1)
        k1 = max(0, math.floor((t1 - s.first_s) / s.period_s) + 2)
        if s.n_units is not None:
            k0, k1 = min(k0, s.n_units), min(k1, s.n_units)
        k = np.arange(k0, k1, dtype=np.int64)
        onset = s.first_s + k * s.period_s
        return k[(onset >= t0) & (onset < t1)]

    def phases(self, t0: float, t1: float, *, first_pulse: int = 0) -> PulseChunk:
        """All phases of units whose onset lies in ``[t0, t1)``, sorted by start time."""
        parts = []
        for si, s in enumerate(self._streams):
            k = self._units(s, t0, t1)
            onset = s.first_s + k * s.period_s
            keep, scale = self._gate(onset)
            onset, scale = onset[keep], scale[keep]
            nu, nph = onset.size, s.start_s.size
            if nu == 0:
                continue
            parts.append(
                (
                    (onset[:, None] + s.start_s[None, :]).ravel(),
                    np.broadcast_to(s.width_s, (nu, nph)).ravel(),
                    (scale[:, None] * s.current_ma[None, :]).ravel(),
                    np.full(nu * nph, s.channel, dtype=np.int16),
                    (np.arange(nu)[:, None] * s.n_pulses + s.pulse[None, :]).ravel(),
                    (onset[:, None] + s.pulse_onset_s[None, :]).ravel(),
                    si,
                )
            )
        if not parts:
            e = np.empty(0)
            return PulseChunk(e, e, e, np.empty(0, np.int16), np.empty(0, np.int64), e, first_pulse)
        # Pulses are numbered in onset order across streams; phases sorted by start time.
        pulse_onsets = np.concatenate([p[5] for p in parts])
        pulse_stream = np.concatenate([np.full(p[5].size, i) for i, p in enumerate(parts)])
        pulse_local = np.concatenate([np.arange(p[5].size) for p in parts])
        porder = np.lexsort((pulse_local, pulse_stream, pulse_onsets))
        rank = np.empty_like(porder)
        rank[porder] = np.arange(porder.size)
        offsets = np.cumsum([0] + [p[5].size for p in parts])
        start = np.concatenate([p[0] for p in parts])
        width = np.concatenate([p[1] for p in parts])
        current = np.concatenate([p[2] for p in parts])
        channel = np.concatenate([p[3] for p in parts])
        pulse = np.concatenate([rank[offsets[i] + p[4]] for i, p in enumerate(parts)])
        order = np.lexsort((pulse, start))
        return PulseChunk(
            start[order],
            width[order],
            current[order],
            channel[order],
            pulse[order].astype(np.int64) + first_pulse,
            pulse_onsets[porder],
            first_pulse,
        )

    def chunks(self, t0: float, t1: float, *, max_pulses: int = 100_000) -> Iterator[PulseChunk]:
        """Yield the phases of ``[t0, t1)`` in consecutive windows of about ``max_pulses`` pulses.

        Raises :class:`ConfigError` if two phases overlap (possible only in multiplexed programs).
        """
        if not (math.isfinite(t0) and math.isfinite(t1)) or t1 < t0:
            raise ConfigError(f"time window must be finite with t1 >= t0 (got {t0!r}, {t1!r})")
        rate = sum(s.n_pulses / s.period_s for s in self._streams) or 1.0
        step = max(max_pulses / rate, min(s.period_s for s in self._streams))
        first, t, last_end = 0, t0, -math.inf
        while t < t1:
            te = min(t + step, t1)
            ch = self.phases(t, te, first_pulse=first)
            if ch.start_s.size:
                ends = ch.start_s + ch.width_s
                prev_end = np.concatenate(([last_end], np.maximum.accumulate(ends)[:-1]))
                bad = np.flatnonzero(ch.start_s < prev_end - 1e-12)
                if bad.size:
                    i = bad[0]
                    raise ConfigError(
                        f"phases overlap at t = {ch.start_s[i] * 1e3:.6g} ms (a phase starts before the "
                        f"previous one ends at {prev_end[i] * 1e3:.6g} ms); change offset_us or the widths"
                    )
                last_end = max(last_end, float(ends.max()))
            yield ch
            first += ch.n_pulses
            t = te

    def sample(self, t0: float, t1: float, fs: float, *, channel: int | None = None):
        """Dense current waveform on ``[t0, t1)`` at ``fs`` Hz (for plots; keep windows short).

        Returns
        -------
        t : ndarray, s
        current_ma : ndarray, mA (cathodic negative); summed over channels unless ``channel`` is given.
        """
        n = int(round((t1 - t0) * fs))
        if n <= 0 or n > 50_000_000:
            raise ConfigError(f"sample window must hold 1..5e7 samples (got {n} at fs={fs:g} Hz)")
        t = t0 + np.arange(n) / fs
        y = np.zeros(n)
        longest = max(float(s.start_s.max() + s.width_s.max()) for s in self._streams)
        ch = self.phases(t0 - longest, t1)
        for st, w, c, chan in zip(ch.start_s, ch.width_s, ch.current_ma, ch.channel, strict=True):
            if channel is not None and chan != channel:
                continue
            i0 = max(0, math.ceil((st - t0) * fs - 1e-9))
            i1 = min(n, math.ceil((st + w - t0) * fs - 1e-9))
            if i1 > i0:
                y[i0:i1] += c
        return t, y


def biphasic(amp: float, pw_s: float, gap_s: float, recharge: Recharge, rw_s: float):
    """Template phases of one pulse: cathodic, gap, then the recharge of equal charge."""
    starts = np.array([0.0, pw_s + gap_s])
    widths = np.array([pw_s, rw_s])
    currents = np.array([-amp, amp * pw_s / rw_s])
    passive = np.array([False, recharge == Recharge.PASSIVE])
    return starts, widths, currents, passive


def stream_from_pulses(pulses, *, period_s, first_s, n_units, channel) -> Stream:
    starts, widths, currents, pidx, onsets, passive = [], [], [], [], [], []
    for i, (onset, amp, pw, gap, rech, rw) in enumerate(pulses):
        s, w, c, pas = biphasic(amp, pw, gap, rech, rw)
        passive.append(pas)
        starts.append(s + onset)
        widths.append(w)
        currents.append(c)
        pidx.append(np.full(2, i))
        onsets.append(onset)
    return Stream(
        first_s=first_s,
        period_s=period_s,
        n_units=n_units,
        start_s=np.concatenate(starts),
        width_s=np.concatenate(widths),
        current_ma=np.concatenate(currents),
        pulse=np.concatenate(pidx).astype(np.int64),
        n_pulses=len(pulses),
        pulse_onset_s=np.array(onsets, dtype=float),
        channel=channel,
        passive=np.concatenate(passive),
    )

