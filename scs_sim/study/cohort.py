"""Virtual cohorts: N virtual patients drawn around a spec's patient, and statistics over patients.

A comparison spec may carry a ``[sweep.cohort]`` table (docs/MODEL.md §6 "Virtual cohorts")::

    [sweep.cohort]
    patients = 16                 # N virtual patients
    seed = 1                      # optional; default: sweep.seed (patients and noise are separate streams)
    [sweep.cohort.draws]          # optional; default: DEFAULT_DRAWS
    "patient.anatomy.csf_mm" = { lognormal = 0.25, within = [1.5, 6.0] }
    "patient.anatomy.lead_offset_mm" = { normal = 1.0, within = [-3.0, 3.0] }

Each draw is a perturbation of the spec's patient value (so ``--patient thin_csf`` gives a cohort
around the thin-CSF patient): ``{ normal = SD }`` adds ``N(0, SD)``, ``{ lognormal = SIGMA }``
multiplies by ``exp(N(0, SIGMA))`` (median = the patient's value), ``{ uniform = [a, b] }`` replaces
it by ``U(a, b)``; ``within = [lo, hi]`` truncates the distribution (inverse-CDF sampling, no
rejection loop). Every virtual patient also gets its own ``patient.anatomy_seed`` (fibre population
and circuit connectivity), apart from the run's noise seed (recruitment noise, afferent spikes).

Virtual patient ``j`` depends only on (cohort seed, ``j``, the draw's key): its anatomy seed is
``SeedSequence(seed, spawn_key=(ANATOMY_TAG, j))`` and each draw has its own stream
``SeedSequence(seed, spawn_key=(ANATOMY_TAG, j, crc32(key)))``; growing N keeps the first patients,
and editing one distribution leaves the other draws alone. Every program runs on the same N patients
with the same noise seeds (common random numbers, :meth:`scs_sim.study.spec.SweepSpec.seed_for`).

Statistics (:func:`bootstrap_ci`, :func:`wilson_ci`, :func:`spread`) are computed over patients: a
patient's relief is the mean over its noise replicates.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field

import numpy as np

from scs_sim.config.overrides import check_key, get_dotted
from scs_sim.errors import ConfigError, check_keys

__all__ = [
    "Cohort",
    "Draw",
    "parse_cohort",
    "DEFAULT_DRAWS",
    "bootstrap_ci",
    "wilson_ci",
    "spread",
    "RESPONDER_PCT",
    "MAX_PATIENTS",
    "COHORT_COLUMNS",
]

#: Spawn-key tag of the patient streams ("coho"), apart from the sweep's noise seeds.
ANATOMY_TAG = 0x636F686F
#: Spawn-key tag of a virtual patient's noise seeds ("nois").
NOISE_TAG = 0x6E6F6973
#: Relief (%) at and above which a virtual patient is a responder (>= 50 % pain reduction, the
#: primary endpoint of SCS trials, e.g. SENZA-RCT, Kapural et al. 2015 Anesthesiology 123:851).
RESPONDER_PCT = 50.0
#: Most virtual patients of one cohort (a limit of the tool; the sweep's run limit applies as well).
MAX_PATIENTS = 100_000
#: Bootstrap resamples of every interval (scipy.stats.bootstrap, BCa) and their fixed seed.
N_RESAMPLES = 9999
BOOTSTRAP_SEED = 0
#: Columns every cohort row carries besides the drawn keys (see :meth:`Cohort.patient_values`).
COHORT_COLUMNS = ("cohort.point", "cohort.patient", "patient.anatomy_seed")
_KINDS = ("normal", "lognormal", "uniform")
_COHORT_KEYS = ("patients", "seed", "draws")

#: The default distributions (docs/MODEL.md §6 "Virtual cohorts" gives the sources and assumptions).
DEFAULT_DRAWS: dict[str, dict] = {
    # Dorsal CSF thickness: 2.0-6.0 mm at T11, 1.5-4.5 mm at T12 (supine), varying by more than a
    # factor of 2 between subjects (Holsheimer et al. 1994 AJNR 15:951, MRI of 26 subjects); the
    # perception threshold follows it (He et al. 1994 Pain 59:55). Sigma 0.25 is an assumption.
    "patient.anatomy.csf_mm": {"lognormal": 0.25, "within": [1.5, 6.0]},
    # Lead lateral offset from the cord's midline: spinal and vertebral midline differ by up to
    # 1.5-2.0 mm in ~40 % of images (Holsheimer et al. 1994); SD 1 mm is an assumption.
    "patient.anatomy.lead_offset_mm": {"normal": 1.0, "within": [-3.0, 3.0]},
    # Ongoing afferent drive around the Zhang 2014 "Foreman" rates: spread [assumption].
    "patient.pain.c_rate_hz": {"lognormal": 0.3, "within": [0.5, 15.0]},
    "patient.pain.abeta_rate_hz": {"lognormal": 0.3, "within": [1.0, 40.0]},
}


@dataclass(frozen=True)
class Draw:
    """One drawn key: ``kind`` (normal / lognormal / uniform), its parameter, optional bounds."""

    key: str
    kind: str
    param: tuple[float, ...]
    within: tuple[float, float] | None
    base: float
    integer: bool = False

    def as_dict(self) -> dict:
        p = list(self.param) if self.kind == "uniform" else self.param[0]
        return {"key": self.key, self.kind: p, "within": list(self.within) if self.within else None,
                "base": self.base, "integer": self.integer}

    @classmethod
    def from_dict(cls, d: dict) -> Draw:
        kind = next(k for k in _KINDS if k in d)
        p = d[kind]
        within = d.get("within")
        return cls(d["key"], kind, tuple(p) if kind == "uniform" else (float(p),),
                   tuple(within) if within else None, float(d["base"]), bool(d.get("integer", False)))

    def sample(self, u: float) -> float:
        """The value at the unit-interval sample ``u`` (inverse CDF of the truncated distribution)."""
        from scipy.special import ndtr, ndtri

        if self.kind == "uniform":
            a, b = self.param
            lo, hi = self.within or (a, b)
            a, b = max(a, lo), min(b, hi)
            x = a + u * (b - a)
        else:
            s = self.param[0]
            centre = math.log(self.base) if self.kind == "lognormal" else self.base
            if s == 0:
                x = self.base
            else:
                lo, hi = self.within or (-math.inf, math.inf)
                if self.kind == "lognormal":
                    lo = math.log(lo) if lo > 0 else -math.inf
                    hi = math.log(hi) if math.isfinite(hi) else math.inf
                p0, p1 = float(ndtr((lo - centre) / s)), float(ndtr((hi - centre) / s))
                z = float(ndtri(p0 + u * (p1 - p0)))
                x = centre + s * z
                x = math.exp(x) if self.kind == "lognormal" else x
        if self.integer:
            return int(round(x))
        return float(f"{x:.6g}")


@dataclass
class Cohort:
    """N virtual patients: the draws and the seed they come from."""

    patients: int
    seed: int
    draws: list[Draw] = field(default_factory=list)
    _values: dict = field(default_factory=dict, repr=False, compare=False)

    def as_dict(self) -> dict:
        return {"patients": self.patients, "seed": self.seed, "draws": [d.as_dict() for d in self.draws]}

    @classmethod
    def from_dict(cls, d: dict | None) -> Cohort | None:
        """The cohort of a resolved spec (:meth:`as_dict`, as a store's manifest holds it), or None."""
        if not d:
            return None
        return cls(int(d["patients"]), int(d["seed"]), [Draw.from_dict(x) for x in d.get("draws", [])])

    def anatomy_seed(self, j: int) -> int:
        ss = np.random.SeedSequence(self.seed, spawn_key=(ANATOMY_TAG, j))
        return int(ss.generate_state(1, dtype=np.uint32)[0])

    def noise_seed(self, root: int, j: int, replicate: int) -> int:
        """The noise seed (``simulation.seed``) of patient ``j``, replicate ``replicate``: the same for
        every program (common random numbers), different between patients."""
        ss = np.random.SeedSequence(root, spawn_key=(NOISE_TAG, j, replicate))
        return int(ss.generate_state(1, dtype=np.uint32)[0])

    def patient_values(self, j: int) -> dict:
        """``{dotted key: value}`` of virtual patient ``j`` (its anatomy seed and every draw)."""
        if j not in self._values:
            out: dict = {"patient.anatomy_seed": self.anatomy_seed(j)}
            for d in self.draws:
                ss = np.random.SeedSequence(self.seed, spawn_key=(ANATOMY_TAG, j, zlib.crc32(d.key.encode())))
                out[d.key] = d.sample(float(np.random.default_rng(ss).random()))
            self._values[j] = out
        return dict(self._values[j])

    def expand(self, design: list[dict]) -> list[dict]:
        """The cohort design: every base point × every patient (patients fastest)."""
        return [
            {**values, "cohort.point": i, "cohort.patient": j, **self.patient_values(j)}
            for i, values in enumerate(design)
            for j in range(self.patients)
        ]


def _num(x) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _parse_draw(key: str, spec, base: dict, file) -> Draw:
    where = f'sweep.cohort.draws."{key}"'
    forms = "{ normal = SD }, { lognormal = SIGMA } or { uniform = [a, b] }, optionally with within = [lo, hi]"
    if not key.startswith("patient.") or key in ("patient.anatomy_seed", "patient.name"):
        raise ConfigError(
            f"a cohort draws numeric patient keys (patient.anatomy.*, patient.pain.*, ...), not {key!r}",
            file=file,
            key=where,
        )
    check_key(base, key, where=where, file=file, axes={})
    value = get_dotted(base, key.split("."))
    if not _num(value):
        raise ConfigError(f"a cohort draws numbers; the patient's value is {value!r}", file=file, key=where)
    if not isinstance(spec, dict):
        raise ConfigError(f"must be {forms} (got {spec!r})", file=file, key=where)
    check_keys(spec, (*_KINDS, "within"), file=file, prefix=where)
    kinds = [k for k in _KINDS if k in spec]
    if len(kinds) != 1:
        raise ConfigError(f"give exactly one of {', '.join(_KINDS)} (got {spec!r}); {forms}", file=file, key=where)
    kind = kinds[0]
    p = spec[kind]
    if kind == "uniform":
        if not (isinstance(p, list) and len(p) == 2 and all(map(_num, p)) and p[0] < p[1]):
            raise ConfigError(f"must be two finite numbers [a, b] with a < b (got {p!r})", file=file,
                              key=f"{where}.uniform")
        param = (float(p[0]), float(p[1]))
    else:
        if not (_num(p) and p >= 0):
            raise ConfigError(f"must be a finite number >= 0 (got {p!r})", file=file, key=f"{where}.{kind}")
        param = (float(p),)
        if kind == "lognormal" and value <= 0:
            raise ConfigError(f"a lognormal draw needs a patient value > 0 (it is {value!r})", file=file,
                              key=where)
    within = spec.get("within")
    if within is not None:
        if not (isinstance(within, list) and len(within) == 2 and all(map(_num, within)) and within[0] < within[1]):
            raise ConfigError(f"must be two finite numbers [lo, hi] with lo < hi (got {within!r})", file=file,
                              key=f"{where}.within")
        within = (float(within[0]), float(within[1]))
        if kind != "uniform" and not within[0] <= value <= within[1]:
            raise ConfigError(
                f"the patient's value {value!r} is outside within = {list(within)!r}: the draw is centred on it",
                file=file, key=f"{where}.within")
        if kind == "uniform" and (within[1] <= param[0] or within[0] >= param[1]):
            raise ConfigError(f"within = {list(within)!r} does not overlap uniform = {list(param)!r}",
                              file=file, key=f"{where}.within")
    integer = isinstance(value, int)
    return Draw(key, kind, param, within, float(value), integer)


def parse_cohort(raw_sweep: dict, base: dict, axes: dict, *, default_seed: int, file=None) -> Cohort | None:
    """The :class:`Cohort` of a sweep table (``cohort`` table and ``cohort.KEY`` overrides), or None.

    ``base`` is the spec's resolved base config (the draws' centres), ``axes`` its raw axes (a drawn
    key or the whole ``patient`` cannot be an axis too).
    """
    raw = raw_sweep.get("cohort")
    flat = {k.removeprefix("cohort."): raw_sweep[k] for k in list(raw_sweep) if k.startswith("cohort.")}
    if raw is None and not flat:
        return None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"must be a table (got {raw!r})", file=file, key="sweep.cohort")
    raw = {**raw, **flat}
    check_keys(raw, _COHORT_KEYS, file=file, prefix="sweep.cohort")
    n = raw.get("patients", 1)
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_PATIENTS:
        raise ConfigError(f"must be an integer from 1 to {MAX_PATIENTS:,} (got {n!r})", file=file,
                          key="sweep.cohort.patients")
    seed = raw.get("seed", default_seed)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise ConfigError(f"must be an integer >= 0 (got {seed!r})", file=file, key="sweep.cohort.seed")
    draws_raw = raw.get("draws", DEFAULT_DRAWS)
    if not isinstance(draws_raw, dict):
        raise ConfigError(f"must be a table of dotted patient keys (got {draws_raw!r})", file=file,
                          key="sweep.cohort.draws")
    draws = [_parse_draw(k, v, base, file) for k, v in draws_raw.items()]
    drawn = {d.key for d in draws} | {"patient.anatomy_seed"}
    for axis in axes:
        if axis == "patient" or axis in drawn or any(k.startswith(axis + ".") for k in drawn):
            raise ConfigError(
                "a cohort draws its patients around the spec's patient; this axis would override the "
                f"draws ({', '.join(sorted(drawn))}): drop the axis, or set the patient with -s patient=...",
                file=file,
                key=f'sweep.axes."{axis}"',
            )
    return Cohort(patients=n, seed=seed, draws=draws)


# ---------------------------------------------------------------------------------------------------
# Statistics over patients
# ---------------------------------------------------------------------------------------------------


def bootstrap_ci(x, confidence: float = 0.95) -> tuple[float, float]:
    """95 % bootstrap interval of the mean of ``x`` over its entries (patients): BCa, percentile when
    BCa is undefined; inside ``[min(x), max(x)]`` by construction (clipped against rounding).

    Zero width when every value is equal; NaN for fewer than two finite values. Deterministic (the
    resampling seed is :data:`BOOTSTRAP_SEED`).
    """
    from scipy import stats

    a = np.asarray(x, dtype=float)
    a = a[np.isfinite(a)]
    if a.size < 2:
        return (math.nan, math.nan)
    lo, hi = float(a.min()), float(a.max())
    if lo == hi:
        return (lo, hi)
    import warnings

    ci = None
    for method in ("BCa", "percentile"):
        with warnings.catch_warnings():  # a degenerate BCa is NaN: the percentile interval is used then
            warnings.simplefilter("ignore")
            res = stats.bootstrap(
                (a,), np.mean, confidence_level=confidence, n_resamples=N_RESAMPLES, method=method,
                vectorized=True, random_state=np.random.default_rng(BOOTSTRAP_SEED),
            )
        c = (float(res.confidence_interval.low), float(res.confidence_interval.high))
        if all(math.isfinite(v) for v in c):
            ci = c
            break
    if ci is None:
        return (math.nan, math.nan)
    return (min(max(ci[0], lo), hi), min(max(ci[1], lo), hi))


def wilson_ci(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of the proportion ``k / n`` (inside [0, 1]); NaN for ``n = 0``."""
    from scipy import stats

    if n <= 0:
        return (math.nan, math.nan)
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (0.0 if k == 0 else max(0.0, centre - half), 1.0 if k == n else min(1.0, centre + half))


def spread(matrix) -> dict:
    """Where a single run's relief varies: patients × replicates ``matrix`` (NaN = missing).

    Returns ``sd_between`` (SD between patients' true relief: var of patient means minus the noise
    share, method of moments, >= 0), ``sd_within`` (SD of the spiking / recruitment noise within a
    patient: pooled over patients with >= 2 replicates; NaN without replicates) and ``between_share``
    (the patients' share of a single run's variance), all in percentage points.
    """
    m = np.asarray(matrix, dtype=float)
    means = np.array([np.nanmean(r) if np.isfinite(r).any() else np.nan for r in m])
    means = means[np.isfinite(means)]
    counts = np.isfinite(m).sum(axis=1)
    rep = m[counts >= 2]
    within_var = math.nan
    if rep.size:
        within_var = float(np.mean([np.nanvar(r, ddof=1) for r in rep]))
    between_var = float(np.var(means, ddof=1)) if means.size >= 2 else math.nan
    if math.isfinite(within_var) and math.isfinite(between_var):
        r_mean = float(np.mean(counts[counts > 0]))
        between_var = max(0.0, between_var - within_var / r_mean)
    total = between_var + within_var
    share = between_var / total if math.isfinite(total) and total > 0 else math.nan
    return {
        "sd_between": math.sqrt(between_var) if math.isfinite(between_var) else math.nan,
        "sd_within": math.sqrt(within_var) if math.isfinite(within_var) else math.nan,
        "between_share": share,
    }
