"""Figures of the validation report: model against the published reference.

Drawing only. Every function takes the data it draws (the model values a validation protocol stored
and the reference arrays or numbers) as arguments and returns the Axes (single panel) or the Figure
(several panels); nothing here runs a model, reads reference data or writes a file. The validation
report (:mod:`scs_sim.validation.report`) calls them and saves the PNGs.
"""

from __future__ import annotations

import numpy as np

__all__ = ["plot_conditioning_check", "plot_csf_thresholds", "plot_desync_rasters", "plot_foreman_psth",
           "plot_pipeline_relief", "plot_rate_check", "plot_strength_duration_check", "plot_windup_check"]


def _fig(w=6.4, h=3.6, ncols=1):
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, ncols, figsize=(w, h), layout="constrained")
    return fig, axes


def _ax(ax, w=6.4, h=3.6):
    if ax is not None:
        return ax
    return _fig(w, h)[1]


def _lapicque(x, rheobase, chronaxie):
    return rheobase / (1 - 2.0 ** (-x / chronaxie))


def plot_strength_duration_check(pws, thresholds, fits, *, reference, reference_range,
                                 reference_name="reference", ax=None):
    """Model perception thresholds (one row per anatomy seed) and their Lapicque fits vs a published curve.

    Parameters
    ----------
    pws : array (µs)
        Pulse widths of the model thresholds.
    thresholds : array (n_seeds, n_pws) (mA)
        Model perception thresholds.
    fits : array (n_seeds, 2)
        Per-seed (rheobase mA, chronaxie µs); the median fit is drawn.
    reference : (rheobase_ma, chronaxie_us)
        The published curve (dashed).
    reference_range : ((rheobase lo, hi) mA, (chronaxie lo, hi) µs)
        The published ranges (grey band: envelope of the four corner curves).
    reference_name : str
        Legend name of the reference, e.g. "Hershey 2010".
    """
    ax = _ax(ax)
    x = np.geomspace(40, 1200, 200)
    (rh_lo, rh_hi), (ch_lo, ch_hi) = reference_range
    env = np.array([_lapicque(x, rh, ch) for rh in (rh_lo, rh_hi) for ch in (ch_lo, ch_hi)])
    ax.fill_between(x, env.min(0), env.max(0), color="0.85",
                    label=f"{reference_name} range (rheobase {rh_lo:g}–{rh_hi:g} mA, chronaxie {ch_lo:g}–{ch_hi:g} µs)")
    ref_rh, ref_ch = reference
    ax.plot(x, _lapicque(x, ref_rh, ref_ch), "k--", label=f"{reference_name}: {ref_rh:g} mA, {ref_ch:g} µs")
    for k, row in enumerate(thresholds):
        ax.plot(pws, row, "o", ms=3, color="C0", alpha=0.6, label="model thresholds (anatomy seeds)" if k == 0 else None)
    rh, ch = np.median(fits[:, 0]), np.median(fits[:, 1])
    ax.plot(x, _lapicque(x, rh, ch), "C0-", label=f"model fit (median): {rh:.2f} mA, {ch:.0f} µs")
    ax.set(xscale="log", yscale="log", xlabel="pulse width (µs)", ylabel="perception threshold (mA)",
           title="Strength–duration (calibration check)")
    ax.legend(fontsize=7)
    return ax


def plot_foreman_psth(control, bin_s, reference_t_ms, reference_cells, *, gaba_block=None, segment=None,
                      reference_label="reference cells", ax=None):
    """Normalised model WDR PSTHs after one SCS pulse against digitised reference cells.

    Parameters
    ----------
    control : array
        Model PSTH (÷ pre-pulse rate), GABA_A intact, bins of ``bin_s`` from the pulse.
    bin_s : float (s)
        PSTH bin width.
    reference_t_ms : array (ms)
        Times of the reference curves.
    reference_cells : array (n_cells, n_t)
        Reference responses (÷ pre-pulse rate); their mean is drawn dotted.
    gaba_block, segment : array, optional
        Model PSTH with GABA_A blocked, and of the segment preset.
    reference_label : str
        Legend label of the reference cells.
    """
    ax = _ax(ax, 7.0, 3.8)
    edges = np.arange(control.size + 1) * bin_s * 1e3
    ax.stairs(control, edges, color="C3", lw=2, label="model zhang2014 (GABA_A intact)")
    if gaba_block is not None:
        ax.stairs(gaba_block, edges, color="C0", lw=1.5, ls="--", label="model, GABA_A blocked")
    if segment is not None:
        ax.stairs(segment, edges, color="C1", lw=1.2, label="model segment preset")
    for k, c in enumerate(reference_cells):
        ax.plot(reference_t_ms, c, color="0.6", lw=1, label=reference_label if k == 0 else None)
    ax.plot(reference_t_ms, reference_cells.mean(0), "k:", lw=2, label="mean of digitised cells")
    ax.axhline(1.0, color="k", lw=0.5)
    ax.set(xlabel="time after SCS pulse (ms)", ylabel="WDR rate / pre-pulse rate", xlim=(0, 200), ylim=(0, 2.0),
           title="Single SCS pulse: WDR PSTH (10 ms bins, ÷ 100 ms pre-pulse mean)")
    ax.legend(fontsize=7, loc="lower right")
    return ax


def plot_windup_check(with_nmda, without_nmda, *, tolerance, ax=None):
    """C-component per stimulus with and without NMDA, ÷ the control stimulus 1, and the tolerance line."""
    ax = _ax(ax)
    w, w0 = with_nmda, without_nmda
    n = np.arange(1, w.size + 1)
    ax.plot(n, w / w[0] if w[0] > 0 else w, "o-C3", label="model, NMDA intact (÷ stimulus 1)")
    ax.plot(n, w0 / w[0] if w[0] > 0 else w0, "s-C0", label="model, NMDA × 0 (÷ control stimulus 1)")
    ax.axhline(tolerance, color="0.5", ls="--", lw=1, label=f"tolerance: stimuli 11–15 ≥ {tolerance:g}")
    ax.set(xlabel="stimulus number (1 Hz)", ylabel="C-component (WDR spikes >100 ms)\n÷ stimulus 1",
           title="Wind-up (Zhang 2014 Fig 3a protocol)")
    ax.legend(fontsize=7)
    return ax


def plot_conditioning_check(deltas_ms, ratios, *, tolerance, ax=None):
    """C-response with / without a conditioning A-fibre volley against the conditioning delay."""
    ax = _ax(ax)
    d, r = deltas_ms, ratios
    o = np.argsort(d)
    ax.plot(d[o], r[o], "o-C3", label="model zhang2014: C-response with / without conditioning")
    ax.axhline(1.0, color="k", lw=0.5)
    ax.axhline(tolerance, color="0.5", ls="--", lw=1, label=f"tolerance: best Δ ≤ {tolerance:g} (inhibition expected)")
    ax.set(xlabel="conditioning delay Δ after the test volley (ms)", ylabel="normalised C-response",
           ylim=(0, max(1.4, float(np.nanmax(r)) + 0.1)), title="A-fibre conditioning (Woolf & Wall, Zhang Fig 5b)")
    ax.legend(fontsize=7)
    return ax


def plot_rate_check(t, p, windup, windup0, *, abeta_window_s, c_window_s, axes=None):
    """Rate model: P (WDR) rate around a brief stimulus, and P per C volley with and without NMDA.

    ``abeta_window_s`` and ``c_window_s`` are the (start, stop) of the Aβ and C stimuli (s);
    ``axes`` is a pair of Axes (default: a new two-panel figure). Returns the Figure.
    """
    if axes is None:
        fig, axes = _fig(8.0, 3.4, ncols=2)
    a1, a2 = axes
    a1.plot(t, p, "C3")
    a1.axvspan(*abeta_window_s, color="C2", alpha=0.3, label="Aβ 40 Hz")
    a1.axvspan(*c_window_s, color="C5", alpha=0.2, label="C 22 Hz")
    a1.set(xlabel="time (s)", ylabel="P (WDR) rate (Hz)", title="Crodelle brief stimulus")
    a1.legend(fontsize=7)
    n = np.arange(1, windup.size + 1)
    a2.plot(n, windup, "o-C3", label="NMDA intact")
    a2.plot(n, windup0, "s-C0", label="NMDA × 0")
    a2.set(xlabel="C volley (1 Hz)", ylabel="mean P during volley (Hz)", title="Rate-model wind-up")
    a2.legend(fontsize=7)
    return a1.figure


def plot_desync_rasters(rasters, *, window_s=(1.0, 1.1), axes=None):
    """Spike rasters of recruited DC fibres, one panel per program (keys "50 Hz", "1 kHz", "10 kHz").

    ``rasters[k]`` is a list of spike-time arrays (s), one per fibre; only ``window_s`` is drawn.
    Returns the Figure, or None when no program has a raster.
    """
    keys = [k for k in ("50 Hz", "1 kHz", "10 kHz") if k in rasters and rasters[k]]
    if not keys:
        return None
    if axes is None:
        _, axes = _fig(8.0, 3.0, ncols=len(keys))
    axes = np.atleast_1d(axes)
    t0, t1 = window_s
    for ax, k in zip(axes, keys, strict=True):
        for i, sp in enumerate(rasters[k]):
            sp = np.asarray(sp)
            sp = sp[(sp >= t0) & (sp < t1)]
            ax.plot(sp * 1e3, np.full(sp.size, i), "|", color="k", ms=8)
        ax.set(xlabel="time (ms)", ylabel="recruited DC fibre", title=f"{k}, 2× first-fibre threshold",
               xlim=(t0 * 1e3, t1 * 1e3))
        ax.set_yticks(range(len(rasters[k])))
        ax.title.set_fontsize(9)
    return axes[0].figure


def plot_csf_thresholds(csf_mm, threshold_ma, ax=None):
    """Model perception threshold against dorsal CSF thickness."""
    ax = _ax(ax, 4.8, 3.4)
    ax.plot(csf_mm, threshold_ma, "o-C0")
    ax.set(xlabel="dorsal CSF thickness (mm)", ylabel="perception threshold, 50 Hz 210 µs (mA)",
           title="Threshold vs CSF (He 1994: rises)")
    return ax


def plot_pipeline_relief(relief, ax=None):
    """Bar chart of relief (%) per program name (names containing "blocked" drawn grey)."""
    ax = _ax(ax, 6.4, 3.4)
    names = list(relief)
    ax.bar(range(len(names)), [relief[k] for k in names], color=["C0" if "blocked" not in k else "C7" for k in names])
    ax.set_xticks(range(len(names)), names, rotation=20, ha="right", fontsize=7)
    ax.axhline(0, color="k", lw=0.5)
    ax.set(ylabel="relief (% WDR rate drop)", title="Preset programs, default patient, segment circuit (3 seeds)")
    return ax
