"""Recovery cycle and pulse trains: the fast fibre against the double-cable MRG axon.

``protocol_mrg_trains`` measures, on the agreement fibres (:func:`scs_sim.validation.protocols_biophysical.study_fibers`,
no noise), the threshold of a biphasic 100 µs test pulse (a) ``DELAYS_MS`` after one conditioning pulse (the
recovery cycle: refractoriness, superexcitability, late subexcitability) and (b) in place of pulse ``n`` of a
train at ``TRAIN_RATES_HZ`` (pulses 1 .. n-1 conditioning), for ``n`` in ``TRAIN_PULSES`` and at the end of a
``TRAIN_MS`` train, each as a ratio of the fibre's resting threshold. Conditioning pulses are ``CONDITIONING`` x
the model's own resting threshold (every MRG conditioning pulse fires at these rates; the count is reported).

MRG thresholds are bisections from the saved fibre state (the conditioning run is done once). The fast model is
deterministic and its threshold at a phase onset is explicit in its state (docs/MODEL.md §2.1): the test pulse
fires when ``u (1 - e) + v e >= theta`` with ``e = exp(-pw / tau)``, so the ratio is ``(theta - v e) / theta0``
after the gap decay (:func:`fast_state_ratio`; tests/test_trains.py checks it against bisection of
:func:`scs_sim.fibers.recruitment.recruit`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np

__all__ = ["CONDITIONING", "DELAYS_MS", "EXPERIMENT_SPECS", "TABLE", "TRAIN_RATES_HZ", "fast_cycle", "fast_fractions",
           "fast_state_ratio", "fit_excitability", "mrg_cycle", "mrg_fractions", "one_fiber", "protocol_mrg_trains",
           "train_points"]

PW_MS = 0.1
CONDITIONING = 2.0
DELAYS_MS = (1.0, 1.5, 2.0, 3.0, 5.0, 7.0, 10.0, 15.0, 20.0, 30.0, 50.0, 70.0, 100.0)
TRAIN_RATES_HZ = (20.0, 50.0, 100.0, 200.0, 455.0, 1000.0)
TRAIN_PULSES = (2, 5, 20)
TRAIN_MS = 200.0
QUICK_DELAYS_MS = (1.0, 3.0, 30.0)
QUICK_RATES_HZ = (50.0, 455.0)


def train_points(rate_hz: float) -> list[int]:
    """Test-pulse positions (1-based pulse numbers) in a train: :data:`TRAIN_PULSES` and the end of ``TRAIN_MS``."""
    n_end = int(round(TRAIN_MS * 1e-3 * rate_hz)) + 1
    return sorted({n for n in TRAIN_PULSES if n < n_end} | {n_end})


def one_fiber(pop, f: int):
    """The population ``pop`` reduced to its fibre ``f`` (the fast model's one-fibre run)."""
    fields = {x.name: getattr(pop, x.name)[[f]] for x in dataclasses.fields(pop) if x.name != "anatomy"}
    return dataclasses.replace(pop, **fields)


def _pulse(t_ms: float, amp: float):
    return [t_ms, t_ms + PW_MS], [PW_MS, PW_MS], [-amp, amp]


def mrg_cycle(pop, f: int, delays=DELAYS_MS, rates=TRAIN_RATES_HZ, rel_tol: float = 5e-3) -> dict:
    """The double-cable MRG axon standing in for fibre ``f``: resting threshold (mA), recovery-cycle and train ratios."""
    from scs_sim.fibers import biophysical_dcable as dc

    p = dc.DCableParams()
    cab, ve = dc.population_fiber(pop, f, p)
    kin = dc.node_kinetics(p.celsius)

    def copy(st):
        return dc.DCState(*(np.array(a, copy=True) for a in st))

    def fires(st, amp):
        t0 = float(st.t_now[0])
        s, w, c = _pulse(t0, amp)
        return dc.dcable_run(ve, cab, kin, s, w, c, t_stop_ms=t0 + 3.0, params=p, state=copy(st))[0].size > 0

    def threshold(st, start):
        lo, hi = 0.0, start
        while not fires(st, hi):
            lo, hi = hi, hi * 1.3
        while hi - lo > rel_tol * hi:
            mid = 0.5 * (lo + hi)
            lo, hi = (lo, mid) if fires(st, mid) else (mid, hi)
        return hi

    thr = threshold(dc.dcable_rest(cab, kin), 1.0)
    s, w, c = _pulse(0.0, CONDITIONING * thr)
    st, recovery = dc.dcable_rest(cab, kin), []
    n_cond = dc.dcable_run(ve, cab, kin, s, w, c, t_stop_ms=delays[0], params=p, state=st)[0].size
    for d in delays:
        st = dc.dcable_run(ve, cab, kin, [], [], [], t_stop_ms=d, params=p, state=st)[1]
        recovery.append(threshold(st, thr) / thr)
    trains, fired = {}, {}
    for rate in rates:
        period = 1e3 / rate
        st, done, row, nsp = dc.dcable_rest(cab, kin), 0, [], 0
        for n in train_points(rate):
            s, w, c = [], [], []
            for j in range(done, n - 1):
                a, b, e = _pulse(j * period, CONDITIONING * thr)
                s, w, c = s + a, w + b, c + e
            out, st = dc.dcable_run(ve, cab, kin, s, w, c, t_stop_ms=(n - 1) * period, params=p, state=st)
            nsp, done = nsp + out.size, n - 1
            row.append(threshold(st, thr) / thr)
        trains[rate], fired[rate] = row, (nsp, done)
    return {"threshold_ma": thr, "recovery": recovery, "recovery_conditioning_fired": n_cond, "trains": trains,
            "conditioning_fired": fired}


#: Constant-amplitude trains: amplitudes (x the resting threshold), train length and the late window, ms.
FRACTION_MULTIPLES = (1.05, 1.1)
FRACTION_TRAIN_MS = 200.0
FRACTION_LATE_MS = 100.0


def _late_fraction(spike_times_ms: np.ndarray, rate: float) -> float:
    """Fraction of the pulses with onsets in [FRACTION_LATE_MS, FRACTION_TRAIN_MS) that fired."""
    period = 1e3 / rate
    k0, k1 = math.ceil(FRACTION_LATE_MS / period - 1e-9), math.ceil(FRACTION_TRAIN_MS / period - 1e-9)
    hit = np.unique(np.floor(np.asarray(spike_times_ms) / period + 1e-9).astype(int))
    return float(np.count_nonzero((hit >= k0) & (hit < k1)) / (k1 - k0))


def mrg_fractions(pop, f: int, thr: float, rates=TRAIN_RATES_HZ, multiples=FRACTION_MULTIPLES) -> dict:
    """MRG: late firing fraction of constant-amplitude trains at ``multiples`` x the resting threshold ``thr``."""
    from scs_sim.fibers import biophysical_dcable as dc

    p = dc.DCableParams()
    cab, ve = dc.population_fiber(pop, f, p)
    kin = dc.node_kinetics(p.celsius)
    out = {}
    for k in multiples:
        row = []
        for rate in rates:
            n = math.ceil(FRACTION_TRAIN_MS * rate * 1e-3 - 1e-9)
            ph = [_pulse(j * 1e3 / rate, k * thr) for j in range(n)]
            s, w, c = (sum((x[i] for x in ph), []) for i in range(3))
            t = dc.dcable_run(ve, cab, kin, s, w, c, t_stop_ms=FRACTION_TRAIN_MS, params=p)[0]
            row.append(_late_fraction(t, rate))
        out[k] = row
    return out


def fast_fractions(pop1, params, rates=TRAIN_RATES_HZ, multiples=FRACTION_MULTIPLES) -> dict:
    """:func:`mrg_fractions` for the fast model (one-fibre population, no noise)."""
    from scs_sim.fibers.recruitment import recruit
    from scs_sim.stim.programs import high_frequency, pulse_train

    ep = params.model_copy(update={"noise_sd": 0.0})
    c = float(pop1.channel_coupling()[0])
    thr = ep.af_rheobase_mv * float(pop1.threshold_factor[0]) / (c * -math.expm1(-PW_MS / ep.tau_ms))
    out = {}
    for k in multiples:
        row = []
        for rate in rates:
            prog = high_frequency(amplitude_ma=k * thr, frequency_hz=rate, pulse_width_us=PW_MS * 1e3)
            r = recruit(pulse_train(prog), pop1, np.random.default_rng(0), FRACTION_TRAIN_MS * 1e-3, params=ep)
            row.append(_late_fraction(r.spikes(0) * 1e3, rate))
        out[k] = row
    return out


def fast_state_ratio(stream, t0_s: float) -> float:
    """Threshold of a cathodic ``PW_MS`` phase at ``t0_s`` ÷ the resting threshold, from a one-fibre
    :class:`~scs_sim.fibers.recruitment.RecruitStream`'s state (no noise; after the absolute refractory period)."""
    k, st, th0 = stream.prm, stream.state, float(stream.fib.theta0[0])
    gap = t0_s - float(st.t_now_s[0])
    if st.ref_end_s[0] >= t0_s:
        return math.inf
    g = lambda tau: math.exp(-gap / tau)  # noqa: E731
    a, w, r = st.a[0] * g(k.tau_a_s), st.w[0] * g(k.tau_f_s), st.r[0] * g(k.tau_rr_s)
    b, x, v = st.b[0] * g(k.tau_b_s), st.x[0] * g(k.tau_x_s), st.v[0] * g(k.tau_s)
    theta = th0 * (1.0 + a) * (1.0 + r) * (1.0 + b) / (1.0 + x) * (1.0 - k.f_max * w / (1.0 + w))
    e = math.exp(-PW_MS * 1e-3 / k.tau_s)
    return (theta - v * e) / th0


def fast_cycle(pop1, params, delays=DELAYS_MS, rates=TRAIN_RATES_HZ) -> dict:
    """:func:`mrg_cycle` for the fast model on a one-fibre population ``pop1`` (its state read, no bisection)."""
    from scs_sim.fibers.recruitment import RecruitStream
    from scs_sim.stim.programs import high_frequency, pulse_train

    ep = params.model_copy(update={"noise_sd": 0.0})
    c = float(pop1.channel_coupling()[0])
    thr = ep.af_rheobase_mv * float(pop1.threshold_factor[0]) / (c * -math.expm1(-PW_MS / ep.tau_ms))

    def stream(rate, t_end_ms):
        prog = high_frequency(amplitude_ma=CONDITIONING * thr, frequency_hz=rate, pulse_width_us=PW_MS * 1e3)
        s = RecruitStream(pulse_train(prog), pop1, np.random.default_rng(0), t_end_ms * 1e-3 + 1e-3, params=ep)
        s.advance(t_end_ms * 1e-3, deliver=False)
        return s

    one = stream(1.0, 1e-3)  # one conditioning pulse at t = 0 (rate 1 Hz: the next one is at 1 s)
    recovery = [fast_state_ratio(one, d * 1e-3) for d in delays]
    trains = {}
    for rate in rates:
        period = 1e3 / rate
        trains[rate] = [fast_state_ratio(stream(rate, (n - 1) * period - 1e-6), (n - 1) * period * 1e-3)
                        for n in train_points(rate)]
    return {"threshold_ma": thr, "recovery": recovery, "trains": trains}


def _vector(cyc: dict) -> np.ndarray:
    return np.array(list(cyc["recovery"]) + [v for r in sorted(cyc["trains"]) for v in cyc["trains"][r]])


#: The terms :func:`fit_excitability` fits by default, and their bounds (superexcitability: a 1-15 ms process).
FIT_KEYS = ("subexcitability_inc", "subexcitability_tau_ms", "superexcitability_inc", "superexcitability_tau_ms")
FIT_BOUNDS = ((0.0, 5.0, 0.0, 1.0), (0.2, 200.0, 1.0, 15.0))
FIT_STARTS = ((0.02, 30.0, 0.1, 5.0), (0.05, 60.0, 0.3, 3.0))
#: The existing slow per-spike accommodation (its time constant is shared with the kHz accommodation).
ACCOMMODATION_KEYS = ("accommodation_spike_inc", "accommodation_tau_ms")
ACCOMMODATION_BOUNDS = ((0.0, 5.0), (0.2, 2000.0))
ACCOMMODATION_STARTS = ((0.02, 30.0), (0.005, 100.0))
#: Train rates of the fit: up to 200 Hz. At 455 Hz and 1 kHz the fast model's kHz accommodation
#: (``accommodation_khz_inc``, calibrated to kHz firing, not refitted here) dominates its train thresholds.
FIT_RATES_HZ = (20.0, 50.0, 100.0, 200.0)


def fit_excitability(pop1, mrg_rows: list[dict], base, keys=FIT_KEYS, bounds=FIT_BOUNDS, starts=FIT_STARTS) -> dict:
    """Least squares (log threshold ratios; every MRG fibre's recovery cycle and train points at
    :data:`FIT_RATES_HZ`, equally weighted) of the fast model's parameters ``keys`` (others as in ``base``) on a
    one-fibre population ``pop1``: the fast curve is the same for every DC fibre (in units of its threshold).
    Returns the fitted values, the rms and largest relative deviation, and the curves (fast at the fit, MRG
    median) at every fitted point and at all :data:`TRAIN_RATES_HZ` (``fast_all``, ``mrg_all``)."""
    from scipy.optimize import least_squares

    sub = lambda r: r | {"trains": {k: r["trains"][k] for k in FIT_RATES_HZ}}  # noqa: E731
    target = np.log(np.array([_vector(sub(r)) for r in mrg_rows]))

    def params(x):
        return base.model_copy(update=dict(zip(keys, map(float, x), strict=True)))

    def resid(x) -> np.ndarray:
        return (np.log(_vector(fast_cycle(pop1, params(x), rates=FIT_RATES_HZ)))[None, :] - target).ravel()

    best = min((least_squares(resid, x0, bounds=bounds, diff_step=1e-3, xtol=1e-4) for x0 in starts),
               key=lambda r: r.cost)
    x = [round(float(v), 4) for v in best.x]
    dev = np.exp(resid(x)) - 1.0
    return dict(zip(keys, x, strict=True)) | {
        "at_bound": [k for k, v, lo, hi in zip(keys, x, *bounds, strict=True) if min(v - lo, hi - v) < 1e-3 * hi],
        "rms_log": float(np.sqrt(np.mean(resid(x) ** 2))), "max_dev": float(np.abs(dev).max()),
        "fast": _vector(fast_cycle(pop1, params(x), rates=FIT_RATES_HZ)).round(3).tolist(),
        "mrg_median": np.exp(np.median(target, axis=0)).round(3).tolist(),
        "fast_all": _vector(fast_cycle(pop1, params(x))).round(3).tolist(),
        "mrg_all": np.median([_vector(r) for r in mrg_rows], axis=0).round(3).tolist()}


def protocol_mrg_trains(quick: bool) -> dict:
    """Fast model vs the double-cable MRG axon: recovery cycle (1-100 ms) and thresholds in 20 Hz-1 kHz trains."""
    from scs_sim.fibers.anatomy import Anatomy, build_fibers
    from scs_sim.fibers.params import ExcitationParams
    from scs_sim.validation.protocols_biophysical import study_fibers

    delays, rates = (QUICK_DELAYS_MS, QUICK_RATES_HZ) if quick else (DELAYS_MS, TRAIN_RATES_HZ)
    rows = []
    for s, f in study_fibers(quick):
        pop = build_fibers(Anatomy(), np.random.default_rng(s))
        mrg = mrg_cycle(pop, f, delays, rates)
        pop1 = one_fiber(pop, f)
        rows.append({"seed": s, "fiber": f, "mrg": mrg, "fast": fast_cycle(pop1, ExcitationParams(), delays, rates),
                     "mrg_fraction": mrg_fractions(pop, f, mrg["threshold_ma"], rates),
                     "fast_fraction": fast_fractions(pop1, ExcitationParams(), rates)})
    dev = np.array([_vector(r["fast"]) / _vector(r["mrg"]) - 1.0 for r in rows])
    end = lambda mo, rate: float(np.median([r[mo]["trains"][rate][-1] for r in rows]))  # noqa: E731
    m = {"max_dev": float(np.abs(dev).max()), "n_recovery": len(delays)}
    for rate in rates:
        m[f"mrg_end_{rate:g}hz"], m[f"fast_end_{rate:g}hz"] = end("mrg", rate), end("fast", rate)
    for mo in ("mrg", "fast"):
        for k in FRACTION_MULTIPLES:
            frac = np.mean([r[f"{mo}_fraction"][k] for r in rows], axis=0)
            m |= {f"{mo}_fraction_{k:g}x_{rate:g}hz": float(v) for rate, v in zip(rates, frac, strict=True)}
    cyc = np.array([r["mrg"]["recovery"] for r in rows])
    m["mrg_recovery_min"], m["mrg_recovery_max_late"] = float(np.median(cyc, 0).min()), float(
        np.median(cyc[:, np.asarray(delays) >= 10.0], 0).max())
    det = {"delays_ms": list(delays), "rates_hz": list(rates), "train_points": {r: train_points(r) for r in rates},
           "fibers": [{"seed": r["seed"], "fiber": r["fiber"],
                       **{mo: {"threshold_ma": r[mo]["threshold_ma"], "recovery": np.round(r[mo]["recovery"], 4).tolist(),
                               "trains": {k: np.round(v, 4).tolist() for k, v in r[mo]["trains"].items()}}
                          for mo in ("mrg", "fast")},
                       "late_fraction": {mo: r[f"{mo}_fraction"] for mo in ("mrg", "fast")}} for r in rows],
           "note": f"test pulse biphasic {PW_MS * 1e3:g} µs; conditioning {CONDITIONING:g} x own resting threshold; "
                   "ratios to the resting threshold; no noise; late_fraction: pulses firing in "
                   f"{FRACTION_LATE_MS:g}-{FRACTION_TRAIN_MS:g} ms of constant trains at {FRACTION_MULTIPLES} x the "
                   "resting threshold (metrics: mean over fibres)"}
    return {"metrics": m, "details": det, "figure": {}}


_MRG_REF = "double-cable MRG axon (McIntyre, Richardson & Grill 2002 J Neurophysiol 87:995; fibers/biophysical_dcable.py)"

#: The experiments of this module (keyword arguments of ``Experiment``; tolerances fixed before the run).
EXPERIMENT_SPECS: tuple[dict, ...] = (
    {"id": "fast_vs_mrg_trains",
     "title": "Fast fibre vs double-cable MRG axon: recovery cycle (1-100 ms) and thresholds in 20 Hz-1 kHz trains",
     "protocol": "mrg_trains", "metric": "max_dev", "kind": "design check",
     "reference": "double-cable MRG axon, same fibres", "citation": _MRG_REF, "lo": 0.0, "hi": 0.15,
     "tolerance": "test threshold ÷ resting threshold, fast/MRG - 1 within ±15 % at every delay and train point",
     "rationale": "The MRG recovery cycle shows superexcitability (~0.9 at 3-5 ms) and a late subexcitability "
                  "(~1.06 at 30 ms) that summates in 50-100 Hz trains (~1.1) and is cancelled by superexcitability "
                  "at 200-455 Hz. The fast model's defaults have neither (subexcitability_inc = "
                  "superexcitability_inc = 0: the least-squares fit of both terms, calibrate_fibre, does not reach "
                  "±5 % and would add a 200-455 Hz subexcitability the MRG lacks), and its kHz accommodation raises "
                  "its 455 Hz-1 kHz train thresholds: expected to fail.",
     "reference_value": None, "unit": "×", "quick": False, "expect_fail": True},
)

#: This module's protocols (name -> function); :mod:`scs_sim.validation.protocols` merges the tables.
TABLE: dict[str, Callable[[bool], dict]] = {"mrg_trains": protocol_mrg_trains}
