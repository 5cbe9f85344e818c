"""What the network view draws: the whole graph when it is small enough, else an overview
(clusters as super-nodes plus outlets) with drill-down into a cluster, an outlet or a story's
neighbourhood. Used by the app and by the HTML/PNG exports, so both show the same thing; how it looks is `render`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import networkx as nx

from .analyze import co_coverage_graph, coverage_clusters
from .build import OUTLET, PUBLISHED_BY, RELATED, STORY, outlet_node
from .events import SIMILAR
from .render import NodeStyle, layout_positions, node_styles
from .render.layout import clustered_positions

__all__ = ["OVERVIEW_NODES", "OVERVIEW_EDGES", "NetworkView", "network_view", "draws_whole", "cluster_overview",
           "focus_graph", "outlet_network"]

# Above these, the whole graph is drawn as an overview of clusters (measured: sigma.js draws 20k nodes
# and 100k edges in about 1 s in headless Chromium with software WebGL; see bench/RESULTS.md).
OVERVIEW_NODES = 20_000
OVERVIEW_EDGES = 100_000
OVERVIEW_OUTLETS = 40  # outlets drawn next to the clusters in the overview (most stories first)
FORCE_LAYOUT_NODES = 400  # up to this size a view gets one force layout; above, clusters are laid out apart
OUTLET_LINKS_NODES = 2_500  # above this size the story–outlet links are not drawn (outlets sit in a disc of their own)


@dataclass(repr=False)
class NetworkView:
    """A drawable graph with its styling and positions, and a sentence saying what it shows."""

    graph: nx.Graph
    style: NodeStyle
    positions: dict
    note: str
    overview: bool = False
    edge_width_key: str | None = None
    focal: frozenset = frozenset()  # the node(s) a drill-down is about, marked in the drawing

    def __repr__(self) -> str:
        return f"<NetworkView: {self.graph.number_of_nodes():,} nodes, {self.graph.number_of_edges():,} edges: {self.note}>"


def cluster_overview(graph: nx.DiGraph, clusters: list[dict], *, outlets: int = OVERVIEW_OUTLETS) -> nx.Graph:
    """Clusters as super-nodes plus the `outlets` busiest outlets; sizes are story counts, edge
    weights count related links (cluster–cluster) or stories (cluster–outlet)."""
    busiest = sorted((n for n, k in graph.nodes(data="kind") if k == OUTLET),
                     key=lambda n: (-graph.nodes[n].get("stories", 0), n))[:outlets]
    shown_outlets = set(busiest)
    overview = nx.Graph()
    cluster_of: dict[str, str] = {}
    for cluster in clusters:
        node = f"cluster:{cluster['id']}"
        overview.add_node(node, kind="cluster", label=cluster["label"], size=cluster["size"],
                          outlet_count=cluster["outlet_count"], stories=cluster["size"])
        for story in cluster["stories"]:
            cluster_of[story] = node
    per_outlet: Counter = Counter()
    for story, node in cluster_of.items():
        per_outlet[(node, outlet_node(graph.nodes[story]["outlet"]))] += 1
    for (cluster_node, outlet), count in per_outlet.items():
        if outlet not in shown_outlets:
            continue
        if outlet not in overview:
            data = graph.nodes[outlet]
            overview.add_node(outlet, kind=OUTLET, name=data.get("name"), domain=data.get("domain"), stories=data.get("stories", 0))
        overview.add_edge(cluster_node, outlet, weight=count)
    links: Counter = Counter()
    adjacency = graph.adj  # only the clustered stories' own links: a walk over every edge costs seconds at ×4
    for u, a in cluster_of.items():
        for v, data in adjacency[u].items():
            b = cluster_of.get(v)
            if b is not None and b != a and data.get("kind") == RELATED:
                links[(a, b) if a < b else (b, a)] += 1
    for (a, b), count in links.items():
        overview.add_edge(a, b, weight=count)
    return overview


def draws_whole(graph: nx.DiGraph) -> bool:
    """Whether the network view draws `graph` node by node, or (above OVERVIEW_NODES nodes or OVERVIEW_EDGES
    undirected links) as an overview of its clusters."""
    if graph.number_of_nodes() > OVERVIEW_NODES:
        return False
    if graph.number_of_edges() <= OVERVIEW_EDGES:
        return True
    return len({(u, v) if u < v else (v, u) for u, v in graph.edges()}) <= OVERVIEW_EDGES


def _positions(graph: nx.DiGraph, clusters: list[dict], seed: int, *, grouped: bool = False) -> dict:
    """One force layout for a small view; for a large one, or a drill-down (`grouped`), each cluster's
    stories apart from the others and the outlets in a disc of their own, packed on a spiral, so that
    the stories of a tightly linked cluster are spread out instead of stacked among their outlets."""
    if graph.number_of_nodes() <= FORCE_LAYOUT_NODES and not grouped:
        return layout_positions(graph, seed=seed)
    groups = [[s for s in cluster["stories"] if s in graph] for cluster in clusters]
    outlets = sorted((n for n, k in graph.nodes(data="kind") if k == OUTLET), key=lambda n: (-graph.nodes[n].get("stories", 0), n))
    return clustered_positions(graph, [g for g in groups if g] + [outlets], seed=seed)


def focus_graph(graph: nx.DiGraph, focus: tuple, clusters: list[dict]) -> tuple[nx.DiGraph, str]:
    """The part of the graph to drill into: ("cluster", id), ("outlet", domain) or ("story", key, radius).

    An outlet's drill-down draws the links of its own stories (and every story's link to its outlet), not
    the links among the stories around them: those are most of the lines (on azure-news, 118k of
    microsoft.com's 153k) and say nothing about the outlet."""
    kind = focus[0]
    anchors = None
    if kind == "cluster":
        cluster = next((c for c in clusters if c["id"] == focus[1]), None)
        if cluster is None:
            raise ValueError(f"no cluster {focus[1]}")
        stories = set(cluster["stories"])
        note = f"cluster {cluster['id']}: {cluster['size']} stories from {cluster['outlet_count']} outlets"
    elif kind == "outlet":
        nodes = graph.nodes
        own = {n for n, d in nodes(data=True) if d.get("kind") == STORY and d["outlet"] == focus[1]}
        linked = {m for n in own for m in graph.pred[n]} | {m for n in own for m in graph.succ[n]}
        stories = own | {m for m in linked if nodes[m].get("kind") == STORY}
        anchors = own
        note = (f"outlet {focus[1]}: its {len(own)} stories, the {len(stories) - len(own)} stories linked to them "
                "and their outlets; only the links of its own stories are drawn")
    elif kind == "story":
        radius = focus[2] if len(focus) > 2 else 1
        if focus[1] not in graph:
            raise ValueError(f"no story {focus[1]}")
        stories = _within_related(graph, focus[1], radius)
        note = f"the {len(stories) - 1} stories within {radius} link(s) of one story"
    else:
        raise ValueError(f"unknown focus {kind!r}")
    outlets = {outlet_node(graph.nodes[s]["outlet"]) for s in stories}
    return _add_event_links(_induced(graph, stories | outlets, anchors), clusters, anchors), note


def _within_related(graph: nx.DiGraph, start: str, radius: int) -> set:
    """The stories `radius` related links (either way) or fewer from `start`: a walk from it, not an undirected
    view of every related link of the graph (seconds on azure-news)."""
    seen, frontier = {start}, [start]
    for _ in range(radius):
        found = [m for n in frontier for adjacency in (graph.succ[n], graph.pred[n])
                 for m, data in adjacency.items() if data.get("kind") == RELATED and m not in seen]
        frontier = list(dict.fromkeys(found))
        seen.update(frontier)
    return seen


def _add_event_links(drawn: nx.DiGraph, clusters: list[dict], anchors: set | None = None) -> nx.DiGraph:
    """`drawn` (a graph made for this view, changed in place) with a `similar` line for each link of an
    event's evidence that no related link draws already. Not a copy of the whole graph with the evidence on
    it: one such copy per cached analysis held most of the app's memory with 8 sessions."""
    for cluster in clusters:
        for link in cluster.get("evidence", ()):
            a, b = link["a"], link["b"]
            if (a in drawn and b in drawn and not drawn.has_edge(a, b) and not drawn.has_edge(b, a)
                    and (anchors is None or a in anchors or b in anchors)):
                drawn.add_edge(a, b, kind=SIMILAR)
    return drawn


def _induced(graph: nx.DiGraph, keep: set, anchors: set | None = None) -> nx.DiGraph:
    """The subgraph on `keep`, built directly (walking a networkx subgraph view costs a filter call per
    neighbour, seconds for a large outlet); with `anchors`, only the edges that touch one of them, and the
    links to outlets, found from the anchors' own links (not by walking every link of `keep`: microsoft.com's
    drill-down keeps 36k of the 150k links that leave its nodes)."""
    part = graph.__class__()
    order = sorted(keep)  # not the sets' order, which changes from one process to the next, and with it the layout
    part.add_nodes_from((node, graph.nodes[node]) for node in order)
    succ = dict(graph.adjacency())  # plain dicts: each lookup in networkx's adjacency views is a Python call
    if anchors is None:
        part.add_edges_from((u, v, data) for u in order for v, data in succ[u].items() if v in keep)
        return part
    part.add_edges_from((u, v, data) for u in order if u in anchors for v, data in succ[u].items() if v in keep)
    pred = dict(graph.reverse(copy=False).adjacency())
    part.add_edges_from((u, v, data) for v in order if v in anchors for u, data in pred[v].items()
                        if u in keep and u not in anchors)
    for story in order:
        if story in anchors:
            continue
        outlet = outlet_node(graph.nodes[story]["outlet"]) if graph.nodes[story].get("kind") == STORY else None
        if outlet in keep and outlet in succ[story]:
            part.add_edge(story, outlet, **succ[story][outlet])
    return part


def network_view(
    graph: nx.DiGraph,
    *,
    clusters: list[dict] | None = None,
    color_by: str = "cluster",
    size_by: dict[str, float] | None = None,
    size_label: str = "links",
    focus: tuple | None = None,
    seed: int = 0,
) -> NetworkView:
    """Decide what to draw for `graph` (whole, overview, or a drill-down) and style it."""
    if clusters is None:
        clusters = coverage_clusters(graph, seed=seed)
    if focus is not None:
        part, note = focus_graph(graph, focus, clusters)
        style = node_styles(part, color_by=color_by, clusters=clusters, size_by=size_by, size_label=size_label)
        focal = {focus[1]} if focus[0] == "story" else {outlet_node(focus[1])} if focus[0] == "outlet" else set()
        return NetworkView(part, style, _positions(part, clusters, seed, grouped=True), note,
                           focal=frozenset(focal & set(part)))
    if draws_whole(graph):
        style = node_styles(graph, color_by=color_by, clusters=clusters, size_by=size_by, size_label=size_label)
        stories = sum(1 for _, k in graph.nodes(data="kind") if k == STORY)
        note = f"all {stories:,} stories and their outlets"
        if graph.number_of_nodes() > OUTLET_LINKS_NODES:
            drawn = graph.__class__()
            drawn.add_nodes_from(graph.nodes(data=True))
            drawn.add_edges_from((u, v, d) for u, v, d in graph.edges(data=True) if d.get("kind") != PUBLISHED_BY)
            note += ("; the outlets (grey squares) form a disc of their own and their links to stories are not drawn "
                     "at this size: colour by outlet, or drill into an outlet")
        else:
            drawn = graph.copy() if any(cluster.get("evidence") for cluster in clusters) else graph
        drawn = _add_event_links(drawn, clusters)
        return NetworkView(drawn, style, _positions(drawn, clusters, seed), note)
    overview = cluster_overview(graph, clusters)
    as_nodes = [{**cluster, "stories": [f"cluster:{cluster['id']}"]} for cluster in clusters]
    style = node_styles(overview, color_by="cluster", clusters=as_nodes, top=len(as_nodes),
                        size_by=dict(overview.nodes(data="stories", default=1)), size_label="stories in the cluster or outlet")
    note = (f"Overview: the graph has {graph.number_of_nodes():,} nodes and {graph.number_of_edges():,} edges, more than "
            f"{OVERVIEW_NODES:,} nodes or {OVERVIEW_EDGES:,} edges, so {len(clusters):,} clusters are drawn as single nodes "
            f"next to the {OVERVIEW_OUTLETS} busiest outlets; pick a cluster, outlet or story to drill down.")
    return NetworkView(overview, style, _overview_positions(overview, seed), note, overview=True, edge_width_key="weight")


def _overview_positions(overview: nx.Graph, seed: int) -> dict:
    """Each outlet of the overview at the centre of a sunflower of the clusters it has most stories in, the
    largest nearest; the flowers packed on a spiral, the busiest outlet's in the middle. Linear in the number
    of clusters: a force layout of the 2,800 clusters of azure-news ×4 took 10 s, of ×10 about a minute."""
    home: dict[str, list] = {}
    for node, kind in overview.nodes(data="kind"):
        if kind == "cluster":
            outlets = [(-data.get("weight", 0), other) for other, data in overview[node].items()
                       if overview.nodes[other].get("kind") == OUTLET]
            home.setdefault(min(outlets)[1] if outlets else None, []).append(node)
    by_size = sorted(home.get(None, []), key=lambda n: (-overview.nodes[n].get("stories", 0), n))
    outlets = sorted((n for n, k in overview.nodes(data="kind") if k == OUTLET), key=lambda n: (-overview.nodes[n].get("stories", 0), n))
    groups = [[outlet] + sorted(home.get(outlet, []), key=lambda n: (-overview.nodes[n].get("stories", 0), n))
              for outlet in outlets] + [by_size]
    unlinked = nx.Graph()
    unlinked.add_nodes_from(overview)
    return clustered_positions(unlinked, [g for g in groups if g], seed=seed)


def outlet_network(graph: nx.DiGraph, *, seed: int = 0, min_links: int = 1, partners: int = 3) -> NetworkView:
    """The outlet co-coverage network as a backbone: outlets sized by stories and labelled by name, a line
    where stories of one list stories of the other as related, thicker for more such links. A pair is drawn
    when it has at least `min_links` links and is among the `partners` strongest pairs of one of its two
    outlets, so every outlet keeps its main partners and the hairball of weak pairs is left out."""
    co = co_coverage_graph(graph)
    strongest: set[tuple[str, str]] = set()
    for outlet in co:
        ranked = sorted(co[outlet].items(), key=lambda item: (-item[1]["weight"], item[0]))[:partners]
        strongest.update((min(outlet, other), max(outlet, other)) for other, data in ranked if data["weight"] >= min_links)
    drawn = nx.Graph()
    drawn.add_weighted_edges_from((a, b, co.edges[a, b]["weight"]) for a, b in sorted(strongest))
    for domain in list(drawn):
        data = co.nodes[domain]
        drawn.add_node(domain, kind=OUTLET, name=data["name"], domain=domain, stories=data["stories"])
    style = node_styles(drawn, color_by="none", size_by={n: d["stories"] for n, d in drawn.nodes(data=True)},
                        size_label="stories")
    style.sizes.update({node: size * 1.8 for node, size in style.sizes.items()})  # the only nodes here: draw them larger
    hidden = co.number_of_nodes() - drawn.number_of_nodes()
    note = (f"{drawn.number_of_nodes():,} outlets; a line joins two outlets whose stories list each other as related, "
            f"thicker for more such links: each outlet's {partners} strongest pairs with at least {min_links} "
            f"link{'s' if min_links != 1 else ''} ({drawn.number_of_edges():,} pairs of {co.number_of_edges():,}); "
            f"{hidden:,} outlets without such a pair are not drawn")
    return NetworkView(drawn, style, layout_positions(drawn, seed=seed), note, edge_width_key="weight")
