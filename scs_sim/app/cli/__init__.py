"""The ``scs-sim`` command line (one module per command group)."""

from scs_sim.app.cli.core import main

__all__ = ["main"]
