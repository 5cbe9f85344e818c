"""Where the pipeline runs: in this process (`local`, the default) or on Dask distributed (`dask`).

On Dask, parsing runs in the workers (`engine.load`); events and the graph analytics that need the whole
graph (topic clusters, PageRank, betweenness, outlet ranks, stats' Louvain count) run on the client on the
assembled stories. (Events ran per time shard with a halo on the earlier grouping; the learned pair model's
grouping is not sharded yet: docs/scale.md.) Results are the local
engine's, exactly (tests/test_dask.py compares them). docs/scale.md says what runs where and how to run a
cluster; the workers must be able to import graphapp (installed, or on their PYTHONPATH).

A script that starts a LocalCluster needs the `if __name__ == "__main__":` guard (its workers are spawned):

>>> import graphapp
>>> with graphapp.DaskEngine.open(workers=1) as engine:  # doctest: +SKIP
...     events = graphapp.run([graphapp.SEEDS], engine=engine).clusters
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from ..loader import Corpus
from ..loader.sources import Source
from ..records import LoadIssue

__all__ = ["ENGINES", "DaskEngine", "engine_for"]

ENGINES = ("local", "dask")
LOCAL_WORKERS = 2  # a LocalCluster's worker processes (one thread each): small, the machine is shared


class DaskEngine:
    """The pipeline's parallel stages on the Dask cluster of one `distributed.Client`."""

    def __init__(self, client) -> None:
        self.client = client

    def __repr__(self) -> str:
        return f"<DaskEngine {self.client.scheduler.address} ({self.workers} workers)>"

    @classmethod
    @contextlib.contextmanager
    def open(cls, scheduler: str | None = None, *, workers: int = LOCAL_WORKERS) -> Iterator[DaskEngine]:
        """A client of the scheduler at `scheduler` (tcp://host:port), or of a LocalCluster of `workers`
        processes when None; closed (and the LocalCluster stopped) on leaving."""
        from distributed import Client, LocalCluster

        if scheduler:
            with Client(scheduler) as client:
                yield cls(client)
            return
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                          silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
            yield cls(client)

    @property
    def workers(self) -> int:
        """Workers connected now (at least 1: file shard counts are cut from it)."""
        return max(1, len(self.client.nthreads()))

    def load(self, sources: list[Source], issues: list[LoadIssue]) -> Corpus:
        """Parse `sources` in the workers; the Corpus `loader.load_sources` gives (see `engine.load`)."""
        from .load import load_on

        return load_on(self.client, sources, issues, workers=self.workers)


@contextlib.contextmanager
def engine_for(name: str = "local", scheduler: str | None = None) -> Iterator[DaskEngine | None]:
    """The engine `name` asks for (None: local); a `scheduler` address implies Dask."""
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r}; use one of {', '.join(ENGINES)}")
    if name == "local" and not scheduler:
        yield None
        return
    with DaskEngine.open(scheduler) as engine:
        yield engine
