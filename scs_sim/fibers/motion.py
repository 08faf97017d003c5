"""Cord motion: a time-varying dorsal CSF thickness and the fibre drive it gives, pulse by pulse.

This module owns :class:`Motion` (``[patient.motion]``: posture steps, heartbeat and breathing),
:meth:`Motion.csf_mm` (the dorsal CSF thickness at given times) and :class:`DriveTable` (every fibre's
drive per mA of each program channel, precomputed over a grid of CSF thicknesses and interpolated
linearly per pulse). Numba-free. Equations, defaults and sources: ``docs/MODEL.md`` §7.2.

Model::

    csf(t) = csf_mm + posture_offset(t) + A_h sin(2 pi f_h t) + A_b sin(2 pi f_b t)

``posture_offset`` steps between the posture offsets (:data:`POSTURE_OFFSET_MM`, relative to supine,
the posture of the MRI measurements behind ``Anatomy.csf_mm``) with a linear transition of
``transition_s``. The cord is not moved laterally; only the dorsal CSF layer (the lead-to-cord
distance) changes, as in the posture studies (He et al. 1994 Pain 59:55; Holsheimer et al. 1994 AJNR
15:951).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from scs_sim._params import Params
from scs_sim.fibers.anatomy import FiberPopulation

__all__ = ["POSTURE_OFFSET_MM", "DriveTable", "Motion", "PostureStep", "channel_drive"]

#: Dorsal CSF thickness change from supine, mm, per posture ([assumption]: the sign follows gravity
#: (supine lets the cord settle dorsally, toward an epidural lead; sitting/standing and prone move it
#: ventrally) and the paresthesia thresholds, lowest lying in 20 of 23 patients (Cameron & Alo 1998
#: Neuromodulation 1:177); the sizes are illustrative: a few tenths of a mm
#: to ~1 mm, the scale of the supine/prone cord shifts in MRI (Holsheimer et al. 1994 AJNR 15:951)).
POSTURE_OFFSET_MM: dict[str, float] = {"supine": 0.0, "sitting": 0.6, "standing": 0.8, "prone": 1.2}

Posture = Literal["supine", "sitting", "standing", "prone"]


class PostureStep(Params):
    """From ``at_s`` on, the patient holds ``posture``."""

    at_s: float = Field(ge=0, le=86_400.0, description="Time of the posture change, s.")
    posture: Posture = Field(description="One of supine, sitting, standing, prone.")


class Motion(Params):
    """Cord motion (``[patient.motion]``): the dorsal CSF thickness over time (docs/MODEL.md §7.2)."""

    posture: Posture = Field("supine", description="Posture at t = 0.")
    steps: list[PostureStep] = Field(default_factory=list, max_length=100,
                                     description="Posture changes, in time order.")
    transition_s: float = Field(1.0, ge=0, le=60.0,
                                description="Duration of a posture change (linear), s [assumption].")
    heart_amplitude_mm: float = Field(
        0.1, ge=0, le=1.0,
        description="Heartbeat amplitude of the dorsal CSF thickness, mm ([assumption]: cardiac cord "
        "motion of a few tenths of a mm peak to peak in MRI).")
    heart_rate_hz: float = Field(1.1, gt=0, le=4.0, description="Heart rate, Hz (~66 /min, [assumption]).")
    breath_amplitude_mm: float = Field(0.05, ge=0, le=1.0,
                                       description="Breathing amplitude of the dorsal CSF thickness, mm [assumption].")
    breath_rate_hz: float = Field(0.25, gt=0, le=2.0, description="Breathing rate, Hz (15 /min, [assumption]).")
    grid_mm: float = Field(0.1, gt=0, le=0.5, description="CSF grid step of the drive table, mm.")

    @model_validator(mode="after")
    def _ordered(self) -> Motion:
        at = [s.at_s for s in self.steps]
        if any(b <= a for a, b in zip(at, at[1:], strict=False)):
            raise ValueError(f"steps must be in increasing at_s order (got {at})")
        return self

    def offset_mm(self, t_s: np.ndarray) -> np.ndarray:
        """Posture offset of the dorsal CSF thickness from supine at times ``t_s``, mm."""
        t = np.asarray(t_s, dtype=np.float64)
        off = np.full(t.shape, POSTURE_OFFSET_MM[self.posture])
        prev = POSTURE_OFFSET_MM[self.posture]
        for s in self.steps:
            new = POSTURE_OFFSET_MM[s.posture]
            if self.transition_s > 0:
                frac = np.clip((t - s.at_s) / self.transition_s, 0.0, 1.0)
            else:
                frac = (t >= s.at_s).astype(np.float64)
            off = np.where(t >= s.at_s, prev + (new - prev) * frac, off)
            prev = new
        return off

    def csf_mm(self, base_csf_mm: float, t_s: np.ndarray) -> np.ndarray:
        """Dorsal CSF thickness at times ``t_s`` (s) for a patient whose supine thickness is ``base_csf_mm``."""
        t = np.asarray(t_s, dtype=np.float64)
        c = (base_csf_mm + self.offset_mm(t) + self.heart_amplitude_mm * np.sin(2 * math.pi * self.heart_rate_hz * t)
             + self.breath_amplitude_mm * np.sin(2 * math.pi * self.breath_rate_hz * t))
        return np.maximum(c, CSF_FLOOR_MM)

    def csf_range_mm(self, base_csf_mm: float) -> tuple[float, float]:
        """Smallest and largest thickness the trace can reach (posture offsets ± the oscillations)."""
        offs = [POSTURE_OFFSET_MM[self.posture]] + [POSTURE_OFFSET_MM[s.posture] for s in self.steps]
        osc = self.heart_amplitude_mm + self.breath_amplitude_mm
        return max(CSF_FLOOR_MM, base_csf_mm + min(offs) - osc), max(CSF_FLOOR_MM, base_csf_mm + max(offs) + osc)


#: The thinnest dorsal CSF layer the motion model allows, mm (the anatomy's own lower bound).
CSF_FLOOR_MM = 0.5


def channel_drive(fibers: FiberPopulation, channels: Sequence, af_rheobase_mv: float) -> np.ndarray:
    """Drive per mA of every channel on every fibre, (n_channels, n_fibres) in 1/mA: the peak activating
    function per mA of cathodic channel current over ``af_rheobase_mv``, as the recruitment kernel takes it."""
    rows = []
    for i, ch in enumerate(channels):
        key = "program" if len(channels) == 1 else f"program.components.{i}"
        rows.append(fibers.channel_coupling(ch.cathodes, ch.anodes, key=key))
    return np.ascontiguousarray(np.array(rows) / af_rheobase_mv)


class DriveTable:
    """Every fibre's drive per mA (:func:`channel_drive`) on a grid of dorsal CSF thicknesses.

    :meth:`at` interpolates linearly between grid points (the drive is smooth in the CSF thickness;
    the grid step is ``Motion.grid_mm``). The patient's own thickness is always a grid point, so a run
    that never moves gets exactly the drive the recruitment stream computed.
    """

    def __init__(self, fibers: FiberPopulation, channels: Sequence, af_rheobase_mv: float,
                 lo_mm: float, hi_mm: float, step_mm: float):
        base = fibers.anatomy.csf_mm
        n_lo = int(math.ceil((base - lo_mm) / step_mm - 1e-9))
        n_hi = int(math.ceil((hi_mm - base) / step_mm - 1e-9))
        self.grid_mm = base + step_mm * np.arange(-n_lo, n_hi + 1)
        self.grid_mm = self.grid_mm[self.grid_mm >= CSF_FLOOR_MM - 1e-12]
        self.populations = [fibers if abs(c - base) < 1e-12 else fibers.with_csf(c) for c in self.grid_mm]
        self.drive = np.stack([channel_drive(p, channels, af_rheobase_mv) for p in self.populations])

    def index(self, csf_mm: float) -> tuple[int, float]:
        """Grid interval ``i`` and weight ``w`` of ``csf_mm``: value = (1 - w) table[i] + w table[i + 1]."""
        g = self.grid_mm
        if g.size == 1:
            return 0, 0.0
        x = min(max(float(csf_mm), g[0]), g[-1])
        i = min(int(np.searchsorted(g, x, "right")) - 1, g.size - 2)
        return i, (x - g[i]) / (g[i + 1] - g[i])

    def at(self, csf_mm: float) -> np.ndarray:
        """Drive per mA, (n_channels, n_fibres), at dorsal CSF thickness ``csf_mm`` (clipped to the grid)."""
        i, w = self.index(csf_mm)
        if w == 0.0:
            return self.drive[i]
        return (1.0 - w) * self.drive[i] + w * self.drive[i + 1]
