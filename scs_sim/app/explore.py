"""Desktop explorer (thin fallback of the browser explorer, :mod:`scs_sim.app.explore_web`): program
sliders → waveform, DC-fibre recruitment and the WDR response.

``scs-sim explore`` serves the browser explorer; this matplotlib window is ``--desktop`` (needs a
display) and ``--headless --out FILE.png``. New views go into the browser explorer only.

:class:`Explorer` owns one matplotlib figure with RadioButtons (program kind: tonic, burst,
high_frequency) and sliders (frequency, amplitude, pulse width). Each change re-builds the program,
re-runs a short simulation (default: 1 s of the spiking gate, about 0.2–0.5 s of wall time warm) and
redraws three panels: the pulse train, the raster of the recruited dorsal-column fibres, and the
WDR rate against its no-stimulation baseline. Headless use (tests, ``scs-sim explore --headless``):
``Explorer(headless=True)`` draws on an Agg canvas, ``.set(...)`` or a slider's ``set_val`` triggers
the update, ``.save(path)`` writes a PNG.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from scs_sim.errors import ScsSimError

__all__ = ["KIND_CONTROLS", "KIND_DEFAULTS", "KINDS", "Explorer", "KindControls", "explore", "make_program"]


@dataclass(frozen=True)
class KindControls:
    """How the explorer's controls make a program of one kind.

    ``frequency_field`` is the program field the frequency slider sets (burst: the burst rate),
    ``label`` the name prefix, ``defaults`` the slider values loaded when the kind is chosen (the
    presets' values) and ``fixed`` further program fields.
    """

    frequency_field: str
    label: str
    defaults: dict
    fixed: dict = field(default_factory=dict)


#: The explorer's program kinds (keys of :data:`scs_sim.stim.programs.PROGRAM_KINDS`); one entry per kind.
KIND_CONTROLS: dict[str, KindControls] = {
    "tonic": KindControls(
        "frequency_hz", "tonic", {"frequency_hz": 50.0, "amplitude_ma": 8.0, "pulse_width_us": 210.0}
    ),
    "burst": KindControls(
        "burst_frequency_hz",
        "burst",
        {"frequency_hz": 40.0, "amplitude_ma": 2.2, "pulse_width_us": 1000.0},
        {"recharge": "passive"},
    ),
    "high_frequency": KindControls(
        "frequency_hz", "HF", {"frequency_hz": 10_000.0, "amplitude_ma": 3.0, "pulse_width_us": 30.0}
    ),
}
KINDS = tuple(KIND_CONTROLS)

#: Slider ranges (min, max) per parameter; frequency is on a log10 slider.
FREQ_RANGE_HZ = (2.0, 10_000.0)
AMP_RANGE_MA = (0.1, 30.0)
PW_RANGE_US = (10.0, 1000.0)

#: Defaults applied when the kind changes (the presets' values).
KIND_DEFAULTS = {kind: c.defaults for kind, c in KIND_CONTROLS.items()}


def make_program(kind: str, frequency_hz: float, amplitude_ma: float, pulse_width_us: float):
    """The explorer's program for the current controls (burst: ``frequency_hz`` is the burst rate).

    Raises :class:`~scs_sim.errors.ConfigError` when the pulse does not fit the period.
    """
    from scs_sim.stim.programs import PROGRAM_KINDS

    if kind not in KIND_CONTROLS:
        raise ScsSimError(f"unknown kind {kind!r} (one of {', '.join(KINDS)})")
    c = KIND_CONTROLS[kind]
    return PROGRAM_KINDS[kind](
        **{c.frequency_field: frequency_hz},
        amplitude_ma=amplitude_ma,
        pulse_width_us=pulse_width_us,
        **c.fixed,
        name=f"{c.label} {frequency_hz:.4g} Hz",
    )


class Explorer:
    """The interactive explorer (see the module docstring).

    Parameters
    ----------
    kind, frequency_hz, amplitude_ma, pulse_width_us : initial controls
    patient : Patient, path or preset name, optional
    duration_s : float
        Simulated time per update, s.
    model : {"spiking", "rate"}
    seed : int
    headless : bool
        Draw on an Agg canvas (no window; for tests and ``--headless``).

    Attributes
    ----------
    fig : Figure
    ax_wave, ax_rec, ax_wdr : Axes
    radio : RadioButtons
    sliders : dict of Slider (``"frequency"`` holds log10 Hz, ``"amplitude"`` mA, ``"pulse_width"`` µs)
    result : Result or None (None when the last controls made an invalid program)
    last_update_s : float
        Wall time of the last update (program, simulation and redraw), s.
    updates : int

    Examples
    --------
    >>> ex = Explorer(headless=True, duration_s=0.5)  # doctest: +SKIP
    >>> ex.set(kind="high_frequency", amplitude_ma=3.0)  # doctest: +SKIP
    >>> ex.save("explore.png")  # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        kind: str = "tonic",
        frequency_hz: float | None = None,
        amplitude_ma: float | None = None,
        pulse_width_us: float | None = None,
        patient=None,
        duration_s: float = 1.0,
        model: str = "spiking",
        seed: int = 1,
        headless: bool = False,
    ):
        from scs_sim.config.loader import load_patient

        if kind not in KINDS:
            raise ScsSimError(f"unknown kind {kind!r} (one of {', '.join(KINDS)})")
        self.patient = (
            load_patient(patient) if patient is None or isinstance(patient, str | Path) else patient
        )
        self.duration_s = float(duration_s)
        self.model = model
        self.seed = int(seed)
        self.headless = headless
        d = KIND_DEFAULTS[kind]
        self.state = {
            "kind": kind,
            "frequency_hz": float(frequency_hz if frequency_hz is not None else d["frequency_hz"]),
            "amplitude_ma": float(amplitude_ma if amplitude_ma is not None else d["amplitude_ma"]),
            "pulse_width_us": float(pulse_width_us if pulse_width_us is not None else d["pulse_width_us"]),
        }
        self.result = None
        self.error: str | None = None
        self.last_update_s = math.nan
        self.updates = 0
        self._muted = False
        self._build_figure()
        self.update()

    # -- figure ----------------------------------------------------------------------------------
    def _build_figure(self) -> None:
        from matplotlib.widgets import RadioButtons, Slider

        if self.headless:
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            from matplotlib.figure import Figure

            self.fig = Figure(figsize=(11, 7.5))
            FigureCanvasAgg(self.fig)
        else:
            import matplotlib.pyplot as plt

            self.fig = plt.figure(figsize=(11, 7.5))
        fig = self.fig
        fig.subplots_adjust(left=0.08, right=0.97, top=0.93, bottom=0.30, hspace=0.75, wspace=0.25)
        gs = fig.add_gridspec(2, 2)
        self.ax_wave = fig.add_subplot(gs[0, :])
        self.ax_rec = fig.add_subplot(gs[1, 0])
        self.ax_wdr = fig.add_subplot(gs[1, 1])
        ax_radio = fig.add_axes((0.03, 0.03, 0.16, 0.17))
        ax_radio.set_title("program kind", fontsize=9)
        self.radio = RadioButtons(ax_radio, KINDS, active=KINDS.index(self.state["kind"]))
        s = self.state
        self.sliders = {
            "frequency": Slider(
                fig.add_axes((0.33, 0.17, 0.55, 0.03)),
                "frequency (log scale)",
                math.log10(FREQ_RANGE_HZ[0]),
                math.log10(FREQ_RANGE_HZ[1]),
                valinit=math.log10(s["frequency_hz"]),
            ),
            "amplitude": Slider(
                fig.add_axes((0.33, 0.11, 0.55, 0.03)),
                "amplitude (mA)",
                *AMP_RANGE_MA,
                valinit=s["amplitude_ma"],
            ),
            "pulse_width": Slider(
                fig.add_axes((0.33, 0.05, 0.55, 0.03)),
                "pulse width (µs)",
                *PW_RANGE_US,
                valinit=s["pulse_width_us"],
            ),
        }
        self.sliders["frequency"].valtext.set_text(f"{s['frequency_hz']:.4g} Hz")
        self.radio.on_clicked(self._on_kind)
        self.sliders["frequency"].on_changed(
            lambda v: self._on_slider("frequency_hz", float(f"{10.0**v:.6g}"))
        )
        self.sliders["amplitude"].on_changed(lambda v: self._on_slider("amplitude_ma", v))
        self.sliders["pulse_width"].on_changed(lambda v: self._on_slider("pulse_width_us", v))

    # -- events ----------------------------------------------------------------------------------
    def _on_kind(self, label: str) -> None:
        if self._muted:
            return
        self.state["kind"] = label
        self._muted = True  # move the sliders to the kind's defaults without an update per slider
        try:
            d = KIND_DEFAULTS[label]
            self.sliders["frequency"].set_val(math.log10(d["frequency_hz"]))
            self.sliders["amplitude"].set_val(d["amplitude_ma"])
            self.sliders["pulse_width"].set_val(d["pulse_width_us"])
            self.state.update(d)
        finally:
            self._muted = False
        self.update()

    def _on_slider(self, key: str, value: float) -> None:
        self.state[key] = float(value)
        if key == "frequency_hz":
            self.sliders["frequency"].valtext.set_text(f"{value:.4g} Hz")
        if not self._muted:
            self.update()

    def set(self, **controls) -> Explorer:
        """Change controls (``kind``, ``frequency_hz``, ``amplitude_ma``, ``pulse_width_us``) through the
        widgets (as a user would) and update once. A new ``kind`` first loads that kind's defaults."""
        unknown = set(controls) - {"kind", "frequency_hz", "amplitude_ma", "pulse_width_us"}
        if unknown:
            raise ScsSimError(f"unknown control(s): {', '.join(sorted(unknown))}")
        self._muted = True
        try:
            if "kind" in controls and controls["kind"] != self.state["kind"]:
                if controls["kind"] not in KINDS:
                    raise ScsSimError(f"unknown kind {controls['kind']!r} (one of {', '.join(KINDS)})")
                self.radio.set_active(KINDS.index(controls["kind"]))  # muted: no update yet
                self.state["kind"] = controls["kind"]
                d = KIND_DEFAULTS[controls["kind"]]
                controls = {**d, **{k: v for k, v in controls.items() if k != "kind"}}
            if "frequency_hz" in controls:
                self.sliders["frequency"].set_val(math.log10(float(controls["frequency_hz"])))
            if "amplitude_ma" in controls:
                self.sliders["amplitude"].set_val(float(controls["amplitude_ma"]))
            if "pulse_width_us" in controls:
                self.sliders["pulse_width"].set_val(float(controls["pulse_width_us"]))
        finally:
            self._muted = False
        self.update()
        return self

    # -- update ----------------------------------------------------------------------------------
    def update(self) -> None:
        """Re-build the program, re-simulate and redraw the three panels."""
        from scs_sim.errors import ConfigError
        from scs_sim.plots import plot_fiber_raster, plot_train
        from scs_sim.simulation import simulate

        t0 = time.perf_counter()
        s = self.state
        for ax in (self.ax_wave, self.ax_rec, self.ax_wdr):
            ax.clear()
        try:
            program = make_program(s["kind"], s["frequency_hz"], s["amplitude_ma"], s["pulse_width_us"])
            self.result = simulate(
                program, self.patient, duration_s=self.duration_s, seed=self.seed, model=self.model
            )
            self.error = None
        except (ConfigError, ValueError) as exc:  # pydantic's ValidationError is a ValueError
            msg = str(exc)
            if hasattr(exc, "errors"):
                msg = "; ".join(e.get("msg", "") for e in exc.errors())
            self.result, self.error = None, msg
        if self.result is None:
            for ax in (self.ax_wave, self.ax_rec, self.ax_wdr):
                ax.text(
                    0.5,
                    0.5,
                    "invalid program:\n" + (self.error or ""),
                    transform=ax.transAxes,
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="C3",
                    wrap=True,
                )
        else:
            r = self.result
            plot_train(program, ax=self.ax_wave)
            self._safety_title(r)
            plot_fiber_raster(r.recruitment, ax=self.ax_rec, t1=min(self.duration_s, 0.25))
            m = r.metrics
            self.ax_rec.set_title(
                f"DC fibres: {m['recruited_dc_fibers']} recruited, synchrony "
                f"{m['synchrony']:.2f}, paresthesia {'yes' if m['paresthesia'] else 'no'}",
                fontsize=9,
            )
            self._plot_wdr(r)
        self.last_update_s = time.perf_counter() - t0
        self.updates += 1
        self.fig.suptitle(
            f"scs-sim explore: {s['kind']}, {s['frequency_hz']:.4g} Hz, {s['amplitude_ma']:.3g} mA, "
            f"{s['pulse_width_us']:.0f} µs  (update {self.last_update_s * 1e3:.0f} ms; "
            "teaching tool, not for clinical decisions)",
            fontsize=10,
        )
        self.fig.canvas.draw_idle()

    def _safety_title(self, r) -> None:
        """Charge, Shannon k and the feasibility flags (docs/MODEL.md §1) above the pulse train."""
        d = r.dosimetry
        train = self.ax_wave.get_title()  # plot_train's "N pulses/s"
        head = f"{train + '; ' if train else ''}{d['charge_per_phase_uc']:.2g} µC/phase, Shannon k {d['shannon_k']:.2f}"
        if d.get("feasible", True) and not r.metrics.get("discomfort"):
            self.ax_wave.set_title(head + ": feasible", fontsize=9)
            return
        why = [d["infeasible_reasons"]] if d.get("infeasible_reasons") else []
        if r.metrics.get("discomfort"):
            why.append("discomfort")
        text = "; ".join(why)
        if len(text) > 70:
            text = text[:67] + "..."
        self.ax_wave.set_title(f"{head}: INFEASIBLE ({text})", fontsize=8, color="C3")

    def _plot_wdr(self, r) -> None:
        ax = self.ax_wdr
        k = 10
        ker = np.ones(k) / k
        y = np.convolve(r.rates_hz["wdr"], ker, mode="same")
        b = np.convolve(r.baseline_rates_hz["wdr"], ker, mode="same")
        ax.plot(r.t_s, y, color="C3", lw=1.4, label="WDR with SCS")
        ax.plot(r.t_s, b, color="C3", ls="--", lw=1.0, label="WDR, no stimulation")
        ax.set_xlabel("time (s)")
        ax.set_ylabel("rate (Hz per cell)")
        ax.legend(fontsize=7, loc="upper right")
        m = r.metrics
        ax.set_title(
            f"WDR {m['wdr_rate_hz']:.1f} Hz vs {m['baseline_wdr_rate_hz']:.1f} Hz: relief "
            f"{m['relief_pct']:.0f} %",
            fontsize=9,
        )

    # -- output ----------------------------------------------------------------------------------
    def save(self, path: str | Path, *, dpi: int = 100) -> Path:
        """Write the current figure (PNG, or the format of the suffix); returns the path."""
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        self.fig.savefig(p, dpi=dpi)
        return p

    def show(self) -> None:
        """Open the window and block until it is closed (not headless)."""
        import matplotlib.pyplot as plt

        plt.show()


def explore(*, headless: bool = False, out: str | Path | None = None, **kwargs) -> Explorer:
    """Start the explorer: a window (default), or render once headless to ``out``; returns the Explorer."""
    ex = Explorer(headless=headless, **kwargs)
    if out is not None:
        ex.save(out)
    if not headless:
        ex.show()
    return ex
