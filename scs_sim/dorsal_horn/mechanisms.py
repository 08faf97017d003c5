"""The mechanism registry: every proposed route from stimulation to relief as a named, switchable part
of the model (docs/MODEL.md §3.7 "Mechanisms").

No numba here: the config layer validates ``[simulation] mechanisms`` and
``[simulation.mechanism_params.<name>]`` against this table at load time.

A :class:`Mechanism` names its parameter model (defaults sourced in docs/MODEL.md), whether it is on
in the default set, its sources, the layer that applies it (``"circuit"``: a change of the dorsal-horn
network or kernel; ``"input"``: a change of the afferent/dc spikes the circuit receives; ``"slow"``: a
state that evolves over minutes to hours) and the backends that implement it (others refuse it at load
time; the default set runs on every backend, but a mechanism switched from its default state or given
parameters needs a backend implementing it). Circuit mechanisms carry ``apply(circuit_params, mechanism_params) -> circuit_params``.

Registering a mechanism: one :class:`Mechanism` in :data:`CIRCUIT_MECHANISMS` (this module) or in
:data:`MORE_MECHANISMS` (input-level and slow mechanisms; their parameter models live in their own
modules, in ``fibers/`` or ``dorsal_horn/``, imported here), or :func:`register` at run time (tests,
plugins). Named sets: :data:`SETS` (``all`` is always every registered mechanism).

Examples
--------
>>> resolve("gate_only")
('gate',)
>>> resolve(["interneuron_limits", "gate"])
('gate', 'interneuron_limits')
>>> label(("gate",))
'gate_only'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from scs_sim._params import Params
from scs_sim.dorsal_horn.glial import GlialParams
from scs_sim.dorsal_horn.khz_field import KhzDorsalHornParams
from scs_sim.errors import ConfigError, suggest
from scs_sim.fibers.async_dc import AsyncDCParams

__all__ = ["CIRCUIT_MECHANISMS", "DEFAULT_SET", "LAYERS", "MECHANISMS", "MORE_MECHANISMS", "Mechanism", "SETS",
           "GateParams", "InterneuronLimitsParams", "SlowInhibitionParams",
           "apply_circuit", "default_params", "label", "mechanism_params", "register", "resolve"]

LAYERS = ("circuit", "input", "slow")


@dataclass(frozen=True)
class Mechanism:
    """One row of the registry.

    ``name`` (the config name), ``summary`` (one line), ``params`` (a :class:`~scs_sim._params.Params`
    model whose defaults are the sourced values), ``default`` (on in the default set), ``sources``
    (author year journal), ``layer`` (one of :data:`LAYERS`), ``backends`` (the dorsal-horn backends
    that implement it), ``apply`` (circuit layer: ``(CircuitParams, params) -> CircuitParams``; other
    layers: whatever their module documents, or None).
    """

    name: str
    summary: str
    params: type[Params]
    default: bool
    sources: tuple[str, ...]
    layer: Literal["circuit", "input", "slow"]
    backends: tuple[str, ...] = ("spiking",)
    apply: Callable[..., Any] | None = None


# ----------------------------------------------------------------------------------------------
# parameter models of the circuit mechanisms (docs/MODEL.md §3.7)
# ----------------------------------------------------------------------------------------------
class GateParams(Params):
    """``gate``: dorsal-column collaterals drive surround inhibitory interneurons (GABA_A onto WDR/EX)."""

    strength: float = Field(1.0, ge=0, le=10, description="Multiplier of the dc → surround-IN weights "
                            "(1 = Zhang 2014; 0 = the gate cut, as the mechanism off).")


class SlowInhibitionParams(Params):
    """``slow_inhibition``: postsynaptic GABA_B (K⁺ reversal) on the surround-IN synapses and presynaptic
    GABA_B inhibition of primary-afferent release onto the same neurons."""

    gaba_b_ratio: float = Field(
        0.1, ge=0, le=5, description="GABA_B peak conductance per surround-IN synapse as a fraction of its "
        "GABA_A weight (assumption, order of the slow/fast IPSC ratio of Otis et al. 1993 J Physiol 463:391).")
    presynaptic_max: float = Field(
        0.5, ge=0, le=1, description="Largest fraction of C/Aδ/Aβ release onto a neuron removed by presynaptic "
        "GABA_B (baclofen: Ataka et al. 2000 Pain 86:273, about half of the C-fibre EPSC).")
    presynaptic_k_ns: float = Field(
        1.0, gt=0, le=1000, description="GABA_B conductance at the neuron giving half of presynaptic_max (nS; "
        "assumption).")


class InterneuronLimitsParams(Params):
    """``interneuron_limits``: inhibitory interneurons and their synapses cannot follow high input rates."""

    release_u: float = Field(
        0.25, ge=0, le=1, description="Tsodyks–Markram utilisation of the inhibitory-IN output synapses "
        "(GABA/glycine depression; Galarreta & Hestrin 1998 Nat Neurosci 1:587; value an assumption). 0 = "
        "no depression.")
    release_tau_rec_ms: float = Field(
        300.0, gt=0, le=10_000, description="Recovery time constant of that depression (ms; Galarreta & Hestrin "
        "1998: hundreds of ms).")
    adaptation_b_pa: float = Field(
        10.0, ge=0, le=500, description="Spike-triggered adaptation added to the inhibitory INs (pA; assumption: "
        "GABAergic dorsal-horn INs fire tonically with weak adaptation, Punnakkal et al. 2014 J Physiol 592:759).")
    adaptation_tau_ms: float = Field(
        100.0, gt=0, le=5000, description="Time constant of that adaptation (ms; assumption).")


def _gate_apply(cp, mp: GateParams):
    """Scale the dc → surround-IN pathway weights by ``strength`` (0: the gate cut)."""
    if mp.strength == 1.0:
        return cp
    pw = dict(cp.pathways)
    for name, p in cp.pathways.items():
        if p.pre == "dc" and p.post == "surround_in":
            pw[name] = p.model_copy(update={"weights_ns": {r: w * mp.strength for r, w in p.weights_ns.items()}})
    return cp.model_copy(update={"pathways": pw})


def _slow_apply(cp, mp: SlowInhibitionParams):
    """Add GABA_B beside every surround-IN GABA_A weight; switch on presynaptic inhibition."""
    from scs_sim.dorsal_horn.params import Presynaptic

    pw = dict(cp.pathways)
    for name, p in cp.pathways.items():
        if p.pre == "surround_in" and p.weights_ns.get("gaba_a", 0.0) > 0 and mp.gaba_b_ratio > 0:
            w = {**p.weights_ns, "gaba_b": p.weights_ns.get("gaba_b", 0.0) + mp.gaba_b_ratio * p.weights_ns["gaba_a"]}
            pw[name] = p.model_copy(update={"weights_ns": w})
    pre = Presynaptic(max_fraction=mp.presynaptic_max, k_half_ns=mp.presynaptic_k_ns) if mp.presynaptic_max > 0 \
        else cp.presynaptic
    return cp.model_copy(update={"pathways": pw, "presynaptic": pre})


def _limits_apply(cp, mp: InterneuronLimitsParams):
    """Depression on the inhibitory INs' output synapses and spike-triggered adaptation of the INs."""
    from scs_sim.dorsal_horn.params import Stp

    upd: dict[str, Any] = {}
    if mp.release_u > 0:
        upd["inhibitory_stp"] = Stp(u=mp.release_u, tau_rec_ms=mp.release_tau_rec_ms)
    if mp.adaptation_b_pa > 0:
        for pop in ("local_in", "surround_in"):
            a = getattr(cp, pop)
            upd[pop] = a.model_copy(update={"b_pa": a.b_pa + mp.adaptation_b_pa, "tau_w_ms": mp.adaptation_tau_ms})
    return cp.model_copy(update=upd) if upd else cp


#: The circuit-level mechanisms (mechcore).
CIRCUIT_MECHANISMS: tuple[Mechanism, ...] = (
    Mechanism("gate", "dorsal-column collaterals drive surround GABA_A inhibition of WDR and EX cells",
              GateParams, True, ("Zhang, Janik & Grill 2014 J Neurophysiol 112:552",
                                 "Gilbert et al. 2022 eNeuro 9:ENEURO.0058-22.2022"),
              "circuit", ("spiking",), _gate_apply),
    Mechanism("slow_inhibition", "GABA_B: slow K+ IPSC on the surround-IN synapses and presynaptic inhibition of "
              "primary-afferent release", SlowInhibitionParams, False,
              ("Meuwissen et al. 2020 Pain Pract 20:45", "Otis, De Koninck & Mody 1993 J Physiol 463:391",
               "Ataka et al. 2000 Pain 86:273"), "circuit", ("spiking",), _slow_apply),
    Mechanism("interneuron_limits", "inhibitory interneurons adapt and their GABA/glycine release depresses at high "
              "rates", InterneuronLimitsParams, False,
              ("Galarreta & Hestrin 1998 Nat Neurosci 1:587", "Punnakkal et al. 2014 J Physiol 592:759"),
              "circuit", ("spiking",), _limits_apply),
)

#: Input-level, slow and run-dependent circuit mechanisms (mechmore, khz): append one Mechanism per line below.
MORE_MECHANISMS: tuple[Mechanism, ...] = (
    Mechanism("async_dc", "kHz pulses make DC fibres just below their train threshold fire asynchronously (felt: no)",
              AsyncDCParams, False, ("Sagalajev et al. 2024 Neuron 112:404", "Crosby, Janik & Grill 2017 J Neurophysiol"),
              "input", ("spiking", "rate")),  # fibers/async_dc.py; hook: simulation._async_dc
    Mechanism("dtm_glial", "hours of DTM (multiplexed low+high rate) SCS restore glia-driven disinhibition",
              GlialParams, False, ("Cedeño et al. 2020 Mol Pain 16:1744806920964360", "Coull et al. 2005 Nature 438:1017"),
              "slow", ("spiking", "rate")),  # dorsal_horn/glial.py; hook: simulation._glial_scales
    Mechanism("khz_dorsal_horn", "kHz fields at the dorsal horn depolarise neurons directly, inhibitory INs most "
              "(10 kHz, not 1 or 5 kHz)", KhzDorsalHornParams, False,
              ("Lee et al. 2020 Neuroscience 428:132", "Biomedicines 2024;12:1346 (kHz frequency-dependent dorsal-horn "
               "activation in rat slices)"),
              "circuit", ("spiking",)),  # dorsal_horn/khz_field.py; hook: simulation._khz_bias (bias_pa)
)

#: name → mechanism, in registration order (the order of every resolved set).
MECHANISMS: dict[str, Mechanism] = {m.name: m for m in CIRCUIT_MECHANISMS + MORE_MECHANISMS}

#: Named sets (resolve accepts these names; ``all`` = every registered mechanism).
SETS: dict[str, tuple[str, ...]] = {
    "gate_only": ("gate",),
    "none": (),
    "gate+slow": ("gate", "slow_inhibition"),
    "gate+limits": ("gate", "interneuron_limits"),
    "circuit": tuple(m.name for m in CIRCUIT_MECHANISMS),
    # mechmore: append named sets below, one per line
    "gate+async_dc": ("gate", "async_dc"),
    "gate+dtm_glial": ("gate", "dtm_glial"),
    "gate+khz_dorsal_horn": ("gate", "khz_dorsal_horn"),
}
SETS["all"] = tuple(MECHANISMS)
#: The default set (today's model).
DEFAULT_SET = "gate_only"
assert SETS[DEFAULT_SET] == tuple(m.name for m in MECHANISMS.values() if m.default)


def register(mech: Mechanism, *, sets: Iterable[str] = ()) -> None:
    """Add ``mech`` to :data:`MECHANISMS` (and to ``all`` and the named ``sets``); a taken name is an error."""
    if mech.name in MECHANISMS or mech.name in SETS:
        raise ValueError(f"mechanism name '{mech.name}' is taken")
    if mech.layer not in LAYERS:
        raise ValueError(f"layer must be one of {', '.join(LAYERS)} (got {mech.layer!r})")
    MECHANISMS[mech.name] = mech
    SETS["all"] = tuple(MECHANISMS)
    for s in sets:
        SETS[s] = tuple(n for n in MECHANISMS if n in (*SETS.get(s, ()), mech.name))


def resolve(spec: str | Iterable[str], *, key: str = "simulation.mechanisms") -> tuple[str, ...]:
    """A set name, names joined by ``+`` or a list of mechanism (and set) names → the mechanism names, in
    registry order.

    Raises :class:`ConfigError` naming the unknown entry with a did-you-mean and what is allowed.
    """
    if isinstance(spec, str):  # a set name, a mechanism name, or names joined by '+'
        items = [spec] if spec in SETS or spec in MECHANISMS or "+" not in spec else spec.split("+")
    else:
        items = list(spec)
    names: set[str] = set()
    allowed = [*SETS, *MECHANISMS]
    for it in items:
        if not isinstance(it, str):
            raise ConfigError(f"mechanisms must be a set name or a list of names (got {it!r}); allowed: "
                              f"{', '.join(allowed)}", key=key)
        if it in SETS:
            names.update(SETS[it])
        elif it in MECHANISMS:
            names.add(it)
        else:
            raise ConfigError(f"unknown mechanism or set '{it}'{suggest(it, allowed)}; allowed sets: "
                              f"{', '.join(SETS)}; mechanisms: {', '.join(MECHANISMS)}", key=key)
    return tuple(n for n in MECHANISMS if n in names)


def label(names: Iterable[str]) -> str:
    """The first named set equal to ``names``, else the names joined by ``+`` (``none`` if empty)."""
    t = tuple(n for n in MECHANISMS if n in set(names))
    for s, members in SETS.items():
        if members == t:
            return s
    return "+".join(t)


def default_params(name: str) -> Params:
    """The default parameter model of mechanism ``name``."""
    return MECHANISMS[name].params()


def mechanism_params(name: str, raw: dict | None, *, key: str | None = None) -> Params:
    """Validate ``raw`` (a TOML table) against mechanism ``name``'s model; ConfigError naming the key."""
    import pydantic

    key = key or f"simulation.mechanism_params.{name}"
    if name not in MECHANISMS:
        raise ConfigError(f"unknown mechanism '{name}'{suggest(name, MECHANISMS)}; allowed: "
                          f"{', '.join(MECHANISMS)}", key=key)
    try:
        return MECHANISMS[name].params.model_validate(raw or {})
    except pydantic.ValidationError as e:
        err = e.errors()[0]
        loc = ".".join(str(x) for x in err["loc"])
        raise ConfigError(f"{err['msg']} (got {err.get('input')!r})", key=f"{key}.{loc}" if loc else key) from None


def apply_circuit(cp, names: Iterable[str], raw_params: dict | None = None):
    """``cp`` with every circuit mechanism applied: those in ``names`` with their parameters, and the
    default-on ones that are off with their 'off' transform (``gate`` off = ``strength`` 0)."""
    on = set(names)
    raw_params = raw_params or {}
    for m in CIRCUIT_MECHANISMS:
        if m.apply is None:
            continue
        if m.name in on:
            cp = m.apply(cp, mechanism_params(m.name, raw_params.get(m.name)))
        elif m.default:  # a default mechanism switched off: its zero-strength form
            cp = m.apply(cp, m.params(strength=0.0))
    return cp
