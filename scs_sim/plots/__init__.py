"""matplotlib figures. Every ``plot_*`` takes ``ax=None`` and returns the Axes; saving is separate.

Computation modules never import this package.
"""

from .waveforms import plot_pulse_shape, plot_train

__all__ = ["plot_pulse_shape", "plot_train"]
