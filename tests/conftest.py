"""Shared fixtures of the test suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def importable_tests(monkeypatch):
    """Worker processes (spawn, Dask, CLI subprocesses) import test evaluators by name (``tests.x:f``):
    put the repository on their path."""
    old = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", str(ROOT) + (os.pathsep + old if old else ""))
