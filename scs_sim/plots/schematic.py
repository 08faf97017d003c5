"""The gate as a diagram: populations as nodes, synapses as arrows, coloured by activity."""

from __future__ import annotations

import numpy as np

from scs_sim.plots._common import get_ax

__all__ = ["EXCITATORY", "INHIBITORY", "circuit_edges", "plot_circuit_schematic"]

#: Receptor → sign of a pathway in the schematic.
EXCITATORY = ("ampa", "nmda", "nk1_ex", "nk1_wdr")
INHIBITORY = ("gaba_a", "glycine")

#: Node positions (x, y): afferents on top, interneurons in the middle, the WDR output at the bottom.
_POS = {
    "dc": (-1.6, 2.0),
    "abeta": (-0.35, 2.0),
    "adelta": (0.5, 2.0),
    "c": (1.55, 2.0),
    "surround_in": (-1.6, 1.0),
    "local_in": (-0.75, 1.0),
    "ex": (1.0, 1.0),
    "wdr": (0.0, 0.0),
}
_LABEL = {
    "dc": "DC (SCS)",
    "abeta": "Aβ",
    "adelta": "Aδ",
    "c": "C",
    "surround_in": "surround IN",
    "local_in": "local IN",
    "ex": "EX",
    "wdr": "WDR",
}


def circuit_edges(params, *, infield: bool | None = None) -> list[tuple[str, str, str, float, str]]:
    """The schematic's edges from circuit parameters: ``(pre, post, sign, weight_ns, name)``.

    ``sign`` is ``"exc"`` or ``"inh"`` (a pathway with both kinds of receptor gives one edge of each);
    pathways whose weights are all zero are left out. When some DC sources are in-field (``infield``;
    default: ``coverage > 0``) they also drive the Aβ targets (edges named ``dc_infield_<post>``).
    """
    edges = []
    for name, pw in params.pathways.items():
        for sign, recs in (("exc", EXCITATORY), ("inh", INHIBITORY)):
            w = sum(float(v) for r, v in pw.weights_ns.items() if r in recs) * pw.contacts * pw.gain
            if w > 0:
                edges.append((pw.pre, pw.post, sign, w, name))
    if infield is None:
        infield = getattr(params, "coverage", 0.0) > 0
    if infield:
        for pre, post, sign, w, _ in list(edges):
            if pre == "abeta":
                edges.append(("dc", post, sign, w, f"dc_infield_{post}"))
    return edges


def _recruited_infield(result) -> bool | None:
    """Whether a run's recruited DC/DR fibres include in-field ones (None: not known, use ``coverage``)."""
    role = getattr(result, "dc_role", None)
    rec = getattr(result, "recruitment", None)
    if role is None or rec is None:
        return None
    from scs_sim.dorsal_horn.afferents import ROLE_INFIELD

    fired = np.asarray(rec.spike_count) > 0
    n = min(fired.size, role.size)
    return bool(np.any(fired[:n] & (role[:n] == ROLE_INFIELD)))


def _params_of(result):
    """The circuit parameters a run used (``Result.circuit_params``)."""
    return result.circuit_params


def plot_circuit_schematic(
    result=None, ax=None, *, params=None, rates_hz: dict | None = None, cmap: str = "YlOrRd", **style
):
    """Draw the dorsal-horn gate circuit: populations as nodes, synapses as edges.

    Excitatory synapses are red arrows; inhibitory ones blue lines with a flat (bar) head. Nodes are
    coloured by mean rate (Hz per cell) from ``result.rates_hz`` (or ``rates_hz``; populations without
    a rate, e.g. in the rate model, are grey), and labelled with the rate and, for the WDR node, its
    paired no-stimulation baseline.

    Parameters
    ----------
    result : scs_sim.simulation.Result, optional
        Supplies the rates and (unless ``params``) the circuit parameters.
    params : scs_sim.dorsal_horn.params.CircuitParams, optional
        Default: the result's circuit preset (with the patient's overrides), else ``preset()``.
    rates_hz : dict, optional
        ``{population: mean rate}`` overriding the result's.

    Returns
    -------
    Axes
        Its first collection holds the nodes (one point per population, in the order of
        ``_POS``: dc, abeta, adelta, c, surround_in, local_in, ex, wdr) with the mean rates as the
        colour array (NaN: no rate); every edge is a ``FancyArrowPatch`` in ``ax.patches`` with a
        ``gid`` of ``"exc:<pre>-><post>"`` or ``"inh:<pre>-><post>"``.
    """
    from matplotlib.colors import Normalize
    from matplotlib.patches import FancyArrowPatch

    from scs_sim.dorsal_horn.params import preset

    ax = get_ax(ax)
    if params is None:
        params = _params_of(result) if result is not None else preset()
    rates = {}
    if result is not None:
        rates = {p: float(np.mean(v)) for p, v in result.rates_hz.items() if np.size(v)}
    if rates_hz:
        rates.update({k: float(v) for k, v in rates_hz.items()})
    pops = list(_POS)
    vals = np.array([rates.get(p, np.nan) for p in pops], dtype=float)
    fin = np.isfinite(vals)
    norm = Normalize(0.0, float(vals[fin].max()) if fin.any() and vals[fin].max() > 0 else 1.0)
    xy = np.array([_POS[p] for p in pops])
    from matplotlib import colormaps

    sc = ax.scatter(
        xy[:, 0],
        xy[:, 1],
        s=style.get("node_size", 2400),
        c=vals,
        cmap=colormaps[cmap].with_extremes(bad="0.88"),
        norm=norm,
        edgecolors="0.2",
        linewidths=1.0,
        zorder=3,
        plotnonfinite=True,
    )
    base = {}
    if result is not None:
        base = {p: float(np.mean(v)) for p, v in result.baseline_rates_hz.items() if np.size(v)}
    for p, (x, y), v in zip(pops, xy, vals, strict=True):
        txt = _LABEL[p]
        if np.isfinite(v):
            txt += f"\n{v:.1f} Hz"
            if p == "wdr" and p in base:
                txt += f"\n(no SCS {base[p]:.1f})"
        dark = np.isfinite(v) and norm(v) > 0.6
        ax.text(x, y, txt, ha="center", va="center", fontsize=7, zorder=4, color="w" if dark else "k")
    edges = circuit_edges(params, infield=_recruited_infield(result))
    seen: dict[tuple[str, str], int] = {}
    for pre, post, sign, _w, name in edges:
        k = seen.get((pre, post), 0)
        seen[(pre, post)] = k + 1
        rad = 0.12 + 0.18 * k if (pre, post) != ("ex", "wdr") else -0.15
        if _POS[pre][1] == _POS[post][1]:
            rad = 0.3 if _POS[pre][0] < _POS[post][0] else -0.3  # same row: bow around the nodes between
        exc = sign == "exc"
        arrow = FancyArrowPatch(
            _POS[pre],
            _POS[post],
            arrowstyle="-|>,head_length=0.7,head_width=0.35" if exc else "|-|,widthA=0,widthB=0.5",
            connectionstyle=f"arc3,rad={rad}",
            color="C3" if exc else "C0",
            lw=1.5,
            shrinkA=26,
            shrinkB=27,
            mutation_scale=12,
            zorder=2,
            ls="--" if name.startswith("dc_infield") else "-",
        )
        arrow.set_gid(f"{sign}:{pre}->{post}")
        ax.add_patch(arrow)
    ax.plot([], [], color="C3", lw=1.4, label="excitatory (→)")
    ax.plot([], [], color="C0", lw=1.4, label="inhibitory (⊣)")
    ax.legend(fontsize=7, loc="lower right", frameon=False)
    ax.figure.colorbar(sc, ax=ax, label="mean rate (Hz per cell)", shrink=0.7)
    ax.set_xlim(-2.3, 2.3)
    ax.set_ylim(-0.5, 2.5)
    ax.set_aspect("equal")
    ax.set_axis_off()
    title = "dorsal-horn gate"
    if result is not None:
        m = result.metrics
        title += f": {m.get('program', '')} (relief {m.get('relief_pct', float('nan')):.0f} %)"
    ax.set_title(title, fontsize=10)
    return ax
