"""The ``recruit``, ``threshold`` and ``run`` commands: one program through the model."""

from __future__ import annotations

from pathlib import Path

from scs_sim._params import Limit
from scs_sim.app.cli.common import (
    EXIT_OK,
    RECRUIT_DURATION,
    SEED,
    THRESHOLD_DURATION,
    add_command,
    bounded,
    load_program_and_train,
    print_json,
    print_row,
    save_figure,
    seed_arg,
    use_agg,
)
from scs_sim.errors import ConfigError
from scs_sim.stim.limits import AMPLITUDE_MA

__all__ = ["cmd_recruit", "cmd_run", "cmd_threshold", "register"]

#: The fibre commands: name -> (help, default simulated seconds).
_FIBER_COMMANDS = {
    "recruit": ("which fibres a program recruits (counts, rate, synchrony, paresthesia)", 1.0, RECRUIT_DURATION),
    "threshold": ("perception, discomfort or first-fibre thresholds (amplitude bisection)", 0.5, THRESHOLD_DURATION),
}

#: ``threshold --ceiling-ma``: the search ceiling stays within the amplitudes a program may have
#: (``program.amplitude_ma``; devices deliver at most 25.5 mA, the default ceiling is 25 mA).
CEILING = Limit(0.0, AMPLITUDE_MA.hi, "mA", "the search ceiling is an amplitude: " + AMPLITUDE_MA.why,
                lo_open=True)
#: ``threshold --criterion`` values (``recruitment`` = the old name of ``first-fibre``).
_CRITERION_CHOICES = ("perception", "discomfort", "first-fibre", "recruitment")

#: Metrics ``run`` prints as text (the JSON holds them all), in this order.
_RUN_KEYS = ("program", "patient", "model", "circuit", "duration_s", "seed", "wdr_rate_hz", "baseline_wdr_rate_hz",
             "relief_pct", "recruited_dc_fibers", "recruited_dr_fibers", "dc_spike_rate_hz", "synchrony",
             "paresthesia", "discomfort", "windup_index", "wall_s")


def register(sub, commands: dict) -> None:
    """Add the ``recruit``, ``threshold`` and ``run`` sub-commands to ``sub`` and their functions to ``commands``."""
    for name, (help_, duration_s, limit) in _FIBER_COMMANDS.items():
        sp = add_command(sub, name, help_)
        sp.add_argument("program")
        sp.add_argument("--patient", help="patient TOML file or preset (default, thin_csf, thick_csf)")
        sp.add_argument("--duration", type=bounded(limit), default=duration_s,
                        help=f"simulated seconds of stimulation ({limit.allowed()}; default {duration_s:g})")
        sp.add_argument("--seed", type=seed_arg, default=1, help=f"root seed ({SEED.allowed()}; default 1)")
        if name == "threshold":
            sp.add_argument("--criterion", action="append", choices=_CRITERION_CHOICES, metavar="CRITERION",
                            help="perception | discomfort | first-fibre (repeatable; default: perception and "
                            "discomfort)")
            sp.add_argument("--ceiling-ma", type=bounded(CEILING), default=None,
                            help=f"highest amplitude searched ({CEILING.allowed()}; default 25 mA)")

    sp = add_command(sub, "run", "simulate a run config: WDR pain signal with and without stimulation")
    sp.add_argument("config", help="run config TOML (program + patient + [simulation]) or a program")
    sp.add_argument("--out", help="folder for arrays (npz), tables (CSV), metrics and a figure")
    sp.add_argument("-s", "--set", action="append", default=[], metavar="KEY=VALUE",
                    help="override a config value, e.g. -s simulation.duration_s=2")

    commands.update({"recruit": cmd_recruit, "threshold": cmd_threshold, "run": cmd_run})


def _patient_and_fibers(args):
    import numpy as np

    from scs_sim.config.loader import load_patient
    from scs_sim.fibers.anatomy import build_fibers

    patient = load_patient(args.patient)
    rngs = np.random.SeedSequence(args.seed).spawn(4)
    fibers = build_fibers(patient.anatomy, np.random.default_rng(rngs[0]))
    return patient, fibers, rngs


def cmd_recruit(args) -> int:
    import numpy as np

    from scs_sim.fibers.models import recruit_function

    program, train = load_program_and_train(args.program)
    patient, fibers, rngs = _patient_and_fibers(args)
    run = recruit_function(patient.fibers.fiber_model)
    rec = run(train, fibers, np.random.default_rng(rngs[1]), args.duration, params=patient.fibers.excitation(),
              perception=patient.perception)
    row = {"program": program.name, "patient": patient.name, "duration_s": args.duration, **rec.summary()}
    print_row(row, args.json)
    return EXIT_OK


def _not_reached(ceiling_ma: float) -> str:
    return f"not reached below {ceiling_ma:g} mA"


def cmd_threshold(args) -> int:
    import math

    from scs_sim.fibers.threshold import CEILING_MA, canonical_criterion, threshold

    program, _ = load_program_and_train(args.program)
    patient, fibers, _ = _patient_and_fibers(args)
    ceiling = CEILING_MA if args.ceiling_ma is None else float(args.ceiling_ma)
    criteria = list(dict.fromkeys(canonical_criterion(c) for c in (args.criterion or ["perception", "discomfort"])))
    row = {"program": program.name, "patient": patient.name, "search_ceiling_ma": ceiling}
    found = {}
    for which in criteria:
        key = which.replace("-", "_")
        thr = threshold(program, fibers, args.seed, which=which, duration_s=args.duration, ceiling_ma=ceiling,
                        params=patient.fibers.excitation(), perception=patient.perception,
                        fiber_model=patient.fibers.fiber_model)
        if math.isfinite(thr):
            row[f"{key}_threshold_ma"] = found[which] = thr
        else:  # JSON: null plus the reason; text: the reason in place of the number
            row[f"{key}_threshold_ma"] = None if args.json else _not_reached(ceiling)
            row[f"{key}_not_reached"] = _not_reached(ceiling)
    if "perception" in found and "discomfort" in found:
        row["usage_range"] = found["discomfort"] / found["perception"]
    if not args.json:
        row = {k: v for k, v in row.items() if not k.endswith("_not_reached")}
    print_row(row, args.json)
    return EXIT_OK


def _run_config(args):
    """The run config of ``args.config`` with the ``-s`` overrides applied (one value per key)."""
    from scs_sim.config.loader import load, parse, program_dir
    from scs_sim.config.overrides import apply_overrides

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
    return cfg


def cmd_run(args) -> int:
    from scs_sim.simulation import simulate_config

    result = simulate_config(_run_config(args))
    if args.out:
        files = result.save(args.out)
        use_agg()
        from scs_sim.plots import run_figure

        fig_path = Path(args.out) / "run.png"
        save_figure(run_figure(result), fig_path)
        files.append(fig_path)
        result.metrics["files"] = [str(f) for f in files]
    m = result.metrics
    if args.json:
        print_json(m)
    else:
        print_row({k: m[k] for k in _RUN_KEYS if m.get(k) is not None}, False)
        for f in m.get("files", []):
            print(f"{'wrote':>22}: {f}")
    return EXIT_OK
