"""``python -m benchmarks [--quick] [--out FILE.json] [--check]``: run the suite, print a table, write JSON."""

import sys

from benchmarks.suite import main

if __name__ == "__main__":
    sys.exit(main())
