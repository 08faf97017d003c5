"""Configuration: TOML files → validated, typed configs; includes, presets, ``-s`` overrides.

Never imports numba.
"""

from scs_sim.config.loader import (
    PRESET_DIR,
    Patient,
    RunConfig,
    Simulation,
    find_file,
    load,
    load_device,
    load_patient,
    load_program,
    load_section,
    parse,
    preset_names,
    preset_path,
    program_dir,
    read_toml,
    validate_model,
)

__all__ = ["PRESET_DIR", "find_file", "load_section", "read_toml", "validate_model", "Patient", "RunConfig", "Simulation", "load", "load_device", "load_patient",
           "load_program", "parse", "preset_names", "preset_path", "program_dir"]
