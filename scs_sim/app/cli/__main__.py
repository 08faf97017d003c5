"""``python -m scs_sim.app.cli``: the command line."""

from scs_sim.app.cli import main

raise SystemExit(main())
