"""pytest-benchmark fixtures: every workload is built, and its kernels JIT-compiled, before timing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: pytest-benchmark rounds for every benchmark (the JIT is warmed first; at least 5 rounds).
ROUNDS = 5


@pytest.fixture(scope="session")
def segment_10s():
    from benchmarks.workloads import circuit_workload

    wl = circuit_workload("segment", 10.0)
    wl.run(0.05)  # compile / load the kernel before any timing
    return wl


@pytest.fixture(scope="session")
def segment_all_mechanisms_10s():
    from benchmarks.workloads import circuit_workload

    wl = circuit_workload("segment", 10.0, mechanisms="all")
    wl.run(0.05)
    return wl


@pytest.fixture(scope="session")
def zhang_10s():
    from benchmarks.workloads import circuit_workload

    wl = circuit_workload("zhang2014", 10.0)
    wl.run(0.05)
    return wl
