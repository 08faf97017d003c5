"""Figures for scattered designs (random, LHS, Sobol): scatter with a binned main effect, and pairs.

In a scattered design every point varies in every parameter, so a line through the points of one
axis mixes the effects of all the others. These figures show each run as a point instead, with the
*main effect* of one parameter: the mean of the metric in quantile bins of that parameter, averaged
over whatever the other parameters did in the bin (the first-order partial dependence of the
design, estimated without a surrogate model), with a 95 % t band over the runs in the bin.
"""

from __future__ import annotations

import numpy as np

from scs_sim.plots._common import get_ax

__all__ = ["binned_effect", "effect_spread", "plot_design_pair", "plot_design_scatter"]


def _numeric(s):
    import pandas as pd

    return pd.to_numeric(s.astype("float64") if s.dtype == bool else s, errors="coerce").to_numpy(float)


def _label(key: str) -> str:
    from scs_sim.plots.sweeps import axis_label

    return axis_label(key)


def _log_axis(x) -> bool:
    fin = x[np.isfinite(x)]
    return bool(fin.size and fin.min() > 0 and fin.max() / fin.min() > 10)


def binned_effect(x, y, bins: int = 6):
    """Main effect of ``x`` on ``y``: (bin centres, bin means, 95 % t half-widths, counts).

    Bins hold equal numbers of points (quantiles of ``x``; geometric when ``x`` spans more than a
    decade so log-spaced axes get even bins). NaN pairs are dropped; a bin with one point has a NaN
    half-width.
    """
    from scs_sim.study.compare import ci95_halfwidth

    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if x.size == 0:
        return (np.zeros(0),) * 4
    bins = max(1, min(bins, np.unique(x).size))
    logx = _log_axis(x)
    t = np.log(x) if logx else x
    edges = np.quantile(t, np.linspace(0, 1, bins + 1))
    which = np.clip(np.searchsorted(edges, t, side="right") - 1, 0, bins - 1)
    centres, means, ci, counts = [], [], [], []
    for b in range(bins):
        sel = which == b
        if not sel.any():
            continue
        c = float(np.mean(t[sel]))
        centres.append(float(np.exp(c)) if logx else c)
        means.append(float(y[sel].mean()))
        ci.append(ci95_halfwidth(y[sel]))
        counts.append(int(sel.sum()))
    return np.asarray(centres), np.asarray(means), np.asarray(ci), np.asarray(counts)


def effect_spread(table, key: str, metric: str = "relief_pct", bins: int = 6) -> float:
    """Range (max - min) of the binned main effect of ``key`` on ``metric``: a crude importance."""
    _, m, _, _ = binned_effect(_numeric(table[key]), _numeric(table[metric]), bins)
    return float(np.nanmax(m) - np.nanmin(m)) if m.size else 0.0


def plot_design_scatter(table, x: str, metric: str = "relief_pct", ax=None, *, feasible=None, bins: int = 6):
    """Every run's ``metric`` against parameter ``x`` (points) with the binned main effect (line, band).

    ``feasible`` (one bool per row) draws infeasible runs as grey crosses. The band (95 % t over the
    runs of a bin) is clipped to the range of the runs. Returns the Axes; its first line holds the
    binned effect ``(centres, means)`` of :func:`binned_effect`.
    """
    ax = get_ax(ax)
    xv = _numeric(table[x])
    yv = _numeric(table[metric])
    ok = np.ones(len(xv), bool) if feasible is None else np.asarray(feasible, dtype=bool)
    c, m, ci, _ = binned_effect(xv, yv, bins)
    ax.plot(c, m, "-", color="C3", lw=1.8, marker="s", ms=3.5, label="main effect (binned mean)", zorder=4)
    fin = yv[np.isfinite(yv)]
    lo, hi = (fin.min(), fin.max()) if fin.size else (-np.inf, np.inf)
    ci = np.nan_to_num(ci)  # the band is clipped to the range of the runs: a mean cannot leave it
    ax.fill_between(c, np.clip(m - ci, lo, hi), np.clip(m + ci, lo, hi), color="C3", alpha=0.15, lw=0)
    ax.scatter(xv[ok], yv[ok], s=10, color="C0", alpha=0.55, lw=0, label="run", zorder=3)
    if (~ok).any():
        ax.scatter(xv[~ok], yv[~ok], s=14, color="0.45", marker="x", lw=0.8, label="run (infeasible)", zorder=3)
    if _log_axis(xv):
        from matplotlib.ticker import NullFormatter

        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())  # minor labels (2×10¹ …) pile up in a small panel
    ax.set_xlabel(_label(x), fontsize=8)
    ax.set_ylabel(_label(metric), fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    return ax


def plot_design_pair(table, x: str, y: str, metric: str = "relief_pct", ax=None, *, feasible=None, cmap="viridis"):
    """Runs on the ``x`` × ``y`` plane coloured by ``metric`` (mean over replicates of each point).

    Infeasible points (``feasible`` False, one bool per row) are drawn as crosses. Returns the Axes;
    its first collection holds the points.
    """
    import pandas as pd

    ax = get_ax(ax)
    df = pd.DataFrame({"x": _numeric(table[x]), "y": _numeric(table[y]), "v": _numeric(table[metric])})
    df["ok"] = True if feasible is None else np.asarray(feasible, dtype=bool)
    g = df.groupby(["x", "y"], sort=False).agg(v=("v", "mean"), ok=("ok", "all")).reset_index()
    ok = g["ok"].to_numpy(bool)
    sc = ax.scatter(g["x"][ok], g["y"][ok], c=g["v"][ok], cmap=cmap, s=40, edgecolors="k", linewidths=0.3,
                    vmin=np.nanmin(g["v"]) if len(g) else None, vmax=np.nanmax(g["v"]) if len(g) else None)
    if (~ok).any():
        ax.scatter(g["x"][~ok], g["y"][~ok], c=g["v"][~ok], cmap=cmap, s=40, marker="X", edgecolors="0.3",
                   linewidths=0.6, label="infeasible", vmin=sc.norm.vmin, vmax=sc.norm.vmax)
        ax.legend(fontsize=7, loc="best")
    ax.figure.colorbar(sc, ax=ax, label=f"{_label(metric)} (mean over replicates)")
    if _log_axis(df["x"].to_numpy()):
        ax.set_xscale("log")
    if _log_axis(df["y"].to_numpy()):
        ax.set_yscale("log")
    ax.set_xlabel(_label(x))
    ax.set_ylabel(_label(y))
    ax.set_title(f"{_label(metric)} on {_label(y)} × {_label(x)} (each point a design point)", fontsize=10)
    ax.grid(alpha=0.3)
    return ax
