"""matplotlib figures. Every ``plot_*`` takes ``ax=None`` and returns the Axes; saving is separate.

Computation modules never import this package.
"""

from .gate import plot_population_rates, plot_raster, plot_windup, run_figure
from .waveforms import plot_pulse_shape, plot_train

__all__ = ["plot_population_rates", "plot_pulse_shape", "plot_raster", "plot_train", "plot_windup", "run_figure"]
