"""The explorer's view model: datasets, settings and per-view tables. No Streamlit here, so all of
it is testable and usable from a notebook; `app.py` only wires widgets to these functions."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from pathlib import Path

import networkx as nx
import pandas as pd

from .analyze import co_coverage_graph, coverage_clusters, outlet_ranks, story_ranks
from .build import OUTLET, STORY, build_graph
from .events import EventSettings
from .filters import Filters, filter_graph
from .load import Corpus, load, load_sources
from .records import LoadReport
from .sources import ZipLimits, sources_from_upload
from .urls import is_web_url

__all__ = [
    "SEEDS", "UPLOAD_LIMITS", "UPLOAD_MAX_FILES", "UPLOAD_MAX_BYTES", "SIZE_BY", "Dataset", "Settings", "Analysis", "open_dataset", "dataset_from_uploads",
    "analyse", "size_values", "timeline_frame", "heatmap_frame", "stories_display", "outlets_display", "report_frame",
    "top_outlets", "outlet_network", "evidence_frame", "inert",
]

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
UPLOAD_MAX_FILES = 2_000  # per upload, on top of the per-file cap in .streamlit/config.toml
UPLOAD_MAX_BYTES = 200 * 1024**2
UPLOAD_LIMITS = ZipLimits(max_members=20_000, max_member_bytes=2 * 1024 * 1024, max_total_bytes=512 * 1024**2, max_ratio=200.0)
SIZE_BY = {"links": "degree", "combined score": "combined", "PageRank": "pagerank", "quality": "quality", "betweenness": "betweenness"}


@dataclass(frozen=True)
class Dataset:
    """A loaded corpus and its full graph, shared by every session and never mutated."""

    key: str
    label: str
    graph: nx.DiGraph
    report: LoadReport
    outlets: tuple[str, ...]  # most stories first
    topics: tuple[str, ...]
    first_day: date | None
    last_day: date | None
    counts: dict[str, int]  # files, skipped, stories, outlets, links: what the sidebar shows


def _dataset(key: str, label: str, corpus: Corpus) -> Dataset:
    graph = build_graph(corpus.articles)
    per_outlet = Counter(d["outlet"] for _, d in graph.nodes(data=True) if d["kind"] == STORY)
    topics = sorted({t.strip() for _, d in graph.nodes(data=True) if d.get("topics") for t in d["topics"].split(";")} - {""})
    days = sorted(d["published"][:10] for _, d in graph.nodes(data=True) if d.get("published"))
    kinds = Counter(kind for _, kind in graph.nodes(data="kind"))
    links = {frozenset((u, v)) for u, v, k in graph.edges(data="kind") if k == "related"}
    counts = {"files": corpus.report.files, "skipped": len(corpus.report.skipped), "stories": kinds[STORY],
              "outlets": kinds[OUTLET], "links": len(links)}
    return Dataset(
        key, label, graph, corpus.report, tuple(sorted(per_outlet, key=lambda o: (-per_outlet[o], o))), tuple(topics),
        date.fromisoformat(days[0]) if days else None, date.fromisoformat(days[-1]) if days else None, counts,
    )


def open_dataset(paths, *, progress=None, cache_dir=None) -> Dataset:
    """Load folders/files/zips into a Dataset."""
    paths = [str(p) for p in paths]
    corpus = load(paths, progress=progress, cache_dir=cache_dir)
    label = ", ".join(Path(p).name or p for p in paths)
    return _dataset("paths:" + "\n".join(paths), label, corpus)


def dataset_from_uploads(files: list[tuple[str, bytes]], *, limits: ZipLimits = UPLOAD_LIMITS) -> Dataset:
    """Uploaded article files and zips, read in memory under `limits`."""
    digest = hashlib.sha256()
    sources, issues = [], []
    for name, data in files:
        digest.update(name.encode("utf-8", "replace") + b"\0" + hashlib.sha256(data).digest())
        found, problems = sources_from_upload(name, data, zip_limits=limits)
        sources += found
        issues += problems
    corpus = load_sources(sources, issues, inputs=[], cache_dir=False)
    return _dataset("upload:" + digest.hexdigest(), f"{len(files)} uploaded file(s)", corpus)


@dataclass(frozen=True)
class Settings:
    """Everything the sidebar and view controls choose; one value per widget."""

    since: date | None = None
    until: date | None = None
    outlets: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    min_quality: int = 0
    text: str = ""
    method: str = "louvain"
    resolution: float = 1.0
    seed: int = 0
    level: str = "topics"  # "topics": related-link communities; "events": same-event clusters
    events: EventSettings = field(default_factory=EventSettings)  # knobs of the events level

    def filters(self) -> Filters:
        since = datetime.combine(self.since, time(), timezone.utc) if self.since else None
        until = datetime.combine(self.until, time(23, 59, 59), timezone.utc) if self.until else None
        return Filters(since, until, self.outlets, self.topics, self.min_quality or None, self.text)


@dataclass
class Analysis:
    """Clusters and ranks of one filtered graph."""

    graph: nx.DiGraph
    clusters: list[dict]
    stories: list[dict]
    outlets: list[dict] = field(default_factory=list)


def analyse(dataset: Dataset, settings: Settings) -> Analysis:
    """Filter the dataset's graph and compute clusters (topics or events) and ranks for it."""
    graph = filter_graph(dataset.graph, settings.filters())
    if settings.level == "events":
        from .events import event_clusters

        clusters = event_clusters(graph, settings.events)
    else:
        clusters = coverage_clusters(graph, method=settings.method, resolution=settings.resolution, seed=settings.seed)
    stories = story_ranks(graph, seed=settings.seed)
    return Analysis(graph, clusters, stories, outlet_ranks(graph, clusters))


def evidence_frame(graph: nx.DiGraph, cluster: dict) -> pd.DataFrame:
    """Every linked pair inside a cluster and why it is linked (related entries, similarity)."""
    rows = []
    if "evidence" in cluster:
        for e in cluster["evidence"]:
            rows.append({"story": graph.nodes[e["a"]].get("title"), "other": graph.nodes[e["b"]].get("title"),
                         "similarity": e["similarity"], "related": e["related"], "a": e["a"], "b": e["b"]})
    else:
        members = set(cluster["stories"])
        for u, v, data in graph.edges(data=True):
            if data.get("kind") == "related" and u in members and v in members:
                rows.append({"story": graph.nodes[u].get("title"), "other": graph.nodes[v].get("title"),
                             "similarity": None, "related": True, "a": u, "b": v, "listed_by": data.get("listed_by")})
    return pd.DataFrame(rows, columns=["story", "other", "similarity", "related", "listed_by", "a", "b"])


def size_values(analysis: Analysis, size_by: str) -> dict[str, float]:
    """Node → value of the chosen rank (stories), outlets sized by their story count."""
    column = SIZE_BY.get(size_by, "degree")
    values = {row["story"]: float(row[column] or 0) for row in analysis.stories}
    for node, data in analysis.graph.nodes(data=True):
        if data.get("kind") == OUTLET:
            values[node] = float(data.get("stories", 1))
    return values


def top_outlets(graph: nx.DiGraph, n: int = 20) -> list[str]:
    """The n outlets with most stories in `graph`."""
    counts = Counter(d["outlet"] for _, d in graph.nodes(data=True) if d.get("kind") == STORY)
    return sorted(counts, key=lambda o: (-counts[o], o))[:n]


def inert(text: str) -> str:
    """Text for Streamlit's Markdown-rendering elements (st.info, st.warning) with every Markdown
    character escaped, so nothing in it can format, link or run."""
    return _MARKDOWN.sub(r"\\\g<0>", text)


_MARKDOWN = re.compile(r"[\\`*_{}\[\]()#+\-.!|<>~:$]")


def safe_link(url: object) -> str | None:
    """The URL if it may be rendered as a link (http/https only), else None."""
    return url if is_web_url(url) else None


def stories_display(rows: list[dict]) -> pd.DataFrame:
    """Story ranks for a table: the link column holds only http/https URLs."""
    frame = pd.DataFrame(rows, columns=["title", "outlet", "published", "quality", "degree", "in_degree", "out_degree",
                                        "pagerank", "betweenness", "combined", "url", "betweenness_method"])
    frame["url"] = frame["url"].map(safe_link)
    frame["quality"] = frame["quality"].astype("Int64")
    return frame.sort_values(["combined", "title"], ascending=[False, True], na_position="last").reset_index(drop=True)


def outlets_display(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["outlet", "name", "stories", "clusters", "mean_quality", "partners",
                                        "co_coverage_links", "pagerank", "betweenness", "combined"])
    return frame.sort_values(["combined", "outlet"], ascending=[False, True]).reset_index(drop=True)


def timeline_frame(graph: nx.DiGraph, clusters: list[dict], top: int = 8) -> pd.DataFrame:
    """Stories per day for the `top` largest clusters (long form: day, cluster, stories)."""
    rows = []
    for cluster in clusters[:top]:
        days = Counter(graph.nodes[s]["published"][:10] for s in cluster["stories"] if graph.nodes[s].get("published"))
        name = f"{cluster['id']}: {cluster['label'][:50]}"
        rows += [{"day": pd.Timestamp(day), "cluster": name, "stories": n} for day, n in sorted(days.items())]
    return pd.DataFrame(rows, columns=["day", "cluster", "stories"])


def heatmap_frame(graph: nx.DiGraph, top: int = 20) -> pd.DataFrame:
    """Co-coverage links between the `top` outlets (long form, both directions)."""
    co = co_coverage_graph(graph)
    outlets = top_outlets(graph, top)
    rows = [{"outlet": a, "partner": b, "links": co.edges[a, b]["weight"] if co.has_edge(a, b) else 0}
            for a in outlets for b in outlets if a != b]
    return pd.DataFrame(rows, columns=["outlet", "partner", "links"])


def outlet_network(graph: nx.DiGraph, *, seed: int = 0):
    """The outlet co-coverage network as a drawable view (outlets sized by stories, edges by links)."""
    from .render import layout_positions, node_styles
    from .views import NetworkView

    co = co_coverage_graph(graph)
    drawn = nx.Graph()
    for domain, data in co.nodes(data=True):
        drawn.add_node(domain, kind=OUTLET, name=data["name"], domain=domain, stories=data["stories"])
    drawn.add_weighted_edges_from(co.edges(data="weight"))
    style = node_styles(drawn, color_by="none", size_by={n: d["stories"] for n, d in drawn.nodes(data=True)},
                        size_label="stories")
    note = (f"{drawn.number_of_nodes():,} outlets; a line joins two outlets when a story of one lists a story of the "
            f"other as related ({drawn.number_of_edges():,} pairs); thicker lines mean more such links")
    return NetworkView(drawn, style, layout_positions(drawn, seed=seed), note, edge_width_key="weight")


def report_frame(report: LoadReport) -> pd.DataFrame:
    """The load report as a table: one row per problem."""
    return pd.DataFrame([{"severity": i.severity, "path": i.path, "line": i.line, "field": i.field, "message": i.message}
                         for i in report.issues], columns=["severity", "path", "line", "field", "message"])
