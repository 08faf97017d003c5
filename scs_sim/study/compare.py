"""Comparison tables: programs ranked by relief, with confidence intervals over replicates.

Owns :func:`compare` (a sweep's results table → one row per program) and :func:`pareto_front`.
Relief is the mean ``relief_pct`` over replicates with a 95 % confidence half-width from the
t-distribution (``t(0.975, n-1) · s / √n``; NaN with one replicate). Paresthesia is the fraction of
replicates with paresthesia. The dosimetry figures (``shannon_k``, ``charge_per_s_uc``,
``battery_power_uw``, ``battery_life_days`` or ``recharge_min_per_day``) are means over replicates
(they do not depend on the seed). ``pareto`` marks the rows no other row beats on both maximal
relief and minimal battery power.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from scs_sim.errors import ConfigError
from scs_sim.study.feasibility import feasibility_columns

__all__ = ["compare", "pareto_front", "ci95_halfwidth", "COMPARE_COLUMNS"]

#: Mean-over-replicates columns copied when present.
_MEANS = (
    "shannon_k",
    "charge_per_phase_uc",
    "charge_per_s_uc",
    "battery_power_uw",
    "battery_life_days",
    "recharge_min_per_day",
    "wdr_rate_hz",
    "baseline_wdr_rate_hz",
    "recruited_dc_fibers",
)
#: Keys of each row of ``scs-sim compare --json`` (battery key: whichever the device has).
COMPARE_COLUMNS = (
    "program",
    "relief_pct_mean",
    "relief_pct_ci95",
    "paresthesia",
    "shannon_k",
    "battery_life_days",
    "recharge_min_per_day",
    "pareto",
)


def ci95_halfwidth(values) -> float:
    """Half-width of the 95 % t confidence interval of the mean; NaN for fewer than 2 finite values."""
    from scipy import stats

    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = x.size
    if n < 2:
        return math.nan
    return float(stats.t.ppf(0.975, n - 1) * x.std(ddof=1) / math.sqrt(n))


def pareto_front(relief, power, feasible=None) -> np.ndarray:
    """Boolean mask of the points not dominated on (maximal ``relief``, minimal ``power``).

    A point is dominated when another has relief >= and power <=, one of them strictly. Points with
    a NaN in either value are never on the front. With ``feasible`` (a boolean mask), the front is
    taken among the feasible points only: an infeasible point is never on it and dominates no one.

    Examples
    --------
    >>> pareto_front([50.0, 40.0, 60.0], [10.0, 5.0, 1.0], feasible=[True, True, False]).tolist()
    [True, True, False]
    """
    r = np.asarray(relief, dtype=float)
    p = np.asarray(power, dtype=float)
    ok = np.isfinite(r) & np.isfinite(p)
    if feasible is not None:
        ok &= np.asarray(feasible, dtype=bool)
    front = ok.copy()
    for i in np.flatnonzero(ok):
        better = ok & (r >= r[i]) & (p <= p[i]) & ((r > r[i]) | (p < p[i]))
        if better.any():
            front[i] = False
    return front


def _group_columns(table, by) -> list[str]:
    if by != "program":
        cols = [by] if isinstance(by, str) else list(by)
        missing = [c for c in cols if c not in table.columns]
        if missing:
            raise ConfigError(
                f"compare: no column {missing[0]!r}; columns: {', '.join(map(str, table.columns))}"
            )
        return cols
    if "point" in table.columns:
        return ["point"]
    for c in ("program", "program_name"):
        if c in table.columns:
            return [c]
    raise ConfigError("compare: the table has no 'point', 'program' or 'program_name' column")


def _labels(table, groups: list, keys: list[str]) -> list[str]:
    """A readable program label per group: its program name, plus the other axes when they vary."""
    axis_cols = [c for c in table.columns if "." in str(c) or c == "program"]
    first = [table.loc[idx[0]] for idx in groups]
    if keys != ["point"]:
        return [" ".join(str(f[k]) for k in keys) for f in first]
    names = [
        str(f["program_name"]) if "program_name" in table.columns else str(f.get("program", ""))
        for f in first
    ]
    varying = [c for c in axis_cols if c != "program" and table[c].nunique(dropna=False) > 1]
    if len(set(names)) == len(names) or not varying:
        return names
    out = []
    for n, f in zip(names, first, strict=True):
        extra = ", ".join(f"{c.split('.')[-1]}={_fmt(f[c])}" for c in varying)
        out.append(f"{n} ({extra})")
    return out


def _fmt(v) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def compare(table, by: str | Sequence[str] = "program"):
    """Rank programs by relief (see the module docstring); returns a DataFrame, best relief first.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per run with ``relief_pct`` and optionally ``replicate``, ``paresthesia``, the
        dosimetry columns and ``battery_power_uw`` (a sweep store's table, :func:`load_results`).
    by : "program", a column name or a list of column names
        ``"program"`` groups the rows of each sweep point (``point`` column; else ``program`` /
        ``program_name``) and labels them by program name (plus the other axes that vary).

    Returns
    -------
    pandas.DataFrame
        Columns ``program``, ``n``, ``relief_pct_mean``, ``relief_pct_ci95``, ``paresthesia``, the
        dosimetry means present, ``pareto``, and the group columns.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"program": ["a", "a", "b", "b"], "relief_pct": [40.0, 50.0, 20.0, 30.0],
    ...                   "battery_power_uw": [900.0, 900.0, 100.0, 100.0]})
    >>> compare(t)[["program", "relief_pct_mean", "pareto"]].to_dict("records")
    [{'program': 'a', 'relief_pct_mean': 45.0, 'pareto': True}, {'program': 'b', 'relief_pct_mean': 25.0, 'pareto': True}]
    """
    import pandas as pd

    if "relief_pct" not in table.columns:
        raise ConfigError("compare: the table has no 'relief_pct' column (was it made by the simulator?)")
    keys = _group_columns(table, by)
    grouped = table.groupby(keys, sort=True, dropna=False)
    groups = list(grouped.indices.values())
    labels = _labels(table, groups, keys)
    rows = []
    for label, idx in zip(labels, groups, strict=True):
        g = table.iloc[idx]
        relief = pd.to_numeric(g["relief_pct"], errors="coerce").to_numpy(dtype=float)
        finite = relief[np.isfinite(relief)]
        row = {"program": label, "n": int(len(g))}
        for k in keys:
            if k != "program":
                row[k] = g[k].iloc[0]
        row["relief_pct_mean"] = float(finite.mean()) if finite.size else math.nan
        row["relief_pct_ci95"] = ci95_halfwidth(relief)
        if "paresthesia" in g.columns:
            par = pd.to_numeric(g["paresthesia"].astype("float64"), errors="coerce")
            row["paresthesia"] = float(par.mean()) if par.notna().any() else math.nan
        for c in _MEANS:
            if c in g.columns:
                v = pd.to_numeric(g[c], errors="coerce")
                row[c] = float(v.mean()) if v.notna().any() else math.nan
        rows.append(row)
    out = pd.DataFrame(rows)
    power = out["battery_power_uw"] if "battery_power_uw" in out.columns else pd.Series(np.zeros(len(out)))
    out = out.assign(**feasibility_columns(out, table))  # feasible, infeasible_reasons, discomfort
    out["pareto"] = pareto_front(out["relief_pct_mean"], power, feasible=out.get("feasible"))
    out = out.sort_values("relief_pct_mean", ascending=False, kind="stable", na_position="last")
    return out.reset_index(drop=True)
