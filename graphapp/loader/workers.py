"""Parsing many files at once: in worker processes for large inputs, in order for small ones.

The worker start method is chosen here and only here (`start_method`). On Linux a single-threaded
process (the CLI, a plain script) uses ``fork``: workers start at once and nothing is re-imported,
so a script without a ``__main__`` guard works. A process with other threads (the Streamlit
server, a notebook kernel) uses ``forkserver``: forking a threaded process can copy a lock held by
another thread, and Python 3.12+ warns against it. Elsewhere ``spawn`` (``fork`` is unsafe on macOS).

A worker never outlives the process that asked for it: a pool worker gets the call queue's pipe
ends, both of them, so a parent killed with SIGKILL leaves it blocked forever on a queue nobody
writes to (and its direct parent is the forkserver, not ours). So each worker starts a watchdog
thread (`_watch_parent`) that waits on a pidfd of the loading process (polling it where pidfds
do not exist) and exits the moment that process is gone, and on Linux also asks the kernel for
SIGKILL when its direct parent dies (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from .parse import parse_source
from .sources import Source

__all__ = ["Progress", "parse_all", "start_method", "PARALLEL_BYTES"]

Progress = Callable[[int, int], None]
PARALLEL_BYTES = 8 * 1024 * 1024  # below this, worker start-up costs more than it saves


def start_method() -> str:
    """How worker processes start on this platform (see the module docstring); GRAPHAPP_START_METHOD
    overrides it for measurements (bench/ingest.py --start-method)."""
    chosen = os.environ.get("GRAPHAPP_START_METHOD", "")
    if chosen in multiprocessing.get_all_start_methods():
        return chosen
    if not sys.platform.startswith("linux"):
        return "spawn"
    return "fork" if threading.active_count() == 1 else "forkserver"


_WORKER_SHARED: dict = {}  # per worker process: related stories already read, reused across batches


def _watch_parent(pid: int) -> None:
    """Pool initializer: end this worker as soon as process `pid` (the one loading) is gone."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:
        os._exit(1)  # already gone
    except (AttributeError, OSError):
        handle = None

    def watch() -> None:
        if handle is not None:
            select.select([handle], [], [])  # readable once the process has exited
        else:
            while True:
                time.sleep(0.5)
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                except PermissionError:  # alive, another user's: cannot be ours, but keep waiting
                    pass
        os._exit(1)

    threading.Thread(target=watch, name="graphapp-parent-watchdog", daemon=True).start()


def _parse_batch(batch: list[Source]) -> list:
    gc.disable()  # a worker is ours: it builds many small acyclic records and exits
    return [parse_source(source, _WORKER_SHARED) for source in batch]


def parse_all(sources: list[Source], indexes: list[int], *, workers: int | None, progress: Progress | None,
              done: int, total: int) -> Iterator[tuple[int, tuple]]:
    """Yield (index, parse result) for every source, in parallel when the input is large."""
    if not sources:
        return
    size = sum(s.size for s in sources)
    workers = workers if workers is not None else min(os.cpu_count() or 1, 8)
    # Off the main thread (the app runs each session's script in a thread) the native YAML parser
    # runs in worker processes only: it crashed a Streamlit script thread here (about 1 run in 8 of
    # the app tests), and a crash in a worker costs a strict re-parse instead of the server.
    # A small input there is read in the thread with the strict parser alone (PyYAML's C events, no
    # yaml-rs): starting worker processes would cost seconds for a handful of files.
    in_thread = threading.current_thread() is not threading.main_thread()
    if workers <= 1 or size < PARALLEL_BYTES or len(sources) < 16:
        shared: dict = {}
        for index, source in zip(indexes, sources):
            yield index, parse_source(source, shared, strict=in_thread)
            done += 1
            if progress and done % 64 == 0:
                progress(done, total)
        if progress:
            progress(total, total)
        return
    workers = max(1, min(workers, len(sources)))
    batches = _batches(list(zip(indexes, sources)), workers * 8)
    context = multiprocessing.get_context(start_method())
    if context.get_start_method() == "forkserver":
        context.set_forkserver_preload([__name__])  # the helper imports the parser once, not each worker
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_watch_parent, initargs=(os.getpid(),)) as pool:
        futures = [(batch, pool.submit(_parse_batch, [s for _, s in batch])) for batch in batches]
        broken = False
        for batch, future in futures:
            results = None
            try:
                results = None if broken else future.result()
            except BrokenProcessPool:
                broken = True
            if results is None:  # a worker died: read what it left with the strict parser only
                results = [parse_source(source, strict=True) for _, source in batch]
            for (index, _), result in zip(batch, results):
                yield index, result
            done += len(batch)
            if progress:
                progress(done, total)


def _batches(items: list, count: int) -> list[list]:
    """Split into about `count` runs of similar byte size, keeping order."""
    total = sum(source.size for _, source in items) or 1
    target = total / count
    batches, current, current_size = [], [], 0
    for item in items:
        current.append(item)
        current_size += item[1].size
        if current_size >= target:
            batches.append(current)
            current, current_size = [], 0
    if current:
        batches.append(current)
    return batches
