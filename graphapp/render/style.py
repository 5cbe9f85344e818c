"""The one place that decides how nodes look: colour by cluster or outlet, size by a value, and the legend."""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from ..records import OUTLET, STORY

__all__ = ["PALETTE", "OTHER_COLOR", "OUTLET_COLOR", "NodeStyle", "node_styles"]

PALETTE = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
    "#393b79", "#e6550d", "#31a354", "#756bb1", "#636363", "#843c39", "#3182bd", "#fd8d3c", "#74c476", "#9e9ac8",
]
OTHER_COLOR = "#c7c7c7"
OUTLET_COLOR = "#8a8a8a"


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
                label = cluster["label"] if len(cluster["label"]) <= 60 else cluster["label"][:59] + "…"
                legend.append((f"{cluster['id']}: {label} ({cluster['size']})", color))
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
    if color_by == "cluster" and clusters and len(clusters) > top:
        legend.append((f"the {len(clusters) - top:,} smaller clusters and stories in none", OTHER_COLOR))
    elif color_by == "outlet":
        legend.append(("stories of the other outlets", OTHER_COLOR))
    elif any(kind != OUTLET for _, kind in graph.nodes(data="kind")):
        legend.append(("stories in no cluster", OTHER_COLOR))
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


