"""Recruitment figures: recruitment curves, strength–duration, the dorsal-column cross-section, fibre rasters.

The ``plot_*`` functions draw given data (computed by :mod:`scs_sim.fibers.curves` and
:mod:`scs_sim.fibers.recruitment`), take ``ax=None`` and return the Axes; nothing here runs the model.
"""

from __future__ import annotations

import math

import numpy as np

from scs_sim.plots._common import get_ax

__all__ = [
    "plot_cross_section",
    "plot_fiber_raster",
    "plot_recruitment_curve",
    "plot_strength_duration",
    "raster_comparison_figure",
]


def plot_recruitment_curve(amplitudes_ma, curves: dict, ax=None, *, percent: bool = True, **style):
    """Recruitment curves: fraction of DC fibres recruited against amplitude, one line per pulse width.

    Parameters
    ----------
    amplitudes_ma : array (n,)
    curves : dict
        ``{pulse_width_us: fraction (n,)}`` as returned by :func:`scs_sim.fibers.curves.recruitment_curves`.
    percent : bool
        Draw percentages (the default) instead of fractions.

    Returns the Axes.
    """
    ax = get_ax(ax)
    x = np.asarray(amplitudes_ma, dtype=float)
    k = 100.0 if percent else 1.0
    for i, (pw, frac) in enumerate(sorted(curves.items())):
        ax.plot(
            x,
            k * np.asarray(frac, dtype=float),
            marker=style.get("marker", "o"),
            ms=3,
            color=f"C{i}",
            label=f"{pw:g} µs",
        )
    ax.set_xlabel("amplitude (mA)")
    ax.set_ylabel("DC fibres recruited (%)" if percent else "DC fibres recruited (fraction)")
    ax.set_title("recruitment curve")
    ax.legend(title="pulse width", fontsize=7, title_fontsize=7)
    ax.grid(alpha=0.3)
    return ax


def plot_strength_duration(
    pulse_widths_us,
    thresholds_ma,
    ax=None,
    *,
    fit: tuple[float, float] | None = None,
    reference: tuple[float, float] | None = None,
    reference_label: str = "reference",
    label: str = "model threshold",
    **style,
):
    """Strength–duration curve: threshold (mA) against pulse width (µs).

    Parameters
    ----------
    pulse_widths_us, thresholds_ma : array (n,)
        The data points (non-finite thresholds are dropped).
    fit : (rheobase_ma, chronaxie_us), optional
        A Lapicque fit of the data (:func:`scs_sim.fibers.threshold.fit_strength_duration`): drawn as
        a line, its rheobase and chronaxie point marked.
    reference : (rheobase_ma, chronaxie_us), optional
        A published Lapicque curve, e.g. ``(HERSHEY_2010.rheobase_ma, HERSHEY_2010.chronaxie_us)`` of
        :mod:`scs_sim.validation.references` (Hershey et al. 2010 Pain Physician 13:321): drawn dashed,
        its chronaxie point (chronaxie, 2 × rheobase) starred, labelled ``reference_label``.

    Returns the Axes; the first line holds the given data.
    """
    ax = get_ax(ax)
    pw = np.asarray(pulse_widths_us, dtype=float)
    thr = np.asarray(thresholds_ma, dtype=float)
    ok = np.isfinite(thr)
    ax.plot(pw[ok], thr[ok], "o", color=style.get("color", "C0"), label=label)
    grid = np.geomspace(max(pw.min() * 0.8, 1.0), pw.max() * 1.25, 200)
    ln2 = math.log(2.0)
    if fit is not None:
        rh, ch = fit
        ax.plot(
            grid,
            rh / (1 - np.exp(-grid * ln2 / ch)),
            "-",
            color="C0",
            lw=1.2,
            label=f"fit: rheobase {rh:.2f} mA, chronaxie {ch:.0f} µs",
        )
        ax.axhline(rh, color="C0", ls=":", lw=0.8)
        ax.plot([ch], [2 * rh], "D", color="C0", ms=6, mfc="none")
        ax.annotate(
            "chronaxie", (ch, 2 * rh), textcoords="offset points", xytext=(6, 6), fontsize=7, color="C0"
        )
    if reference is not None:
        rh, ch = reference
        ax.plot(
            grid,
            rh / (1 - np.exp(-grid * ln2 / ch)),
            "--",
            color="0.4",
            lw=1.0,
            label=f"{reference_label}: {rh:g} mA, {ch:g} µs",
        )
        ax.plot([ch], [2 * rh], "*", color="C3", ms=11, label=f"{reference_label} chronaxie point")
        ax.axvline(ch, color="C3", ls=":", lw=0.7)
        ax.axhline(rh, color="0.4", ls=":", lw=0.7)
    ax.set_xscale("log")
    ax.set_xlabel("pulse width (µs)")
    ax.set_ylabel("perception threshold (mA)")
    ax.set_title("strength–duration")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3, which="both")
    return ax


def plot_cross_section(
    fibers,
    ax=None,
    *,
    recruited=None,
    thresholds_ma=None,
    size_scale: float = 6.0,
    show_lead: bool = True,
    **style,
):
    """Dorsal-column cross-section: fibre positions (lateral x against depth), marker area ∝ diameter².

    Colour: by ``thresholds_ma`` (colour map, with a colour bar; never-recruited fibres grey) when
    given, else by ``recruited`` (bool per fibre: recruited / not), else by type (DC / DR).
    The lead is drawn above the CSF layer (depth is negative upwards: cord surface at 0, the lead's
    centre at ``-(csf_mm + lead_diameter_mm / 2)``). Returns the Axes; the fibres are its first
    collection (one point per fibre, in population order).
    """
    ax = get_ax(ax)
    a = fibers.anatomy
    x, y = fibers.x_mm, -fibers.depth_mm
    s = size_scale * (fibers.diameter_um / np.median(fibers.diameter_um)) ** 2
    if thresholds_ma is not None:
        thr = np.asarray(thresholds_ma, dtype=float)
        fin = np.isfinite(thr)
        vmax = float(thr[fin].max()) if fin.any() else 1.0
        vmin = float(thr[fin].min()) if fin.any() else 0.0
        from matplotlib import colormaps

        cmap = colormaps[style.get("cmap", "viridis_r")].with_extremes(bad="0.8")
        sc = ax.scatter(
            x,
            y,
            s=s,
            c=np.where(fin, thr, np.nan),
            cmap=cmap,
            vmin=vmin,
            vmax=vmax,
            edgecolors="none",
            plotnonfinite=True,
        )
        ax.figure.colorbar(sc, ax=ax, label="activation threshold (mA; grey: not reached)", shrink=0.8)
    elif recruited is not None:
        rec = np.asarray(recruited, dtype=bool)
        colors = np.where(rec, "C3", "0.75")
        sc = ax.scatter(x, y, s=s, c=colors, edgecolors="none")
        ax.scatter([], [], c="C3", s=10, label=f"recruited ({rec.sum()})")
        ax.scatter([], [], c="0.75", s=10, label=f"not recruited ({(~rec).sum()})")
    else:
        sc = ax.scatter(x, y, s=s, c=np.where(fibers.is_dr, "C1", "C0"), edgecolors="none")
        ax.scatter([], [], c="C0", s=10, label="dorsal column")
        ax.scatter([], [], c="C1", s=10, label="dorsal root")
    ax.axhline(0, color="0.3", lw=0.8)
    xl = (min(x.min(), a.lead_offset_mm) - 0.8, max(x.max(), a.lead_offset_mm) + 0.8)
    ax.axhspan(0, a.csf_mm, color="lightblue", alpha=0.35, lw=0)
    ax.text(xl[0] + 0.1, a.csf_mm / 2, "CSF", fontsize=8, color="steelblue", va="center")
    ax.text(xl[0] + 0.1, -0.15, "dorsal cord surface", fontsize=7, color="0.3", va="top")
    if show_lead:
        from matplotlib.patches import Circle

        r = a.lead_diameter_mm / 2
        ax.add_patch(Circle((a.lead_offset_mm, a.csf_mm + r), r, color="0.25", zorder=3))
        ax.text(a.lead_offset_mm + r + 0.15, a.csf_mm + r, "lead", fontsize=8, va="center")
        ax.set_ylim(-fibers.depth_mm.max() - 0.3, a.csf_mm + 2 * r + 0.3)
    ax.set_xlim(*xl)
    ax.set_aspect("equal")
    ax.set_xlabel("lateral position (mm, midline 0)")
    ax.set_ylabel("depth (mm; cord surface 0, up = dorsal)")
    ax.set_title("dorsal-column cross-section (marker area ∝ diameter²)")
    if thresholds_ma is None:
        ax.legend(fontsize=7, loc="lower right")
    return ax


def plot_fiber_raster(
    recruitment,
    ax=None,
    *,
    t0: float = 0.0,
    t1: float | None = None,
    dc_only: bool = True,
    only_active: bool = True,
    max_fibres: int = 60,
    title: str | None = None,
    **style,
):
    """Per-fibre spike raster from a :class:`~scs_sim.fibers.recruitment.Recruitment` (CSR spikes).

    One row per fibre (DC only by default; only fibres that fired, at most ``max_fibres``), spikes in
    ``[t0, t1)`` drawn as ``|`` markers in one line (x = time in ms, y = row). Returns the Axes.
    """
    ax = get_ax(ax)
    t1 = recruitment.duration_s if t1 is None else t1
    idx = np.flatnonzero(~recruitment.is_dr) if dc_only else np.arange(recruitment.spike_count.size)
    if only_active:
        idx = idx[recruitment.spike_count[idx] > 0]
    idx = idx[:max_fibres]
    xs, ys = [], []
    for row, f in enumerate(idx):
        t = recruitment.spikes(int(f))
        t = t[(t >= t0) & (t < t1)]
        xs.append(t * 1e3)
        ys.append(np.full(t.size, row))
    x = np.concatenate(xs) if xs else np.zeros(0)
    y = np.concatenate(ys) if ys else np.zeros(0)
    ax.plot(x, y, "|", color=style.get("color", "k"), ms=style.get("ms", 4), mew=style.get("mew", 0.8))
    if len(idx) == 0:
        ax.text(0.5, 0.5, "no fibre fires", transform=ax.transAxes, ha="center", va="center", color="0.4")
        ax.set_yticks([])
    else:
        from matplotlib.ticker import MaxNLocator

        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    pad = 0.01 * (t1 - t0) * 1e3  # spikes right after t0 stay visible off the axis spine
    ax.set_xlim(t0 * 1e3 - pad, t1 * 1e3)
    ax.set_ylim(-0.5, max(len(idx), 1) - 0.5)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("fibre (recruited DC)" if dc_only else "fibre")
    n_dc = int(np.count_nonzero(~recruitment.is_dr))
    rec_dc = int(np.count_nonzero(recruitment.recruited & ~recruitment.is_dr))
    ax.set_title(title or f"{rec_dc}/{n_dc} DC fibres fire", fontsize=9)
    return ax


def raster_comparison_figure(recruitments: dict, *, t0: float = 0.0, t1: float = 0.1):
    """One raster per entry of ``{title: Recruitment}`` side by side (e.g. 50 Hz vs 10 kHz). Returns the Figure."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        1, len(recruitments), figsize=(4.2 * len(recruitments), 3.8), layout="constrained", squeeze=False
    )
    for ax, (title, rec) in zip(axes[0], recruitments.items(), strict=True):
        n_dc = int(np.count_nonzero(~rec.is_dr))
        rec_dc = int(np.count_nonzero(rec.recruited & ~rec.is_dr))
        plot_fiber_raster(rec, ax=ax, t0=t0, t1=t1, title=f"{title}: {rec_dc}/{n_dc} DC fibres fire")
    return fig
