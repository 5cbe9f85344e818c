"""A network view → the compact payload the sigma.js view draws (see graphapp.network).

Labels: story titles, outlet names, cluster labels; the largest nodes and the focal ones are always
labelled, sigma's density rule decides for the rest. Edge colours say what a link is.
"""

from __future__ import annotations

from ..records import OUTLET, PUBLISHED_BY, RELATED
from .style import OTHER_COLOR

__all__ = ["view_payload", "EDGE_COLORS", "LABEL_LENGTH"]

EDGE_COLORS = {RELATED: "#b8b8b8", PUBLISHED_BY: "#e4e4e4", "similar": "#8fb8de"}
LABEL_LENGTH = 90
FORCED_CLUSTERS = 12  # the largest story of each of the largest coloured groups is always labelled
FORCED_OUTLETS = 3  # the outlets with most stories always labelled (beside stories)
FORCED_OUTLETS_ALONE = 30  # …and in a view of outlets only


def _label(node: str, data: dict) -> str:
    text = str(data.get("title") or data.get("name") or data.get("label") or data.get("domain") or node)
    return text if len(text) <= LABEL_LENGTH else text[: LABEL_LENGTH - 1] + "…"


def view_payload(view) -> dict:
    """The payload of a views.NetworkView: positions, colours, sizes, labels, links, legend and note."""
    from ..network import payload

    graph, style, positions = view.graph, view.style, view.positions
    stories = sorted((n for n, k in graph.nodes(data="kind") if k != OUTLET), key=lambda n: (-style.sizes.get(n, 0), n))
    outlets = sorted((n for n, k in graph.nodes(data="kind") if k == OUTLET),
                     key=lambda n: (-graph.nodes[n].get("stories", 0), n))
    largest_of_group: dict[str, str] = {}
    for node in stories:  # largest first: the first of each colour is its group's largest story
        largest_of_group.setdefault(style.colors.get(node, OTHER_COLOR), node)
    largest_of_group.pop(OTHER_COLOR, None)
    outlets_forced = FORCED_OUTLETS if stories else FORCED_OUTLETS_ALONE
    forced = set(list(largest_of_group.values())[:FORCED_CLUSTERS]) | set(outlets[:outlets_forced]) | set(view.focal)
    nodes = []
    for node, data in graph.nodes(data=True):
        x, y = positions.get(node, (0.0, 0.0))
        nodes.append({
            "key": node, "label": _label(node, data), "x": x, "y": -y, "size": style.sizes.get(node, 8) / 2.4,
            "color": style.colors.get(node, OTHER_COLOR), "kind": data.get("kind") or "story",
            "url": data.get("url"), "forceLabel": node in forced, "focal": node in view.focal,
            "outlet": data.get("outlet") or data.get("domain"), "time": data.get("published"),
        })
    edges, colors = [], []
    key = view.edge_width_key
    peak = max((w for *_, w in graph.edges(data=key, default=1)), default=1) if key else 1
    # plain dicts: a lookup in networkx's `graph.pred[u]` view costs two Python calls, 0.1 s on a large drill-down
    pred = dict(graph.reverse(copy=False).adjacency()) if graph.is_directed() else None
    for u, neighbours in graph.adjacency():  # each link once, whichever way (or both ways) it was stored
        for v, data in neighbours.items():
            if v < u and (pred is None or v in pred[u]):
                continue  # drawn from the other end
            edges.append((u, v, 1 + 5 * (data.get(key, 1) / peak) if key else None))
            colors.append(EDGE_COLORS.get(data.get("kind"), "#bbbbbb"))
    legend = [*style.legend, (style.size_note, "#ffffff")]
    return payload(nodes, edges, legend=legend, note=view.note, edge_color=colors if len(set(colors)) > 1 else
                   (colors[0] if colors else "#cccccc"))
