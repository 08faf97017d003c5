"""Run the validation experiments and judge them: :func:`run_validation`, :func:`judge`, the result types.

Each protocol of :data:`~scs_sim.validation.protocols.PROTOCOLS` needed by the selected experiments
runs once; each experiment then reads its metric and is judged against its fixed tolerance. Nothing
here writes files (:mod:`scs_sim.validation.report` does).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scs_sim.validation.experiments import EXPERIMENTS, EXPERIMENTS_BY_ID, Experiment
from scs_sim.validation.protocols import PROTOCOLS

__all__ = ["ExperimentResult", "Report", "jsonable", "judge", "run_validation"]


@dataclass
class ExperimentResult:
    """The outcome of one experiment (model value, reference, difference, tolerance, pass/fail)."""

    id: str
    title: str
    kind: str
    model: float
    reference: str
    reference_value: float | None
    difference: float | None
    tolerance: str
    passed: bool
    citation: str
    unit: str = ""
    expect_fail: bool = False
    details: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["details"] = jsonable(self.details)
        return jsonable(d)


def jsonable(o):
    """``o`` with numpy arrays and scalars as Python lists and numbers, non-finite floats as None."""
    if isinstance(o, dict):
        return {str(k): jsonable(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [jsonable(v) for v in o]
    if isinstance(o, np.ndarray):
        return jsonable(o.tolist())
    if isinstance(o, np.generic):
        return jsonable(o.item())
    if isinstance(o, float) and not math.isfinite(o):
        return None
    return o


@dataclass
class Report:
    """All experiment results of one validation run, with protocol data for the figures."""

    results: list[ExperimentResult]
    quick: bool
    wall_s: float
    protocol_wall_s: dict[str, float]
    figures: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def n_passed(self) -> int:
        return sum(r.passed for r in self.results)

    def as_dict(self) -> dict[str, Any]:
        return {"quick": self.quick, "wall_s": self.wall_s, "n_experiments": len(self.results),
                "n_passed": self.n_passed, "protocol_wall_s": self.protocol_wall_s,
                "experiments": [r.as_dict() for r in self.results]}


def judge(exp: Experiment, value: float, details: dict | None = None, error: str | None = None) -> ExperimentResult:
    """Compare a model value with an experiment's tolerance."""
    v = float(value) if value is not None else float("nan")
    ok = bool(math.isfinite(v) and exp.lo <= v <= exp.hi) and error is None
    diff = v - exp.reference_value if exp.reference_value is not None and math.isfinite(v) else None
    return ExperimentResult(id=exp.id, title=exp.title, kind=exp.kind, model=v, reference=exp.reference,
                            reference_value=exp.reference_value, difference=diff, tolerance=exp.tolerance,
                            passed=ok, citation=exp.citation, unit=exp.unit, expect_fail=exp.expect_fail,
                            details=details or {}, error=error)



def run_validation(quick: bool = False, only: list[str] | None = None,
                   progress: Callable[[str], None] | None = None) -> Report:
    """Run the experiments (``quick``: the fast subset with fewer seeds) and judge them.

    Parameters
    ----------
    quick : bool
        Run only experiments with ``quick=True`` and the cheaper protocol variants.
    only : list of str, optional
        Experiment ids to run (default: all of the selected mode).
    progress : callable, optional
        Called with a short message before each protocol.
    """
    from scs_sim.errors import ConfigError

    exps = [e for e in EXPERIMENTS if (e.quick or not quick)]
    if only:
        unknown = [i for i in only if i not in EXPERIMENTS_BY_ID]
        if unknown:
            raise ConfigError(f"unknown experiment(s) {', '.join(unknown)}; known: {', '.join(EXPERIMENTS_BY_ID)}")
        exps = [EXPERIMENTS_BY_ID[i] for i in only]
    t0 = time.perf_counter()
    results: list[ExperimentResult] = []
    figures: dict[str, dict] = {}
    walls: dict[str, float] = {}
    done: dict[str, dict] = {}
    for proto in dict.fromkeys(e.protocol for e in exps):
        if progress:
            progress(proto)
        t1 = time.perf_counter()
        try:
            done[proto] = PROTOCOLS[proto](quick)
        except Exception as exc:  # a broken protocol is reported per experiment, not fatal
            done[proto] = {"error": f"{type(exc).__name__}: {exc}"}
        walls[proto] = round(time.perf_counter() - t1, 2)
        figures[proto] = done[proto].get("figure", {})
    for e in exps:
        d = done[e.protocol]
        if "error" in d:
            results.append(judge(e, float("nan"), error=d["error"]))
        else:
            results.append(judge(e, d["metrics"].get(e.metric, float("nan")), details=d["details"]))
    return Report(results=results, quick=quick, wall_s=round(time.perf_counter() - t0, 2),
                  protocol_wall_s=walls, figures=figures)

