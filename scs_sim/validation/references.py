"""Published reference data of the validation experiments: the one copy of every dataset and number.

Each item names its source and how it was read: [V-code] read in public model code (repository and
path given), [V-abs] read in an abstract or caption. Recalled, unconfirmed numbers are never used as
references. The experiments (:mod:`scs_sim.validation.experiments`), the protocols and the report
figures take their reference values from here; nothing else in the package repeats them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["FOREMAN_DIGITISED", "FOREMAN_BIN_CENTRES_MS", "FOREMAN_MEAN", "FOREMAN_RECOVERING",
           "FOREMAN_SPREAD_RMSE", "FOREMAN_SUPPRESSED", "HERSHEY_2010", "MEDLOCK_2023_PINCH", "PSTH_BIN_S",
           "PSTH_N_BINS", "PinchRates", "StrengthDuration", "foreman_curves", "foreman_reference"]


# ------------------------------------------------------------------------------------------------
# Strength–duration of the clinical perception threshold
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StrengthDuration:
    """A published strength–duration result: median rheobase and chronaxie with their ranges."""

    rheobase_ma: float
    rheobase_range_ma: tuple[float, float]
    chronaxie_us: float
    chronaxie_range_us: tuple[float, float]
    citation: str

    @property
    def reference(self) -> tuple[float, float]:
        """``(rheobase_ma, chronaxie_us)``, as ``plots.recruitment.plot_strength_duration(reference=...)`` takes it."""
        return (self.rheobase_ma, self.chronaxie_us)


#: Hershey et al. 2010 Pain Physician 13:321 [V-abs]: perception thresholds at pulse widths 50–1000 µs,
#: chronaxie 295 (242–326) µs, rheobase 2.5 (1.3–3.3) mA. The recruitment layer was calibrated to it.
HERSHEY_2010 = StrengthDuration(rheobase_ma=2.5, rheobase_range_ma=(1.3, 3.3), chronaxie_us=295.0,
                                chronaxie_range_us=(242.0, 326.0),
                                citation="Hershey et al. 2010 Pain Physician 13:321")


# ------------------------------------------------------------------------------------------------
# Single-pulse suppression of primate STT cells (Foreman et al. 1976)
# ------------------------------------------------------------------------------------------------
#: Foreman et al. 1976 primate STT-cell responses to one dorsal-column pulse, as digitised in the
#: Zhang et al. 2014 (J Neurophysiol 112) code (ModelDB 168414, ``Foreman_Plotter.m``, variables
#: Foreman1..4 _XAxis/_YAxis) [V-code]. Each entry: (x values, x scale, y values, y scale);
#: time = x/scale·100 ms after the pulse, response = y/scale (1 = pre-pulse rate).
FOREMAN_DIGITISED: tuple[tuple[tuple[float, ...], float, tuple[float, ...], float], ...] = (
    ((0, 0.14, 0.16, 0.33, 0.69, 1.45), 1.17, (2.63, 0.25, 0.4, 1.55, 1.66, 2.3), 2.63),
    ((0, 0.22, 0.44, 0.69, 0.86, 2.19, 3.53, 4.83), 4.39, (4.42, 0.93, 0.80, 2.33, 2.37, 3.34, 3.63, 3.60), 4.42),
    ((0, 0.14, 0.98, 1.64, 2.61, 3.32), 3.2, (3.25, 0, 0, 1.62, 3.12, 4.28), 3.25),
    ((0, 0.14, 2.56, 3.2), 3.25, (3.25, 0, 0, 3.25 * 0.4), 3.25),
)
#: PSTH bin width (s) and bins compared with Foreman (0–100 ms after the pulse), Zhang 2014 convention.
PSTH_BIN_S = 0.01
PSTH_N_BINS = 20


def foreman_curves(t_ms: np.ndarray) -> np.ndarray:
    """The four digitised Foreman cells, linearly interpolated at ``t_ms`` (rows = cells)."""
    rows = []
    for x, xs, y, ys in FOREMAN_DIGITISED:
        rows.append(np.interp(t_ms, np.array(x) / xs * 100.0, np.array(y) / ys))
    return np.array(rows)


def foreman_reference() -> tuple[np.ndarray, np.ndarray]:
    """Bin centres (ms) of the 10 bins 0–100 ms and the mean digitised Foreman response there."""
    c = np.arange(5.0, 100.0, 10.0)
    return c, foreman_curves(c).mean(axis=0)


def _foreman_loo_rmse() -> float:
    """Median leave-one-out RMS difference of a digitised cell from the mean of the other three."""
    cur = foreman_curves(np.arange(5.0, 100.0, 10.0))
    return float(np.median([np.sqrt(np.mean((cur[k] - np.delete(cur, k, 0).mean(0)) ** 2))
                            for k in range(cur.shape[0])]))


FOREMAN_BIN_CENTRES_MS, FOREMAN_MEAN = foreman_reference()
FOREMAN_SUPPRESSED = float(FOREMAN_MEAN[1:4].mean())     # 10–40 ms: 0.26
FOREMAN_RECOVERING = float(FOREMAN_MEAN[8:10].mean())    # 80–100 ms: 0.72
FOREMAN_SPREAD_RMSE = _foreman_loo_rmse()                # 0.32


# ------------------------------------------------------------------------------------------------
# Afferent rates during a pinch (Medlock et al. 2023 SDH-network code)
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PinchRates:
    """Afferent firing rates (Hz) during a pinch, one value per 1 s epoch from 1 s after its onset."""

    c_hz: tuple[float, ...]
    adelta_hz: tuple[float, ...]
    abeta_hz: tuple[float, ...]
    citation: str


#: Pinch rates of the Medlock et al. 2023 (J Neurophysiol) superficial-dorsal-horn network code
#: (lauramedlock/SDH-network ``primary_afferent_FR.py``, labelled "real") [V-code]: C and Aδ at
#: 1, 2, 3, 4, 5 s. The code gives Aβ as adapting from ~57 Hz to ~10 Hz; the intermediate Aβ values
#: (30 and 15 Hz) are our assumption.
MEDLOCK_2023_PINCH = PinchRates(c_hz=(25.96, 15.76, 11.93, 9.57, 8.43),
                                adelta_hz=(25.54, 22.62, 17.39, 13.85, 10.77),
                                abeta_hz=(57.0, 30.0, 15.0, 10.0, 10.0),
                                citation="Medlock et al. 2023 J Neurophysiol (SDH-network code)")
