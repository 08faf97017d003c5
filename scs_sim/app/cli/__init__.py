"""The ``scs-sim`` command line: the parser built from the command groups, and :func:`main`.

Exit status: 0 ok; 2 bad input (one clear line on stderr, no traceback); 1 internal error.
Every command takes ``--json`` for machine-readable output on stdout (one JSON document; non-finite
numbers are ``null``).

Each command group is a module with ``register(sub, commands)``: it adds its sub-parsers to ``sub``
and its functions to ``commands``, the one name -> function table :func:`main` dispatches on. A new
command is a function and its parser in a group; a new group is one entry of :data:`GROUPS`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from scs_sim._version import __version__
from scs_sim.app.cli import bench, model, programs, report, study, validate
from scs_sim.app.cli.common import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK, Parser
from scs_sim.errors import ConfigError, ScsSimError

__all__ = ["COMMANDS", "GROUPS", "build_parser", "main"]

#: The command groups, in the order of ``scs-sim --help``.
GROUPS = (programs, model, study, report, validate, bench)

#: Command name -> function(args) -> exit status; filled by :func:`build_parser` from :data:`GROUPS`.
COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def build_parser() -> argparse.ArgumentParser:
    """The ``scs-sim`` parser with every group's sub-commands (and :data:`COMMANDS` filled)."""
    p = Parser(
        prog="scs-sim",
        description="Spinal cord stimulation therapy simulator "
        "(engineering and teaching tool; not for clinical decisions).",
    )
    p.add_argument("--version", action="version", version=f"scs-sim {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for group in GROUPS:
        group.register(sub, COMMANDS)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 ok, 1 internal error, 2 bad input)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return EXIT_BAD_INPUT
        return COMMANDS[args.command](args)
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
