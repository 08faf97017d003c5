"""``[program.closed_loop]``: ECAP-controlled amplitude (the controller's settings; the loop itself runs
in :mod:`scs_sim.fibers.closed_loop`). Numba-free. docs/MODEL.md §7.3.

The controller is the velocity form of a proportional-integral loop on the measured N1-P2 ECAP
amplitude ``A_k`` of every pulse, with current limits and a slew-rate limit, as in the published
ECAP-controlled systems (Russo et al. 2018 Neuromodulation 21:38; Mekhail et al. 2020 Lancet Neurol
19:123)::

    e_k = (target - A_k) / target
    dI  = I_prog (kp (e_k - e_{k-1}) + ki e_k dt_k),   |dI| <= slew dt_k
    I_{k+1} = clip(I_k + dI, min_ma, max_ma)
"""

from __future__ import annotations

from pydantic import Field, model_validator

from scs_sim._params import Params
from scs_sim.errors import ConfigError

__all__ = ["ClosedLoop", "record_contact"]


class ClosedLoop(Params):
    """ECAP feedback on a program's amplitude (docs/MODEL.md §7.3; defaults are [assumption])."""

    enabled: bool = Field(True, description="False: record ECAPs but keep the programmed current (open loop).")
    target_uv: float | None = Field(
        None, gt=0, le=10_000.0,
        description="Target N1-P2 ECAP amplitude, µV. None: the mean ECAP of the calibration pulses at the "
        "programmed amplitude (as a clinician sets the target at a comfortable level).")
    calibrate_s: float = Field(0.5, ge=0, le=60.0,
                               description="Calibration period at the programmed amplitude (loop open), s.")
    ki_per_s: float = Field(2.0, ge=0, le=100.0,
                            description="Integral gain: relative current change per s per unit relative error.")
    kp: float = Field(0.0, ge=0, le=5.0, description="Proportional gain (relative current per unit relative error).")
    min_ma: float = Field(0.0, ge=0, le=25.0, description="Lowest current the loop may set, mA.")
    max_ma: float | None = Field(None, gt=0, le=25.0,
                                 description="Highest current the loop may set, mA (None: 2 x the programmed amplitude).")
    slew_ma_per_s: float = Field(2.0, gt=0, le=100.0, description="Largest current change per s, mA/s.")
    record_contact: int | None = Field(
        None, ge=0, le=31,
        description="Recording contact (None: two contacts beyond the highest stimulating contact, or "
        "below the lowest if that is off the lead).")
    noise_uv: float | None = Field(None, ge=0, le=100.0,
                                   description="Recording noise, µV rms (None: the ECAP model's default).")

    @model_validator(mode="after")
    def _limits(self) -> ClosedLoop:
        if self.max_ma is not None and self.max_ma <= self.min_ma:
            raise ValueError(f"max_ma ({self.max_ma:g}) must exceed min_ma ({self.min_ma:g})")
        return self


def record_contact(loop: ClosedLoop, cathodes: list[int], anodes: list[int], n_contacts: int) -> int:
    """The loop's recording contact on a lead of ``n_contacts`` driven by ``cathodes``/``anodes``: its own
    ``record_contact`` (checked: on the lead, not stimulating), else two contacts beyond the highest
    stimulating contact, or two below the lowest if that is off the lead, else the last free contact.
    :class:`ConfigError` (key ``program.closed_loop.record_contact``) when there is none."""
    key = "program.closed_loop.record_contact"
    stim = set(int(c) for c in cathodes) | set(int(c) for c in anodes)
    if loop.record_contact is not None:
        rec = int(loop.record_contact)
        if rec >= n_contacts or rec in stim:
            raise ConfigError(f"{rec} must be a contact of the lead (0..{n_contacts - 1}) that does not stimulate "
                              f"(stimulating: {sorted(stim)})", key=key)
        return rec
    if max(stim) + 2 < n_contacts:
        return max(stim) + 2
    if min(stim) - 2 >= 0:
        return min(stim) - 2
    free = [c for c in range(n_contacts) if c not in stim]
    if not free:
        raise ConfigError("no contact is left to record the ECAP on", key=key)
    return free[-1]
