"""What machine a benchmark ran on, for the Markdown it writes."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def pin_one_core() -> str:
    """Pin this process to its lowest allowed CPU (so peers timed in one run share one core)."""
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu} with sched_setaffinity, BLAS threads = 1"
    return "single-threaded (BLAS threads = 1)"
