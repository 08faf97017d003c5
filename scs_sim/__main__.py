"""``python -m scs_sim``: the command line."""

from scs_sim.app.cli.core import main

raise SystemExit(main())
