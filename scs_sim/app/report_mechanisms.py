"""The mechanisms section of the comparison report: the ranking under each mechanism set side by side
(``scs-sim compare SPEC --mechanisms A,B``; docs/MODEL.md §3.7).

:func:`side_by_side` turns one comparison table per set (each with a ``mechanisms`` column) into one
row per program with the mean relief under each set; :func:`plot_mechanism_relief` draws grouped
bars with the 95 % intervals; :func:`mechanisms_section` is the HTML section and
:func:`write_mechanisms_report` a self-contained page of it plus each set's own report section.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np

from scs_sim.app.report import fig_to_base64

__all__ = ["mechanisms_section", "plot_mechanism_relief", "side_by_side", "write_mechanisms_report"]


def side_by_side(tables):
    """One row per program, ``relief % [set]`` and ``rank [set]`` columns per set (1 = most relief), rows
    ranked by the first set's relief, so a reader sees at once where the sets reorder the programs."""
    import pandas as pd

    wide = None
    for t in tables:
        s = t["mechanisms"].iloc[0]
        col = t[["program", "relief_pct_mean"]].rename(columns={"relief_pct_mean": f"relief % [{s}]"})
        col[f"rank [{s}]"] = col[f"relief % [{s}]"].rank(ascending=False, method="min").astype("Int64")
        wide = col if wide is None else wide.merge(col, on="program", how="outer", sort=False)
    if wide is None:
        return pd.DataFrame(columns=["program"])
    first = wide.columns[1]
    return wide.sort_values(first, ascending=False, kind="stable").reset_index(drop=True)


def _interval(t) -> tuple[np.ndarray, np.ndarray]:
    m = t["relief_pct_mean"].to_numpy(float)
    if "relief_pct_ci_low" in t.columns:
        return m - t["relief_pct_ci_low"].to_numpy(float), t["relief_pct_ci_high"].to_numpy(float) - m
    h = t["relief_pct_ci95"].to_numpy(float) if "relief_pct_ci95" in t.columns else np.full(m.size, np.nan)
    return h, h


def plot_mechanism_relief(tables, ax=None):
    """Grouped bars: mean relief of every program (x) under every mechanism set (colour), 95 % CI."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(tables[0]) + 2), 3.6), layout="constrained")
    programs = list(tables[0]["program"])
    width = 0.8 / max(len(tables), 1)
    x = np.arange(len(programs))
    for k, t in enumerate(tables):
        t = t.set_index("program").reindex(programs).reset_index()
        lo, hi = _interval(t)
        err = np.vstack([np.nan_to_num(lo), np.nan_to_num(hi)])
        ax.bar(x + (k - (len(tables) - 1) / 2) * width, t["relief_pct_mean"].to_numpy(float), width,
               yerr=err, capsize=2, label=str(t["mechanisms"].iloc[0]))
    ax.set_xticks(x, programs, rotation=25, ha="right")
    ax.set_ylabel("mean relief (%)")
    ax.axhline(0.0, color="0.3", lw=0.6)
    ax.legend(title="mechanism set", fontsize=8, title_fontsize=8)
    return ax


def _cell(v, fmt: str) -> str:
    import pandas as pd

    return "–" if pd.isna(v) or not np.isfinite(float(v)) else format(float(v), fmt)


def mechanisms_section(tables, *, dpi: int = 90) -> str:
    """HTML: the side-by-side table and the grouped-bar figure."""
    import matplotlib.pyplot as plt

    wide = side_by_side(tables)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in wide.columns)
    body = []
    for _, r in wide.iterrows():
        cells = [html.escape(str(r["program"]))]
        cells += [_cell(r[c], ".0f" if c.startswith("rank") else ".1f") for c in wide.columns[1:]]
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(wide) + 2), 3.6), layout="constrained")
    plot_mechanism_relief(tables, ax=ax)
    img = fig_to_base64(fig, dpi=dpi)
    plt.close(fig)
    return ("<section id='mechanisms'><h2>Mechanism sets side by side</h2>"
            "<p>The same cohort and seeds (common random numbers) under each mechanism set "
            "(docs/MODEL.md §3.7). A conclusion that holds in every column does not depend on the hypothesis; "
            "one that changes between columns does.</p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            f"<figure><img alt='relief per program and mechanism set' src='data:image/png;base64,{img}'>"
            "<figcaption>Mean relief per program under each mechanism set (95 % interval).</figcaption>"
            "</figure></section>")


def write_mechanisms_report(sets, out_html: str | Path) -> Path:
    """A self-contained page: the side-by-side section, then links to each set's store.

    ``sets`` is a list of ``(set name, store folder, comparison table)``.
    """
    out = Path(out_html)
    tables = [t for _, _, t in sets]
    stores = "".join(f"<li>{html.escape(n)}: <code>{html.escape(str(s))}</code></li>" for n, s, _ in sets)
    page = ("<!doctype html><html><head><meta charset='utf-8'><title>scs_sim: mechanism sets</title>"
            "<style>body{font-family:sans-serif;max-width:1100px;margin:1em auto}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}td:first-child{text-align:left}"
            "img{max-width:100%}</style></head><body><h1>Program ranking under each mechanism set</h1>"
            f"{mechanisms_section(tables)}<h2>Stores</h2><ul>{stores}</ul></body></html>")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out
