"""Tests of the model-validation machinery (scs_sim.validation, ``scs-sim validate-model``).

Runs the quick subset once (a few seconds warm) and checks the machinery and the experiments that
are claimed to pass in quick mode. The full run (``scs-sim validate-model --out docs``) is not run here.
"""

from __future__ import annotations

import argparse
import json
import math

import numpy as np
import pytest

from scs_sim.app.cli import validate as _cli_validate
from scs_sim.validation.experiments import EXPERIMENTS
from scs_sim.validation.protocols import PROTOCOLS
from scs_sim.validation.protocols_recruitment import pairwise_cofiring
from scs_sim.validation.references import (
    FOREMAN_RECOVERING,
    FOREMAN_SUPPRESSED,
    foreman_curves,
    foreman_reference,
)
from scs_sim.validation.report import render_markdown, render_text, write_report
from scs_sim.validation.runner import judge, run_validation

#: Experiments that pass in the quick run (docs/VALIDATION.md lists the full-run verdicts).
QUICK_PASS = {
    "sd_rheobase", "csf_threshold_order", "khz_direct_activation", "hf_paresthesia_free",
    "tonic_paresthesia", "subperception_few_fibres", "hf_threshold_reduction", "khz_subharmonic",
    "khz_desync_pairwise", "collateral_depression", "gate_closes", "disinhibition_excites", "psth_suppressed",
    "psth_recovered", "gaba_block_psth", "windup_ratio", "windup_progressive", "windup_needs_nmda",
    "rate_brief_stimulus", "rate_windup", "rate_abeta_inhibition",
    "pt_falls_with_rate", "intensity_log_frequency", "intensity_rises_2_455",
}
KINDS = {"calibration check", "independent", "qualitative", "design check"}


@pytest.fixture(scope="module")
def quick_report():
    return run_validation(quick=True)


# ---------------------------------------------------------------------------------------------
# the experiment table
# ---------------------------------------------------------------------------------------------
def test_experiment_table_is_complete():
    ids = [e.id for e in EXPERIMENTS]
    assert len(ids) == len(set(ids))
    for e in EXPERIMENTS:
        assert e.kind in KINDS, e.id
        assert e.lo <= e.hi, e.id
        assert e.tolerance and e.rationale and e.citation and e.reference, e.id
        assert e.protocol in PROTOCOLS, e.id
        assert "[R]" not in e.citation, e.id  # never an unconfirmed number as a reference
    # the calibrated strength-duration quantity is labelled a calibration check, not validation (the chronaxie
    # is calibrated to the MRG fibre since the recalibration, so sd_chronaxie is an independent comparison)
    assert {e.id for e in EXPERIMENTS if e.kind == "calibration check"} == {"sd_rheobase"}
    assert QUICK_PASS <= {e.id for e in EXPERIMENTS if e.quick}


def test_foreman_reference_is_read_correctly():
    c, m = foreman_reference()
    np.testing.assert_allclose(c, np.arange(5, 100, 10))
    assert np.all((m >= 0) & (m <= 1.5))
    assert foreman_curves(np.array([0.0])).ravel() == pytest.approx([1, 1, 1, 1])  # normalised to pre-pulse
    assert 0.2 < FOREMAN_SUPPRESSED < 0.3 and 0.6 < FOREMAN_RECOVERING < 0.8


def test_judge_bounds_and_nan():
    e = EXPERIMENTS[0]
    assert judge(e, e.lo).passed and judge(e, e.hi).passed
    assert not judge(e, e.hi * 1.01 + 1).passed
    nan = judge(e, float("nan"))
    assert not nan.passed and nan.difference is None
    assert not judge(e, e.lo, error="boom").passed
    r = judge(e, 300.0)
    assert r.difference == pytest.approx(300.0 - e.reference_value)


def test_pairwise_cofiring():
    t = np.arange(0.0, 1.0, 0.02)
    assert pairwise_cofiring([t, t + 1e-4, t + 2e-4]) == pytest.approx(1.0)
    assert pairwise_cofiring([t, t + 0.01]) == pytest.approx(0.0)
    assert math.isnan(pairwise_cofiring([t]))


# ---------------------------------------------------------------------------------------------
# the quick run
# ---------------------------------------------------------------------------------------------
def test_every_experiment_returns_its_fields(quick_report):
    ids = [r.id for r in quick_report.results]
    assert ids == [e.id for e in EXPERIMENTS if e.quick]
    for r in quick_report.results:
        d = r.as_dict()
        for key in ("id", "model", "reference", "reference_value", "difference", "tolerance", "passed", "citation"):
            assert key in d, (r.id, key)
        assert isinstance(r.passed, bool)
        assert r.error is None, (r.id, r.error)
        assert isinstance(r.model, float)
    json.dumps(quick_report.as_dict())  # JSON-serialisable (NaN/inf become null)


def test_quick_experiments_that_are_claimed_to_pass(quick_report):
    by = {r.id: r for r in quick_report.results}
    failed = {i: (by[i].model, by[i].tolerance) for i in QUICK_PASS if not by[i].passed}
    assert not failed, failed


def test_report_renders(quick_report, tmp_path):
    md = render_markdown(quick_report)
    for r in quick_report.results:
        assert f"`{r.id}`" in md
    assert "Known limitations" in md and "calibration check" in md
    files = write_report(quick_report, tmp_path / "docs", figures=True)
    text = (tmp_path / "docs" / "VALIDATION.md").read_text(encoding="utf-8")
    assert "| experiment | kind | model |" in text
    assert len(files["figures"]) >= 5
    for f in files["figures"]:
        assert f in {str(p) for p in (tmp_path / "docs" / "validation").glob("*.png")}
        assert f"validation/{f.rsplit('/', 1)[-1]}" in text
    assert "PASS" in render_text(quick_report)


# ---------------------------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------------------------
def _parser():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command")
    cmds: dict = {}
    _cli_validate.register(sub, cmds)
    return p, cmds


def test_cli_json_only(capsys):
    p, cmds = _parser()
    args = p.parse_args(["validate-model", "--quick", "--json", "--only", "rate_windup", "--only", "collateral_depression"])
    assert cmds["validate-model"](args) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["n_experiments"] == 2 and d["quick"] is True
    assert {e["id"] for e in d["experiments"]} == {"rate_windup", "collateral_depression"}
    assert all(set(e) >= {"model", "reference", "tolerance", "passed"} for e in d["experiments"])


def test_cli_text_and_out(tmp_path, capsys):
    p, cmds = _parser()
    args = p.parse_args(["validate-model", "--quick", "--only", "rate_abeta_inhibition", "--out", str(tmp_path),
                         "--no-figures"])
    assert cmds["validate-model"](args) == 0
    out = capsys.readouterr()
    assert "rate_abeta_inhibition" in out.out and "1/1 passed" in out.out
    assert (tmp_path / "VALIDATION.md").exists()


def test_unknown_experiment_is_bad_input():
    from scs_sim.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown experiment.*psth_suppressed"):
        run_validation(quick=True, only=["psth_supressed"])


def test_wired_into_main_cli(capsys):
    from scs_sim.app import cli

    assert cli.main(["validate-model", "--quick", "--json", "--only", "collateral_depression"]) == 0
    assert json.loads(capsys.readouterr().out)["n_passed"] == 1
