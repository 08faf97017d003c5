"""The population percept: synchronous DC drive pooled over time, perceived intensity (no numba).

This module owns :class:`SummationWindows` (pools the per-pulse DC volley sizes that a recruitment
kernel counts into summation windows, chunk by chunk, in bounded memory), :func:`on_time_s` (the
stimulation-on time of a pulse train within ``[0, duration_s)``) and :func:`perceived_intensity`.
:meth:`scs_sim.fibers.recruitment.Recruitment.summary` turns their figures into ``sync_drive_hz``,
``perceived_intensity``, ``paresthesia`` and the intensity part of ``discomfort``. Any fibre model
(the fast kernel, the biophysical fibre) can feed a :class:`SummationWindows` with
``add(pulse_onset_s, dc_volley_size)`` and pass :meth:`SummationWindows.result` to ``Recruitment``.

Model (docs/MODEL.md §2.3): DC spikes (distinct fibres per pulse, attributed to the pulse's onset)
are pooled in windows ``[k W, (k + 1) W)`` of ``W = summation_window_ms``; a window holding at least
``sync_min_spikes`` spikes is synchronous. The synchronous drive ``S`` is the number of spikes in
synchronous windows per second of stimulation-on time, and::

    I = log2(1 + S / S0),        S0 = drive_reference_hz,        paresthesia  <=>  I >= 1  (S >= S0)

Logarithmic in the drive, so at a constant amplitude the intensity grows about with log(frequency)
(Gmel et al. 2021 Front Neurosci 15:625835); asynchronous kHz-driven firing rarely fills a window
(Sagalajev et al. 2024 Neuron 112:404).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["SummationWindows", "WindowStats", "on_time_s", "perceived_intensity", "sync_counts"]

#: Time points used to measure the stimulation-on time of cycling / dosing programs (bounded cost).
ON_TIME_SAMPLES = 200_000


@dataclass(frozen=True)
class WindowStats:
    """What :class:`SummationWindows` found.

    ``count_hist[n]`` = number of summation windows holding ``n`` DC spikes (n >= 1; ``count_hist[0]`` is
    0: empty windows are not counted); ``sync_spikes`` / ``sync_windows`` apply the fixed
    ``min_spikes`` alone (the population-relative part of the criterion needs the whole run, so
    :meth:`Recruitment.summary` applies it to ``count_hist``).
    """

    count_hist: np.ndarray
    sync_spikes: int
    sync_windows: int


class SummationWindows:
    """Pool per-pulse DC volley sizes into summation windows; call :meth:`add` in time order of chunks.

    Chunks must cover consecutive, non-overlapping time ranges (as ``PulseTrain.chunks`` yields them);
    within a chunk the pulses may come in any order. Only the last (possibly unfinished) window is
    carried between chunks, so memory does not grow with the duration.
    """

    def __init__(self, window_s: float, min_spikes: int):
        if not (math.isfinite(window_s) and window_s > 0):
            raise ValueError(f"window_s must be finite and > 0 (got {window_s!r})")
        self.window_s = float(window_s)
        self.min_spikes = int(min_spikes)
        self._hist = np.zeros(1, dtype=np.int64)
        self._carry_idx: int | None = None
        self._carry_n = 0

    def _close(self, sums: np.ndarray) -> None:
        if sums.size:
            h = np.bincount(sums)
            if h.size > self._hist.size:
                h[: self._hist.size] += self._hist
                self._hist = h
            else:
                self._hist[: h.size] += h

    def add(self, onset_s: np.ndarray, counts: np.ndarray) -> None:
        """Add one chunk: pulse onsets (s) and the DC volley size of each pulse."""
        counts = np.asarray(counts, dtype=np.int64)
        keep = counts > 0
        if not keep.any():
            return
        idx = np.floor(np.asarray(onset_s, dtype=float)[keep] / self.window_s).astype(np.int64)
        win, inv = np.unique(idx, return_inverse=True)
        sums = np.bincount(inv, weights=counts[keep]).astype(np.int64)
        if self._carry_idx is not None:
            if win[0] == self._carry_idx:
                sums[0] += self._carry_n
            else:
                self._close(np.array([self._carry_n], dtype=np.int64))
        self._close(sums[:-1])
        self._carry_idx, self._carry_n = int(win[-1]), int(sums[-1])

    def result(self) -> WindowStats:
        """The totals, the last window included (the accumulator can still take chunks afterwards)."""
        hist = self._hist.copy()
        if self._carry_idx is not None:
            if self._carry_n >= hist.size:
                hist = np.concatenate([hist, np.zeros(self._carry_n + 1 - hist.size, dtype=np.int64)])
            hist[self._carry_n] += 1
        hist[0] = 0
        spikes, windows = sync_counts(hist, self.min_spikes)
        return WindowStats(hist, spikes, windows)


def sync_counts(count_hist: np.ndarray, min_spikes: float) -> tuple[int, int]:
    """Spikes in, and number of, windows of ``count_hist`` holding at least ``min_spikes`` spikes."""
    n = np.arange(count_hist.size)
    sel = n >= min_spikes
    return int((count_hist[sel] * n[sel]).sum()), int(count_hist[sel].sum())


def on_time_s(modifiers, duration_s: float) -> float:
    """Stimulation-on time within ``[0, duration_s)``, s: start/stop, cycling and pulse dosing.

    ``modifiers`` is a program's :class:`scs_sim.stim.train.Modifiers` (None: always on). Without
    cycling or dosing the result is exact; otherwise the ON set is sampled at
    :data:`ON_TIME_SAMPLES` points (error <= duration / ON_TIME_SAMPLES per switching edge).
    """
    dur = float(duration_s)
    if modifiers is None or dur <= 0:
        return max(dur, 0.0)
    start = float(modifiers.start_s)
    stop = dur if modifiers.stop_s is None else min(float(modifiers.stop_s), dur)
    cyc = modifiers.cycle_on_s is not None
    dosed = modifiers.dose_duty_pct < 100.0
    if not (cyc or dosed):
        return max(stop - start, 0.0)
    t = (np.arange(ON_TIME_SAMPLES) + 0.5) * (dur / ON_TIME_SAMPLES)
    on = (t >= start) & (t < stop)
    rel = t - start
    if cyc:
        on &= np.mod(rel, modifiers.cycle_on_s + modifiers.cycle_off_s) < modifiers.cycle_on_s
    if dosed:
        on &= np.mod(rel, modifiers.dose_period_s) < modifiers.dose_period_s * modifiers.dose_duty_pct / 100.0
    return float(on.mean() * dur)


def perceived_intensity(drive_hz: float, reference_hz: float) -> float:
    """``log2(1 + drive / reference)``: 0 without synchronous drive, 1 at the paresthesia threshold."""
    return float(math.log2(1.0 + max(float(drive_hz), 0.0) / float(reference_hz)))
