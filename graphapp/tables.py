"""Analysis results → pandas DataFrames for the CLI, the app and CSV downloads."""

from __future__ import annotations

from datetime import datetime

from .records import parse_utc

import networkx as nx
import pandas as pd

__all__ = ["clusters_table", "cluster_stories_table", "coverage_gaps", "story_ranks_table", "outlet_ranks_table", "format_lags"]


def format_lags(lags: dict[str, float], *, limit: int | None = None) -> str:
    """`cnet.com +1.5h, zdnet.com +26h`: every outlet after the first, with its lag."""
    items = sorted(lags.items(), key=lambda kv: (kv[1], kv[0]))[1:]  # the first publisher has no lag
    shown = items[:limit] if limit else items
    text = ", ".join(f"{outlet} +{hours:g}h" for outlet, hours in shown)
    return text + (f", … {len(items) - len(shown)} more" if len(shown) < len(items) else "")


def clusters_table(clusters: list[dict]) -> pd.DataFrame:
    """One row per cluster: size, outlets, who was first and the others' lags, dates, quality."""
    rows = []
    for c in clusters:
        span = None
        if c["first_published"] and c["last_published"]:
            span = round((_dt(c["last_published"]) - _dt(c["first_published"])).total_seconds() / 3600, 1)
        rows.append({
            "id": c["id"],
            "label": c["label"],
            "size": c["size"],
            "outlet_count": c["outlet_count"],
            "first_outlet": c["first_outlet"],
            "first_published": c["first_published"],
            "last_published": c["last_published"],
            "span_hours": span,
            "mean_quality": c["mean_quality"],
            "max_quality": c["max_quality"],
            "lags": format_lags(c["lags_hours"], limit=8),
            "outlet_list": ", ".join(c["outlets"]),
        })
    return pd.DataFrame(rows, columns=["id", "label", "size", "outlet_count", "first_outlet", "first_published", "last_published",
                                       "span_hours", "mean_quality", "max_quality", "lags", "outlet_list"])


def cluster_stories_table(graph: nx.DiGraph, cluster: dict) -> pd.DataFrame:
    """A cluster's stories in time order, with outlet and hours after the cluster's first story."""
    first = _dt(cluster["first_published"]) if cluster["first_published"] else None
    rows = []
    for key in cluster["stories"]:
        data = graph.nodes[key]
        published = data.get("published")
        rows.append({
            "published": published,
            "lag_hours": round((_dt(published) - first).total_seconds() / 3600, 2) if first and published else None,
            "outlet": data["outlet"],
            "title": data.get("title"),
            "quality": data.get("quality"),
            "url": data["url"],
            "story": key,
        })
    return pd.DataFrame(rows, columns=["published", "lag_hours", "outlet", "title", "quality", "url", "story"])


def coverage_gaps(cluster: dict, outlets: list[str]) -> list[str]:
    """Which of `outlets` did not cover this cluster."""
    covered = set(cluster["outlets"])
    return [outlet for outlet in outlets if outlet not in covered]


def story_ranks_table(rows: list[dict]) -> pd.DataFrame:
    columns = ["story", "title", "outlet", "published", "quality", "in_degree", "out_degree", "degree", "pagerank",
               "betweenness", "combined", "betweenness_method", "url"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["quality"] = frame["quality"].astype("Int64")
    return frame


def outlet_ranks_table(rows: list[dict]) -> pd.DataFrame:
    columns = ["outlet", "name", "stories", "clusters", "mean_quality", "partners", "co_coverage_links", "pagerank",
               "betweenness", "combined"]
    return pd.DataFrame(rows, columns=columns)


def _dt(text: str) -> datetime:
    return parse_utc(text)
