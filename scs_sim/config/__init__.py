"""Configuration: TOML files → validated, typed configs; includes, presets, ``-s`` overrides.

Never imports numba.
"""

from scs_sim.config.loader import (
    CONFIG_DIR,
    Patient,
    RunConfig,
    Simulation,
    load,
    load_device,
    load_patient,
    load_program,
    parse,
    preset_names,
    preset_path,
    program_dir,
)

__all__ = ["CONFIG_DIR", "Patient", "RunConfig", "Simulation", "load", "load_device", "load_patient",
           "load_program", "parse", "preset_names", "preset_path", "program_dir"]
