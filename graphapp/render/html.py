"""A network view → a standalone, offline, inert HTML page (pyvis / vis-network).

- Offline: vis-network is inlined and pyvis's unconditional Bootstrap CDN tags are removed.
- Inert: every tooltip is built here from HTML-escaped text; pyvis's raw-HTML tooltip mode is
  always on (it would switch on anyway as soon as one title contained "href"), so no article
  string is ever shown unescaped, and links are emitted only for http/https URLs.
- Fast: physics off, positions from the server, straight edges hidden while dragging or zooming;
  nodes and edges are filled directly (``Network.from_nx`` is quadratic in edges).
"""

from __future__ import annotations

import html
import json
import re

import networkx as nx
from pyvis.network import Network

from ..records import OUTLET
from ..urls import is_web_url
from .style import OTHER_COLOR, NodeStyle

__all__ = ["network_html", "tooltip"]

_EMPTY_HEADING = re.compile(r"<center>\s*<h1>\s*</h1>\s*</center>")
_CDN_TAGS = re.compile(r"<link[^>]*https?://[^>]*>|<script[^>]*\bsrc=[\"']?https?://[^>]*>\s*</script>", re.IGNORECASE)


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
