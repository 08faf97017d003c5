"""Global sensitivity analysis of a finished sweep: Sobol' indices (``saltelli``) and Morris screening.

:func:`sensitivity` reads the rows of a result store (or a table and its spec), puts one output per
design point back in the order of the design (rows carry their ``point`` index; the designs are made
by :mod:`scs_sim.study.samplers`) and hands them to SALib (Herman & Usher 2017, JOSS 2(9):97):

- ``method = "saltelli"``: first-order ``S1`` and total-order ``ST`` Sobol' indices (Sobol' 2001,
  Math Comput Simul 55:271) with the estimators of Saltelli et al. 2010 (Comput Phys Commun 181:259;
  ``SALib.analyze.sobol``, no second order), and bootstrap confidence intervals (``num_resamples``
  resamples of the N base samples; the half-width is ``z(conf_level) x`` the bootstrap standard
  deviation, SALib's convention);
- ``method = "morris"``: elementary effects (Morris 1991, Technometrics 33:161): ``mu_star`` (the mean
  absolute effect, Campolongo et al. 2007, Environ Model Softw 22:1509) with its bootstrap CI,
  ``mu`` and ``sigma`` (non-linearity or interactions), in output units per whole axis range (the
  unit cube; a ``log_range`` axis in log space).

Replicates. The output of a design point is the **mean over its replicates** (the sensitivity of the
expected output; with common seeds every point of a replicate shares its noise, so the mean is over
the same R virtual patients at every point). ``replicate=k`` analyses one replicate instead (the
spread between replicates shows the noise). Every design point needs a finite output: a missing or
failed point is an error naming it (the estimators use whole blocks of the design).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scs_sim.errors import ConfigError, suggest
from scs_sim.study.samplers import MORRIS_LEVELS, SAMPLERS, unit_matrix

__all__ = ["sensitivity", "format_sensitivity", "short_names", "SENSITIVITY_METHODS", "DEFAULT_RESAMPLES"]

#: The design methods whose stores :func:`sensitivity` analyses.
SENSITIVITY_METHODS = ("saltelli", "morris")
#: Bootstrap resamples of the confidence intervals (SALib's default is 100; 1000 steadies the CI).
DEFAULT_RESAMPLES = 1000
#: Most bootstrap resamples accepted.
MAX_RESAMPLES = 100_000
#: Spawn key of the bootstrap's random stream (apart from the design's and the rows' seeds).
BOOTSTRAP_KEY = (0x5E, 0x45, 0x5)

_COLUMNS = {
    "saltelli": ["parameter", "S1", "S1_conf", "ST", "ST_conf"],
    "morris": ["parameter", "mu", "mu_star", "mu_star_conf", "sigma"],
}


@dataclass(frozen=True)
class _Design:
    method: str
    points: int | None  # N base samples (saltelli) or r trajectories (morris)
    seed: int
    keys: list[str]
    replicates: int
    where: str | None  # the store or spec file, for messages


def _from_manifest(store: Path) -> _Design:
    from scs_sim.study.store import read_manifest

    sw = read_manifest(store)["spec"]["sweep"]
    keys = [a["key"] for a in sw.get("axes", [])]
    return _Design(sw.get("method", "grid"), sw.get("points"), int(sw.get("seed", 1)), keys,
                   int(sw.get("replicates", 1)), str(store))


def _from_spec(spec) -> _Design:
    if isinstance(spec, str | Path):
        from scs_sim.study.spec import load_spec

        spec = load_spec(spec)
    return _Design(spec.method, spec.points, int(spec.seed), [a.key for a in spec.axes],
                   int(spec.replicates), spec.file)


def _check_options(d: _Design, output, conf_level, num_resamples, replicate) -> None:
    if d.method not in SENSITIVITY_METHODS:
        raise ConfigError(
            f"sensitivity indices need a sensitivity design, not method {d.method!r}; allowed: "
            f"{', '.join(SENSITIVITY_METHODS)} (Sobol' indices: 'saltelli'; screening: 'morris')",
            file=d.where,
            key="sweep.method",
        )
    if not d.keys:
        raise ConfigError("a sensitivity design needs at least one axis", file=d.where, key="sweep.axes")
    if not isinstance(output, str) or not output:
        raise ConfigError(f"must be the name of a result column (got {output!r})", file=d.where, key="output")
    if isinstance(conf_level, bool) or not isinstance(conf_level, int | float) or not 0 < conf_level < 1:
        raise ConfigError(
            f"must be a number strictly between 0 and 1, e.g. 0.95 (got {conf_level!r})",
            file=d.where,
            key="conf_level",
        )
    if (
        isinstance(num_resamples, bool)
        or not isinstance(num_resamples, int)
        or not 2 <= num_resamples <= MAX_RESAMPLES
    ):
        raise ConfigError(
            f"must be an integer from 2 to {MAX_RESAMPLES:,} bootstrap resamples (got {num_resamples!r})",
            file=d.where,
            key="num_resamples",
        )
    if replicate is not None and (
        isinstance(replicate, bool) or not isinstance(replicate, int) or not 0 <= replicate < d.replicates
    ):
        raise ConfigError(
            f"must be None (the mean over replicates) or a replicate index from 0 to {d.replicates - 1} "
            f"(got {replicate!r})",
            file=d.where,
            key="replicate",
        )


def _outputs(table, d: _Design, output: str, replicate: int | None) -> np.ndarray:
    """One value of ``output`` per design point, in design order (mean over replicates)."""
    import pandas as pd

    numeric = [c for c in table.columns if pd.api.types.is_numeric_dtype(table[c]) and not
               pd.api.types.is_bool_dtype(table[c]) and c not in ("point", "replicate", "seed", *d.keys)]
    if output not in table.columns or output not in numeric:
        shown = ", ".join(numeric[:12]) + (", ..." if len(numeric) > 12 else "")
        what = "not a numeric result column" if output in table.columns else "no such result column"
        raise ConfigError(
            f"{what} {output!r}{suggest(output, numeric)}; allowed: {shown or '(none)'}",
            file=d.where,
            key="output",
        )
    n = SAMPLERS[d.method].n_points(int(d.points), len(d.keys))
    rows = table if replicate is None else table[table["replicate"] == replicate]
    y = pd.to_numeric(rows[output], errors="coerce").astype(float)
    y = y.where(np.isfinite(y))
    means = y.groupby(rows["point"].astype(int)).mean()  # NaN (a failed row) is skipped, as pandas does
    per_point = means.reindex(range(n))
    missing = np.flatnonzero(~np.isfinite(per_point.to_numpy()))
    if missing.size:
        shown = ", ".join(str(i) for i in missing[:8]) + (", ..." if missing.size > 8 else "")
        raise ConfigError(
            f"{missing.size} of {n} design points have no finite {output!r} (points {shown}): the "
            f"{d.method} estimators need every point of the design; finish the sweep with --resume, "
            "or see the rows' 'error' column",
            file=d.where,
            key="output",
        )
    values = per_point.to_numpy(dtype=float)
    if np.ptp(values) == 0.0:
        raise ConfigError(
            f"{output!r} is the same ({values[0]:g}) at every design point: there is no variance to "
            "apportion to the axes",
            file=d.where,
            key="output",
        )
    return values


def _bootstrap_rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=BOOTSTRAP_KEY))


def sensitivity(
    source,
    spec=None,
    *,
    output: str = "relief_pct",
    conf_level: float = 0.95,
    num_resamples: int = DEFAULT_RESAMPLES,
    replicate: int | None = None,
):
    """Sensitivity indices of ``output`` over the axes of a ``saltelli`` or ``morris`` sweep.

    Parameters
    ----------
    source : str, Path or pandas.DataFrame
        A result store folder, or a results table (as from :func:`~scs_sim.study.store.load_results`).
    spec : SweepSpec, str or Path, optional
        The sweep spec (required with a table; a store's own spec is read from its manifest).
    output : str
        The result column analysed (default ``relief_pct``).
    conf_level : float
        Level of the bootstrap confidence intervals (0 < conf_level < 1; default 0.95).
    num_resamples : int
        Bootstrap resamples (2 to ``MAX_RESAMPLES``; default :data:`DEFAULT_RESAMPLES`). The resamples
        are drawn from a generator seeded by the sweep's seed, so the table is reproducible.
    replicate : int, optional
        Analyse one replicate only (default: the mean over replicates per design point).

    Returns
    -------
    pandas.DataFrame
        One row per axis, in axis order. ``saltelli``: ``parameter, S1, S1_conf, ST, ST_conf``
        (``*_conf``: CI half-widths); ``morris``: ``parameter, mu, mu_star, mu_star_conf, sigma``.
        ``attrs`` holds ``method``, ``output``, ``points`` (N or r), ``rows`` (design points),
        ``replicates`` (used per point), ``conf_level`` and ``num_resamples``.

    Raises
    ------
    ConfigError
        Not a sensitivity design, an unknown or non-numeric output, bad options, missing or failed
        design points, or an output that does not vary.

    Examples
    --------
    >>> sensitivity("results/sobol_sensitivity")  # doctest: +SKIP
                      parameter    S1  S1_conf    ST  ST_conf
    0      program.amplitude_ma  0.41     0.12  0.62     0.15
    """
    import pandas as pd

    if isinstance(source, pd.DataFrame):
        if spec is None:
            raise ConfigError("sensitivity(table) needs the sweep's spec (a SweepSpec or its file)", key="spec")
        d, table = _from_spec(spec), source
    else:
        from scs_sim.study.store import load_results

        store = Path(source)
        d = _from_spec(spec) if spec is not None else _from_manifest(store)
        table = load_results(store)
    _check_options(d, output, conf_level, num_resamples, replicate)
    y = _outputs(table, d, output, replicate)
    problem = {"num_vars": len(d.keys), "names": list(d.keys), "bounds": [[0.0, 1.0]] * len(d.keys)}
    rng = _bootstrap_rng(d.seed)
    if d.method == "saltelli":
        from SALib.analyze import sobol as salib_sobol

        # SALib seeds its bootstrap from an int (0 would mean the global NumPy state): draw one >= 1
        res = salib_sobol.analyze(
            problem, y, calc_second_order=False, num_resamples=num_resamples,
            conf_level=float(conf_level), seed=int(rng.integers(1, 2**31 - 1)),
        )
    else:
        from SALib.analyze import morris as salib_morris

        x = unit_matrix("morris", len(d.keys), int(d.points), d.seed)
        res = salib_morris.analyze(
            problem, x, y, num_resamples=num_resamples, conf_level=float(conf_level),
            num_levels=MORRIS_LEVELS, seed=rng,
        )
    cols = _COLUMNS[d.method]
    df = pd.DataFrame({"parameter": list(d.keys), **{c: np.asarray(res[c], dtype=float) for c in cols[1:]}})
    df.attrs.update(
        method=d.method,
        output=output,
        points=int(d.points),
        rows=len(y),
        replicates=1 if replicate is not None else d.replicates,
        conf_level=float(conf_level),
        num_resamples=num_resamples,
    )
    return df


def short_names(keys: list[str]) -> list[str]:
    """Axis keys shortened to their last part (``amplitude_ma``), or two parts where that repeats."""
    out = [k.rsplit(".", 1)[-1] for k in keys]
    return [
        ".".join(k.split(".")[-2:]) if out.count(o) > 1 else o for k, o in zip(keys, out, strict=True)
    ]


def format_sensitivity(df) -> str:
    """A plain-text table of :func:`sensitivity` (the CLI prints it)."""
    a = df.attrs
    level = f"{100 * a.get('conf_level', 0.95):g} %"
    names = list(df["parameter"])
    w = max(len("parameter"), *map(len, names))
    if a.get("method") == "morris":
        head = f"{'parameter':<{w}}  {'mu*':>9}  {'± CI':>8}  {'mu':>9}  {'sigma':>9}"
        lines = [
            f"{n:<{w}}  {r.mu_star:9.3g}  {r.mu_star_conf:8.2g}  {r.mu:9.3g}  {r.sigma:9.3g}"
            for n, r in zip(names, df.itertuples(), strict=True)
        ]
        what = f"Morris screening of {a.get('output')} ({a.get('points')} trajectories, {a.get('rows')} points)"
    else:
        head = f"{'parameter':<{w}}  {'S1':>6}  {'± CI':>6}  {'ST':>6}  {'± CI':>6}"
        lines = [
            f"{n:<{w}}  {r.S1:6.3f}  {r.S1_conf:6.3f}  {r.ST:6.3f}  {r.ST_conf:6.3f}"
            for n, r in zip(names, df.itertuples(), strict=True)
        ]
        what = f"Sobol' indices of {a.get('output')} (N = {a.get('points')}, {a.get('rows')} points)"
    reps = a.get("replicates")
    tail = f"{what}, mean of {reps} replicate(s) per point; CI: {level} bootstrap half-width"
    return "\n".join([tail, head, *lines])
