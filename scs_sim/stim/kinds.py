"""Program kinds: one pydantic model per ``kind`` and the builder of its pulse-train streams.

A program is data: a ``kind`` plus unit-suffixed parameters (``frequency_hz``, ``pulse_width_us``,
``amplitude_ma``) and optional modifiers (:class:`~scs_sim.stim.train.Modifiers`). :data:`KINDS` is the
one table of kinds: ``kind`` string -> (model class, stream builder). Adding a program kind is one entry
here, its model and builder, and its test; the TOML discriminated union :data:`Program`, the config
layer's error messages and :func:`scs_sim.stim.programs.pulse_train` all read this table.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import Field, model_serializer, model_validator

from scs_sim._params import Params, limited
from scs_sim.errors import ConfigError, suggest
from scs_sim.stim.closed_loop import ClosedLoop
from scs_sim.stim.limits import (
    AMPLITUDE_MA,
    FREQUENCY_HZ,
    GAP_US,
    MAX_COMPONENTS,
    MAX_PATTERN_PULSES,
    MAX_PULSE_RATE_HZ,
    ONSET_MS,
    PULSE_WIDTH_US,
    RECHARGE_WIDTH_US,
    REPEAT_PERIOD_MS,
    SCALE,
)
from scs_sim.stim.train import Channel, Modifiers, PulseTrain, Recharge, Stream, stream_from_pulses

__all__ = [
    "KINDS",
    "PROGRAM_KINDS",
    "Burst",
    "Custom",
    "CustomPulse",
    "HighFrequency",
    "Multiplexed",
    "Program",
    "ProgramKind",
    "Tonic",
    "check_custom_pulses",
    "check_pattern_limits",
    "load_custom_csv",
]

US = 1e-6
MS = 1e-3

AmplitudeMA = Annotated[float, Field(gt=0), limited("program.amplitude_ma", AMPLITUDE_MA)]
FrequencyHz = Annotated[float, Field(gt=0), limited("program.frequency_hz", FREQUENCY_HZ)]
PulseWidthUs = Annotated[float, Field(gt=0), limited("program.pulse_width_us", PULSE_WIDTH_US)]
GapUs = Annotated[float, limited("program.interphase_gap_us", GAP_US)]
RechargeUs = Annotated[float, limited("program.recharge_width_us", RECHARGE_WIDTH_US)]
Scale = Annotated[float, limited("program.amplitude_ma (scale)", SCALE)]
OnsetMs = Annotated[float, limited("program.pulses.onset_ms", ONSET_MS)]
RepeatMs = Annotated[float, limited("program.repeat_period_ms", REPEAT_PERIOD_MS)]


class _ProgramBase(Params):
    name: str | None = Field(None, description="Display name (defaults to the file stem or kind).")
    amplitude_ma: AmplitudeMA = Field(description="Cathodic phase amplitude, mA.")
    cathodes: list[Annotated[int, Field(ge=0)]] | None = Field(
        None, description="Cathode contact indices (None: the patient's active contacts)."
    )
    anodes: list[Annotated[int, Field(ge=0)]] | None = Field(
        None, description="Anode contact indices (None: the patient's active contacts)."
    )
    modifiers: Modifiers = Field(default_factory=Modifiers, description="Cycling, dosing, ramp, start/stop.")
    closed_loop: ClosedLoop | None = Field(None, description="ECAP feedback on the amplitude (None: open loop).")

    @model_serializer(mode="wrap")
    def _drop_open_loop(self, handler):  # no closed_loop key when unset: dumps and hashes as before
        d = handler(self)
        return {k: v for k, v in d.items() if not (k == "closed_loop" and v is None)}

    @model_validator(mode="after")
    def _contacts(self):
        if self.cathodes is not None and len(self.cathodes) == 0:
            raise ValueError("cathodes must list at least one contact (or be omitted)")
        if self.cathodes and self.anodes and set(self.cathodes) & set(self.anodes):
            both = sorted(set(self.cathodes) & set(self.anodes))
            raise ValueError(f"contacts {both} are both cathode and anode")
        return self

    def _unit_period_s(self) -> float | None:
        """Period of the program's repeating unit (pulse, burst or pattern), s; None: not periodic."""
        return None

    @model_validator(mode="after")
    def _switching_fits(self):
        """Cycling and pulse dosing may not switch faster than the program's own unit period."""
        period = self._unit_period_s()
        m = self.modifiers
        if period is None:
            return self
        if m.cycle_on_s is not None and m.cycle_on_s < period * (1 - 1e-12):
            raise ValueError(
                f"modifiers.cycle_on_s = {m.cycle_on_s:g} s is shorter than one period of the program "
                f"({period:g} s): cycling must keep at least one pulse per ON phase"
            )
        if m.dose_duty_pct < 100 and m.dose_period_s < period * (1 - 1e-12):
            raise ValueError(
                f"modifiers.dose_period_s = {m.dose_period_s:g} s is shorter than one period of the program "
                f"({period:g} s): pulse dosing switches whole pulses"
            )
        return self


class _PulsedBase(_ProgramBase):
    frequency_hz: FrequencyHz
    pulse_width_us: PulseWidthUs
    interphase_gap_us: GapUs = Field(20.0, ge=0, description="Gap between the two phases, µs (assumption).")
    recharge: Recharge = Field(Recharge.ACTIVE, description="active: symmetric driven phase; passive.")
    recharge_width_us: RechargeUs | None = Field(
        None, gt=0, description="Recharge phase width, µs (active default: = pulse width; passive: 4×)."
    )

    def _unit_period_s(self) -> float:
        return 1.0 / self.frequency_hz

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
    frequency_hz: FrequencyHz = Field(50.0, description="Pulse rate, Hz.")
    pulse_width_us: PulseWidthUs = Field(210.0, description="Cathodic phase width, µs.")


class HighFrequency(_PulsedBase):
    """kHz SCS: symmetric biphasic pulses at a high rate (default 10 kHz, 30 µs, no gap)."""

    kind: Literal["high_frequency"] = "high_frequency"
    frequency_hz: FrequencyHz = Field(10_000.0, description="Pulse rate, Hz.")
    pulse_width_us: PulseWidthUs = Field(30.0, description="Width of each phase, µs.")
    interphase_gap_us: GapUs = Field(0.0, ge=0, description="Gap between the two phases, µs.")


class Burst(_ProgramBase):
    """Burst SCS (BurstDR): bursts of pulses with passive recharge after each burst.

    Default: 40 Hz bursts of 5 × 1 ms pulses at 500 Hz; the passive recharge phase fills the rest of
    the burst period (De Ridder et al. 2010 Neurosurgery 66:986; passive recharge between bursts:
    Caylor et al. 2019 Bioelectron Med 5:12, fig 10).
    """

    kind: Literal["burst"] = "burst"
    burst_frequency_hz: FrequencyHz = Field(40.0, description="Burst rate, Hz.")
    intraburst_frequency_hz: FrequencyHz = Field(500.0, description="Pulse rate inside a burst, Hz.")
    pulses_per_burst: int = Field(5, ge=1, le=1000, description="Pulses per burst.")
    pulse_width_us: PulseWidthUs = Field(1000.0, description="Width of each pulse, µs.")
    recharge: Recharge = Field(
        Recharge.PASSIVE, description="passive: once after the burst; active: per pulse."
    )
    recharge_width_us: RechargeUs | None = Field(
        None, gt=0, description="Recharge width, µs (passive default: the rest of the burst period)."
    )
    interphase_gap_us: GapUs = Field(0.0, ge=0, description="Gap before the recharge phase, µs.")

    def _unit_period_s(self) -> float:
        return 1.0 / self.burst_frequency_hz

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

    onset_ms: OnsetMs = Field(ge=0, description="Onset within the pattern, ms.")
    amplitude_ma: AmplitudeMA = Field(description="Cathodic amplitude, mA.")
    pulse_width_us: PulseWidthUs = Field(description="Cathodic width, µs.")
    interphase_gap_us: GapUs = Field(0.0, ge=0, description="Gap before recharge, µs.")
    recharge: Recharge = Field(Recharge.ACTIVE, description="active or passive.")
    recharge_width_us: RechargeUs | None = Field(None, gt=0, description="Recharge width, µs (default as tonic).")

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
    amplitude_ma: Scale = Field(1.0, gt=0, description="Scale for relative pulse amplitudes, mA.")
    relative_amplitude: bool = Field(False, description="Pulse amplitudes are multiples of amplitude_ma.")
    pulses: list[CustomPulse] | None = Field(
        None, max_length=MAX_PATTERN_PULSES, description="Inline pulse list."
    )
    csv: str | None = Field(None, description="CSV file with the pulse list (relative to the TOML file).")
    repeat_period_ms: RepeatMs | None = Field(None, gt=0, description="Repeat the pattern with this period, ms.")

    @model_validator(mode="after")
    def _check(self):
        if (self.pulses is None) == (self.csv is None):
            raise ValueError("give exactly one of 'pulses' (inline list) or 'csv' (file)")
        if self.pulses is not None:
            check_custom_pulses(self.pulses, self.repeat_period_ms)
            check_pattern_limits(self.pulses, self.repeat_period_ms, self._scale())
        return self

    def _scale(self) -> float:
        return self.amplitude_ma if self.relative_amplitude else 1.0

    def _unit_period_s(self) -> float | None:
        return None if self.repeat_period_ms is None else self.repeat_period_ms * MS


def check_pattern_limits(pulses: list[CustomPulse], repeat_period_ms: float | None, scale: float) -> None:
    """Raise ``ValueError`` if a custom pattern is beyond the limits of :mod:`scs_sim.stim.limits`."""
    if len(pulses) > MAX_PATTERN_PULSES:
        raise ValueError(f"the pattern has {len(pulses)} pulses; at most {MAX_PATTERN_PULSES} are allowed")
    top = max(q.amplitude_ma for q in pulses) * scale
    if problem := AMPLITUDE_MA.problem(top):
        raise ValueError(f"the largest pulse amplitude after scaling: {problem}")
    if repeat_period_ms is not None:
        rate = len(pulses) / (repeat_period_ms * MS)
        if rate > MAX_PULSE_RATE_HZ * (1 + 1e-12):
            raise ValueError(
                f"{len(pulses)} pulses every {repeat_period_ms:g} ms is {rate:g} pulses/s, above "
                f"{MAX_PULSE_RATE_HZ:g} Hz ({FREQUENCY_HZ.why})"
            )


def check_custom_pulses(pulses: list[CustomPulse], repeat_period_ms: float | None) -> None:
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

    frequency_hz: FrequencyHz = Field(description="Pulse rate, Hz.")
    pulse_width_us: PulseWidthUs = Field(description="Cathodic phase width, µs.")
    amplitude_ma: AmplitudeMA = Field(description="Cathodic amplitude, mA.")
    offset_us: float = Field(0.0, ge=0, description="Delay of the first pulse, µs.")
    interphase_gap_us: GapUs = Field(20.0, ge=0, description="Gap between phases, µs.")
    recharge: Recharge = Recharge.ACTIVE
    recharge_width_us: RechargeUs | None = Field(None, gt=0)
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
    amplitude_ma: Scale = Field(1.0, gt=0, description="Scale factor applied to every component amplitude.")
    components: list[_Component] = Field(min_length=1, max_length=MAX_COMPONENTS, description="The interleaved sub-programs.")

    @model_validator(mode="after")
    def _no_overlap(self):
        for i, c in enumerate(self.components):
            top = c.amplitude_ma * self.amplitude_ma
            if problem := AMPLITUDE_MA.problem(top):
                raise ValueError(f"component {i}, amplitude after scaling: {problem}")
        rate = sum(c.frequency_hz for c in self.components)
        if rate > MAX_PULSE_RATE_HZ * (1 + 1e-12):
            raise ValueError(
                f"the components deliver {rate:g} pulses/s together, above {MAX_PULSE_RATE_HZ:g} Hz "
                f"({FREQUENCY_HZ.why})"
            )
        for c in self.components:
            try:
                c.as_tonic(self.modifiers)
            except ValueError as exc:  # pydantic ValidationError is a ValueError
                raise ValueError(f"component {self.components.index(c)}: {_first_msg(exc)}") from None
        train = PulseTrain(self, *_multiplexed_streams(self, None))
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


# ---------------------------------------------------------------------------------------------------
# Stream builders: program -> (streams, channels)
# ---------------------------------------------------------------------------------------------------


def _channel(p) -> Channel:
    return Channel(
        tuple(p.cathodes) if p.cathodes is not None else None,
        tuple(p.anodes) if p.anodes is not None else None,
    )


def _pulsed_stream(p, channel: int, first_s: float) -> Stream:
    rw = p._recharge_width_us() if hasattr(p, "_recharge_width_us") else p.recharge_width_us
    pulse = (0.0, p.amplitude_ma, p.pulse_width_us * US, p.interphase_gap_us * US, p.recharge, rw * US)
    return stream_from_pulses(
        [pulse], period_s=1.0 / p.frequency_hz, first_s=first_s, n_units=None, channel=channel
    )


def _burst_stream(p: Burst) -> Stream:
    period = 1.0 / p.burst_frequency_hz
    spacing = 1.0 / p.intraburst_frequency_hz
    pw, gap = p.pulse_width_us * US, p.interphase_gap_us * US
    if p.recharge == Recharge.ACTIVE:
        rw = (p.recharge_width_us or p.pulse_width_us) * US
        pulses = [
            (i * spacing, p.amplitude_ma, pw, gap, Recharge.ACTIVE, rw) for i in range(p.pulses_per_burst)
        ]
        return stream_from_pulses(
            pulses, period_s=period, first_s=p.modifiers.start_s, n_units=None, channel=0
        )
    n = p.pulses_per_burst
    onsets = np.arange(n) * spacing
    end_active = onsets[-1] + pw + gap
    rw = p.recharge_width_us * US if p.recharge_width_us is not None else period - end_active
    charge = n * p.amplitude_ma * pw
    return Stream(
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


_CSV_TEXT_COLUMNS = ("recharge",)


def _read_csv_text(path: Path) -> str:
    """The text of a CSV file; unreadable, binary or non-UTF-8 content is a :class:`ConfigError`."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read custom pulse CSV: {exc.strerror or exc}", file=str(path)) from None
    except ValueError as exc:  # e.g. a NUL byte in the file name
        raise ConfigError(f"cannot read custom pulse CSV: {exc}", file=str(path)) from None
    if b"\0" in data:
        raise ConfigError("not a text CSV file (it contains NUL bytes)", file=str(path))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError("not a UTF-8 text CSV file", file=str(path)) from None


def load_custom_csv(path: str | Path) -> list[CustomPulse]:
    """Read a custom pulse list from CSV; every bad row is a :class:`ConfigError` naming file and row."""
    import csv

    path = Path(path)
    text = _read_csv_text(path)
    try:
        rows = list(csv.DictReader(text.splitlines()))
    except csv.Error as exc:
        raise ConfigError(f"malformed CSV: {exc}", file=str(path)) from None
    if not rows:
        raise ConfigError("the CSV has no pulse rows (need a header and at least one row)", file=str(path))
    if len(rows) > MAX_PATTERN_PULSES:
        raise ConfigError(f"the CSV has {len(rows)} pulse rows; at most {MAX_PATTERN_PULSES} are allowed",
                          file=str(path))
    allowed = set(CustomPulse.model_fields)
    pulses = []
    for i, row in enumerate(rows, start=2):  # line 1 is the header
        unknown = [k for k in row if k not in allowed]
        if unknown:
            k = unknown[0]
            raise ConfigError(
                f"unknown column '{k}'{suggest(str(k), allowed)}; allowed: {', '.join(sorted(allowed))}",
                file=str(path),
            )
        clean = {k: v.strip() for k, v in row.items() if isinstance(v, str) and v.strip() != ""}
        values: dict = {}
        for col, v in clean.items():
            if col in _CSV_TEXT_COLUMNS:
                values[col] = v
                continue
            try:
                values[col] = float(v)
            except ValueError:
                raise ConfigError(f"line {i}, column '{col}': must be a number (got {v!r})",
                                  file=str(path)) from None
        try:
            pulses.append(CustomPulse(**values))
        except ValueError as exc:
            err = exc.errors()[0] if hasattr(exc, "errors") else {"loc": (), "msg": str(exc)}
            col = ".".join(str(x) for x in err.get("loc", ()))
            val = clean.get(col, None)
            msg = str(err["msg"]).removeprefix("Value error, ")
            raise ConfigError(
                f"line {i}, column '{col}': {msg} (got {val!r})", file=str(path)
            ) from None
    return pulses


def _custom_stream(p: Custom, base_dir: Path | None) -> Stream:
    pulses = p.pulses
    if pulses is None:
        csv_path = Path(p.csv)
        if any(len(part.encode("utf-8", "replace")) > 255 for part in csv_path.parts):
            raise ConfigError(f"file name too long (the file system allows 255 bytes): {p.csv[:60]}...",
                              key="program.csv")
        if not csv_path.is_absolute() and base_dir is not None:
            csv_path = base_dir / csv_path
        pulses = load_custom_csv(csv_path)
        try:
            check_custom_pulses(pulses, p.repeat_period_ms)
            check_pattern_limits(pulses, p.repeat_period_ms, p._scale())
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
        return stream_from_pulses(
            rows, period_s=p.repeat_period_ms * MS, first_s=p.modifiers.start_s, n_units=None, channel=0
        )
    # One-shot pattern: a single unit with an arbitrarily long "period".
    last = rows[-1]
    span = last[0] + last[2] + last[3] + last[5]
    return stream_from_pulses(
        rows, period_s=max(span, 1e-3) * 2, first_s=p.modifiers.start_s, n_units=1, channel=0
    )



Streams = tuple[list[Stream], list[Channel]]


def _pulsed_streams(p: Tonic | HighFrequency, base_dir: Path | None) -> Streams:
    return [_pulsed_stream(p, 0, p.modifiers.start_s)], [_channel(p)]


def _burst_streams(p: Burst, base_dir: Path | None) -> Streams:
    return [_burst_stream(p)], [_channel(p)]


def _custom_streams(p: Custom, base_dir: Path | None) -> Streams:
    return [_custom_stream(p, base_dir)], [_channel(p)]


def _multiplexed_streams(p: Multiplexed, base_dir: Path | None) -> Streams:
    m = p.modifiers
    streams, channels = [], []
    for i, c in enumerate(p.components):
        t = c.as_tonic(m).model_copy(update={"amplitude_ma": c.amplitude_ma * p.amplitude_ma})
        streams.append(_pulsed_stream(t, i, m.start_s + c.offset_us * US))
        channels.append(_channel(c))
    return streams, channels


# ---------------------------------------------------------------------------------------------------
# The table of kinds
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgramKind:
    """One program kind: its model class and the builder of its streams and channels.

    ``streams(program, base_dir)`` returns the periodic phase templates and the contacts each drives;
    ``base_dir`` is the folder relative file references (custom CSV) resolve against.
    """

    model: type[_ProgramBase]
    streams: Callable[[_ProgramBase, Path | None], Streams]


#: The program kinds: TOML ``kind`` string -> model class and stream builder.
KINDS: dict[str, ProgramKind] = {
    "tonic": ProgramKind(Tonic, _pulsed_streams),
    "burst": ProgramKind(Burst, _burst_streams),
    "high_frequency": ProgramKind(HighFrequency, _pulsed_streams),
    "multiplexed": ProgramKind(Multiplexed, _multiplexed_streams),
    "custom": ProgramKind(Custom, _custom_streams),
}

#: TOML ``kind`` string -> model class (derived from :data:`KINDS`).
PROGRAM_KINDS: dict[str, type[_ProgramBase]] = {name: k.model for name, k in KINDS.items()}

#: Any program model, discriminated by ``kind`` (the union of the :data:`KINDS` models).
Program = Annotated[functools.reduce(operator.or_, PROGRAM_KINDS.values()), Field(discriminator="kind")]
