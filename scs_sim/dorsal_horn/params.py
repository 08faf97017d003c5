"""Parameters of the dorsal-horn gate network: populations, receptors, cells, pathways, presets.

No numba here: the config layer validates ``[patient.circuit]`` against these models at load time.
The equations, defaults and their sources are in ``docs/MODEL.md`` §3.
"""

from __future__ import annotations

from typing import NamedTuple

from pydantic import Field, model_validator

from scs_sim._params import Params
from scs_sim.dorsal_horn.afferents import AFFERENT_POPULATIONS
from scs_sim.errors import ConfigError, suggest

NEURON_POPULATIONS: tuple[str, ...] = ("local_in", "surround_in", "ex", "wdr")
POPULATIONS: tuple[str, ...] = AFFERENT_POPULATIONS + NEURON_POPULATIONS


class ReceptorType(NamedTuple):
    """One row of the receptor table: what the spiking kernel needs to know about a receptor type.

    Its kinetics (rise and decay time constants) are the :class:`Kinetics` field of the same name in
    :class:`Receptors`; :meth:`Receptors.table` joins both into :class:`Receptor` rows.
    """

    name: str
    #: Field of :class:`Receptors` holding the reversal potential (``e_exc_mv`` or ``e_cl_mv``).
    reversal: str
    #: Conductance multiplied by the Jahr–Stevens Mg²⁺ block B(V) (Jahr & Stevens 1990 J Neurosci 10:3178).
    mg_block: bool
    #: Keyword of the spiking ``run`` that multiplies every conductance of this type, or None.
    scale: str | None


#: The receptor table, in kernel order (row k of every per-receptor array is ``RECEPTOR_TYPES[k]``).
RECEPTOR_TYPES: tuple[ReceptorType, ...] = (
    ReceptorType("ampa", "e_exc_mv", False, None),
    ReceptorType("nmda", "e_exc_mv", True, "nmda_scale"),
    ReceptorType("nk1_ex", "e_exc_mv", False, None),
    ReceptorType("nk1_wdr", "e_exc_mv", False, None),
    ReceptorType("gaba_a", "e_cl_mv", False, "gaba_scale"),
    ReceptorType("glycine", "e_cl_mv", False, "glycine_scale"),
    # the slow_inhibition mechanism only (no preset pathway names it): GABA_B, K⁺ reversal
    ReceptorType("gaba_b", "e_k_mv", False, "gaba_b_scale"),
)
#: Receptor names, in kernel order.
RECEPTORS: tuple[str, ...] = tuple(r.name for r in RECEPTOR_TYPES)
#: The ``run`` keywords that scale receptor conductances (``nmda_scale``, ``gaba_scale``, ...).
RECEPTOR_SCALES: tuple[str, ...] = tuple(r.scale for r in RECEPTOR_TYPES if r.scale is not None)
#: Population sizes of the published network (Zhang 2014): the reference in-degrees for weight scaling.
ZHANG_SIZES: dict[str, int] = {
    "abeta": 15, "adelta": 15, "c": 30, "dc": 15, "local_in": 1, "surround_in": 1, "ex": 1, "wdr": 1,
}
#: Fitted gain of EX → WDR over the published weights (point WDR without dendritic amplification;
#: gives a C-component and NMDA-dependent wind-up; an assumption, see docs/MODEL.md).
EX_WDR_GAIN = 8.0

# ----------------------------------------------------------------------------------------------
# parameter models
# ----------------------------------------------------------------------------------------------
class Kinetics(Params):
    """Dual-exponential synaptic kinetics: g(t) ∝ exp(−t/τ_decay) − exp(−t/τ_rise), peak-normalised."""

    tau_rise_ms: float = Field(gt=0, description="Rise time constant (ms).")
    tau_decay_ms: float = Field(gt=0, description="Decay time constant (ms); must exceed the rise.")


class Receptor(NamedTuple):
    """A receptor row with its values: name, reversal (mV), rise and decay (ms), Mg block, scale keyword."""

    name: str
    reversal_mv: float
    tau_rise_ms: float
    tau_decay_ms: float
    mg_block: bool
    scale: str | None


class Receptors(Params):
    """Receptor kinetics and reversal potentials (Zhang, Janik & Grill 2014 J Neurophysiol 112:552,
    published code ModelDB 168414; docs/MODEL.md §3 "Synapses").

    One :class:`Kinetics` field per row of :data:`RECEPTOR_TYPES` (same name); :meth:`table` gives the
    rows with their values in kernel order.
    """

    ampa: Kinetics = Kinetics(tau_rise_ms=0.1, tau_decay_ms=5.0)
    nmda: Kinetics = Kinetics(tau_rise_ms=2.0, tau_decay_ms=100.0)
    nk1_ex: Kinetics = Kinetics(tau_rise_ms=100.0, tau_decay_ms=3000.0)
    nk1_wdr: Kinetics = Kinetics(tau_rise_ms=200.0, tau_decay_ms=3000.0)
    gaba_a: Kinetics = Kinetics(tau_rise_ms=0.1, tau_decay_ms=20.0)
    glycine: Kinetics = Kinetics(tau_rise_ms=0.1, tau_decay_ms=10.0)
    #: GABA_B slow IPSC (Otis, De Koninck & Mody 1993 J Physiol 463:391: rise tens of ms, decay ~200 ms).
    gaba_b: Kinetics = Kinetics(tau_rise_ms=40.0, tau_decay_ms=200.0)
    e_exc_mv: float = Field(0.0, description="Reversal of AMPA, NMDA, NK1 (mV).")
    e_cl_mv: float = Field(-70.0, ge=-100, le=0, description="Chloride reversal of GABA_A and glycine (mV).")
    mg_mm: float = Field(1.0, ge=0, description="Extracellular Mg²⁺ for the NMDA block (mM).")
    e_k_mv: float = Field(-95.0, ge=-120, le=-50, description="K⁺ reversal of GABA_B (mV; Destexhe, Mainen & "
                          "Sejnowski 1998 in Methods in Neuronal Modeling).")

    def table(self, e_cl_mv: float | None = None) -> tuple[Receptor, ...]:
        """The receptor table with this parameter set's values, in kernel order.

        ``e_cl_mv`` overrides the chloride reversal (disinhibition).

        Examples
        --------
        >>> Receptors().table()[1]
        Receptor(name='nmda', reversal_mv=0.0, tau_rise_ms=2.0, tau_decay_ms=100.0, mg_block=True, scale='nmda_scale')
        """
        rev = {"e_exc_mv": self.e_exc_mv, "e_cl_mv": self.e_cl_mv if e_cl_mv is None else e_cl_mv,
               "e_k_mv": self.e_k_mv}
        rows = []
        for r in RECEPTOR_TYPES:
            k = getattr(self, r.name)
            rows.append(Receptor(r.name, rev[r.reversal], k.tau_rise_ms, k.tau_decay_ms, r.mg_block, r.scale))
        return tuple(rows)


class AdEx(Params):
    """Adaptive exponential integrate-and-fire point neuron (Brette & Gerstner 2005)."""

    c_pf: float = Field(gt=0, description="Membrane capacitance (pF).")
    g_l_ns: float = Field(gt=0, description="Leak conductance (nS).")
    e_l_mv: float = Field(description="Leak reversal (mV).")
    v_t_mv: float = Field(description="Exponential threshold V_T (mV).")
    delta_t_mv: float = Field(gt=0, description="Slope factor Δ_T (mV).")
    v_peak_mv: float = Field(description="Spike detection / cut-off (mV).")
    v_reset_mv: float = Field(description="Reset potential (mV).")
    t_ref_ms: float = Field(ge=0, description="Absolute refractory period, V clamped at reset (ms).")
    a_ns: float = Field(ge=0, description="Subthreshold adaptation conductance (nS).")
    b_pa: float = Field(ge=0, description="Spike-triggered adaptation increment (pA).")
    tau_w_ms: float = Field(gt=0, description="Adaptation time constant (ms).")


class Can(Params):
    """WDR calcium variable and calcium-activated non-selective cation current (wind-up).

    dCa/dt = −Ca/τ_Ca + k_NMDA·max(−I_NMDA, 0) (+ k_spike per spike);
    g_CAN = ḡ_CAN · Ca / (Ca + K_half), reversal E_CAN.
    """

    g_max_ns: float = Field(ge=0, description="Maximal CAN conductance (nS).")
    e_mv: float = Field(0.0, description="CAN reversal (mV), non-selective cation.")
    tau_ca_ms: float = Field(gt=0, description="Calcium decay time constant (ms).")
    per_nmda_charge: float = Field(ge=0, description="Ca increment per pC of inward NMDA charge (1/pC).")
    per_spike: float = Field(ge=0, description="Ca increment per WDR spike.")
    k_half: float = Field(gt=0, description="Half-activation of CAN by Ca (same units as Ca).")


class Stp(Params):
    """Tsodyks–Markram short-term depression on the DC collateral synapses (Rogers 2024)."""

    u: float = Field(gt=0, le=1, description="Utilisation U: fraction of resources used per spike.")
    tau_rec_ms: float = Field(gt=0, description="Recovery time constant (ms).")


class Presynaptic(Params):
    """Presynaptic GABA_B inhibition of primary-afferent release (the ``slow_inhibition`` mechanism).

    Every Aβ/Aδ/C spike's release onto neuron i is scaled by 1 − max_fraction · g_B,i / (g_B,i + k_half_ns),
    with g_B,i the neuron's GABA_B conductance (a proxy for GABA_B activation at the terminals on it).
    """

    max_fraction: float = Field(ge=0, le=1, description="Largest fraction of release removed.")
    k_half_ns: float = Field(gt=0, description="GABA_B conductance of half effect (nS).")


class Pathway(Params):
    """A projection: pre → post with one weight per receptor (published per-synapse value, nS)."""

    pre: str = Field(description="Presynaptic population.")
    post: str = Field(description="Postsynaptic neuron population.")
    probability: float = Field(gt=0, le=1, description="Connection probability per (pre, post) pair.")
    weights_ns: dict[str, float] = Field(description="Receptor → per-synapse peak conductance (nS).")
    contacts: float = Field(1.0, gt=0, description="Synapses per connection (weight multiplier).")
    gain: float = Field(
        1.0, gt=0, description="Fitted multiplier on top of the published weight (assumption; 1 = published)."
    )


class TargetScale(Params):
    """Per-target multipliers of the published weights (fitted: point neurons, an assumption)."""

    local_in: float = Field(1.0, gt=0, description="Multiplier of every weight onto local INs.")
    surround_in: float = Field(1.0, gt=0, description="Multiplier of every weight onto surround INs.")
    ex: float = Field(0.3, gt=0, description="Multiplier of every weight onto EX cells (fitted).")
    wdr: float = Field(0.8, gt=0, description="Multiplier of every weight onto WDR cells (fitted).")


#: Connection probabilities of the ``segment`` preset (afferent → neuron, neuron → neuron); assumption.
SEGMENT_P_AFFERENT = 0.25
SEGMENT_P_NEURON = 0.25


def _pw(pre: str, post: str, p: float, contacts: float = 1.0, gain: float = 1.0, **w: float) -> Pathway:
    return Pathway(pre=pre, post=post, probability=p, weights_ns=w, contacts=contacts, gain=gain)


def zhang_pathways(p_afferent: float = 1.0, p_neuron: float = 1.0, surround: bool = True) -> dict[str, Pathway]:
    """The published Zhang 2014 projections and per-synapse weights (µS × 1000 = nS): Zhang, Janik &
    Grill 2014 J Neurophysiol 112:552, from the network files of its published code (ModelDB 168414);
    table in docs/MODEL.md §3 "Projections".

    ``p_afferent``/``p_neuron`` are the connection probabilities (1 = all-to-all as published);
    ``surround=False`` sets the surround-IN weights to 0 (the Wind-Up directory of the code).
    Aδ → local IN has weight 0 in the published code and is omitted.
    """
    s = 1.0 if surround else 0.0
    return {
        "abeta_local_in": _pw("abeta", "local_in", p_afferent, ampa=0.97067),
        "abeta_wdr": _pw("abeta", "wdr", p_afferent, ampa=1.6, nmda=0.066667),
        "adelta_wdr": _pw("adelta", "wdr", p_afferent, ampa=1.6, nmda=0.066667),
        "dc_surround_in": _pw("dc", "surround_in", p_afferent, ampa=1.3333),
        "c_ex": _pw("c", "ex", p_afferent, ampa=8.0, nmda=4.0, nk1_ex=6.6667e-4),
        "c_wdr": _pw("c", "wdr", p_afferent, nk1_wdr=4.5e-4),
        "ex_wdr": _pw("ex", "wdr", p_neuron, contacts=30.0, gain=EX_WDR_GAIN, ampa=0.012, nmda=0.0096),
        "local_in_ex": _pw("local_in", "ex", p_neuron, gaba_a=5.32),
        "local_in_wdr": _pw("local_in", "wdr", p_neuron, glycine=5.32, gaba_a=5.32),
        "surround_in_ex": _pw("surround_in", "ex", p_neuron, gaba_a=7.315 * s),
        "surround_in_wdr": _pw("surround_in", "wdr", p_neuron, contacts=2.0, gaba_a=7.315 * s),
    }


def _segment_pathways() -> dict[str, Pathway]:
    return zhang_pathways(SEGMENT_P_AFFERENT, SEGMENT_P_NEURON)


_SG = dict(c_pf=50.0, g_l_ns=2.5, e_l_mv=-70.0, v_t_mv=-52.0, delta_t_mv=2.0, v_peak_mv=0.0,
           v_reset_mv=-60.0, t_ref_ms=2.0, a_ns=0.0, b_pa=0.0, tau_w_ms=50.0)


class CircuitParams(Params):
    """Every parameter of the dorsal-horn gate network (sizes, connectivity, weights, cells).

    The defaults are the ``segment`` preset; ``preset("zhang2014")`` gives the published network.
    """

    n_abeta: int = Field(60, ge=0, description="Local receptive-field Aβ fibres.")
    n_adelta: int = Field(60, ge=0, description="Aδ fibres.")
    n_c: int = Field(120, ge=0, description="C fibres.")
    n_dc: int = Field(100, ge=0, description="SCS-recruitable dorsal-column collateral sources.")
    n_local_in: int = Field(30, ge=1, description="Local inhibitory interneurons.")
    n_surround_in: int = Field(30, ge=1, description="Surround inhibitory interneurons.")
    n_ex: int = Field(50, ge=1, description="Excitatory interneurons.")
    n_wdr: int = Field(40, ge=1, description="WDR projection neurons.")
    coverage: float = Field(
        0.0, ge=0, le=1,
        description="Fraction of dc sources in the painful field (the first ones) for networks built without fibre "
        "positions; a run uses the positions and the painful area instead (docs/MODEL.md §3.6).")
    dc_full_volley: int | None = Field(
        25, ge=1, description="Number of dc sources whose synchronous spikes deliver the published Zhang SCS "
        "volley (normalises the dc weights; None: all n_dc sources). Assumption, see docs/MODEL.md.")
    pathways: dict[str, Pathway] = Field(default_factory=_segment_pathways, description="Projections by name.")
    target_scale: TargetScale = TargetScale()
    receptors: Receptors = Receptors()
    delay_ms: float = Field(1.0, gt=0, description="Synaptic delay of every synapse (ms), Zhang 2014.")
    dc_stp: Stp = Stp(u=0.3, tau_rec_ms=40.0)
    local_in: AdEx = AdEx(**_SG)
    surround_in: AdEx = AdEx(**_SG)
    ex: AdEx = AdEx(c_pf=50.0, g_l_ns=2.5, e_l_mv=-65.0, v_t_mv=-50.0, delta_t_mv=2.0, v_peak_mv=0.0,
                    v_reset_mv=-58.0, t_ref_ms=2.0, a_ns=0.5, b_pa=10.0, tau_w_ms=100.0)
    wdr: AdEx = AdEx(c_pf=150.0, g_l_ns=7.5, e_l_mv=-65.0, v_t_mv=-50.0, delta_t_mv=2.0, v_peak_mv=0.0,
                     v_reset_mv=-58.0, t_ref_ms=2.0, a_ns=1.0, b_pa=20.0, tau_w_ms=150.0)
    wdr_can: Can = Can(g_max_ns=5.0, tau_ca_ms=3000.0, per_nmda_charge=0.01, per_spike=0.0, k_half=1.0)
    # set by mechanisms (scs_sim.dorsal_horn.mechanisms); None: absent (today's model)
    presynaptic: Presynaptic | None = Field(None, description="Presynaptic GABA_B inhibition (slow_inhibition).")
    inhibitory_stp: Stp | None = Field(
        None, description="Depression of the inhibitory INs' output synapses (interneuron_limits).")

    @model_validator(mode="after")
    def _names(self) -> CircuitParams:
        for name, pw in self.pathways.items():
            if pw.pre not in POPULATIONS:
                raise ValueError(f"pathways.{name}.pre: unknown population '{pw.pre}'; allowed: "
                                 f"{', '.join(POPULATIONS)}{suggest(pw.pre, POPULATIONS)}")
            if pw.post not in NEURON_POPULATIONS:
                raise ValueError(f"pathways.{name}.post: must be a neuron population "
                                 f"({', '.join(NEURON_POPULATIONS)}), got '{pw.post}'"
                                 f"{suggest(pw.post, NEURON_POPULATIONS)}")
            for r, w in pw.weights_ns.items():
                if r not in RECEPTORS:
                    raise ValueError(f"pathways.{name}.weights_ns: unknown receptor '{r}'; allowed: "
                                     f"{', '.join(RECEPTORS)}{suggest(r, RECEPTORS)}")
                if w < 0:
                    raise ValueError(f"pathways.{name}.weights_ns.{r}: must be >= 0 (got {w})")
        for r in RECEPTORS:
            k = getattr(self.receptors, r)
            if not k.tau_decay_ms > k.tau_rise_ms:
                raise ValueError(f"receptors.{r}: tau_decay_ms ({k.tau_decay_ms}) must exceed tau_rise_ms "
                                 f"({k.tau_rise_ms})")
        return self


def _zhang2014(surround: bool = True) -> CircuitParams:
    return CircuitParams(n_abeta=15, n_adelta=15, n_c=30, n_dc=15, n_local_in=1, n_surround_in=1, n_ex=1,
                         n_wdr=1, coverage=0.0, dc_full_volley=15, pathways=zhang_pathways(surround=surround))


def _zhang2014_windup() -> CircuitParams:
    return _zhang2014(surround=False)


def _segment() -> CircuitParams:
    return CircuitParams()


#: Preset registry: name → factory.
PRESETS = {"zhang2014": _zhang2014, "zhang2014_windup": _zhang2014_windup, "segment": _segment}
DEFAULT_PRESET = "segment"


def preset(name: str = DEFAULT_PRESET) -> CircuitParams:
    """Return the circuit parameters of a named preset.

    Parameters
    ----------
    name : str
        One of :data:`PRESETS` (``segment`` default, ``zhang2014``, ``zhang2014_windup``).

    Examples
    --------
    >>> preset("zhang2014").n_wdr
    1
    """
    if name not in PRESETS:
        raise ConfigError(
            f"unknown circuit preset '{name}'; allowed: {', '.join(PRESETS)}{suggest(name, PRESETS)}",
            key="circuit",
        )
    return PRESETS[name]()


def merge_overrides(base: dict, over: dict) -> dict:
    """``over`` merged key by key into ``base`` (nested tables merge, other values replace)."""
    out = dict(base)
    for k, v in over.items():
        out[k] = merge_overrides(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def circuit_params(name: str = DEFAULT_PRESET, overrides: dict | None = None) -> CircuitParams:
    """A preset with (nested) overrides, e.g. from a TOML ``[patient.circuit]`` table.

    ``overrides`` is merged key by key into the preset (``{"pathways": {"ex_wdr": {"gain": 4.0}}}``
    changes only that field); errors become :class:`ConfigError` with the key path under ``circuit``.

    Examples
    --------
    >>> circuit_params("segment", {"n_wdr": 20, "wdr": {"b_pa": 40.0}}).wdr.b_pa
    40.0
    """
    import pydantic

    base = preset(name).model_dump()
    try:
        return CircuitParams.model_validate(merge_overrides(base, overrides or {}))
    except pydantic.ValidationError as e:
        err = e.errors()[0]
        key = ".".join(["circuit", *[str(x) for x in err["loc"]]])
        raise ConfigError(f"{err['msg']} (got {err.get('input')!r})", key=key) from None


def check_network(params: CircuitParams) -> None:
    """Raise :class:`ConfigError` if the network cannot be built (an empty population).

    Every neuron population and the natural afferents (``abeta``, ``adelta``, ``c``) need at least one
    cell; ``dc`` may be empty. Called by ``circuit.build`` and, at load time, by the config layer.
    """
    for pop in NEURON_POPULATIONS + ("abeta", "adelta", "c"):
        n = int(getattr(params, f"n_{pop}"))
        if n < 1:
            raise ConfigError(f"population '{pop}' must have at least 1 cell (got {n})", key=f"circuit.n_{pop}")
    if int(params.n_dc) < 0:
        raise ConfigError(f"n_dc must be >= 0 (got {int(params.n_dc)})", key="circuit.n_dc")


def check_steps(params: CircuitParams, duration_s: float, dt_s: float, bin_s: float) -> tuple[int, int]:
    """Check the time grid of a circuit run; return ``(n_steps, bin_steps)``.

    Rules: every value finite and > 0; 1 µs <= dt <= fastest synaptic decay / 5; at least one step;
    ``bin_s`` a whole number of steps. Raises :class:`ConfigError` naming the argument. Called by
    ``circuit.run`` and, at load time, by the config layer.
    """
    import math

    for name, v in (("duration_s", duration_s), ("dt_s", dt_s), ("bin_s", bin_s)):
        if not (isinstance(v, int | float) and math.isfinite(v) and v > 0):
            raise ConfigError(f"{name} must be finite and > 0 (got {v!r})", key=name)
    kin = [getattr(params.receptors, r) for r in RECEPTORS]
    for r, k in zip(RECEPTORS, kin, strict=True):
        if not k.tau_decay_ms > k.tau_rise_ms:
            raise ConfigError(f"tau_decay_ms must exceed tau_rise_ms (got {k.tau_rise_ms}, {k.tau_decay_ms})",
                              key=f"circuit.receptors.{r}")
    dt_ms = dt_s * 1e3
    fastest = min(k.tau_decay_ms for k in kin)
    if dt_ms > fastest / 5 + 1e-12:
        raise ConfigError(f"a step of {dt_ms:g} ms is too coarse: dt must be <= fastest synaptic decay / 5 "
                          f"= {fastest / 5:g} ms", key="dt_s")
    if dt_s < 1e-6:
        raise ConfigError(f"a step of {dt_ms:g} ms is too fine: dt must be >= 1 µs (0.001 ms)", key="dt_s")
    n_steps = int(round(duration_s / dt_s))
    if n_steps < 1:
        raise ConfigError(f"{duration_s:g} s is shorter than one step of {dt_ms:g} ms", key="duration_s")
    bin_steps = int(round(bin_s / dt_s))
    if bin_steps < 1 or abs(bin_steps * dt_s - bin_s) > 1e-9 * max(1.0, bin_s):
        raise ConfigError(f"a rate bin of {bin_s * 1e3:g} ms must be a whole number of steps of {dt_ms:g} ms",
                          key="bin_s")
    return n_steps, bin_steps
