"""A drawn graph (networkx graph + render.NodeStyle + positions, as in views.NetworkView) → the payload.

Optional glue for whoever wires the sigma view into the app and the exports; nothing here imports
Streamlit, and networkx is only used through the graph object passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from . import DEFAULT_EDGE_COLOR, KINDS, payload

__all__ = ["graph_payload", "node_label"]

SIZE_SCALE = 0.4  # render.node_styles sizes (6-34, vis-network) → sigma radii (2.4-13.6 px)
FORCED_LABELS = 0  # how many of the largest nodes are always labelled (the density rule already favours large nodes)


def node_label(data: Mapping[str, Any], key: str) -> str:
    """What a node is called: a story's title (else its URL), an outlet's name, a cluster's label."""
    kind = data.get("kind")
    if kind == "outlet":
        return str(data.get("name") or data.get("domain") or key)
    if kind == "cluster":
        return str(data.get("label") or key)
    return str(data.get("title") or data.get("url") or key)


def graph_payload(
    graph: Any,
    style: Any,
    positions: Mapping[str, tuple[float, float]],
    *,
    note: str = "",
    focal: Iterable[str] = (),
    edge_width_key: str | None = None,
    edge_color: str = DEFAULT_EDGE_COLOR,
    forced_labels: int = FORCED_LABELS,
    size_scale: float = SIZE_SCALE,
) -> dict:
    """The payload for `graph` drawn with `style` (colors, sizes, legend, size_note) at `positions`.

    Edges are undirected and drawn once (u→v and v→u become one edge; the larger weight wins). The y
    axis is flipped so that the picture has the orientation of the PNG export (sigma's y points up).
    """
    focal = set(focal)
    sizes = {n: float(style.sizes.get(n, 8)) * size_scale for n in graph.nodes}
    biggest = set(sorted((n for n in graph.nodes if graph.nodes[n].get("kind") != "outlet"),
                         key=lambda n: (-sizes[n], str(n)))[:forced_labels])
    nodes = []
    for node, data in graph.nodes(data=True):
        x, y = positions.get(node, (0.0, 0.0))
        kind = data.get("kind")
        story = kind not in ("outlet", "cluster")
        nodes.append({
            "key": node,
            "label": node_label(data, node),
            "x": x,
            "y": -y,
            "size": sizes[node],
            "color": style.colors.get(node, "#c7c7c7"),
            "kind": kind if kind in KINDS else "story",
            "url": data.get("url") if story else None,
            "forceLabel": node in biggest or node in focal,
            "focal": node in focal,
            "outlet": (data.get("outlet_name") or data.get("outlet")) if story else None,
            "time": data.get("published") if story else None,
        })
    weights: dict[tuple[str, str], float] = {}
    for u, v, data in graph.edges(data=True):
        if u == v:
            continue
        pair = (u, v) if str(u) <= str(v) else (v, u)
        weight = float(data.get(edge_width_key, 1) or 1) if edge_width_key else 1.0
        weights[pair] = max(weight, weights.get(pair, 0.0))
    if edge_width_key and weights:
        peak = max(weights.values()) or 1.0
        edges = [(u, v, 1 + 4 * (w / peak)) for (u, v), w in weights.items()]
    else:
        edges = list(weights)
    legend = [list(item) for item in style.legend]
    size_note = getattr(style, "size_note", "")
    text = f"{note} ({size_note})" if note and size_note else (note or size_note)
    return payload(nodes, edges, legend=legend, note=text, edge_color=edge_color)
