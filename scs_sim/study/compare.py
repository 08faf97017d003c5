"""Comparison tables: programs ranked by relief, with confidence intervals.

Owns :func:`compare` (a sweep's results table → one row per program) and :func:`pareto_front`.

Without a cohort, relief is the mean ``relief_pct`` over replicates with a 95 % confidence
half-width from the t-distribution (``t(0.975, n-1) · s / √n``; NaN with one replicate).

With a virtual cohort (rows with a ``cohort.patient`` column, :mod:`scs_sim.study.cohort`), the unit
is the virtual patient: a patient's relief is its mean over noise replicates; the program's relief is
the mean over patients with a BCa bootstrap interval over patients (``relief_pct_ci_low`` /
``relief_pct_ci_high``, inside the range of the patients' values); ``responder_rate`` is the share of
patients with relief >= 50 % with a Wilson interval; ``relief_diff_pct`` is the paired difference to
the reference program (default the spec's first) over the same patients with a bootstrap interval
(``relief_diff_ci_low`` / ``_high``; exactly 0 for the reference itself); ``relief_sd_between`` /
``relief_sd_within`` say where a single run's spread comes from (patients vs spiking noise).

Paresthesia is the fraction of runs with paresthesia. The dosimetry figures (``shannon_k``,
``charge_per_s_uc``, ``battery_power_uw``, ``battery_life_days`` or ``recharge_min_per_day``) are
means over runs (they do not depend on the seed). A ``feasible`` column (from the dosimetry dict) is
carried as "every run feasible". ``pareto`` marks the rows no other row beats on both maximal relief
and minimal battery power.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from scs_sim.errors import ConfigError
from scs_sim.study.feasibility import feasibility_columns

__all__ = ["compare", "pareto_front", "ci95_halfwidth", "best_feasible", "COMPARE_COLUMNS", "COHORT_COMPARE_COLUMNS"]

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
#: Keys added by a cohort comparison (see the module docstring).
COHORT_COMPARE_COLUMNS = (
    "patients",
    "replicates",
    "relief_pct_ci_low",
    "relief_pct_ci_high",
    "responder_rate",
    "responder_ci_low",
    "responder_ci_high",
    "reference",
    "relief_diff_pct",
    "relief_diff_ci_low",
    "relief_diff_ci_high",
    "relief_sd_between",
    "relief_sd_within",
)
#: Columns that may hold the reasons a program is infeasible (the dosimetry dict's), first found wins.
_REASON_COLUMNS = ("infeasible_reasons", "feasibility_reasons", "feasibility", "reasons")


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
    for c in ("cohort.point", "point", "program", "program_name"):
        if c in table.columns:
            return [c]
    raise ConfigError("compare: the table has no 'point', 'program' or 'program_name' column")


def _cohort_column(c) -> bool:
    return str(c).startswith(("cohort.", "patient."))


def _labels(table, groups: list, keys: list[str]) -> list[str]:
    """A readable program label per group: its program name, plus the other axes when they vary."""
    cohort = "cohort.patient" in table.columns
    axis_cols = [c for c in table.columns if ("." in str(c) or c == "program") and not (cohort and _cohort_column(c))]
    first = [table.loc[idx[0]] for idx in groups]
    if keys not in (["point"], ["cohort.point"]):
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


def _numeric(col) -> np.ndarray:
    import pandas as pd

    return pd.to_numeric(col.astype("float64") if col.dtype == bool else col, errors="coerce").to_numpy(float)


def _feasibility(g, row: dict) -> None:
    """``feasible`` (every run feasible; None when unknown) and the first reason given, when present."""
    if "feasible" not in g.columns:
        return
    vals = [v for v in g["feasible"].tolist() if v is not None and not (isinstance(v, float) and math.isnan(v))]
    row["feasible"] = bool(all(bool(v) for v in vals)) if vals else None
    for c in _REASON_COLUMNS:
        if c in g.columns and c != "feasible":
            texts = [str(v) for v in g[c].tolist() if isinstance(v, str) and v.strip() and v != "[]"]
            if texts:
                row["infeasible_reasons"] = texts[0]
                break


def _patient_matrix(g) -> tuple[np.ndarray, np.ndarray]:
    """(patients × replicates relief matrix, patient ids) of one program's cohort rows."""
    pid = g["cohort.patient"].to_numpy()
    rep = g["replicate"].to_numpy() if "replicate" in g.columns else np.zeros(len(g), dtype=int)
    ids = np.unique(pid)
    reps = np.unique(rep)
    m = np.full((ids.size, reps.size), np.nan)
    m[np.searchsorted(ids, pid), np.searchsorted(reps, rep)] = _numeric(g["relief_pct"])
    return m, ids


def _patient_means(m: np.ndarray) -> np.ndarray:
    ok = np.isfinite(m).any(axis=1)
    out = np.full(m.shape[0], np.nan)
    out[ok] = np.nanmean(m[ok], axis=1)
    return out


def _cohort_stats(row: dict, g, ref) -> None:
    from scs_sim.study.cohort import RESPONDER_PCT, bootstrap_ci, spread, wilson_ci

    m, ids = _patient_matrix(g)
    per = _patient_means(m)
    finite = per[np.isfinite(per)]
    row["patients"] = int(finite.size)
    row["replicates"] = int(m.shape[1])
    row["relief_pct_mean"] = float(finite.mean()) if finite.size else math.nan
    row["relief_pct_ci95"] = math.nan  # an asymmetric interval: see relief_pct_ci_low / _high
    row["relief_pct_ci_low"], row["relief_pct_ci_high"] = bootstrap_ci(finite)
    k = int(np.count_nonzero(finite >= RESPONDER_PCT))
    row["responder_rate"] = k / finite.size if finite.size else math.nan
    row["responder_ci_low"], row["responder_ci_high"] = wilson_ci(k, int(finite.size))
    sp = spread(m)
    row["relief_sd_between"], row["relief_sd_within"] = sp["sd_between"], sp["sd_within"]
    row["reference"] = ref[0]
    ref_ids, ref_per = ref[1], ref[2]
    common, a, b = np.intersect1d(ids, ref_ids, return_indices=True)
    d = per[a] - ref_per[b]
    d = d[np.isfinite(d)]
    row["relief_diff_pct"] = float(d.mean()) if d.size else math.nan
    row["relief_diff_ci_low"], row["relief_diff_ci_high"] = bootstrap_ci(d)


def _reference(labels: list[str], names: list[str], reference: str | None) -> int:
    if reference is None:
        return 0
    if reference in labels:
        return labels.index(reference)
    hits = [i for i, n in enumerate(names) if n == reference]
    if len(hits) == 1:
        return hits[0]
    from scs_sim.errors import suggest

    raise ConfigError(
        f"--reference: no program {reference!r} in this comparison{suggest(reference, labels)}; "
        f"allowed: {', '.join(labels)}"
    )


def compare(table, by: str | Sequence[str] = "program", *, reference: str | None = None):
    """Rank programs by relief (see the module docstring); returns a DataFrame, best relief first.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per run with ``relief_pct`` and optionally ``replicate``, ``paresthesia``, the
        dosimetry columns and ``battery_power_uw`` (a sweep store's table, :func:`load_results`).
    by : "program", a column name or a list of column names
        ``"program"`` groups the rows of each sweep point (``cohort.point`` for a cohort, else
        ``point``; else ``program`` / ``program_name``) and labels them by program name (plus the
        other axes that vary).
    reference : str, optional
        Cohort tables: the program the paired differences are taken against (a label or program
        name); default the spec's first program.

    Returns
    -------
    pandas.DataFrame
        Columns ``program``, ``n``, ``relief_pct_mean``, ``relief_pct_ci95``, ``paresthesia``, the
        dosimetry means present, ``feasible`` when the rows carry it, ``pareto``, the group columns
        and, for a cohort, :data:`COHORT_COMPARE_COLUMNS`.

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
    table = table.reset_index(drop=True)
    keys = _group_columns(table, by)
    cohort = keys == ["cohort.point"]
    grouped = table.groupby(keys, sort=True, dropna=False)
    groups = list(grouped.indices.values())
    labels = _labels(table, groups, keys)
    ref = None
    if cohort:
        names = [str(table.loc[idx[0]].get("program_name", "")) for idx in groups]
        r = _reference(labels, names, reference)
        m, ids = _patient_matrix(table.iloc[groups[r]])
        ref = (labels[r], ids, _patient_means(m))
    elif reference is not None:
        raise ConfigError("--reference: paired differences need a cohort comparison ([sweep.cohort])")
    rows = []
    for label, idx in zip(labels, groups, strict=True):
        g = table.iloc[idx]
        relief = _numeric(g["relief_pct"])
        finite = relief[np.isfinite(relief)]
        row = {"program": label, "n": int(len(g))}
        for k in keys:
            if k != "program":
                row[k] = g[k].iloc[0]
        row["relief_pct_mean"] = float(finite.mean()) if finite.size else math.nan
        row["relief_pct_ci95"] = ci95_halfwidth(relief)
        if cohort:
            row["point"] = int(g["point"].min()) if "point" in g.columns else None  # its first patient's row
            _cohort_stats(row, g, ref)
        if "paresthesia" in g.columns:
            par = pd.to_numeric(g["paresthesia"].astype("float64"), errors="coerce")
            row["paresthesia"] = float(par.mean()) if par.notna().any() else math.nan
        for c in _MEANS:
            if c in g.columns:
                v = pd.to_numeric(g[c], errors="coerce")
                row[c] = float(v.mean()) if v.notna().any() else math.nan
        _feasibility(g, row)
        rows.append(row)
    out = pd.DataFrame(rows)
    power = out["battery_power_uw"] if "battery_power_uw" in out.columns else pd.Series(np.zeros(len(out)))
    out = out.assign(**feasibility_columns(out, table))  # feasible, infeasible_reasons, discomfort
    out["pareto"] = pareto_front(out["relief_pct_mean"], power, feasible=out.get("feasible"))
    out = out.sort_values("relief_pct_mean", ascending=False, kind="stable", na_position="last")
    return out.reset_index(drop=True)


def best_feasible(comparison) -> dict | None:
    """The comparison row with the most relief among the feasible programs (all rows when the table
    has no ``feasible`` column); None when no program qualifies."""
    t = comparison
    if "feasible" in t.columns:
        t = t[t["feasible"].map(lambda v: v is True or v == 1)]
    t = t[np.isfinite(_numeric(t["relief_pct_mean"]))] if len(t) else t
    if not len(t):
        return None
    return t.sort_values("relief_pct_mean", ascending=False, kind="stable").iloc[0].to_dict()
