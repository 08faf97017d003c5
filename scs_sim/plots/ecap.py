"""Closed-loop figures: ECAP traces on the lead's contacts, the controlled current and the ECAP over
time, and the dorsal CSF trace (from a :class:`~scs_sim.fibers.closed_loop.LoopLog`)."""

from __future__ import annotations

import numpy as np

from scs_sim.plots._common import get_ax

__all__ = ["closed_loop_figure", "plot_csf", "plot_ecap_series", "plot_ecap_traces", "plot_loop_current"]


def plot_ecap_traces(log, ax=None, *, at_s: float | None = None, offset_uv: float | None = None,
                     start_ms: float = 0.3, **style):
    """Recorded traces (µV) of one snapshot pulse on every recording contact, stacked by contact
    (the controller's contact drawn thicker), from ``start_ms`` after the onset (the stimulus artefact
    before it is left out). ``at_s``: the snapshot time (default the first).

    Returns the Axes.
    """
    ax = get_ax(ax)
    if not log.snapshots:
        ax.set_title("no ECAP snapshot recorded")
        return ax
    key = min(log.snapshots) if at_s is None else min(log.snapshots, key=lambda k: abs(k - at_s))
    keep = log.trace_t_ms >= start_ms
    t, tr = log.trace_t_ms[keep], log.snapshots[key][:, keep]
    step = offset_uv if offset_uv is not None else 1.1 * float(np.ptp(tr)) + 1e-9
    clean = log.clean_snapshots.get(key)
    for row, c in enumerate(log.trace_contacts):
        lw = 2.0 if c == log.record_contact else 1.2
        ax.plot(t, tr[row] + row * step, lw=0.7, color="0.6", label="recorded" if row == 0 else None)
        if clean is not None:
            ax.plot(t, clean[row, keep] + row * step, lw=lw, color=style.get("color", "C0"),
                    label="noise-free ECAP" if row == 0 else None)
        ax.text(t[-1], row * step, f" E{c}", va="center", fontsize=8)
    ax.legend(fontsize=8, loc="upper center", ncols=2)
    ax.set_ylim(top=(len(log.trace_contacts) + 0.3) * step)
    ax.set_xlabel("time after pulse onset (ms)")
    ax.set_ylabel(f"ECAP (µV; contacts offset by {step:.0f} µV)")
    ax.set_title(f"recorded ECAP at t = {key:.1f} s (bold: controller contact E{log.record_contact})")
    return ax


def _seconds_mean(t: np.ndarray, y: np.ndarray, width_s: float) -> tuple[np.ndarray, np.ndarray]:
    if t.size == 0:
        return t, y
    b = np.floor(t / width_s).astype(int)
    ok = np.isfinite(y)
    n = np.bincount(b[ok], minlength=b.max() + 1)
    s = np.bincount(b[ok], weights=y[ok], minlength=b.max() + 1)
    keep = n > 0
    return (np.arange(n.size)[keep] + 0.5) * width_s, s[keep] / n[keep]


def plot_ecap_series(logs: dict, ax=None, *, smooth_s: float = 0.5, **style):
    """ECAP amplitude against time for each named log: the controller's estimate from the noisy
    recording (solid) and the noise-free N1-P2 of the fibres that fired (dashed), means per
    ``smooth_s``, with the closed loop's target. Returns the Axes."""
    ax = get_ax(ax)
    for i, (name, log) in enumerate(logs.items()):
        a = log.arrays()
        t, y = _seconds_mean(a["t_s"], a["ecap_uv"], smooth_s)
        ax.plot(t, y, color=f"C{i}", label=f"{name}: measured")
        t, y = _seconds_mean(a["t_s"], a["ecap_true_uv"], smooth_s)
        ax.plot(t, y, color=f"C{i}", ls="--", lw=0.9, label=f"{name}: noise-free N1-P2")
    targets = [lg.target_uv for lg in logs.values() if np.isfinite(lg.target_uv)]
    if targets:
        ax.axhline(targets[-1], color="k", ls=":", lw=1, label="target")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("ECAP N1-P2 (µV)")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8, loc="lower left")
    ax.set_title(f"ECAP amplitude on the controller's contact ({smooth_s:g}-s means)")
    return ax


def plot_loop_current(logs: dict, ax=None, **style):
    """Delivered current against time for each named log, with the perception and discomfort thresholds
    scaled by the cord position (the therapeutic window moves with the cord). Returns the Axes."""
    ax = get_ax(ax)
    last = None
    for i, (name, log) in enumerate(logs.items()):
        a = log.arrays()
        ax.plot(a["t_s"], a["current_ma"], color=f"C{i}", label=name)
        last = (log, a)
    if last is not None:
        log, a = last
        if np.isfinite(log.perception_ma) and np.isfinite(log.discomfort_ma):
            lo, hi = log.perception_ma / a["scale"], log.discomfort_ma / a["scale"]
            ax.fill_between(a["t_s"], lo, hi, color="green", alpha=0.12, lw=0, label="therapeutic window")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("current (mA)")
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title("stimulation current")
    return ax


def plot_csf(log, ax=None, **style):
    """Dorsal CSF thickness at every pulse (posture, heartbeat, breathing). Returns the Axes."""
    ax = get_ax(ax)
    a = log.arrays()
    ax.plot(a["t_s"], a["csf_mm"], color=style.get("color", "C7"), lw=0.8)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("dorsal CSF (mm)")
    ax.set_title("cord motion: dorsal CSF thickness")
    return ax


def closed_loop_figure(open_log, closed_log):
    """Four panels: CSF trace, current, ECAP amplitude (open vs closed loop), ECAP traces. Returns the Figure."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(12, 7), layout="constrained")
    logs = {"open loop": open_log, "closed loop": closed_log}
    plot_csf(closed_log, axes[0, 0])
    plot_loop_current(logs, axes[0, 1])
    plot_ecap_series(logs, axes[1, 0])
    plot_ecap_traces(closed_log, axes[1, 1])
    return fig
