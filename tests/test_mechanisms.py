"""The mechanism registry and the circuit-level mechanisms (docs/MODEL.md §3.7).

Registry: set resolution, did-you-mean errors, labels, load-time validation. Each circuit mechanism:
its kernel matches the NumPy twin spike for spike; zero strength equals off bit for bit; and the
direction of its source experiment (Meuwissen et al. 2020: GABA_B block reduces the SCS effect;
Galarreta & Hestrin 1998: inhibitory synapses depress at high rates) on a seeded circuit.
"""

from __future__ import annotations

import numpy as np
import pytest

from scs_sim.dorsal_horn.afferents import PainState, afferent_spikes, merge_dc
from scs_sim.dorsal_horn.mechanisms import MECHANISMS, SETS, apply_circuit, label, resolve
from scs_sim.dorsal_horn.network import build
from scs_sim.dorsal_horn.params import circuit_params
from scs_sim.dorsal_horn.spiking import run
from scs_sim.errors import ConfigError
from tests.golden_mechanisms import CASES, outputs
from tests.naive_circuit import naive_run


# ---------------------------------------------------------------------------------------------
# the registry
# ---------------------------------------------------------------------------------------------
def test_resolve_sets_and_lists():
    assert resolve("gate_only") == ("gate",)
    assert resolve("all") == tuple(MECHANISMS)
    assert resolve(["slow_inhibition", "gate"]) == ("gate", "slow_inhibition")  # registry order
    assert resolve(["gate_only", "interneuron_limits"]) == ("gate", "interneuron_limits")
    assert resolve([]) == ()
    assert label(("gate",)) == "gate_only" and label(()) == "none"
    assert label(("slow_inhibition",)) == "slow_inhibition"


def test_resolve_refuses_unknown_names_with_a_suggestion():
    with pytest.raises(ConfigError, match="did you mean 'slow_inhibition'"):
        resolve(["gate", "slow_inhibitoin"])
    with pytest.raises(ConfigError, match="allowed sets: gate_only"):
        resolve("everything")


def test_every_mechanism_has_sources_and_a_layer():
    for m in MECHANISMS.values():
        assert m.sources and m.layer in ("circuit", "input", "slow") and m.summary
        m.params()  # defaults validate
    assert [m.name for m in MECHANISMS.values() if m.default] == list(SETS["gate_only"])


def test_config_validates_mechanisms_at_load_time(tmp_path):
    from scs_sim.config import load

    f = tmp_path / "run.toml"
    f.write_text('program = "tonic_50hz"\n[simulation]\nmechanisms = ["gate", "interneuron_limit"]\n')
    with pytest.raises(ConfigError, match="did you mean 'interneuron_limits'") as e:
        load(f)
    assert e.value.file and "simulation" in (e.value.key or "")
    f.write_text('program = "tonic_50hz"\n[simulation]\nmechanisms = "gate+slow"\nmodel = "rate"\n')
    with pytest.raises(ConfigError, match="not implemented by the 'rate' backend"):
        load(f)
    f.write_text('program = "tonic_50hz"\n[simulation]\nmechanisms = "gate+slow"\n'
                 '[simulation.mechanism_params.slow_inhibition]\ngaba_b_ratoi = 0.2\n')
    with pytest.raises(ConfigError, match="gaba_b_ratoi"):
        load(f)
    f.write_text('program = "tonic_50hz"\n[simulation]\nmechanisms = "gate+slow"\n'
                 '[simulation.mechanism_params.slow_inhibition]\ngaba_b_ratio = 0.2\n')
    cfg = load(f)
    assert cfg.simulation.mechanisms == ("gate", "slow_inhibition")


# ---------------------------------------------------------------------------------------------
# kernel vs NumPy twin, zero strength == off
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("names", [("gate", "slow_inhibition"), ("gate", "interneuron_limits"),
                                   ("gate", "slow_inhibition", "interneuron_limits")])
def test_kernel_matches_naive_with_mechanisms(names):
    p = apply_circuit(circuit_params("zhang2014"), names, {"slow_inhibition": {"gaba_b_ratio": 1.0}})
    net = build(p, np.random.default_rng(3))
    dur = 0.4
    sizes = {"abeta": p.n_abeta, "adelta": p.n_adelta, "c": p.n_c}
    sp = afferent_spikes(PainState(), sizes, dur, np.random.default_rng(4))
    t = np.arange(0.05, dur, 0.01)  # 100 Hz dc volleys into all 15 sources
    sp = merge_dc(sp, np.repeat(t, 15), np.tile(np.arange(15), t.size))
    bias = np.linspace(0.0, 30.0, net.n_neurons)
    out = run(net, sp, dur, record_v=True, bias_pa=bias)
    times, neurons, v = naive_run(net, sp, dur, bias_pa=bias)
    assert out.n_spikes_total > 10
    np.testing.assert_array_equal(out.spike_times_s, times)
    np.testing.assert_array_equal(out.spike_neuron, neurons)
    np.testing.assert_array_equal(out.v_mv, v)


ZERO = {"slow_inhibition": {"gaba_b_ratio": 0.0, "presynaptic_max": 0.0},
        "interneuron_limits": {"release_u": 0.0, "adaptation_b_pa": 0.0}}


@pytest.mark.parametrize("name", sorted(ZERO))
def test_zero_strength_equals_off(name, monkeypatch):
    import tests.golden_mechanisms as g

    label_, preset, rate, n, dur = CASES[0]
    off = outputs("spiking", preset, rate, n, dur)
    real = g.circuit_params
    monkeypatch.setattr(g, "circuit_params", lambda pr: apply_circuit(real(pr), ("gate", name), ZERO))
    zero = outputs("spiking", preset, rate, n, dur)
    monkeypatch.setattr(g, "circuit_params", lambda pr: apply_circuit(real(pr), ("gate", name)))
    on = outputs("spiking", preset, rate, n, dur)
    for k in off:
        assert np.array_equal(off[k], zero[k]), k
    assert any(not np.array_equal(off[k], on[k]) for k in off), "the mechanism at default strength changes nothing"


# ---------------------------------------------------------------------------------------------
# directions of the source experiments
# ---------------------------------------------------------------------------------------------
def _segment(names, rate_hz, n_dc=6, dur=2.0, **kw):
    p = apply_circuit(circuit_params("segment"), names)
    net = build(p, np.random.default_rng(7))
    sizes = {"abeta": p.n_abeta, "adelta": p.n_adelta, "c": p.n_c}
    sp = afferent_spikes(PainState(), sizes, dur, np.random.default_rng(11))
    if rate_hz:
        t = np.arange(0.0, dur, 1.0 / rate_hz)
        sp = merge_dc(sp, np.repeat(t, n_dc), np.tile(np.arange(n_dc), t.size))
    out = run(net, sp, dur, **kw)
    return out.wdr_rate_hz(), float(out.rates_hz["surround_in"].mean())


def test_gaba_b_block_reduces_the_scs_effect_meuwissen_2020():
    """Meuwissen et al. 2020 Pain Pract: intrathecal GABA_B block (phaclofen) ablates the effect of tonic
    SCS. With slow_inhibition on, blocking GABA_B (gaba_b_scale 0) must raise the WDR rate under 50 Hz SCS."""
    names = SETS["gate+slow"]
    base, _ = _segment(names, 0)
    on, _ = _segment(names, 50.0)
    blocked, _ = _segment(names, 50.0, gaba_b_scale=0.0)
    blocked_base, _ = _segment(names, 0, gaba_b_scale=0.0)
    relief_on, relief_blocked = 1 - on / base, 1 - blocked / blocked_base
    assert relief_on > relief_blocked + 0.2


def test_inhibitory_interneurons_stop_following_high_rates():
    """Interneuron limits: the surround IN no longer follows 200 Hz volleys one for one, and the WDR rate
    under 200 Hz is higher than without limits (inhibition saturates: Galarreta & Hestrin 1998)."""
    _, in_plain = _segment(SETS["gate_only"], 200.0, n_dc=30)
    _, in_limited = _segment(SETS["gate+limits"], 200.0, n_dc=30)
    assert in_plain > 180 and in_limited < 0.9 * in_plain
    wdr_plain, _ = _segment(SETS["gate_only"], 200.0)
    wdr_limited, _ = _segment(SETS["gate+limits"], 200.0)
    assert wdr_limited > wdr_plain


def test_compare_mechanisms_side_by_side(tmp_path):
    """``compare --mechanisms``: one store per set, the set in every row, the side-by-side table and report."""
    from scs_sim.app.cli import main
    from scs_sim.study.store import load_results

    out = tmp_path / "cmp"
    rc = main(["compare", "tonic_50hz", "--duration", "1", "--replicates", "1", "--workers", "1",
               "--mechanisms", "gate_only,gate+slow", "--out", str(out), "--report", str(out / "r.html")])
    assert rc == 0
    for s in ("gate_only", "gate+slow"):
        (store,) = (out / f"mechanisms-{s}").glob("sweep-*")
        assert load_results(store)["mechanisms"].unique().tolist() == [s]
    wide = (out / "comparison_mechanisms_wide.csv").read_text()
    assert "relief % [gate_only]" in wide and "relief % [gate+slow]" in wide
    assert "Mechanism sets side by side" in (out / "r.html").read_text()
    assert main(["compare", "tonic_50hz", "--mechanisms", "gate_onyl", "--out", str(out)]) == 2


def test_side_by_side_ranks_by_the_first_set():
    """Rows in the first set's relief order, a rank column per set (1 = most relief), ties share a rank."""
    import pandas as pd

    from scs_sim.app.report_mechanisms import side_by_side

    a = pd.DataFrame({"program": ["x", "y", "z"], "relief_pct_mean": [1.0, 9.0, 5.0], "mechanisms": "gate_only"})
    b = pd.DataFrame({"program": ["x", "y", "z"], "relief_pct_mean": [7.0, 2.0, 2.0], "mechanisms": "all"})
    w = side_by_side([a, b])
    assert w["program"].tolist() == ["y", "z", "x"]
    assert w["rank [gate_only]"].tolist() == [1, 2, 3] and w["rank [all]"].tolist() == [2, 2, 1]


def test_rate_backend_refuses_changed_mechanisms(tmp_path):
    """The rate backend implements only the default gate: switching it off or any other mechanism on is refused."""
    from scs_sim.config import load

    f = tmp_path / "run.toml"
    for mech in ('"none"', '"gate+limits"'):
        f.write_text(f'program = "tonic_50hz"\n[simulation]\nmodel = "rate"\nmechanisms = {mech}\n')
        with pytest.raises(ConfigError, match="not implemented by the 'rate' backend"):
            load(f)
    f.write_text('program = "tonic_50hz"\n[simulation]\nmodel = "rate"\n')
    assert load(f).simulation.mechanisms == ("gate",)
