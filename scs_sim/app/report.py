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
    ("relief_ci", "95 % CI", None),
    ("responder_rate", "resp.", "{:.0%}"),
    ("relief_diff_pct", "Δ vs ref.", "{:+.1f}"),
    ("paresthesia", "paresth.", "{:.2f}"),
    ("discomfort", "discomf.", "{:.2f}"),
    ("shannon_k", "Shannon k", "{:.2f}"),
    ("charge_per_phase_uc", "µC/phase", "{:.3g}"),
    ("charge_per_s_uc", "µC/s", "{:.1f}"),
    ("battery_power_uw", "battery µW", "{:.0f}"),
    ("battery_life_days", "battery life (days)", "{:.0f}"),
    ("recharge_min_per_day", "recharge (min/day)", "{:.1f}"),
    ("pareto", "Pareto", None),
]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#222;line-height:1.45}
h1{font-size:1.6em}h2{font-size:1.25em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.8em}
table.cmp{border-collapse:collapse;font-size:.82em;width:100%}table.cmp th,table.cmp td{border:1px solid #ccc;
padding:.25em .4em;text-align:right}
table.cmp tr.pareto{background:#fff1f0}figure{margin:1em 0}figure img{max-width:100%;border:1px solid #eee}
figcaption{font-size:.85em;color:#555}.note{background:#fff8e1;border-left:4px solid #f0b400;padding:.6em 1em}
code{background:#f4f4f4;padding:0 .25em}.meta{font-size:.85em;color:#555}
table.cmp tr.infeasible{color:#888;background:#f4f4f4}table.cmp tr.why td{border-top:none;text-align:left;
font-size:.88em;color:#8a1c1c;background:#f9f4f4}table.cmp tr.infeasible td{border-bottom:none}
table.cmp td.num{white-space:nowrap}table.cmp th{vertical-align:bottom}table.cmp td.name,table.cmp th.name{text-align:left;
overflow-wrap:break-word;min-width:9em}.tablewrap{overflow-x:auto}.best{font-size:1.05em}
.limits{background:#eef4fb;border-left:4px solid #4a7fb5;padding:.4em 1em;font-size:.88em;margin:1em 0}
.limits ul{margin:.3em 0;padding-left:1.2em}
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
    """The comparison table; an infeasible program's reasons go in a full-width row below it."""
    cols = [(k, h, f) for k, h, f in _TABLE_COLUMNS if k in cmp.columns and cmp[k].notna().any()]
    feas = "feasible" in cmp.columns
    head = '<th class="num">#</th>' + "".join(
        f'<th class="{"name" if k == "program" else "num"}">{html.escape(h)}</th>' for k, h, _ in cols
    )
    if feas:
        head += '<th class="num">feas&shy;ible</th>'
    width = len(cols) + 1 + feas
    rows = []
    for i, r in enumerate(cmp.to_dict("records")):
        ok = bool(r.get("feasible", True))
        cls = "prog" + (" pareto" if r.get("pareto") else "") + ("" if ok else " infeasible")
        cells = f'<td class="num">{i + 1}</td>' + "".join(
            f'<td class="{"name" if k == "program" else "num"}">{_fmt_cell(r.get(k), f)}</td>' for k, _, f in cols
        )
        if feas:
            cells += f'<td class="num">{"yes" if ok else "no"}</td>'
        rows.append(f'<tr class="{cls}">{cells}</tr>')
        if feas and not ok:
            why = html.escape(str(r.get("infeasible_reasons") or "infeasible"))
            rows.append(f'<tr class="why"><td></td><td class="why" colspan="{width - 1}">✗ {why}</td></tr>')
    return (
        '<div class="tablewrap"><table class="cmp" id="comparison"><thead><tr>'
        f'{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
    )


def _best_html(cmp, best_pos) -> str:
    """One sentence naming the best feasible program (and how many programs are infeasible)."""
    n_bad = int((~cmp["feasible"].to_numpy(dtype=bool)).sum()) if "feasible" in cmp.columns else 0
    bad = f" {n_bad} of {len(cmp)} programs are infeasible and excluded from “best” and the front." if n_bad else ""
    if best_pos is None:
        return f'<p class="best" id="best">No feasible program in this sweep.{bad}</p>'
    r = cmp.iloc[best_pos]
    ci = r.get("relief_pct_ci95")
    ci_txt = f" ± {ci:.1f}" if isinstance(ci, float) and math.isfinite(ci) else ""
    return (
        f'<p class="best" id="best"><b>Best feasible program:</b> #{best_pos + 1} '
        f"{html.escape(str(r['program']))}, relief {r['relief_pct_mean']:.1f}{ci_txt} % (model estimate).{bad}</p>"
    )


#: Known model limits printed beside the ranking (from docs/VALIDATION.md and docs/MODEL.md, Known limitations).
_LIMITS_HTML = """<div class="limits" id="limits"><b>Read the ranking with the model's known limits</b>
(docs/VALIDATION.md, docs/MODEL.md §2.6, Known limitations):
<ul>
<li>Relief is the drop of a point-neuron gate model's WDR rate, not a pain score; the model does not predict
trial outcomes (responder rates, VAS).</li>
<li>10 kHz and sub-perception programs recruit no dorsal-column fibre at clinical amplitudes in this model, so
their relief is near 0 by construction, not because they fail clinically.</li>
<li>Inhibition lasts tens of ms (GABA_A and glycine only); a homogeneous point-source conductor (no CSF layer,
dura or vertebra): thresholds depend strongly on the CSF thickness.</li>
<li>Feasibility uses an illustrative device; the 30 µC/cm² density limit is a DBS manufacturer limit assumed
for SCS. Few seeds give wide, noisy intervals.</li>
</ul></div>"""


def _row_ok(cmp, pos: int) -> bool:
    return bool(cmp["feasible"].iloc[pos]) if "feasible" in cmp.columns else True


def _waveform_points(cmp, table, spec) -> list:
    """(row position, RunConfig) of each distinct program name's best feasible row (else its best row)."""
    name_col = "program_name" if "program_name" in table.columns else "program"
    if "point" not in cmp.columns or "point" not in table.columns or name_col not in table.columns:
        return [(0, spec.config(0, 0))]
    names = table.drop_duplicates("point").set_index("point")[name_col].astype(str)
    chosen: dict[str, int] = {}
    for pos in range(len(cmp)):
        name = names.get(int(cmp["point"].iloc[pos]), "")
        if name not in chosen or (not _row_ok(cmp, chosen[name]) and _row_ok(cmp, pos)):
            chosen[name] = pos
    order = sorted(chosen.values())[:MAX_WAVEFORMS]
    return [(pos, spec.config(int(cmp["point"].iloc[pos]), 0)) for pos in order]


def _is_grid(spec) -> bool:
    """True for enumerated designs (grid): every combination of the axis values, so lines and heatmaps fit."""
    from scs_sim.study.samplers import SAMPLERS

    return spec.method in SAMPLERS and not SAMPLERS[spec.method].sized


def _grid_figures(table, num: list[str], add) -> None:
    """Frequency response (lines, one per value of a small axis) and a heatmap of a grid sweep."""
    import matplotlib.pyplot as plt

    from scs_sim.plots import plot_frequency_response, plot_heatmap
    from scs_sim.study.feasibility import row_feasibility

    freq = [k for k in num if k.endswith("frequency_hz")]
    if freq or len(num) == 1:
        x = freq[0] if freq else num[0]
        others = [k for k in num if k != x and table[k].nunique() <= 6]
        names = [c for c in ("program_name", "program") if c in table.columns and 1 < table[c].nunique() <= 8]
        by = others[0] if others else (names[0] if names and len(num) == 1 else None)
        feasible, _, discomfort = row_feasibility(table)
        fig, ax = plt.subplots(figsize=(7.5, 4.2), layout="constrained")
        plot_frequency_response(table, x=x, by=by, ax=ax, feasible=feasible & ~discomfort)
        add("Sweep", f"Relief against {x}" + (f", one line per {by}" if by else "")
            + " (mean, 95 % CI band over replicates; crosses: infeasible or uncomfortable).", fig)
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


def _design_figures(table, num: list[str], add) -> None:
    """Scattered designs: every run against each parameter with its main effect, and the top pair."""
    import matplotlib.pyplot as plt

    from scs_sim.plots.designs import effect_spread, plot_design_pair, plot_design_scatter
    from scs_sim.study.feasibility import row_feasibility

    feasible, _, discomfort = row_feasibility(table)
    ok = feasible & ~discomfort
    ncol = min(3, len(num))
    nrow = math.ceil(len(num) / ncol)
    fig, axs = plt.subplots(nrow, ncol, figsize=(7.5, 2.6 * nrow + 0.4), layout="constrained", squeeze=False)
    for ax, key in zip(axs.flat, num, strict=False):
        plot_design_scatter(table, key, ax=ax, feasible=ok)
    for ax in list(axs.flat)[len(num):]:
        ax.set_visible(False)
    handles, labels = axs.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), fontsize=7)
    add("Sweep", "Every run's relief against each parameter (points; grey crosses: infeasible or uncomfortable) "
        "and its main effect: the mean in equal-count bins of that parameter, averaged over the other "
        "parameters (line; band: 95 % CI over the runs in the bin). In this design every point varies in "
        "every parameter, so no line is drawn through the points.", fig)
    if len(num) >= 2:
        top = sorted(num, key=lambda k: -effect_spread(table, k))[:2]
        fig, ax = plt.subplots(figsize=(7.5, 4.8), layout="constrained")
        plot_design_pair(table, top[0], top[1], ax=ax, feasible=ok)
        add("Sweep", f"Design points on the two parameters with the largest main effects ({top[1]} × {top[0]}), "
            "coloured by mean relief over replicates; X: infeasible.", fig)


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
        plot_pareto,
        plot_waveforms,
        run_figure,
    )
    from scs_sim.plots.sweeps import MAX_BARS
    from scs_sim.simulation import simulate_config
    from scs_sim.study.compare import compare, pareto_front
    from scs_sim.study.feasibility import best_feasible, feasibility_columns
    from scs_sim.study.store import load_results

    t_start = time.perf_counter()
    store = Path(store_dir)
    table = load_results(store)
    if len(table) == 0:
        raise ConfigError(f"the sweep store {store} holds no results yet")
    man = json.loads((store / "manifest.json").read_text())
    spec = spec_from_store(store)
    cmp = compare(table)
    if {"relief_pct_ci_low", "relief_pct_ci_high"} <= set(cmp.columns):  # a cohort's bootstrap interval
        cmp["relief_ci"] = [
            f"[{lo:.1f}, {hi:.1f}]" if math.isfinite(lo) and math.isfinite(hi) else None
            for lo, hi in zip(cmp["relief_pct_ci_low"].astype(float), cmp["relief_pct_ci_high"].astype(float), strict=True)
        ]
    if "feasible" not in cmp.columns:  # a store written before the flags: judge it from its figures
        cmp = cmp.assign(**feasibility_columns(cmp, table, derive=True))
        if "feasible" in cmp.columns and "battery_power_uw" in cmp.columns:
            cmp["pareto"] = pareto_front(cmp["relief_pct_mean"], cmp["battery_power_uw"], feasible=cmp["feasible"])
    figures: list[tuple[str, str, str]] = []  # (section, caption, base64)

    def add(section: str, caption: str, fig) -> None:
        figures.append((section, caption, fig_to_base64(fig, dpi=dpi)))

    best_pos = best_feasible(cmp)
    # waveforms: per distinct program name (best rank first), its best feasible point
    for pos, cfg in _waveform_points(cmp, table, spec):
        state = "" if _row_ok(cmp, pos) else " (INFEASIBLE: no feasible point of this program)"
        add(
            "Waveforms",
            f"#{pos + 1} {cfg.program.name or cfg.program.kind}{state}: one pulse (charge per phase, gap, "
            "recharge) and a window of the train",
            plot_waveforms(cfg.program),
        )
    # comparison
    n = min(len(cmp), MAX_BARS)
    fig, ax = plt.subplots(figsize=(7.5, 1.2 + 0.34 * n), layout="constrained")
    plot_comparison_bars(cmp, ax=ax)
    shown = f"{n} of {len(cmp)} programs, the best feasible ones first" if len(cmp) > n else "every program"
    add("Comparison", f"Relief, mean and 95 % CI (over virtual patients for a cohort, else replicates), {shown} (#: row of the table; "
        "red: Pareto front among feasible programs; grey hatched: infeasible).", fig)
    if "battery_power_uw" in cmp.columns:
        fig, ax = plt.subplots(figsize=(7.5, 4.8), layout="constrained")
        plot_pareto(cmp, ax=ax, label_points=True)
        missing = sum(lab is None for lab in getattr(ax, "point_labels", []))
        add(
            "Comparison",
            "Relief against battery cost; circled: the relief–power Pareto front among feasible "
            "programs; crosses: infeasible. Labels: program (or its row number in the table)"
            + (f"; {missing} label(s) left out where points crowd" if missing else "")
            + ".",
            fig,
        )
    # sweep-axis figures: grids as lines/heatmaps, scattered designs as scatter + main effects
    axes = [a.key for a in spec.axes]
    num = _numeric_axes(table, axes)
    if _is_grid(spec):
        _grid_figures(table, num, add)
    elif num:
        _design_figures(table, num, add)
    # best feasible program: a short re-run
    if best_pos is not None:
        best = cmp.iloc[best_pos]
        best_point = int(best["point"]) if "point" in cmp.columns else 0
        cfg = _short_run_config(spec.config(best_point, 0), best_run_s, model)
        result = simulate_config(cfg)
        add(
            "Best program",
            f"#{best_pos + 1} {best['program']} (best feasible): dorsal-horn raster and population rates over "
            f"{cfg.simulation.duration_s:g} s (model {cfg.simulation.model}; shaded: stimulation on).",
            run_figure(result),
        )
        fig, ax = plt.subplots(figsize=(7.5, 4.2), layout="constrained")
        plot_circuit_schematic(result, ax=ax)
        add("Best program", f"#{best_pos + 1} {best['program']}: the gate circuit coloured by mean rate in that run.",
            fig)

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
        "no-stimulation baseline, same seed). Shaded rows: on the relief–battery-power Pareto front "
        "among feasible programs; grey rows: infeasible (the reasons in the line below).</p>",
        _best_html(cmp, best_pos),
        _table_html(cmp),
        _LIMITS_HTML,
    ]
    for sec in ("Comparison", "Sweep", "Waveforms", "Best program"):
        if sec in sections:
            if sec != "Comparison":
                body.append(f"<h2>{sec}</h2>")
            body.extend(sections[sec])
    body.append(sensitivity_section(store, dpi=dpi))
    if "mechanisms" in table.columns:  # the mechanism set of the rows (docs/MODEL.md §3.7)
        sets = ", ".join(html.escape(str(m)) for m in dict.fromkeys(table["mechanisms"].astype(str)))
        body.append(f'<p class="meta">Mechanism set of these runs: {sets} (docs/MODEL.md §3.7).</p>')
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
(Pain Physician 13:321; chronaxie {chronaxie_us:g} µs, rheobase {rheobase_ma:g} mA). Paresthesia is a
population percept: synchronous dorsal-column spikes summed over 10 ms windows, intensity growing with
their rate (docs/MODEL.md §2.3). Each fibre's dermatome (somatotopic lamination) decides whether it acts
in the painful field (like local Aβ input) or in its surround (surround inhibition).</li>
<li><b>Gate</b>: a dorsal-horn network (Aβ, Aδ, C and dorsal-column collateral inputs; local and surround
inhibitory interneurons, excitatory interneurons, WDR projection neurons) after Zhang et al. 2014
(J Neurophysiol 112:552), as a spiking AdEx network or a rate model. Relief is the drop of the WDR rate
against the paired run without stimulation (same seed: common random numbers).</li>
<li><b>Statistics</b>: on a virtual cohort (the same patients and noise seeds for every program), mean
relief over patients with a 95 % bootstrap interval, the responder rate (relief &ge; 50 %, Wilson
interval) and the paired difference to the reference program (bootstrap interval; docs/MODEL.md §6);
without a cohort, means over replicates (seeds) with 95 % t-intervals. The Pareto front is over mean relief and battery power, among feasible programs only (Shannon k &lt; 1.85, charge density &le; 30 µC/cm², compliance, recharge &le; 24 h/day or primary-cell life, discomfort in at most half the runs; docs/MODEL.md §1 Dosimetry, Feasibility). Relief error bars end at 100 % (the WDR rate cannot fall below 0).</li>
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
