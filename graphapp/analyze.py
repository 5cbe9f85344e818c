"""Graph → coverage clusters, story ranks and outlet ranks, as plain lists of dicts.

Pure and deterministic for a given ``seed``. Heavy lifting goes to igraph (C): Louvain on the
azure-news graph takes ~20 ms there against ~1 s in pure Python, and exact betweenness ~0.1 s.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from statistics import fmean
from typing import TYPE_CHECKING

import igraph as ig
import numpy as np

if TYPE_CHECKING:  # networkx costs 0.2 s to import; `graphapp stats` counts without it
    import networkx as nx

from .build import OUTLET, RELATED, STORY, Resolved, outlet_node
from .randomness import seeded
from .records import parse_utc
from .results import Cluster, Event, OutletRank, StoryRank

__all__ = [
    "COMBINED_WEIGHTS",
    "OUTLET_COMBINED_WEIGHTS",
    "coverage_clusters",
    "story_ranks",
    "outlet_ranks",
    "co_coverage_graph",
    "summary",
    "describe_group",
    "measures_for",
    "RANK_MEASURES",
]

# Stories: combined = 0.6·log(independent outlets of its event)/log(most) + 0.4·percentile(quality).
# Not links: on azure-news whole related lists of ~180 stories list each other, so degree and PageRank
# mostly say which list a story sits in (the old formula's top story was a 97%-off course bundle).
COMBINED_WEIGHTS = {"event_outlets": 0.6, "quality": 0.4}
# Outlets: 0.5·mean quality/max + 0.3·co-coverage PageRank/max + 0.2·partners/max
OUTLET_COMBINED_WEIGHTS = {"quality": 0.5, "pagerank": 0.3, "degree": 0.2}
EXACT_BETWEENNESS_LIMIT = 20_000  # stories; above it betweenness is estimated from sampled sources
BETWEENNESS_SAMPLES = 1_000


def _stories(graph: nx.DiGraph) -> list[str]:
    return [node for node, kind in graph.nodes(data="kind") if kind == STORY]


def _related_igraph(graph: nx.DiGraph, stories: list[str]) -> ig.Graph:
    """Stories as vertices 0..n-1 in `stories` order, related links as directed edges."""
    index = {key: i for i, key in enumerate(stories)}
    edges = [(index[u], index[v]) for u, v, kind in graph.edges(data="kind") if kind == RELATED]
    return ig.Graph(n=len(stories), edges=edges, directed=True)


def _louvain(g: ig.Graph, *, resolution: float, seed: int) -> list[list[int]]:
    """Louvain communities, computed one connected component at a time.

    A community never spans two components, and with the resolution scaled by the component's
    share of the edges (γ·m_c/m) each move has the same sign of modularity gain as on the whole
    graph. igraph's multilevel is ~20 ms on azure-news but slows down by orders of magnitude on a
    graph made of several similar components (6.5 s for two copies of azure-news); per component
    it stays linear.
    """
    total = g.ecount()
    communities: list[list[int]] = []
    with seeded(seed):
        for component in g.connected_components():
            if len(component) < 3:
                communities.append(list(component))
                continue
            part = g.induced_subgraph(component)
            found = part.community_multilevel(resolution=resolution * part.ecount() / total)
            communities += [[component[i] for i in community] for community in found]
    return communities


def _undirected(g: ig.Graph) -> ig.Graph:
    u = g.as_undirected(mode="collapse")
    u.simplify()
    return u


def summary(resolved: Resolved, *, seed: int = 0, resolution: float = 1.0) -> dict:
    """The counts `graphapp stats` prints, straight from the resolved stories (no networkx graph needed).

    >>> from graphapp import SEEDS
    >>> from graphapp import load
    >>> from graphapp.build import resolve_stories
    >>> summary(resolve_stories(load([SEEDS], cache_dir=False).articles))
    {'stories': 11, 'stories_with_file': 1, 'outlets': 9, 'related_edges': 10, 'components': 1, 'clusters': 1, 'published_by_edges': 11}
    """
    keys = list(resolved.stories)
    index = {key: i for i, key in enumerate(keys)}
    counts = _counts(len(keys), [(index[u], index[v]) for u, v in resolved.edges], seed=seed, resolution=resolution)
    return {
        "stories": len(keys),
        "stories_with_file": len(resolved.with_file),
        "outlets": len({story.outlet for story in resolved.stories.values()}),
        **counts,
        "published_by_edges": len(keys),
    }


def _counts(n: int, edges: list[tuple[int, int]], *, seed: int, resolution: float) -> dict:
    g = ig.Graph(n=n, edges=edges)
    g.simplify()
    communities = _louvain(g, resolution=resolution, seed=seed) if n else []
    return {
        "related_edges": g.ecount(),
        "components": len(g.connected_components()) if n else 0,
        "clusters": sum(1 for c in communities if len(c) > 1),
    }


def coverage_clusters(
    graph: nx.DiGraph, *, method: str = "louvain", resolution: float = 1.0, seed: int = 0, min_size: int = 2
) -> list[Cluster]:
    """Communities of stories over related links, largest first, with who covered them and when.

    `method` is "louvain" (seeded, `resolution` > 1 gives smaller clusters) or "components".
    """
    stories = _stories(graph)
    g = _undirected(_related_igraph(graph, stories))
    if method == "components":
        groups = list(g.connected_components())
    elif method == "louvain":
        groups = _louvain(g, resolution=resolution, seed=seed) if g.vcount() else []
    else:
        raise ValueError(f"unknown clustering method {method!r}; use 'louvain' or 'components'")
    degree = g.degree()
    clusters = [describe_group(graph, [stories[i] for i in group], {stories[i]: degree[i] for i in group})
                for group in groups if len(group) >= min_size]
    clusters.sort(key=lambda c: (-c["size"], c["first_published"] or "9999", c["top_story"]))
    for number, cluster in enumerate(clusters, 1):
        cluster["id"] = number
    return clusters


def describe_group(graph: nx.DiGraph, members: list[str], degree: dict[str, int]) -> Cluster:
    """Coverage of a group of stories: outlets, first publisher and lags, dates, quality, top story."""
    nodes = graph.nodes
    dated = sorted((nodes[s]["published"], s) for s in members if "published" in nodes[s])
    undated = sorted(s for s in members if "published" not in nodes[s])
    ordered = [s for _, s in dated] + undated
    first_by_outlet: dict[str, str] = {}
    for published, story in dated:
        first_by_outlet.setdefault(nodes[story]["outlet"], published)
    first = dated[0][0] if dated else None
    lags = {outlet: round(_hours(first, when), 2) for outlet, when in first_by_outlet.items()} if first else {}
    outlets = list(first_by_outlet) + sorted({nodes[s]["outlet"] for s in members} - first_by_outlet.keys())
    qualities = [nodes[s]["quality"] for s in members if "quality" in nodes[s]]
    top = max(ordered, key=lambda s: (nodes[s].get("quality", -1), degree.get(s, 0), s))
    return {
        "id": 0,
        "label": nodes[top].get("title", top),
        "size": len(members),
        "outlet_count": len(outlets),
        "outlets": outlets,
        "outlet_names": [nodes[outlet_node(o)].get("name", o) if outlet_node(o) in nodes else o for o in outlets],
        "first_published": first,
        "last_published": dated[-1][0] if dated else None,
        "first_outlet": dated and nodes[dated[0][1]]["outlet"] or None,
        "lags_hours": lags,
        "mean_quality": round(fmean(qualities), 2) if qualities else None,
        "max_quality": max(qualities) if qualities else None,
        "top_story": top,
        "stories": ordered,
    }


def _hours(start: str, end: str) -> float:
    return (parse_utc(end) - parse_utc(start)).total_seconds() / 3600


RANK_MEASURES = ("pagerank", "betweenness", "events")  # the costly parts of a story rank, computed only when asked


def measures_for(by: str) -> tuple[str, ...]:
    """The costly measures a ranking by `by` needs: the events for the combined score (and the event reach),
    PageRank and betweenness for themselves, none for quality or degrees."""
    return {"combined": ("events",), "event_outlets": ("events",), "pagerank": ("pagerank",),
            "betweenness": ("betweenness",)}.get(by, ())


def story_ranks(graph: nx.DiGraph, *, seed: int = 0, exact_limit: int = EXACT_BETWEENNESS_LIMIT,
                events: list[Event] | None = None, measures: tuple[str, ...] = RANK_MEASURES) -> list[StoryRank]:
    """Per story: quality, degrees, PageRank, betweenness (exact or sampled, said in `betweenness_method`), the
    independent outlets of its event (`events`, found on `graph` when not given) and the combined score.

    `measures`: which of PageRank, betweenness and the events to compute (the others are None, and so are
    `event_outlets` and `combined` without the events): on a large graph betweenness costs more than
    everything else together, and the events nearly as much.
    """
    stories = _stories(graph)
    if not stories:
        return []
    directed = _related_igraph(graph, stories)
    undirected = _undirected(directed)
    n = len(stories)
    pagerank = directed.pagerank(directed=True) if "pagerank" in measures else None
    betweenness, method = None, None
    if "betweenness" in measures and n <= exact_limit:
        betweenness, method = undirected.betweenness(directed=False), "exact"
    elif "betweenness" in measures:
        sources = random.Random(seed).sample(range(n), BETWEENNESS_SAMPLES)
        partial = undirected.betweenness(directed=False, sources=sources)
        betweenness, method = [b * n / BETWEENNESS_SAMPLES for b in partial], f"sampled ({BETWEENNESS_SAMPLES} sources)"
    scale = 1 / ((n - 1) * (n - 2) / 2) if n > 2 else 0.0
    indegree, outdegree, degree = directed.indegree(), directed.outdegree(), undirected.degree()
    nodes = graph.nodes
    reach = None
    if "events" in measures or events is not None:
        if events is None:
            from .events import event_clusters

            events = event_clusters(graph)
        reach = {story: event["independent_outlets"] for event in events for story in event["stories"]}
    event_outlets = [reach.get(key, 1) for key in stories] if reach is not None else None
    combined = None if event_outlets is None else (
        COMBINED_WEIGHTS["event_outlets"] * _log_share(event_outlets)
        + COMBINED_WEIGHTS["quality"] * _percentiles([nodes[s].get("quality") or 0 for s in stories]))
    rows = []
    for i, key in enumerate(stories):
        data = nodes[key]
        quality = data.get("quality")
        rows.append({
            "story": key,
            "title": data.get("title"),
            "outlet": data["outlet"],
            "published": data.get("published"),
            "url": data["url"],
            "quality": quality,
            "in_degree": indegree[i],
            "out_degree": outdegree[i],
            "degree": degree[i],
            "pagerank": None if pagerank is None else pagerank[i],
            "betweenness": None if betweenness is None else betweenness[i] * scale,
            "betweenness_method": method,
            "event_outlets": None if event_outlets is None else event_outlets[i],
            "combined": None if combined is None else round(float(combined[i]), 6),
        })
    return rows


def _log_share(counts: list[int]) -> np.ndarray:
    """log(count) / log(largest count): 0 for one outlet, 1 for the widest event. On a log scale, since
    the step from 1 to 5 outlets says more than the step from 25 to 30; not a percentile, which would put
    an event of 13 outlets level with one of 33 (only about 2 % of stories are in either)."""
    logs = np.log(np.asarray(counts, dtype=float))
    peak = logs.max()
    return logs / peak if peak > 0 else np.zeros_like(logs)


def _percentiles(values: list) -> np.ndarray:
    """Each value's share of the values at or below it (ties share their mean rank): 1.0 for the largest.
    Percentiles, not value/max, so that one outlier does not squash everyone else towards 0. Ranks as
    scipy.stats.rankdata(method="average") gives them, from np.unique: importing scipy.stats costs 2.4 s."""
    _, which, counts = np.unique(np.asarray(values, dtype=float), return_inverse=True, return_counts=True)
    mean_rank = np.cumsum(counts) - (counts - 1) / 2  # of the tied values, 1-based
    return mean_rank[which.ravel()] / len(values)


def co_coverage_graph(graph: nx.DiGraph) -> nx.Graph:
    """Outlets linked when a story of one lists a story of the other as related; weight = number of such links."""
    weights: Counter = Counter()
    nodes = graph.nodes
    for u, v, kind in graph.edges(data="kind"):
        if kind == RELATED:
            a, b = nodes[u]["outlet"], nodes[v]["outlet"]
            if a != b:
                weights[(a, b) if a < b else (b, a)] += 1
    import networkx as nx

    co = nx.Graph()
    for _, data in graph.nodes(data=True):
        if data.get("kind") == OUTLET:
            co.add_node(data["domain"], name=data.get("name", data["domain"]), stories=data.get("stories", 0))
    co.add_weighted_edges_from((a, b, w) for (a, b), w in weights.items())
    return co


def outlet_ranks(graph: nx.DiGraph, clusters: list[Cluster] | None = None) -> list[OutletRank]:
    """Per outlet: stories, clusters covered, mean quality, and centrality in the co-coverage graph
    (partners = degree, co-coverage links = weighted degree, weighted PageRank, betweenness), and the
    combined score 0.5·mean quality + 0.3·PageRank + 0.2·partners, each over its maximum."""
    co = co_coverage_graph(graph)
    if clusters is None:
        clusters = coverage_clusters(graph)
    covered: Counter = Counter(o for cluster in clusters for o in cluster["outlets"])
    qualities: dict[str, list[int]] = defaultdict(list)
    for _, data in graph.nodes(data=True):
        if data.get("kind") == STORY and "quality" in data:
            qualities[data["outlet"]].append(data["quality"])
    names = list(co.nodes)
    g = ig.Graph(n=len(names), edges=_index_edges(co, names))
    weights = [w for _, _, w in co.edges(data="weight")]
    pagerank = g.pagerank(weights=weights or None, directed=False) if names else []
    strength = g.strength(weights=weights or None) if names else []
    n = len(names)
    betweenness = [b / ((n - 1) * (n - 2) / 2) if n > 2 else 0.0 for b in g.betweenness(directed=False)] if names else []
    mean_quality = {d: fmean(q) for d, q in qualities.items() if q}
    peaks = (max(mean_quality.values(), default=0) or 1, max(pagerank, default=0) or 1, max(g.degree(), default=0) or 1)
    rows = []
    for i, domain in enumerate(names):
        data = co.nodes[domain]
        quality = mean_quality.get(domain)
        weights = OUTLET_COMBINED_WEIGHTS
        combined = (weights["quality"] * (quality or 0) / peaks[0] + weights["pagerank"] * pagerank[i] / peaks[1]
                    + weights["degree"] * g.degree(i) / peaks[2])
        rows.append({
            "outlet": domain,
            "name": data["name"],
            "stories": data["stories"],
            "clusters": covered.get(domain, 0),
            "mean_quality": round(quality, 2) if quality is not None else None,
            "partners": g.degree(i),
            "co_coverage_links": int(strength[i]),
            "pagerank": pagerank[i],
            "betweenness": betweenness[i],
            "combined": round(combined, 6),
        })
    return rows


def _index_edges(co: nx.Graph, names: list[str]) -> list[tuple[int, int]]:
    index = {name: i for i, name in enumerate(names)}
    return [(index[a], index[b]) for a, b in co.edges()]
