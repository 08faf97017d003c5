"""Model validation: published protocols rerun on the model and compared with the published results.

The package, by what each module owns:

* :mod:`~scs_sim.validation.references` — the one copy of every published dataset and reference
  number (Hershey et al. 2010 strength–duration, the digitised Foreman 1976 cells, ...);
* :mod:`~scs_sim.validation.experiments` — the :class:`Experiment` type and the :data:`EXPERIMENTS`
  table (reference, citation, tolerance and rationale, fixed before running);
* :mod:`~scs_sim.validation.protocols` — the :data:`PROTOCOLS` table (name -> function), with the
  protocols themselves in ``protocols_recruitment``, ``protocols_circuit`` and ``protocols_pipeline``;
* :mod:`~scs_sim.validation.runner` — :func:`run_validation`, :func:`judge`, :class:`Report`;
* :mod:`~scs_sim.validation.report` — the Markdown/text report and :func:`write_report` (the only
  place that writes files; figures are drawn by :mod:`scs_sim.plots.validation`), with its prose in
  :mod:`~scs_sim.validation.report_text`.

The ``scs-sim validate-model`` command (:mod:`scs_sim.app.cli.validate`) drives it.
"""

from scs_sim.validation.experiments import EXPERIMENTS, EXPERIMENTS_BY_ID, Experiment
from scs_sim.validation.protocols import PROTOCOLS
from scs_sim.validation.references import (
    FOREMAN_RECOVERING,
    FOREMAN_SUPPRESSED,
    HERSHEY_2010,
    foreman_curves,
    foreman_reference,
)
from scs_sim.validation.report import render_markdown, render_table, render_text, write_report
from scs_sim.validation.runner import ExperimentResult, Report, judge, run_validation

__all__ = ["EXPERIMENTS", "EXPERIMENTS_BY_ID", "FOREMAN_RECOVERING", "FOREMAN_SUPPRESSED", "HERSHEY_2010",
           "PROTOCOLS", "Experiment", "ExperimentResult", "Report", "foreman_curves", "foreman_reference",
           "judge", "render_markdown", "render_table", "render_text", "run_validation", "write_report"]
