"""The ``sweep`` and ``compare`` commands of the ``scs-sim`` command line.

Registered into the command table of :mod:`scs_sim.app.cli` by :func:`register`.
"""

from __future__ import annotations

import json
import math
import shlex
import sys
from pathlib import Path

from scs_sim.app.cli.common import (
    add_command,
    add_run_options,
    bounded,
    format_table,
    is_sweep_spec,
    print_json,
    seed_arg,
)
from scs_sim.config.loader import DURATION_S
from scs_sim.errors import ConfigError

__all__ = ["register", "cmd_sweep", "cmd_compare"]


def register(sub, commands: dict) -> None:
    """Add the ``sweep`` and ``compare`` sub-commands to ``sub`` and their functions to ``commands``."""
    sp = add_command(
        sub,
        "sweep",
        "run a parameter sweep into a resumable result store",
        description="Run a sweep spec (a run config plus [sweep]) into the result store --out.",
    )
    sp.add_argument("spec", help="sweep spec TOML (or a preset name under configs/sweeps)")
    sp.add_argument("--out", required=True, help="result store folder")
    sp.add_argument("--resume", action="store_true", help="continue the sweep stored in --out")
    add_run_options(sp)

    cp = add_command(
        sub,
        "compare",
        "rank programs by relief (CI over replicates), charge, paresthesia, battery; Pareto front",
        description="Compare program files (an implicit sweep over them) or run a sweep SPEC, and rank "
        "its points by relief.",
    )
    cp.add_argument(
        "inputs", nargs="+", metavar="PROGRAM|SPEC", help="program files / presets, or one sweep spec"
    )
    cp.add_argument("--out", default="results/compare", help="output folder (default: results/compare)")
    cp.add_argument("--patient", help="patient file or preset (program mode; default patient otherwise)")
    cp.add_argument("--device", help="device file or preset (program mode)")
    cp.add_argument(
        "--duration", type=bounded(DURATION_S), default=10.0,
        help=f"simulated seconds per run (program mode; {DURATION_S.allowed()}; 10)"
    )
    cp.add_argument("--replicates", type=int, default=3, help="seeds per program (program mode; 3)")
    cp.add_argument("--seed", type=seed_arg, default=1, help="root seed (program mode; 1)")
    cp.add_argument("--report", metavar="FILE.html", help="also write a self-contained HTML report")
    add_run_options(cp)
    commands.update({"sweep": cmd_sweep, "compare": cmd_compare})


def _run_options(args) -> list[str]:
    """The run options of ``args`` as command-line words (to repeat a command exactly)."""
    words: list[str] = []
    if args.backend != "processes":
        words += ["--backend", args.backend]
    for flag, value in (("--scheduler", args.scheduler), ("--workers", args.workers)):
        if value is not None:
            words += [flag, str(value)]
    for o in args.overrides:
        words += ["-s", o]
    for flag, value in (("--chunk-size", args.chunk_size), ("--evaluator", args.evaluator)):
        if value is not None:
            words += [flag, str(value)]
    return words


def _sweep_command(args, *, resume: bool) -> str:
    words = ["scs-sim", "sweep", args.spec, "--out", args.out, *(["--resume"] if resume else [])]
    return shlex.join(words + _run_options(args))


def _compare_command(args) -> str:
    words = ["scs-sim", "compare", *args.inputs, "--out", args.out]
    for flag, value in (("--patient", args.patient), ("--device", args.device)):
        if value is not None:
            words += [flag, value]
    if not (len(args.inputs) == 1 and is_sweep_spec(args.inputs[0])):
        words += [
            "--duration",
            repr(args.duration),
            "--replicates",
            str(args.replicates),
            "--seed",
            str(args.seed),
        ]
    return shlex.join(words + _run_options(args))


def _interrupted(exc, again: str) -> int:
    """Ctrl-C: say what is kept and the exact command that continues; exit status 130."""
    print(f"scs-sim: {exc}; continue with: {again}", file=sys.stderr)
    return 130


def _worker_lost(exc, again: str) -> ConfigError:
    return ConfigError(f"{exc.detail}: {again}")


def cmd_sweep(args) -> int:
    from scs_sim.study import run_sweep
    from scs_sim.study.executors import WorkerLost
    from scs_sim.study.runner import SweepInterrupted

    again = _sweep_command(args, resume=True)
    try:
        summary = run_sweep(
            args.spec,
            out=args.out,
            backend=args.backend,
            workers=args.workers,
            scheduler=args.scheduler,
            resume=args.resume,
            overrides=args.overrides,
            evaluate=args.evaluator,
            chunk_size=args.chunk_size,
            progress=False if args.json else None,
            command=_sweep_command(args, resume=args.resume),
        )
    except SweepInterrupted as exc:
        return _interrupted(exc, again)
    except WorkerLost as exc:
        raise _worker_lost(exc, again) from None
    if args.json:
        print_json(summary)
    else:
        print(
            f"{summary['done']}/{summary['points']} points done "
            f"({summary['rows']}/{summary['rows_total']} rows, {summary['new_rows']} new) "
            f"in {summary['wall_s']:.1f} s on {summary['backend']} -> {summary['out']}",
            file=sys.stderr,
        )
    return 0


def _implicit_spec(args) -> dict:
    if args.duration is None or not (args.duration > 0 and math.isfinite(args.duration)):
        raise ConfigError(f"--duration: must be > 0 seconds (got {args.duration!r})")
    if args.replicates < 1:
        raise ConfigError(f"--replicates: must be >= 1 (got {args.replicates})")
    from scs_sim.study.spec import MAX_RUNS

    if args.replicates * len(args.inputs) > MAX_RUNS:
        raise ConfigError(
            f"--replicates: {args.replicates:,} seeds x {len(args.inputs)} programs = "
            f"{args.replicates * len(args.inputs):,} runs exceed the limit of {MAX_RUNS:,} runs per sweep "
            "(scs_sim.study.spec.MAX_RUNS)"
        )
    if args.seed < 0:
        raise ConfigError(f"--seed: must be >= 0 (got {args.seed})")
    refs = [str(Path(r).resolve()) if Path(r).is_file() else r for r in args.inputs]
    data: dict = {
        "program": refs[0],
        "simulation": {"duration_s": float(args.duration), "seed": int(args.seed)},
        "sweep": {
            "method": "grid",
            "replicates": int(args.replicates),
            "seed": int(args.seed),
            "axes": {"program": refs},
        },
    }
    if args.patient:
        data["patient"] = str(Path(args.patient).resolve()) if Path(args.patient).is_file() else args.patient
    if args.device:
        data["device"] = str(Path(args.device).resolve()) if Path(args.device).is_file() else args.device
    return data


def _battery_key(df) -> str:
    for k in ("battery_life_days", "recharge_min_per_day"):
        if k in df.columns and df[k].notna().any():
            return k
    return "battery_life_days"


def _records(df) -> list[dict]:
    rows = []
    for r in df.to_dict("records"):
        rows.append({k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in r.items()})
    return rows


def cmd_compare(args) -> int:
    from scs_sim.study import load_spec, run_sweep
    from scs_sim.study.compare import compare

    if len(args.inputs) == 1 and is_sweep_spec(args.inputs[0]):
        spec = args.inputs[0]
    else:
        for ref in args.inputs:
            if is_sweep_spec(ref):
                raise ConfigError(f"{ref} is a sweep spec: give one spec alone, or program files only")
        spec = _implicit_spec(args)
    from scs_sim.study.executors import WorkerLost
    from scs_sim.study.lock import StoreLock
    from scs_sim.study.runner import SweepInterrupted
    from scs_sim.study.store import load_results

    sp = load_spec(spec, args.overrides, evaluate=args.evaluator)  # its hash covers every file it read
    out = Path(args.out)
    store = out / f"sweep-{sp.hash[:12]}"  # an edited program file gives a new store, never old rows
    again = _compare_command(args)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"--out: cannot write to {out}: {exc.strerror or exc}") from None
    with StoreLock(out).acquire(again):  # one comparison at a time writes comparison.csv / .json here
        try:
            summary = run_sweep(
                sp,
                out=store,
                backend=args.backend,
                workers=args.workers,
                scheduler=args.scheduler,
                resume=True,  # a store per spec hash: the same comparison reuses finished rows
                evaluate=args.evaluator,
                chunk_size=args.chunk_size,
                progress=False if args.json else None,
                command=again,
            )
        except SweepInterrupted as exc:
            return _interrupted(exc, again)
        except WorkerLost as exc:
            raise _worker_lost(exc, again) from None
        return _write_comparison(args, out, store, summary, compare(load_results(store)))


def _write_comparison(args, out: Path, store: Path, summary: dict, table) -> int:
    battery = _battery_key(table)
    keep = ["program", "relief_pct_mean", "relief_pct_ci95", "paresthesia", "shannon_k", battery, "pareto"]
    extra = [c for c in ("charge_per_s_uc", "battery_power_uw", "n") if c in table.columns]
    cols = [c for c in keep if c in table.columns] + extra
    rows = _records(table[cols])
    try:
        out.mkdir(parents=True, exist_ok=True)
        table[cols].to_csv(out / "comparison.csv", index=False)
        (out / "comparison.json").write_text(json.dumps(rows, indent=2, default=str) + "\n")
    except OSError as exc:
        raise ConfigError(f"--out: cannot write to {out}: {exc.strerror or exc}") from None
    report = None
    if args.report:
        from scs_sim.app.report import write_report

        report = write_report(store, args.report)
    if args.json:
        print_json(rows)
        return 0
    columns = [
        ("program", "program", ""),
        ("relief_pct_mean", "relief %", ".1f"),
        ("relief_pct_ci95", "±95% CI", ".1f"),
        ("paresthesia", "paresth.", ".2f"),
        ("shannon_k", "Shannon k", ".2f"),
        ("charge_per_s_uc", "µC/s", ".1f"),
        ("battery_power_uw", "battery µW", ".0f"),
        (battery, "life days" if battery == "battery_life_days" else "recharge min/d", ".1f"),
        ("pareto", "Pareto", ""),
    ]
    print(format_table(rows, [c for c in columns if c[0] in table.columns]))
    print(
        f"{summary['rows']} runs ({summary['new_rows']} new, {summary['wall_s']:.1f} s); "
        f"wrote {out / 'comparison.csv'} and {out / 'comparison.json'}; runs in {store}",
        file=sys.stderr,
    )
    if report is not None:
        print(f"report: {report}")
    return 0
