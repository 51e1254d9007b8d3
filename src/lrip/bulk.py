"""Work that holds many rows or makes many objects at once: a measurement import, a program's metrics and SPC,
an evidence package."""
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


@contextmanager
def collector_spared():
    """The garbage collector left to the objects the work makes. Writing an evidence package allocates millions
    of short-lived ones (Matplotlib artists, WeasyPrint boxes), which set off three or four full collections,
    each walking every object the process held before (its modules, its caches): a second of the 10,000-unit
    package. Frozen for the while, those are not walked; they go back to the collector after."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
