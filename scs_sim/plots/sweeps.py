"""Sweep figures: heatmap over two axes, frequency response with 95 % bands, Pareto plot, comparison bars.

They take a results table (:func:`scs_sim.study.store.load_results`: one row per point × replicate,
axis columns named by dotted key such as ``program.frequency_hz``) or a comparison table
(:func:`scs_sim.study.compare.compare`).
"""

from __future__ import annotations

import numpy as np

from scs_sim.plots._common import get_ax

__all__ = [
    "MAX_BARS",
    "axis_label",
    "bar_rows",
    "battery_column",
    "short_label",
    "grid_means",
    "plot_comparison_bars",
    "plot_frequency_response",
    "plot_heatmap",
    "plot_pareto",
    "response_curve",
]

_NICE = {
    "relief_pct": "relief (%)",
    "wdr_rate_hz": "WDR rate (Hz)",
    "paresthesia": "paresthesia (fraction of runs)",
    "recruited_dc_fibers": "recruited DC fibres",
    "battery_life_days": "battery life (days)",
    "recharge_min_per_day": "recharge (min/day)",
    "battery_power_uw": "battery power (µW)",
    "charge_per_phase_uc": "charge per phase (µC)",
    "program.frequency_hz": "frequency (Hz)",
    "program.amplitude_ma": "amplitude (mA)",
    "program.pulse_width_us": "pulse width (µs)",
    "patient.anatomy.csf_mm": "dorsal CSF thickness (mm)",
    "patient.anatomy.lead_offset_mm": "lead offset from midline (mm)",
}
#: Most bars in :func:`plot_comparison_bars` (the best ones; the table lists all).
MAX_BARS = 20
#: Longest bar / point label, characters (longer ones end in "…").
LABEL_CHARS = 40


def axis_label(key: str) -> str:
    """Readable axis label of a column or dotted config key (the key itself when unknown)."""
    return _NICE.get(key, key)


_nice = axis_label


def short_label(text: str, n: int = LABEL_CHARS) -> str:
    """``text`` cut to ``n`` characters with a trailing "…" when longer."""
    text = str(text)
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


#: Relief cannot exceed 100 % (the WDR rate cannot fall below 0): error bars are capped there.
RELIEF_MAX = 100.0


def _relief_yerr(means, ci):
    """Asymmetric (lower, upper) error bars of relief means, the upper one capped at :data:`RELIEF_MAX`."""
    ci = np.nan_to_num(np.asarray(ci, dtype=float))
    m = np.asarray(means, dtype=float)
    upper = np.clip(np.minimum(m + ci, RELIEF_MAX) - m, 0.0, None)
    return np.vstack([ci, np.nan_to_num(upper)])


def _relief_err(comparison, means):
    """(2, n) error bars of relief: the cohort's bootstrap interval (``relief_pct_ci_low`` / ``_high``)
    when present, else the symmetric ``relief_pct_ci95`` capped at :data:`RELIEF_MAX`."""
    m = np.asarray(means, dtype=float)
    if {"relief_pct_ci_low", "relief_pct_ci_high"} <= set(comparison.columns):
        lo = _numeric(comparison["relief_pct_ci_low"]).to_numpy(dtype=float)
        hi = _numeric(comparison["relief_pct_ci_high"]).to_numpy(dtype=float)
        if np.isfinite(lo).any():
            return np.vstack([np.nan_to_num(np.clip(m - lo, 0, None)), np.nan_to_num(np.clip(hi - m, 0, None))])
    if "relief_pct_ci95" not in comparison.columns:
        return None
    return _relief_yerr(m, _numeric(comparison["relief_pct_ci95"]).to_numpy(dtype=float))


def _feasible(comparison) -> np.ndarray:
    if "feasible" in comparison.columns:
        return comparison["feasible"].to_numpy(dtype=bool)
    return np.ones(len(comparison), bool)


def _numeric(s):
    import pandas as pd

    return pd.to_numeric(s.astype("float64") if s.dtype == bool else s, errors="coerce")


def grid_means(table, x: str, y: str, metric: str = "relief_pct"):
    """Mean of ``metric`` over replicates (and any other axes) on the ``y`` × ``x`` grid.

    Returns ``(x_values, y_values, means)`` with ``means`` of shape ``(len(y_values), len(x_values))``
    (NaN where the grid has no run).
    """
    df = table[[x, y]].copy()
    df["_v"] = _numeric(table[metric])
    piv = df.groupby([y, x], sort=True)["_v"].mean().unstack(x)
    return piv.columns.to_numpy(), piv.index.to_numpy(), piv.to_numpy(dtype=float)


def plot_heatmap(
    table,
    x: str,
    y: str,
    metric: str = "relief_pct",
    ax=None,
    *,
    annotate: bool = True,
    cmap: str = "viridis",
    **style,
):
    """Heatmap of the mean of ``metric`` over replicates on two sweep axes of a results table.

    Cells are evenly spaced (axis values as tick labels, so log-spaced axes read naturally) and,
    with ``annotate``, labelled with their value. Returns the Axes; its image
    (``ax.images[0].get_array()``) holds the means, rows = ``y`` values ascending.
    """
    ax = get_ax(ax)
    xs, ys, z = grid_means(table, x, y, metric)
    im = ax.imshow(
        np.ma.masked_invalid(z),
        origin="lower",
        aspect="auto",
        cmap=cmap,
        vmin=style.get("vmin"),
        vmax=style.get("vmax"),
    )
    ax.set_xticks(range(len(xs)), [f"{v:.3g}" for v in xs], rotation=45 if len(xs) > 6 else 0)
    ax.set_yticks(range(len(ys)), [f"{v:.3g}" for v in ys])
    if annotate and z.size <= 150:
        finite = z[np.isfinite(z)]
        mid = (finite.min() + finite.max()) / 2 if finite.size else 0.0
        for i in range(z.shape[0]):
            for j in range(z.shape[1]):
                if np.isfinite(z[i, j]):
                    ax.text(
                        j,
                        i,
                        f"{z[i, j]:.3g}",
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="w" if z[i, j] < mid else "k",
                    )
    ax.figure.colorbar(im, ax=ax, label=f"{_nice(metric)} (mean over replicates)")
    ax.set_xlabel(_nice(x))
    ax.set_ylabel(_nice(y))
    ax.set_title(f"{_nice(metric)}: {_nice(y)} × {_nice(x)}", fontsize=10)
    return ax


def response_curve(table, x: str = "program.frequency_hz", metric: str = "relief_pct"):
    """Mean of ``metric`` against ``x`` with its 95 % CI half-width over the rows of each ``x`` value.

    Returns ``(x_values, means, ci95)`` (ascending ``x``; CI by :func:`scs_sim.study.compare.ci95_halfwidth`).
    """
    from scs_sim.study.compare import ci95_halfwidth

    v = _numeric(table[metric])
    xs, means, ci = [], [], []
    for xv, g in v.groupby(table[x], sort=True):
        vals = g.to_numpy(dtype=float)
        xs.append(xv)
        fin = vals[np.isfinite(vals)]
        means.append(fin.mean() if fin.size else np.nan)
        ci.append(ci95_halfwidth(vals))
    return np.asarray(xs, dtype=float), np.asarray(means), np.nan_to_num(np.asarray(ci, dtype=float))


def plot_frequency_response(
    table,
    x: str = "program.frequency_hz",
    metric: str = "relief_pct",
    ax=None,
    *,
    by: str | None = None,
    logx: bool | None = None,
    label: str | None = None,
    feasible=None,
    **style,
):
    """Frequency-response curve: mean ``metric`` against ``x`` with a shaded 95 % confidence band.

    The band is clipped to the range of the runs. ``feasible`` (one bool per row) marks with a cross
    the points with an infeasible run. ``by`` draws one curve per value of another column (e.g.
    ``program.amplitude_ma``). The x axis is
    logarithmic when the values span more than a decade (``logx=None``). Returns the Axes; each curve's
    line holds ``(x_values, means)`` of :func:`response_curve`.
    """
    ax = get_ax(ax)
    import pandas as pd

    def _name(k):
        if by in ("program", "program_name"):
            return str(k)
        return f"{by.split('.')[-1]} = {k:g}" if isinstance(k, float) else f"{by.split('.')[-1]} = {k}"

    groups = [(label, table)] if by is None else [(_name(k), g) for k, g in table.groupby(by, sort=True)]
    ok = np.ones(len(table), bool) if feasible is None else np.asarray(feasible, dtype=bool)
    ok_s = pd.Series(ok, index=table.index)
    fin = _numeric(table[metric]).to_numpy(dtype=float)
    fin = fin[np.isfinite(fin)]
    lo, hi = (fin.min(), fin.max()) if fin.size else (-np.inf, np.inf)
    allx = []
    bad_label = "infeasible"
    for i, (lab, g) in enumerate(groups):
        xs, m, ci = response_curve(g, x, metric)
        allx.append(xs)
        color = style.get("color", f"C{i}")
        ax.plot(xs, m, marker="o", ms=3.5, color=color, label=lab)
        # the band is clipped to the range of the runs: a mean cannot leave it
        ax.fill_between(xs, np.clip(m - ci, lo, hi), np.clip(m + ci, lo, hi), color=color, alpha=0.2, lw=0)
        bad = ~ok_s[g.index].groupby(g[x], sort=True).all().to_numpy(dtype=bool)
        if bad.any():
            ax.scatter(xs[bad], m[bad], marker="x", s=40, color="0.2", zorder=5, label=bad_label)
            bad_label = None
    xv = np.concatenate(allx) if allx else np.zeros(0)
    if logx is None:
        logx = xv.size > 0 and xv.min() > 0 and xv.max() / xv.min() > 10
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(_nice(x))
    ax.set_ylabel(_nice(metric))
    ax.set_title(f"{_nice(metric)} against {_nice(x)} (mean, shaded: 95 % CI over replicates)", fontsize=10)
    if by is not None or label or bad_label is None:
        ax.legend(fontsize=7)
    ax.grid(alpha=0.3, which="both")
    return ax


def battery_column(comparison) -> str:
    """``battery_life_days`` (primary cell) or ``recharge_min_per_day`` (rechargeable): the one with data."""
    for k in ("battery_life_days", "recharge_min_per_day"):
        if k in comparison.columns and _numeric(comparison[k]).notna().any():
            return k
    return "battery_power_uw"


def plot_pareto(
    comparison,
    ax=None,
    *,
    x: str | None = None,
    y: str = "relief_pct_mean",
    label_points: bool = True,
    numbers: bool | None = None,
    **style,
):
    """Pareto plot: relief against battery life (or recharge minutes/day), the front highlighted.

    ``comparison`` is a :func:`scs_sim.study.compare.compare` table (``pareto`` marks the relief-vs-power
    front among feasible programs; ``feasible`` False draws a program as a grey cross). ``x`` defaults
    to :func:`battery_column`. Error bars: ``relief_pct_ci95`` (ending at 100 %). Labels are placed where they overlap
    nothing (:func:`scs_sim.plots.labels.place_labels`); with ``numbers`` (default: when there are
    more than 8 programs or a name is long) they are the row numbers of the table (1 = best).
    Returns the Axes; its first collection holds every feasible program, the second the front;
    ``ax.point_labels`` lists the placed labels (None where no free place was found).
    """
    from scs_sim.plots.labels import place_labels

    ax = get_ax(ax)
    x = x or battery_column(comparison)
    xs = _numeric(comparison[x]).to_numpy(dtype=float)
    ys = _numeric(comparison[y]).to_numpy(dtype=float)
    front = (
        comparison["pareto"].to_numpy(dtype=bool)
        if "pareto" in comparison.columns
        else np.zeros(len(xs), bool)
    )
    ok = _feasible(comparison)
    ax.scatter(xs[ok], ys[ok], s=36, color="0.6", zorder=3, label="program")
    ax.scatter(
        xs[front],
        ys[front],
        s=70,
        facecolors="none",
        edgecolors="C3",
        linewidths=1.8,
        zorder=4,
        label="Pareto front (feasible)",
    )
    if (~ok).any():
        ax.scatter(xs[~ok], ys[~ok], s=40, color="0.35", marker="x", zorder=3, label="infeasible")
    yerr = _relief_err(comparison, ys) if y == "relief_pct_mean" else None
    if yerr is not None:
        ax.errorbar(
            xs,
            ys,
            yerr=yerr,
            fmt="none",
            ecolor="0.6",
            elinewidth=0.8,
            zorder=2,
        )
    if front.any():
        o = np.argsort(xs[front])
        ax.plot(xs[front][o], ys[front][o], "-", color="C3", lw=1.0, zorder=3)
    fin = xs[np.isfinite(xs)]
    if fin.size and fin.min() > 0 and fin.max() / fin.min() > 20:
        ax.set_xscale("log")
    ax.set_xlabel(_nice(x) + (" (better →)" if x == "battery_life_days" else " (better ←)"))
    ax.set_ylabel("relief (%, mean ± 95 % CI)")
    ax.set_title("relief against battery cost (front: no feasible program better in both)", fontsize=10)
    ax.legend(fontsize=7, loc="best")
    ax.grid(alpha=0.3)
    ax.point_labels = []
    if label_points and len(xs):
        names = [str(p) for p in comparison["program"]]
        if numbers is None:
            numbers = len(names) > 8 or max(len(n) for n in names) > 24
        texts = [str(i + 1) for i in range(len(names))] if numbers else names
        ax.point_labels = place_labels(ax, xs, ys, texts)
    return ax


def bar_rows(feasible, max_bars: int = MAX_BARS) -> np.ndarray:
    """Rows (table order) drawn as bars when there are too many: the best feasible ones, and the best
    infeasible ones for at most a quarter of the bars (fewer feasible: more infeasible)."""
    ok = np.asarray(feasible, dtype=bool)
    good, bad = np.flatnonzero(ok), np.flatnonzero(~ok)
    n_bad = min(bad.size, max(max_bars // 4, max_bars - good.size))
    return np.sort(np.concatenate([good[: max_bars - n_bad], bad[:n_bad]]))


def plot_comparison_bars(
    comparison,
    ax=None,
    *,
    metric: str = "relief_pct_mean",
    ci: str = "relief_pct_ci95",
    max_bars: int = MAX_BARS,
    **style,
):
    """Horizontal bars of relief (mean ± 95 % CI) per program, best on top; Pareto programs in red.

    At most ``max_bars`` rows are drawn (:func:`bar_rows`: the best feasible ones first); labels are
    ``"#row name"`` cut to :data:`LABEL_CHARS` characters; relief error bars end at 100 %. Infeasible
    programs are grey and hatched,
    their label ends in "(infeasible)". Returns the Axes; its bar widths equal ``comparison[metric]``
    in table order (top to bottom).
    """
    ax = get_ax(ax)
    rank = np.arange(len(comparison))
    if len(comparison) > max_bars:
        rank = bar_rows(_feasible(comparison), max_bars)
    comparison = comparison.iloc[rank]
    n = len(comparison)
    vals = _numeric(comparison[metric]).to_numpy(dtype=float)
    err = None
    if metric == "relief_pct_mean" and ci == "relief_pct_ci95":
        err = _relief_err(comparison, np.nan_to_num(vals))
    elif ci in comparison.columns:
        err = _numeric(comparison[ci]).fillna(0).to_numpy(dtype=float)
    front = comparison["pareto"].to_numpy(dtype=bool) if "pareto" in comparison.columns else np.zeros(n, bool)
    ok = _feasible(comparison)
    ypos = np.arange(n)[::-1]
    colors = np.where(~ok, "0.7", np.where(front, "C3", "C0"))
    bars = ax.barh(
        ypos,
        np.nan_to_num(vals),
        xerr=err,
        color=colors,
        alpha=0.85,
        capsize=3,
        error_kw=dict(elinewidth=0.9, ecolor="0.25"),
    )
    for b, f in zip(bars, ok, strict=True):
        if not f:
            b.set_hatch("///")
            b.set_edgecolor("0.4")
    labels = [
        f"#{i + 1} " + short_label(p, LABEL_CHARS - (13 if not f else 0)) + ("" if f else " (infeasible)")
        for i, p, f in zip(rank, comparison["program"], ok, strict=True)
    ]
    ax.set_yticks(ypos, labels, fontsize=8 if n <= 12 else 7)
    ax.axvline(0, color="0.4", lw=0.7)
    ax.set_xlabel("relief (%, mean and 95 % CI)")
    ax.set_title("relief per program (red: Pareto front; hatched: infeasible)", fontsize=10)
    ax.grid(alpha=0.3, axis="x")
    return ax
