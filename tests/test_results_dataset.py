"""A grid store as an xarray Dataset: dimensions are the axes (and replicate), values the rows'."""

from __future__ import annotations

import numpy as np
import pytest

from scs_sim.errors import ConfigError
from tests.test_sweep import EVALUATOR, SPEC, write

xr = pytest.importorskip("xarray")
pytestmark = pytest.mark.usefixtures("importable_tests")


def test_grid_store_as_dataset(tmp_path):
    import scs_sim
    from scs_sim.study import run_sweep

    spec = write(tmp_path, SPEC.format(num=3))
    run_sweep(spec, out=tmp_path / "s", backend="serial", evaluate=EVALUATOR, progress=False)
    ds = scs_sim.to_dataset(tmp_path / "s")
    df = scs_sim.load_results(tmp_path / "s")
    assert dict(ds.sizes) == {"program.frequency_hz": 3, "program.amplitude_ma": 2, "replicate": 2}
    for _, row in df.iterrows():  # every row sits at its own coordinates
        cell = ds["relief_pct"].sel({"program.frequency_hz": row["program.frequency_hz"],
                                     "program.amplitude_ma": row["program.amplitude_ma"],
                                     "replicate": row["replicate"]})
        assert float(cell) == row["relief_pct"]
    assert np.isfinite(ds["relief_pct"].values).all()


def test_scattered_design_is_refused_with_the_reason(tmp_path):
    import scs_sim
    from scs_sim.study import run_sweep

    spec = write(tmp_path, SPEC.format(num=3).replace('method = "grid"', 'method = "random"\npoints = 4')
                 .replace('"program.amplitude_ma" = [2.0, 4.0]', '"program.amplitude_ma" = { range = [2.0, 4.0] }'))
    run_sweep(spec, out=tmp_path / "r", backend="serial", evaluate=EVALUATOR, progress=False)
    with pytest.raises(ConfigError, match="random design has no grid"):
        scs_sim.to_dataset(tmp_path / "r")
