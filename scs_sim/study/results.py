"""Results as labelled arrays: a finished grid sweep as an ``xarray.Dataset``.

This module owns :func:`to_dataset`: the store's rows (:func:`scs_sim.study.store.load_results`) laid
out on the grid's axes (one dimension per swept key, in the spec's order, then ``cohort.patient`` for
a virtual cohort and ``replicate``), one data variable per result column. Scattered designs (random,
LHS, Sobol', Saltelli, Morris) have no grid: use the table. ``xarray`` is an optional dependency
(``pip install xarray`` or the ``xarray`` extra).
"""

from __future__ import annotations

from pathlib import Path

from scs_sim.errors import ConfigError
from scs_sim.study.store import load_results, read_manifest

__all__ = ["to_dataset"]

#: Row bookkeeping that is not a result (the grid coordinates replace it).
_INDEX_COLUMNS = ("point",)


def to_dataset(path: str | Path):
    """A finished grid sweep's results as an ``xarray.Dataset`` with the axes as dimensions.

    Examples
    --------
    >>> ds = to_dataset("results/frequency_response")  # doctest: +SKIP
    >>> ds["relief_pct"].mean("replicate").plot()  # doctest: +SKIP
    """
    try:
        import xarray  # noqa: F401  (pandas' to_xarray needs it)
    except ImportError:
        raise ConfigError("an xarray Dataset needs the xarray package: pip install xarray") from None
    p = Path(path)
    manifest = read_manifest(p)
    method = (manifest.get("spec") or {}).get("sweep", {}).get("method", "grid")
    if method != "grid":
        raise ConfigError(f"{p}: a {method} design has no grid to lay the results on; use "
                          "scs_sim.load_results (a table, one row per run)", file=str(p), key="sweep.method")
    df = load_results(p)
    dims = [a for a in manifest.get("axes", []) if a in df.columns]
    if "cohort.patient" in df.columns:
        dims.append("cohort.patient")
    dims.append("replicate")
    if df.duplicated(dims).any():
        raise ConfigError(f"{p}: rows are not unique on {', '.join(dims)}; cannot lay them on a grid",
                          file=str(p))
    table = df.drop(columns=[c for c in _INDEX_COLUMNS if c in df.columns]).set_index(dims)
    return table.to_xarray()
