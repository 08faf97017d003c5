"""Figures of the validation report: model against the published reference, one PNG per protocol.

Called by :func:`scs_sim.validation.write_report`; takes the protocol data stored in
``Report.figures`` (no simulation here).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from scs_sim.plots._common import save

__all__ = ["draw_all"]


def _fig(w=6.4, h=3.6, ncols=1):
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, ncols, figsize=(w, h), layout="constrained")
    return fig, axes


def _sd(data, path):
    pws, thr, fits = data["pws"], data["thresholds"], data["fits"]
    fig, ax = _fig()
    x = np.geomspace(40, 1200, 200)

    def lap(rh, ch):
        return rh / (1 - 2.0 ** (-x / ch))

    env = np.array([lap(rh, ch) for rh in (1.3, 3.3) for ch in (242, 326)])
    ax.fill_between(x, env.min(0), env.max(0), color="0.85", label="Hershey 2010 range (rheobase 1.3–3.3 mA, chronaxie 242–326 µs)")
    ax.plot(x, lap(2.5, 295), "k--", label="Hershey 2010: 2.5 mA, 295 µs")
    for k, row in enumerate(thr):
        ax.plot(pws, row, "o", ms=3, color="C0", alpha=0.6, label="model thresholds (anatomy seeds)" if k == 0 else None)
    rh, ch = np.median(fits[:, 0]), np.median(fits[:, 1])
    ax.plot(x, lap(rh, ch), "C0-", label=f"model fit (median): {rh:.2f} mA, {ch:.0f} µs")
    ax.set(xscale="log", yscale="log", xlabel="pulse width (µs)", ylabel="perception threshold (mA)",
           title="Strength–duration (calibration check)")
    ax.legend(fontsize=7)
    save(fig, path)


def _foreman(data, path, seg=None):
    from scs_sim.validation.core import PSTH_BIN_S, foreman_curves

    fig, ax = _fig(7.0, 3.8)
    edges = np.arange(data["control"].size + 1) * PSTH_BIN_S * 1e3
    ax.stairs(data["control"], edges, color="C3", lw=2, label="model zhang2014 (GABA_A intact)")
    if "gaba_block" in data:
        ax.stairs(data["gaba_block"], edges, color="C0", lw=1.5, ls="--", label="model, GABA_A blocked")
    if seg is not None and "control" in seg:
        ax.stairs(seg["control"], edges, color="C1", lw=1.2, label="model segment preset")
    t = np.linspace(0, 100, 101)
    cur = foreman_curves(t)
    for k, c in enumerate(cur):
        ax.plot(t, c, color="0.6", lw=1, label="Foreman 1976 cells (digitised, Zhang 2014 code)" if k == 0 else None)
    ax.plot(t, cur.mean(0), "k:", lw=2, label="mean of digitised cells")
    ax.axhline(1.0, color="k", lw=0.5)
    ax.set(xlabel="time after SCS pulse (ms)", ylabel="WDR rate / pre-pulse rate", xlim=(0, 200), ylim=(0, 2.0),
           title="Single SCS pulse: WDR PSTH (10 ms bins, ÷ 100 ms pre-pulse mean)")
    ax.legend(fontsize=7, loc="lower right")
    save(fig, path)


def _windup(data, path):
    fig, ax = _fig()
    w, w0 = data["with"], data["without"]
    n = np.arange(1, w.size + 1)
    ax.plot(n, w / w[0] if w[0] > 0 else w, "o-C3", label="model, NMDA intact (÷ stimulus 1)")
    ax.plot(n, w0 / w[0] if w[0] > 0 else w0, "s-C0", label="model, NMDA × 0 (÷ control stimulus 1)")
    ax.axhline(1.5, color="0.5", ls="--", lw=1, label="tolerance: stimuli 11–15 ≥ 1.5")
    ax.set(xlabel="stimulus number (1 Hz)", ylabel="C-component (WDR spikes >100 ms)\n÷ stimulus 1",
           title="Wind-up (Zhang 2014 Fig 3a protocol)")
    ax.legend(fontsize=7)
    save(fig, path)


def _conditioning(data, path):
    fig, ax = _fig()
    d, r = data["deltas_ms"], data["ratios"]
    o = np.argsort(d)
    ax.plot(d[o], r[o], "o-C3", label="model zhang2014: C-response with / without conditioning")
    ax.axhline(1.0, color="k", lw=0.5)
    ax.axhline(0.7, color="0.5", ls="--", lw=1, label="tolerance: best Δ ≤ 0.7 (inhibition expected)")
    ax.set(xlabel="conditioning delay Δ after the test volley (ms)", ylabel="normalised C-response",
           ylim=(0, max(1.4, float(np.nanmax(r)) + 0.1)), title="A-fibre conditioning (Woolf & Wall, Zhang Fig 5b)")
    ax.legend(fontsize=7)
    save(fig, path)


def _rate(data, path):
    fig, (a1, a2) = _fig(8.0, 3.4, ncols=2)
    a1.plot(data["t"], data["p"], "C3")
    a1.axvspan(0.5, 0.52, color="C2", alpha=0.3, label="Aβ 40 Hz")
    a1.axvspan(0.59, 0.8, color="C5", alpha=0.2, label="C 22 Hz")
    a1.set(xlabel="time (s)", ylabel="P (WDR) rate (Hz)", title="Crodelle brief stimulus")
    a1.legend(fontsize=7)
    n = np.arange(1, data["windup"].size + 1)
    a2.plot(n, data["windup"], "o-C3", label="NMDA intact")
    a2.plot(n, data["windup0"], "s-C0", label="NMDA × 0")
    a2.set(xlabel="C volley (1 Hz)", ylabel="mean P during volley (Hz)", title="Rate-model wind-up")
    a2.legend(fontsize=7)
    save(fig, path)


def _desync(data, path):
    keys = [k for k in ("50 Hz", "1 kHz", "10 kHz") if k in data and data[k]]
    if not keys:
        return False
    fig, axes = _fig(8.0, 3.0, ncols=len(keys))
    axes = np.atleast_1d(axes)
    for ax, k in zip(axes, keys, strict=True):
        for i, sp in enumerate(data[k]):
            sp = np.asarray(sp)
            sp = sp[(sp >= 1.0) & (sp < 1.1)]
            ax.plot(sp * 1e3, np.full(sp.size, i), "|", color="k", ms=8)
        ax.set(xlabel="time (ms)", ylabel="recruited DC fibre", title=f"{k}, 2× first-fibre threshold",
               xlim=(1000, 1100))
        ax.set_yticks(range(len(data[k])))
        ax.title.set_fontsize(9)
    save(fig, path)
    return True


def _csf(data, path):
    fig, ax = _fig(4.8, 3.4)
    ax.plot(data["csf"], data["thr"], "o-C0")
    ax.set(xlabel="dorsal CSF thickness (mm)", ylabel="perception threshold, 50 Hz 210 µs (mA)",
           title="Threshold vs CSF (He 1994: rises)")
    save(fig, path)


def _pipeline(data, path):
    rel = data["relief"]
    fig, ax = _fig(6.4, 3.4)
    names = list(rel)
    ax.bar(range(len(names)), [rel[k] for k in names], color=["C0" if "blocked" not in k else "C7" for k in names])
    ax.set_xticks(range(len(names)), names, rotation=20, ha="right", fontsize=7)
    ax.axhline(0, color="k", lw=0.5)
    ax.set(ylabel="relief (% WDR rate drop)", title="Preset programs, default patient, segment circuit (3 seeds)")
    save(fig, path)


def draw_all(report, fig_dir) -> list[Path]:
    """Draw every figure the report's protocols support; returns the written paths."""
    fig_dir = Path(fig_dir)
    f = report.figures
    out: list[Path] = []

    def go(key, name, fn, *extra):
        data = f.get(key)
        if not data:
            return
        p = fig_dir / name
        if fn(data, p, *extra) is not False:
            out.append(p)

    go("strength_duration", "strength_duration.png", _sd)
    go("foreman", "foreman_psth.png", _foreman, f.get("foreman_segment"))
    go("windup", "windup.png", _windup)
    go("conditioning", "afibre_conditioning.png", _conditioning)
    go("rate", "rate_model.png", _rate)
    go("desync", "khz_desync.png", _desync)
    go("clinical_recruitment", "csf_thresholds.png", _csf)
    go("pipeline", "pipeline_relief.png", _pipeline)
    return out
