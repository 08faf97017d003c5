"""Load-time checks of a whole run: what a run would reject is rejected when the config is read.

Each table is validated on its own by its model; this module checks what needs several tables at once,
with the same rules (the same functions) the run applies, and reports it as a
:class:`~scs_sim.errors.ConfigError` naming the file and the dotted key:

- ``[patient.circuit]`` against the circuit preset of ``[simulation]``: merged into the preset and
  validated as :class:`~scs_sim.dorsal_horn.params.CircuitParams` (unknown keys with a did-you-mean and
  the allowed keys), then :func:`~scs_sim.dorsal_horn.params.check_network` (no empty population), with
  ``n_dc`` set as the run sets it (one collateral source per modelled dorsal-column fibre);
- the spiking circuit's time grid (``simulation.dt_ms``, ``bin_ms``, ``duration_s`` against the
  fastest synaptic decay, :func:`~scs_sim.dorsal_horn.params.check_steps`);
- the anatomy's fibre-diameter distribution (:meth:`~scs_sim.fibers.anatomy.Anatomy.dc_diameter_sigma`);
- every program channel's contacts against the patient's lead
  (:func:`~scs_sim.fibers.anatomy.channel_contacts`).

The program's pulse train itself (custom CSV, overlapping multiplexed phases) is built by the loader.
Never imports numba.
"""

from __future__ import annotations

from scs_sim.config.validate import validate_model
from scs_sim.dorsal_horn.params import CircuitParams, check_network, check_steps, merge_overrides, preset
from scs_sim.errors import ConfigError
from scs_sim.fibers.anatomy import channel_contacts

__all__ = ["check_run", "circuit_of"]

#: Run-time argument names of the circuit's time grid -> the config keys they come from.
_STEP_KEYS = {"dt_s": "simulation.dt_ms", "bin_s": "simulation.bin_ms", "duration_s": "simulation.duration_s"}


def _place(exc: ConfigError, file: str | None, prefix: str) -> ConfigError:
    return exc.located(file=exc.file or file, key_prefix=prefix)


def circuit_of(patient, simulation, *, file: str | None = None) -> CircuitParams:
    """The circuit parameters a run of ``patient`` with ``simulation`` uses, validated.

    ``[patient.circuit]`` overrides are merged into the preset ``simulation.circuit`` (as
    :func:`~scs_sim.dorsal_horn.params.circuit_params` does); problems name ``patient.circuit.<key>``.
    """
    overrides = {**patient.circuit, "n_dc": patient.anatomy.dc_count}
    try:
        base = preset(simulation.circuit).model_dump()
    except ConfigError as exc:
        raise ConfigError(exc.detail, file=file, key="simulation.circuit") from None
    params = validate_model(CircuitParams, merge_overrides(base, overrides), file=file,
                            prefix=("patient", "circuit"))
    try:
        check_network(params)
    except ConfigError as exc:
        raise _place(exc, file, "patient") from None
    return params


def _channel_keys(train) -> list[str]:
    n = len(train.channels)
    return ["program" if n == 1 else f"program.components.{i}" for i in range(n)]


def check_run(cfg, *, train=None, files: dict[str, str | None] | None = None) -> None:
    """Raise :class:`ConfigError` for anything a run of ``cfg`` would reject (see the module docstring).

    Parameters
    ----------
    cfg : RunConfig
    train : PulseTrain, optional
        The program's pulse train (already built by the loader); its channels are checked against
        the patient's lead.
    files : dict, optional
        Section name -> the file it was read from (an include or the config file), for the messages.
    """
    files = files or {}
    patient_file = files.get("patient", cfg.source)
    sim_file = files.get("simulation", cfg.source)
    try:
        cfg.patient.anatomy.dc_diameter_sigma()
    except ConfigError as exc:
        raise _place(exc, patient_file, "patient") from None
    params = circuit_of(cfg.patient, cfg.simulation, file=patient_file)
    sim = cfg.simulation
    if sim.model == "spiking":
        try:
            check_steps(params, sim.duration_s, sim.dt_ms * 1e-3, sim.bin_ms * 1e-3)
        except ConfigError as exc:
            if exc.key in _STEP_KEYS:
                raise ConfigError(exc.detail, file=sim_file, key=_STEP_KEYS[exc.key]) from None
            raise _place(exc, patient_file, "patient") from None
    if train is not None:
        for ch, key in zip(train.channels, _channel_keys(train), strict=True):
            try:
                channel_contacts(cfg.patient.anatomy, ch.cathodes, ch.anodes, key=key)
            except ConfigError as exc:
                raise ConfigError(exc.detail, file=files.get("program", cfg.source), key=exc.key) from None
