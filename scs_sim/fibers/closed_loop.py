"""Closed-loop stimulation: recruitment pulse by pulse under cord motion, ECAPs, and the ECAP controller.

This module owns :class:`LoopStream`, a drop-in for :class:`~scs_sim.fibers.recruitment.RecruitStream`
(the same :meth:`advance` / :meth:`result`, so the circuit path of :mod:`scs_sim.simulation` is
unchanged) that, before every pulse, sets the fibres' drive from the dorsal CSF thickness at that
instant (:class:`~scs_sim.fibers.motion.DriveTable`) and the current the controller chose, records the
pulse's ECAP (:class:`~scs_sim.fibers.ecap.EcapModel`) and updates the controller
(:class:`~scs_sim.stim.closed_loop.ClosedLoop`); and :class:`LoopLog` with the run's metrics
(:meth:`LoopLog.metrics`). Numba-free. docs/MODEL.md §7.

The current scales the drive: the kernel's drive is ``u = -I c_f``, so a pulse at ``g`` times the
programmed current is the programmed pulse with every coupling ``c_f`` times ``g`` (exact, all phases).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from scs_sim.errors import ConfigError
from scs_sim.fibers.anatomy import FiberPopulation
from scs_sim.fibers.ecap import Detector, EcapModel, EcapParams
from scs_sim.fibers.motion import DriveTable, Motion
from scs_sim.fibers.params import ExcitationParams, PerceptionParams
from scs_sim.fibers.recruitment import RecruitStream
from scs_sim.stim.closed_loop import ClosedLoop, record_contact

__all__ = ["LoopLog", "LoopStream", "effective_scale"]

#: CSF grid step of the ECAP templates (mm); between grid points the templates are interpolated.
ECAP_GRID_MM = 0.2
#: Fibres whose drive at the largest current and thinnest CSF stays below this fraction of the resting
#: threshold never fire; their ECAP templates are not computed.
ACTIVE_DRIVE_FRACTION = 0.5
#: DC fibres (most excitable first) whose mean coupling sets the effective-current scale.
SCALE_FIBRES = 10


def effective_scale(drive: np.ndarray, base: np.ndarray, n_dc: int) -> float:
    """Drive of the :data:`SCALE_FIBRES` most excitable DC fibres relative to ``base`` (their coupling at
    the patient's own CSF thickness): a current ``I`` at this drive recruits like ``I * scale`` would at rest."""
    order = np.argsort(base[:n_dc])[::-1][:SCALE_FIBRES]
    b = float(base[order].sum())
    return float(drive[order].sum() / b) if b > 0 else 1.0


@dataclass
class LoopLog:
    """Per-pulse record of a closed-loop (or motion) run, and its metrics."""

    t_s: list[float] = field(default_factory=list)
    csf_mm: list[float] = field(default_factory=list)
    current_ma: list[float] = field(default_factory=list)
    ecap_uv: list[float] = field(default_factory=list)        # measured (noise, artefact)
    ecap_true_uv: list[float] = field(default_factory=list)   # noise-free ECAP of the fibres that fired
    volley: list[int] = field(default_factory=list)           # DC fibres firing on the pulse
    scale: list[float] = field(default_factory=list)          # effective-current scale (motion)
    charge_uc: list[float] = field(default_factory=list)      # cathodic charge of the pulse
    snapshots: dict[float, np.ndarray] = field(default_factory=dict)  # t_s -> recorded traces (contacts, n_t)
    clean_snapshots: dict[float, np.ndarray] = field(default_factory=dict)  # the same pulses, noise-free ECAP
    target_uv: float = float("nan")
    perception_ma: float = float("nan")
    discomfort_ma: float = float("nan")
    trace_t_ms: np.ndarray = field(default_factory=lambda: np.zeros(0))  # time base of the snapshots
    trace_contacts: list[int] = field(default_factory=list)              # their rows' contacts
    record_contact: int = -1                                              # the controller's contact

    def arrays(self) -> dict[str, np.ndarray]:
        return {k: np.asarray(getattr(self, k)) for k in
                ("t_s", "csf_mm", "current_ma", "ecap_uv", "ecap_true_uv", "volley", "scale", "charge_uc")}

    def metrics(self, duration_s: float) -> dict[str, float]:
        """Therapeutic-window, dose and ECAP figures of the run (``scs-sim run --json`` keys ``cl_*``).

        The therapeutic window is the effective current ``I * scale`` between the perception and the
        discomfort thresholds at the patient's own CSF thickness; an over-stimulation episode is a
        run of consecutive pulses above discomfort.
        """
        a = self.arrays()
        out: dict[str, float] = {"cl_target_uv": self.target_uv, "cl_perception_ma": self.perception_ma,
                                 "cl_discomfort_ma": self.discomfort_ma}
        if a["t_s"].size == 0:
            return out
        eff = a["current_ma"] * a["scale"]
        over = eff > self.discomfort_ma
        under = eff < self.perception_ma
        ecap = a["ecap_true_uv"]
        out.update({
            "cl_pulses": int(a["t_s"].size),
            "cl_in_window_pct": 100.0 * float(np.mean(~over & ~under)),
            "cl_over_pct": 100.0 * float(np.mean(over)),
            "cl_under_pct": 100.0 * float(np.mean(under)),
            "cl_over_episodes": int(np.count_nonzero(np.diff(np.concatenate([[0], over.astype(np.int8)])) == 1)),
            "cl_charge_uc_per_s": float(a["charge_uc"].sum() / duration_s) if duration_s > 0 else 0.0,
            "cl_current_mean_ma": float(a["current_ma"].mean()),
            "cl_current_min_ma": float(a["current_ma"].min()),
            "cl_current_max_ma": float(a["current_ma"].max()),
            "cl_ecap_mean_uv": float(ecap.mean()),
            "cl_ecap_sd_uv": float(ecap.std()),
            "cl_ecap_abs_dev_uv": float(np.nanmean(np.abs(a["ecap_uv"] - self.target_uv)))
            if math.isfinite(self.target_uv) else float("nan"),
            "cl_csf_min_mm": float(a["csf_mm"].min()),
            "cl_csf_max_mm": float(a["csf_mm"].max()),
        })
        return out


class LoopStream:
    """:class:`RecruitStream` pulse by pulse with cord motion and (optionally) ECAP feedback.

    Parameters
    ----------
    train : scs_sim.stim.programs.PulseTrain
        A single-channel program's train at its programmed amplitude.
    fibers : FiberPopulation
    rng : numpy.random.Generator
        Recruitment noise (as :class:`RecruitStream`).
    duration_s : float
    loop : ClosedLoop or None
        Controller settings (None: open loop at the programmed current, ECAPs still recorded).
    motion : Motion or None
        Cord motion (None: the patient's CSF thickness throughout).
    ecap_rng : numpy.random.Generator
        Recording noise.
    thresholds_ma : (perception, discomfort), optional
        At the patient's own CSF thickness; used by :meth:`LoopLog.metrics`.
    snapshot_s : sequence of float
        Times whose first following pulse's recorded traces (all contacts) are kept.
    """

    def __init__(self, train, fibers: FiberPopulation, rng: np.random.Generator, duration_s: float, *,
                 loop: ClosedLoop | None, motion: Motion | None, ecap_rng: np.random.Generator,
                 params: ExcitationParams | None = None, perception: PerceptionParams | None = None,
                 record_s: float = math.inf, ecap: EcapParams | None = None,
                 thresholds_ma: tuple[float, float] = (float("nan"), float("nan")), snapshot_s=()):
        params = params or ExcitationParams()
        if len(train.channels) != 1:
            raise ConfigError("closed-loop control and cord motion need a single-channel program "
                              f"(this one has {len(train.channels)} channels)", key="program.closed_loop")
        self.inner = RecruitStream(train, fibers, rng, duration_s, params=params, perception=perception,
                                   record_s=record_s)
        self.train, self.fibers, self.loop, self.motion = train, fibers, loop, motion
        self.ecap_rng = ecap_rng
        self.t_s = 0.0
        self.n_dc = fibers.n_dc
        self.base = self.inner.fib.coupling.copy()
        self.i_prog = float(train.program.amplitude_ma)
        lp = loop or ClosedLoop(enabled=False)
        self.lp = lp
        self.max_ma = lp.max_ma if lp.max_ma is not None else 2.0 * self.i_prog
        self.min_ma = lp.min_ma
        base_csf = fibers.anatomy.csf_mm
        lo, hi = motion.csf_range_mm(base_csf) if motion else (base_csf, base_csf)
        grid = motion.grid_mm if motion else 0.1
        self.table = DriveTable(fibers, train.channels, params.af_rheobase_mv, lo, hi, grid)
        ch = train.channels[0]
        w = fibers.contact_weights(ch.cathodes, ch.anodes)
        stim = [int(c) for c in np.flatnonzero(w)]
        cat, ano = [c for c in stim if w[c] > 0], [c for c in stim if w[c] < 0]
        rec = record_contact(lp, cat, ano, fibers.n_contacts)
        self.record_contact = rec
        self.contacts = [c for c in range(fibers.n_contacts) if c not in stim]
        self.rec_row = self.contacts.index(rec)
        ep = ecap or EcapParams()
        if lp.noise_uv is not None:
            ep = ep.model_copy(update={"noise_uv": lp.noise_uv})
        peak = self.table.drive.max(axis=0)[0, : self.n_dc] * max(self.max_ma, self.i_prog)
        active = peak >= ACTIVE_DRIVE_FRACTION * fibers.threshold_factor[: self.n_dc]
        step = max(1, int(round(ECAP_GRID_MM / grid)))
        self.ecap_idx = list(range(0, self.table.grid_mm.size, step))
        if self.ecap_idx[-1] != self.table.grid_mm.size - 1:
            self.ecap_idx.append(self.table.grid_mm.size - 1)
        self.ecap_models = [EcapModel(self.table.populations[i], w, self.contacts, ep, active) for i in self.ecap_idx]
        self.ecap_grid = self.table.grid_mm[self.ecap_idx]
        self.t_ms = self.ecap_models[0].t_ms
        base_i = int(np.argmin(np.abs(self.ecap_grid - base_csf)))
        top = np.argsort(self.base[0, : self.n_dc])[::-1][:SCALE_FIBRES]
        self.shape_uv = self.ecap_models[base_i].templates[top, self.rec_row].sum(axis=0)
        self.detector: Detector | None = None
        self._calib_sum: np.ndarray | None = None
        self._calib_n = 0
        self.current = self.i_prog
        self.err_prev = 0.0
        self.log = LoopLog(perception_ma=thresholds_ma[0], discomfort_ma=thresholds_ma[1])
        self.log.target_uv = lp.target_uv if lp.target_uv is not None else float("nan")
        self.log.trace_t_ms, self.log.trace_contacts, self.log.record_contact = self.t_ms, self.contacts, rec
        self._snap = sorted(float(s) for s in snapshot_s)
        self._t_prev: float | None = None

    # -- pieces ------------------------------------------------------------------------------
    def _templates(self, csf: float) -> tuple[int, float]:
        g = self.ecap_grid
        x = min(max(csf, g[0]), g[-1])
        if g.size == 1:
            return 0, 0.0
        i = min(int(np.searchsorted(g, x, "right")) - 1, g.size - 2)
        return i, (x - g[i]) / (g[i + 1] - g[i])

    def _record(self, fired: np.ndarray, delay_ms: np.ndarray, csf: float, end_ms: float,
                contacts: slice | int) -> tuple[np.ndarray, np.ndarray]:
        """Noise-free ECAP and recorded trace at ``contacts`` (rows of the recording contacts)."""
        i, wt = self._templates(csf)
        m0 = self.ecap_models[i]
        clean = m0.trace(fired, delay_ms)
        if wt > 0:
            clean = (1.0 - wt) * clean + wt * self.ecap_models[i + 1].trace(fired, delay_ms)
        clean = clean[contacts]
        rec = clean + m0.artefact(self.current, end_ms)
        p = m0.params
        if p.noise_uv > 0:
            rec = rec + p.noise_uv * self.ecap_rng.standard_normal(rec.shape)
        return clean, rec

    def _measure(self, rec: np.ndarray, t: float, end_ms: float) -> float:
        """The pulse's ECAP estimate (NaN while calibrating): the detector is built at the end of the
        calibration from the mean recorded trace (the fallback: the templates of the most excitable fibres)."""
        lp = self.lp
        if self.detector is None:
            if t < lp.calibrate_s:
                self._calib_sum = rec.copy() if self._calib_sum is None else self._calib_sum + rec
                self._calib_n += 1
                return float("nan")
            m0 = self.ecap_models[0]
            shape = None
            if self._calib_n:
                avg = self._calib_sum / self._calib_n
                floor = 3.0 * m0.params.noise_uv / math.sqrt(self._calib_n) + 1e-9
                if float(m0.amplitude(avg - m0.artefact(self.i_prog, end_ms), end_ms)[0]) > floor:
                    shape = avg - m0.artefact(self.i_prog, end_ms)
            if shape is None:
                shift = int(round(end_ms * m0.params.sample_khz))
                shape = np.zeros_like(self.shape_uv)
                shape[shift:] = self.shape_uv[: shape.size - shift]
            self.detector = Detector(shape, m0, end_ms)
            if self.log.target_uv != self.log.target_uv:  # NaN: calibrate the target
                self.log.target_uv = self.detector.amplitude(shape) if self._calib_n else self.detector.amplitude(rec)
        return self.detector.amplitude(rec)

    def _control(self, amp_uv: float, dt: float) -> None:
        lp = self.lp
        if not lp.enabled or amp_uv != amp_uv:
            return
        e = (self.log.target_uv - amp_uv) / self.log.target_uv
        d = self.i_prog * (lp.kp * (e - self.err_prev) + lp.ki_per_s * e * dt)
        lim = lp.slew_ma_per_s * dt
        d = min(max(d, -lim), lim)
        self.err_prev = e
        self.current = min(max(self.current + d, self.min_ma), self.max_ma)

    # -- the RecruitStream interface -----------------------------------------------------------
    def advance(self, t_end_s: float, *, deliver: bool = True, roots: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """As :meth:`RecruitStream.advance`, one pulse at a time."""
        t_end_s = min(float(t_end_s), self.inner.duration_s)
        if t_end_s <= self.t_s:
            return np.zeros(0), np.zeros(0, dtype=np.int64)
        onsets, ends, qs = [], [], []
        for ch in self.train.chunks(self.t_s, t_end_s, max_pulses=100_000):
            if ch.n_pulses == 0:
                continue
            local = ch.pulse - ch.first_pulse
            cath = ch.current_ma < 0
            q = np.bincount(local[cath], weights=-ch.current_ma[cath] * ch.width_s[cath], minlength=ch.n_pulses)
            end = np.zeros(ch.n_pulses)
            np.maximum.at(end, local[cath], ch.start_s[cath] + ch.width_s[cath])
            onsets.append(ch.onset_s)
            ends.append(end - ch.onset_s)
            qs.append(q)
        if not onsets:
            self.inner.advance(t_end_s, deliver=False)
            self.t_s = t_end_s
            return np.zeros(0), np.zeros(0, dtype=np.int64)
        onset, end_rel, q = np.concatenate(onsets), np.concatenate(ends), np.concatenate(qs)
        bounds = np.append(onset[1:], t_end_s)
        out_t, out_f = [], []
        coup = self.inner.fib.coupling
        log = self.log
        if onset[0] > self.t_s:
            self.inner.advance(onset[0], deliver=False)  # nothing delivered before the first pulse
        for k in range(onset.size):
            t = float(onset[k])
            csf = float(self.motion.csf_mm(self.fibers.anatomy.csf_mm, np.array([t]))[0]) if self.motion \
                else self.fibers.anatomy.csf_mm
            drive = self.table.at(csf)
            gain = self.current / self.i_prog
            coup[...] = drive * gain
            ts, fs = self.inner.advance(float(bounds[k]), roots=True)
            dc = fs < self.n_dc
            fired, delay_ms = fs[dc], (ts[dc] - t) * 1e3
            end_ms = float(end_rel[k]) * 1e3
            snap = bool(self._snap) and t >= self._snap[0]
            clean, rec = self._record(fired, delay_ms, csf, end_ms, slice(None) if snap else self.rec_row)
            if snap:
                key = self._snap.pop(0)
                log.snapshots[key], log.clean_snapshots[key] = rec, clean
                clean, rec = clean[self.rec_row], rec[self.rec_row]
            amp = self._measure(rec, t, end_ms)
            amp_true = float(self.ecap_models[0].amplitude(clean, end_ms)[0]) if fired.size else 0.0
            log.t_s.append(t)
            log.csf_mm.append(csf)
            log.current_ma.append(self.current)
            log.ecap_uv.append(amp)
            log.ecap_true_uv.append(amp_true)
            log.volley.append(int(np.unique(fired).size))
            log.scale.append(effective_scale(drive[0], self.base[0], self.n_dc))
            log.charge_uc.append(float(q[k]) * gain * 1e3)  # mA s -> µC
            dt = t - self._t_prev if self._t_prev is not None else 1.0 / max(self.train.pulses_per_s, 1e-9)
            self._control(amp, dt)
            self._t_prev = t
            if deliver:
                keep = slice(None) if roots else dc
                out_t.append(ts[keep])
                out_f.append(fs[keep])
        coup[...] = self.base
        self.t_s = t_end_s
        if not out_t:
            return np.zeros(0), np.zeros(0, dtype=np.int64)
        t_all, f_all = np.concatenate(out_t), np.concatenate(out_f)
        order = np.lexsort((f_all, t_all))
        return t_all[order], f_all[order]

    def result(self):
        """The :class:`~scs_sim.fibers.recruitment.Recruitment` of the run so far."""
        return self.inner.result()
