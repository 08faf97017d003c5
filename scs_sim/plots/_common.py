"""Shared plotting helpers (matplotlib only here and in the other plot modules)."""

from __future__ import annotations


def get_ax(ax=None):
    """Return ``ax`` or a new Axes on a new figure."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=(6.4, 3.6), layout="constrained")
    return ax

