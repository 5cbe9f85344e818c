"""Graph → standalone, offline, inert HTML network (pyvis / vis-network) and the styling of nodes.

- Offline: vis-network is inlined and pyvis's unconditional Bootstrap CDN tags are removed.
- Inert: every tooltip is built here from HTML-escaped text; pyvis's raw-HTML tooltip mode is
  always on (it would switch on anyway as soon as one title contained "href"), so no article
  string is ever shown unescaped, and links are emitted only for http/https URLs.
- Fast: physics off, positions computed on the server (igraph Fruchterman-Reingold, seeded),
  straight edges hidden while dragging or zooming; nodes and edges are filled directly
  (``Network.from_nx`` is quadratic in edges).
"""

from __future__ import annotations

import html
import json
import random
import re
from dataclasses import dataclass

import igraph as ig
import networkx as nx
from pyvis.network import Network

from .build import OUTLET, STORY
from .urls import is_web_url

__all__ = ["PALETTE", "NodeStyle", "node_styles", "layout_positions", "network_html", "tooltip"]

PALETTE = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
    "#393b79", "#e6550d", "#31a354", "#756bb1", "#636363", "#843c39", "#3182bd", "#fd8d3c", "#74c476", "#9e9ac8",
]
OTHER_COLOR = "#c7c7c7"
OUTLET_COLOR = "#8a8a8a"
_EMPTY_HEADING = re.compile(r"<center>\s*<h1>\s*</h1>\s*</center>")
_CDN_TAGS = re.compile(r"<link[^>]*https?://[^>]*>|<script[^>]*\bsrc=[\"']?https?://[^>]*>\s*</script>", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class NodeStyle:
    """How each node is drawn, and the legend that explains it."""

    colors: dict[str, str]
    sizes: dict[str, float]
    legend: list[tuple[str, str]]  # (label, color), in display order
    size_note: str


def node_styles(
    graph: nx.Graph,
    *,
    color_by: str = "cluster",
    clusters: list[dict] | None = None,
    size_by: dict[str, float] | None = None,
    size_label: str = "links",
    top: int = len(PALETTE),
) -> NodeStyle:
    """The one place that decides node colors and sizes for every view.

    `color_by` is "cluster" (the `top` largest clusters get a color, others grey) or "outlet"
    (the `top` outlets with most stories). `size_by` maps node → value (a rank); the default is degree.
    """
    colors: dict[str, str] = {}
    legend: list[tuple[str, str]] = []
    if color_by == "cluster" and clusters:
        for index, cluster in enumerate(clusters[:top]):
            color = PALETTE[index % len(PALETTE)]
            if index < len(PALETTE):
                legend.append((f"cluster {cluster['id']}: {cluster['label']}", color))
            for story in cluster["stories"]:
                colors[story] = color
    elif color_by == "outlet":
        counts: dict[str, int] = {}
        for _, data in graph.nodes(data=True):
            if data.get("kind") == STORY:
                counts[data["outlet"]] = counts.get(data["outlet"], 0) + 1
        ranked = sorted(counts, key=lambda o: (-counts[o], o))[:top]
        by_outlet = dict(zip(ranked, PALETTE))
        legend = [(outlet, by_outlet[outlet]) for outlet in ranked]
        for node, data in graph.nodes(data=True):
            if data.get("kind") == STORY and data["outlet"] in by_outlet:
                colors[node] = by_outlet[data["outlet"]]
    legend.append(("other stories", OTHER_COLOR))
    legend.append(("outlet", OUTLET_COLOR))
    for node, data in graph.nodes(data=True):
        if data.get("kind") == OUTLET:
            colors[node] = OUTLET_COLOR
        else:
            colors.setdefault(node, data.get("color", OTHER_COLOR))
    values = size_by if size_by is not None else dict(graph.degree())
    sizes = {}
    for kind, smallest, largest in ((OUTLET, 5, 18), (None, 6, 34)):  # outlets stay smaller than stories or clusters
        members = [n for n, k in graph.nodes(data="kind") if (k == OUTLET) == (kind == OUTLET)]
        peak = max((values.get(n, 0) or 0 for n in members), default=0) or 1
        sizes.update({n: smallest + (largest - smallest) * ((values.get(n, 0) or 0) / peak) ** 0.5 for n in members})
    return NodeStyle(colors, sizes, legend, f"size: {size_label}")


def layout_positions(graph: nx.Graph, *, seed: int = 0, scale: float = 1000.0) -> dict[str, tuple[float, float]]:
    """Fruchterman-Reingold positions from igraph (C; 0.7 s for 5,000 nodes where networkx takes minutes)."""
    nodes = list(graph.nodes)
    if not nodes:
        return {}
    index = {node: i for i, node in enumerate(nodes)}
    g = ig.Graph(n=len(nodes), edges=[(index[u], index[v]) for u, v in graph.edges() if u != v])
    rng = random.Random(seed)
    start = [(rng.uniform(-1, 1), rng.uniform(-1, 1)) for _ in nodes]
    coords = g.layout_fruchterman_reingold(seed=start, niter=300, grid="nogrid" if len(nodes) < 1000 else "grid").coords
    xs, ys = [c[0] for c in coords], [c[1] for c in coords]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    return {node: ((x - cx) / span * scale, (y - cy) / span * scale) for node, (x, y) in zip(nodes, coords)}


def tooltip(data: dict) -> str:
    """HTML for one node's tooltip, built only from escaped text; a link only for http/https URLs."""
    esc = html.escape
    if data.get("kind") == OUTLET:
        return f"<b>{esc(str(data.get('name', '')))}</b><br>{esc(str(data.get('domain', '')))}<br>{data.get('stories', 0)} stories"
    if data.get("kind") == "cluster":
        return f"<b>{esc(str(data.get('label', '')))}</b><br>{data.get('size', 0)} stories, {data.get('outlet_count', 0)} outlets"
    parts = [f"<b>{esc(str(data.get('title', data.get('url', ''))))}</b>"]
    meta = " · ".join(esc(str(data[k])) for k in ("outlet", "published") if data.get(k))
    if meta:
        parts.append(meta)
    if "quality" in data:
        parts.append(f"quality {int(data['quality'])}")
    url = data.get("url")
    if is_web_url(url):
        parts.append(f'<a href="{esc(url, quote=True)}" target="_blank" rel="noopener noreferrer">open article</a>')
    return "<br>".join(parts)


def network_html(
    graph: nx.Graph,
    style: NodeStyle,
    positions: dict[str, tuple[float, float]],
    *,
    height: str = "720px",
    edge_width_key: str | None = None,
    note: str = "",
) -> str:
    """A standalone HTML page drawing `graph` at `positions`; works offline and renders no article markup.

    `note` (escaped) is shown above the network, e.g. to say that it is an overview.
    """
    net = Network(height=height, width="100%", directed=False, cdn_resources="in_line", heading="")
    for node, data in graph.nodes(data=True):
        x, y = positions.get(node, (0.0, 0.0))
        net.nodes.append({
            "id": node,
            "label": " ",
            "title": tooltip(data),
            "color": style.colors.get(node, OTHER_COLOR),
            "size": round(style.sizes.get(node, 8), 2),
            "x": round(x, 1),
            "y": round(y, 1),
            "shape": "square" if data.get("kind") == OUTLET else "dot",
        })
    peak = max((w for *_, w in graph.edges(data=edge_width_key, default=1)), default=1) if edge_width_key else 1
    for u, v, data in graph.edges(data=True):
        edge = {"from": u, "to": v, "color": "#bbbbbb"}
        if edge_width_key:
            edge["width"] = round(1 + 7 * (data.get(edge_width_key, 1) / peak), 2)
        net.edges.append(edge)
    net.options = {
        "physics": {"enabled": False},
        "edges": {"smooth": False, "color": {"opacity": 0.5}},
        "nodes": {"borderWidth": 0, "font": {"size": 0}},
        "interaction": {"hideEdgesOnDrag": True, "hideEdgesOnZoom": True, "tooltipDelay": 150, "navigationButtons": False},
        "layout": {"improvedLayout": False},
    }
    page = net.templateEnv.get_template(net.path).render(
        height=net.height, width=net.width, nodes=net.nodes, edges=net.edges, heading="",
        options=json.dumps(net.options), physics_enabled=False, use_DOT=False, dot_lang="", widget=False,
        bgcolor=net.bgcolor, conf=False, tooltip_link=True, neighborhood_highlight=False, select_menu=False,
        filter_menu=False, notebook=False, cdn_resources="in_line",
    )
    page = _EMPTY_HEADING.sub("", _CDN_TAGS.sub("", page))
    creation = "network = new vis.Network(container, data, options);"
    marker = "network.once('afterDrawing', function () { window.graphappDrawnAt = performance.now(); });"
    page = page.replace(creation, f"{creation}\n                  {marker}", 1)
    if note:
        page = re.sub(r"<body[^>]*>", lambda m: f'{m.group(0)}\n<p id="note" style="font:13px sans-serif;margin:6px">'
                      f"{html.escape(note)}</p>", page, count=1)
    return page.replace("</body>", _legend_html(style) + "\n</body>", 1)


def _legend_html(style: NodeStyle) -> str:
    items = "".join(
        f'<div><span style="display:inline-block;width:10px;height:10px;background:{color};margin-right:6px"></span>'
        f"{html.escape(label)}</div>"
        for label, color in style.legend
    )
    return f'<div id="legend" style="font:12px sans-serif;clear:both;padding:6px">{items}<div>{html.escape(style.size_note)}</div></div>'
