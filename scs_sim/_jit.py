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


def _cycle_counter_intrinsic():
    from llvmlite import ir
    from numba.core import cgutils, types
    from numba.extending import intrinsic

    @intrinsic
    def cycle_counter(typingctx):
        """The CPU's cycle counter (``llvm.readcyclecounter``: rdtsc on x86-64, 0 where there is none),
        as int64; for the per-section profile of a kernel (docs/PERFORMANCE.md)."""

        def codegen(context, builder, signature, args):
            fnty = ir.FunctionType(ir.IntType(64), [])
            fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.readcyclecounter")
            return builder.call(fn, [])

        return types.int64(), codegen

    return cycle_counter


#: ``cycle_counter()`` inside a kernel: the CPU's time-stamp counter (int64 ticks).
cycle_counter = _cycle_counter_intrinsic()
