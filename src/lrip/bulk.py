"""Work that holds many rows at once: a measurement import, a program's metrics and SPC."""
from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def collector_paused():
    """Pause the cyclic garbage collector while the work holds its rows: tens of thousands of small objects
    that all live to the end would make it walk the growing heap again and again (a quarter of an import's
    or a 10,000-unit reading's time), and none of them is garbage before then. Reference counting frees
    everything else as usual. Usable as a decorator."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
