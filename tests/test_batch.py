"""Batches (docs/MODEL.md §6 "Batches"): rows that share a network run together, bit for bit as one at a
time.

``simulate_batch`` / ``evaluate_batch`` against ``simulate_config`` / ``evaluate`` for both models, with
and without a given baseline, at batch sizes 1, 3 and 8 (configs of several networks mixed in one call);
``batch_key`` against what the network is drawn from; the sweep runner's batches (a failing batch falls
back row by row; batch size 1 and 8 give the same store table); the option's validation.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from scs_sim import simulation as sim
from scs_sim.config import loader as config
from scs_sim.config.loader import RunConfig, Simulation
from scs_sim.errors import ConfigError, SimulationError

DURATION_S = 2.5  # three windows of 1 s (the last one short), recorded span 1.7 s: both paths cut alike
PROGRAMS = ("tonic_50hz", "burst_dr", "hf_10khz", "tonic_90hz_subperception")


def _cfg(program, *, seed=1, model="spiking", patient="default", amplitude=None, mechanisms=None, **pat):
    prog, _ = config.load_program(program)
    if amplitude is not None:
        prog = prog.model_copy(update={"amplitude_ma": amplitude})
    p = config.load_patient(patient)
    if pat:
        p = p.model_copy(update=pat)
    kw = {} if mechanisms is None else {"mechanisms": mechanisms}
    s = Simulation(duration_s=DURATION_S, seed=seed, model=model, window_s=1.0, record_s=1.7, **kw)
    return RunConfig.model_construct(program=prog, patient=p, device=config.Device(), simulation=s, sweep=None,
                                     source=None)


def _configs(model: str) -> list[RunConfig]:
    """Eight rows: four programs on seed 1 (one network), two on seed 2 (another), a virtual patient
    (anatomy seed) under two noise seeds (a third network shared by both seeds)."""
    return ([_cfg(p, model=model) for p in PROGRAMS] + [_cfg(p, seed=2, model=model) for p in PROGRAMS[:2]]
            + [_cfg("tonic_50hz", seed=s, model=model, anatomy_seed=5) for s in (3, 4)])


def _same(a, b) -> bool:
    return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))


def assert_same_result(one, batch):
    """Every metric (but the wall time) and every array of two results, bit for bit."""
    ma = {k: v for k, v in one.metrics.items() if k != "wall_s"}
    mb = {k: v for k, v in batch.metrics.items() if k != "wall_s"}
    assert list(ma) == list(mb)
    assert not [k for k in ma if not _same(ma[k], mb[k])], {k: (ma[k], mb[k]) for k in ma if not _same(ma[k], mb[k])}
    assert one.dosimetry == batch.dosimetry
    for name in ("t_s", "wdr_spike_times_s", "spike_times_s", "spike_neuron", "window_t_s"):
        np.testing.assert_array_equal(getattr(one, name), getattr(batch, name), err_msg=name)
    for name in ("rates_hz", "baseline_rates_hz", "window_rates_hz", "baseline_window_rates_hz"):
        a, b = getattr(one, name), getattr(batch, name)
        assert a.keys() == b.keys()
        for k in a:
            np.testing.assert_array_equal(a[k], b[k], err_msg=f"{name}[{k}]")


@pytest.fixture(scope="module", params=["spiking", "rate"])
def singles(request):
    cfgs = _configs(request.param)
    return cfgs, [sim.simulate_config(c) for c in cfgs]


def test_the_rows_cover_distinct_and_shared_networks(singles):
    cfgs, one = singles
    keys = [sim.batch_key(c) for c in cfgs]
    assert len(set(keys[:4])) == 1 and len(set(keys[4:6])) == 1 and keys[6] == keys[7]
    assert len({keys[0], keys[4], keys[6]}) == 3
    assert sim.baseline_key(cfgs[6]) != sim.baseline_key(cfgs[7])  # one network, two baselines
    assert one[0].metrics["wdr_rate_hz"] != one[4].metrics["wdr_rate_hz"]  # the rows differ: a real check
    assert one[0].metrics["relief_pct"] > 1 and one[2].metrics["relief_pct"] == 0.0


@pytest.mark.parametrize("n", [1, 3, 8])
def test_a_batch_is_one_at_a_time_bit_for_bit(singles, n):
    cfgs, one = singles
    computed: dict = {}
    got = sim.simulate_batch(cfgs[:n], computed=computed)
    assert len(got) == n
    for a, b in zip(one[:n], got, strict=True):
        assert_same_result(a, b)
    assert sorted(computed) == sorted({sim.baseline_key(c) for c in cfgs[:n]})  # every baseline rode along
    rows = sim.evaluate_batch(cfgs[:n])
    for c, row in zip(cfgs[:n], rows, strict=True):
        ref = sim.evaluate(c)
        assert list(ref) == list(row)
        assert all(_same(ref[k], row[k]) for k in ref if k != "wall_s")


def test_a_batch_with_a_given_baseline(singles):
    cfgs, _ = singles
    bl = sim.baseline(cfgs[0])
    computed: dict = {}
    got = sim.simulate_batch(cfgs[:6], bl, computed=computed)
    assert bl.key not in computed and sorted(computed) == [sim.baseline_key(cfgs[4])]  # only seed 2's
    for c, b in zip(cfgs[:6], got, strict=True):
        assert_same_result(sim.simulate_config(c, baseline_result=bl), b)


def test_wall_time_is_shared_out_not_invented(singles):
    cfgs, _ = singles
    got = sim.simulate_batch(cfgs[:4])
    walls = [r.metrics["wall_s"] for r in got]
    assert all(w > 0 for w in walls) and len(set(walls)) > 1  # own time + an equal share of the batch


def test_batch_key_follows_what_the_network_is_drawn_from():
    a, b = _cfg("tonic_50hz", seed=1), _cfg("tonic_50hz", seed=2)
    # the connectivity and the fibres come from the seed: different seeds, different networks, keys
    assert not np.array_equal(sim._Engine(a).net.weight_ns, sim._Engine(b).net.weight_ns)
    assert sim.batch_key(a) != sim.batch_key(b)
    va, vb = _cfg("tonic_50hz", seed=1, anatomy_seed=9), _cfg("burst_dr", seed=2, anatomy_seed=9)
    np.testing.assert_array_equal(sim._Engine(va).net.weight_ns, sim._Engine(vb).net.weight_ns)
    assert sim.batch_key(va) == sim.batch_key(vb)
    assert sim.batch_key(_cfg("tonic_50hz", model="rate")) != sim.batch_key(a)
    assert sim.batch_key(_cfg("tonic_50hz", patient="thin_csf")) != sim.batch_key(a)
    assert sim.batch_key(_cfg("tonic_50hz", mechanisms=("gate", "slow_inhibition"))) != sim.batch_key(a)
    loop = _cfg("tonic_50hz_closed_loop")
    assert sim.batch_key(loop) is None
    assert sim.batch_key(a.model_copy(update={"program": None})) is None
    other = a.patient.model_copy(update={"fibers": a.patient.fibers.model_copy(update={"fiber_model": "biophysical"})})
    assert sim.batch_key(a.model_copy(update={"patient": other})) is None


def test_every_mechanism_and_a_treated_patient_stay_bit_for_bit():
    """Set 'all' (async_dc streams per row; dtm_glial treats the patient by program class): the treated
    scales enter the key, the untreated baseline runs in a second batch on the same network."""
    mech = ("gate", "slow_inhibition", "interneuron_limits", "async_dc", "dtm_glial")
    cfgs = [_cfg(p, seed=s, patient="disinhibited", mechanisms=mech, anatomy_seed=5)
            for p, s in (("multiplexed_dtm", 1), ("multiplexed_dtm", 2), ("tonic_50hz", 1))]
    keys = [sim.batch_key(c) for c in cfgs]
    assert keys[0] == keys[1] != keys[2]
    treated = sim._glial_scales(cfgs[0], cfgs[0].patient.pain.circuit_kwargs())
    assert treated != cfgs[0].patient.pain.circuit_kwargs()  # the baselines cannot ride with the rows
    computed: dict = {}
    got = sim.simulate_batch(cfgs, computed=computed)
    assert sorted(computed) == sorted({sim.baseline_key(c) for c in cfgs})
    for c, b in zip(cfgs, got, strict=True):
        assert_same_result(sim.simulate_config(c), b)
    assert "async_dc_spikes" in got[0].metrics and got[0].metrics["wdr_rate_hz"] != got[1].metrics["wdr_rate_hz"]


# ---------------------------------------------------------------------------------------------------
# The sweep runner. This module is also an evaluator module (`tests.test_batch:evaluate`): the real model
# with one bad amplitude that fails, alone and in any batch that holds it.
# ---------------------------------------------------------------------------------------------------

BAD_AMPLITUDE_MA = 7.25
BATCH_CALLS: list[int] = []
baseline = sim.baseline
baseline_key = sim.baseline_key
batch_key = sim.batch_key


def evaluate(cfg, *, baseline=None):
    if cfg.program.amplitude_ma == BAD_AMPLITUDE_MA:
        raise SimulationError("a bad row (test)")
    return sim.evaluate(cfg, baseline=baseline)


def evaluate_batch(cfgs, baseline=None, *, computed=None):
    BATCH_CALLS.append(len(cfgs))
    if any(c.program.amplitude_ma == BAD_AMPLITUDE_MA for c in cfgs):
        raise SimulationError("a batch holding the bad row (test)")
    return sim.evaluate_batch(cfgs, baseline, computed=computed)


SPEC = """\
program = "tonic_50hz"
[simulation]
duration_s = 1.0
[sweep]
method = "grid"
replicates = 2
seed = 3
{extra}
[sweep.axes]
"program.amplitude_ma" = {amps}
"""


def _spec(tmp_path, amps="[2.0, 4.0, 6.0]", extra="", name="spec.toml"):
    p = tmp_path / name
    p.write_text(SPEC.format(amps=amps, extra=extra))
    return p


def _table(store):
    from scs_sim.study import TIMING_COLUMNS, load_results

    df = load_results(store)
    return df.drop(columns=[c for c in TIMING_COLUMNS if c in df.columns])


def missing_as_none(df):
    """Error rows lack the metric columns: a missing value reads None or NaN depending on which rows
    share a part (a store property, independent of batches); one spelling for comparisons."""
    return df.astype(object).where(df.notna(), None)


def test_store_tables_do_not_depend_on_the_batch_size(tmp_path):
    from scs_sim.study import run_sweep

    spec = _spec(tmp_path)
    s1 = run_sweep(spec, out=tmp_path / "b1", backend="serial", batch_size=1)
    s8 = run_sweep(spec, out=tmp_path / "b8", backend="serial", batch_size=8)
    assert s1["rows"] == s8["rows"] == 6 and s1["hash"] == s8["hash"]
    pd.testing.assert_frame_equal(_table(tmp_path / "b1"), _table(tmp_path / "b8"))
    for out in ("b1", "b8"):  # the two seeds' baselines stored either way (b8: they rode in the batches)
        assert len(list((tmp_path / out / "baselines").glob("*.pkl"))) == 2


def test_a_failing_batch_falls_back_row_by_row(tmp_path):
    from scs_sim.study import run_sweep

    spec = _spec(tmp_path, amps=f"[2.0, {BAD_AMPLITUDE_MA}, 6.0]")
    BATCH_CALLS.clear()
    run_sweep(spec, out=tmp_path / "b8", backend="serial", evaluate=evaluate, batch_size=8)
    assert BATCH_CALLS == [3, 3]  # one batch per seed, each failed on the bad row
    run_sweep(spec, out=tmp_path / "b1", backend="serial", evaluate=evaluate, batch_size=1)
    df = _table(tmp_path / "b8")
    assert df["error"].notna().tolist() == [False, False, True, True, False, False]
    assert "a bad row (test)" in df["error"].dropna().iloc[0]
    ok = df.loc[df["error"].isna(), "relief_pct"]
    assert ok.notna().all() and ok.gt(0).any()  # the good rows of the failed batches have their metrics
    pd.testing.assert_frame_equal(missing_as_none(df), missing_as_none(_table(tmp_path / "b1")))
    assert len(list((tmp_path / "b8" / "baselines").glob("*.pkl"))) == 2


def test_a_damaged_part_of_a_batched_sweep_is_recomputed_on_resume(tmp_path):
    from scs_sim.study import run_sweep

    spec = _spec(tmp_path)
    run_sweep(spec, out=tmp_path / "ref", backend="serial", batch_size=1)
    out = tmp_path / "b"
    run_sweep(spec, out=out, backend="serial", batch_size=8, chunk_size=3)  # one batch (a seed) per part
    parts = sorted(out.glob("part-*.parquet"))
    assert len(parts) == 2
    parts[1].write_bytes(parts[1].read_bytes()[:-10])  # truncated
    s = run_sweep(spec, out=out, backend="serial", batch_size=8, resume=True)
    assert s["damaged"] == [parts[1].name] and s["new_rows"] == 3  # its rows again, with the stored baseline
    pd.testing.assert_frame_equal(_table(out), _table(tmp_path / "ref"))


def test_batch_size_option_is_validated(tmp_path, capsys):
    from scs_sim.app import cli
    from scs_sim.study import load_spec, run_sweep

    spec = _spec(tmp_path, amps="[2.0]")
    in_file = load_spec(_spec(tmp_path, amps="[2.0]", extra="batch_size = 3", name="b.toml"))
    assert in_file.batch_size == 3
    # not part of the resolved spec (the file's own bytes are an input, so only a file edit changes the hash)
    assert {**in_file.resolved(), "inputs": None} == {**load_spec(spec).resolved(), "inputs": None}
    over = load_spec(spec, ["sweep.batch_size=3"])
    assert over.batch_size == 3 and over.hash == load_spec(spec).hash  # -s sweep.batch_size resumes the store
    for bad in ("0", "2.5", '"8"', "true"):
        with pytest.raises(ConfigError) as ei:
            load_spec(_spec(tmp_path, amps="[2.0]", extra=f"batch_size = {bad}", name="bad.toml"))
        assert "sweep.batch_size" in str(ei.value) and ">= 1" in str(ei.value) and "bad.toml" in str(ei.value)
    for bad in (0, -1, 2.0, True):
        with pytest.raises(ConfigError, match="--batch-size"):
            run_sweep(spec, out=tmp_path / "x", backend="serial", batch_size=bad)
    for cmd in (["sweep", str(spec), "--out", str(tmp_path / "y")], ["compare", "tonic_50hz", "--out", str(tmp_path / "z")]):
        assert cli.main([*cmd, "--backend", "serial", "--batch-size", "0"]) == 2
        err = capsys.readouterr().err
        assert "--batch-size" in err and "Traceback" not in err
        assert cli.main([*cmd, "--batch-size", "eight"]) == 2
        err = capsys.readouterr().err
        assert "--batch-size: invalid int value: 'eight'" in err and "Traceback" not in err


@pytest.mark.usefixtures("importable_tests")
@pytest.mark.parametrize("backend", ["processes", "dask"])
def test_batches_on_worker_processes(tmp_path, backend):
    """Batches (and their fallback) pickle to spawned workers and back; tables as serial, one row at a time."""
    if backend == "dask":
        pytest.importorskip("dask.distributed")
    from scs_sim.study import run_sweep

    spec = _spec(tmp_path, amps=f"[4.0, {BAD_AMPLITUDE_MA}]")
    run_sweep(spec, out=tmp_path / "s", backend="serial", evaluate="tests.test_batch:evaluate", batch_size=1)
    s = run_sweep(spec, out=tmp_path / "p", backend=backend, workers=2, evaluate="tests.test_batch:evaluate",
                  batch_size=8)
    assert s["rows"] == 4 and s["failed"] == 2
    pd.testing.assert_frame_equal(missing_as_none(_table(tmp_path / "p")), missing_as_none(_table(tmp_path / "s")))


# ---------------------------------------------------------------------------------------------------
# The batched stepper (dorsal_horn.backends.batch_stepper): spiking.BatchStepper (the rate backend: a
# LoopBatch); either way member b is its own single stepper, bit for bit.
# ---------------------------------------------------------------------------------------------------


def _small_net():
    from scs_sim.dorsal_horn.network import build
    from scs_sim.dorsal_horn.params import preset

    return build(preset("zhang2014"), np.random.default_rng(0))


def _inputs(seed: int, t0: float, t1: float):
    from scs_sim.dorsal_horn.afferents import PainState, afferent_window, merge_dc

    drive = afferent_window(PainState(), {"abeta": 15, "adelta": 15, "c": 30}, t0, t1, 1.0,
                            np.random.default_rng(seed))
    pulses = np.arange(t0, t1, 0.02)  # a 50 Hz volley of all 15 dc sources
    return merge_dc(drive, np.repeat(pulses, 15), np.tile(np.arange(15), pulses.size))


def test_batch_stepper_members_are_their_single_steppers():
    from scs_sim.dorsal_horn.backends import batch_stepper
    from scs_sim.dorsal_horn.spiking import Stepper

    net = _small_net()
    bias = np.random.default_rng(1).normal(0.0, 30.0, (3, net.n_neurons))
    kw = {"dt_s": 1e-4, "bin_s": 0.005, "gaba_scale": 0.5, "e_cl_mv": -60.0}
    bs = batch_stepper("spiking")(net, 1.0, 3, bias_pa=bias, **kw)
    one = [Stepper(net, 1.0, bias_pa=bias[b], **kw) for b in range(3)]
    assert bs.n_members == 3 and bs.n_steps == one[0].n_steps and bs.s == 0
    for s1, caps in ((4000, [None, 5, 0]), (10000, 7)):
        t0, t1 = bs.s * 1e-4, s1 * 1e-4
        inputs = [_inputs(b, t0, t1) for b in range(2)] + [None]  # the third member: no input this window
        got = bs.advance(inputs, s1, cap=caps)
        for b, w in enumerate(got):
            c = caps[b] if isinstance(caps, list) else caps
            ref = one[b].advance(inputs[b], s1, cap=c)
            assert (w.s0, w.s1, w.n_spikes, w.n_wdr) == (ref.s0, ref.s1, ref.n_spikes, ref.n_wdr)
            for name in ("spike_step", "spike_neuron", "wdr_step", "wdr_neuron"):
                np.testing.assert_array_equal(getattr(w, name), getattr(ref, name))
            for pop in ref.rates_hz:
                np.testing.assert_array_equal(w.rates_hz[pop], ref.rates_hz[pop])
        assert bs.s == s1
    assert got[0].n_wdr != got[1].n_wdr  # members differ (their inputs and bias): the check can fail


def test_batch_stepper_arguments_are_checked():
    from scs_sim.dorsal_horn.backends import batch_stepper

    net = _small_net()
    with pytest.raises(ConfigError, match="n_members"):
        batch_stepper("spiking")(net, 0.1, 0)
    with pytest.raises(ConfigError, match="bias_pa"):
        batch_stepper("spiking")(net, 0.1, 2, bias_pa=np.zeros((3, net.n_neurons)))
    with pytest.raises(ConfigError, match="bias_pa"):
        batch_stepper("rate")(net, 0.1, 2, bias_pa=np.zeros(net.n_neurons))
    with pytest.raises(ConfigError, match="unknown model"):
        batch_stepper("spikin")
    with pytest.raises(ConfigError, match="inputs_list"):
        batch_stepper("rate")(net, 0.1, 2, dt_s=1e-4, bin_s=0.005).advance([None], 1000)


def test_khz_dorsal_horn_rows_carry_their_own_current_in_a_batch():
    """khz_dorsal_horn gives each stimulated member its own constant current (none to the riding baseline):
    the batch equals the rows run alone, and the 10 kHz row's current changes its result."""
    mech = ["gate", "khz_dorsal_horn"]
    cfgs = [_cfg(p, mechanisms=mech) for p in ("tonic_50hz", "hf_10khz", "burst_dr")]
    assert len({sim.batch_key(c) for c in cfgs}) == 1
    one = [sim.simulate_config(c) for c in cfgs]
    for a, b in zip(one, sim.simulate_batch(cfgs), strict=True):
        assert_same_result(a, b)
    off = sim.simulate_config(_cfg("hf_10khz"))
    assert one[1].metrics["wdr_rate_hz"] != off.metrics["wdr_rate_hz"]  # the current reached the circuit
    assert one[1].metrics["baseline_wdr_rate_hz"] == off.metrics["baseline_wdr_rate_hz"]
