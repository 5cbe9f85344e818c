"""Node positions computed on the server, seeded, so a view is the same picture every time.

Two layouts: one force-directed layout of a whole (small) graph, and the clustered layout used for
large views: each cluster laid out on its own, then the clusters packed along a spiral, largest in
the middle, so clusters stay apart and the stories of one cluster are not stacked on each other.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable

import igraph as ig
import networkx as nx
import numpy as np

from ..randomness import seeded

__all__ = ["layout_positions", "clustered_positions"]

Positions = dict[str, tuple[float, float]]


def _force(nodes: list, edges: Iterable[tuple], *, seed: int, niter: int = 300) -> list[tuple[float, float]]:
    """Fruchterman-Reingold coordinates from igraph (C: 0.7 s for 5,000 nodes where networkx takes minutes)."""
    index = {node: i for i, node in enumerate(nodes)}
    g = ig.Graph(n=len(nodes), edges=[(index[u], index[v]) for u, v in edges if u != v and u in index and v in index])
    g.simplify()
    rng = random.Random(seed)
    start = [(rng.uniform(-1, 1), rng.uniform(-1, 1)) for _ in nodes]
    with seeded(seed):
        return g.layout_fruchterman_reingold(seed=start, niter=niter, grid="nogrid" if len(nodes) < 1000 else "grid").coords


def _fit(coords, scale: float) -> list[tuple[float, float]]:
    """Centre coordinates on 0 and make their larger extent `scale`."""
    xs, ys = [c[0] for c in coords], [c[1] for c in coords]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    return [((x - cx) / span * scale, (y - cy) / span * scale) for x, y in coords]


def layout_positions(graph: nx.Graph, *, seed: int = 0, scale: float = 1000.0) -> Positions:
    """Force-directed positions of every node of `graph`, fitted into a square of side `scale`."""
    nodes = list(graph.nodes)
    if not nodes:
        return {}
    return dict(zip(nodes, _fit(_force(nodes, graph.edges(), seed=seed), scale)))


def clustered_positions(graph: nx.Graph, groups: list[list], *, seed: int = 0, spacing: float = 18.0) -> Positions:
    """Each group (a cluster's nodes) laid out alone, in a disc whose area grows with its size; the discs
    packed on a golden-angle spiral, largest first. Nodes in no group are placed at the mean position of
    their neighbours (outlets among their stories), or, without any, in one more group of their own."""
    positions: Positions = {}
    grouped = {node for group in groups for node in group}
    loose = [n for n in graph if n not in grouped and not any(m in grouped for m in nx.all_neighbors(graph, n))]
    discs = sorted((g for g in [*groups, loose] if g), key=lambda g: (-len(g), str(g[0])))
    packer = _SpiralPacker(unit=spacing)
    for number, members in enumerate(discs):
        radius = spacing * math.sqrt(len(members)) * 0.8 + spacing
        sub = graph.subgraph(members)
        if sub.number_of_edges():
            local = _fit(_force(list(members), sub.edges(), seed=seed + number, niter=150), 2 * (radius - spacing / 2))
        else:  # no links: a sunflower of points, evenly spread
            local = [_sunflower(i, len(members), radius - spacing / 2) for i in range(len(members))]
        cx, cy = packer.place(radius)
        positions.update({node: (cx + x, cy + y) for node, (x, y) in zip(members, local)})
    for node in graph:
        if node not in positions:
            near = [positions[m] for m in nx.all_neighbors(graph, node) if m in positions]
            positions[node] = (sum(x for x, _ in near) / len(near), sum(y for _, y in near) / len(near))
    return positions


def _sunflower(i: int, n: int, radius: float) -> tuple[float, float]:
    r = radius * math.sqrt((i + 0.5) / n)
    angle = i * math.pi * (3 - math.sqrt(5))
    return r * math.cos(angle), r * math.sin(angle)


class _SpiralPacker:
    """Discs placed along a golden-angle spiral, each at the first point where it overlaps none placed
    before (the search only moves outwards: discs come largest first)."""

    def __init__(self, unit: float) -> None:
        self.unit = unit
        self.step = 0
        self.discs = np.zeros((0, 3))

    def place(self, radius: float) -> tuple[float, float]:
        golden = math.pi * (3 - math.sqrt(5))
        while True:
            distance = self.unit * math.sqrt(self.step) * 1.2
            x, y = distance * math.cos(self.step * golden), distance * math.sin(self.step * golden)
            near = self.discs
            if not len(near) or (((near[:, 0] - x) ** 2 + (near[:, 1] - y) ** 2) >= (near[:, 2] + radius) ** 2).all():
                self.discs = np.vstack([self.discs, (x, y, radius)])
                return x, y
            self.step += 1
