"""Freed image memory goes back to the system: a fixed malloc mmap threshold for the ``smp`` photo commands.

glibc serves an allocation over ``M_MMAP_THRESHOLD`` (128 kB) with its own mmap, returned to the system
when freed, but each such free raises the threshold to the freed size (up to 32 MB), so from then on the
many 12-48 MB masks and channels of a 12 MP consultation are carved from the heap, where freed blocks
stay resident between the live ones. Setting the threshold explicitly turns that adjustment off: a
``smp preview`` of a 24 MP photo peaked at 1,567 MB with it and 1,404 MB without
(``benchmarks/bench_memory.py``, 2026-12-04). Elsewhere than glibc this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

M_MMAP_THRESHOLD = -3  # malloc.h
MMAP_THRESHOLD_BYTES = 128 * 1024  # glibc's own initial value, kept fixed


def fix_mmap_threshold(threshold: int = MMAP_THRESHOLD_BYTES) -> bool:
    """Fix glibc's mmap threshold at ``threshold`` bytes (no dynamic raise); True if it was set."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, threshold))
