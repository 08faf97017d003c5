"""Self-contained HTML reports of a sweep store, and the README gallery.

Owns :func:`write_report` (a result store → one HTML file: comparison table, figures embedded as
base64 PNG, methods and assumptions; no external assets) and :func:`write_gallery` (the figures of
``docs/gallery``). Uses matplotlib through :mod:`scs_sim.plots` only (Agg, never a window).
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import io
import json
import math
import time
from pathlib import Path

import numpy as np

from scs_sim.errors import ConfigError

__all__ = ["fig_to_base64", "spec_from_store", "write_gallery", "write_report"]

#: Longest simulated time of the re-run of the best program shown in a report, s.
BEST_RUN_MAX_S = 2.0
#: Most program waveform figures in a report (one per distinct program name).
MAX_WAVEFORMS = 8

_TABLE_COLUMNS = [
    ("program", "program", None),
    ("relief_pct_mean", "relief %", "{:.1f}"),
    ("relief_pct_ci95", "± 95 % CI", "{:.1f}"),
    ("paresthesia", "paresthesia", "{:.2f}"),
    ("shannon_k", "Shannon k", "{:.2f}"),
    ("charge_per_phase_uc", "µC/phase", "{:.3g}"),
    ("charge_per_s_uc", "µC/s", "{:.1f}"),
    ("battery_power_uw", "battery µW", "{:.0f}"),
    ("battery_life_days", "battery life (days)", "{:.0f}"),
    ("recharge_min_per_day", "recharge (min/day)", "{:.1f}"),
    ("n", "runs", "{:d}"),
    ("pareto", "Pareto", None),
]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#222;line-height:1.45}
h1{font-size:1.6em}h2{font-size:1.25em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.8em}
table.cmp{border-collapse:collapse;font-size:.88em}table.cmp th,table.cmp td{border:1px solid #ccc;
padding:.25em .55em;text-align:right}table.cmp td:first-child,table.cmp th:first-child{text-align:left}
table.cmp tr.pareto{background:#fff1f0}figure{margin:1em 0}figure img{max-width:100%;border:1px solid #eee}
figcaption{font-size:.85em;color:#555}.note{background:#fff8e1;border-left:4px solid #f0b400;padding:.6em 1em}
code{background:#f4f4f4;padding:0 .25em}.meta{font-size:.85em;color:#555}
"""


def fig_to_base64(fig, *, dpi: int = 100) -> str:
    """PNG bytes of a matplotlib figure as a base64 string (the figure is closed)."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def spec_from_store(store_dir: str | Path):
    """Rebuild the :class:`~scs_sim.sweeps.SweepSpec` of a result store from its manifest."""
    from scs_sim.study.sweeps import Axis, SweepSpec

    mpath = Path(store_dir) / "manifest.json"
    if not mpath.is_file():
        raise ConfigError(f"not a sweep store (no manifest.json): {store_dir}")
    man = json.loads(mpath.read_text())
    spec = man["spec"]
    sw = spec["sweep"]
    axes = []
    for a in sw["axes"]:
        if "values" in a:
            axes.append(Axis(key=a["key"], kind="values", values=tuple(a["values"])))
        else:
            kind = "range" if "range" in a else "log_range"
            axes.append(
                Axis(
                    key=a["key"],
                    kind=kind,
                    bounds=tuple(a[kind]),
                    num=a.get("num"),
                    integer=bool(a.get("integer", False)),
                )
            )
    file = man.get("spec_file")
    return SweepSpec(
        base=spec["base"],
        axes=axes,
        method=sw.get("method", "grid"),
        replicates=int(sw.get("replicates", 1)),
        points=sw.get("points"),
        seed=int(sw.get("seed", 1)),
        seeds=sw.get("seeds", "common"),
        file=file,
        base_dir=str(Path(file).parent) if file else str(Path.cwd()),
        evaluator=spec.get("evaluator", "scs_sim.simulation:evaluate"),
    )


def _fmt_cell(v, fmt) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    if isinstance(v, bool | np.bool_):
        return "yes" if v else "no"
    if fmt:
        try:
            return fmt.format(int(v) if fmt == "{:d}" else float(v))
        except (TypeError, ValueError):
            return html.escape(str(v))
    return html.escape(str(v))


def _table_html(cmp) -> str:
    cols = [(k, h, f) for k, h, f in _TABLE_COLUMNS if k in cmp.columns and cmp[k].notna().any()]
    head = "".join(f"<th>{html.escape(h)}</th>" for _, h, _ in cols)
    rows = []
    for r in cmp.to_dict("records"):
        cls = ' class="pareto"' if r.get("pareto") else ""
        cells = "".join(f"<td>{_fmt_cell(r.get(k), f)}</td>" for k, _, f in cols)
        rows.append(f"<tr{cls}>{cells}</tr>")
    return f'<table class="cmp" id="comparison"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _numeric_axes(table, axes: list[str]) -> list[str]:
    out = []
    for k in axes:
        if k in table.columns and k != "program":
            vals = table[k]
            if vals.dtype.kind in "fiu" and vals.nunique() > 1:
                out.append(k)
    return out


def _short_run_config(cfg, duration_s: float, model: str | None):
    upd = {"duration_s": min(float(cfg.simulation.duration_s), duration_s)}
    if model:
        upd["model"] = model
    sim = cfg.simulation.model_copy(update=upd)
    return cfg.model_copy(update={"simulation": sim})


def write_report(
    store_dir: str | Path,
    out_html: str | Path,
    *,
    title: str | None = None,
    best_run_s: float = BEST_RUN_MAX_S,
    model: str | None = None,
    dpi: int = 90,
) -> Path:
    """Write a self-contained HTML report of a sweep store; returns the path written.

    Contents: the comparison table (:func:`scs_sim.compare.compare`), the waveforms of each
    distinct program (at most ``MAX_WAVEFORMS``), comparison bars, the relief–battery Pareto plot, a
    heatmap (two numeric sweep axes) and/or a frequency-response curve (a ``*frequency_hz`` axis),
    a raster/rates figure and the gate schematic of the best program (re-run for at most
    ``best_run_s`` simulated seconds, with ``model`` if given), and a methods and assumptions
    section. Every figure is an ``<img src="data:image/png;base64,...">``.

    Examples
    --------
    >>> write_report("results/compare_programs", "report.html")  # doctest: +SKIP
    PosixPath('report.html')
    """
    import matplotlib.pyplot as plt

    from scs_sim.plots import (
        plot_circuit_schematic,
        plot_comparison_bars,
        plot_frequency_response,
        plot_heatmap,
        plot_pareto,
        plot_waveforms,
        run_figure,
    )
    from scs_sim.simulation import simulate_config
    from scs_sim.study.compare import compare
    from scs_sim.study.store import load_results

    t_start = time.perf_counter()
    store = Path(store_dir)
    table = load_results(store)
    if len(table) == 0:
        raise ConfigError(f"the sweep store {store} holds no results yet")
    man = json.loads((store / "manifest.json").read_text())
    spec = spec_from_store(store)
    cmp = compare(table)
    figures: list[tuple[str, str, str]] = []  # (section, caption, base64)

    def add(section: str, caption: str, fig) -> None:
        figures.append((section, caption, fig_to_base64(fig, dpi=dpi)))

    # waveforms: the first point of each distinct program name
    name_col = "program_name" if "program_name" in table.columns else "program"
    first_rows = (
        table.drop_duplicates(subset=[name_col]).head(MAX_WAVEFORMS)
        if name_col in table.columns
        else table.head(1)
    )
    for _, row in first_rows.iterrows():
        cfg = spec.config(int(row["point"]), 0) if "point" in row else spec.config(0, 0)
        add(
            "Waveforms",
            f"{cfg.program.name or cfg.program.kind}: one pulse (charge per phase, gap, recharge) "
            "and a window of the train",
            plot_waveforms(cfg.program),
        )
    # comparison
    n = len(cmp)
    fig, ax = plt.subplots(figsize=(7.5, 1.2 + 0.42 * n), layout="constrained")
    plot_comparison_bars(cmp, ax=ax)
    add("Comparison", "Relief per program, mean ± 95 % CI over replicates (red: Pareto front).", fig)
    if "battery_power_uw" in cmp.columns:
        fig, ax = plt.subplots(figsize=(7.5, 4.8), layout="constrained")
        plot_pareto(cmp, ax=ax, label_points=n <= 25)
        add("Comparison", "Relief against battery cost; circled: the relief–power Pareto front.", fig)
    # sweep-axis figures
    axes = [a.key for a in spec.axes]
    num = _numeric_axes(table, axes)
    freq = [k for k in num if k.endswith("frequency_hz")]
    if freq:
        others = [k for k in num if k != freq[0] and table[k].nunique() <= 6]
        fig, ax = plt.subplots(figsize=(7.5, 4.2), layout="constrained")
        plot_frequency_response(table, x=freq[0], by=others[0] if others else None, ax=ax)
        add("Sweep", f"Relief against {freq[0]} (mean, 95 % CI band over replicates).", fig)
    if len(num) >= 2:
        x, y = (freq[0], next(k for k in num if k != freq[0])) if freq else (num[1], num[0])
        fig, ax = plt.subplots(figsize=(7.5, 4.8), layout="constrained")
        plot_heatmap(table, x=x, y=y, ax=ax)
        add(
            "Sweep",
            f"Mean relief over replicates on {y} × {x}"
            + (" (averaged over the other axes)" if len(num) > 2 else "")
            + ".",
            fig,
        )
    # best program: a short re-run
    best = cmp.iloc[0]
    best_point = int(best["point"]) if "point" in cmp.columns else 0
    cfg = _short_run_config(spec.config(best_point, 0), best_run_s, model)
    result = simulate_config(cfg)
    add(
        "Best program",
        f"{best['program']}: dorsal-horn raster and population rates over "
        f"{cfg.simulation.duration_s:g} s (model {cfg.simulation.model}; shaded: stimulation on).",
        run_figure(result),
    )
    fig, ax = plt.subplots(figsize=(7.5, 4.2), layout="constrained")
    plot_circuit_schematic(result, ax=ax)
    add("Best program", f"{best['program']}: the gate circuit coloured by mean rate in that run.", fig)

    # assemble
    title = title or f"scs_sim report: {Path(man.get('spec_file') or store.name).stem}"
    sections: dict[str, list[str]] = {}
    for sec, cap, b64 in figures:
        sections.setdefault(sec, []).append(
            f'<figure><img src="data:image/png;base64,{b64}" alt="{html.escape(cap)}">'
            f"<figcaption>{html.escape(cap)}</figcaption></figure>"
        )
    sim = spec.base.get("simulation", {}) if isinstance(spec.base.get("simulation"), dict) else {}
    meta = (
        f"Store <code>{html.escape(str(store))}</code>; {len(table)} runs "
        f"({man.get('points', '?')} points × {man.get('replicates', '?')} replicates); axes: "
        f"{html.escape(', '.join(axes) or '–')}; simulated {sim.get('duration_s', '?')} s per run, model "
        f"{html.escape(str(sim.get('model', 'spiking')))}; scs_sim {html.escape(str(man.get('versions', {}).get('scs_sim', '?')))}"
        f"; generated {_dt.datetime.now().isoformat(timespec='seconds')}."
    )
    body = [
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="meta">{meta}</p>',
        '<p class="note"><b>Engineering and teaching tool, not for clinical decisions.</b> '
        "The numbers come from a simplified model with illustrative parameters; they rank "
        "programs within the model, they do not predict a patient's relief.</p>",
        "<h2>Comparison</h2>",
        "<p>Programs ranked by mean relief (WDR rate reduction against the paired "
        "no-stimulation baseline, same seed). Shaded rows: on the relief–battery-power Pareto front.</p>",
        _table_html(cmp),
    ]
    for sec in ("Comparison", "Sweep", "Waveforms", "Best program"):
        if sec in sections:
            if sec != "Comparison":
                body.append(f"<h2>{sec}</h2>")
            body.extend(sections[sec])
    body.append(_METHODS)
    doc = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>\n"
        + "\n".join(body)
        + f'\n<p class="meta">Report built in {time.perf_counter() - t_start:.1f} s.</p>'
        + "\n</body></html>\n"
    )
    out = Path(out_html)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(doc, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"--out: cannot write {out}: {exc.strerror or exc}") from None
    return out


_METHODS = """<h2>Methods and assumptions</h2>
<ul>
<li><b>Programs</b> become charge-balanced pulse trains (cathodic phase, interphase gap, active or passive
recharge); charge per phase, Shannon k, power and battery figures follow from the phase table and an
illustrative device (impedance, supply, battery).</li>
<li><b>Recruitment</b>: a sample of dorsal-column and dorsal-root fibres below the lead (CSF layer, fibre
depth and diameter distributions); each pulse depolarises each fibre by a lumped activating-function
coupling; a leaky-integrator excitation model with noise, refractoriness, accommodation and kHz block
decides which fibre fires. Calibrated to the perception strength–duration curve of Hershey et al. 2010
(chronaxie 295 µs, rheobase 2.5 mA).</li>
<li><b>Gate</b>: a dorsal-horn network (Aβ, Aδ, C and dorsal-column collateral inputs; local and surround
inhibitory interneurons, excitatory interneurons, WDR projection neurons) after Zhang et al. 2014, as a
spiking AdEx network or a rate model. Relief is the drop of the WDR rate against the paired run without
stimulation (same seed: common random numbers).</li>
<li><b>Statistics</b>: means over replicates (seeds) with 95 % confidence half-widths from the t-distribution;
the Pareto front is over mean relief and battery power.</li>
<li>Parameters, equations, defaults and sources: <code>docs/MODEL.md</code>. Short simulated durations make
noisy estimates; treat small differences with their confidence intervals.</li>
<li><b>Not for clinical decisions.</b> scs_sim is an engineering and teaching tool.</li>
</ul>
"""


# -- gallery ---------------------------------------------------------------------------------------------

_GALLERY_PROGRAMS = ("tonic_50hz", "burst_dr", "hf_10khz", "hd_1khz", "multiplexed_dtm", "custom_example")


def write_gallery(
    out_dir: str | Path = "docs/gallery", *, seed: int = 1, dpi: int = 100, log=None
) -> list[Path]:
    """Regenerate the README gallery images in ``out_dir``; returns the files written.

    Waveforms of every program kind, recruitment curve, strength–duration curve, dorsal-column
    cross-section, 50 Hz vs 10 kHz fibre raster, gate schematic, run figure (raster + rates), and a
    small sweep's frequency response and heatmap (7 × 4 points × 3 seeds of 1 s spiking runs, serially, in a
    temporary store). Takes well under 3 minutes on one core.
    """
    import shutil
    import tempfile

    import matplotlib.pyplot as plt

    from scs_sim.config.loader import load_program
    from scs_sim.fibers.anatomy import Anatomy, build_fibers
    from scs_sim.fibers.recruitment import recruit
    from scs_sim.fibers.threshold import strength_duration
    from scs_sim.plots import (
        amplitude_scan,
        plot_circuit_schematic,
        plot_cross_section,
        plot_fiber_raster,
        plot_frequency_response,
        plot_heatmap,
        plot_pulse_shape,
        plot_recruitment_curve,
        plot_strength_duration,
        plot_train,
        recruitment_curves,
        run_figure,
    )
    from scs_sim.simulation import simulate
    from scs_sim.stim.programs import high_frequency, pulse_train, tonic
    from scs_sim.study.store import load_results
    from scs_sim.study.sweeps import run_sweep

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    log = log or (lambda msg: None)

    def save(fig, name: str) -> None:
        p = out / name
        fig.savefig(p, dpi=dpi)
        plt.close(fig)
        written.append(p)
        log(f"wrote {p}")

    # 1. waveforms of every kind (one pulse above, train below; one column per program)
    fig, axes = plt.subplots(2, 3, figsize=(15, 7), layout="constrained")
    for ax, name in zip(axes.flat, _GALLERY_PROGRAMS, strict=True):
        plot_pulse_shape(load_program(name)[0], ax=ax)
    save(fig, "waveforms_pulse_shapes.png")
    fig, axes = plt.subplots(2, 3, figsize=(15, 6.5), layout="constrained")
    for ax, name in zip(axes.flat, _GALLERY_PROGRAMS, strict=True):
        plot_train(load_program(name)[0], ax=ax)
    save(fig, "waveforms_trains.png")

    # 2. recruitment
    fibers = build_fibers(Anatomy(), np.random.default_rng(seed))
    amps = np.linspace(1.0, 25.0, 25)
    curves = recruitment_curves(tonic(), fibers, amps, (60.0, 210.0, 450.0, 1000.0), seed=seed)
    fig, ax = plt.subplots(figsize=(6.4, 4.0), layout="constrained")
    plot_recruitment_curve(amps, curves, ax=ax)
    save(fig, "recruitment_curve.png")
    pws = np.array([60.0, 90.0, 120.0, 210.0, 300.0, 450.0, 700.0, 1000.0])
    thr = strength_duration(tonic(), fibers, seed, pws, duration_s=0.3)
    fig, ax = plt.subplots(figsize=(6.4, 4.0), layout="constrained")
    plot_strength_duration(pws, thr, ax=ax)
    save(fig, "strength_duration.png")
    scan_amps = np.linspace(1.0, 25.0, 49)
    scan = amplitude_scan(tonic(), fibers, scan_amps, seed=seed)
    thr_f = np.where(scan.any(axis=0), scan_amps[np.argmax(scan, axis=0)], np.inf)
    fig, ax = plt.subplots(figsize=(7.5, 4.2), layout="constrained")
    plot_cross_section(fibers, ax=ax, thresholds_ma=thr_f)
    ax.set_title("dorsal-column cross-section: tonic 210 µs activation threshold", fontsize=10)
    save(fig, "cross_section.png")
    r50 = recruit(pulse_train(tonic(amplitude_ma=10.0)), fibers, np.random.default_rng(seed), 0.5)
    r10k = recruit(pulse_train(high_frequency(amplitude_ma=30.0)), fibers, np.random.default_rng(seed), 0.5)
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
    plot_fiber_raster(r50, ax=a, t1=0.2, title=None)
    a.set_title(
        f"50 Hz, 210 µs, 10 mA: {int((r50.recruited & ~r50.is_dr).sum())} DC fibres, locked to pulses",
        fontsize=9,
    )
    plot_fiber_raster(r10k, ax=b, t1=0.2)
    b.set_title(
        f"10 kHz, 30 µs, 30 mA: {int((r10k.recruited & ~r10k.is_dr).sum())} DC fibres, asynchronous",
        fontsize=9,
    )
    save(fig, "raster_50hz_vs_10khz.png")

    # 3. the gate
    res = simulate("tonic_50hz", duration_s=2.0, seed=seed)
    fig, ax = plt.subplots(figsize=(7.5, 4.2), layout="constrained")
    plot_circuit_schematic(res, ax=ax)
    save(fig, "gate_schematic.png")
    save(run_figure(res), "run_figure.png")

    # 4. a small sweep: frequency × amplitude, 1 s spiking runs, 3 replicates
    spec = {
        "program": {
            "name": "tonic",
            "kind": "tonic",
            "frequency_hz": 50.0,
            "pulse_width_us": 210.0,
            "amplitude_ma": 6.0,
        },
        "simulation": {"duration_s": 1.0, "seed": seed},
        "sweep": {
            "method": "grid",
            "replicates": 3,
            "seed": seed,
            "axes": {
                "program.frequency_hz": {"log_range": [2.0, 1000.0], "num": 7},
                "program.amplitude_ma": [4.0, 6.0, 8.0, 10.0],
            },
        },
    }
    tmp = Path(tempfile.mkdtemp(prefix="scs_gallery_"))
    try:
        run_sweep(spec, out=tmp / "store", backend="serial", progress=False)
        table = load_results(tmp / "store")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    fig, ax = plt.subplots(figsize=(7.0, 4.2), layout="constrained")
    plot_frequency_response(table, by="program.amplitude_ma", ax=ax)
    save(fig, "frequency_response.png")
    fig, ax = plt.subplots(figsize=(7.0, 4.2), layout="constrained")
    plot_heatmap(table, "program.frequency_hz", "program.amplitude_ma", ax=ax)
    save(fig, "sweep_heatmap.png")
    return written
