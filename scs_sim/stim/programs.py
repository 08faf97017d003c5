"""Therapy programs and the pulse trains they produce.

A program is data: a ``kind`` plus unit-suffixed parameters (``frequency_hz``, ``pulse_width_us``,
``amplitude_ma``) and optional modifiers (cycling, pulse dosing, ramp-up, start/stop). Each kind is a
pydantic model registered in :data:`PROGRAM_KINDS`; :func:`pulse_train` turns any of them into a
:class:`PulseTrain`.

A :class:`PulseTrain` never holds a dense waveform. It is a small set of periodic *streams*, each a
template of phases (start, width, signed current) repeated at a period, and produces the phases of a
time window on demand, in bounded chunks (:meth:`PulseTrain.chunks`), so 10 kHz for an hour never holds
more than one window. Onsets are computed as ``first + k * period`` from the integer unit index ``k``,
so chunked and one-shot generation give identical floats. :meth:`PulseTrain.sample` renders a dense
window for plots only.

Sign convention: cathodic current is negative (it depolarises axons near the cathode), anodic
positive. Every unit (a pulse with active or passive recharge, or a burst with passive recharge after
it) sums to zero charge; modifiers scale or drop whole units, so balance is kept exactly.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import Field, model_validator

from scs_sim._params import Params
from scs_sim.errors import ConfigError

__all__ = [
    "PROGRAM_KINDS",
    "Burst",
    "Custom",
    "CustomPulse",
    "HighFrequency",
    "Modifiers",
    "Multiplexed",
    "PulseChunk",
    "PulseTrain",
    "Recharge",
    "Tonic",
    "burst",
    "custom",
    "high_frequency",
    "multiplexed",
    "pulse_train",
    "tonic",
]

US = 1e-6
MS = 1e-3

PositiveFinite = Annotated[float, Field(gt=0)]


class Recharge(StrEnum):
    """How a pulse's charge is returned: an actively driven phase, or capacitor discharge."""

    ACTIVE = "active"
    PASSIVE = "passive"


class Modifiers(Params):
    """Switching and scaling applied to any program kind (whole pulses or bursts at a time).

    A unit (pulse or burst) is delivered when its onset lies in ``[start_s, stop_s)``, in the ON part of
    the cycling period and in the ON part of the pulse-dosing period. Amplitude ramps linearly from 0 to
    full over ``ramp_up_s`` after the start and after every cycling ON edge (soft start).
    """

    start_s: float = Field(0.0, ge=0, description="Time of the first delivered pulse, s.")
    stop_s: float | None = Field(None, gt=0, description="No pulses from this time on, s (None: never stop).")
    cycle_on_s: float | None = Field(None, gt=0, description="Cycling: ON time, s (None: no cycling).")
    cycle_off_s: float | None = Field(None, ge=0, description="Cycling: OFF time, s.")
    ramp_up_s: float = Field(0.0, ge=0, description="Linear amplitude ramp after start and each ON edge, s.")
    dose_duty_pct: float = Field(100.0, gt=0, le=100, description="Pulse dosing: % of each dosing period ON.")
    dose_period_s: float = Field(1.0, gt=0, description="Pulse dosing period, s.")

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


class _ProgramBase(Params):
    name: str | None = Field(None, description="Display name (defaults to the file stem or kind).")
    amplitude_ma: PositiveFinite = Field(description="Cathodic phase amplitude, mA.")
    cathodes: list[Annotated[int, Field(ge=0)]] | None = Field(
        None, description="Cathode contact indices (None: the patient's active contacts)."
    )
    anodes: list[Annotated[int, Field(ge=0)]] | None = Field(
        None, description="Anode contact indices (None: the patient's active contacts)."
    )
    modifiers: Modifiers = Field(default_factory=Modifiers, description="Cycling, dosing, ramp, start/stop.")

    @model_validator(mode="after")
    def _contacts(self):
        if self.cathodes is not None and len(self.cathodes) == 0:
            raise ValueError("cathodes must list at least one contact (or be omitted)")
        if self.cathodes and self.anodes and set(self.cathodes) & set(self.anodes):
            both = sorted(set(self.cathodes) & set(self.anodes))
            raise ValueError(f"contacts {both} are both cathode and anode")
        return self


class _PulsedBase(_ProgramBase):
    frequency_hz: PositiveFinite
    pulse_width_us: PositiveFinite
    interphase_gap_us: float = Field(20.0, ge=0, description="Gap between the two phases, µs (assumption).")
    recharge: Recharge = Field(Recharge.ACTIVE, description="active: symmetric driven phase; passive.")
    recharge_width_us: float | None = Field(
        None, gt=0, description="Recharge phase width, µs (active default: = pulse width; passive: 4×)."
    )

    def _recharge_width_us(self) -> float:
        if self.recharge_width_us is not None:
            return self.recharge_width_us
        return self.pulse_width_us * (1.0 if self.recharge == Recharge.ACTIVE else 4.0)

    @model_validator(mode="after")
    def _fits_period(self):
        period_us = 1e6 / self.frequency_hz
        busy = self.pulse_width_us + self.interphase_gap_us + self._recharge_width_us()
        if busy > period_us * (1 + 1e-12):
            raise ValueError(
                f"pulse with recharge lasts {busy:g} µs (width {self.pulse_width_us:g} + gap "
                f"{self.interphase_gap_us:g} + recharge {self._recharge_width_us():g}) but the period at "
                f"{self.frequency_hz:g} Hz is only {period_us:g} µs; lower the frequency or the widths"
            )
        return self


class Tonic(_PulsedBase):
    """Conventional tonic SCS: one biphasic pulse per period (default 50 Hz, 210 µs)."""

    kind: Literal["tonic"] = "tonic"
    frequency_hz: PositiveFinite = Field(50.0, description="Pulse rate, Hz.")
    pulse_width_us: PositiveFinite = Field(210.0, description="Cathodic phase width, µs.")


class HighFrequency(_PulsedBase):
    """kHz SCS: symmetric biphasic pulses at a high rate (default 10 kHz, 30 µs, no gap)."""

    kind: Literal["high_frequency"] = "high_frequency"
    frequency_hz: PositiveFinite = Field(10_000.0, description="Pulse rate, Hz.")
    pulse_width_us: PositiveFinite = Field(30.0, description="Width of each phase, µs.")
    interphase_gap_us: float = Field(0.0, ge=0, description="Gap between the two phases, µs.")


class Burst(_ProgramBase):
    """Burst SCS (BurstDR): bursts of pulses with passive recharge after each burst.

    Default: 40 Hz bursts of 5 × 1 ms pulses at 500 Hz; the passive recharge phase fills the rest of
    the burst period (clinical.md §2).
    """

    kind: Literal["burst"] = "burst"
    burst_frequency_hz: PositiveFinite = Field(40.0, description="Burst rate, Hz.")
    intraburst_frequency_hz: PositiveFinite = Field(500.0, description="Pulse rate inside a burst, Hz.")
    pulses_per_burst: int = Field(5, ge=1, le=1000, description="Pulses per burst.")
    pulse_width_us: PositiveFinite = Field(1000.0, description="Width of each pulse, µs.")
    recharge: Recharge = Field(
        Recharge.PASSIVE, description="passive: once after the burst; active: per pulse."
    )
    recharge_width_us: float | None = Field(
        None, gt=0, description="Recharge width, µs (passive default: the rest of the burst period)."
    )
    interphase_gap_us: float = Field(0.0, ge=0, description="Gap before the recharge phase, µs.")

    @model_validator(mode="after")
    def _fits(self):
        period_us = 1e6 / self.burst_frequency_hz
        spacing_us = 1e6 / self.intraburst_frequency_hz
        if self.recharge == Recharge.ACTIVE:
            rw = self.recharge_width_us or self.pulse_width_us
            if self.pulse_width_us + self.interphase_gap_us + rw > spacing_us * (1 + 1e-12):
                raise ValueError(
                    f"pulse with active recharge ({self.pulse_width_us + self.interphase_gap_us + rw:g} µs) "
                    f"is longer than the intra-burst spacing ({spacing_us:g} µs)"
                )
            active_us = (self.pulses_per_burst - 1) * spacing_us + self.pulse_width_us
            active_us += self.interphase_gap_us + rw
        else:
            if self.pulse_width_us > spacing_us * (1 + 1e-12):
                raise ValueError(
                    f"pulse width {self.pulse_width_us:g} µs is longer than the intra-burst spacing "
                    f"{spacing_us:g} µs at {self.intraburst_frequency_hz:g} Hz"
                )
            active_us = (self.pulses_per_burst - 1) * spacing_us + self.pulse_width_us
            active_us += self.interphase_gap_us + (self.recharge_width_us or 0.0)
        if active_us > period_us * (1 + 1e-12) or (
            self.recharge == Recharge.PASSIVE and self.recharge_width_us is None and active_us >= period_us
        ):
            raise ValueError(
                f"a burst with its recharge lasts {active_us:g} µs but the burst period at "
                f"{self.burst_frequency_hz:g} Hz is only {period_us:g} µs"
            )
        return self


class CustomPulse(Params):
    """One pulse of a custom program."""

    onset_ms: float = Field(ge=0, description="Onset within the pattern, ms.")
    amplitude_ma: PositiveFinite = Field(description="Cathodic amplitude, mA.")
    pulse_width_us: PositiveFinite = Field(description="Cathodic width, µs.")
    interphase_gap_us: float = Field(0.0, ge=0, description="Gap before recharge, µs.")
    recharge: Recharge = Field(Recharge.ACTIVE, description="active or passive.")
    recharge_width_us: float | None = Field(None, gt=0, description="Recharge width, µs (default as tonic).")

    def recharge_us(self) -> float:
        if self.recharge_width_us is not None:
            return self.recharge_width_us
        return self.pulse_width_us * (1.0 if self.recharge == Recharge.ACTIVE else 4.0)

    def busy_us(self) -> float:
        return self.pulse_width_us + self.interphase_gap_us + self.recharge_us()


class Custom(_ProgramBase):
    """An explicit pulse list (inline ``pulses`` or a ``csv`` file), optionally repeated.

    CSV columns: ``onset_ms, amplitude_ma, pulse_width_us`` and optionally ``interphase_gap_us,
    recharge, recharge_width_us``. Pulse amplitudes are relative to ``amplitude_ma`` when
    ``relative_amplitude`` is true, else absolute (``amplitude_ma`` is then the largest one).
    """

    kind: Literal["custom"] = "custom"
    amplitude_ma: float = Field(1.0, gt=0, description="Scale for relative pulse amplitudes, mA.")
    relative_amplitude: bool = Field(False, description="Pulse amplitudes are multiples of amplitude_ma.")
    pulses: list[CustomPulse] | None = Field(None, description="Inline pulse list.")
    csv: str | None = Field(None, description="CSV file with the pulse list (relative to the TOML file).")
    repeat_period_ms: float | None = Field(None, gt=0, description="Repeat the pattern with this period, ms.")

    @model_validator(mode="after")
    def _check(self):
        if (self.pulses is None) == (self.csv is None):
            raise ValueError("give exactly one of 'pulses' (inline list) or 'csv' (file)")
        if self.pulses is not None:
            _check_custom_pulses(self.pulses, self.repeat_period_ms)
        return self


def _check_custom_pulses(pulses: list[CustomPulse], repeat_period_ms: float | None) -> None:
    if not pulses:
        raise ValueError("the pulse list is empty")
    order = sorted(range(len(pulses)), key=lambda i: pulses[i].onset_ms)
    for a, b in zip(order, order[1:], strict=False):
        end_ms = pulses[a].onset_ms + pulses[a].busy_us() * 1e-3
        if end_ms > pulses[b].onset_ms + 1e-12:
            raise ValueError(
                f"pulse {a} (onset {pulses[a].onset_ms:g} ms) with its recharge ends at {end_ms:g} ms, "
                f"overlapping pulse {b} at {pulses[b].onset_ms:g} ms"
            )
    if repeat_period_ms is not None:
        last = order[-1]
        end_ms = pulses[last].onset_ms + pulses[last].busy_us() * 1e-3
        if end_ms > repeat_period_ms + pulses[order[0]].onset_ms + 1e-12:
            raise ValueError(
                f"the pattern lasts until {end_ms:g} ms, longer than repeat_period_ms ({repeat_period_ms:g})"
            )


class _Component(Params):
    """A multiplexed sub-program: tonic-like pulses on their own contacts with a phase offset."""

    frequency_hz: PositiveFinite = Field(description="Pulse rate, Hz.")
    pulse_width_us: PositiveFinite = Field(description="Cathodic phase width, µs.")
    amplitude_ma: PositiveFinite = Field(description="Cathodic amplitude, mA.")
    offset_us: float = Field(0.0, ge=0, description="Delay of the first pulse, µs.")
    interphase_gap_us: float = Field(20.0, ge=0, description="Gap between phases, µs.")
    recharge: Recharge = Recharge.ACTIVE
    recharge_width_us: float | None = Field(None, gt=0)
    cathodes: list[Annotated[int, Field(ge=0)]] | None = None
    anodes: list[Annotated[int, Field(ge=0)]] | None = None

    def as_tonic(self, modifiers: Modifiers) -> Tonic:
        return Tonic(
            frequency_hz=self.frequency_hz,
            pulse_width_us=self.pulse_width_us,
            amplitude_ma=self.amplitude_ma,
            interphase_gap_us=self.interphase_gap_us,
            recharge=self.recharge,
            recharge_width_us=self.recharge_width_us,
            cathodes=self.cathodes,
            anodes=self.anodes,
            modifiers=modifiers,
        )


class Multiplexed(_ProgramBase):
    """Interleaved sub-programs (DTM-like), each on its own contacts; phases may never overlap.

    ``amplitude_ma`` scales every component's amplitude (1.0 = as written), so amplitude sweeps and
    threshold searches work on multiplexed programs too.
    """

    kind: Literal["multiplexed"] = "multiplexed"
    amplitude_ma: float = Field(1.0, gt=0, description="Scale factor applied to every component amplitude.")
    components: list[_Component] = Field(min_length=1, description="The interleaved sub-programs.")

    @model_validator(mode="after")
    def _no_overlap(self):
        for c in self.components:
            try:
                c.as_tonic(self.modifiers)
            except ValueError as exc:  # pydantic ValidationError is a ValueError
                raise ValueError(f"component {self.components.index(c)}: {_first_msg(exc)}") from None
        train = pulse_train(self)
        horizon = min(1.0, max(100.0 / min(c.frequency_hz for c in self.components), 0.05))
        for _ in train.chunks(self.modifiers.start_s, self.modifiers.start_s + horizon):
            pass  # chunks() raises on overlapping phases
        return self


def _first_msg(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        errs = errors()
        if errs:
            return str(errs[0].get("msg", exc)).removeprefix("Value error, ")
    return str(exc)


Program = Annotated[Tonic | Burst | HighFrequency | Multiplexed | Custom, Field(discriminator="kind")]

#: Registry of program kinds: TOML ``kind`` string -> model class.
PROGRAM_KINDS: dict[str, type[_ProgramBase]] = {
    "tonic": Tonic,
    "burst": Burst,
    "high_frequency": HighFrequency,
    "multiplexed": Multiplexed,
    "custom": Custom,
}


# ---------------------------------------------------------------------------------------------------
# Pulse trains
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Channel:
    """Contacts a stream drives (None: the patient's active contacts)."""

    cathodes: tuple[int, ...] | None
    anodes: tuple[int, ...] | None


@dataclass(frozen=True)
class _Stream:
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

    def __init__(self, program, streams: list[_Stream], channels: list[Channel]):
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

    def _units(self, s: _Stream, t0: float, t1: float) -> np.ndarray:
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


def _biphasic(amp: float, pw_s: float, gap_s: float, recharge: Recharge, rw_s: float):
    """Template phases of one pulse: cathodic, gap, then the recharge of equal charge."""
    starts = np.array([0.0, pw_s + gap_s])
    widths = np.array([pw_s, rw_s])
    currents = np.array([-amp, amp * pw_s / rw_s])
    passive = np.array([False, recharge == Recharge.PASSIVE])
    return starts, widths, currents, passive


def _stream_from_pulses(pulses, *, period_s, first_s, n_units, channel) -> _Stream:
    starts, widths, currents, pidx, onsets, passive = [], [], [], [], [], []
    for i, (onset, amp, pw, gap, rech, rw) in enumerate(pulses):
        s, w, c, pas = _biphasic(amp, pw, gap, rech, rw)
        passive.append(pas)
        starts.append(s + onset)
        widths.append(w)
        currents.append(c)
        pidx.append(np.full(2, i))
        onsets.append(onset)
    return _Stream(
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


def _channel(p) -> Channel:
    return Channel(
        tuple(p.cathodes) if p.cathodes is not None else None,
        tuple(p.anodes) if p.anodes is not None else None,
    )


def _pulsed_stream(p, channel: int, first_s: float) -> _Stream:
    rw = p._recharge_width_us() if hasattr(p, "_recharge_width_us") else p.recharge_width_us
    pulse = (0.0, p.amplitude_ma, p.pulse_width_us * US, p.interphase_gap_us * US, p.recharge, rw * US)
    return _stream_from_pulses(
        [pulse], period_s=1.0 / p.frequency_hz, first_s=first_s, n_units=None, channel=channel
    )


def _burst_stream(p: Burst) -> _Stream:
    period = 1.0 / p.burst_frequency_hz
    spacing = 1.0 / p.intraburst_frequency_hz
    pw, gap = p.pulse_width_us * US, p.interphase_gap_us * US
    if p.recharge == Recharge.ACTIVE:
        rw = (p.recharge_width_us or p.pulse_width_us) * US
        pulses = [
            (i * spacing, p.amplitude_ma, pw, gap, Recharge.ACTIVE, rw) for i in range(p.pulses_per_burst)
        ]
        return _stream_from_pulses(
            pulses, period_s=period, first_s=p.modifiers.start_s, n_units=None, channel=0
        )
    n = p.pulses_per_burst
    onsets = np.arange(n) * spacing
    end_active = onsets[-1] + pw + gap
    rw = p.recharge_width_us * US if p.recharge_width_us is not None else period - end_active
    charge = n * p.amplitude_ma * pw
    return _Stream(
        first_s=p.modifiers.start_s,
        period_s=period,
        n_units=None,
        start_s=np.append(onsets, end_active),
        width_s=np.append(np.full(n, pw), rw),
        current_ma=np.append(np.full(n, -p.amplitude_ma), charge / rw),
        pulse=np.append(np.arange(n), n - 1).astype(np.int64),
        n_pulses=n,
        pulse_onset_s=onsets,
        channel=0,
        passive=np.append(np.zeros(n, bool), True),
    )


def load_custom_csv(path: str | Path) -> list[CustomPulse]:
    """Read a custom pulse list from CSV; every bad row is a :class:`ConfigError` naming file and row."""
    import csv

    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"cannot read custom pulse CSV: {exc.strerror}", file=str(path)) from None
    rows = list(csv.DictReader(text.splitlines()))
    if not rows:
        raise ConfigError("the CSV has no pulse rows (need a header and at least one row)", file=str(path))
    allowed = set(CustomPulse.model_fields)
    pulses = []
    for i, row in enumerate(rows, start=2):  # line 1 is the header
        unknown = [k for k in row if k not in allowed]
        if unknown:
            from scs_sim.errors import suggest

            k = unknown[0]
            raise ConfigError(
                f"unknown column '{k}'{suggest(str(k), allowed)}; allowed: {', '.join(sorted(allowed))}",
                file=str(path),
            )
        clean = {k: v.strip() for k, v in row.items() if v is not None and v.strip() != ""}
        try:
            pulses.append(CustomPulse(**clean))
        except ValueError as exc:
            err = exc.errors()[0] if hasattr(exc, "errors") else {"loc": (), "msg": str(exc)}
            col = ".".join(str(x) for x in err.get("loc", ()))
            val = clean.get(col, None)
            raise ConfigError(
                f"line {i}, column '{col}': {err['msg']} (got {val!r})", file=str(path)
            ) from None
    return pulses


def _custom_stream(p: Custom, base_dir: Path | None) -> _Stream:
    pulses = p.pulses
    if pulses is None:
        csv_path = Path(p.csv)
        if not csv_path.is_absolute() and base_dir is not None:
            csv_path = base_dir / csv_path
        pulses = load_custom_csv(csv_path)
        try:
            _check_custom_pulses(pulses, p.repeat_period_ms)
        except ValueError as exc:
            raise ConfigError(str(exc), file=str(csv_path)) from None
    scale = p.amplitude_ma if p.relative_amplitude else 1.0
    rows = [
        (
            q.onset_ms * MS,
            q.amplitude_ma * scale,
            q.pulse_width_us * US,
            q.interphase_gap_us * US,
            q.recharge,
            q.recharge_us() * US,
        )
        for q in sorted(pulses, key=lambda q: q.onset_ms)
    ]
    if p.repeat_period_ms is not None:
        return _stream_from_pulses(
            rows, period_s=p.repeat_period_ms * MS, first_s=p.modifiers.start_s, n_units=None, channel=0
        )
    # One-shot pattern: a single unit with an arbitrarily long "period".
    last = rows[-1]
    span = last[0] + last[2] + last[3] + last[5]
    return _stream_from_pulses(
        rows, period_s=max(span, 1e-3) * 2, first_s=p.modifiers.start_s, n_units=1, channel=0
    )


def pulse_train(program, *, base_dir: str | Path | None = None) -> PulseTrain:
    """Turn any program model into its :class:`PulseTrain`.

    Parameters
    ----------
    program : Tonic | Burst | HighFrequency | Multiplexed | Custom
    base_dir : path, optional
        Directory that relative file references (custom CSV) are resolved against.
    """
    bd = Path(base_dir) if base_dir is not None else None
    m = program.modifiers
    if isinstance(program, Tonic | HighFrequency):
        return PulseTrain(program, [_pulsed_stream(program, 0, m.start_s)], [_channel(program)])
    if isinstance(program, Burst):
        return PulseTrain(program, [_burst_stream(program)], [_channel(program)])
    if isinstance(program, Custom):
        return PulseTrain(program, [_custom_stream(program, bd)], [_channel(program)])
    if isinstance(program, Multiplexed):
        streams, channels = [], []
        for i, c in enumerate(program.components):
            t = c.as_tonic(m).model_copy(update={"amplitude_ma": c.amplitude_ma * program.amplitude_ma})
            streams.append(_pulsed_stream(t, i, m.start_s + c.offset_us * US))
            channels.append(_channel(c))
        return PulseTrain(program, streams, channels)
    raise ConfigError(f"not a program: {type(program).__name__}")


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
