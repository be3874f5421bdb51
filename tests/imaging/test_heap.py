"""The fixed mmap threshold (smpstudio.imaging.heap): a freed 20 MB array goes back to the system.

Each case runs in a fresh interpreter (the threshold is process-wide): an array is freed once (which,
left to glibc, raises the threshold to its size), then a second one is made and freed; the resident
set after that is compared with the one before it."""

from __future__ import annotations

import subprocess
import sys

import pytest

CHILD = r"""
import sys
import numpy as np
from smpstudio.imaging.heap import fix_mmap_threshold
fixed = fix_mmap_threshold() if sys.argv[1] == "fixed" else None
def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20
a = np.ones(20 * 2**20, np.uint8); del a  # glibc's dynamic threshold rises to 20 MB here
before = rss_mb()
b = np.ones(20 * 2**20, np.uint8); del b
print(fixed, rss_mb() - before)
"""


def _retained_mb(mode: str) -> tuple[str, float]:
    out = subprocess.run([sys.executable, "-c", CHILD, mode], capture_output=True, text=True, check=True)
    fixed, mb = out.stdout.split()
    return fixed, float(mb)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_freed_arrays_go_back_to_the_system():
    fixed, with_fix = _retained_mb("fixed")
    assert fixed == "True"
    assert with_fix < 2.0  # returned
    _, without = _retained_mb("default")
    assert without > 15.0  # the behaviour the fix is for: glibc kept the second array's 20 MB resident


def test_read_photo_fixes_the_threshold(monkeypatch):
    from smpstudio.commands import common
    from smpstudio.imaging import heap

    calls = []
    monkeypatch.setattr(heap, "fix_mmap_threshold", lambda: calls.append(1) or True)
    common.read_photo(None)
    assert calls == [1]
