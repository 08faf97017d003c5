"""Sensitivity indices as horizontal bars with their confidence intervals (draw only).

Takes the table of :func:`scs_sim.study.sensitivity.sensitivity` (Sobol' ``S1``/``ST`` or Morris
``mu_star``) and the labels to show; the caller sizes the figure (:func:`figure_height`).
"""

from __future__ import annotations

import numpy as np

from scs_sim.plots._common import get_ax

__all__ = ["plot_sensitivity", "figure_height"]


def figure_height(n_parameters: int) -> float:
    """Inches of a sensitivity bar chart with ``n_parameters`` rows (legend and axis label included)."""
    return 1.6 + 0.55 * max(1, n_parameters)


def plot_sensitivity(table, ax=None, *, labels: list[str] | None = None, **style):
    """Bars of each parameter's indices with CI error bars, the first parameter on top.

    Sobol' tables: ``S1`` and ``ST`` side by side for each parameter; Morris tables: ``mu_star``
    (with ``sigma`` as a marker). ``labels`` replace the parameter names on the y axis. Returns the
    Axes; the bars' widths equal the table's values in table order.
    """
    ax = get_ax(ax)
    n = len(table)
    names = labels if labels is not None else [str(p) for p in table["parameter"]]
    ypos = np.arange(n)[::-1].astype(float)
    err_kw = dict(elinewidth=0.9, ecolor="0.2", capsize=3)
    if "S1" in table.columns:
        h = 0.38
        bars = (("S1", "first order S1", "C0", +h / 2), ("ST", "total order ST", "C1", -h / 2))
        lo, hi = 0.0, 1.0
        for col, label, color, dy in bars:
            v = table[col].to_numpy(dtype=float)
            e = table[f"{col}_conf"].to_numpy(dtype=float)
            ax.barh(ypos + dy, v, height=h, xerr=e, color=style.get(col, color), label=label, error_kw=err_kw)
            lo, hi = min(lo, float(np.nanmin(v - e))), max(hi, float(np.nanmax(v + e)))
        ax.set_xlim(lo - 0.05, hi + 0.05)
        ax.set_xlabel("Sobol' index (share of the output variance); whiskers: confidence interval")
    else:
        v = table["mu_star"].to_numpy(dtype=float)
        e = table["mu_star_conf"].to_numpy(dtype=float)
        ax.barh(ypos, v, height=0.6, xerr=e, color=style.get("mu_star", "C2"), label="mu* (mean |effect|)",
                error_kw=err_kw)
        ax.plot(table["sigma"].to_numpy(dtype=float), ypos, "kD", ms=5, label="sigma (spread of effects)")
        ax.set_xlim(0, 1.08 * float(np.nanmax(np.concatenate([v + e, table["sigma"].to_numpy(dtype=float)]))))
        ax.set_xlabel("elementary effect per whole axis range (output units); whiskers: CI of mu*")
    ax.axvline(0, color="0.4", lw=0.7)
    ax.set_yticks(ypos, names)
    ax.set_ylim(-0.6, n - 0.4)
    ax.grid(alpha=0.3, axis="x")
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2, frameon=False, fontsize=9)
    return ax
