"""Seeded randomness for igraph, per thread: the same seed gives the same clusters and the same layout.

igraph draws from one process-wide source. `seeded(seed)` routes the calling thread's draws to a
private generator for the duration, without a lock (the app runs sessions in threads); elsewhere
igraph keeps drawing from Python's `random` module, its own default, so other igraph users see no change.
"""

from __future__ import annotations

import random
import threading
from contextlib import contextmanager

import igraph as ig

__all__ = ["seeded"]


class _ThreadSeededRandom:
    """igraph's random source: inside `_seeded` a private generator of the calling thread, elsewhere
    Python's `random` module (igraph's own default), so other igraph users see no change."""

    def __init__(self) -> None:
        self._local = threading.local()

    def _current(self):
        return getattr(self._local, "generator", None) or random

    def random(self) -> float:
        return self._current().random()

    def randint(self, a: int, b: int) -> int:
        return self._current().randint(a, b)

    def gauss(self, mu: float, sigma: float) -> float:
        return self._current().gauss(mu, sigma)

    def getrandbits(self, k: int) -> int:
        return self._current().getrandbits(k)


_RANDOM = _ThreadSeededRandom()
_installed = False


@contextmanager
def seeded(seed: int):
    """igraph draws from one process-wide source; route this thread's draws to a generator seeded with
    `seed` for the duration, without a lock (the app runs sessions in threads)."""
    global _installed
    if not _installed:
        ig.set_random_number_generator(_RANDOM)
        _installed = True
    previous = getattr(_RANDOM._local, "generator", None)
    _RANDOM._local.generator = random.Random(seed)
    try:
        yield
    finally:
        _RANDOM._local.generator = previous
