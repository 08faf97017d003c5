"""One circuit run accumulated window by window (:class:`Track`), and the wind-up counts it keeps.

:mod:`scs_sim.simulation` steps the circuit (one stepper, or one member of a batch,
:func:`scs_sim.dorsal_horn.backends.batch_stepper`) and hands every window to the run's track: exact
totals and wind-up counts of the whole run, rate bins and spike lists of the recorded span.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["C_COMPONENT_LATENCY_S", "MAX_RECORDED_SPIKES", "WINDUP_LAST", "Track", "volley_bounds",
           "volley_counts", "windup_from_counts", "windup_index"]

#: WDR spikes later than this after a volley form its C-fibre component (Zhang 2014 WindUp_Plotter).
C_COMPONENT_LATENCY_S = 0.1
#: Number of volleys whose C-component is compared with the first in the wind-up index.
WINDUP_LAST = 5


def volley_bounds(volley_times_s: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """[start, end) of every volley's C-component window, or None with fewer than two volleys."""
    v = np.sort(np.asarray(volley_times_s, dtype=float))
    if v.size < 2:
        return None
    ends = np.append(v[1:], v[-1] + (v[-1] - v[-2]))
    return v + C_COMPONENT_LATENCY_S, ends


def volley_counts(wdr_spike_times_s: np.ndarray, bounds) -> np.ndarray:
    """WDR spikes in each volley's C-component window (spike times sorted ascending)."""
    lo, hi = bounds
    t = np.asarray(wdr_spike_times_s, dtype=float)
    return np.searchsorted(t, hi, "left") - np.searchsorted(t, lo, "left")


def windup_from_counts(counts: np.ndarray, n_wdr: int) -> float:
    c = counts.astype(float) / max(n_wdr, 1)
    last = c[-min(WINDUP_LAST, c.size - 1):].mean()
    return float(last / c[0]) if c[0] > 0 else float("nan")


def windup_index(wdr_spike_times_s: np.ndarray, volley_times_s: np.ndarray, n_wdr: int) -> float | None:
    """C-component (WDR spikes > 100 ms after a volley, until the next) of the last volleys / the first.

    Returns None without volleys, NaN when the first volley evokes no C-component.
    """
    bounds = volley_bounds(volley_times_s)
    if bounds is None:
        return None
    return windup_from_counts(volley_counts(np.sort(np.asarray(wdr_spike_times_s, dtype=float)), bounds), n_wdr)


#: Most neuron (and, separately, WDR) spikes a run records (the circuit's default list cap).
MAX_RECORDED_SPIKES = 200_000


class Track:
    """One circuit run (stimulated or baseline) accumulated window by window: exact totals and the
    wind-up counts of the whole run, rate bins and spike lists of the recorded span ``[0, record_s)``,
    and the mean rate of every population per window."""

    def __init__(self, stepper, record_s: float, duration_s: float, bounds, *, spiking: bool | None = None):
        """``stepper`` gives the clock (``dt_s``, ``bin_steps``, ``bin_s``, ``n_steps``, ``s``): a single
        stepper, or the batch the run is a member of; ``spiking`` (default: whether the stepper has
        ``max_spikes``) says whether windows carry spikes."""
        self.st, self.dt_s = stepper, stepper.dt_s
        self.spiking = hasattr(stepper, "max_spikes") if spiking is None else bool(spiking)
        self.all = not record_s < duration_s
        self.record_s = float(record_s)
        self.rec_bins = None if self.all else int(math.ceil(record_s / (stepper.bin_steps * stepper.dt_s) - 1e-9))
        self.rates: dict[str, list[np.ndarray]] = {}
        self.win_rates: dict[str, list[float]] = {}
        self.win_t: list[float] = []
        self.spk_t: list[np.ndarray] = []
        self.spk_i: list[np.ndarray] = []
        self.wdr_t: list[np.ndarray] = []
        self.n_spk = self.n_wdr_rec = 0
        self.n_wdr = 0
        self.wdr_sum, self.wdr_bins = 0.0, 0
        self.bounds = bounds
        self.volleys = None if bounds is None else np.zeros(bounds[0].size, dtype=np.int64)
        self.own_s = 0.0  # wall time the caller spent on this run's own inputs (batches share the rest)

    def _recording(self, s0: int) -> bool:
        return self.all or s0 * self.dt_s < self.record_s

    def cap(self, s0: int) -> int | None:
        """The stored-spike cap of the window that starts at step ``s0`` (None for a rate run)."""
        if not self.spiking:
            return None
        return MAX_RECORDED_SPIKES - self.n_spk if self._recording(s0) else 0

    def advance(self, inputs, s1: int) -> None:
        """Advance the track's own (single) stepper to ``s1`` and take its window."""
        s0 = self.st.s
        if self.spiking:
            w = self.st.advance(inputs, s1, cap=self.cap(s0))
        else:
            w = self.st.advance(inputs, s1)
        self.take(w, s0, s1)

    def take(self, w, s0: int, s1: int) -> None:
        """Accumulate window ``w`` (steps ``s0 .. s1 - 1``, simulated with the cap :meth:`cap` gave)."""
        st, dt = self.st, self.dt_s
        recording, spiking = self._recording(s0), self.spiking
        b0 = s0 // st.bin_steps
        keep = None if self.all else max(0, self.rec_bins - b0)
        width = (s1 - s0) * dt
        self.win_t.append(s0 * dt)
        for pop, r in w.rates_hz.items():
            if keep is None or keep > 0:
                self.rates.setdefault(pop, []).append(r if keep is None else r[:keep])
            bw = np.full(r.size, st.bin_steps * dt)
            bw[-1] = width - (r.size - 1) * st.bin_steps * dt
            self.win_rates.setdefault(pop, []).append(float(np.dot(r, bw) / width))
        if not spiking:
            self.wdr_sum += float(np.sum(w.rates_hz["wdr"]))
            self.wdr_bins += w.rates_hz["wdr"].size
            return
        self.n_wdr += w.n_wdr
        wdr_t = w.wdr_step * dt
        if self.volleys is not None:
            self.volleys += volley_counts(wdr_t, self.bounds)
        if recording:
            t = w.spike_step * dt
            n = t.size if self.all else int(np.searchsorted(t, self.record_s))
            self.spk_t.append(t[:n])
            self.spk_i.append(w.spike_neuron[:n])
            self.n_spk += n
            n = wdr_t.size if self.all else int(np.searchsorted(wdr_t, self.record_s))
            n = min(n, MAX_RECORDED_SPIKES - self.n_wdr_rec)
            self.wdr_t.append(wdr_t[:n])
            self.n_wdr_rec += n

    def wdr_rate_hz(self, n_wdr: int) -> float:
        """Mean WDR rate over the whole run (spiking: exact spike total; rate: mean of every bin)."""
        if self.wdr_bins:
            return self.wdr_sum / self.wdr_bins
        return self.n_wdr / (n_wdr * (self.st.n_steps * self.dt_s))

    def windup(self, n_wdr: int) -> float | None:
        if self.volleys is None:
            return None
        return windup_from_counts(self.volleys, n_wdr)

    @staticmethod
    def _cat(parts: list[np.ndarray], dtype=float) -> np.ndarray:
        return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)

    def recorded(self) -> dict[str, Any]:
        rates = {k: self._cat(v) for k, v in self.rates.items()}
        bin_s = self.st.bin_s
        n_bins = rates["wdr"].size if "wdr" in rates else 0
        return {"t_s": np.arange(n_bins) * bin_s, "rates_hz": rates,
                "wdr_spike_times_s": self._cat(self.wdr_t), "spike_times_s": self._cat(self.spk_t),
                "spike_neuron": self._cat(self.spk_i, np.int64), "window_t_s": np.array(self.win_t),
                "window_rates_hz": {k: np.array(v) for k, v in self.win_rates.items()}}
