"""Feasibility of compared programs: the dosimetry's device-side flags plus discomfort from the runs.

Every sweep row carries the device-side verdict of :func:`scs_sim.stim.dosimetry.dosimetry`
(``feasible``, ``infeasible_reasons``: Shannon k, charge density, compliance, recharge time per day,
primary-cell life; docs/MODEL.md §1 Dosimetry). Discomfort needs a run: the ``discomfort`` metric of
each row. A *program* (a comparison row) is feasible when its dosimetry is feasible and discomfort
occurred in at most :data:`DISCOMFORT_MAX_FRACTION` of its runs **[assumption]**: a program a patient
cannot tolerate in most runs cannot be programmed, one that is uncomfortable in a few is a titration
matter.

Stores written before the flags existed (no ``feasible`` column) are judged from the figures they
hold (``shannon_k``, ``charge_density_uc_per_cm2``, ``within_compliance``, ``recharge_min_per_day``).
"""

from __future__ import annotations

import numpy as np

from scs_sim.stim.dosimetry import DENSITY_LIMIT, MINUTES_PER_DAY, SHANNON_K_LIMIT

__all__ = ["DISCOMFORT_MAX_FRACTION", "best_feasible", "feasibility_columns", "row_feasibility"]

#: A program is infeasible when more than this share of its runs report discomfort [assumption].
DISCOMFORT_MAX_FRACTION = 0.5


def _num(table, col):
    import pandas as pd

    s = table[col]
    return pd.to_numeric(s.astype("float64") if s.dtype == bool else s, errors="coerce").to_numpy(float)


def _derived_reasons(table) -> list[list[str]]:
    """Reasons per row from the dosimetry figures a table holds (stores without a ``feasible`` column)."""
    out: list[list[str]] = [[] for _ in range(len(table))]
    checks = []
    if "shannon_k" in table.columns:
        k = _num(table, "shannon_k")
        checks.append((k >= SHANNON_K_LIMIT, lambda i: f"Shannon k {k[i]:.2f} >= {SHANNON_K_LIMIT}"))
    if "charge_density_uc_per_cm2" in table.columns:
        dens = _num(table, "charge_density_uc_per_cm2")
        checks.append((dens > DENSITY_LIMIT, lambda i: f"charge density {dens[i]:.1f} µC/cm² > {DENSITY_LIMIT:g}"))
    if "within_compliance" in table.columns:
        comp = _num(table, "within_compliance")
        checks.append((comp == 0, lambda i: "out of compliance"))
    if "recharge_min_per_day" in table.columns:
        rech = _num(table, "recharge_min_per_day")
        checks.append(
            (rech > MINUTES_PER_DAY, lambda i: f"needs {rech[i]:.0f} min/day of recharging (a day has 1440)")
        )
    for bad, say in checks:
        for i in np.flatnonzero(bad):
            out[i].append(say(i))
    return out


def row_feasibility(table) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Per row: device-side ``feasible`` (bool), its reasons (str) and ``discomfort`` (bool; False if absent)."""
    n = len(table)
    if "feasible" in table.columns:
        ok = _num(table, "feasible")
        feasible = np.where(np.isfinite(ok), ok > 0, True)
        reasons = (
            [str(r) if isinstance(r, str) else "" for r in table["infeasible_reasons"]]
            if "infeasible_reasons" in table.columns
            else ["" if f else "infeasible" for f in feasible]
        )
    else:
        derived = _derived_reasons(table)
        reasons = ["; ".join(r) for r in derived]
        feasible = np.array([not r for r in derived], dtype=bool)
    if "discomfort" in table.columns:
        d = _num(table, "discomfort")
        discomfort = np.isfinite(d) & (d > 0)
    else:
        discomfort = np.zeros(n, dtype=bool)
    return np.asarray(feasible, dtype=bool), reasons, discomfort


def _group_index(cmp, table) -> tuple[str, str] | None:
    """(comparison column, table column) that map comparison rows to table rows, or None."""
    for c in ("cohort.point", "point"):  # a cohort's program spans many points: one per patient
        if c in cmp.columns and c in table.columns:
            return c, c
    for c in ("program", "program_name"):
        if c in table.columns and set(cmp["program"].astype(str)) <= set(table[c].astype(str)):
            return "program", c
    return None


def feasibility_columns(cmp, table, *, derive: bool = False) -> dict:
    """Feasibility columns for ``cmp`` (a :func:`~scs_sim.study.compare.compare` table of ``table``).

    Returns ``{"feasible": [bool], "infeasible_reasons": [str, None when feasible]}`` plus, when the
    runs report it, ``"discomfort"`` (the share of each program's runs with discomfort), one entry
    per row of ``cmp``; ``{}`` when its rows cannot be matched to the table's, or when the table
    carries no ``feasible`` flags and ``derive`` is False (with ``derive``, old stores are judged
    from the figures they hold). ``compare`` adds them and takes its Pareto front among the feasible
    rows (:func:`~scs_sim.study.compare.pareto_front` with a mask).
    """
    idx = _group_index(cmp, table)
    if idx is None or ("feasible" not in table.columns and not derive):
        return {}
    ccol, tcol = idx
    feasible, reasons, discomfort = row_feasibility(table)
    keys = table[tcol].astype(str).to_numpy()
    ok_col, why_col, dis_col = [], [], []
    for key in cmp[ccol].astype(str):
        sel = np.flatnonzero(keys == key)
        why = list(dict.fromkeys(r for i in sel for r in reasons[i].split("; ") if r))
        share = float(discomfort[sel].mean()) if sel.size else float("nan")
        too_much = bool(share > DISCOMFORT_MAX_FRACTION)
        if too_much:
            why.append(f"discomfort in {share:.0%} of runs")
        ok_col.append(bool(sel.size) and bool(feasible[sel].all()) and not too_much)
        why_col.append("; ".join(why) or None)
        dis_col.append(share)
    out = {"feasible": ok_col, "infeasible_reasons": why_col}
    if "discomfort" in table.columns:
        out["discomfort"] = dis_col
    return out


def best_feasible(cmp) -> int | None:
    """Position of the highest-relief feasible row of a comparison table (rows best first), or None."""
    if "feasible" not in cmp.columns:
        return 0 if len(cmp) else None
    relief = _num(cmp, "relief_pct_mean")
    ok = cmp["feasible"].to_numpy(dtype=bool) & np.isfinite(relief)
    if not ok.any():
        return None
    pos = np.flatnonzero(ok)
    return int(pos[np.argmax(relief[pos])])

