"""graphapp: which outlets covered which story, how stories cluster, which matter most.

A pipeline, one stage per module: `load` (files → records) → `build` (records → graph) →
`filters` → `analyze` / `events` (graph → clusters and ranks) → `tables` / `views` / `render` /
`export`; `pipeline` composes them for the CLI, the app and notebooks:

>>> import graphapp
>>> result = graphapp.run([graphapp.SEEDS], graphapp.ViewOptions(level="events"), cache_dir=False)
>>> len(result.graph), len(result.clusters)
(20, 1)

The names below are imported on first use, so `graphapp stats` on an unchanged corpus starts
without networkx, pandas or scikit-learn.
"""

from importlib import import_module
from importlib.resources import files as _files
from pathlib import Path as _Path

__version__ = "0.2.0"

SEEDS = _Path(str(_files(__name__) / "seeds"))  # the bundled example articles (package data)

_PUBLIC = {
    "load": "loader", "Corpus": "loader",
    "build_graph": "build",
    "run": "pipeline", "open_paths": "pipeline", "Dataset": "pipeline", "Result": "pipeline",
    "ViewOptions": "options", "Filters": "options", "TopicSettings": "options", "EventSettings": "options",
    "coverage_clusters": "analyze", "story_ranks": "analyze", "outlet_ranks": "analyze", "summary": "analyze",
    "event_clusters": "events",
    "EXPORTERS": "export", "export_to": "export", "export_bytes": "export",
    "DaskEngine": "engine",
}

__all__ = ["__version__", "SEEDS", *_PUBLIC]


def __getattr__(name: str):
    if name in _PUBLIC:
        return getattr(import_module(f".{_PUBLIC[name]}", __name__), name)
    raise AttributeError(f"module 'graphapp' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
