"""The one composition of the stages: load → resolve → filter → build → analyze (topics or events) → views.

The CLI, the app, `graphapp stats` and the benchmarks all go through here, so they cannot drift apart.
A `Dataset` is what was loaded (shared, never changed); a `Result` is one view of it for one
`ViewOptions`, computing each analysis only when asked.

>>> from graphapp import SEEDS
>>> result = run(open_paths([SEEDS], cache_dir=False), ViewOptions(level="events"))
>>> result
<Result: 11 stories, level events>
>>> [event["size"] for event in result.clusters]
[10]
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from .build import Resolved, graph_from, resolve_stories
from .errors import NothingLoadedError
from .filters import filter_stories
from .loader import Corpus, ZipLimits, find_sources, fingerprint, load_sources, sources_from_upload
from .loader.cache import ResultCache, default_cache_dir
from .loader.workers import Progress
from .options import ViewOptions
from .records import LoadIssue, LoadReport

if TYPE_CHECKING:
    from .engine import DaskEngine

__all__ = ["Dataset", "Result", "find_clusters", "cluster_key", "topics_empty_reason", "open_paths", "open_uploads", "run", "corpus_stats", "issue_dict", "nothing_message",
           "UPLOAD_LIMITS", "UPLOAD_MAX_FILES", "UPLOAD_MAX_BYTES"]

UPLOAD_MAX_FILES = 2_000  # per upload, on top of the per-file cap in .streamlit/config.toml
UPLOAD_MAX_BYTES = 200 * 1024**2
UPLOAD_LIMITS = ZipLimits(max_members=20_000, max_member_bytes=2 * 1024 * 1024, max_total_bytes=512 * 1024**2, max_ratio=200.0)


@dataclass(frozen=True, repr=False, eq=False)
class Dataset:
    """A loaded corpus, its resolved stories and (built on first use) its whole graph. Shared and never changed."""

    key: str  # identifies the input (paths or upload digest), for caches
    label: str
    corpus: Corpus
    resolved: Resolved

    def __repr__(self) -> str:
        return f"<Dataset {self.label!r}: {len(self.resolved.stories):,} stories from {self.report.files:,} files>"

    @property
    def report(self) -> LoadReport:
        """The load report: skipped files, warnings and merges."""
        return self.corpus.report

    @cached_property
    def graph(self):
        """The whole story/outlet graph (networkx), built once."""
        return graph_from(self.resolved)

    @cached_property
    def outlets(self) -> tuple[str, ...]:
        """Outlet domains, most stories first."""
        counts = Counter(story.outlet for story in self.resolved.stories.values())
        return tuple(sorted(counts, key=lambda o: (-counts[o], o)))

    @cached_property
    def topics(self) -> tuple[str, ...]:
        """Every topic of the loaded stories, sorted (the topic filter's choices)."""
        return tuple(sorted({t.strip() for s in self.resolved.stories.values() for t in s.topics} - {""}))

    @cached_property
    def days(self) -> tuple[date | None, date | None]:
        """First and last publication day (None when nothing is dated)."""
        dated = [s.published for s in self.resolved.stories.values() if s.published is not None]
        return (min(dated).date(), max(dated).date()) if dated else (None, None)

    @cached_property
    def counts(self) -> dict[str, int]:
        """What the app's sidebar shows: files, skipped, stories, outlets, distinct related pairs."""
        pairs = {(u, v) if u < v else (v, u) for u, v in self.resolved.edges}
        return {"files": self.report.files, "skipped": len(self.report.skipped), "stories": len(self.resolved.stories),
                "outlets": len(self.outlets), "links": len(pairs)}

    def clusters(self, options: ViewOptions) -> list:
        """Topics or events of everything loaded, for the clustering settings of `options` (its filters and view
        options play no part): computed once per dataset and settings, then shared. Never change what it returns."""
        key = cluster_key(options)
        with _CLUSTERS_LOCK:
            memo = self.__dict__.setdefault("_clusters", {})
            locks = self.__dict__.setdefault("_cluster_locks", {})
            lock = locks.setdefault(key, threading.Lock())
        with lock:  # one computation per key when several sessions ask at once; other keys are not held up
            if key in memo:
                return memo[key]
            found = find_clusters(self.graph, options)
            with _CLUSTERS_LOCK:
                while len(memo) >= _CLUSTERS_KEPT:
                    locks.pop(oldest := next(iter(memo)), None)
                    del memo[oldest]
                memo[key] = found
            return found


_CLUSTERS_LOCK = threading.Lock()
_CLUSTERS_KEPT = 8


def cluster_key(options: ViewOptions) -> tuple:
    """What decides the clusters of one graph: the level, its settings, the smallest size (and Louvain's seed)."""
    if options.level == "events":
        return ("events", options.events, options.min_size)
    return ("topics", options.topics, options.seed, options.min_size)


def find_clusters(graph, options: ViewOptions) -> list:
    """Topic clusters or events of `graph`, as the options' level says (results.Cluster / results.Event)."""
    if options.level == "events":
        from .events import event_clusters

        return event_clusters(graph, options.events, min_size=options.min_size)
    from .analyze import coverage_clusters

    return coverage_clusters(graph, method=options.topics.method, resolution=options.topics.resolution,
                             seed=options.seed, min_size=options.min_size)


def _within(clusters: list, graph) -> list:
    """Clusters cut down to the stories present in `graph` (what a drawing of the filtered graph can show)."""
    cut = []
    for cluster in clusters:
        stories = [s for s in cluster["stories"] if s in graph]
        if not stories:
            continue
        if len(stories) == len(cluster["stories"]):
            cut.append(cluster)
            continue
        kept = set(stories)
        part = {**cluster, "stories": stories}
        if "evidence" in cluster:
            part["evidence"] = [e for e in cluster["evidence"] if e["a"] in kept and e["b"] in kept]
        cut.append(part)
    return cut


def _dataset(key: str, label: str, corpus: Corpus) -> Dataset:
    return Dataset(key, label, corpus, resolve_stories(corpus.articles))


def open_paths(paths, *, cache_dir=None, progress: Progress | None = None, engine: DaskEngine | None = None) -> Dataset:
    """Load folders, files and zips into a Dataset (bad files are in its report, never raised).

    `engine`: a graphapp.engine.DaskEngine parses in its workers (no cache is read or written); None loads here.
    """
    from .loader import load

    paths = [str(p) for p in paths]
    if engine is None:
        corpus = load(paths, progress=progress, cache_dir=cache_dir)
    else:
        corpus = engine.load(*find_sources(paths))
    label = ", ".join(Path(p).name or p for p in paths)
    return _dataset("paths:" + "\n".join(paths), label, corpus)


def open_uploads(files: list[tuple[str, bytes]], *, limits: ZipLimits = UPLOAD_LIMITS,
                 progress: Progress | None = None) -> Dataset:
    """Uploaded article files and zips, read in memory under `limits`; nothing touches the disk."""
    digest = hashlib.sha256()
    sources, issues = [], []
    for name, data in files:
        digest.update(name.encode("utf-8", "replace") + b"\0" + hashlib.sha256(data).digest())
        found, problems = sources_from_upload(name, data, zip_limits=limits)
        sources += found
        issues += problems
    corpus = load_sources(sources, issues, inputs=[], cache_dir=False, progress=progress)
    return _dataset("upload:" + digest.hexdigest(), f"{len(files)} uploaded file(s)", corpus)


VIEW_ONLY = ("color_by", "size_by", "focus", "focus_id", "radius", "watch")  # change the drawing, not the analysis


class Result:
    """One view of a dataset: the filtered graph and, computed on first use, its clusters and ranks."""

    def __init__(self, dataset: Dataset, options: ViewOptions) -> None:
        self.dataset = dataset
        self.options = options

    def __repr__(self) -> str:
        return f"<Result: {len(self.resolved.stories):,} stories, level {self.options.level}>"

    @cached_property
    def resolved(self) -> Resolved:
        """The stories and links the filters keep (the dataset's own when no filter is set)."""
        return filter_stories(self.dataset.resolved, self.options.filters)

    @cached_property
    def graph(self):
        """The filtered story/outlet graph (the dataset's own graph when no filter is set: never mutate it)."""
        if self.resolved is self.dataset.resolved:
            return self.dataset.graph
        return graph_from(self.resolved)

    @property
    def reclustered(self) -> bool:
        """Whether the clusters were found on the filtered stories alone (the `recluster` setting, with a filter set)."""
        return self.options.recluster and self.options.filters.active

    @property
    def cluster_graph(self):
        """The graph that holds every member of every cluster: the whole dataset's, unless reclustered."""
        return self.graph if self.reclustered else self.dataset.graph

    @cached_property
    def clusters(self) -> list:
        """Topic clusters or events, as the options' level says (results.Cluster / results.Event).

        Found on everything loaded (cached per dataset and settings); the filters choose which are shown: a
        cluster with at least one story passing them, shown whole. `matched` lists those stories when a filter
        is set. With `recluster`, they are found on the filtered stories instead.
        """
        if self.reclustered:
            return find_clusters(self.graph, self.options)
        whole = self.dataset.clusters(self.options)
        if not self.options.filters.active:
            return whole
        passing = self.resolved.stories
        shown = []
        for cluster in whole:
            matched = [s for s in cluster["stories"] if s in passing]
            if matched:
                shown.append({**cluster, "matched": matched})
        return shown

    @cached_property
    def drawn_clusters(self) -> list:
        """The clusters cut down to the filtered graph: what the network and the exports draw."""
        return self.clusters if self.reclustered else _within(self.clusters, self.graph)

    @cached_property
    def story_ranks(self) -> list:
        """One results.StoryRank per story of the filtered graph."""
        from .analyze import story_ranks

        return story_ranks(self.graph, seed=self.options.seed, events=self.events)

    def story_ranks_by(self, by: str) -> list:
        """Story ranks with only what ranking by `by` (a StoryRank column) needs: PageRank and betweenness are
        None unless asked (the whole `story_ranks` when it was computed already)."""
        from .analyze import measures_for, story_ranks

        if "story_ranks" in self.__dict__:
            return self.story_ranks
        measures = measures_for(by)
        memo = self.__dict__.setdefault("_story_ranks_by", {})
        if measures not in memo:
            events = self.events if "events" in measures else None
            memo[measures] = story_ranks(self.graph, seed=self.options.seed, events=events, measures=measures)
        return memo[measures]

    @cached_property
    def outlet_ranks(self) -> list:
        """One results.OutletRank per outlet of the filtered graph, counting this view's clusters."""
        from .analyze import outlet_ranks

        return outlet_ranks(self.graph, self.drawn_clusters)

    @cached_property
    def events(self) -> list:
        """The events behind this view, whole (whatever the level): found on everything loaded, or on the
        filtered stories when reclustered. Story ranks count each event's independent outlets from them."""
        if self.options.level == "events":
            return self.clusters
        if self.reclustered:
            return find_clusters(self.graph, self.options.replace(level="events"))
        return self.dataset.clusters(self.options.replace(level="events"))

    @cached_property
    def graph_with_events(self):
        """The filtered graph with each event link's evidence on it (`similar` edges where no related link was)."""
        from .events import with_similarity_edges

        return with_similarity_edges(self.graph, _within(self.events, self.graph))

    def event_links(self) -> tuple[dict, dict]:
        """What `graph_with_events` adds to the graph, without copying it (events.event_links)."""
        from .events import event_links

        return event_links(self.graph, _within(self.events, self.graph))

    def restyled(self, options: ViewOptions) -> Result:
        """The same analysis seen with other drawing options (colour, size, focus): nothing is recomputed.

        Only the view options may differ; anything else would need a new Result.
        """
        if dataclasses.replace(options, **{name: getattr(self.options, name) for name in VIEW_ONLY}) != self.options:
            raise ValueError("restyled() changes only colour, size and focus; use run() for other options")
        other = Result(self.dataset, options)
        self.__dict__.setdefault("_story_ranks_by", {})  # one memo for all views of this analysis: ranks once
        for name in ("resolved", "graph", "clusters", "drawn_clusters", "events", "story_ranks", "outlet_ranks",
                     "graph_with_events", "_story_ranks_by"):
            if name in self.__dict__:
                other.__dict__[name] = self.__dict__[name]
        return other

    def size_values(self) -> dict[str, float]:
        """Node → the value "size by" asks for (stories: a rank; outlets: their story count)."""
        from .options import SIZE_BY
        from .records import OUTLET

        column = SIZE_BY.get(self.options.size_by, "degree")
        values = {row["story"]: float(row[column] or 0) for row in self.story_ranks_by(column)}
        for node, data in self.graph.nodes(data=True):
            if data.get("kind") == OUTLET:
                values[node] = float(data.get("stories", 1))
        return values

    def title(self) -> str:
        """One line saying what this view shows: corpus, stories, filters, level, focus and seed."""
        options, filters = self.options, self.options.filters
        parts = []
        if filters.since:
            parts.append(f"since {filters.since.date().isoformat()}")
        if filters.until:
            parts.append(f"until {filters.until.date().isoformat()}")
        if filters.outlets:
            parts.append("outlets " + ", ".join(filters.outlets))
        if filters.topics:
            parts.append("topics " + ", ".join(filters.topics))
        if filters.min_quality is not None:
            parts.append(f"quality ≥ {filters.min_quality}")
        if filters.text.strip():
            parts.append(f"title contains {filters.text.strip()!r}")
        shown = "; ".join(parts) if parts else "no filter"
        level = "events" if options.level == "events" else f"topic clusters ({options.topics.method})"
        focus = f", drawn: {options.focus} {options.focus_id}" if options.focus_key else ""
        return (f"{self.dataset.label}: {len(self.resolved.stories):,} stories, {shown}, {len(self.clusters):,} {level}"
                f"{focus}, seed {options.seed}")

    @cached_property
    def network(self):
        """What the network view draws for these options (views.NetworkView)."""
        from .views import network_view

        options = self.options  # at the events level, the view draws the events' similarity links from their evidence
        return network_view(self.graph, clusters=self.drawn_clusters, color_by=options.color_by, size_by=self.size_values(),
                            size_label=options.size_by, focus=options.focus_key, seed=options.seed)


def run(source, options: ViewOptions = ViewOptions(), *, cache_dir=None, progress: Progress | None = None,
        engine: DaskEngine | None = None) -> Result:
    """The pipeline for `options` on a Dataset or on input paths; raises NothingLoadedError when no article loaded.

    `engine`: where input paths are loaded and events found (see `open_paths`)."""
    dataset = source if isinstance(source, Dataset) else open_paths(source, cache_dir=cache_dir, progress=progress,
                                                                   engine=engine)
    require_articles(dataset.corpus)
    return Result(dataset, options)


def require_articles(corpus: Corpus) -> None:
    """Raise NothingLoadedError (with one line saying why) when no input gave a usable article."""
    if not corpus.articles:
        raise NothingLoadedError(nothing_message(corpus.report), skipped=[issue_dict(i) for i in corpus.report.skipped])


def corpus_stats(paths, options: ViewOptions = ViewOptions(), *, cache_dir=None, progress: Progress | None = None,
                 engine: DaskEngine | None = None) -> dict:
    """The counts `graphapp stats` prints: files, stories, outlets, links, components, clusters.

    The answer is kept with the inputs' fingerprint (every file's path, size and modification time):
    when nothing changed since the last run it is read back without parsing or importing networkx.
    With a Dask `engine` the files are parsed in its workers and no cache is read or written.
    """

    paths = [str(p) for p in paths]
    sources, issues = find_sources(paths)
    key = fingerprint(sources) if cache_dir is not False and engine is None else None
    results = ResultCache(cache_dir or default_cache_dir(), paths, key) if key else None
    question = json.dumps({"filters": repr(options.filters), "seed": options.seed,
                           "resolution": options.topics.resolution}, sort_keys=True)
    if results and (known := results.get(question)) is not None:
        return known
    if engine is None:
        corpus = load_sources(sources, issues, inputs=paths, cache_dir=cache_dir, progress=progress)
    else:
        corpus = engine.load(sources, issues)
    report = corpus.report
    merged = sum(len(m.paths) - 1 for m in report.merges)
    answer = {
        "files": report.files,
        "articles": len(corpus.articles) + merged,  # files that loaded
        "skipped": [issue_dict(i) for i in report.skipped],
        "merged": merged,
        "merges": [{"url": m.key, "kept": m.kept, "paths": list(m.paths)} for m in report.merges],
        "warnings": [issue_dict(i) for i in report.warnings],
    }
    require_articles(corpus)
    from .analyze import summary  # only now: a cached answer needs neither igraph nor the analysis

    resolved = filter_stories(resolve_stories(corpus.articles), options.filters)
    answer.update(summary(resolved, seed=options.seed, resolution=options.topics.resolution))
    if results:
        results.put(question, answer)
    return answer


def topics_empty_reason(dataset: Dataset) -> str | None:
    """Why the topics level finds nothing on this dataset (None when it may find something)."""
    if dataset.counts["links"]:
        return None
    return (f"No topics: the {dataset.counts['stories']:,} stories loaded list no related stories (0 related links), "
            "and topics are communities of related links. Events group stories by what they report; use the events "
            "level instead.")


def issue_dict(issue: LoadIssue) -> dict:
    """A LoadIssue as the JSON object `stats --json` prints."""
    return {"path": issue.path, "line": issue.line, "field": issue.field, "reason": issue.message}


def nothing_message(report: LoadReport) -> str:
    """The one line shown when no input gave a usable article."""
    first = report.errors[0] if report.errors else None
    detail = f" (first problem: {first.path}: {first.message})" if first else ""
    if not report.files:
        return f"no article files found in the given paths{detail}"
    return f"nothing usable in the given paths: {report.files} article files found, all skipped{detail}"

