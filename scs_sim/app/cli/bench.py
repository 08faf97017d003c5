"""The ``bench`` command of the ``scs-sim`` command line: the benchmark suite of ``benchmarks/``.

Registered into the command table of :mod:`scs_sim.app.cli` by :func:`register`.
The suite lives in the repository's ``benchmarks/`` folder (it uses the NumPy reference kernels of
``tests/``), so the command needs a source checkout: it looks for it next to the installed package
(an editable install) or in the current directory, and says so clearly when there is none.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from scs_sim.app.cli.common import add_command
from scs_sim.errors import ConfigError

__all__ = ["register", "cmd_bench"]


def register(sub, commands: dict) -> None:
    """Add the ``bench`` sub-command to ``sub`` and its function to ``commands``."""
    sp = add_command(
        sub,
        "bench",
        "benchmark figures: kernels, circuit, scaling, sweep, start-up, memory, peers",
        description="Run the benchmark suite (benchmarks/suite.py): print a table of figures and ratios and "
        "write a JSON report (machine, versions, git commit, medians, ratios) for trend tracking.",
        json_help="print the whole JSON report on stdout",
    )
    sp.add_argument("--quick", action="store_true", help="CI sizes: under 2 minutes on a 2-core machine")
    sp.add_argument("--profile", choices=("full", "quick", "tiny"),
                    help="sizes: full (default), quick (= --quick), tiny (a smoke test of the machinery)")
    sp.add_argument("--out", metavar="FILE.json", help="JSON report path (default: results/bench-<profile>.json)")
    sp.add_argument("--only", metavar="SECTION[,SECTION]", help="run only these sections")
    sp.add_argument("--peers", action="store_true", help="add the Brian2 peer (needs .venv-peers, see docs)")
    sp.add_argument("--peers-python", metavar="PYTHON", help="interpreter that has brian2")
    sp.add_argument("--check", action="store_true",
                    help="exit 1 when a numba / NumPy-reference speed ratio is below its floor")
    commands["bench"] = cmd_bench


def _checkout() -> Path:
    here = Path(__file__).resolve().parents[3]
    for root in (here, Path.cwd()):
        if (root / "benchmarks" / "suite.py").is_file() and (root / "tests" / "naive_circuit.py").is_file():
            return root
    raise ConfigError("the benchmark suite needs a source checkout of scs_sim (benchmarks/ and tests/): run "
                      "'scs-sim bench' from the repository root, or install it with 'pip install -e .'")


def cmd_bench(args) -> int:
    root = _checkout()
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from benchmarks import suite

    argv = []
    if args.quick:
        argv.append("--quick")
    for flag in ("profile", "out", "only", "peers_python"):
        v = getattr(args, flag)
        if v:
            argv += [f"--{flag.replace('_', '-')}", v]
    if args.peers:
        argv.append("--peers")
    if args.check:
        argv.append("--check")
    if not args.json:
        return suite.main(argv, prog="scs-sim bench")
    # --json: the table goes to stderr, the report to stdout
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = suite.main(argv, prog="scs-sim bench")
    print(buf.getvalue(), file=sys.stderr, end="")
    profile = args.profile or ("quick" if args.quick else "full")
    out = Path(args.out) if args.out else root / "results" / f"bench-{profile}.json"
    print(json.dumps(json.loads(out.read_text()), indent=2))
    return rc
