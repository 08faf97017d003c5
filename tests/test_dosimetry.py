"""Dosimetry against hand-computed cases (the worked examples behind docs/MODEL.md §1 Dosimetry)."""

from __future__ import annotations

import math

import pytest

from scs_sim.stim import programs as P
from scs_sim.stim.dosimetry import Device, dosimetry
from tests.settings import FORMULA_RTOL

AREA_CM2 = math.pi * 1.3 * 3.0 / 100.0  # 1.3 mm × 3 mm ring = 0.12252 cm²


def test_tonic_5ma_300us_by_hand():
    d = dosimetry(P.tonic(amplitude_ma=5.0, pulse_width_us=300.0, frequency_hz=50.0))
    q = 5.0 * 300e-6 * 1e3  # µC
    dens = q / AREA_CM2
    assert d.charge_per_phase_uc == pytest.approx(q, rel=FORMULA_RTOL)
    assert d.charge_density_uc_per_cm2 == pytest.approx(dens, rel=FORMULA_RTOL)
    assert d.shannon_k == pytest.approx(math.log10(q) + math.log10(dens), rel=FORMULA_RTOL)
    assert d.shannon_k == pytest.approx(1.26, abs=0.005)  # hand-computed: k = log10(Q²/A)
    assert d.shannon_safe and d.density_safe
    assert d.tissue_power_uw == pytest.approx(
        25e-6 * 1000 * 300e-6 * 50 * 2 * 1e6, rel=FORMULA_RTOL
    )  # 750 µW
    assert d.charge_per_s_uc == pytest.approx(75.0, rel=FORMULA_RTOL)
    assert d.load_voltage_v == pytest.approx(5.0)


def test_spec_ceiling_tonic_exceeds_both_limits():
    d = dosimetry(P.tonic(amplitude_ma=8.5, pulse_width_us=500.0, frequency_hz=60.0))
    assert d.shannon_k == pytest.approx(2.17, abs=0.01)
    assert not d.shannon_safe and not d.density_safe


def test_shannon_k_limit_at_2_95_uc():
    # k = 1.85 at Q ≈ 2.95 µC on a 0.1225 cm² contact (Shannon 1992 IEEE Trans Biomed Eng 39:424)
    q = math.sqrt(10**1.85 * AREA_CM2)
    below = dosimetry(P.tonic(amplitude_ma=q * 0.99 / 0.5, pulse_width_us=500.0, frequency_hz=20.0))
    above = dosimetry(P.tonic(amplitude_ma=q * 1.01 / 0.5, pulse_width_us=500.0, frequency_hz=20.0))
    assert below.shannon_safe and not above.shannon_safe
    assert q == pytest.approx(2.95, abs=0.01)


def test_ten_khz_by_hand():
    d = dosimetry(P.high_frequency(amplitude_ma=3.0))
    assert d.charge_per_phase_uc == pytest.approx(0.09, rel=FORMULA_RTOL)
    assert d.tissue_power_uw == pytest.approx(5400.0, rel=FORMULA_RTOL)
    assert d.charge_per_s_uc == pytest.approx(900.0, rel=FORMULA_RTOL)
    # battery side: adaptive supply 3 V + 1 V headroom, both phases driven, η = 0.8
    assert d.battery_power_uw == pytest.approx(4.0 * 3e-3 * 30e-6 * 2 * 1e4 / 0.8 * 1e6, rel=FORMULA_RTOL)


def test_passive_recharge_costs_no_battery_energy():
    active = dosimetry(P.tonic(recharge="active"))
    passive = dosimetry(P.tonic(recharge="passive"))
    assert passive.battery_power_uw == pytest.approx(active.battery_power_uw / 2, rel=FORMULA_RTOL)
    assert passive.tissue_power_uw < active.tissue_power_uw


def test_charge_density_split_over_cathodes():
    one = dosimetry(P.tonic(cathodes=[3]))
    two = dosimetry(P.tonic(cathodes=[3, 4], anodes=[5]))
    assert two.charge_per_phase_uc == pytest.approx(one.charge_per_phase_uc / 2, rel=FORMULA_RTOL)


def test_battery_life_primary_and_recharge_rechargeable():
    prog = P.tonic(amplitude_ma=5.0, pulse_width_us=300.0)
    prim = Device(battery="primary", capacity_mah=4000.0, cell_voltage_v=3.2, quiescent_ua=0.0)
    d = dosimetry(prog, prim)
    # adaptive supply 6 V; 0.15 mA average load current; η 0.8 → 1.125 mW; /3.2 V → 0.3516 mA
    drain_ma = 6.0 * 0.15e-3 / 0.8 / 3.2 * 1e3
    assert d.battery_life_days == pytest.approx(4000.0 / drain_ma / 24.0, rel=FORMULA_RTOL)
    assert d.recharge_min_per_day is None
    rech = dosimetry(prog, Device(quiescent_ua=0.0))
    daily_mah = 6.0 * 0.15e-3 / 0.8 / 3.7 * 1e3 * 24
    assert rech.recharge_min_per_day == pytest.approx(daily_mah / (80.0 * 0.8) * 60.0, rel=FORMULA_RTOL)
    assert rech.battery_life_days is None


def test_more_charge_per_second_costs_more_battery():
    low = dosimetry(P.tonic(frequency_hz=50.0))
    high = dosimetry(P.tonic(frequency_hz=1000.0))
    assert high.battery_power_uw == pytest.approx(20 * low.battery_power_uw, rel=FORMULA_RTOL)


def test_compliance_flag():
    d = dosimetry(P.tonic(amplitude_ma=12.0, pulse_width_us=100.0), Device(compliance_v=12.0))
    assert d.load_voltage_v == pytest.approx(12.0) and not d.within_compliance


def test_duty_scales_per_second_figures_not_per_phase():
    full = dosimetry(P.high_frequency())
    dosed = dosimetry(P.high_frequency(modifiers={"dose_duty_pct": 14.0}))
    assert dosed.charge_per_phase_uc == full.charge_per_phase_uc
    assert dosed.tissue_power_uw == pytest.approx(0.14 * full.tissue_power_uw, rel=FORMULA_RTOL)


# ---------------------------------------------------------------------------------------------------
# Feasibility flags (docs/MODEL.md §1 Dosimetry, Feasibility)
# ---------------------------------------------------------------------------------------------------


def test_clinical_tonic_is_feasible_and_says_so_in_its_dict():
    d = dosimetry(P.tonic(amplitude_ma=5.0, pulse_width_us=300.0, frequency_hz=50.0))
    assert d.feasible and d.infeasible_reasons == ""
    row = d.as_dict()
    assert row["feasible"] is True and row["infeasible_reasons"] == ""


def test_shannon_k_1_97_is_infeasible():
    # the "best program" of the issue: 8.157 mA × 413.2 µs = 3.37 µC on 0.1225 cm² → k = 1.97
    d = dosimetry(P.tonic(amplitude_ma=8.157, pulse_width_us=413.2, frequency_hz=69.1))
    assert d.shannon_k == pytest.approx(1.97, abs=0.005)
    assert d.density_safe and d.within_compliance  # only the Shannon line is crossed
    assert not d.feasible
    assert d.infeasible_reasons.startswith("Shannon k 1.97 >= 1.85")


def test_recharge_over_24_hours_a_day_is_infeasible():
    # 30 mA at 10 kHz: 1642 min/day of recharging on the illustrative rechargeable device (a day has 1440);
    # a 50 V compliance isolates the recharge check from the compliance one.
    d = dosimetry(P.high_frequency(amplitude_ma=30.0), Device(compliance_v=50.0))
    assert d.within_compliance and d.shannon_safe
    assert d.recharge_min_per_day > 1440.0
    assert not d.feasible
    assert d.infeasible_reasons == f"needs {d.recharge_min_per_day:.0f} min/day of recharging (a day has 1440)"
    # the same program at 3 mA needs ~55 min/day: feasible
    assert dosimetry(P.high_frequency(amplitude_ma=3.0)).feasible


def test_out_of_compliance_is_infeasible_with_the_voltage_needed():
    d = dosimetry(P.tonic(amplitude_ma=100.0, pulse_width_us=10.0))
    assert d.shannon_safe and d.density_safe and not d.within_compliance
    assert not d.feasible
    assert "needs 101 V" in d.infeasible_reasons and "compliance is 12 V" in d.infeasible_reasons


def test_density_limit_binds_on_a_small_contact_and_is_marked_as_assumed_for_scs():
    small = Device(contact_length_mm=0.5, contact_diameter_mm=0.5)  # 0.00785 cm²
    d = dosimetry(P.tonic(amplitude_ma=1.0, pulse_width_us=300.0), small)
    assert d.charge_density_uc_per_cm2 > 30.0 and d.shannon_safe
    assert not d.feasible
    assert "assumed for SCS" in d.infeasible_reasons and "Shannon" not in d.infeasible_reasons


def test_primary_cell_life_below_the_device_minimum_is_infeasible():
    prim = Device(battery="primary", capacity_mah=4000.0, cell_voltage_v=3.2)
    prog = P.tonic(amplitude_ma=8.0, pulse_width_us=210.0, frequency_hz=50.0)
    d = dosimetry(prog, prim)
    assert 180.0 < d.battery_life_days  # lasts longer than the default minimum
    assert d.feasible
    strict = dosimetry(prog, prim.model_copy(update={"min_battery_life_days": 2 * d.battery_life_days}))
    assert not strict.feasible and "primary cell lasts" in strict.infeasible_reasons


def test_reasons_are_one_phrase_per_failed_check():
    d = dosimetry(P.tonic(amplitude_ma=30.0, pulse_width_us=1000.0, frequency_hz=400.0))
    parts = d.infeasible_reasons.split("; ")
    assert [p.split(" ")[0] for p in parts] == ["Shannon", "charge", "needs", "needs"]
