"""Evoked compound action potentials (ECAP) on the lead's contacts, from the recruited dorsal-column fibres.

This module owns :class:`EcapParams` (conduction, the nodal action potential, the recording chain),
:class:`EcapModel` (single-fibre templates on every recording contact, precomputed per fibre, summed
pulse by pulse), :func:`n1p2` (the N1-P2 amplitude and N1 latency of traces) and
:func:`growth_threshold` (the ECAP threshold extrapolated from a growth curve). Numba-free.
Equations, defaults and sources: ``docs/MODEL.md`` §7.1.

Model (per DC fibre ``f`` that fires at time ``t_f`` after the pulse onset):

- conduction velocity ``v = k D`` (``k = cv_per_um``, Hursh 1939 Am J Physiol 127:131), internode
  ``L = 100 D`` (McNeal 1976), axon diameter ``d = g D``;
- the action potential starts at the fibre's excitation node (the node of the largest activating
  function under the program's channel) and propagates both ways, reaching node ``n`` after
  ``|n - n_e| L / v``; every node follows the same nodal AP ``V(t) = A (t/t_p)^2 exp(2 (1 - t/t_p))``
  ([assumption]: peak ``A`` at ``t_p``, ~0.4 ms long);
- the membrane current leaving node ``n`` is the core-conductor one,
  ``I_n = G_a (V_{n-1} - 2 V_n + V_{n+1})``, ``G_a = pi d^2 / (4 rho_i L)`` (McNeal 1976);
- the potential at contact ``c`` is ``phi_c = sum_n I_n Z_{n c}``, where ``Z_{n c}`` is the potential
  at node ``n`` per unit current on contact ``c`` (reciprocity: the same volume conductor, anisotropy
  and CSF thickness that drive the fibres, :meth:`FiberPopulation.node_potentials`); this is the
  node-sum picture of the extracellular field of a myelinated fibre (Struijk 1997 Biophys J 72:2457)
  and gives the triphasic P1-N1-P2 shape.

Each modelled fibre stands for ``fibre_density_per_mm2 * area / dc_count`` real fibres (the modelled
DC fibres are a sample). The recorded trace adds a stimulus artefact ``k I exp(-(t - t_end) / tau)``
after the pulse end ([assumption]) and white noise (seeded generator; [assumption]).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from pydantic import Field

from scs_sim._params import Params
from scs_sim.fibers.anatomy import INTERNODE_PER_DIAMETER, FiberPopulation

__all__ = ["Detector", "EcapModel", "EcapParams", "growth_fit", "growth_threshold", "mean_ecap", "n1p2", "nodal_ap"]


class EcapParams(Params):
    """Parameters of the ECAP model (docs/MODEL.md §7.1)."""

    cv_per_um: float = Field(6.0, gt=0, le=10.0,
                             description="Conduction velocity per fibre diameter, (m/s)/µm (Hursh 1939 Am J Physiol 127:131).")
    g_ratio: float = Field(0.7, gt=0, lt=1.0, description="Axon / fibre diameter (McNeal 1976 IEEE TBME 23:329).")
    rho_i_ohm_m: float = Field(1.1, gt=0, le=10.0,
                               description="Axoplasm resistivity, ohm m (110 ohm cm, McNeal 1976).")
    ap_peak_mv: float = Field(100.0, gt=0, le=200.0, description="Nodal AP amplitude, mV [assumption].")
    ap_peak_ms: float = Field(0.1, gt=0, le=1.0,
                              description="Time to the nodal AP peak, ms [assumption: AP ~0.4 ms long at 37 °C].")
    fibre_density_per_mm2: float = Field(
        10_000.0, gt=0, le=200_000.0,
        description="Real DC fibres per mm² of the modelled region; each model fibre stands for density * "
        "area / dc_count of them [assumption: order of magnitude of myelinated fibre densities in the human "
        "dorsal columns].")
    sample_khz: float = Field(25.0, gt=0, le=200.0, description="Recording sampling rate, kHz.")
    window_ms: float = Field(3.0, gt=0, le=20.0, description="Recorded trace after each pulse onset, ms.")
    blank_ms: float = Field(0.1, ge=0, le=5.0,
                            description="Samples within this time after the pulse end are not searched for N1, ms.")
    artefact_uv_per_ma: float = Field(5.0, ge=0, le=1000.0,
                                      description="Residual stimulus artefact at the pulse end per mA, µV [assumption].")
    artefact_tau_ms: float = Field(0.15, gt=0, le=10.0, description="Artefact decay time constant, ms [assumption].")
    noise_uv: float = Field(2.0, ge=0, le=100.0, description="Recording noise, µV rms per sample [assumption].")


def nodal_ap(t_ms: np.ndarray, params: EcapParams) -> np.ndarray:
    """Nodal transmembrane AP (mV above rest) at times ``t_ms`` after its start (0 before)."""
    x = np.maximum(np.asarray(t_ms, dtype=np.float64), 0.0) / params.ap_peak_ms
    return params.ap_peak_mv * x * x * np.exp(2.0 * (1.0 - x))


def n1p2(traces: np.ndarray, t_ms: np.ndarray, start_ms: float) -> tuple[np.ndarray, np.ndarray]:
    """N1-P2 amplitude (µV) and N1 latency (ms) of ``traces`` (..., n_t) sampled at ``t_ms``.

    N1 is the minimum at or after ``start_ms``; P2 the maximum after N1. Amplitude ``P2 - N1``.
    """
    tr = np.asarray(traces, dtype=np.float64)
    i0 = int(np.searchsorted(t_ms, start_ms - 1e-12))
    seg = tr[..., i0:]
    if seg.shape[-1] < 2:
        z = np.zeros(tr.shape[:-1])
        return z, z
    i_n1 = np.argmin(seg, axis=-1)
    n1 = np.take_along_axis(seg, i_n1[..., None], axis=-1)[..., 0]
    idx = np.arange(seg.shape[-1])
    after = np.where(idx >= i_n1[..., None], seg, -np.inf)
    p2 = after.max(axis=-1)
    return p2 - n1, t_ms[i0 + i_n1]


def growth_fit(current_ma: np.ndarray, amplitude_uv: np.ndarray, *, lo_frac: float = 0.25) -> tuple[float, float, float]:
    """Least-squares line through the growth-curve points at or above ``lo_frac`` of the largest
    amplitude: (slope µV/mA, intercept µV, R²). NaNs with fewer than three such points."""
    i = np.asarray(current_ma, dtype=np.float64)
    a = np.asarray(amplitude_uv, dtype=np.float64)
    top = float(a.max()) if a.size else 0.0
    keep = a >= lo_frac * top
    if np.count_nonzero(keep) < 3 or top <= 0:
        return float("nan"), float("nan"), float("nan")
    slope, icpt = np.polyfit(i[keep], a[keep], 1)
    resid = a[keep] - (slope * i[keep] + icpt)
    return float(slope), float(icpt), float(1.0 - resid.var() / a[keep].var())


def growth_threshold(current_ma: np.ndarray, amplitude_uv: np.ndarray, floor_uv: float) -> float:
    """ECAP threshold: the lowest current at which the growth curve (sorted by current) reaches
    ``floor_uv``, interpolated linearly between the bracketing points; NaN if it never does (a
    detection threshold, as the ECAP threshold is read clinically: the lowest current with a
    discernible ECAP)."""
    i = np.asarray(current_ma, dtype=np.float64)
    a = np.asarray(amplitude_uv, dtype=np.float64)
    order = np.argsort(i)
    i, a = i[order], a[order]
    above = np.flatnonzero(a >= floor_uv)
    if above.size == 0:
        return float("nan")
    k = int(above[0])
    if k == 0:
        return float(i[0])
    return float(i[k - 1] + (floor_uv - a[k - 1]) * (i[k] - i[k - 1]) / (a[k] - a[k - 1]))


class EcapModel:
    """Single-fibre action-potential templates of the DC fibres on the recording contacts.

    ``templates[f, c, k]`` (µV) is what DC fibre ``f`` adds to contact ``contacts[c]`` at sample ``k``
    (time ``k / sample_khz`` ms after the fibre fired), already multiplied by the real fibres it
    stands for. Fibres in ``active`` only (others are zero: they cannot fire in the run).

    Parameters
    ----------
    fibers : FiberPopulation
    weights : float array (n_contacts,)
        The channel's signed contact weights (:meth:`FiberPopulation.contact_weights`): they fix each
        fibre's excitation node.
    contacts : sequence of int
        Recording contacts.
    params : EcapParams, optional
    active : bool array (n_dc,), optional
        DC fibres whose templates are computed (default all).
    """

    def __init__(self, fibers: FiberPopulation, weights: np.ndarray, contacts: Sequence[int],
                 params: EcapParams | None = None, active: np.ndarray | None = None):
        p = params or EcapParams()
        self.params = p
        self.contacts = np.asarray(contacts, dtype=np.int64)
        n_t = int(round(p.window_ms * p.sample_khz))
        self.t_ms = np.arange(n_t) / p.sample_khz
        n_dc = fibers.n_dc
        act = np.ones(n_dc, bool) if active is None else np.asarray(active, bool)
        a = fibers.anatomy
        area = 2.0 * a.dc_half_width_mm * a.dc_depth_max_mm
        self.fibres_per_model_fibre = p.fibre_density_per_mm2 * area / max(a.dc_count, 1)
        self.templates = np.zeros((n_dc, self.contacts.size, n_t))
        af = fibers.node_af @ np.asarray(weights, dtype=np.float64)  # (n, n_nodes)
        for f in np.flatnonzero(act):
            self.templates[f] = self._template(fibers, f, int(np.argmax(af[f])))
        self.templates *= self.fibres_per_model_fibre
        self.latency_ms = np.zeros(0)

    def _template(self, fibers: FiberPopulation, f: int, node: int) -> np.ndarray:
        p = self.params
        z = fibers.node_potentials(f)[:, self.contacts]  # mV per mA = ohm, rows: nodes incl. both ends
        d_um = float(fibers.diameter_um[f])
        internode_mm = INTERNODE_PER_DIAMETER * d_um * 1e-3
        v_mm_per_ms = p.cv_per_um * d_um  # m/s = mm/ms
        rows = np.arange(z.shape[0])
        delay = np.abs(rows - (node + 1)) * internode_mm / v_mm_per_ms  # af row j is potential row j + 1
        vm = nodal_ap(self.t_ms[None, :] - delay[:, None], p) * 1e-3  # V, (rows, n_t)
        d_m = p.g_ratio * d_um * 1e-6
        g_a = math.pi * d_m * d_m / (4.0 * p.rho_i_ohm_m * internode_mm * 1e-3)  # S
        i_n = g_a * (vm[:-2] - 2.0 * vm[1:-1] + vm[2:])  # A leaving each interior node
        return (z[1:-1].T @ i_n) * 1e6  # V -> µV, (n_contacts, n_t)

    def trace(self, fired: np.ndarray, delay_ms: np.ndarray | None = None) -> np.ndarray:
        """Noise-free ECAP (µV, (n_contacts, n_t)) of DC fibres ``fired`` (indices), each firing
        ``delay_ms`` after the pulse onset (rounded to samples; default 0)."""
        fired = np.asarray(fired, dtype=np.int64)
        out = np.zeros(self.templates.shape[1:])
        if fired.size == 0:
            return out
        if delay_ms is None:
            return self.templates[fired].sum(axis=0)
        shift = np.rint(np.asarray(delay_ms) * self.params.sample_khz).astype(np.int64)
        n_t = out.shape[-1]
        for s in np.unique(shift):
            if 0 <= s < n_t:
                out[:, s:] += self.templates[fired[shift == s]].sum(axis=0)[:, : n_t - s]
        return out

    def artefact(self, current_ma: float, pulse_end_ms: float) -> np.ndarray:
        """Stimulus artefact (µV, (n_t,)) after a pulse ending ``pulse_end_ms`` after its onset."""
        p = self.params
        dt = self.t_ms - pulse_end_ms
        return np.where(dt >= 0, p.artefact_uv_per_ma * abs(current_ma) * np.exp(-np.maximum(dt, 0) / p.artefact_tau_ms),
                        0.0)

    def record(self, fired: np.ndarray, delay_ms: np.ndarray | None, current_ma: float, pulse_end_ms: float,
               rng: np.random.Generator | None) -> np.ndarray:
        """Recorded traces (µV, (n_contacts, n_t)): ECAP + artefact + noise (none without ``rng``)."""
        tr = self.trace(fired, delay_ms) + self.artefact(current_ma, pulse_end_ms)[None, :]
        if rng is not None and self.params.noise_uv > 0:
            tr = tr + self.params.noise_uv * rng.standard_normal(tr.shape)
        return tr

    def amplitude(self, traces: np.ndarray, pulse_end_ms: float) -> tuple[np.ndarray, np.ndarray]:
        """N1-P2 amplitude (µV) and N1 latency (ms) of recorded traces, searched after the blanking."""
        return n1p2(traces, self.t_ms, pulse_end_ms + self.params.blank_ms)


class Detector:
    """ECAP amplitude of a recorded trace by least squares: ``trace ~ a h + b r`` after the blanking,
    ``h`` the expected ECAP shape (scaled to N1-P2 = 1), ``r`` the artefact's exponential; the estimate
    is ``a`` (µV, N1-P2 of the fitted shape). A linear, unbiased estimator whose noise does not add to
    the amplitude as a max - min does ([assumption]: a matched-filter detector; the device's own is not
    public).

    Parameters
    ----------
    shape_uv : float array (n_t,)
        Expected ECAP at the recording contact (e.g. the templates of the most excitable fibres).
    model : EcapModel
        Gives the time base, the artefact shape and the blanking.
    pulse_end_ms : float
        End of the pulse after its onset.
    """

    def __init__(self, shape_uv: np.ndarray, model: EcapModel, pulse_end_ms: float):
        t = model.t_ms
        i0 = int(np.searchsorted(t, pulse_end_ms + model.params.blank_ms - 1e-12))
        amp = float(n1p2(shape_uv, t, pulse_end_ms + model.params.blank_ms)[0])
        if amp <= 0:
            raise ValueError("the expected ECAP shape is flat")
        h = np.asarray(shape_uv, dtype=np.float64)[i0:] / amp
        r = model.artefact(1.0, pulse_end_ms)[i0:]
        design = np.stack([h, r], axis=1) if np.any(r > 0) else h[:, None]
        self.i0 = i0
        self.pinv = np.linalg.pinv(design)[0]  # row giving the shape coefficient

    def amplitude(self, trace_uv: np.ndarray) -> float:
        """Estimated N1-P2 amplitude (µV) of one recorded trace (n_t,)."""
        return float(self.pinv @ np.asarray(trace_uv)[self.i0:])


def mean_ecap(train, fibers: FiberPopulation, model: EcapModel, rng: np.random.Generator, duration_s: float,
              contact: int, *, params=None, from_s: float = 0.0) -> float:
    """Mean noise-free N1-P2 (µV) on recording contact ``contact`` over the pulses of ``train`` with onsets
    in ``[from_s, duration_s)``, pulse by pulse (each pulse's DC spikes with their delays), N1 searched
    after the cathodic phase and the blanking. A pulse without DC spikes counts 0. The fibres run from
    0 s (``params``: their :class:`~scs_sim.fibers.params.ExcitationParams`), so with ``from_s`` > 0 the
    ECAP is read after a dwell at the setting, as clinical frequency sweeps read it."""
    from scs_sim.fibers.recruitment import RecruitStream

    st = RecruitStream(train, fibers, rng, duration_s, params=params)
    row = list(model.contacts).index(contact)
    onsets, ends = [], []
    for ch in train.chunks(0.0, duration_s):
        local = ch.pulse - ch.first_pulse
        cath = ch.current_ma < 0
        end = np.zeros(ch.n_pulses)
        np.maximum.at(end, local[cath], ch.start_s[cath] + ch.width_s[cath])
        onsets.append(ch.onset_s)
        ends.append(end - ch.onset_s)
    onset = np.concatenate(onsets) if onsets else np.zeros(0)
    first = int(np.searchsorted(onset, from_s))
    if first >= onset.size:
        return 0.0
    end_rel = np.concatenate(ends)
    bounds = np.append(onset[1:], duration_s)
    if first > 0:
        st.advance(float(onset[first]), deliver=False)  # the dwell: the fibres run, no ECAP is read
    amps = np.zeros(onset.size - first)
    for k in range(first, onset.size):
        t, f = st.advance(float(bounds[k]))
        dc = f < fibers.n_dc
        if dc.any():
            tr = model.trace(f[dc], (t[dc] - onset[k]) * 1e3)[row]
            amps[k - first] = n1p2(tr, model.t_ms, float(end_rel[k]) * 1e3 + model.params.blank_ms)[0]
    return float(amps.mean())
