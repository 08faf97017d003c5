"""Virtual cohorts: definition and draws, common random numbers, bounded intervals, responder rate,
paired differences, spread components, determinism, compare options honoured or refused, --resume
naming the keys that differ.

Most tests use the small evaluator below (relief from the patient's drawn values, the program's
charge and seeded noise), addressed by name so the CLI can load it; two short real simulations check
the anatomy seed and the paired difference of a program with itself.
"""

from __future__ import annotations

import json
import math
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scs_sim.errors import ConfigError
from scs_sim.study.cohort import DEFAULT_DRAWS, RESPONDER_PCT, bootstrap_ci, spread, wilson_ci
from scs_sim.study.compare import best_feasible, compare

ROOT = Path(__file__).resolve().parent.parent
EVALUATOR = "tests.test_cohort:evaluate"


def evaluate(cfg) -> dict:
    """Relief falls with CSF thickness and lead offset, rises with charge; noise from the run's seed."""
    from scs_sim.stim.dosimetry import dosimetry

    d = dosimetry(cfg.program, cfg.device).as_dict()
    a = cfg.patient.anatomy
    rng = np.random.default_rng(cfg.simulation.seed)
    drive = d["charge_per_s_uc"] / (d["charge_per_s_uc"] + 100.0)
    coupling = math.exp(-(a.csf_mm - 2.0) / 2.0 - abs(a.lead_offset_mm))
    relief = min(100.0, 100.0 * drive * coupling + float(rng.normal(0.0, 2.0)))
    return {
        "relief_pct": relief,
        "paresthesia": bool(relief > 40.0),
        "anatomy_seed_seen": cfg.patient.anatomy_seed,
        "csf_seen": a.csf_mm,
        "feasible": bool(d["charge_per_s_uc"] < 500.0),
        "infeasible_reasons": "" if d["charge_per_s_uc"] < 500.0 else "charge per second over 500 µC/s (test)",
        **{k: d[k] for k in ("shannon_k", "charge_per_s_uc", "battery_power_uw") if k in d},
    }


def write(tmp_path: Path, text: str, name: str = "spec.toml") -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


SPEC = """\
program = "tonic_50hz"
[simulation]
duration_s = 0.5
[sweep]
replicates = 2
seed = 3
[sweep.cohort]
patients = 6
[sweep.axes]
"program" = ["tonic_50hz", "burst_dr", "hd_1khz"]
"""


def _cli(argv) -> int:
    from scs_sim.app import cli

    return cli.main([str(a) for a in argv])


def _run(tmp_path, spec_text=SPEC, name="o", reference=None):
    from scs_sim.study import load_results, run_sweep

    spec = write(tmp_path, spec_text)
    run_sweep(spec, out=tmp_path / name, backend="serial", evaluate=EVALUATOR)
    df = load_results(tmp_path / name)
    return df, compare(df, reference=reference)


# ---------------------------------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_bootstrap_ci_stays_inside_the_data_and_the_relief_range(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 15))
    relief = np.where(rng.random(n) < 0.4, 0.0, rng.uniform(0, 100, n))  # skewed, many zeros
    relief[rng.integers(n)] = 100.0
    lo, hi = bootstrap_ci(relief)
    assert 0.0 <= relief.min() <= lo <= relief.mean() <= hi <= relief.max() <= 100.0
    other = np.clip(relief + rng.normal(0, 30, n), 0, 100)
    dlo, dhi = bootstrap_ci(other - relief)
    assert -100.0 <= dlo <= np.mean(other - relief) <= dhi <= 100.0
    assert bootstrap_ci(relief) == (lo, hi)  # deterministic


def test_bootstrap_ci_degenerate_cases():
    assert bootstrap_ci([42.0] * 5) == (42.0, 42.0)  # zero width
    assert all(math.isnan(v) for v in bootstrap_ci([1.0]))
    assert all(math.isnan(v) for v in bootstrap_ci([]))
    lo, hi = bootstrap_ci([0.0, 0.0, 0.0, 0.0, 100.0])  # BCa degenerate-ish: still inside the data
    assert 0.0 <= lo <= 20.0 <= hi <= 100.0


def test_bootstrap_ci_covers_a_known_mean_about_95_percent():
    """Coverage over 150 samples of 20 from a clipped exponential: 95 % nominal, BCa ~93-95 %."""
    rng = np.random.default_rng(7)
    hits = 0
    for _ in range(150):
        lo, hi = bootstrap_ci(np.minimum(rng.exponential(30.0, 20), 100.0))
        hits += lo <= 30.0 * (1 - math.exp(-100 / 30)) <= hi  # the mean of the clipped exponential
    assert 0.85 <= hits / 150 <= 0.99


def test_wilson_interval():
    lo, hi = wilson_ci(5, 10)
    assert lo == pytest.approx(0.2366, abs=1e-4) and hi == pytest.approx(0.7634, abs=1e-4)
    assert wilson_ci(0, 12)[0] == 0.0 and 0.2 < wilson_ci(0, 12)[1] < 0.3
    assert wilson_ci(12, 12)[1] == 1.0
    assert all(math.isnan(v) for v in wilson_ci(0, 0))


def test_spread_recovers_between_and_within_sd():
    rng = np.random.default_rng(1)
    truth = rng.normal(40.0, 12.0, 3000)  # patients' true relief, SD 12
    m = truth[:, None] + rng.normal(0.0, 3.0, (3000, 3))  # 3 noise replicates, SD 3
    s = spread(m)
    assert s["sd_between"] == pytest.approx(12.0, rel=0.05)
    assert s["sd_within"] == pytest.approx(3.0, rel=0.05)
    assert s["between_share"] == pytest.approx(144 / 153, rel=0.02)
    one = spread(m[:, :1])
    assert math.isnan(one["sd_within"]) and one["sd_between"] == pytest.approx(12.4, rel=0.06)


# ---------------------------------------------------------------------------------------------------
# compare() on hand-made cohort tables
# ---------------------------------------------------------------------------------------------------


def hand_cohort() -> pd.DataFrame:
    """Two programs x 4 patients x 2 replicates; patient reliefs (replicate means) as given."""
    per = {"a": [60.0, 40.0, 50.0, 10.0], "b": [70.0, 45.0, 30.0, 10.0]}
    rows = []
    for point, (name, reliefs) in enumerate(per.items()):
        for j, r in enumerate(reliefs):
            for rep, eps in enumerate((-1.0, 1.0)):
                rows.append({"point": point * 4 + j, "cohort.point": point, "cohort.patient": j,
                             "replicate": rep, "program": name, "program_name": name,
                             "relief_pct": r + eps, "paresthesia": name == "a",
                             "battery_power_uw": 100.0 * (point + 1), "feasible": name == "a"})
    return pd.DataFrame(rows)


def test_compare_cohort_hand_table():
    out = compare(hand_cohort()).set_index("program")
    assert out.loc["a", "relief_pct_mean"] == pytest.approx(40.0)
    assert out.loc["b", "relief_pct_mean"] == pytest.approx(38.75)
    assert out.loc["a", "responder_rate"] == 0.5  # 60 and 50 (>= 50 counts) of 4
    assert out.loc["b", "responder_rate"] == 0.25
    assert (out.loc["a", "responder_ci_low"], out.loc["a", "responder_ci_high"]) == wilson_ci(2, 4)
    assert out.loc["a", "patients"] == 4 and out.loc["a", "replicates"] == 2 and out.loc["a", "n"] == 8
    assert out.loc["a", "reference"] == "a"  # default: the first program of the spec
    assert out.loc["a", "relief_diff_pct"] == 0.0
    assert (out.loc["a", "relief_diff_ci_low"], out.loc["a", "relief_diff_ci_high"]) == (0.0, 0.0)
    d = np.array([10.0, 5.0, -20.0, 0.0])
    assert out.loc["b", "relief_diff_pct"] == pytest.approx(d.mean())
    assert (out.loc["b", "relief_diff_ci_low"], out.loc["b", "relief_diff_ci_high"]) == bootstrap_ci(d)
    assert out.loc["a", "relief_sd_within"] == pytest.approx(math.sqrt(2.0))  # ±1 around each patient
    assert out.loc["a", "paresthesia"] == 1.0 and out.loc["b", "paresthesia"] == 0.0
    assert bool(out.loc["a", "feasible"]) and not bool(out.loc["b", "feasible"])
    by_b = compare(hand_cohort(), reference="b").set_index("program")
    assert by_b.loc["a", "relief_diff_pct"] == pytest.approx(-d.mean())
    with pytest.raises(ConfigError, match=r"--reference: no program 'c'.*allowed: a, b"):
        compare(hand_cohort(), reference="c")
    with pytest.raises(ConfigError, match="--reference: paired differences need a cohort"):
        compare(hand_cohort().drop(columns=["cohort.point", "cohort.patient"]), reference="a")


def test_best_excludes_infeasible_programs():
    t = hand_cohort()
    t.loc[t["program"] == "b", "relief_pct"] += 50.0  # b has the most relief, but is infeasible
    out = compare(t)
    assert out["program"].iloc[0] == "b"
    assert best_feasible(out)["program"] == "a"
    assert best_feasible(out.drop(columns=["feasible"]))["program"] == "b"  # no flags: all count
    out["feasible"] = False
    assert best_feasible(out) is None


# ---------------------------------------------------------------------------------------------------
# Cohort definition, CRN, determinism (test evaluator)
# ---------------------------------------------------------------------------------------------------


def test_every_program_runs_on_the_same_patients_with_the_same_seeds(tmp_path):
    df, out = _run(tmp_path)
    assert len(df) == 3 * 6 * 2
    key = ["cohort.patient", "replicate"]
    per_program = [g.sort_values(key) for _, g in df.groupby("cohort.point")]
    cols = ["cohort.patient", "replicate", "seed", "patient.anatomy_seed", "patient.anatomy.csf_mm",
            "patient.pain.c_rate_hz", "anatomy_seed_seen", "csf_seen"]
    for g in per_program[1:]:
        assert g[cols].to_numpy().tolist() == per_program[0][cols].to_numpy().tolist()
    assert df.groupby("cohort.patient")["patient.anatomy_seed"].nunique().eq(1).all()
    assert df["patient.anatomy_seed"].nunique() == 6
    assert df.groupby(["cohort.point", "cohort.patient"])["seed"].nunique().eq(2).all()  # 2 noise seeds
    assert df.groupby("replicate")["seed"].nunique().eq(6).all()  # noise differs between patients
    assert set(DEFAULT_DRAWS) <= set(df.columns)
    assert (df["csf_seen"] == df["patient.anatomy.csf_mm"]).all()  # the draws reach the config
    assert df["patient.anatomy.csf_mm"].between(1.5, 6.0).all()
    assert df["patient.anatomy.lead_offset_mm"].between(-3.0, 3.0).all()
    assert len(out) == 3 and set(out["patients"]) == {6}


def test_a_program_against_itself_differs_by_exactly_zero(tmp_path):
    spec = SPEC.replace('["tonic_50hz", "burst_dr", "hd_1khz"]', '["burst_dr", "tonic_50hz", "burst_dr"]')
    df, out = _run(tmp_path, spec, reference=None)
    dup = out[out["program"].str.startswith("burst_dr")]
    assert len(dup) == 2
    assert (dup["relief_diff_pct"] == 0.0).all()
    assert (dup["relief_diff_ci_low"] == 0.0).all() and (dup["relief_diff_ci_high"] == 0.0).all()
    tonic = out[out["program"] == "tonic_50hz"].iloc[0]
    assert tonic["relief_diff_ci_low"] < tonic["relief_diff_pct"] < tonic["relief_diff_ci_high"]


def test_patients_stay_the_same_when_the_cohort_grows(tmp_path):
    from scs_sim.study import load_spec

    small = load_spec(write(tmp_path, SPEC))
    big = load_spec(write(tmp_path, SPEC.replace("patients = 6", "patients = 9"), "big.toml"))
    assert [small.cohort.patient_values(j) for j in range(6)] == [big.cohort.patient_values(j) for j in range(6)]
    other = load_spec(write(tmp_path, SPEC + "[sweep.cohort.draws]\n"
                            '"patient.anatomy.csf_mm" = { lognormal = 0.25, within = [1.5, 6.0] }\n', "one.toml"))
    assert [other.cohort.patient_values(j)["patient.anatomy.csf_mm"] for j in range(6)] == [
        small.cohort.patient_values(j)["patient.anatomy.csf_mm"] for j in range(6)
    ]  # dropping the other draws leaves this one alone
    assert "patient.pain.c_rate_hz" not in other.cohort.patient_values(0)


def test_draw_distributions_match_their_definition():
    from scs_sim.config import parse
    from scs_sim.study.cohort import parse_cohort

    base = parse({"program": "tonic_50hz"}).model_dump(mode="json", exclude={"source", "sweep"})
    draws = {
        "patient.anatomy.csf_mm": {"lognormal": 0.25},
        "patient.anatomy.lead_offset_mm": {"normal": 1.0, "within": [-1.0, 1.0]},
        "patient.pain.c_rate_hz": {"uniform": [1.0, 4.0]},
    }
    c = parse_cohort({"cohort": {"patients": 1500, "draws": draws}}, base, {}, default_seed=5)
    v = pd.DataFrame([c.patient_values(j) for j in range(1500)])
    assert np.median(v["patient.anatomy.csf_mm"]) == pytest.approx(3.0, rel=0.03)  # centred on the patient
    assert np.log(v["patient.anatomy.csf_mm"]).std() == pytest.approx(0.25, rel=0.06)
    off = v["patient.anatomy.lead_offset_mm"]
    assert off.between(-1.0, 1.0).all() and off.std() == pytest.approx(0.5396, rel=0.06)  # truncated N(0,1)
    assert v["patient.pain.c_rate_hz"].between(1.0, 4.0).all()
    assert v["patient.pain.c_rate_hz"].mean() == pytest.approx(2.5, rel=0.03)
    assert v["patient.anatomy_seed"].nunique() == 1500


def test_two_runs_with_the_same_seed_give_identical_tables(tmp_path, capsys, importable_tests):
    spec = write(tmp_path, SPEC)
    base = ["compare", spec, "--backend", "serial", "--evaluator", EVALUATOR]
    assert _cli([*base, "--out", tmp_path / "a"]) == 0
    first = capsys.readouterr()
    assert _cli([*base, "--out", tmp_path / "b"]) == 0
    second = capsys.readouterr()
    assert first.out == second.out and "resp. %" in first.out and "Δ relief" in first.out
    assert (tmp_path / "a" / "comparison.json").read_text() == (tmp_path / "b" / "comparison.json").read_text()
    assert (tmp_path / "a" / "comparison.csv").read_text() == (tmp_path / "b" / "comparison.csv").read_text()
    assert "between patients" in first.err and "within a patient" in first.err
    assert "best among the feasible programs: " in first.out
    assert _cli([*base, "--out", tmp_path / "c", "--seed", "4"]) == 0
    assert capsys.readouterr().out != first.out  # another seed: other patients and noise


def test_cli_json_and_csv_keys(tmp_path, capsys, importable_tests):
    spec = write(tmp_path, SPEC)
    argv = ["compare", spec, "--out", tmp_path / "o", "--backend", "serial", "--evaluator", EVALUATOR]
    assert _cli([*argv, "--json", "--reference", "burst_dr"]) == 0
    rows = json.loads(capsys.readouterr().out)
    for r in rows:
        for k in ("program", "relief_pct_mean", "relief_pct_ci_low", "relief_pct_ci_high", "responder_rate",
                  "responder_ci_low", "responder_ci_high", "relief_diff_pct", "relief_diff_ci_low",
                  "relief_diff_ci_high", "relief_sd_between", "relief_sd_within", "paresthesia", "shannon_k",
                  "pareto", "feasible", "patients", "replicates"):
            assert k in r, k
        assert 0.0 <= r["relief_pct_ci_low"] <= r["relief_pct_mean"] <= r["relief_pct_ci_high"] <= 100.0
        assert -100.0 <= r["relief_diff_ci_low"] <= r["relief_diff_pct"] <= r["relief_diff_ci_high"] <= 100.0
        assert 0.0 <= r["responder_ci_low"] <= r["responder_rate"] <= r["responder_ci_high"] <= 1.0
        assert r["reference"] == "burst_dr"
    hd = next(r for r in rows if r["program"] == "hd_1khz")
    assert hd["feasible"] is False and "500" in hd["infeasible_reasons"]
    csv = pd.read_csv(tmp_path / "o" / "comparison.csv")
    assert len(csv) == 3 and {"responder_rate", "relief_diff_pct", "feasible"} <= set(csv.columns)
    responders = next(r for r in rows if r["program"] == "tonic_50hz")
    df = __import__("scs_sim.study", fromlist=["load_results"]).load_results(
        next((tmp_path / "o").glob("sweep-*")))
    per = df[df["program_name"] == "tonic_50hz"].groupby("cohort.patient")["relief_pct"].mean()
    assert responders["responder_rate"] == pytest.approx(float((per >= RESPONDER_PCT).mean()))


# ---------------------------------------------------------------------------------------------------
# Options honoured or refused
# ---------------------------------------------------------------------------------------------------


def test_compare_options_override_the_spec(tmp_path, capsys, importable_tests):
    from scs_sim.study import load_results

    spec = write(tmp_path, SPEC)
    out = tmp_path / "o"
    argv = ["compare", spec, "--out", out, "--backend", "serial", "--evaluator", EVALUATOR,
            "--patient", "thin_csf", "--replicates", "1", "--seed", "99", "--duration", "0.25",
            "--patients", "4", "--json"]
    assert _cli(argv) == 0
    capsys.readouterr()
    store = next(out.glob("sweep-*"))
    df = load_results(store)
    assert len(df) == 3 * 4 * 1  # --patients 4, --replicates 1
    assert (df["duration_s"] == 0.25).all() if "duration_s" in df.columns else True
    manifest = json.loads((store / "manifest.json").read_text())
    s = manifest["spec"]
    assert s["sweep"]["replicates"] == 1 and s["sweep"]["seed"] == 99 and s["cohort"]["patients"] == 4
    assert s["base"]["simulation"]["duration_s"] == 0.25
    assert s["base"]["patient"]["name"] == "thin_csf" and s["base"]["patient"]["anatomy"]["csf_mm"] == 2.0
    assert df["patient.anatomy.csf_mm"].median() < 2.6  # the cohort is centred on the thin-CSF patient
    assert manifest["command"].count("--patients 4") == 1  # the command that repeats it has them


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--replicates", "0"], ["--replicates", ">= 1"]),
        (["--patients", "0"], ["--patients", "sweep.cohort.patients", "from 1"]),
        (["--duration", "-1"], ["--duration"]),
        (["--patient", "nope_patient"], ["--patient"]),
        (["--reference", "tonik_50hz"], ["--reference", "did you mean 'tonic_50hz'"]),
        (["--workers", "2"], ["--workers", "serial"]),
        (["--scheduler", "tcp://x:1"], ["--scheduler", "dask"]),
    ],
)
def test_compare_options_that_cannot_apply_exit_2(tmp_path, capsys, importable_tests, extra, words):
    spec = write(tmp_path, SPEC)
    argv = ["compare", spec, "--out", tmp_path / "o", "--backend", "serial", "--evaluator", EVALUATOR, *extra]
    assert _cli(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for w in words:
        assert w in err, (w, err)


def test_reference_in_program_mode_needs_a_cohort(tmp_path, capsys, importable_tests):
    argv = ["compare", "tonic_50hz", "burst_dr", "--out", tmp_path / "o", "--duration", "0.5",
            "--replicates", "1", "--backend", "serial", "--evaluator", EVALUATOR, "--reference", "burst_dr"]
    assert _cli(argv) == 2
    assert "--reference" in capsys.readouterr().err
    assert _cli([*argv, "--patients", "3", "--json"]) == 0  # program mode with a cohort
    rows = json.loads(capsys.readouterr().out)
    assert {r["reference"] for r in rows} == {"burst_dr"} and {r["patients"] for r in rows} == {3}


def test_sweep_run_options_that_cannot_apply_exit_2(tmp_path, capsys, importable_tests):
    spec = write(tmp_path, SPEC)
    base = ["sweep", spec, "--out", tmp_path / "o", "--evaluator", EVALUATOR]
    assert _cli([*base, "--backend", "serial", "--workers", "3"]) == 2
    assert "--workers" in capsys.readouterr().err
    assert _cli([*base, "--backend", "processes", "--scheduler", "tcp://x:1"]) == 2
    assert "--scheduler needs --backend dask" in capsys.readouterr().err


def test_resume_against_a_changed_spec_names_the_keys(tmp_path, capsys, importable_tests):
    spec = write(tmp_path, SPEC)
    base = ["sweep", spec, "--out", tmp_path / "o", "--backend", "serial", "--evaluator", EVALUATOR]
    assert _cli(base) == 0
    capsys.readouterr()
    assert _cli([*base, "--resume", "-s", "sweep.replicates=3", "-s", "simulation.duration_s=1.0",
                 "-s", "sweep.cohort.patients=7"]) == 2
    err = capsys.readouterr().err
    assert "keys that differ" in err
    assert "sweep.replicates: 2 -> 3" in err and "simulation.duration_s: 0.5 -> 1.0" in err
    assert "cohort.patients: 6 -> 7" in err


# ---------------------------------------------------------------------------------------------------
# Cohort config errors
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "key", "words"),
    [
        ("patients = 0", "sweep.cohort.patients", ["from 1", "0"]),
        ('patients = "ten"', "sweep.cohort.patients", ["'ten'"]),
        ("patiens = 3", "sweep.cohort.patiens", ["did you mean 'patients'"]),
        ("seed = -1", "sweep.cohort.seed", [">= 0"]),
        ('draws = { "patient.anatomy.csf" = { normal = 1.0 } }', 'sweep.cohort.draws."patient.anatomy.csf"',
         ["patient.anatomy.csf_mm"]),
        ('draws = { "program.amplitude_ma" = { normal = 1.0 } }', 'sweep.cohort.draws."program.amplitude_ma"',
         ["patient keys"]),
        ('draws = { "patient.anatomy.csf_mm" = { gauss = 1.0 } }',
         'sweep.cohort.draws."patient.anatomy.csf_mm".gauss', ["gauss"]),
        ('draws = { "patient.anatomy.csf_mm" = { within = [1.0, 2.0] } }',
         'sweep.cohort.draws."patient.anatomy.csf_mm"', ["exactly one of normal, lognormal, uniform"]),
        ('draws = { "patient.anatomy.csf_mm" = { normal = -1.0 } }',
         'sweep.cohort.draws."patient.anatomy.csf_mm".normal', [">= 0", "-1.0"]),
        ('draws = { "patient.anatomy.csf_mm" = { normal = 1.0, within = [4.0, 6.0] } }',
         'sweep.cohort.draws."patient.anatomy.csf_mm".within', ["outside", "3.0"]),
        ('draws = { "patient.anatomy.csf_mm" = { uniform = [5.0, 2.0] } }',
         'sweep.cohort.draws."patient.anatomy.csf_mm".uniform', ["a < b"]),
        ('draws = { "patient.anatomy.lead_offset_mm" = { lognormal = 0.3 } }',
         'sweep.cohort.draws."patient.anatomy.lead_offset_mm"', ["lognormal", "> 0"]),
        ('draws = { "patient.name" = { normal = 1.0 } }', 'sweep.cohort.draws."patient.name"', ["patient keys"]),
    ],
)
def test_cohort_config_errors_name_file_key_value(tmp_path, table, key, words):
    from scs_sim.study import load_spec

    spec = write(tmp_path, SPEC.replace("patients = 6", table))
    with pytest.raises(ConfigError) as e:
        load_spec(spec)
    assert e.value.file == str(spec) and e.value.key == key, (e.value.file, e.value.key)
    for w in words:
        assert w in str(e.value), (w, str(e.value))


def test_an_axis_over_a_drawn_key_is_refused(tmp_path):
    from scs_sim.study import load_spec

    spec = write(tmp_path, SPEC + '"patient.anatomy.csf_mm" = [2.0, 4.0]\n')
    with pytest.raises(ConfigError, match="cohort draws its patients") as e:
        load_spec(spec)
    assert e.value.key == 'sweep.axes."patient.anatomy.csf_mm"'
    spec = write(tmp_path, SPEC + '"patient" = ["default", "thin_csf"]\n', "p.toml")
    with pytest.raises(ConfigError, match="cohort draws its patients"):
        load_spec(spec)


def test_cohort_size_counts_against_the_run_limit(tmp_path):
    from scs_sim.study import load_spec

    spec = write(tmp_path, SPEC.replace("patients = 6", "patients = 100000").replace("replicates = 2",
                                                                                   "replicates = 5"))
    with pytest.raises(ConfigError, match=r"1,500,000 runs") as e:
        load_spec(spec)
    assert e.value.key == "sweep.cohort.patients"


# ---------------------------------------------------------------------------------------------------
# The real model: the anatomy seed and CRN
# ---------------------------------------------------------------------------------------------------


def test_real_cohort_anatomy_seed_and_paired_zero(tmp_path):
    """Same patient (anatomy seed) and noise seed: identical run; the anatomy seed changes the
    fibres; a program against itself on the cohort differs by exactly 0 (real simulator, 0.3 s)."""
    from scs_sim.config import parse
    from scs_sim.simulation import evaluate as real

    def cfg(anatomy_seed, seed):
        return parse({"program": "tonic_50hz", "patient": {"anatomy_seed": anatomy_seed},
                      "simulation": {"duration_s": 0.3, "seed": seed}})

    a = real(cfg(11, 1))
    assert real(cfg(11, 1))["relief_pct"] == a["relief_pct"]
    unset = real(parse({"program": "tonic_50hz", "simulation": {"duration_s": 0.3, "seed": 1}}))
    assert unset["relief_pct"] == real(parse({"program": "tonic_50hz",
                                              "simulation": {"duration_s": 0.3, "seed": 1}}))["relief_pct"]
    fibres = {real(cfg(s, 1))["recruited_dc_fibers"] for s in range(12)}
    assert len(fibres) > 1  # the anatomy seed draws the fibre population
    spec = SPEC.replace("duration_s = 0.5", "duration_s = 0.3").replace("patients = 6", "patients = 3").replace(
        "replicates = 2", "replicates = 1").replace('["tonic_50hz", "burst_dr", "hd_1khz"]',
                                                    '["tonic_50hz", "tonic_50hz"]')
    from scs_sim.study import load_results, run_sweep

    run_sweep(write(tmp_path, spec), out=tmp_path / "real", backend="serial")
    out = compare(load_results(tmp_path / "real"))
    assert (out["relief_diff_pct"] == 0.0).all()
    assert (out["relief_diff_ci_low"] == 0.0).all() and (out["relief_diff_ci_high"] == 0.0).all()
    assert (out["relief_pct_ci_low"] >= 0.0).all() and (out["relief_pct_ci_high"] <= 100.0).all()


def test_a_cohort_round_trips_through_the_store_manifest(tmp_path):
    from scs_sim.app.report import spec_from_store
    from scs_sim.study import load_spec

    _run(tmp_path)
    sp = load_spec(write(tmp_path, SPEC))
    again = spec_from_store(tmp_path / "o")
    assert again.cohort.as_dict() == sp.cohort.as_dict()
    assert again.design() == sp.design() and again.tasks() == sp.tasks()
