"""The sensitivity section of a sweep report: Sobol' or Morris indices of a ``saltelli`` / ``morris`` store.

:func:`sensitivity_section` returns one HTML fragment (a heading, a bar chart of the indices with
their confidence intervals embedded as a base64 PNG, and the table), or ``""`` when the store's
design is not a sensitivity design; :mod:`scs_sim.app.report` places it in the report. The indices
come from :func:`scs_sim.study.sensitivity.sensitivity` (the same call the CLI prints).
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

from scs_sim.errors import ConfigError

__all__ = ["sensitivity_section", "sensitivity_table"]


def sensitivity_table(store_dir: str | Path, *, output: str = "relief_pct"):
    """The indices of a sensitivity store (a DataFrame), or None when its design is not one."""
    from scs_sim.study.sensitivity import SENSITIVITY_METHODS, sensitivity
    from scs_sim.study.store import read_manifest

    method = read_manifest(store_dir)["spec"]["sweep"].get("method")
    if method not in SENSITIVITY_METHODS:
        return None
    return sensitivity(store_dir, output=output)


def _png(fig, dpi: int) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _cell(v: float, fmt: str) -> str:
    return "–" if v != v else fmt.format(v)  # NaN


def _table_html(df, labels: list[str]) -> str:
    if "S1" in df.columns:
        cols = [("S1", "S1"), ("S1_conf", "± CI"), ("ST", "ST"), ("ST_conf", "± CI")]
        fmt = "{:.3f}"
    else:
        cols = [("mu_star", "mu*"), ("mu_star_conf", "± CI"), ("mu", "mu"), ("sigma", "sigma")]
        fmt = "{:.3g}"
    head = "<th>parameter</th>" + "".join(f"<th>{html.escape(h)}</th>" for _, h in cols)
    rows = []
    for label, r in zip(labels, df.to_dict("records"), strict=True):
        name = f'<td title="{html.escape(str(r["parameter"]))}">{html.escape(label)}</td>'
        rows.append("<tr>" + name + "".join(f"<td>{_cell(float(r[c]), fmt)}</td>" for c, _ in cols) + "</tr>")
    return (
        f'<table class="cmp" id="sensitivity"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _caption(df) -> str:
    a = df.attrs
    level = f"{100 * a['conf_level']:g} %"
    reps = f"each point's {a['output']} averaged over its {a['replicates']} replicate(s)"
    if a["method"] == "saltelli":
        return (
            f"Sobol' indices of {a['output']} from a Saltelli design of N = {a['points']} base samples "
            f"({a['rows']} points, {reps}); whiskers: {level} bootstrap CIs ({a['num_resamples']} resamples). "
            "S1: the share of the output variance a parameter explains alone; ST: including its "
            "interactions (ST − S1: interactions; a sum of S1 below 1: interactions and run-to-run noise)."
        )
    return (
        f"Morris screening of {a['output']} ({a['points']} trajectories, {a['rows']} points, {reps}); "
        f"mu*: mean absolute elementary effect per whole axis range with its {level} bootstrap CI; "
        "sigma: their spread (non-linearity or interactions). A ranking, not a variance share."
    )


def sensitivity_section(store_dir: str | Path, *, output: str = "relief_pct", dpi: int = 90) -> str:
    """The HTML of the report's sensitivity section, or ``""`` for a store of another design.

    A sensitivity store whose indices cannot be computed (an unfinished sweep, failed points) gets
    the section with the reason instead of the indices.
    """
    import matplotlib.pyplot as plt

    from scs_sim.plots.sensitivity import figure_height, plot_sensitivity
    from scs_sim.study.sensitivity import short_names

    try:
        df = sensitivity_table(store_dir, output=output)
    except ConfigError as exc:
        return (
            "<h2>Sensitivity</h2>"
            f'<p class="note">Sensitivity indices not computed: {html.escape(str(exc))}</p>'
        )
    if df is None:
        return ""
    labels = short_names(list(df["parameter"]))
    fig, ax = plt.subplots(figsize=(7.5, figure_height(len(df))), layout="constrained")
    plot_sensitivity(df, ax=ax, labels=labels)
    cap = _caption(df)
    return (
        '<h2 id="sensitivity-indices">Sensitivity</h2>'
        f'<figure><img src="data:image/png;base64,{_png(fig, dpi)}" alt="{html.escape(cap)}">'
        f"<figcaption>{html.escape(cap)}</figcaption></figure>" + _table_html(df, labels)
    )
