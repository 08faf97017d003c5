"""What one recruitment run produced: :class:`Recruitment`, the spikes of every fibre and the population
summaries (recruited and driven fibres, volleys, the percept; ``docs/MODEL.md`` §2.3).

It lives apart from the kernel (:mod:`scs_sim.fibers.recruitment`, which re-exports it) only to keep that
module within the module-size limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from scs_sim.fibers.params import PerceptionParams
from scs_sim.fibers.percept import perceived_intensity, sync_counts

__all__ = ["Recruitment"]


@dataclass(frozen=True)
class Recruitment:
    """Spikes of every fibre and the population summaries of one :func:`recruit` run.

    Attributes
    ----------
    spike_times_s : float array
        Spike times, grouped by fibre (CSR with ``fiber_ptr``) and sorted within each fibre.
    fiber_ptr : int array (n_fibres + 1,)
        Fibre ``f``'s spikes are ``spike_times_s[fiber_ptr[f]:fiber_ptr[f + 1]]``.
    spike_count : int array (n_fibres,)
        Spikes per fibre (exact even when the stored spikes were capped).
    truncated : bool
        True when more than ``max_spikes`` spikes occurred (only the first were stored).
    is_dr : bool array (n_fibres,)
    duration_s : float
    n_pulses : int
        Pulses delivered in ``[0, duration_s)``.
    pulse_dc_count : int array
        DC volley size (distinct DC fibres firing within the sync window) of the first pulses
        (at most ``PerceptionParams.max_pulse_counts``).
    dc_count_hist : int array (n_dc + 1,)
        Number of pulses with a DC volley of each size 0..n_dc (all pulses).
    channel_pulses, channel_volleys : int arrays (n_channels,)
        Pulses per channel of the train, and how many of them carried a ``perception_count``-sized DC
        volley (the v1 per-pulse figures ``volley_fraction`` / ``volley_rule_met``; paresthesia itself is
        the population percept of :mod:`scs_sim.fibers.percept`, where components add and never dilute).
    perception : PerceptionParams
        The criteria :meth:`summary` applies.
    window_count_hist : int array or None
        From :class:`scs_sim.fibers.percept.SummationWindows`: number of summation windows in which each
        number of distinct DC fibres fired (index = fibres). None (a model that did not pool windows):
        :meth:`summary` falls back to pulse-by-pulse volleys (``dc_count_hist``).
    window_spike_hist : int array or None
        The DC spikes those windows held (index = distinct fibres, as ``window_count_hist``).
    on_time_s : float or None
        Stimulation-on time within ``[0, duration_s)`` (None: ``duration_s``).
    """

    spike_times_s: np.ndarray
    fiber_ptr: np.ndarray
    spike_count: np.ndarray
    truncated: bool
    is_dr: np.ndarray
    duration_s: float
    n_pulses: int
    pulse_dc_count: np.ndarray
    dc_count_hist: np.ndarray
    channel_pulses: np.ndarray
    channel_volleys: np.ndarray
    perception: PerceptionParams = field(default_factory=PerceptionParams)
    window_count_hist: np.ndarray | None = None
    window_spike_hist: np.ndarray | None = None
    on_time_s: float | None = None

    # -- per-fibre views -----------------------------------------------------------------------
    def spikes(self, fiber: int) -> np.ndarray:
        """Spike times (s) of one fibre."""
        return self.spike_times_s[self.fiber_ptr[fiber]:self.fiber_ptr[fiber + 1]]

    def dc_spikes(self) -> tuple[np.ndarray, np.ndarray]:
        """DC spikes as aligned (times s, DC fibre index), sorted by time, for the circuit (``merge_dc``)."""
        n_dc = int(np.count_nonzero(~self.is_dr))
        counts = np.diff(self.fiber_ptr[: n_dc + 1])
        idx = np.repeat(np.arange(n_dc, dtype=np.int64), counts)
        t = self.spike_times_s[: self.fiber_ptr[n_dc]]
        order = np.argsort(t, kind="stable")
        return t[order], idx[order]

    @property
    def recruited(self) -> np.ndarray:
        """Fibres that fired at least once."""
        return self.spike_count > 0

    @property
    def driven(self) -> np.ndarray:
        """Fibres firing on at least ``driven_pulse_fraction`` of pulses or at ``driven_rate_hz``."""
        p = self.perception
        by_pulse = self.spike_count >= p.driven_pulse_fraction * max(self.n_pulses, 1)
        by_rate = self.spike_count >= p.driven_rate_hz * self.duration_s
        return (self.spike_count > 0) & (by_pulse | by_rate)

    # -- population summaries ------------------------------------------------------------------
    def _on_time(self) -> float:
        return float(self.duration_s if self.on_time_s is None else self.on_time_s)

    def _sync_drive(self) -> tuple[float, int]:
        """Synchronous DC drive (spikes/s of on-time in synchronous summation windows) and the number of
        synchronous windows; pulse-by-pulse volleys when no windows were pooled."""
        if self.window_count_hist is None:
            spikes, windows = sync_counts(np.asarray(self.dc_count_hist), self.perception.sync_min_spikes)
        else:
            spikes, windows = sync_counts(np.asarray(self.window_count_hist), self.perception.sync_min_spikes,
                                          self.window_spike_hist)
        on = self._on_time()
        return (spikes / on if on > 0 else 0.0), windows

    def summary(self) -> dict:
        """Recruitment and perception figures (the ``scs-sim recruit`` JSON keys; docs/MODEL.md §2.3).

        ``paresthesia`` is the population percept (``sync_drive_hz >= drive_reference_hz``, i.e.
        ``perceived_intensity >= 1``); ``volley_fraction`` / ``volley_rule_met`` are the v1 per-pulse
        figures, kept for reference.
        """
        p = self.perception
        dc = ~self.is_dr
        n_dc = int(dc.sum())
        rec = self.recruited
        rec_dc = int(np.count_nonzero(rec & dc))
        rec_dr = int(np.count_nonzero(rec & self.is_dr))
        dc_spikes = int(self.spike_count[dc].sum())
        dr_spikes = int(self.spike_count[self.is_dr].sum())
        dur = self.duration_s
        sizes = np.arange(self.dc_count_hist.size)
        s1 = float((self.dc_count_hist * sizes).sum())
        s2 = float((self.dc_count_hist * sizes**2).sum())
        # Volley coherence: the mean volley size a DC spike belongs to (sum n^2 / sum n over pulses),
        # divided by the effective number of active DC fibres (participation ratio of the spike counts,
        # so a fibre with one stray spike hardly counts). 1 = the active fibres fire on the same pulses
        # (50 Hz above threshold); ~1/N when N fibres fire on different pulses (kHz desynchronisation).
        c = self.spike_count[dc].astype(float)
        n_eff = float(c.sum() ** 2 / (c**2).sum()) if c.sum() > 0 else 0.0
        synchrony = float(min(1.0, s2 / (s1 * n_eff))) if s1 > 0 else 0.0
        with np.errstate(invalid="ignore", divide="ignore"):
            per_channel = np.where(self.channel_pulses > 0, self.channel_volleys / self.channel_pulses, 0.0)
        volley_fraction = float(per_channel.max()) if per_channel.size else 0.0
        driven = self.driven
        driven_dc = int(np.count_nonzero(driven & dc))
        driven_dr = int(np.count_nonzero(driven & self.is_dr))
        drive, n_sync = self._sync_drive()
        intensity = perceived_intensity(drive, p.drive_reference_hz)
        by_intensity = intensity >= p.discomfort_intensity
        discomfort = (driven_dr >= p.discomfort_dr_count or driven_dc >= p.discomfort_dc_fraction * n_dc
                      or by_intensity)
        return {
            "recruited_dc_fibers": rec_dc,
            "recruited_dr_fibers": rec_dr,
            "driven_dc_fibers": driven_dc,
            "driven_dr_fibers": driven_dr,
            "dc_spike_rate_hz": dc_spikes / (rec_dc * dur) if rec_dc and dur > 0 else 0.0,
            "dc_population_rate_hz": dc_spikes / (n_dc * dur) if n_dc and dur > 0 else 0.0,
            "dr_spike_rate_hz": dr_spikes / (rec_dr * dur) if rec_dr and dur > 0 else 0.0,
            "synchrony": synchrony,
            "active_dc_fibers_eff": n_eff,
            "volley_fraction": volley_fraction,
            "mean_dc_volley": s1 / self.n_pulses if self.n_pulses else 0.0,
            "volley_rule_met": bool(self.n_pulses > 0 and volley_fraction >= p.perception_fraction),
            "sync_drive_hz": drive,
            "sync_windows": n_sync,
            "perceived_intensity": intensity,
            "paresthesia": bool(self.n_pulses > 0 and drive >= p.drive_reference_hz),
            "discomfort": bool(discomfort),
            "discomfort_by_intensity": bool(by_intensity),
            "on_time_s": self._on_time(),
            "n_pulses": self.n_pulses,
            "n_spikes": int(self.spike_count.sum()),
            "truncated": self.truncated,
            "duration_s": dur,
        }
