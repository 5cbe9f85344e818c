"""Analysis results → pandas DataFrames for the CLI, the app, charts and CSV downloads.

The columns of the cluster and rank tables come from the result shapes in `results`.
"""

from __future__ import annotations

from collections import Counter

import networkx as nx
import pandas as pd

from .analyze import co_coverage_graph
from .records import LoadReport, STORY, parse_utc
from .render.text import safe_link
from .results import OutletRank, StoryRank, columns

__all__ = ["clusters_table", "cluster_stories_table", "coverage_gaps", "story_ranks_table", "outlet_ranks_table",
           "format_lags", "evidence_table", "timeline_table", "heatmap_table", "report_table", "top_outlets",
           "CLUSTER_COLUMNS"]

CLUSTER_COLUMNS = ["id", "label", "size", "outlet_count", "first_outlet", "first_published", "last_published", "span_hours",
                   "mean_quality", "max_quality", "lags", "outlet_list"]


def format_lags(lags: dict[str, float], *, limit: int | None = None) -> str:
    """`cnet.com +1.5h, zdnet.com +26h`: every outlet after the first, with its lag.

    >>> format_lags({"a.com": 0.0, "b.com": 1.5, "c.com": 26.0})
    'b.com +1.5h, c.com +26h'
    """
    items = sorted(lags.items(), key=lambda kv: (kv[1], kv[0]))[1:]  # the first publisher has no lag
    shown = items[:limit] if limit else items
    text = ", ".join(f"{outlet} +{hours:g}h" for outlet, hours in shown)
    return text + (f", … {len(items) - len(shown)} more" if len(shown) < len(items) else "")


def _hours_between(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    return (parse_utc(end) - parse_utc(start)).total_seconds() / 3600


def clusters_table(clusters: list) -> pd.DataFrame:
    """One row per cluster: size, outlets, who was first and the others' lags, dates, quality."""
    rows = []
    for c in clusters:
        span = _hours_between(c["first_published"], c["last_published"])
        rows.append({
            **{k: c[k] for k in ("id", "label", "size", "outlet_count", "first_outlet", "first_published", "last_published",
                                 "mean_quality", "max_quality")},
            "span_hours": None if span is None else round(span, 1),
            "lags": format_lags(c["lags_hours"], limit=8),
            "outlet_list": ", ".join(c["outlets"]),
        })
    return pd.DataFrame(rows, columns=CLUSTER_COLUMNS)


def cluster_stories_table(graph: nx.DiGraph, cluster: dict) -> pd.DataFrame:
    """A cluster's stories in time order, with outlet and hours after the cluster's first story."""
    rows = []
    for key in cluster["stories"]:
        data = graph.nodes[key]
        lag = _hours_between(cluster["first_published"], data.get("published"))
        rows.append({"published": data.get("published"), "lag_hours": None if lag is None else round(lag, 2),
                     "outlet": data["outlet"], "title": data.get("title"), "quality": data.get("quality"),
                     "url": data["url"], "story": key})
    return pd.DataFrame(rows, columns=["published", "lag_hours", "outlet", "title", "quality", "url", "story"])


def coverage_gaps(cluster: dict, outlets: list[str]) -> list[str]:
    """Which of `outlets` did not cover this cluster."""
    covered = set(cluster["outlets"])
    return [outlet for outlet in outlets if outlet not in covered]


def story_ranks_table(rows: list[StoryRank]) -> pd.DataFrame:
    """Story ranks, best combined score first; the url column holds only http/https links."""
    frame = pd.DataFrame(rows, columns=columns(StoryRank))
    frame["quality"] = frame["quality"].astype("Int64")
    frame["url"] = frame["url"].map(safe_link)
    return frame.sort_values(["combined", "story"], ascending=[False, True], na_position="last").reset_index(drop=True)


def outlet_ranks_table(rows: list[OutletRank]) -> pd.DataFrame:
    """Outlet ranks, best combined score first."""
    frame = pd.DataFrame(rows, columns=columns(OutletRank))
    return frame.sort_values(["combined", "outlet"], ascending=[False, True]).reset_index(drop=True)


def evidence_table(graph: nx.DiGraph, cluster: dict) -> pd.DataFrame:
    """Every linked pair inside a cluster and why it is linked (related entries, similarity, score used)."""
    rows = []
    if "evidence" in cluster:
        for e in cluster["evidence"]:
            rows.append({"story": graph.nodes[e["a"]].get("title"), "other": graph.nodes[e["b"]].get("title"),
                         "similarity": e["similarity"], "score": e["score"], "related": e["related"],
                         "listed_by": "; ".join(e["listed_by"]), "a": e["a"], "b": e["b"]})
    else:
        members = set(cluster["stories"])
        for u, v, data in graph.edges(data=True):
            if data.get("kind") == "related" and u in members and v in members:
                rows.append({"story": graph.nodes[u].get("title"), "other": graph.nodes[v].get("title"),
                             "similarity": None, "score": None, "related": True, "listed_by": data.get("listed_by"),
                             "a": u, "b": v})
    return pd.DataFrame(rows, columns=["story", "other", "similarity", "score", "related", "listed_by", "a", "b"])


def top_outlets(graph: nx.DiGraph, n: int = 20) -> list[str]:
    """The n outlets with most stories in `graph`."""
    counts = Counter(d["outlet"] for _, d in graph.nodes(data=True) if d.get("kind") == STORY)
    return sorted(counts, key=lambda o: (-counts[o], o))[:n]


def timeline_table(graph: nx.DiGraph, clusters: list, top: int = 8) -> pd.DataFrame:
    """Stories per day for the `top` largest clusters (long form: day, cluster, stories)."""
    rows = []
    for cluster in clusters[:top]:
        days = Counter(graph.nodes[s]["published"][:10] for s in cluster["stories"] if graph.nodes[s].get("published"))
        name = f"{cluster['id']}: {cluster['label'][:50]}"
        rows += [{"day": pd.Timestamp(day), "cluster": name, "stories": n} for day, n in sorted(days.items())]
    return pd.DataFrame(rows, columns=["day", "cluster", "stories"])


def heatmap_table(graph: nx.DiGraph, top: int = 20) -> pd.DataFrame:
    """Co-coverage links between the `top` outlets (long form, both directions)."""
    co = co_coverage_graph(graph)
    outlets = top_outlets(graph, top)
    rows = [{"outlet": a, "partner": b, "links": co.edges[a, b]["weight"] if co.has_edge(a, b) else 0}
            for a in outlets for b in outlets if a != b]
    return pd.DataFrame(rows, columns=["outlet", "partner", "links"])


def report_table(report: LoadReport) -> pd.DataFrame:
    """The load report as a table: one row per problem."""
    return pd.DataFrame([{"severity": i.severity, "path": i.path, "line": i.line, "field": i.field, "message": i.message}
                         for i in report.issues], columns=["severity", "path", "line", "field", "message"])
