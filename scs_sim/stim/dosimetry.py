"""Dosimetry: charge, charge density, Shannon k, load voltage, power and battery figures.

Owns the engineering numbers of a program on a device. Knows nothing of fibres or the network.
All figures are steady state: cycling and pulse-dosing duty are included, ramps and start/stop
are not. Formulas and their sources: ``docs/MODEL.md`` §1 (Dosimetry).

- charge per phase ``Q = I·PW`` (µC; mA × ms = µC), per cathode contact when a channel's current is
  split evenly over several cathodes;
- charge density ``D = Q / A`` over the geometric contact area (µC/cm²);
- Shannon ``k = log10(D) + log10(Q)``, unsafe at ``k >= 1.85`` (Shannon 1992 IEEE Trans Biomed Eng
  39:424); also the 30 µC/cm² per-phase limit;
- load voltage ``V = I·Z`` against the compliance limit;
- tissue power ``Σ I²·Z·w`` over every phase per second (passive recharge included);
- battery-side power ``Σ V_H·|I|·w / η`` over actively driven phases per second, with the supply
  ``V_H`` either fixed at the compliance limit or adaptive (``|I|·Z`` plus headroom);
- battery drain ``P_bat / V_cell + quiescent``; primary-cell life ``capacity / drain``; rechargeable
  recharge minutes per day ``24 h · drain / (charge current · charge efficiency)``;
- feasibility: ``feasible`` is False when any of the device-side checks fails (Shannon k, charge
  density, compliance, recharge time above 24 h per day, primary-cell life below the device's
  ``min_battery_life_days``); ``infeasible_reasons`` says which, in words with the numbers. Discomfort
  needs a run: :mod:`scs_sim.study.feasibility` combines these flags with the run metrics.

Device defaults are illustrative assumptions, not the specification of any product.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Annotated

from pydantic import Field, model_validator

from scs_sim._params import Limit, Params, limited
from scs_sim.stim.programs import PulseTrain, pulse_train

__all__ = [
    "Battery",
    "Device",
    "Dosimetry",
    "SupplyMode",
    "dosimetry",
    "feasibility_reasons",
    "SHANNON_K_LIMIT",
    "DENSITY_LIMIT",
    "MINUTES_PER_DAY",
]

#: Shannon (1992) damage line: k >= 1.85 is flagged unsafe.
SHANNON_K_LIMIT = 1.85
#: Manufacturer per-phase charge-density warning level, µC/cm² (DBS manuals; assumed for SCS).
DENSITY_LIMIT = 30.0
#: A day's minutes: a program needing more recharge time per day than this cannot run on the device.
MINUTES_PER_DAY = 1440.0


_SANE = "an implant's figure is far inside this; beyond it the number is a typo"
#: Device limits (``docs/MODEL.md``, Input limits): plausible ranges of implant figures.
_LIMITS = {
    "impedance_ohm": Limit(0.0, 20_000.0, "Ω", "lead impedances are 300–1500 Ω; pulse generators report "
                           "open circuit above ~10–20 kΩ", lo_open=True),
    "contact_length_mm": Limit(0.0, 20.0, "mm", "SCS contacts are 1–6 mm long", lo_open=True),
    "contact_diameter_mm": Limit(0.0, 5.0, "mm", "percutaneous leads are 1–1.4 mm wide", lo_open=True),
    "compliance_v": Limit(0.0, 50.0, "V", "pulse generator compliance limits are 12–20 V", lo_open=True),
    "headroom_v": Limit(0.0, 50.0, "V", _SANE),
    "capacity_mah": Limit(0.0, 10_000.0, "mAh", "implant batteries hold ~100–5000 mAh", lo_open=True),
    "cell_voltage_v": Limit(0.0, 10.0, "V", "lithium cells are 2.5–4.2 V", lo_open=True),
    "quiescent_ua": Limit(0.0, 10_000.0, "µA", _SANE),
    "charge_current_ma": Limit(0.0, 1000.0, "mA", "inductive recharge delivers tens to hundreds of mA",
                               lo_open=True),
    "min_battery_life_days": Limit(0.0, 36_500.0, "days", _SANE),
}


def _lim(name: str):
    return limited(f"device.{name}", _LIMITS[name])


_Impedance = Annotated[float, _lim("impedance_ohm")]
_ContactLength = Annotated[float, _lim("contact_length_mm")]
_ContactDiameter = Annotated[float, _lim("contact_diameter_mm")]
_Compliance = Annotated[float, _lim("compliance_v")]
_Headroom = Annotated[float, _lim("headroom_v")]
_Capacity = Annotated[float, _lim("capacity_mah")]
_CellVoltage = Annotated[float, _lim("cell_voltage_v")]
_Quiescent = Annotated[float, _lim("quiescent_ua")]
_ChargeCurrent = Annotated[float, _lim("charge_current_ma")]
_MinLife = Annotated[float, _lim("min_battery_life_days")]


class Battery(StrEnum):
    PRIMARY = "primary"
    RECHARGEABLE = "rechargeable"


class SupplyMode(StrEnum):
    ADAPTIVE = "adaptive"
    FIXED = "fixed"


class Device(Params):
    """An implantable pulse generator and its lead contacts (illustrative defaults, docs/MODEL.md §1)."""

    name: str = Field("illustrative rechargeable IPG", description="Display name.")
    impedance_ohm: _Impedance = Field(
        1000.0, gt=0, description="Load impedance between contacts, Ω (illustrative; 300–1500)."
    )
    contact_length_mm: _ContactLength = Field(3.0, gt=0, description="Ring contact length, mm (illustrative).")
    contact_diameter_mm: _ContactDiameter = Field(1.3, gt=0, description="Lead/contact diameter, mm (illustrative).")
    compliance_v: _Compliance = Field(12.0, gt=0, description="Compliance voltage limit, V (illustrative; 12–20).")
    supply: SupplyMode = Field(SupplyMode.ADAPTIVE, description="adaptive: V_H = |I|·Z + headroom; fixed.")
    headroom_v: _Headroom = Field(1.0, ge=0, description="Current-source headroom above I·Z, V (illustrative; 0.5–1).")
    efficiency: float = Field(0.8, gt=0, le=1, description="Supply converter efficiency (illustrative).")
    battery: Battery = Field(Battery.RECHARGEABLE, description="primary or rechargeable.")
    capacity_mah: _Capacity = Field(200.0, gt=0, description="Battery capacity, mAh (illustrative; ~100–300 Li-ion).")
    cell_voltage_v: _CellVoltage = Field(3.7, gt=0, description="Nominal cell voltage, V.")
    quiescent_ua: _Quiescent = Field(10.0, ge=0, description="Housekeeping drain, µA (illustrative).")
    charge_current_ma: _ChargeCurrent = Field(80.0, gt=0, description="Recharge current, mA (illustrative).")
    charge_efficiency: float = Field(0.8, gt=0, le=1, description="Charge transfer efficiency (illustrative).")
    min_battery_life_days: _MinLife = Field(
        180.0,
        ge=0,
        description="Primary cell: a program that empties the battery sooner is flagged infeasible, days "
        "([assumption]: replacing a primary IPG, a surgery, more than twice a year is not a practical "
        "therapy).",
    )

    @model_validator(mode="after")
    def _check(self):
        if self.headroom_v >= self.compliance_v:
            raise ValueError(
                f"headroom_v ({self.headroom_v}) must be below compliance_v ({self.compliance_v})"
            )
        return self

    @property
    def contact_area_cm2(self) -> float:
        """Geometric area of one ring contact, cm² (π·d·L)."""
        return math.pi * self.contact_diameter_mm * self.contact_length_mm / 100.0


@dataclass(frozen=True)
class Dosimetry:
    """Engineering figures of a program on a device (see module docstring for formulas and units)."""

    name: str
    kind: str
    pulses_per_s: float
    charge_per_phase_uc: float
    charge_density_uc_per_cm2: float
    shannon_k: float
    shannon_safe: bool
    density_safe: bool
    charge_per_s_uc: float
    peak_current_ma: float
    load_voltage_v: float
    within_compliance: bool
    tissue_power_uw: float
    battery_power_uw: float
    battery_current_ua: float
    battery: str
    battery_life_days: float | None
    recharge_min_per_day: float | None
    days_per_charge: float | None
    feasible: bool = True
    infeasible_reasons: str = ""

    def as_dict(self) -> dict:
        """JSON-ready dict (the keys of ``scs-sim show --json``); absent battery figures omitted."""
        d = asdict(self)
        return {k: v for k, v in d.items() if v is not None}


def feasibility_reasons(d: Dosimetry, device: Device) -> list[str]:
    """Why a program cannot (or should not) run on ``device``: one phrase per failed check, [] if none.

    Checks (docs/MODEL.md §1 Dosimetry, Feasibility): Shannon ``k < 1.85`` (Shannon 1992 IEEE Trans
    Biomed Eng 39:424); charge density ``<= 30 µC/cm²`` per phase (a DBS manufacturer limit, assumed
    for SCS); load voltage plus headroom within the compliance voltage; recharge time per day at most
    24 h (rechargeable); primary-cell life at least ``device.min_battery_life_days``.
    """
    out = []
    if not d.shannon_safe:
        out.append(f"Shannon k {d.shannon_k:.2f} >= {SHANNON_K_LIMIT} (tissue-damage line, Shannon 1992)")
    if not d.density_safe:
        out.append(
            f"charge density {d.charge_density_uc_per_cm2:.1f} µC/cm² > {DENSITY_LIMIT:g} per phase "
            "(DBS manufacturer limit, assumed for SCS)"
        )
    if not d.within_compliance:
        out.append(
            f"needs {d.load_voltage_v + device.headroom_v:.3g} V (I·Z + headroom) but the device's "
            f"compliance is {device.compliance_v:g} V: it cannot deliver {d.peak_current_ma:.4g} mA"
        )
    if d.recharge_min_per_day is not None and d.recharge_min_per_day > MINUTES_PER_DAY:
        out.append(
            f"needs {d.recharge_min_per_day:.0f} min/day of recharging (a day has {MINUTES_PER_DAY:.0f})"
        )
    if d.battery_life_days is not None and d.battery_life_days < device.min_battery_life_days:
        out.append(
            f"primary cell lasts {d.battery_life_days:.0f} days (< {device.min_battery_life_days:g} "
            "days acceptable on this device)"
        )
    return out


def _phase_rows(train: PulseTrain):
    """(|I| mA, width s, per-second rate, n_cathodes, is_cathodic, is_passive) of every template phase."""
    rows = []
    for c, w, rate, chan, passive in train.phase_table():
        cathodes = train.channels[chan].cathodes
        rows.append((abs(c), w, rate, len(cathodes) if cathodes else 1, c < 0, passive))
    return rows


def dosimetry(program, device: Device | None = None, *, train: PulseTrain | None = None) -> Dosimetry:
    """Compute the dosimetry of ``program`` on ``device``.

    Parameters
    ----------
    program : a program model (:mod:`scs_sim.programs`)
    device : Device, optional
        Defaults to ``Device()`` (illustrative rechargeable IPG).
    train : PulseTrain, optional
        The program's pulse train, if already built (custom programs from CSV need their base dir).

    Examples
    --------
    >>> from scs_sim import programs
    >>> d = dosimetry(programs.tonic(amplitude_ma=5.0, pulse_width_us=300.0))
    >>> round(d.charge_per_phase_uc, 3)
    1.5
    """
    device = device or Device()
    train = train or pulse_train(program)
    rows = _phase_rows(train)
    z = device.impedance_ohm
    area = device.contact_area_cm2
    q_contact = max((i * w * 1e3 / n for i, w, _, n, cath, _ in rows if cath), default=0.0)  # µC
    density = q_contact / area
    k = math.log10(density) + math.log10(q_contact) if q_contact > 0 else -math.inf
    peak = max((i for i, *_ in rows), default=0.0)
    v_load = peak * 1e-3 * z
    charge_rate = sum(i * w * r * 1e3 for i, w, r, _, cath, _ in rows if cath)  # µC/s
    tissue_w = sum((i * 1e-3) ** 2 * z * w * r for i, w, r, *_ in rows)
    bat_w = 0.0
    for i, w, r, _, _, passive in rows:
        if passive:
            continue  # capacitor discharge: no energy from the supply
        v_h = device.compliance_v
        if device.supply == SupplyMode.ADAPTIVE:
            v_h = min(device.compliance_v, i * 1e-3 * z + device.headroom_v)
        bat_w += v_h * i * 1e-3 * w * r / device.efficiency
    drain_ua = bat_w / device.cell_voltage_v * 1e6 + device.quiescent_ua
    life = recharge = per_charge = None
    if device.battery == Battery.PRIMARY:
        life = device.capacity_mah / (drain_ua * 1e-3) / 24.0
    else:
        daily_mah = drain_ua * 1e-3 * 24.0
        recharge = daily_mah / (device.charge_current_ma * device.charge_efficiency) * 60.0
        per_charge = device.capacity_mah / daily_mah
    name = getattr(program, "name", None) or program.kind
    d = Dosimetry(
        name=name,
        kind=program.kind,
        pulses_per_s=train.pulses_per_s,
        charge_per_phase_uc=q_contact,
        charge_density_uc_per_cm2=density,
        shannon_k=k,
        shannon_safe=bool(k < SHANNON_K_LIMIT),
        density_safe=bool(density <= DENSITY_LIMIT),
        charge_per_s_uc=charge_rate,
        peak_current_ma=peak,
        load_voltage_v=v_load,
        within_compliance=bool(v_load + device.headroom_v <= device.compliance_v),
        tissue_power_uw=tissue_w * 1e6,
        battery_power_uw=bat_w * 1e6,
        battery_current_ua=drain_ua,
        battery=str(device.battery),
        battery_life_days=life,
        recharge_min_per_day=recharge,
        days_per_charge=per_charge,
    )
    reasons = feasibility_reasons(d, device)
    return replace(d, feasible=not reasons, infeasible_reasons="; ".join(reasons))
