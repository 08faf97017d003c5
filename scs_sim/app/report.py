"""Self-contained HTML reports of a sweep store.

Owns :func:`write_report` (a result store → one HTML file: comparison table, figures embedded as
base64 PNG, methods and assumptions; no external assets). Uses matplotlib through
:mod:`scs_sim.plots` only (Agg, never a window). The README gallery is :mod:`scs_sim.app.gallery`.
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

from scs_sim.app.report_sensitivity import sensitivity_section
from scs_sim.errors import ConfigError

__all__ = ["fig_to_base64", "spec_from_store", "write_report"]

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
    """Rebuild the :class:`~scs_sim.study.spec.SweepSpec` of a result store from its manifest."""
    from scs_sim.study import Axis, SweepSpec
    from scs_sim.study.store import read_manifest

    man = read_manifest(store_dir)
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
    from scs_sim.study.cohort import Cohort

    return SweepSpec(
        cohort=Cohort.from_dict(spec.get("cohort")),
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

    Contents: the comparison table (:func:`scs_sim.study.compare.compare`), the waveforms of each
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
    body.append(sensitivity_section(store, dpi=dpi))
    body.append(_methods_html())
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
(Pain Physician 13:321; chronaxie {chronaxie_us:g} µs, rheobase {rheobase_ma:g} mA).</li>
<li><b>Gate</b>: a dorsal-horn network (Aβ, Aδ, C and dorsal-column collateral inputs; local and surround
inhibitory interneurons, excitatory interneurons, WDR projection neurons) after Zhang et al. 2014
(J Neurophysiol 112:552), as a spiking AdEx network or a rate model. Relief is the drop of the WDR rate
against the paired run without stimulation (same seed: common random numbers).</li>
<li><b>Statistics</b>: means over replicates (seeds) with 95 % confidence half-widths from the t-distribution;
the Pareto front is over mean relief and battery power.</li>
<li>Parameters, equations, defaults and sources: <code>docs/MODEL.md</code>. Short simulated durations make
noisy estimates; treat small differences with their confidence intervals.</li>
<li><b>Not for clinical decisions.</b> scs_sim is an engineering and teaching tool.</li>
</ul>
"""


def _methods_html() -> str:
    """The methods and assumptions section, with the calibration target's numbers filled in."""
    from scs_sim.validation.references import HERSHEY_2010

    rheobase_ma, chronaxie_us = HERSHEY_2010.reference
    return _METHODS.format(rheobase_ma=rheobase_ma, chronaxie_us=chronaxie_us)
