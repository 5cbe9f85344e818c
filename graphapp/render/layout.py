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
    group_of = {node: number for number, group in enumerate(groups) for node in group}
    inside: dict[int, list[tuple]] = {}
    for u, v in graph.edges():
        number = group_of.get(u)
        if u != v and number is not None and number == group_of.get(v):
            inside.setdefault(number, []).append((u, v))
    ungrouped = [n for n in graph if n not in group_of]  # neighbours are walked for these only
    loose = [n for n in ungrouped if not any(m in group_of for m in nx.all_neighbors(graph, n))]
    order = sorted(range(len(groups) + 1), key=lambda g: (-len(groups[g]) if g < len(groups) else -len(loose), g))
    packer = _SpiralPacker(unit=spacing)
    positions: Positions = {}
    for number in order:
        members = groups[number] if number < len(groups) else loose
        if not members:
            continue
        radius = spacing * math.sqrt(len(members)) * 0.8 + spacing
        local = _disc_layout(members, inside.get(number, []), radius - spacing / 2, seed=seed + number)
        cx, cy = packer.place(radius)
        positions.update({node: (cx + x, cy + y) for node, (x, y) in zip(members, local)})
    for node in ungrouped:
        if node not in positions:
            near = [positions[m] for m in nx.all_neighbors(graph, node) if m in positions]
            positions[node] = (sum(x for x, _ in near) / len(near), sum(y for _, y in near) / len(near))
    return positions


def _disc_layout(members: list, edges: list[tuple], radius: float, *, seed: int) -> list[tuple[float, float]]:
    """Positions of one group inside a disc: a sunflower without links, Kamada-Kawai (no randomness) for
    small groups, a short seeded force layout for large ones."""
    if not edges or len(members) < 4:
        return [_sunflower(i, len(members), radius) for i in range(len(members))]
    if len(members) <= 60:
        index = {node: i for i, node in enumerate(members)}
        g = ig.Graph(n=len(members), edges=[(index[u], index[v]) for u, v in edges])
        g.simplify()
        start = [_sunflower(i, len(members), 1.0) for i in range(len(members))]
        return _fit(g.layout_kamada_kawai(seed=start).coords, 2 * radius)
    return _fit(_force(list(members), edges, seed=seed, niter=60), 2 * radius)


def _sunflower(i: int, n: int, radius: float) -> tuple[float, float]:
    r = radius * math.sqrt((i + 0.5) / n)
    angle = i * math.pi * (3 - math.sqrt(5))
    return r * math.cos(angle), r * math.sin(angle)


class _SpiralPacker:
    """Discs placed along a golden-angle spiral, each at the first point where it overlaps none placed
    before (the search only moves outwards: discs come largest first). Spiral points are tried in batches
    of BATCH, each against the placed discs that reach the batch's ring (not all: most lie further in)."""

    BATCH = 64
    GOLDEN = math.pi * (3 - math.sqrt(5))

    def __init__(self, unit: float) -> None:
        self.unit = unit
        self.step = 0
        self.discs = np.zeros((0, 3))  # x, y, radius
        self.reach = np.zeros(0)  # each disc's distance from the centre plus its radius

    def place(self, radius: float) -> tuple[float, float]:
        while True:
            steps = np.arange(self.step, self.step + self.BATCH)
            distance = self.unit * np.sqrt(steps) * 1.2
            xs, ys = distance * np.cos(steps * self.GOLDEN), distance * np.sin(steps * self.GOLDEN)
            near = self.discs[self.reach + radius > distance[0]]  # the others end before the ring starts
            free = (((near[:, 0] - xs[:, None]) ** 2 + (near[:, 1] - ys[:, None]) ** 2)
                    >= (near[:, 2] + radius) ** 2).all(axis=1)
            if free.any():
                first = int(free.argmax())
                self.step += first
                x, y = float(xs[first]), float(ys[first])
                self.discs = np.vstack([self.discs, (x, y, radius)])
                self.reach = np.append(self.reach, math.hypot(x, y) + radius)
                return x, y
            self.step += self.BATCH
