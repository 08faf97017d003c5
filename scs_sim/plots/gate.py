"""The gate in action: spike raster, population rates with stimulation shaded, wind-up curve."""

from __future__ import annotations

import numpy as np

from scs_sim.plots._common import get_ax

__all__ = ["plot_raster", "plot_population_rates", "plot_windup", "run_figure"]

_POP_COLORS = {"local_in": "C0", "surround_in": "C9", "ex": "C1", "wdr": "C3", "abeta": "C2", "adelta": "C4",
               "c": "C5", "dc": "C7"}


def _shade(ax, periods, **kw) -> None:
    for a, b in periods:
        ax.axvspan(a, b, color=kw.get("color", "gold"), alpha=kw.get("alpha", 0.15), lw=0)


def plot_raster(result, ax=None, *, t0: float = 0.0, t1: float | None = None, max_points: int = 50_000, **style):
    """Spike raster of the circuit's neurons (rows grouped by population), stimulation-on shaded.

    Returns the Axes.
    """
    ax = get_ax(ax)
    t1 = result.t_s[-1] + (result.t_s[1] - result.t_s[0] if result.t_s.size > 1 else 0) if t1 is None else t1
    t, n = result.spike_times_s, result.spike_neuron
    keep = (t >= t0) & (t < t1)
    t, n = t[keep][:max_points], n[keep][:max_points]
    ticks, labels = [], []
    for pop, (a, b) in result.neuron_ranges.items():
        sel = (n >= a) & (n < b)
        ax.scatter(t[sel], n[sel], s=style.get("s", 2), color=_POP_COLORS.get(pop, "k"), marker="|", label=pop)
        ticks.append((a + b - 1) / 2)
        labels.append(pop)
    _shade(ax, [(max(a, t0), min(b, t1)) for a, b in result.stim_on if b > t0 and a < t1])
    ax.set_yticks(ticks, labels)
    ax.set_xlim(t0, t1)
    ax.set_xlabel("time (s)")
    ax.set_title("dorsal-horn spikes (shaded: stimulation on)")
    return ax


def plot_population_rates(result, ax=None, *, pops=("wdr", "local_in", "surround_in", "ex"), baseline: bool = True,
                          smooth_bins: int = 10, **style):
    """Population rates against time (WDR solid; its paired no-stimulation baseline dashed).

    Returns the Axes.
    """
    ax = get_ax(ax)
    k = max(1, int(smooth_bins))
    kernel = np.ones(k) / k

    def sm(y):
        return np.convolve(y, kernel, mode="same") if y.size >= k else y

    for pop in pops:
        if pop in result.rates_hz:
            ax.plot(result.t_s, sm(result.rates_hz[pop]), color=_POP_COLORS.get(pop), lw=1.4 if pop == "wdr" else 0.9,
                    label=pop)
    if baseline and "wdr" in result.baseline_rates_hz:
        ax.plot(result.t_s, sm(result.baseline_rates_hz["wdr"]), color=_POP_COLORS["wdr"], ls="--", lw=1.0,
                label="wdr, no stimulation")
    # past the recorded span (simulation.record_s): the mean WDR rate of every window, as steps
    win_t, win = getattr(result, "window_t_s", np.zeros(0)), getattr(result, "window_rates_hz", {})
    if win_t.size > 1 and "wdr" in win and result.t_s.size and win_t[-1] > result.t_s[-1]:
        end = result.metrics.get("duration_s", win_t[-1] + (win_t[-1] - win_t[-2]))
        ax.stairs(win["wdr"], np.append(win_t, end), color=_POP_COLORS["wdr"], lw=1.0, alpha=0.7,
                  label="wdr, per window")
    _shade(ax, result.stim_on)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("rate (Hz per cell)")
    ax.legend(fontsize=7, loc="upper right", ncol=2)
    ax.set_title(f"pain signal: WDR {result.metrics['wdr_rate_hz']:.1f} Hz vs "
                 f"{result.metrics['baseline_wdr_rate_hz']:.1f} Hz baseline "
                 f"(relief {result.metrics['relief_pct']:.0f} %)")
    return ax


def plot_windup(counts_per_volley, ax=None, *, label: str | None = None, normalise: bool = True, **style):
    """Wind-up curve: WDR C-component per volley (normalised to the first volley by default).

    Returns the Axes.
    """
    ax = get_ax(ax)
    y = np.asarray(counts_per_volley, dtype=float)
    if normalise and y.size and y[0] > 0:
        y = y / y[0]
    ax.plot(np.arange(1, y.size + 1), y, marker="o", label=label, **style)
    ax.set_xlabel("volley number (1 Hz)")
    ax.set_ylabel("C-component (× first volley)" if normalise else "C-component spikes per cell")
    ax.set_title("wind-up")
    if label:
        ax.legend()
    return ax


def run_figure(result):
    """A two-panel figure of a run: raster (first seconds) above population rates. Returns the Figure."""
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(2, 1, figsize=(8, 6.5), layout="constrained", sharex=False)
    span = float(result.t_s[-1]) if result.t_s.size else 1.0
    plot_raster(result, ax=a, t1=min(span, 2.0))
    plot_population_rates(result, ax=b)
    name = result.metrics.get("program", "")
    fig.suptitle(f"{name} on patient '{result.metrics.get('patient', '')}'")
    return fig
