"""Fibres: anatomy and fibre populations (no numba), the recruitment kernel, thresholds and perception."""
