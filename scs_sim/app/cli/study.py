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
        "rank programs by relief over a virtual cohort (responders, paired differences), charge, "
        "paresthesia, battery; Pareto front",
        description="Compare program files (an implicit sweep over them) or run a sweep SPEC, and rank "
        "its points by relief. With a spec, --patient/--device/--duration/--replicates/--seed/--patients "
        "override the spec's keys (as -s would).",
    )
    cp.add_argument(
        "inputs", nargs="+", metavar="PROGRAM|SPEC", help="program files / presets, or one sweep spec"
    )
    cp.add_argument("--out", default="results/compare", help="output folder (default: results/compare)")
    cp.add_argument("--patient", help="patient file or preset (a spec: sets its patient, the cohort's centre)")
    cp.add_argument("--device", help="device file or preset (a spec: sets its device)")
    cp.add_argument(
        "--duration", type=bounded(DURATION_S), default=None,
        help=f"simulated seconds per run ({DURATION_S.allowed()}; programs: 10; a spec: simulation.duration_s)"
    )
    cp.add_argument("--replicates", type=int, default=None,
                    help="noise seeds per program and patient (programs: 3; a spec: sweep.replicates)")
    cp.add_argument("--seed", type=seed_arg, default=None, help="root seed (programs: 1; a spec: sweep.seed)")
    cp.add_argument("--patients", type=int, default=None, metavar="N",
                    help="virtual patients (programs: none, the one patient; a spec: sweep.cohort.patients)")
    cp.add_argument("--reference", metavar="PROGRAM",
                    help="program the paired differences are taken against (cohorts; default: the first)")
    cp.add_argument("--report", metavar="FILE.html", help="also write a self-contained HTML report")
    cp.add_argument("--mechanisms", metavar="SET[,SET...]",
                    help="rank under each mechanism set (scs_sim.dorsal_horn.mechanisms.SETS, or mechanism names "
                    "joined by +) side by side: same cohort, same seeds; one store per set")
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
    for flag, value in (("--chunk-size", args.chunk_size), ("--batch-size", args.batch_size),
                        ("--evaluator", args.evaluator)):
        if value is not None:
            words += [flag, str(value)]
    return words


def _sweep_command(args, *, resume: bool) -> str:
    words = ["scs-sim", "sweep", args.spec, "--out", args.out, *(["--resume"] if resume else [])]
    return shlex.join(words + _run_options(args))


def _compare_command(args) -> str:
    words = ["scs-sim", "compare", *args.inputs, "--out", args.out]
    for flag, value in (("--patient", args.patient), ("--device", args.device), ("--reference", args.reference)):
        if value is not None:
            words += [flag, value]
    for flag, value in (("--duration", args.duration), ("--replicates", args.replicates),
                        ("--seed", args.seed), ("--patients", args.patients)):
        if value is not None:
            words += [flag, repr(value)]
    return shlex.join(words + _run_options(args))


def _check_run_options(args) -> None:
    """Refuse run options that would not apply (exit 2 naming them), never ignore them."""
    if args.batch_size is not None and args.batch_size < 1:
        raise ConfigError(f"--batch-size: must be an integer >= 1 rows per batch (got {args.batch_size})")
    if args.workers is not None and args.backend == "serial":
        raise ConfigError("--workers: --backend serial runs every row in this process; drop --workers "
                          "or use --backend processes / dask")
    if args.scheduler is not None and args.backend != "dask":
        raise ConfigError(f"--scheduler needs --backend dask (got --backend {args.backend})")
    if args.scheduler is not None and args.workers is not None:
        raise ConfigError("--workers: with --scheduler the cluster's workers run the rows; drop one of them")


def _ref(value: str) -> str:
    return str(Path(value).resolve()) if Path(value).is_file() else value


def _spec_overrides(args) -> list[str]:
    """The compare options as -s overrides of a spec's keys (they override the spec, never ignored)."""
    out = []
    for key, value in (
        ("patient", args.patient),
        ("device", args.device),
        ("simulation.duration_s", args.duration),
        ("sweep.replicates", args.replicates),
        ("sweep.seed", args.seed),
        ("sweep.cohort.patients", args.patients),
    ):
        if value is None:
            continue
        if isinstance(value, str):
            out.append(f"{key}={json.dumps(_ref(value))}")
        else:
            out.append(f"{key}={value!r}")
    return out


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

    _check_run_options(args)
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
            batch_size=args.batch_size,
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
    args.duration = 10.0 if args.duration is None else args.duration
    args.replicates = 3 if args.replicates is None else args.replicates
    args.seed = 1 if args.seed is None else args.seed
    if not (args.duration > 0 and math.isfinite(args.duration)):
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
    refs = [_ref(r) for r in args.inputs]
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
        data["patient"] = _ref(args.patient)
    if args.device:
        data["device"] = _ref(args.device)
    if args.patients is not None:
        data["sweep"]["cohort"] = {"patients": args.patients}
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

    _check_run_options(args)
    overrides = list(args.overrides)
    if len(args.inputs) == 1 and is_sweep_spec(args.inputs[0]):
        spec = args.inputs[0]
        if args.replicates is not None and args.replicates < 1:
            raise ConfigError(f"--replicates: must be >= 1 (got {args.replicates})")
        overrides = _spec_overrides(args) + overrides  # -s given explicitly wins
    else:
        for ref in args.inputs:
            if is_sweep_spec(ref):
                raise ConfigError(f"{ref} is a sweep spec: give one spec alone, or program files only")
        spec = _implicit_spec(args)
    if getattr(args, "mechanisms", None):
        return _compare_mechanisms(args, spec, overrides)
    return _compare_one(args, spec, overrides, Path(args.out))


def _compare_one(args, spec, overrides: list[str], out: Path, *, write: bool = True):
    from scs_sim.study import load_spec, run_sweep
    from scs_sim.study.compare import compare
    from scs_sim.study.executors import WorkerLost
    from scs_sim.study.lock import StoreLock
    from scs_sim.study.runner import SweepInterrupted
    from scs_sim.study.store import load_results

    try:
        sp = load_spec(spec, overrides, evaluate=args.evaluator)  # its hash covers every file it read
    except ConfigError as exc:
        raise _name_option(exc, args) from None
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
                batch_size=args.batch_size,
                progress=False if args.json else None,
                command=again,
            )
        except SweepInterrupted as exc:
            return _interrupted(exc, again)
        except WorkerLost as exc:
            raise _worker_lost(exc, again) from None
        table = compare(load_results(store), reference=args.reference)
        if not write:
            return store, summary, table, sp
        return _write_comparison(args, out, store, summary, table, sp)


def _compare_mechanisms(args, spec, overrides: list[str]) -> int:
    """``compare --mechanisms A,B``: the same comparison once per mechanism set (its own store under
    ``--out/mechanisms-<set>``, the set in every row), then the rankings side by side."""
    from scs_sim.dorsal_horn.mechanisms import resolve

    names = [m.strip() for m in str(args.mechanisms).split(",") if m.strip()]
    if not names:
        raise ConfigError("--mechanisms: give one or more set names, e.g. gate_only,all")
    sets = []
    for n in names:
        try:
            resolved = resolve(n, key="--mechanisms")
        except ConfigError as exc:
            raise ConfigError(exc.detail, key="--mechanisms") from None
        sets.append((n, resolved))
    out = Path(args.out)
    tables = []
    for n, _resolved in sets:
        sub = out / f"mechanisms-{n}"
        over = [*overrides, f"simulation.mechanisms={n}"]
        got = _compare_one(args, spec, over, sub, write=False)
        if isinstance(got, int):  # interrupted
            return got
        store, summary, table, sp = got
        table = table.copy()
        table.insert(0, "mechanisms", n)  # the set as asked (rows store label(resolved))
        tables.append((n, store, summary, table, sp))
    return _write_mechanisms(args, out, tables)


def _write_mechanisms(args, out: Path, tables) -> int:
    import pandas as pd

    from scs_sim.app.report_mechanisms import side_by_side

    wide = side_by_side([t for *_, t, _ in tables])
    long = pd.concat([t for *_, t, _ in tables], ignore_index=True)
    try:
        out.mkdir(parents=True, exist_ok=True)
        long.to_csv(out / "comparison_mechanisms.csv", index=False)
        wide.to_csv(out / "comparison_mechanisms_wide.csv", index=False)
        rows = _records(long)
        (out / "comparison_mechanisms.json").write_text(json.dumps(rows, indent=2, default=str) + "\n")
    except OSError as exc:
        raise ConfigError(f"--out: cannot write to {out}: {exc.strerror or exc}") from None
    if args.report:
        from scs_sim.app.report_mechanisms import write_mechanisms_report

        write_mechanisms_report([(n, store, t) for n, store, _, t, _ in tables], args.report)
    if args.json:
        print_json(rows)
        return 0
    print(format_table(_records(wide), [(c, c, ".1f" if c.startswith("relief") else "") for c in wide.columns]))
    for n, _, summary, _, _ in tables:
        print(f"mechanisms {n}: {summary.get('new_rows', 0)} new rows, {summary.get('wall_s', float('nan')):.0f} s",
              file=sys.stderr)
    return 0


def _name_option(exc: ConfigError, args) -> ConfigError:
    """A spec refusing an option's value: say which option it came from."""
    where = {"sweep.replicates": "--replicates", "sweep.seed": "--seed", "simulation.duration_s": "--duration",
             "sweep.cohort.patients": "--patients", "patient": "--patient", "device": "--device"}
    key = exc.key or ""
    for k, option in where.items():
        if getattr(args, option[2:]) is not None and (key == k or key.startswith(k + ".") or key == f"-s {k}"):
            return ConfigError(f"{option}: {exc.detail}", file=exc.file, key=exc.key)
    return exc


def _interval(lo, hi, fmt: str, scale: float = 1.0) -> str | None:
    if lo is None or hi is None or not (math.isfinite(lo) and math.isfinite(hi)):
        return None
    return f"[{format(lo * scale, fmt)}, {format(hi * scale, fmt)}]"


def _display_rows(rows: list[dict]) -> list[dict]:
    """Table cells of the comparison rows: intervals as ``[low, high]``, rates in %."""
    out = []
    for r in rows:
        d = dict(r)
        d["relief_ci"] = _interval(r.get("relief_pct_ci_low"), r.get("relief_pct_ci_high"), ".1f")
        d["responder_pct"] = None if r.get("responder_rate") is None else 100.0 * r["responder_rate"]
        d["responder_ci"] = _interval(r.get("responder_ci_low"), r.get("responder_ci_high"), ".0f", 100.0)
        d["diff_ci"] = _interval(r.get("relief_diff_ci_low"), r.get("relief_diff_ci_high"), ".1f")
        out.append(d)
    return out


def _cohort_lines(sp, table) -> list[str]:
    """What the cohort is and where the spread comes from (stderr notes under the table)."""
    c = sp.cohort
    dur = sp.base["simulation"]["duration_s"]
    drawn = ", ".join(d.key.removeprefix("patient.") for d in c.draws) or "anatomy seed only"
    ref = table["reference"].iloc[0] if len(table) else "-"
    between = table["relief_sd_between"].dropna()
    within = table["relief_sd_within"].dropna()
    spread = (
        f"spread of one run's relief (SD, percentage points, median over programs): between patients "
        f"{between.median():.1f} (anatomy, lead offset, pain state), within a patient "
        + (f"{within.median():.1f} (spiking and recruitment noise, {sp.replicates} noise seeds per patient)"
           if len(within) else "not measured (1 noise seed per patient: set --replicates >= 2)")
        if len(between) else "spread: not measured (1 patient)"
    )
    return [
        f"virtual cohort: {c.patients} patients (cohort seed {c.seed}; drawn: {drawn}; docs/MODEL.md §6) x "
        f"{sp.replicates} noise seed{'s' if sp.replicates != 1 else ''} x {dur:g} s per program, the same patients and seeds for every program",
        "relief %: mean over patients, 95 % bootstrap CI (BCa) over patients; resp. %: patients with relief "
        f">= 50 %, Wilson 95 % CI; Δ relief: paired difference per patient to {ref}, bootstrap 95 % CI",
        spread,
    ]


def _write_comparison(args, out: Path, store: Path, summary: dict, table, sp=None) -> int:
    from scs_sim.study.compare import COHORT_COMPARE_COLUMNS, best_feasible

    battery = _battery_key(table)
    cohort = "responder_rate" in table.columns
    keep = ["program", "relief_pct_mean", "relief_pct_ci95", "paresthesia", "shannon_k", battery, "pareto"]
    if cohort:
        keep += list(COHORT_COMPARE_COLUMNS)
    extra = [c for c in ("charge_per_s_uc", "battery_power_uw", "feasible", "infeasible_reasons", "n")
             if c in table.columns]
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
    life = (battery, "life days" if battery == "battery_life_days" else "recharge min/d", ".1f")
    if cohort:
        columns = [
            ("program", "program", ""),
            ("relief_pct_mean", "relief %", ".1f"),
            ("relief_ci", "95% CI", ""),
            ("responder_pct", "resp. %", ".0f"),
            ("responder_ci", "95% CI", ""),
            ("relief_diff_pct", "Δ relief", ".1f"),
            ("diff_ci", "95% CI", ""),
            ("relief_sd_between", "SD pat.", ".1f"),
            ("relief_sd_within", "SD noise", ".1f"),
            ("paresthesia", "paresth.", ".2f"),
            ("shannon_k", "Shannon k", ".2f"),
            ("battery_power_uw", "battery µW", ".0f"),
            life,
            ("feasible", "feasible", ""),
            ("pareto", "Pareto", ""),
        ]
    else:
        columns = [
            ("program", "program", ""),
            ("relief_pct_mean", "relief %", ".1f"),
            ("relief_pct_ci95", "±95% CI", ".1f"),
            ("paresthesia", "paresth.", ".2f"),
            ("shannon_k", "Shannon k", ".2f"),
            ("charge_per_s_uc", "µC/s", ".1f"),
            ("battery_power_uw", "battery µW", ".0f"),
            life,
            ("feasible", "feasible", ""),
            ("pareto", "Pareto", ""),
        ]
    shown = _display_rows(rows)
    present = set(table.columns) | {"relief_ci", "responder_pct", "responder_ci", "diff_ci"}
    print(format_table(shown, [c for c in columns if c[0] in present]))
    if "feasible" in table.columns and "infeasible_reasons" in table.columns:
        for _, row in table[table["feasible"] == False].iterrows():  # noqa: E712 (a pandas mask)
            print(f"INFEASIBLE {row['program']}: {row['infeasible_reasons']}")
    best = best_feasible(table)
    among = " among the feasible programs" if "feasible" in table.columns else ""
    if best is not None:
        print(f"best{among}: {best['program']} ({best['relief_pct_mean']:.1f} % mean relief)")
    elif among:
        print("best: none (no feasible program)")
    notes = _cohort_lines(sp, table) if cohort and sp is not None and sp.cohort is not None else []
    for line in notes:
        print(line, file=sys.stderr)
    print(
        f"{summary['rows']} runs ({summary['new_rows']} new, {summary['wall_s']:.1f} s); "
        f"wrote {out / 'comparison.csv'} and {out / 'comparison.json'}; runs in {store}",
        file=sys.stderr,
    )
    if report is not None:
        print(f"report: {report}")
    return 0
