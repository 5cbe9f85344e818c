"""The Dask engine beside the local one, and its per-worker throughput per stage (docs/scale.md).

    python bench/dask_engine.py                      # azure-news
    python bench/dask_engine.py --corpus /tmp/x10    # any folder (a scaled copy, say)

1. End to end, in one run: `stats --json` and `clusters --level events --format json` with --engine local and
   --engine dask (a LocalCluster of 2 workers, 1 thread each): wall time, peak memory of the whole process
   tree (workers included), whether the outputs are identical, and the load average around each run.
2. Stages, on a LocalCluster of ONE worker so each figure is one worker's: the compute time of every task
   as the workers report it (distributed's task stream), summed per stage, and the client's own stages.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from _util import corpus, timed


def end_to_end(folder: Path) -> list[dict]:
    rows = []
    commands = {"stats": ["stats", "--json"],
                "events": ["clusters", "--level", "events", "--format", "json", "--top", "1000000"]}
    for name, args in commands.items():
        outputs = {}
        for engine in ("local", "dask"):
            load_before = os.getloadavg()[0]
            wall, peak, out = timed([sys.executable, "-m", "graphapp", *args, "--no-cache", "--quiet", "--engine", engine,
                                     str(folder)])
            outputs[engine] = out
            rows.append({"command": name, "engine": engine, "wall_s": round(wall, 1), "peak_mb": round(peak),
                         "load_before": round(load_before, 2), "load_after": round(os.getloadavg()[0], 2)})
        rows[-1]["identical"] = outputs["local"] == outputs["dask"]
    return rows


def stages(folder: Path) -> dict:
    """Seconds per stage with one worker (task compute time from the workers; wall time for the client's parts)."""
    from distributed import Client, LocalCluster, get_task_stream

    from graphapp.engine import DaskEngine
    from graphapp.events import event_clusters
    from graphapp.pipeline import open_paths

    figures: dict = {}
    with LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=None) as cluster, Client(cluster) as client:
        with get_task_stream(client) as stream:
            start = time.perf_counter()
            dataset = open_paths([folder], engine=DaskEngine(client))  # list, parse (worker), merge, resolve
            figures["load_wall_s"] = time.perf_counter() - start
        figures.update(_per_prefix(stream.data, "load"))
        start = time.perf_counter()
        graph = dataset.graph
        figures["client_graph_s"] = time.perf_counter() - start
        start = time.perf_counter()
        events = event_clusters(graph)  # on the client: the pair model's grouping is not sharded yet
        figures["client_events_s"] = time.perf_counter() - start
        figures.update(files=dataset.report.files, stories=len(dataset.resolved.stories), events=len(events))
    return {k: round(v, 2) if isinstance(v, float) else v for k, v in figures.items()}


def _per_prefix(records: list[dict], stage: str) -> dict:
    """Task compute seconds (and task counts) per task name prefix, from distributed's task stream."""
    from dask.utils import key_split

    totals: dict = {}
    for record in records:
        prefix = key_split(record["key"])
        compute = sum(s["stop"] - s["start"] for s in record["startstops"] if s["action"] == "compute")
        totals[f"{stage}:{prefix}_s"] = totals.get(f"{stage}:{prefix}_s", 0.0) + compute
        totals[f"{stage}:{prefix}_tasks"] = totals.get(f"{stage}:{prefix}_tasks", 0) + 1
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=None, help="a folder of articles (default: azure-news)")
    parser.add_argument("--skip-stages", action="store_true", help="only the end-to-end comparison")
    args = parser.parse_args()
    folder = args.corpus or corpus("azure-news")
    print(json.dumps({"corpus": str(folder), "cpus": os.cpu_count()}))
    for row in end_to_end(folder):
        print(json.dumps(row), flush=True)
    if not args.skip_stages:
        print(json.dumps(stages(folder)), flush=True)


if __name__ == "__main__":
    main()
