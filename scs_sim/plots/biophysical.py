"""Figures of the fast-vs-biophysical fibre agreement (``biophysical_agreement`` protocol's ``figure`` dict).

Draws only: the arrays come from :func:`scs_sim.validation.protocols_biophysical.protocol_biophysical_agreement`.
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = ["agreement_figure", "plot_normalised_thresholds"]


def plot_normalised_thresholds(x, fast, bio, ax=None, *, xlabel: str = "", ylabel: str = "threshold (normalised)",
                               logy: bool = True):
    """Fast (blue) and biophysical (orange) normalised thresholds against ``x``: one thin line per fibre, median bold."""
    from scs_sim.plots._common import get_ax

    ax = get_ax(ax)
    x = np.asarray(x, dtype=float)
    for arr, color, name in ((np.atleast_2d(fast), "C0", "fast"), (np.atleast_2d(bio), "C1", "biophysical")):
        finite = np.where(np.isfinite(arr), arr, np.nan)
        for row in finite:
            ax.plot(x, row, color=color, lw=0.6, alpha=0.4)
        with warnings.catch_warnings():  # a column that is all inf (never fires) has no median: a gap
            warnings.simplefilter("ignore", RuntimeWarning)
            med = np.nanmedian(finite, axis=0)
        ax.plot(x, med, color=color, lw=2.0, marker="o", label=name)
    ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False)
    return ax


def agreement_figure(fig_data: dict):
    """Three panels: threshold vs pulse width, vs pulse rate, and the two-pulse recovery."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
    plot_normalised_thresholds(fig_data["pws"], fig_data["norm_fast"], fig_data["norm_bio"], axes[0],
                               xlabel="pulse width (µs)", ylabel="threshold ÷ own 300 µs threshold")
    plot_normalised_thresholds(fig_data["rates"], fig_data["rate_fast"], fig_data["rate_bio"], axes[1],
                               xlabel="pulse rate (Hz)", ylabel="threshold ÷ own 2 Hz threshold", logy=False)
    plot_normalised_thresholds(fig_data["intervals"], fig_data["recovery_fast"], fig_data["recovery_bio"], axes[2],
                               xlabel="pulse interval (ms)", ylabel="pair threshold ÷ single")
    fig.tight_layout()
    return fig
