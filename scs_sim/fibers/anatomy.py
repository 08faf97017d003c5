"""Spinal anatomy, the lead, and the dorsal-column / dorsal-root fibre population it stimulates.

This module owns :class:`Anatomy` (dorsal CSF thickness, lead geometry and position, active contacts,
fibre-population parameters), :func:`build_fibers` (anatomy + ``numpy.random.Generator`` ->
:class:`FiberPopulation`, plain arrays) and the volume-conductor reduction that turns contact currents
into a per-fibre drive (:meth:`FiberPopulation.channel_coupling`). Which fibre fires when is the job
of :mod:`scs_sim.fibers.recruitment`. Equations, defaults and sources: ``docs/MODEL.md`` §2.

Volume conductor (v1, a deliberately simple reduction; every choice documented there):

- Coordinates (mm): ``x`` lateral from the cord midline, ``y`` dorsal (cord surface at ``y = 0``,
  fibres at ``y = -depth``), ``z`` along the cord. The lead axis runs along ``z`` at
  ``x = lead_offset_mm``, ``y = csf_mm + lead_diameter_mm / 2``.
- Each contact is a line of :data:`SUBSOURCES` equal point current sources in a homogeneous medium
  of conductivity ``sigma_s_per_m``: ``V = I / (4 pi sigma r)``, where a fibre's depth below the cord
  surface counts ``sqrt(cord_anisotropy)`` times (transverse/longitudinal anisotropy of the columns).
- Fibres run along ``z``; nodes of Ranvier every ``L = 100 D`` (McNeal 1976) with a random node
  phase. The drive at node ``j`` is the activating function ``V[j-1] - 2 V[j] + V[j+1]`` (mV per mA);
  a fibre's coupling to a channel is its largest value under cathodic current (the excitation site).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
from pydantic import Field, ValidationError, field_validator, model_validator

from scs_sim._params import Params
from scs_sim.errors import ConfigError

__all__ = ["DERMATOMES", "Anatomy", "FiberPopulation", "build_fibers", "channel_contacts", "dermatome_index",
           "parse_anatomy"]

#: Point sources per contact (a 3 mm contact as a line of 5 points, 0.6 mm apart).
SUBSOURCES = 5
#: Nodes are computed this far (mm) beyond the first and last contact.
NODE_MARGIN_MM = 12.0
#: Internodal length per fibre diameter (McNeal 1976: L = 100 D).
INTERNODE_PER_DIAMETER = 100.0

_ILL = "illustrative lead geometry: a typical 8-contact percutaneous lead, assumption"
_ASSUMPTION = "scs_sim assumption"
_FEIRABEND = "Feirabend et al. 2002 Brain 125:1137"

NonNegInt = Annotated[int, Field(ge=0)]

#: Dermatomes (= spinal cord segments with a dermatome), rostral first. C1 has no dermatome.
DERMATOMES: tuple[str, ...] = (
    tuple(f"C{k}" for k in range(2, 9)) + tuple(f"T{k}" for k in range(1, 13))
    + tuple(f"L{k}" for k in range(1, 6)) + tuple(f"S{k}" for k in range(1, 6))
)


class Anatomy(Params):
    """Patient anatomy and lead placement (``[patient.anatomy]`` in a patient TOML).

    Defaults are a mid-thoracic percutaneous lead over the dorsal midline; sources per field.
    """

    # --- spinal canal ---------------------------------------------------------------------------
    csf_mm: float = Field(
        3.0, ge=0.5, le=10.0,
        description="Dorsal CSF thickness (dura to cord surface), mm; mid-thoracic ~3 mm, 2-6 mm range "
        "(He et al. 1994 Pain 59:55: the perception threshold rises with it). Presets: thin 2 mm, thick 5 mm.",
    )
    sigma_s_per_m: float = Field(
        0.6, gt=0, le=10.0,
        description=f"Homogeneous conductivity, S/m ({_ASSUMPTION}: longitudinal white-matter value "
        "commonly used in SCS models; CSF shunting is not modelled separately).",
    )
    cord_anisotropy: float = Field(
        4.0, ge=1.0, le=20.0,
        description="Longitudinal / transverse conductivity of the dorsal columns (0.333 / 0.083 S/m in the "
        "Gilbert et al. 2022 eNeuro 9(5):ENEURO.0058-22.2022 DC-fibre model); depths below the cord surface count "
        "sqrt(this) times in the source distance (crude anisotropy reduction, assumption).",
    )
    # --- lead -----------------------------------------------------------------------------------
    lead_offset_mm: float = Field(0.0, ge=-6.0, le=6.0, description="Lead lateral offset from the midline, mm.")
    n_contacts: int = Field(8, ge=1, le=32, description=f"Contacts on the lead ({_ILL}).")
    contact_length_mm: float = Field(3.0, gt=0, le=20.0, description=f"Contact length, mm ({_ILL}).")
    lead_diameter_mm: float = Field(1.3, gt=0, le=5.0, description=f"Lead diameter, mm ({_ILL}).")
    contact_spacing_mm: float = Field(
        4.0, ge=0, le=20.0, description=f"Edge-to-edge contact spacing, mm ({_ILL})."
    )
    cathodes: list[NonNegInt] = Field(
        default_factory=lambda: [3], min_length=1,
        description="Active cathode contacts (programs may override per channel).",
    )
    anodes: list[NonNegInt] = Field(
        default_factory=lambda: [4],
        description="Active anode contacts ([] = monopolar, return at the distant IPG case).",
    )
    lead_segment: str = Field(
        "T10",
        description="Spinal cord segment under the active contacts (one of DERMATOMES). The dorsal columns there "
        "carry the fibres of this and every more caudal dermatome, laminated medial (S5) to lateral (this "
        "segment); DR fibres enter this segment. Default T10: leads for back and leg pain sit at vertebral "
        "T8-T10 (Barolat et al. 1993 J Neurosurg 78:233), over cord segments ~T10-T12 (assumption).",
    )
    # --- dorsal columns -------------------------------------------------------------------------
    dc_count: int = Field(200, ge=1, le=20_000, description="Modelled DC fibres (a sample, not all of them).")
    dc_depth_max_mm: float = Field(
        1.0, gt=0, le=3.0,
        description="DC fibres lie 0..this deep below the cord surface, mm (assumption, docs/MODEL.md §2.1; "
        f"only fibres within ~0.25 mm are activated clinically, {_FEIRABEND}).",
    )
    dc_half_width_mm: float = Field(
        2.0, gt=0, le=5.0, description=f"DC fibres spread uniformly over ±this from the midline, mm ({_ASSUMPTION})."
    )
    dc_diameter_median_um: float = Field(
        4.0, gt=0.5, le=20.0, description=f"Median DC fibre diameter, µm (lognormal; {_ASSUMPTION})."
    )
    dc_large_fraction: float = Field(
        0.005, gt=0, lt=0.5,
        description=f"Fraction of DC fibres larger than dc_large_diameter_um (0.5 %, {_FEIRABEND}).",
    )
    dc_large_diameter_um: float = Field(10.7, gt=0, le=30.0, description=f"Large-fibre cut, µm ({_FEIRABEND}).")
    # --- dorsal roots ---------------------------------------------------------------------------
    dr_count: int = Field(40, ge=0, le=5000, description="Modelled DR fibres, half on each side.")
    dr_lateral_mm: float = Field(
        3.0, ge=0, le=8.0,
        description=f"Lateral position of the dorsal-root entry zone from the midline, mm ({_ASSUMPTION}).",
    )
    dr_lateral_sd_mm: float = Field(0.3, ge=0, le=3.0, description="Spread of DR lateral positions, mm.")
    dr_depth_mm: float = Field(0.0, ge=0, le=2.0, description="DR fibre depth below the cord surface, mm.")
    dr_diameter_median_um: float = Field(
        9.0, gt=0.5, le=25.0, description=f"Median DR (large afferent) diameter, µm ({_ASSUMPTION})."
    )
    dr_diameter_sigma: float = Field(0.2, ge=0, le=1.5, description="Lognormal sigma of DR diameters.")
    dr_threshold_factor: float = Field(
        2.6, gt=0, le=10.0,
        description="Threshold of a DR fibre relative to a straight longitudinal fibre at the same place. Lumps "
        "the bend at the root entry (lowers it, Struijk et al. 1993 IEEE Trans Biomed Eng 40(7)) and the overestimate of "
        "treating oblique root fibres as longitudinal fibres on the cord surface (raises it); calibrated so "
        "discomfort/perception ≈ 1.6 for the default patient (usage range 1.4-1.8, illustrative).",
    )

    @model_validator(mode="after")
    def _contacts_on_lead(self) -> Anatomy:
        check_contacts(self.cathodes, self.anodes, self.n_contacts, prefix="")
        return self

    @field_validator("lead_segment")
    @classmethod
    def _known_segment(cls, v: str) -> str:
        try:
            check_segment(v, key="lead_segment")
        except ConfigError as exc:
            raise ValueError(exc.detail) from None
        return v

    @property
    def contact_pitch_mm(self) -> float:
        return self.contact_length_mm + self.contact_spacing_mm

    def contact_z_mm(self) -> np.ndarray:
        """Contact centres along the cord, mm (contact 0 at z = 0)."""
        return np.arange(self.n_contacts) * self.contact_pitch_mm

    def dc_diameter_sigma(self) -> float:
        """Lognormal sigma that puts ``dc_large_fraction`` of DC fibres above ``dc_large_diameter_um``."""
        from statistics import NormalDist

        z = NormalDist().inv_cdf(1.0 - self.dc_large_fraction)
        ratio = self.dc_large_diameter_um / self.dc_diameter_median_um
        if ratio <= 1.0:
            raise ConfigError(
                f"dc_large_diameter_um ({self.dc_large_diameter_um:g}) must exceed dc_diameter_median_um "
                f"({self.dc_diameter_median_um:g})", key="anatomy.dc_large_diameter_um",
            )
        return math.log(ratio) / z


def check_segment(name: object, *, key: str) -> int:
    """Index of dermatome/segment ``name`` in :data:`DERMATOMES`; :class:`ConfigError` (``key``) if unknown."""
    from scs_sim.errors import suggest

    if not isinstance(name, str) or name not in DERMATOMES:
        raise ConfigError(f"unknown dermatome {name!r}{suggest(str(name), DERMATOMES)}; allowed: "
                          f"{', '.join(DERMATOMES)}", key=key)
    return DERMATOMES.index(name)


def dermatome_index(anatomy: Anatomy, x_mm: np.ndarray) -> np.ndarray:
    """Dermatome (index into :data:`DERMATOMES`) of DC fibres at lateral positions ``x_mm`` (somatotopy).

    Lamination of the dorsal columns (docs/MODEL.md §3 "Receptive fields and somatotopy"): at the lead's
    segment the columns hold the fibres of that segment and of every caudal one; the most caudal
    dermatome (S5) lies most medially and each more rostral one is added laterally (Werner & Whitsel
    1967 J Physiol 192:123; Smith & Deacon 1984, human). The ``K`` dermatomes present share
    ``[0, dc_half_width_mm]`` in equal laminae on each side (equal widths: assumption):
    ``k = min(floor(K |x| / dc_half_width_mm), K - 1)`` laminae out from the midline, dermatome
    ``S5 - k``. Deterministic, monotone: more lateral never means more caudal.

    Example
    -------
    >>> [DERMATOMES[i] for i in dermatome_index(Anatomy(lead_segment="L5"), np.array([0.0, -1.1, 1.9]))]
    ['S5', 'S2', 'L5']
    """
    lo = check_segment(anatomy.lead_segment, key="anatomy.lead_segment")
    hi = len(DERMATOMES) - 1
    n_lam = hi - lo + 1
    u = np.abs(np.asarray(x_mm, dtype=np.float64)) / anatomy.dc_half_width_mm
    k = np.minimum(np.floor(u * n_lam), n_lam - 1).astype(np.int64)
    return hi - k


def check_contacts(
    cathodes: Sequence[int] | None, anodes: Sequence[int] | None, n_contacts: int, *, prefix: str
) -> None:
    """Raise :class:`ConfigError` (key ``prefix + cathodes/anodes``) for contacts off the lead or doubly used."""
    for name, idx in (("cathodes", cathodes), ("anodes", anodes)):
        if idx is None:
            continue
        for c in idx:
            if not 0 <= int(c) < n_contacts:
                raise ConfigError(
                    f"contact {c} is not on the lead (contacts are 0..{n_contacts - 1})", key=f"{prefix}{name}"
                )
        if len(set(idx)) != len(idx):
            raise ConfigError(f"contacts listed twice: {list(idx)}", key=f"{prefix}{name}")
    if cathodes is not None and len(cathodes) == 0:
        raise ConfigError("at least one cathode is needed", key=f"{prefix}cathodes")
    if cathodes and anodes and set(cathodes) & set(anodes):
        both = sorted(set(cathodes) & set(anodes))
        raise ConfigError(f"contacts {both} are both cathode and anode", key=f"{prefix}anodes")


def channel_contacts(anatomy: Anatomy, cathodes: Sequence[int] | None, anodes: Sequence[int] | None, *,
                     key: str = "program") -> tuple[list[int], list[int]]:
    """The contacts a channel drives on ``anatomy``'s lead: ``(cathodes, anodes)``, checked.

    ``None`` means the anatomy's active contacts; a program's own cathodes win over the default anodes.
    Raises :class:`ConfigError` (key ``key.cathodes`` / ``key.anodes``) for contacts off the lead or
    doubly used. The config layer calls it at load time, recruitment at run time.
    """
    cat = list(anatomy.cathodes if cathodes is None else cathodes)
    ano = list(anatomy.anodes if anodes is None else anodes)
    if cathodes is not None and anodes is None:
        ano = [c for c in ano if c not in cat]  # a program's own cathodes win over default anodes
    check_contacts(cat, ano, anatomy.n_contacts, prefix=f"{key}." if key else "")
    return cat, ano


def parse_anatomy(table: Mapping[str, Any], *, file: str | None = None, key: str = "patient.anatomy") -> Anatomy:
    """Validate an ``[patient.anatomy]`` table; any problem is a :class:`ConfigError` naming the key path.

    Example
    -------
    >>> parse_anatomy({"csf_mm": 2.0}).csf_mm
    2.0
    """
    try:
        return Anatomy(**dict(table))
    except ConfigError as exc:  # raised directly (not through pydantic)
        raise exc.located(file=file, key_prefix=key.rsplit(".", 1)[0]) from None
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err.get("loc", ()))
        msg = str(err.get("msg", exc)).removeprefix("Value error, ")
        inner = (err.get("ctx") or {}).get("error")
        if isinstance(inner, ConfigError):
            msg = inner.detail
            loc = inner.key or loc
        full = f"{key}.{loc}" if loc else key
        if err.get("type") == "extra_forbidden":
            from scs_sim.errors import suggest

            msg = f"unknown key{suggest(loc, Anatomy.model_fields)}; allowed: {', '.join(Anatomy.model_fields)}"
        elif "input" in err and loc:
            msg = f"{msg} (got {err['input']!r})"
        raise ConfigError(msg, file=file, key=full) from None


@dataclass(frozen=True)
class FiberPopulation:
    """The stimulated fibres as plain arrays (DC first, then DR).

    Attributes
    ----------
    is_dr : bool array (n,)
        True for dorsal-root fibres.
    x_mm, depth_mm, diameter_um : float arrays (n,)
        Lateral position from the midline, depth below the cord surface, fibre diameter.
    node_offset_mm : float array (n,)
        Position of the fibre's node 0 along the cord (random phase of the node grid), mm.
    coupling : float array (n, n_contacts)
        Drive (peak activating function, mV) per mA of cathodic current on each contact alone
        (monopolar), at the fibre's most depolarised node.
    threshold_factor : float array (n,)
        Per-fibre rheobase factor (1 for DC; ``dr_threshold_factor`` for DR, Struijk 1993).
    node_af : float array (n, n_nodes, n_contacts)
        Activating function per node per unit contact current (mV/mA; padded with 0), used to
        combine contacts into a channel (:meth:`channel_coupling`).
    anatomy : Anatomy
        The anatomy the population was built from.
    """

    is_dr: np.ndarray
    x_mm: np.ndarray
    depth_mm: np.ndarray
    diameter_um: np.ndarray
    node_offset_mm: np.ndarray
    coupling: np.ndarray
    threshold_factor: np.ndarray
    node_af: np.ndarray
    anatomy: Anatomy

    @property
    def n(self) -> int:
        return int(self.is_dr.size)

    @property
    def n_dc(self) -> int:
        return int(np.count_nonzero(~self.is_dr))

    @property
    def n_dr(self) -> int:
        return int(np.count_nonzero(self.is_dr))

    @property
    def n_contacts(self) -> int:
        return int(self.coupling.shape[1])

    def dermatomes(self) -> np.ndarray:
        """Dermatome of every fibre (index into :data:`DERMATOMES`): DC fibres by their lamina
        (:func:`dermatome_index`), DR fibres the lead's own segment (they enter there)."""
        seg = check_segment(self.anatomy.lead_segment, key="anatomy.lead_segment")
        return np.where(self.is_dr, seg, dermatome_index(self.anatomy, self.x_mm))

    def contact_weights(self, cathodes: Sequence[int] | None = None, anodes: Sequence[int] | None = None,
                        *, key: str = "program") -> np.ndarray:
        """Signed share of a channel's cathodic current on each contact (cathodes +, anodes -).

        The cathodic current is split equally over the cathodes and returned equally through the
        anodes (none: monopolar, return at the distant case). ``None`` means the anatomy's active
        contacts.
        """
        cat, ano = channel_contacts(self.anatomy, cathodes, anodes, key=key)
        w = np.zeros(self.n_contacts)
        w[cat] += 1.0 / len(cat)
        if ano:
            w[ano] -= 1.0 / len(ano)
        return w

    def channel_coupling(self, cathodes: Sequence[int] | None = None, anodes: Sequence[int] | None = None,
                         *, key: str = "program") -> np.ndarray:
        """Per-fibre drive (peak activating function, mV) per mA of cathodic channel current.

        Anodes shift the potential with the opposite sign, so they shield nearby nodes; the
        coupling is taken at the most depolarised node (never below 0).
        """
        w = self.contact_weights(cathodes, anodes, key=key)
        af = self.node_af @ w  # (n, n_nodes): depolarisation per mA of cathodic current
        return np.maximum(af.max(axis=1), 0.0)

    def with_csf(self, csf_mm: float) -> FiberPopulation:
        """The same fibres (positions, diameters, node phases) under a dorsal CSF thickness ``csf_mm``:
        the volume conductor recomputed, nothing redrawn (cord motion, :mod:`scs_sim.fibers.motion`)."""
        a = self.anatomy.model_copy(update={"csf_mm": float(csf_mm)})
        internode = INTERNODE_PER_DIAMETER * self.diameter_um * 1e-3
        node_af = _node_af(a, self.x_mm, self.depth_mm, internode, self.node_offset_mm)
        coupling = np.maximum(node_af.max(axis=1), 0.0)
        for arr in (node_af, coupling):
            arr.setflags(write=False)
        return dataclasses.replace(self, node_af=node_af, coupling=coupling, anatomy=a)

    def node_potentials(self, fiber: int) -> np.ndarray:
        """Extracellular potential (mV per +1 mA on each contact alone) at every node of one fibre.

        Shape (n_nodes_f + 2, n_contacts): ``node_af[fiber, j]`` is minus the second difference of this
        array around its row ``j + 1`` (the biophysical fibre, :mod:`scs_sim.fibers.biophysical`, uses it).
        """
        a = self.anatomy
        internode = INTERNODE_PER_DIAMETER * float(self.diameter_um[fiber]) * 1e-3
        zc = a.contact_z_mm()
        m = int(math.floor(((zc[-1] + NODE_MARGIN_MM) - (zc[0] - NODE_MARGIN_MM)) / internode)) + 3
        return _node_potentials(a, float(self.x_mm[fiber]), float(self.depth_mm[fiber]), internode,
                                float(self.node_offset_mm[fiber]), m)


def _stratified_normal(n: int, rng: np.random.Generator) -> np.ndarray:
    """n standard normals, one per 1/n probability band, in random order (variance reduction)."""
    from scipy.special import ndtri

    u = (rng.permutation(n) + rng.uniform(size=n)) / n
    return ndtri(np.clip(u, 1e-12, 1 - 1e-12))


def _node_potentials(a: Anatomy, x_mm: float, depth_mm: float, internode_mm: float, node_offset_mm: float,
                     m: int) -> np.ndarray:
    """Potential (mV per +1 mA on each contact alone) at the m nodes of one fibre, (m, n_contacts)."""
    zc = a.contact_z_mm()
    # Sub-source positions along each contact (midpoints of equal segments).
    frac = (np.arange(SUBSOURCES) + 0.5) / SUBSOURCES * 2.0 - 1.0
    zs = (zc[:, None] + frac[None, :] * (a.contact_length_mm / 2.0))  # (n_contacts, SUBSOURCES)
    y_lead = a.csf_mm + a.lead_diameter_mm / 2.0
    z = zc[0] - NODE_MARGIN_MM + node_offset_mm + internode_mm * (np.arange(m) - 1)
    dx2 = (x_mm - a.lead_offset_mm) ** 2 + (y_lead + math.sqrt(a.cord_anisotropy) * depth_mm) ** 2
    r = np.sqrt(dx2 + (z[:, None, None] - zs[None, :, :]) ** 2)  # (m, n_contacts, SUBSOURCES)
    k_mv = 1000.0 / (4.0 * math.pi * a.sigma_s_per_m)  # mV * mm / mA
    return (k_mv / SUBSOURCES) * (1.0 / r).sum(axis=2)


def _node_af(anatomy: Anatomy, x_mm: np.ndarray, depth_mm: np.ndarray, internode_mm: np.ndarray,
             node_offset_mm: np.ndarray) -> np.ndarray:
    """Activating function (mV per mA on each contact) at every node of every fibre, zero-padded."""
    a = anatomy
    zc = a.contact_z_mm()
    z_lo, z_hi = zc[0] - NODE_MARGIN_MM, zc[-1] + NODE_MARGIN_MM
    n_nodes = np.floor((z_hi - z_lo) / internode_mm).astype(np.int64) + 3
    out = np.zeros((x_mm.size, int(n_nodes.max()), a.n_contacts))
    for f in range(x_mm.size):
        m = n_nodes[f]
        v = _node_potentials(a, x_mm[f], depth_mm[f], internode_mm[f], node_offset_mm[f], m)
        # Cathodic (negative) current: depolarisation = second difference of -V.
        af = -(v[:-2] - 2.0 * v[1:-1] + v[2:])
        out[f, : m - 2] = af
    return out


def build_fibers(anatomy: Anatomy, rng: np.random.Generator) -> FiberPopulation:
    """Draw the fibre population of ``anatomy`` and compute its coupling to every contact.

    DC fibres: depth uniform in ``[0, dc_depth_max_mm]``, lateral position uniform in
    ``±dc_half_width_mm``, diameters lognormal (median ``dc_diameter_median_um``, sigma such that
    ``dc_large_fraction`` exceed ``dc_large_diameter_um``), drawn by stratified sampling so the few
    large fibres are always represented. DR fibres: half on each side at ``±dr_lateral_mm`` (normal
    spread ``dr_lateral_sd_mm``), depth ``dr_depth_mm``, lognormal diameters.

    Parameters
    ----------
    anatomy : Anatomy
    rng : numpy.random.Generator
        The only source of randomness (positions, diameters, node phases).

    Example
    -------
    >>> pop = build_fibers(Anatomy(), np.random.default_rng(1))
    >>> pop.coupling.shape
    (240, 8)
    """
    if not isinstance(anatomy, Anatomy):
        raise ConfigError(f"expected an Anatomy, got {type(anatomy).__name__}", key="anatomy")
    # Re-check what model_construct() or model_copy(update=...) can bypass.
    for name in ("csf_mm", "dc_depth_max_mm", "dr_depth_mm", "contact_length_mm", "lead_diameter_mm",
                 "contact_spacing_mm", "sigma_s_per_m"):
        v = getattr(anatomy, name)
        if not (math.isfinite(v) and v >= 0) or (v == 0 and name not in ("contact_spacing_mm", "dr_depth_mm")):
            raise ConfigError(f"must be finite and > 0 (got {v!r})", key=f"anatomy.{name}")
    if anatomy.dc_count < 1:
        raise ConfigError(f"the DC population is empty (got {anatomy.dc_count}); need >= 1",
                          key="anatomy.dc_count")
    check_contacts(anatomy.cathodes, anatomy.anodes, anatomy.n_contacts, prefix="anatomy.")
    a = anatomy
    n_dc, n_dr = a.dc_count, a.dr_count
    dc_depth = rng.uniform(0.0, a.dc_depth_max_mm, n_dc)
    dc_x = rng.uniform(-a.dc_half_width_mm, a.dc_half_width_mm, n_dc)
    dc_d = a.dc_diameter_median_um * np.exp(a.dc_diameter_sigma() * _stratified_normal(n_dc, rng))
    side = np.where(np.arange(n_dr) % 2 == 0, 1.0, -1.0)
    dr_x = side * (a.dr_lateral_mm + a.dr_lateral_sd_mm * rng.standard_normal(n_dr))
    dr_depth = np.full(n_dr, a.dr_depth_mm)
    dr_d = a.dr_diameter_median_um * np.exp(a.dr_diameter_sigma * _stratified_normal(n_dr, rng))
    x = np.concatenate([dc_x, dr_x])
    depth = np.concatenate([dc_depth, dr_depth])
    diam = np.concatenate([dc_d, dr_d])
    internode = INTERNODE_PER_DIAMETER * diam * 1e-3
    node_offset = rng.uniform(0.0, 1.0, n_dc + n_dr) * internode
    is_dr = np.concatenate([np.zeros(n_dc, bool), np.ones(n_dr, bool)])
    node_af = _node_af(a, x, depth, internode, node_offset)
    coupling = np.maximum(node_af.max(axis=1), 0.0)  # monopolar cathode, per contact
    thr = np.where(is_dr, a.dr_threshold_factor, 1.0)
    for arr in (x, depth, diam, node_offset, coupling, thr, node_af, is_dr):
        arr.setflags(write=False)
    return FiberPopulation(is_dr, x, depth, diam, node_offset, coupling, thr, node_af, a)
