"""The ``report``, ``explore`` and ``gallery`` commands of the ``scs-sim`` command line.

Registered into the command table of :mod:`scs_sim.app.cli` by :func:`register`.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from scs_sim.app.cli.common import (
    EXIT_OK,
    EXPLORE_DURATION,
    add_command,
    add_run_options,
    bounded,
    is_sweep_spec,
    print_json,
    seed_arg,
    use_agg,
)
from scs_sim.app.explore import KINDS
from scs_sim.app.explore_lessons import LESSONS
from scs_sim.errors import ConfigError

__all__ = ["register", "cmd_report", "cmd_explore", "cmd_gallery"]


def register(sub, commands: dict) -> None:
    """Add the ``report``, ``explore`` and ``gallery`` sub-commands to ``sub`` and their functions to ``commands``."""
    rp = add_command(
        sub,
        "report",
        "self-contained HTML report (table, figures, methods) of a sweep store or spec",
        description="Write one self-contained HTML file (figures embedded as PNG) for a sweep store DIR, "
        "or run the sweep SPEC first into --store and report on it.",
    )
    rp.add_argument("source", metavar="DIR|SPEC", help="sweep store folder, or a sweep spec TOML / preset")
    rp.add_argument("--out", default="report.html", help="HTML file to write (default: report.html)")
    rp.add_argument(
        "--store", help="store folder for a SPEC (default: results/<spec stem>; resumed if present)"
    )
    rp.add_argument("--title", help="report title")
    rp.add_argument(
        "--best-duration",
        type=float,
        default=2.0,
        metavar="S",
        help="simulated seconds of the best program's re-run (at most the sweep's; default 2)",
    )
    add_run_options(rp)

    ep = add_command(
        sub,
        "explore",
        "browser explorer and guided lessons (served locally, or exported as one offline HTML file)",
        description="Serve the explorer on http://127.0.0.1:PORT/ and open the browser (Ctrl-C stops); "
        "--export FILE.html writes one self-contained offline page over a precomputed grid (--lesson NAME: "
        "that lesson's page). The matplotlib window stays as a fallback: --desktop, or --headless --out FILE.png.",
        json_help="machine-readable output on stdout (--export, --headless)",
    )
    ep.add_argument("--export", metavar="FILE.html", help="write the offline page instead of serving")
    ep.add_argument("--lesson", choices=tuple(LESSONS), help="start on (or export) this lesson")
    ep.add_argument("--port", type=int, default=8765, help="port of the local server (default 8765; 0: any free)")
    ep.add_argument("--no-browser", action="store_true", help="serve without opening a browser")
    ep.add_argument("--desktop", action="store_true", help="the matplotlib desktop window instead (needs a display)")
    ep.add_argument("--kind", default="tonic", choices=KINDS, help="desktop/headless: initial kind")
    ep.add_argument("--frequency", type=float, help="desktop/headless: Hz (burst: burst rate)")
    ep.add_argument("--amplitude", type=float, help="desktop/headless: mA")
    ep.add_argument("--pulse-width", type=float, help="desktop/headless: µs")
    ep.add_argument("--patient", help="desktop/headless: patient TOML file or preset")
    ep.add_argument("--duration", type=bounded(EXPLORE_DURATION), default=1.0,
                    help=f"desktop/headless: simulated seconds per update ({EXPLORE_DURATION.allowed()}; default 1)")
    ep.add_argument("--model", default="spiking", choices=("spiking", "rate"))
    ep.add_argument("--seed", type=seed_arg, default=1)
    ep.add_argument("--headless", action="store_true", help="desktop explorer without a window: render once (needs --out)")
    ep.add_argument("--out", help="image file to write (headless: required)")

    gp = add_command(
        sub,
        "gallery",
        "regenerate the README gallery images (docs/gallery)",
        description="Regenerate every gallery image (about a minute on one core).",
    )
    gp.add_argument("--out", default="docs/gallery", help="folder (default: docs/gallery)")
    gp.add_argument("--seed", type=seed_arg, default=1)

    commands.update({"report": cmd_report, "explore": cmd_explore, "gallery": cmd_gallery})


def cmd_report(args) -> int:
    from scs_sim.app.report import write_report

    use_agg()
    src = Path(args.source)
    ran = None
    if src.is_dir() and (src / "manifest.json").is_file():
        store = src
    elif src.is_dir():
        raise ConfigError(f"{src} is a folder but not a sweep store (no manifest.json)")
    else:
        from scs_sim.study import load_spec, run_sweep

        if not is_sweep_spec(args.source):
            raise ConfigError(
                f"{args.source}: neither a sweep store folder nor a sweep spec (TOML with [sweep])"
            )
        sp = load_spec(args.source, args.overrides, evaluate=args.evaluator)
        stem = Path(sp.file).stem if sp.file else Path(args.source).stem
        store = Path(args.store) if args.store else Path("results") / stem
        ran = run_sweep(
            sp,
            out=store,
            backend=args.backend,
            workers=args.workers,
            scheduler=args.scheduler,
            resume=True,
            evaluate=args.evaluator,
            chunk_size=args.chunk_size,
            batch_size=args.batch_size,
            progress=False if args.json else None,
        )
    if not (args.best_duration > 0):
        raise ConfigError(f"--best-duration: must be > 0 seconds (got {args.best_duration})")
    out = Path(args.out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise ConfigError(f"--out must end in .html (got '{out.name}')")
    t0 = time.perf_counter()
    path = write_report(store, out, title=args.title, best_run_s=args.best_duration)
    indices, why = _sensitivity(store)
    if args.json:
        sens = {"error": why} if why else None
        if indices is not None:
            sens = {**indices.attrs, "indices": indices.to_dict("records")}
        print_json(
            {"report": str(path), "store": str(store), "wall_s": time.perf_counter() - t0, "sweep": ran,
             "sensitivity": sens}
        )
    else:
        print(path)
        if indices is not None:
            from scs_sim.study.sensitivity import format_sensitivity

            print(format_sensitivity(indices))
        elif why:
            print(f"scs-sim: sensitivity indices not computed: {why}", file=sys.stderr)
    return EXIT_OK


def _sensitivity(store: Path):
    """``(indices DataFrame, None)`` for a saltelli / morris store, ``(None, None)`` for other designs,
    ``(None, reason)`` when the indices cannot be computed (the report says so too)."""
    from scs_sim.app.report_sensitivity import sensitivity_table

    try:
        return sensitivity_table(store), None
    except ConfigError as exc:
        return None, str(exc)


def cmd_explore(args) -> int:
    if args.export:
        return _explore_export(args)
    if not (args.desktop or args.headless or args.out):
        if not 0 <= args.port <= 65535:
            raise ConfigError(f"--port: must be 0..65535 (got {args.port})")
        from scs_sim.app.explore_web import serve

        serve(port=args.port, open_browser=not args.no_browser, lesson_name=args.lesson,
              log=lambda m: print(m, file=sys.stderr))
        return EXIT_OK
    return _explore_desktop(args)


def _explore_export(args) -> int:
    from scs_sim.app.explore_web import export

    t0 = time.perf_counter()
    info = export(args.export, lesson_name=args.lesson,
                  log=None if args.json else (lambda m: print(m, file=sys.stderr)))
    info["total_wall_s"] = round(time.perf_counter() - t0, 1)
    if args.json:
        print_json(info)
    else:
        print(f"{info['path']}: {info['bytes'] / 1e6:.2f} MB, {info['states']} precomputed states "
              f"({info['total_wall_s']:.0f} s)")
    return EXIT_OK


def _explore_desktop(args) -> int:
    for name in ("frequency", "amplitude", "pulse_width", "duration"):
        v = getattr(args, name)
        if v is not None and not v > 0:
            raise ConfigError(f"--{name.replace('_', '-')}: must be > 0 (got {v})")
    if args.headless and not args.out:
        raise ConfigError("--headless needs --out FILE.png")
    if args.headless:
        use_agg()
    else:
        import matplotlib
        from matplotlib.backends import BackendFilter, backend_registry

        interactive = backend_registry.list_builtin(BackendFilter.INTERACTIVE)
        if matplotlib.get_backend().lower() not in [b.lower() for b in interactive]:
            raise ConfigError(
                f"no interactive matplotlib backend (got '{matplotlib.get_backend()}'; no display?): "
                "use --headless --out FILE.png"
            )
    from scs_sim.app.explore import Explorer

    ex = Explorer(
        kind=args.kind,
        frequency_hz=args.frequency,
        amplitude_ma=args.amplitude,
        pulse_width_us=args.pulse_width,
        patient=args.patient,
        duration_s=args.duration,
        model=args.model,
        seed=args.seed,
        headless=args.headless,
    )
    if args.out:
        ex.save(args.out)
    info = {
        "out": args.out,
        "update_s": ex.last_update_s,
        "error": ex.error,
        "metrics": {
            k: ex.result.metrics[k]
            for k in (
                "wdr_rate_hz",
                "baseline_wdr_rate_hz",
                "relief_pct",
                "recruited_dc_fibers",
                "paresthesia",
            )
        }
        if ex.result is not None
        else None,
    }
    if args.json:
        print_json(info)
    elif args.out:
        print(args.out)
    if not args.headless:
        ex.show()
    return EXIT_OK


def cmd_gallery(args) -> int:
    from scs_sim.app.gallery import write_gallery

    use_agg()
    t0 = time.perf_counter()
    files = write_gallery(
        args.out, seed=args.seed, log=None if args.json else (lambda m: print(m, file=sys.stderr))
    )
    wall = time.perf_counter() - t0
    if args.json:
        print_json({"files": [str(f) for f in files], "wall_s": wall})
    else:
        print(f"{len(files)} images in {args.out} ({wall:.0f} s)", file=sys.stderr)
    return EXIT_OK
