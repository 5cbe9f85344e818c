"""Choosing which stories to look at: dates, outlets, topics, quality, title text.

Filters return a new graph and never mutate the one they are given (it may be cached and shared).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from typing import TYPE_CHECKING

from .records import STORY, outlet_node, utc_text

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["Filters", "filter_graph", "parse_date"]


@dataclass(frozen=True, slots=True)
class Filters:
    """Which stories to keep. Empty fields keep everything."""

    since: datetime | None = None
    until: datetime | None = None
    outlets: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    min_quality: int | None = None
    text: str = ""

    @property
    def active(self) -> bool:
        return any((self.since, self.until, self.outlets, self.topics, self.min_quality is not None, self.text.strip()))


def parse_date(text: str, *, end_of_day: bool = False) -> datetime:
    """`2020-06-11` or a full ISO date-time → an aware UTC datetime (a bare date ends at 23:59:59 if asked)."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if len(text.strip()) <= 10 and end_of_day:
        value = value.replace(hour=23, minute=59, second=59)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _iso(value: datetime) -> str:
    return utc_text(value.astimezone(timezone.utc))


def filter_graph(graph: nx.DiGraph, filters: Filters) -> nx.DiGraph:
    """The stories that pass `filters`, their links among themselves, and their outlets (counts recomputed)."""
    if not filters.active:
        return graph
    since = _iso(filters.since) if filters.since else None
    until = _iso(filters.until) if filters.until else None
    outlets = {o.strip().lower().removeprefix("outlet:").removeprefix("www.") for o in filters.outlets}
    topics = {t.lower() for t in filters.topics}
    words = filters.text.lower().split()
    keep = []
    for node, data in graph.nodes(data=True):
        if data.get("kind") != STORY:
            continue
        published = data.get("published")
        if (since or until) and published is None:
            continue
        if since and published < since or until and published > until:
            continue
        if outlets and data["outlet"] not in outlets:
            continue
        if topics and not topics & {t.strip().lower() for t in data.get("topics", "").split(";")}:
            continue
        if filters.min_quality is not None and data.get("quality", -1) < filters.min_quality:
            continue
        if words and not all(w in data.get("title", "").lower() for w in words):
            continue
        keep.append(node)
    counts: dict[str, int] = {}
    for node in keep:
        domain = graph.nodes[node]["outlet"]
        counts[domain] = counts.get(domain, 0) + 1
    result = graph.subgraph(keep + [outlet_node(d) for d in counts]).copy()
    for domain, count in counts.items():
        result.nodes[outlet_node(domain)]["stories"] = count
    return result
