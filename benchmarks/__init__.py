"""scs_sim benchmarks: ``python -m benchmarks [--quick] [--check]`` (see ``benchmarks/suite.py``) and
pytest-benchmark modules (``python -m pytest benchmarks/ --benchmark-only``). Not part of the test run."""
