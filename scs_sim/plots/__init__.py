"""matplotlib figures. Every ``plot_*`` takes ``ax=None`` and returns the Axes; saving is separate.

Plots only draw: they take results (a simulation :class:`~scs_sim.simulation.Result`, a recruitment,
arrays from :mod:`scs_sim.fibers.curves`, sweep tables) and never run a model or write a file.
Computation modules never import this package.
"""

from scs_sim.plots.gate import plot_population_rates, plot_raster, plot_windup, run_figure
from scs_sim.plots.recruitment import (
    plot_cross_section,
    plot_fiber_raster,
    plot_recruitment_curve,
    plot_strength_duration,
    raster_comparison_figure,
)
from scs_sim.plots.schematic import plot_circuit_schematic
from scs_sim.plots.sweeps import plot_comparison_bars, plot_frequency_response, plot_heatmap, plot_pareto
from scs_sim.plots.waveforms import plot_pulse_shape, plot_train, plot_waveforms

__all__ = [
    "plot_circuit_schematic",
    "plot_comparison_bars",
    "plot_cross_section",
    "plot_fiber_raster",
    "plot_frequency_response",
    "plot_heatmap",
    "plot_pareto",
    "plot_population_rates",
    "plot_pulse_shape",
    "plot_raster",
    "plot_recruitment_curve",
    "plot_strength_duration",
    "plot_train",
    "plot_waveforms",
    "plot_windup",
    "raster_comparison_figure",
    "run_figure",
]
