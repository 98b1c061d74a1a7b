"""The Arrow memory pool a load allocates from.

Validating a folder makes and frees thousands of large, short-lived Arrow buffers (a column's
text, taken rows, codes' dictionaries, the cache's compressed copies). pyarrow's default pool
on Linux is mimalloc, which gives freed memory back to the system and faults it in again
page by page when the next buffer needs it; jemalloc keeps it for reuse. Measured at
national size (53.7 million rows from Parquet, the cache written; docs/performance.md):
the first load took 26.4-30.9 s from mimalloc and 23.9-24.4 s from jemalloc, with a peak of
5.04-5.08 GB against 4.80 GB.

:func:`loading_pool` makes jemalloc Arrow's default pool for the length of a load, where
pyarrow has it (its Linux and macOS wheels), and then gives the caller's pool back: what the
rest of a program allocates is not changed. A pool chosen by the user (the
``ARROW_DEFAULT_MEMORY_POOL`` environment variable) is left as it is. Buffers keep the pool
they came from, so the tables a load gives are freed to jemalloc whenever they are freed.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow as pa

__all__ = ["loading_pool"]

_lock = threading.Lock()


class _Loads:
    """The loads in progress (several threads may load at once) and the pool to give back
    when the last one ends."""

    running = 0
    previous: pa.MemoryPool | None = None


def _jemalloc() -> pa.MemoryPool | None:
    """Arrow's jemalloc pool, or None where this pyarrow has none (Windows wheels)."""
    try:
        return pa.jemalloc_memory_pool()
    except (NotImplementedError, pa.ArrowNotImplementedError):
        return None


@contextmanager
def loading_pool() -> Iterator[None]:
    """Make jemalloc Arrow's default memory pool inside the block (see the module's notes)."""
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL") or (pool := _jemalloc()) is None:
        yield
        return
    with _lock:
        if _Loads.running == 0:
            _Loads.previous = pa.default_memory_pool()
            pa.set_memory_pool(pool)
        _Loads.running += 1
    try:
        yield
    finally:
        with _lock:
            _Loads.running -= 1
            if _Loads.running == 0 and _Loads.previous is not None:
                pa.set_memory_pool(_Loads.previous)
                _Loads.previous = None
