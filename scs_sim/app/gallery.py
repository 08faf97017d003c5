"""The README gallery: every figure of ``docs/gallery``, from real simulations.

Owns :func:`write_gallery` (used by ``scs-sim gallery`` and ``docs/gallery/make_gallery.py``). It
computes with the library (:mod:`scs_sim.fibers.curves`, :mod:`scs_sim.fibers.recruitment`,
:mod:`scs_sim.simulation`, a small sweep) and hands the results to :mod:`scs_sim.plots`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["write_gallery"]

_GALLERY_PROGRAMS = ("tonic_50hz", "burst_dr", "hf_10khz", "hd_1khz", "multiplexed_dtm", "custom_example")


def write_gallery(
    out_dir: str | Path = "docs/gallery", *, seed: int = 1, dpi: int = 100, log=None
) -> list[Path]:
    """Regenerate the README gallery images in ``out_dir``; returns the files written.

    Waveforms of every program kind, recruitment curve, strength–duration curve, dorsal-column
    cross-section, 50 Hz vs 10 kHz fibre raster, gate schematic, run figure (raster + rates), and a
    small sweep's frequency response and heatmap (7 × 4 points × 3 seeds of 1 s spiking runs, serially, in a
    temporary store). Takes well under 3 minutes on one core.
    """
    import shutil
    import tempfile

    import matplotlib.pyplot as plt

    from scs_sim.config.loader import load_program
    from scs_sim.fibers.anatomy import Anatomy, build_fibers
    from scs_sim.fibers.curves import fiber_thresholds, recruitment_curves
    from scs_sim.fibers.recruitment import recruit
    from scs_sim.fibers.threshold import fit_strength_duration, strength_duration
    from scs_sim.plots import (
        plot_circuit_schematic,
        plot_cross_section,
        plot_fiber_raster,
        plot_frequency_response,
        plot_heatmap,
        plot_pulse_shape,
        plot_recruitment_curve,
        plot_strength_duration,
        plot_train,
        run_figure,
    )
    from scs_sim.simulation import simulate
    from scs_sim.stim.programs import high_frequency, pulse_train, tonic
    from scs_sim.study import run_sweep
    from scs_sim.study.store import load_results
    from scs_sim.validation.references import HERSHEY_2010

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    log = log or (lambda msg: None)

    def save(fig, name: str) -> None:
        p = out / name
        fig.savefig(p, dpi=dpi)
        plt.close(fig)
        written.append(p)
        log(f"wrote {p}")

    # 1. waveforms of every kind (one pulse above, train below; one column per program)
    fig, axes = plt.subplots(2, 3, figsize=(15, 7), layout="constrained")
    for ax, name in zip(axes.flat, _GALLERY_PROGRAMS, strict=True):
        plot_pulse_shape(load_program(name)[0], ax=ax)
    save(fig, "waveforms_pulse_shapes.png")
    fig, axes = plt.subplots(2, 3, figsize=(15, 6.5), layout="constrained")
    for ax, name in zip(axes.flat, _GALLERY_PROGRAMS, strict=True):
        plot_train(load_program(name)[0], ax=ax)
    save(fig, "waveforms_trains.png")

    # 2. recruitment
    fibers = build_fibers(Anatomy(), np.random.default_rng(seed))
    amps = np.linspace(1.0, 25.0, 25)
    curves = recruitment_curves(tonic(), fibers, amps, (60.0, 210.0, 450.0, 1000.0), seed=seed)
    fig, ax = plt.subplots(figsize=(6.4, 4.0), layout="constrained")
    plot_recruitment_curve(amps, curves, ax=ax)
    save(fig, "recruitment_curve.png")
    pws = np.array([60.0, 90.0, 120.0, 210.0, 300.0, 450.0, 700.0, 1000.0])
    thr = strength_duration(tonic(), fibers, seed, pws, duration_s=0.3)
    fig, ax = plt.subplots(figsize=(6.4, 4.0), layout="constrained")
    plot_strength_duration(
        pws, thr, ax=ax, fit=fit_strength_duration(pws, thr), reference=HERSHEY_2010.reference, reference_label="Hershey 2010"
    )
    save(fig, "strength_duration.png")
    scan_amps = np.linspace(1.0, 25.0, 49)
    thr_f = fiber_thresholds(tonic(), fibers, scan_amps, seed=seed)
    fig, ax = plt.subplots(figsize=(7.5, 4.2), layout="constrained")
    plot_cross_section(fibers, ax=ax, thresholds_ma=thr_f)
    ax.set_title("dorsal-column cross-section: tonic 210 µs activation threshold", fontsize=10)
    save(fig, "cross_section.png")
    r50 = recruit(pulse_train(tonic(amplitude_ma=10.0)), fibers, np.random.default_rng(seed), 0.5)
    r10k = recruit(pulse_train(high_frequency(amplitude_ma=30.0)), fibers, np.random.default_rng(seed), 0.5)
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
    plot_fiber_raster(r50, ax=a, t1=0.2, title=None)
    a.set_title(
        f"50 Hz, 210 µs, 10 mA: {int((r50.recruited & ~r50.is_dr).sum())} DC fibres, locked to pulses",
        fontsize=9,
    )
    plot_fiber_raster(r10k, ax=b, t1=0.2)
    b.set_title(
        f"10 kHz, 30 µs, 30 mA: {int((r10k.recruited & ~r10k.is_dr).sum())} DC fibres, asynchronous",
        fontsize=9,
    )
    save(fig, "raster_50hz_vs_10khz.png")

    # 3. the gate
    res = simulate("tonic_50hz", duration_s=2.0, seed=seed)
    fig, ax = plt.subplots(figsize=(7.5, 4.2), layout="constrained")
    plot_circuit_schematic(res, ax=ax)
    save(fig, "gate_schematic.png")
    save(run_figure(res), "run_figure.png")

    # 4. a small sweep: frequency × amplitude, 1 s spiking runs, 3 replicates
    spec = {
        "program": {
            "name": "tonic",
            "kind": "tonic",
            "frequency_hz": 50.0,
            "pulse_width_us": 210.0,
            "amplitude_ma": 6.0,
        },
        "simulation": {"duration_s": 1.0, "seed": seed},
        "sweep": {
            "method": "grid",
            "replicates": 3,
            "seed": seed,
            "axes": {
                "program.frequency_hz": {"log_range": [2.0, 1000.0], "num": 7},
                "program.amplitude_ma": [4.0, 6.0, 8.0, 10.0],
            },
        },
    }
    tmp = Path(tempfile.mkdtemp(prefix="scs_gallery_"))
    try:
        run_sweep(spec, out=tmp / "store", backend="serial", progress=False)
        table = load_results(tmp / "store")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    fig, ax = plt.subplots(figsize=(7.0, 4.2), layout="constrained")
    plot_frequency_response(table, by="program.amplitude_ma", ax=ax)
    save(fig, "frequency_response.png")
    fig, ax = plt.subplots(figsize=(7.0, 4.2), layout="constrained")
    plot_heatmap(table, "program.frequency_hz", "program.amplitude_ma", ax=ax)
    save(fig, "sweep_heatmap.png")
    return written
