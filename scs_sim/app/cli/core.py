"""The ``scs-sim`` command line.

Exit status: 0 ok; 2 bad input (one clear line on stderr, no traceback); 1 internal error.
Every command takes ``--json`` for machine-readable output on stdout (keys in DESIGN §7).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from scs_sim._version import __version__
from scs_sim.app.cli import bench as _cli_bench
from scs_sim.app.cli import report as _cli_report
from scs_sim.app.cli import study as _cli_sweep
from scs_sim.app.cli import validate as _cli_validate
from scs_sim.errors import ConfigError, ScsSimError

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2

_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line and exit status 2."""

    def error(self, message: str):  # noqa: D401 - argparse API
        raise ConfigError(f"{message} (see '{self.prog} --help')")


def _command(name: str):
    def deco(fn):
        _COMMANDS[name] = fn
        return fn

    return deco


def _json_default(o):
    if isinstance(o, float) and not math.isfinite(o):
        return None
    if hasattr(o, "item"):
        return o.item()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def _clean(o):
    """Replace non-finite floats by None (JSON has no NaN/Inf)."""
    if isinstance(o, float):
        return o if math.isfinite(o) else None
    if isinstance(o, dict):
        return {k: _clean(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [_clean(v) for v in o]
    return o


def _print_json(obj) -> None:
    print(json.dumps(_clean(obj), indent=2, default=_json_default))


def _table(rows: list[dict], columns: list[tuple[str, str, str]]) -> str:
    """Format rows as a plain text table; columns are (key, header, format)."""
    cells = [[h for _, h, _ in columns]]
    for r in rows:
        line = []
        for key, _, fmt in columns:
            v = r.get(key)
            if v is None:
                line.append("-")
            elif isinstance(v, bool):
                line.append("yes" if v else "no")
            elif isinstance(v, float):
                line.append(format(v, fmt))
            else:
                line.append(str(v))
        cells.append(line)
    widths = [max(len(c[i]) for c in cells) for i in range(len(columns))]
    out = []
    for j, c in enumerate(cells):
        out.append(
            "  ".join(
                s.rjust(w) if j and i else s.ljust(w) for i, (s, w) in enumerate(zip(c, widths, strict=True))
            )
        )
        if j == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def _print_row(row: dict, as_json: bool) -> None:
    """One record: JSON on stdout, or aligned ``key: value`` lines."""
    if as_json:
        _print_json(row)
        return
    for k, v in row.items():
        print(f"{k:>22}: {v:.4g}" if isinstance(v, float) else f"{k:>22}: {v}")


# ---------------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------------


def _load_program_and_train(ref: str):
    from scs_sim.config.loader import load_program
    from scs_sim.stim.programs import pulse_train

    program, base = load_program(ref)
    try:
        train = pulse_train(program, base_dir=base)
    except ConfigError as exc:
        raise exc.located(file=exc.file or str(ref)) from None
    return program, train


@_command("show")
def _cmd_show(args) -> int:
    from scs_sim.config.loader import load_device
    from scs_sim.stim.dosimetry import dosimetry

    device = load_device(args.device)
    rows = []
    for ref in args.program:
        program, train = _load_program_and_train(ref)
        rows.append(dosimetry(program, device, train=train).as_dict())
    if args.json:
        _print_json(rows)
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
    ]
    print(
        f"device: {device.name} ({device.battery}, {device.impedance_ohm:g} Ω, "
        f"contact {device.contact_area_cm2:.4f} cm²)"
    )
    print(_table(rows, cols))
    return EXIT_OK


@_command("validate")
def _cmd_validate(args) -> int:
    from scs_sim.config.loader import load

    results = []
    for f in args.file:
        try:
            load(f)
            results.append({"file": f, "ok": True, "error": None})
        except ConfigError as exc:
            results.append({"file": f, "ok": False, "error": str(exc)})
    if args.json:
        _print_json(results)
    else:
        for r in results:
            print(
                f"{r['file']}: ok" if r["ok"] else f"{r['error']}", file=sys.stdout if r["ok"] else sys.stderr
            )
    return EXIT_OK if all(r["ok"] for r in results) else EXIT_BAD_INPUT


@_command("waveform")
def _cmd_waveform(args) -> int:
    program, train = _load_program_and_train(args.program)
    out = Path(args.out)
    if out.suffix.lower() not in (".png", ".pdf", ".svg"):
        raise ConfigError(f"--out must end in .png, .pdf or .svg (got '{out.name}')")
    if not out.parent.exists():
        raise ConfigError(f"--out: folder does not exist: {out.parent}")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from scs_sim.plots import plot_pulse_shape, plot_train

    fig, (a, b) = plt.subplots(2, 1, figsize=(7, 6), layout="constrained")
    plot_pulse_shape(program, ax=a, train=train)
    plot_train(program, ax=b, train=train)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    if args.json:
        _print_json({"file": str(out), "program": program.name or program.kind})
    else:
        print(out)
    return EXIT_OK


def _patient_and_fibers(args):
    import numpy as np

    from scs_sim.config.loader import load_patient
    from scs_sim.fibers.anatomy import build_fibers

    patient = load_patient(args.patient)
    rngs = np.random.SeedSequence(args.seed).spawn(4)
    fibers = build_fibers(patient.anatomy, np.random.default_rng(rngs[0]))
    return patient, fibers, rngs


@_command("recruit")
def _cmd_recruit(args) -> int:
    import numpy as np

    from scs_sim.fibers.recruitment import recruit

    program, train = _load_program_and_train(args.program)
    patient, fibers, rngs = _patient_and_fibers(args)
    rec = recruit(train, fibers, np.random.default_rng(rngs[1]), args.duration)
    row = {"program": program.name, "patient": patient.name, "duration_s": args.duration, **rec.summary()}
    _print_row(row, args.json)
    return EXIT_OK


@_command("threshold")
def _cmd_threshold(args) -> int:
    from scs_sim.fibers.threshold import CEILING_MA, threshold

    program, train = _load_program_and_train(args.program)
    patient, fibers, _ = _patient_and_fibers(args)
    # None (JSON null) / inf: no threshold below the search ceiling.
    row = {"program": program.name, "patient": patient.name, "search_ceiling_ma": CEILING_MA}
    for which in ("perception", "discomfort"):
        row[f"{which}_threshold_ma"] = threshold(program, fibers, args.seed, which=which, duration_s=args.duration)
    _print_row(row, args.json)
    return EXIT_OK


@_command("run")
def _cmd_run(args) -> int:
    from scs_sim.config.loader import load, parse, program_dir
    from scs_sim.simulation import simulate_config
    from scs_sim.study.sweeps import apply_overrides

    cfg = load(args.config)
    if args.set:
        base = cfg.model_dump(mode="json", exclude={"source", "sweep"})
        axes, data = apply_overrides({"axes": {}}, base, args.set, file=cfg.source, base_dir=program_dir(cfg),
                                     allow_seed=True)
        if axes["axes"]:
            key = next(iter(axes["axes"]))
            raise ConfigError(f"run takes one value per key (got a list for '{key}'); use 'scs-sim sweep'",
                              key=f"-s {key}")
        try:
            cfg = parse(data, file=cfg.source, base=program_dir(cfg))
        except ConfigError as exc:
            given = {a.partition("=")[0].strip() for a in args.set}
            if exc.key in given:  # the bad value came from the command line, not the file
                raise ConfigError(exc.detail, key=f"-s {exc.key}") from None
            raise
    if cfg.program is None:
        raise ConfigError("no [program] table or include: a run needs a program", file=cfg.source, key="program")
    result = simulate_config(cfg)
    if args.out:
        files = result.save(args.out)
        import matplotlib

        matplotlib.use("Agg")
        from scs_sim.plots import run_figure
        from scs_sim.plots._common import save

        fig_path = Path(args.out) / "run.png"
        save(run_figure(result), fig_path)
        files.append(fig_path)
        result.metrics["files"] = [str(f) for f in files]
    m = result.metrics
    if args.json:
        _print_json(m)
    else:
        keys = ["program", "patient", "model", "circuit", "duration_s", "seed", "wdr_rate_hz", "baseline_wdr_rate_hz",
                "relief_pct", "recruited_dc_fibers", "recruited_dr_fibers", "dc_spike_rate_hz", "synchrony",
                "paresthesia", "discomfort", "windup_index", "wall_s"]
        _print_row({k: m[k] for k in keys if m.get(k) is not None}, False)
        for f in m.get("files", []):
            print(f"{'wrote':>22}: {f}")
    return EXIT_OK


# ---------------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="scs-sim",
        description="Spinal cord stimulation therapy simulator "
        "(engineering and teaching tool; not for clinical decisions).",
    )
    p.add_argument("--version", action="version", version=f"scs-sim {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def add(name, help_):
        sp = sub.add_parser(name, help=help_, description=help_)
        sp.add_argument("--json", action="store_true", help="machine-readable output on stdout")
        return sp

    sp = add("show", "summary and dosimetry table of programs")
    sp.add_argument("program", nargs="+", help="program TOML file or preset name (e.g. tonic_50hz)")
    sp.add_argument("--device", help="device TOML file or preset (rechargeable, primary)")

    sp = add("validate", "check config files; exit 2 if any is invalid")
    sp.add_argument("file", nargs="+")

    for name, help_ in (("recruit", "which fibres a program recruits (counts, rate, synchrony, paresthesia)"),
                        ("threshold", "perception and discomfort thresholds (amplitude bisection)")):
        sp = add(name, help_)
        sp.add_argument("program")
        sp.add_argument("--patient", help="patient TOML file or preset (default, thin_csf, thick_csf)")
        sp.add_argument("--duration", type=float, default=1.0 if name == "recruit" else 0.5,
                        help="simulated seconds of stimulation")
        sp.add_argument("--seed", type=int, default=1)

    sp = add("run", "simulate a run config: WDR pain signal with and without stimulation")
    sp.add_argument("config", help="run config TOML (program + patient + [simulation]) or a program")
    sp.add_argument("--out", help="folder for arrays (npz), tables (CSV), metrics and a figure")
    sp.add_argument("-s", "--set", action="append", default=[], metavar="KEY=VALUE",
                    help="override a config value, e.g. -s simulation.duration_s=2")

    sp = add("waveform", "plot a program's pulse shape and a train window")
    sp.add_argument("program")
    sp.add_argument("--out", required=True, help="image file (.png, .pdf, .svg)")

    _cli_sweep.register(sub, _COMMANDS)
    _cli_report.register(sub, _COMMANDS)
    _cli_validate.register(sub, _COMMANDS)
    _cli_bench.register(sub, _COMMANDS)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 ok, 1 internal error, 2 bad input)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return EXIT_BAD_INPUT
        return _COMMANDS[args.command](args)
    except ConfigError as exc:
        print(f"scs-sim: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ScsSimError as exc:
        print(f"scs-sim: error: {exc}", file=sys.stderr)
        return EXIT_INTERNAL
    except KeyboardInterrupt:
        print("scs-sim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


def _entry() -> None:  # pragma: no cover - console script wrapper
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
