"""The dorsal-horn gate network as plain arrays: :class:`Network` and :func:`build` (no numba).

After Zhang, Janik & Grill 2014 (J Neurophysiol 112:552), reduced to point neurons; connectivity and
weight scaling in ``docs/MODEL.md`` §3 "Connectivity and weight scaling".

Index space: afferent sources (``abeta``, ``adelta``, ``c``, ``dc``) come first, then neurons
(``local_in``, ``surround_in``, ``ex``, ``wdr``); connectivity is CSR by source in that space;
synaptic targets are neuron indices (0 .. n_neurons-1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scs_sim.dorsal_horn.afferents import AFFERENT_POPULATIONS, ROLE_INFIELD, ROLE_NONE, ROLE_SURROUND
from scs_sim.dorsal_horn.params import (
    NEURON_POPULATIONS,
    POPULATIONS,
    RECEPTORS,
    ZHANG_SIZES,
    AdEx,
    CircuitParams,
    Pathway,
    check_network,
)
from scs_sim.errors import ConfigError, suggest

__all__ = ["Network", "afferent_sizes", "build", "coverage_roles", "population_sizes"]


@dataclass(frozen=True)
class Network:
    """A built circuit: plain arrays only (CSR connectivity by source, neuron parameter vectors).

    Global index space: sources ``[0, n_sources)`` then neurons; ``ranges`` maps each population
    to its global ``(start, stop)``. Synapse targets are neuron indices (global − n_sources).
    """

    params: CircuitParams
    n_sources: int
    n_neurons: int
    ranges: dict[str, tuple[int, int]]
    pop_id: np.ndarray          # int64 (n_sources + n_neurons,): index into POPULATIONS
    indptr: np.ndarray          # int64 (n_sources + n_neurons + 1,)
    target: np.ndarray          # int64 (n_syn,) neuron index
    receptor: np.ndarray        # int64 (n_syn,) index into RECEPTORS
    weight_ns: np.ndarray       # float64 (n_syn,) peak conductance (nS)
    delay_ms: np.ndarray        # float64 (n_syn,)
    stp_source: np.ndarray      # bool (n_sources,): depressing (dc) sources
    neuron: dict[str, np.ndarray]  # AdEx field name → float64 (n_neurons,)
    g_can_ns: np.ndarray        # float64 (n_neurons,): 0 except WDR
    dc_role: np.ndarray         # int8 (n_dc,): ROLE_NONE / ROLE_INFIELD / ROLE_SURROUND per dc source

    @property
    def neuron_ranges(self) -> dict[str, tuple[int, int]]:
        """Neuron populations → (start, stop) in neuron index space."""
        return {p: (a - self.n_sources, b - self.n_sources) for p, (a, b) in self.ranges.items()
                if p in NEURON_POPULATIONS}


def population_sizes(params: CircuitParams) -> dict[str, int]:
    """Cell (or fibre) counts of every population, in :data:`POPULATIONS` order."""
    return {p: int(getattr(params, f"n_{p}")) for p in POPULATIONS}


def afferent_sizes(params: CircuitParams) -> dict[str, int]:
    """Fibre counts of the afferent populations (the ``sizes`` argument of ``afferent_spikes``)."""
    return {p: int(getattr(params, f"n_{p}")) for p in AFFERENT_POPULATIONS}


def coverage_roles(params: CircuitParams) -> np.ndarray:
    """dc roles of a network built without fibre positions: the first ``round(coverage × n_dc)``
    sources in-field, the rest surround (``coverage`` 0, the default: every source is surround)."""
    n_dc = int(params.n_dc)
    roles = np.full(n_dc, ROLE_SURROUND, dtype=np.int8)
    roles[: int(round(params.coverage * n_dc))] = ROLE_INFIELD
    return roles


def build(params: CircuitParams, rng: np.random.Generator, *, dc_role: np.ndarray | None = None) -> Network:
    """Build the network arrays from parameters; random connectivity drawn from ``rng``.

    Each pathway connects every (pre, post) pair with its probability (all-to-all at 1). Its
    weights are ``weight_ns × contacts × target_scale[post] × n_ref / (probability × n_pre)``
    with ``n_ref`` the pre population size of the published network, so every cell receives the
    same expected total drive as in ``zhang2014`` whatever the population sizes. ``dc`` sources:
    in-field sources get copies of every ``abeta`` pathway (with the per-connection weights of the
    Aβ fibres); surround sources get the ``dc`` pathways, normalised by ``dc_full_volley`` instead
    of ``n_dc``: that many dc sources firing together give each surround IN the published SCS volley
    (all 15 ASCS fibres of Zhang 2014); ``ROLE_NONE`` sources get no synapse.

    ``dc_role`` (int8, one per dc source; :func:`scs_sim.dorsal_horn.afferents.receptive_field_roles`)
    gives each source its role by the fibre's position and the painful area. Then every role-dependent
    synapse (dc pathways, in-field Aβ copies) is drawn, for all dc sources, from a child generator of
    ``rng`` (``rng.spawn``), so the other pathways' connectivity does not depend on the roles or on
    ``n_dc``. Without ``dc_role`` the roles come from ``coverage`` (:func:`coverage_roles`) and the
    draws are those of the index-based split (position-free networks: the bare-circuit protocols).

    Examples
    --------
    >>> from scs_sim.dorsal_horn.params import preset
    >>> net = build(preset("zhang2014"), np.random.default_rng(0))
    >>> net.n_neurons
    4
    """
    check_network(params)
    sizes = population_sizes(params)
    ranges: dict[str, tuple[int, int]] = {}
    start = 0
    for pop in POPULATIONS:
        ranges[pop] = (start, start + sizes[pop])
        start += sizes[pop]
    n_src = sum(sizes[p] for p in AFFERENT_POPULATIONS)
    n_tot = start
    n_neu = n_tot - n_src
    pop_id = np.zeros(n_tot, dtype=np.int64)
    for k, pop in enumerate(POPULATIONS):
        pop_id[ranges[pop][0]:ranges[pop][1]] = k
    by_position = dc_role is not None
    if dc_role is None:
        roles = coverage_roles(params)
    else:
        roles = np.asarray(dc_role).astype(np.int8, copy=True).ravel()
        if roles.size != sizes["dc"]:
            raise ConfigError(f"dc_role has {roles.size} entries, the network has n_dc = {sizes['dc']} dc sources",
                              key="circuit.n_dc")
        known = (roles == ROLE_NONE) | (roles == ROLE_INFIELD) | (roles == ROLE_SURROUND)
        if not known.all():
            raise ConfigError(f"dc_role values must be {ROLE_NONE}, {ROLE_INFIELD} or {ROLE_SURROUND}")
    roles.setflags(write=False)
    n_infield = int(np.count_nonzero(roles == ROLE_INFIELD))
    dc0 = ranges["dc"][0]
    aux = rng.spawn(1)[0] if by_position else rng  # role-dependent draws (by position only)
    scale = params.target_scale

    pre_l: list[np.ndarray] = []
    post_l: list[np.ndarray] = []
    rec_l: list[np.ndarray] = []
    w_l: list[np.ndarray] = []

    def connect(pre_idx: np.ndarray, post_pop: str, pw: Pathway, w_per_rec: dict[str, float],
                gen: np.random.Generator = rng, keep: np.ndarray | None = None) -> None:
        n_post = sizes[post_pop]
        if pre_idx.size == 0:
            return
        if pw.probability >= 1.0:
            mask = np.ones((pre_idx.size, n_post), dtype=bool)
        else:
            mask = gen.random((pre_idx.size, n_post)) < pw.probability
        if keep is not None:  # draw every row, keep some (draws independent of the roles)
            mask &= keep[:, None]
        ii, jj = np.nonzero(mask)
        post_neu = ranges[post_pop][0] - n_src + jj
        for rname, w in w_per_rec.items():
            if w == 0.0:
                continue
            pre_l.append(pre_idx[ii])
            post_l.append(post_neu)
            rec_l.append(np.full(ii.size, RECEPTORS.index(rname), dtype=np.int64))
            w_l.append(np.full(ii.size, w, dtype=np.float64))

    for name, pw in params.pathways.items():
        if pw.pre not in POPULATIONS:
            raise ConfigError(f"unknown population '{pw.pre}'{suggest(pw.pre, POPULATIONS)}",
                              key=f"circuit.pathways.{name}.pre")
        if pw.post not in NEURON_POPULATIONS:
            raise ConfigError(f"post must be a neuron population ({', '.join(NEURON_POPULATIONS)}), got "
                              f"'{pw.post}'{suggest(pw.post, NEURON_POPULATIONS)}",
                              key=f"circuit.pathways.{name}.post")
        for rname, w in pw.weights_ns.items():
            if rname not in RECEPTORS:
                raise ConfigError(f"unknown receptor '{rname}'; allowed: {', '.join(RECEPTORS)}"
                                  f"{suggest(rname, RECEPTORS)}", key=f"circuit.pathways.{name}.weights_ns")
            if not (math.isfinite(w) and w >= 0):
                raise ConfigError(f"weight must be finite and >= 0 (got {w!r})",
                                  key=f"circuit.pathways.{name}.weights_ns.{rname}")
        n_pre = sizes[pw.pre]
        if n_pre == 0:
            continue
        n_norm = params.dc_full_volley if pw.pre == "dc" and params.dc_full_volley is not None else n_pre
        factor = pw.gain * pw.contacts * getattr(scale, pw.post) * ZHANG_SIZES[pw.pre] / (pw.probability * n_norm)
        wr = {r: w * factor for r, w in pw.weights_ns.items()}
        a, b = ranges[pw.pre]
        all_dc = np.arange(dc0, ranges["dc"][1], dtype=np.int64)
        if pw.pre == "dc" and by_position:
            connect(all_dc, pw.post, pw, wr, aux, roles == ROLE_SURROUND)
        elif pw.pre == "dc":
            connect(dc0 + np.nonzero(roles == ROLE_SURROUND)[0], pw.post, pw, wr)
        else:
            connect(np.arange(a, b, dtype=np.int64), pw.post, pw, wr)
            if pw.pre == "abeta" and by_position:
                connect(all_dc, pw.post, pw, wr, aux, roles == ROLE_INFIELD)
            elif pw.pre == "abeta" and n_infield > 0:
                connect(dc0 + np.nonzero(roles == ROLE_INFIELD)[0], pw.post, pw, wr)

    if pre_l:
        pre = np.concatenate(pre_l)
        post = np.concatenate(post_l)
        rec = np.concatenate(rec_l)
        w = np.concatenate(w_l)
    else:
        pre = post = rec = np.zeros(0, dtype=np.int64)
        w = np.zeros(0)
    order = np.lexsort((rec, post, pre))
    pre, post, rec, w = pre[order], post[order], rec[order], w[order]
    indptr = np.zeros(n_tot + 1, dtype=np.int64)
    np.cumsum(np.bincount(pre, minlength=n_tot), out=indptr[1:])

    neuron: dict[str, np.ndarray] = {}
    for field in AdEx.model_fields:
        arr = np.empty(n_neu)
        for pop in NEURON_POPULATIONS:
            a, b = ranges[pop]
            arr[a - n_src:b - n_src] = getattr(getattr(params, pop), field)
        neuron[field] = arr
    g_can = np.zeros(n_neu)
    a, b = ranges["wdr"]
    g_can[a - n_src:b - n_src] = params.wdr_can.g_max_ns
    stp = np.zeros(n_src, dtype=bool)
    stp[ranges["dc"][0]:ranges["dc"][1]] = True
    return Network(params=params, n_sources=n_src, n_neurons=n_neu, ranges=ranges, pop_id=pop_id,
                   indptr=indptr, target=post, receptor=rec, weight_ns=w,
                   delay_ms=np.full(w.size, params.delay_ms), stp_source=stp, neuron=neuron, g_can_ns=g_can,
                   dc_role=roles)
