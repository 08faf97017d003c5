"""The ``show``, ``validate`` and ``waveform`` commands: programs and config files, no simulation."""

from __future__ import annotations

import sys
from pathlib import Path

from scs_sim.app.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    add_command,
    format_table,
    load_program_and_train,
    print_json,
    save_figure,
    use_agg,
)
from scs_sim.errors import ConfigError

__all__ = ["cmd_show", "cmd_validate", "cmd_waveform", "register"]


def register(sub, commands: dict) -> None:
    """Add the ``show``, ``validate`` and ``waveform`` sub-commands to ``sub`` and their functions to ``commands``."""
    sp = add_command(sub, "show", "summary and dosimetry table of programs")
    sp.add_argument("program", nargs="+", help="program TOML file or preset name (e.g. tonic_50hz)")
    sp.add_argument("--device", help="device TOML file or preset (rechargeable, primary)")

    sp = add_command(sub, "validate", "check config files; exit 2 if any is invalid")
    sp.add_argument("file", nargs="+")

    sp = add_command(sub, "waveform", "plot a program's pulse shape and a train window")
    sp.add_argument("program")
    sp.add_argument("--out", required=True, help="image file (.png, .pdf, .svg)")

    commands.update({"show": cmd_show, "validate": cmd_validate, "waveform": cmd_waveform})


def cmd_show(args) -> int:
    from scs_sim.config.loader import load_device
    from scs_sim.stim.dosimetry import dosimetry

    device = load_device(args.device)
    rows = []
    for ref in args.program:
        program, train = load_program_and_train(ref)
        rows.append(dosimetry(program, device, train=train).as_dict())
    if args.json:
        print_json(rows)
        return EXIT_OK
    battery = "battery_life_days" if rows and "battery_life_days" in rows[0] else "recharge_min_per_day"
    cols = [
        ("name", "program", ""),
        ("kind", "kind", ""),
        ("pulses_per_s", "pulses/s", ".6g"),
        ("charge_per_phase_uc", "Q/phase µC", ".3f"),
        ("charge_density_uc_per_cm2", "D µC/cm²", ".2f"),
        ("shannon_k", "Shannon k", ".2f"),
        ("shannon_safe", "k<1.85", ""),
        ("density_safe", "D≤30", ""),
        ("load_voltage_v", "V load", ".1f"),
        ("within_compliance", "in compl.", ""),
        ("tissue_power_uw", "tissue µW", ".0f"),
        ("battery_power_uw", "battery µW", ".0f"),
        (battery, "life days" if battery == "battery_life_days" else "recharge min/d", ".1f"),
        ("feasible", "feasible", ""),
    ]
    print(
        f"device: {device.name} ({device.battery}, {device.impedance_ohm:g} Ω, "
        f"contact {device.contact_area_cm2:.4f} cm²)"
    )
    print(format_table(rows, cols))
    bad = [r for r in rows if not r["feasible"]]
    for r in bad:
        print(f"INFEASIBLE {r['name']}: {r['infeasible_reasons']}")
    print(
        f"{len(rows) - len(bad)} of {len(rows)} feasible on this device (Shannon k < 1.85, charge density "
        "<= 30 µC/cm², compliance, recharge <= 24 h/day or primary-cell life); discomfort needs a run "
        "(scs-sim run / compare)."
    )
    return EXIT_OK


def _validate_one(ref: str) -> None:
    """Check a config file as every command that takes it would; raise :class:`ConfigError`.

    A run config or a program, patient or device file is loaded and checked (:func:`scs_sim.config.load`);
    a file with a ``[sweep]`` table is also read as a sweep spec (:func:`scs_sim.study.load_spec`: the
    options, the axes and every point's config), exactly as ``sweep`` and ``compare`` read it.
    """
    from scs_sim.config.loader import find_file, load, parse, read_toml

    path = find_file(ref)
    data = read_toml(path)
    if "sweep" in data:
        from scs_sim.study import load_spec

        rest = {k: v for k, v in data.items() if k != "sweep"}
        parse(rest, file=str(path), base=path.parent)
        load_spec(str(path))
    else:
        load(ref)


def cmd_validate(args) -> int:
    results = []
    for f in args.file:
        try:
            _validate_one(f)
            results.append({"file": f, "ok": True, "error": None})
        except ConfigError as exc:
            results.append({"file": f, "ok": False, "error": str(exc)})
    if args.json:
        print_json(results)
    else:
        for r in results:
            print(
                f"{r['file']}: ok" if r["ok"] else f"{r['error']}", file=sys.stdout if r["ok"] else sys.stderr
            )
    return EXIT_OK if all(r["ok"] for r in results) else EXIT_BAD_INPUT


def cmd_waveform(args) -> int:
    program, train = load_program_and_train(args.program)
    out = Path(args.out)
    if out.suffix.lower() not in (".png", ".pdf", ".svg"):
        raise ConfigError(f"--out must end in .png, .pdf or .svg (got '{out.name}')")
    if not out.parent.exists():
        raise ConfigError(f"--out: folder does not exist: {out.parent}")
    use_agg()
    import matplotlib.pyplot as plt

    from scs_sim.plots import plot_pulse_shape, plot_train

    fig, (a, b) = plt.subplots(2, 1, figsize=(7, 6), layout="constrained")
    plot_pulse_shape(program, ax=a, train=train)
    plot_train(program, ax=b, train=train)
    save_figure(fig, out)
    if args.json:
        print_json({"file": str(out), "program": program.name or program.kind})
    else:
        print(out)
    return EXIT_OK
