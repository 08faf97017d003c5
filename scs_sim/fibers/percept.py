"""The population percept: synchronous DC drive pooled over time, perceived intensity (no numba).

This module owns :class:`SummationWindows` (pools the per-pulse DC volley sizes that a recruitment
kernel counts into summation windows, chunk by chunk, in bounded memory), :func:`on_time_s` (the
stimulation-on time of a pulse train within ``[0, duration_s)``) and :func:`perceived_intensity`.
:meth:`scs_sim.fibers.recruitment.Recruitment.summary` turns their figures into ``sync_drive_hz``,
``perceived_intensity``, ``paresthesia`` and the intensity part of ``discomfort``. Any fibre model
(the fast kernel, the biophysical fibre) can feed a :class:`SummationWindows` with
``add(pulse_onset_s, dc_volley_size, new_fibres_in_window)`` and pass :meth:`SummationWindows.result` to ``Recruitment``.

Model (docs/MODEL.md §2.3): DC spikes (one per fibre and pulse, attributed to the pulse's onset)
are pooled in windows ``[k W, (k + 1) W)`` of ``W = summation_window_ms``; a window in which at least
``sync_min_spikes`` *distinct* DC fibres fired is synchronous (a fibre firing on several pulses of the
window is one fibre). The synchronous drive ``S`` is the number of spikes in synchronous windows per
second of stimulation-on time, and::

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

    ``count_hist[n]`` = number of summation windows in which ``n`` distinct DC fibres fired (n >= 1;
    ``count_hist[0]`` is 0: empty windows are not counted); ``spike_hist[n]`` = the DC spikes (one per
    fibre and pulse) those windows held; ``sync_spikes`` / ``sync_windows``: spikes in, and number of,
    windows with at least ``min_fibres`` distinct fibres.
    """

    count_hist: np.ndarray
    spike_hist: np.ndarray
    sync_spikes: int
    sync_windows: int


class SummationWindows:
    """Pool per-pulse DC volleys into summation windows; call :meth:`add` in time order of chunks.

    Chunks must cover consecutive, non-overlapping time ranges (as ``PulseTrain.chunks`` yields them);
    within a chunk the pulses may come in any order. Only the last (possibly unfinished) window is
    carried between chunks, so memory does not grow with the duration.
    """

    def __init__(self, window_s: float, min_fibres: int):
        if not (math.isfinite(window_s) and window_s > 0):
            raise ValueError(f"window_s must be finite and > 0 (got {window_s!r})")
        self.window_s = float(window_s)
        self.min_fibres = int(min_fibres)
        self._hist = np.zeros(1, dtype=np.int64)
        self._spikes = np.zeros(1, dtype=np.int64)
        self._carry_idx: int | None = None
        self._carry = (0, 0)  # (spikes, distinct fibres) of the carried window

    def _close(self, spikes: np.ndarray, fibres: np.ndarray) -> None:
        if fibres.size:
            n = max(int(fibres.max()) + 1, self._hist.size)
            h = np.bincount(fibres, minlength=n)
            s = np.bincount(fibres, weights=spikes, minlength=n).astype(np.int64)
            h[: self._hist.size] += self._hist
            s[: self._spikes.size] += self._spikes
            self._hist, self._spikes = h, s

    def add(self, onset_s: np.ndarray, counts: np.ndarray, new_fibres: np.ndarray) -> None:
        """Add one chunk: pulse onsets (s), the DC volley size of each pulse (distinct fibres firing on it)
        and ``new_fibres``: how many of them fired for the first time in the pulse's window (so their sum
        over a window is the number of distinct fibres that fired in it; a fibre firing twice is one)."""
        counts = np.asarray(counts, dtype=np.int64)
        new_fibres = np.asarray(new_fibres, dtype=np.int64)
        keep = counts > 0
        if not keep.any():
            return
        idx = np.floor(np.asarray(onset_s, dtype=float)[keep] / self.window_s).astype(np.int64)
        win, inv = np.unique(idx, return_inverse=True)
        spikes = np.bincount(inv, weights=counts[keep]).astype(np.int64)
        fibres = np.bincount(inv, weights=new_fibres[keep]).astype(np.int64)
        if self._carry_idx is not None:
            if win[0] == self._carry_idx:
                spikes[0] += self._carry[0]
                fibres[0] += self._carry[1]
            else:
                self._close(np.array([self._carry[0]]), np.array([self._carry[1]]))
        self._close(spikes[:-1], fibres[:-1])
        self._carry_idx, self._carry = int(win[-1]), (int(spikes[-1]), int(fibres[-1]))

    def result(self) -> WindowStats:
        """The totals, the last window included (the accumulator can still take chunks afterwards)."""
        hist, spk = self._hist.copy(), self._spikes.copy()
        if self._carry_idx is not None:
            n = self._carry[1]
            if n >= hist.size:
                pad = np.zeros(n + 1 - hist.size, dtype=np.int64)
                hist, spk = np.concatenate([hist, pad]), np.concatenate([spk, pad])
            hist[n] += 1
            spk[n] += self._carry[0]
        hist[0] = 0
        spk[0] = 0
        spikes, windows = sync_counts(hist, self.min_fibres, spk)
        return WindowStats(hist, spk, spikes, windows)


def sync_counts(count_hist: np.ndarray, min_fibres: float, spike_hist: np.ndarray | None = None) -> tuple[int, int]:
    """Spikes in, and number of, windows (or pulses) of ``count_hist`` with at least ``min_fibres`` distinct
    fibres; ``spike_hist[n]`` = spikes in the windows with n fibres (None: n each, one spike per fibre, as
    for single pulses)."""
    n = np.arange(count_hist.size)
    sel = n >= min_fibres
    spikes = count_hist * n if spike_hist is None else spike_hist
    return int(spikes[sel].sum()), int(count_hist[sel].sum())


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
