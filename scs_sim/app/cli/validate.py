"""The ``validate-model`` command of the ``scs-sim`` command line.

Runs the named validation experiments of :mod:`scs_sim.validation` (each a published protocol
compared with the published result) and, with ``--out DIR``, writes ``DIR/VALIDATION.md`` and
``DIR/validation/*.png``. Wired into :mod:`scs_sim.cli` by ``register(sub, _COMMANDS)``.
(``validate`` is a different command: it checks config files.)
"""

from __future__ import annotations

import sys

__all__ = ["register", "cmd_validate_model"]


def register(sub, commands: dict) -> None:
    """Add the ``validate-model`` sub-command to ``sub`` and its function to ``commands``."""
    sp = sub.add_parser(
        "validate-model",
        help="run the model-validation experiments (published protocols vs published results)",
        description="Run the validation experiments (strength-duration, single-pulse suppression, wind-up, "
        "A-fibre conditioning, GABA_A block, rate model, clinical orderings, ...) and compare each with its "
        "published reference; tolerances are fixed in scs_sim/validation/experiments.py. Exit status 0 even when "
        "experiments fail (failures are findings); 1 if an experiment could not run.",
    )
    sp.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    sp.add_argument("--quick", action="store_true", help="the fast subset (fewer seeds, no whole-pipeline runs)")
    sp.add_argument("--out", metavar="DIR", help="write DIR/VALIDATION.md and DIR/validation/*.png")
    sp.add_argument("--only", action="append", default=[], metavar="ID",
                    help="run only this experiment (repeatable)")
    sp.add_argument("--no-figures", action="store_true", help="with --out: write the report without figures")
    commands["validate-model"] = cmd_validate_model


def cmd_validate_model(args) -> int:
    from scs_sim.validation import render_text, run_validation, write_report

    progress = None if args.json else (lambda p: print(f"  running {p} ...", file=sys.stderr, flush=True))
    report = run_validation(quick=args.quick, only=args.only or None, progress=progress)
    files = None
    if args.out:
        files = write_report(report, args.out, figures=not args.no_figures)
    if args.json:
        from scs_sim.app.cli.common import print_json as _print_json

        d = report.as_dict()
        if files:
            d["files"] = files
        _print_json(d)
    else:
        print(render_text(report))
        if files:
            print(f"wrote {files['markdown']} and {len(files['figures'])} figures", file=sys.stderr)
    return 1 if any(r.error for r in report.results) else 0
