"""What every command group of the ``scs-sim`` command line shares.

The argparse subclass that turns usage errors into exit status 2, the exit codes, sub-command
creation with ``--json``, JSON printing (non-finite floats become ``null``), the text table, the
one-record printer, the options of every command that runs a sweep, sweep-spec detection, program
loading and figure saving. Nothing here imports a command group (the groups import this module).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from scs_sim._params import Limit
from scs_sim.errors import ConfigError

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INTERNAL",
    "EXIT_OK",
    "Parser",
    "add_command",
    "add_run_options",
    "bounded",
    "seed_arg",
    "format_table",
    "is_sweep_spec",
    "load_program_and_train",
    "print_json",
    "print_row",
    "save_figure",
    "use_agg",
]

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2

#: Help text of every command's ``--json`` flag.
JSON_HELP = "machine-readable output on stdout"


class Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line and exit status 2 (a :class:`ConfigError`)."""

    def error(self, message: str):  # noqa: D401 - argparse API
        raise ConfigError(f"{message} (see '{self.prog} --help')")


#: Simulated seconds of the fibre commands: ``recruit`` (one run) and ``threshold`` (a bisection of ~15 runs).
RECRUIT_DURATION = Limit(0.0, 60.0, "s", "recruitment statistics settle within a second (default 1 s); "
                         "spike trains are held in memory", lo_open=True)
THRESHOLD_DURATION = Limit(0.0, 10.0, "s", "each of the ~15 bisection steps simulates this long; "
                           "perception is judged within the first second (default 0.5 s)", lo_open=True)
#: Simulated seconds per update of the interactive explorer.
EXPLORE_DURATION = Limit(0.0, 60.0, "s", "one interactive update; longer runs belong in 'scs-sim run'", lo_open=True)
#: Seeds of every command: numpy's SeedSequence takes any non-negative integer; the store keeps int64.
SEED = Limit(0, 2**63 - 1, "", "a non-negative 64-bit integer")


def bounded(limit: Limit, kind=float):
    """An argparse ``type``: parse ``kind`` and refuse a value outside ``limit`` (exit 2, the range, why)."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"must be {'an integer' if kind is int else 'a number'} (got {text!r})") from None
        if isinstance(value, float) and not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be finite (got {text!r})")
        if problem := limit.problem(value):
            raise argparse.ArgumentTypeError(problem)
        return value

    parse.__name__ = kind.__name__
    return parse


def seed_arg(text: str) -> int:
    """An argparse ``type`` for ``--seed``: an integer in the range of :data:`SEED`."""
    return bounded(SEED, int)(text)


def add_command(sub, name: str, help_: str, *, description: str | None = None,
                json_help: str = JSON_HELP) -> argparse.ArgumentParser:
    """Add sub-command ``name`` to the sub-parsers ``sub`` with its ``--json`` flag; returns its parser.

    ``description`` (the ``NAME --help`` text) defaults to ``help_`` (the line in ``scs-sim --help``).
    """
    sp = sub.add_parser(name, help=help_, description=description or help_)
    sp.add_argument("--json", action="store_true", help=json_help)
    return sp


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


def print_json(obj) -> None:
    """Print ``obj`` as indented JSON on stdout (NaN/inf as ``null``, numpy scalars and paths converted)."""
    print(json.dumps(_clean(obj), indent=2, default=_json_default))


def format_table(rows: list[dict], columns: list[tuple[str, str, str]]) -> str:
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


def print_row(row: dict, as_json: bool) -> None:
    """One record: JSON on stdout, or aligned ``key: value`` lines."""
    if as_json:
        print_json(row)
        return
    for k, v in row.items():
        print(f"{k:>22}: {v:.4g}" if isinstance(v, float) else f"{k:>22}: {v}")


def add_run_options(sp: argparse.ArgumentParser) -> None:
    """The options of every command that runs a sweep: backend, scheduler, workers, ``-s``, chunks, batches,
    evaluator."""
    sp.add_argument(
        "--backend",
        default="processes",
        choices=("serial", "processes", "dask"),
        help="where points run (default: processes, all cores)",
    )
    sp.add_argument("--scheduler", metavar="ADDR", help="Dask scheduler address (with --backend dask)")
    sp.add_argument("--workers", type=int, metavar="N", help="worker processes (default: all cores; dask: 2)")
    sp.add_argument(
        "-s",
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=V1,V2",
        help="override a dotted config key or sweep axis (TOML literals; the command line wins); repeatable",
    )
    sp.add_argument("--chunk-size", type=int, metavar="N", help="rows per result part (default: automatic)")
    sp.add_argument("--batch-size", type=int, metavar="N",
                    help="most rows sharing a network that run together in one batch (default: sweep.batch_size or 8; "
                    "1: every row alone); results do not depend on it")
    sp.add_argument(
        "--evaluator",
        metavar="MODULE:FUNCTION",
        help="row evaluator (default: scs_sim.simulation:evaluate); for testing and custom models",
    )


def is_sweep_spec(ref: str) -> bool:
    """Whether ``ref`` (a file or preset name) is a sweep spec: a TOML file with a ``[sweep]`` table."""
    from scs_sim.config.loader import find_file, read_toml

    if len(ref) == 0:
        return False
    try:
        path = find_file(ref)
    except ConfigError:
        return False
    return "sweep" in read_toml(path)


def load_program_and_train(ref: str):
    """Load a program (file or preset) and its pulse train; errors name the file. Returns (program, train)."""
    from scs_sim.config.loader import load_program
    from scs_sim.stim.programs import pulse_train

    program, base = load_program(ref)
    try:
        train = pulse_train(program, base_dir=base)
    except ConfigError as exc:
        raise exc.located(file=exc.file or str(ref)) from None
    return program, train


def use_agg() -> None:
    """Select matplotlib's Agg backend (files only, never a window)."""
    import matplotlib

    matplotlib.use("Agg")


def save_figure(fig, path, *, dpi: int = 120) -> None:
    """Save a figure to ``path`` (format from the suffix) and close it."""
    import matplotlib.pyplot as plt

    fig.savefig(path, dpi=dpi)
    plt.close(fig)
