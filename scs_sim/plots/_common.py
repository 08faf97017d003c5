"""Shared plotting helpers (matplotlib only here and in the other plot modules)."""

from __future__ import annotations


def get_ax(ax=None):
    """Return ``ax`` or a new Axes on a new figure."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=(6.4, 3.6), layout="constrained")
    return ax


def save(fig, path) -> None:
    """Save a figure to ``path`` (format from the suffix) and close it.

    Saving belongs to the app (:func:`scs_sim.app.cli.common.save_figure`); this remains only for
    :mod:`scs_sim.plots.validation` (TODO(merge): remove when that module stops writing files).
    """
    import matplotlib.pyplot as plt

    fig.savefig(path, dpi=120)
    plt.close(fig)
