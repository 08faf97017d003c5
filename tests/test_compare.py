"""Comparison tables: relief CI over replicates, paresthesia fraction, Pareto front, labels."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from scs_sim.errors import ConfigError
from scs_sim.study.compare import ci95_halfwidth, compare, pareto_front

#: Relative tolerance for float arithmetic on hand-made tables.
RTOL = 1e-12


def hand_table() -> pd.DataFrame:
    """Four programs × 3 replicates (one program with a single replicate)."""
    rows = []
    spec = {
        # name: (relief per replicate, paresthesia per replicate, battery power µW, shannon k)
        "tonic": ([40.0, 50.0, 45.0], [True, True, False], 800.0, 0.9),
        "burst": ([30.0, 34.0, 32.0], [False, False, False], 300.0, 1.2),
        "hf10k": ([50.0, 60.0, 55.0], [False, False, False], 5000.0, 0.2),
        "bad": ([20.0, 25.0, 22.0], [True, True, True], 900.0, 0.5),  # dominated by tonic
        "single": ([10.0], [False], 50.0, 0.1),
    }
    for name, (relief, par, power, k) in spec.items():
        for r, (x, p) in enumerate(zip(relief, par, strict=True)):
            rows.append(
                {
                    "program": name,
                    "replicate": r,
                    "relief_pct": x,
                    "paresthesia": p,
                    "battery_power_uw": power,
                    "shannon_k": k,
                    "charge_per_s_uc": power / 10,
                    "recharge_min_per_day": power / 100,
                }
            )
    return pd.DataFrame(rows)


def test_ci_is_t_half_width():
    x = [40.0, 50.0, 45.0]
    expected = stats.t.ppf(0.975, 2) * np.std(x, ddof=1) / math.sqrt(3)
    assert ci95_halfwidth(x) == pytest.approx(expected, rel=RTOL)
    assert math.isnan(ci95_halfwidth([10.0]))
    assert math.isnan(ci95_halfwidth([]))


def test_compare_hand_table():
    out = compare(hand_table())
    assert list(out["program"]) == ["hf10k", "tonic", "burst", "bad", "single"]  # best relief first
    t = out.set_index("program")
    assert t.loc["tonic", "relief_pct_mean"] == pytest.approx(45.0, rel=RTOL)
    assert t.loc["tonic", "relief_pct_ci95"] == pytest.approx(ci95_halfwidth([40, 50, 45]), rel=RTOL)
    assert math.isnan(t.loc["single", "relief_pct_ci95"])
    assert t.loc["tonic", "paresthesia"] == pytest.approx(2 / 3, rel=RTOL)
    assert t.loc["bad", "paresthesia"] == 1.0 and t.loc["burst", "paresthesia"] == 0.0
    assert t.loc["burst", "shannon_k"] == 1.2 and t.loc["burst", "charge_per_s_uc"] == 30.0
    assert t.loc["burst", "recharge_min_per_day"] == 3.0
    assert t.loc["tonic", "n"] == 3 and t.loc["single", "n"] == 1
    # front: hf10k (most relief), tonic, burst, single (least power); 'bad' is dominated by tonic
    assert dict(t["pareto"]) == {"hf10k": True, "tonic": True, "burst": True, "bad": False, "single": True}


def test_pareto_front_ties_and_nan():
    relief = [10.0, 10.0, 5.0, np.nan, 12.0]
    power = [100.0, 100.0, 100.0, 1.0, 200.0]
    assert pareto_front(relief, power).tolist() == [True, True, False, False, True]


def test_compare_groups_sweep_points_and_labels():
    df = pd.DataFrame(
        {
            "point": [0, 0, 1, 1],
            "replicate": [0, 1, 0, 1],
            "program_name": ["tonic_50hz"] * 4,
            "program.amplitude_ma": [2.0, 2.0, 4.0, 4.0],
            "relief_pct": [1.0, 3.0, 10.0, 12.0],
            "battery_power_uw": [100.0, 100.0, 400.0, 400.0],
        }
    )
    out = compare(df)
    assert list(out["program"]) == ["tonic_50hz (amplitude_ma=4)", "tonic_50hz (amplitude_ma=2)"]
    assert list(out["point"]) == [1, 0] and out["pareto"].all()
    by_amp = compare(df, by="program.amplitude_ma")
    assert list(by_amp["relief_pct_mean"]) == [11.0, 2.0]


def test_compare_errors():
    with pytest.raises(ConfigError, match="relief_pct"):
        compare(pd.DataFrame({"program": ["a"]}))
    with pytest.raises(ConfigError, match="no column"):
        compare(hand_table(), by="nope")


def test_compare_carries_feasibility_when_present():
    t = hand_table()
    assert "feasible" not in compare(t).columns  # no flags: no column
    t["feasible"] = t["program"] != "hf10k"
    t["infeasible_reasons"] = np.where(t["program"] == "hf10k", "Shannon k over 1.85 (test)", "")
    out = compare(t).set_index("program")
    assert out.loc["hf10k", "feasible"] is False or not out.loc["hf10k", "feasible"]
    assert out.loc["hf10k", "infeasible_reasons"] == "Shannon k over 1.85 (test)"
    assert bool(out.loc["tonic", "feasible"]) and pd.isna(out.loc["tonic", "infeasible_reasons"])
    from scs_sim.study.compare import best_feasible

    assert best_feasible(out.reset_index())["program"] == "tonic"  # hf10k has more relief, infeasible


def test_compare_prints_why_a_program_is_infeasible(tmp_path, capsys):
    """A program over the Shannon line is marked infeasible in the table, with the reason on its own line."""
    from scs_sim.app.cli import main

    hot = tmp_path / "hot.toml"  # 8.5 mA x 500 µs: 4.25 µC/phase, Shannon k 2.17
    hot.write_text('[program]\nname = "hot"\nkind = "tonic"\nfrequency_hz = 60.0\npulse_width_us = 500.0\n'
                   'amplitude_ma = 8.5\n')
    rc = main(["compare", "tonic_50hz", str(hot), "--duration", "0.3", "--replicates", "1",
               "--out", str(tmp_path / "cmp")])
    out = capsys.readouterr().out
    assert rc == 0
    assert "INFEASIBLE hot: Shannon k 2.17" in out, out
    assert "INFEASIBLE tonic_50hz" not in out
    assert "best among the feasible programs: tonic_50hz" in out
