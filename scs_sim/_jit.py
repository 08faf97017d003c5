"""numba options in one place.

Every kernel in scs_sim is compiled with :func:`njit` from this module so that the flags are
uniform: ``cache=True`` (a later process loads the compiled code instead of recompiling),
``nogil=True``, no ``parallel`` (one simulation per process; parallelism lives in the sweep
executors), and no ``fastmath`` (it would silently break NaN/Inf detection, stumpy#708).
"""

from __future__ import annotations

import numba

JIT_OPTIONS: dict = {"cache": True, "nogil": True, "fastmath": False, "error_model": "numpy"}


def njit(*args, **kwargs):
    """``numba.njit`` with the project's flags; usable bare (``@njit``) or called (``@njit()``)."""
    options = {**JIT_OPTIONS, **kwargs}
    if args and callable(args[0]):
        return numba.njit(**options)(args[0])
    return numba.njit(*args, **options)
