"""Physically plausible limits of program parameters, each with its reason (``docs/MODEL.md``, Input limits).

A value outside these ranges is not a program any stimulator delivers and would only make a run
hang or exhaust memory (a 10 MHz train, a 1 ns cycling period), so it is refused when the program is
built. The limits are :class:`~scs_sim._params.Limit` objects, applied to the fields of the program
models in :mod:`scs_sim.stim.kinds` and :mod:`scs_sim.stim.train` through
:func:`~scs_sim._params.limited` (which registers them in :data:`scs_sim._params.LIMITS`).
"""

from __future__ import annotations

from scs_sim._params import Limit

__all__ = [
    "AMPLITUDE_MA",
    "FREQUENCY_HZ",
    "GAP_US",
    "MAX_COMPONENTS",
    "MAX_PATTERN_PULSES",
    "MAX_PULSE_RATE_HZ",
    "ONSET_MS",
    "PULSE_WIDTH_US",
    "RECHARGE_WIDTH_US",
    "REPEAT_PERIOD_MS",
    "SCALE",
    "TIME_S",
]

#: Cathodic amplitude of one channel.
AMPLITUDE_MA = Limit(
    0.0, 100.0, "mA", "current SCS pulse generators deliver at most 25.5 mA; up to 100 mA is accepted for "
    "model exploration (the model's fibres need ~30 mA at 30 µs)", lo_open=True,
)
#: Multiplier of pulse amplitudes (multiplexed components, relative custom pulses).
SCALE = Limit(0.0, 100.0, "", "an amplitude scale factor; the scaled amplitude must also stay <= 100 mA",
              lo_open=True)
#: Cathodic phase width.
PULSE_WIDTH_US = Limit(10.0, 1000.0, "µs", "the widths SCS pulse generators program (tens of µs to 1 ms)")
#: Highest pulse rate of a program (sum over multiplexed components and custom patterns too).
MAX_PULSE_RATE_HZ = 10_000.0
#: Pulse and burst rates.
FREQUENCY_HZ = Limit(
    0.1, MAX_PULSE_RATE_HZ, "Hz", "10 kHz (a 100 µs period) is the highest rate of any SCS therapy (Kapural et al. 2015 "
    "Anesthesiology 123:851); run time grows with the pulse rate",
)
#: Gap between the cathodic and the recharge phase.
GAP_US = Limit(0.0, 1000.0, "µs", "devices insert gaps of 0 to a few hundred µs")
#: An explicit recharge phase width.
RECHARGE_WIDTH_US = Limit(0.0, 1e6, "µs", "a recharge phase lasts µs to ms, never more than 1 s",
                          lo_open=True)
#: Start, stop, cycling, ramp and dosing times.
TIME_S = Limit(0.0, 86_400.0, "s", "one day, the longest simulation (simulation.duration_s)")
#: Pulse onsets inside a custom pattern.
ONSET_MS = Limit(0.0, 86_400_000.0, "ms", "one day, the longest simulation")
#: Repeat period of a custom pattern.
REPEAT_PERIOD_MS = Limit(0.1, 86_400_000.0, "ms", "at least one 10 kHz period, at most one day")
#: Pulses in one custom pattern (inline or CSV rows).
MAX_PATTERN_PULSES = 10_000
#: Components of a multiplexed program (one per contact of a 32-contact lead at most).
MAX_COMPONENTS = 32
