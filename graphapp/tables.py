"""Analysis results → pandas DataFrames for the CLI, the app, charts and CSV downloads.

The columns of the cluster and rank tables come from the result shapes in `results`.
"""

from __future__ import annotations

from collections import Counter

import networkx as nx
import pandas as pd

from .analyze import co_coverage_graph
from .records import STORY, LoadReport, parse_utc
from .render.text import safe_link
from .results import OutletRank, StoryRank, columns

__all__ = ["events_table", "events_rank_table", "in_links_from_other_outlets", "kinds_table", "pair_evidence",
           "event_columns", "story_columns", "rank_columns", "hours_between", "hours_text", "clusters_table", "cluster_stories_table", "coverage_gaps", "story_ranks_table", "outlet_ranks_table",
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


def clusters_table(clusters: list, graph: nx.DiGraph | None = None, kinds: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per cluster: size, outlets, who was first and the others' lags, dates, quality. Given the graph and
    outlet kinds, `independent` (after `outlet_count`) counts independent outlets with a story that is not a copy."""
    frame = _clusters_frame(clusters)
    if graph is not None and kinds is not None:
        from .coverage import independent_outlets

        frame.insert(4, "independent", [len(independent_outlets(graph, c, kinds)) for c in clusters])
    return frame


def _clusters_frame(clusters: list) -> pd.DataFrame:
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


def story_ranks_table(rows: list[StoryRank], graph: nx.DiGraph | None = None) -> pd.DataFrame:
    """Story ranks, best combined score first; the url column holds only http/https links. Given the graph,
    key columns come first and `in_links_other_outlets` counts related links from other outlets' stories."""
    frame = pd.DataFrame(rows, columns=columns(StoryRank))
    frame["quality"] = frame["quality"].astype("Int64")
    frame["url"] = frame["url"].map(safe_link)
    frame = frame.sort_values(["combined", "story"], ascending=[False, True], na_position="last").reset_index(drop=True)
    if graph is None:
        return frame
    links = in_links_from_other_outlets(graph)
    frame["in_links_other_outlets"] = frame["story"].map(lambda s: links.get(s, 0))
    frame["published"] = pd.to_datetime(frame["published"], utc=True)
    first = ["title", "outlet", "combined", "event_outlets", "quality", "in_links_other_outlets", "pagerank", "betweenness",
             "published"]
    return frame[first + [c for c in frame.columns if c not in first]]


def outlet_ranks_table(rows: list[OutletRank], kinds: dict[str, str] | None = None) -> pd.DataFrame:
    """Outlet ranks, best combined score first (with each outlet's kind, second, when kinds are given)."""
    frame = pd.DataFrame(rows, columns=columns(OutletRank))
    frame = frame.sort_values(["combined", "outlet"], ascending=[False, True]).reset_index(drop=True)
    if kinds is not None:
        from .coverage import kind_of

        frame.insert(1, "kind", frame["outlet"].map(lambda o: kind_of(o, kinds)))
    return frame


def evidence_table(graph: nx.DiGraph, cluster: dict) -> pd.DataFrame:
    """Every linked pair inside a cluster and why it is linked (related entries, similarity, the same-event
    probability the grouping used as `score`, and the pair model's strongest features as `evidence`)."""
    rows = []
    if "evidence" in cluster:
        for e in cluster["evidence"]:
            rows.append({"story": graph.nodes[e["a"]].get("title"), "other": graph.nodes[e["b"]].get("title"),
                         "similarity": e["similarity"], "score": e["score"], "related": e["related"],
                         "listed_by": "; ".join(e["listed_by"]), "evidence": _strongest(e.get("contributions", {})),
                         "a": e["a"], "b": e["b"]})
    else:
        members = set(cluster["stories"])
        for u, v, data in graph.edges(data=True):
            if data.get("kind") == "related" and u in members and v in members:
                rows.append({"story": graph.nodes[u].get("title"), "other": graph.nodes[v].get("title"),
                             "similarity": None, "score": None, "related": True, "listed_by": data.get("listed_by"),
                             "evidence": "", "a": u, "b": v})
    return pd.DataFrame(rows, columns=["story", "other", "similarity", "score", "related", "listed_by", "evidence", "a", "b"])


def _strongest(contributions: dict[str, float], n: int = 4) -> str:
    """The pair model's n largest shares of the log-odds, signed: "text +2.9, near_5d +4.5, same_outlet −2.7"."""
    ranked = sorted(contributions.items(), key=lambda kv: -abs(kv[1]))[:n]
    return ", ".join(f"{name} {value:+.1f}" for name, value in ranked if value)


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


def hours_between(start: str | None, end: str | None) -> float | None:
    """Hours from one graph date to another (None when either is missing)."""
    return _hours_between(start, end)


def hours_text(hours: float) -> str:
    """`5.2 h` under two days, else `3.5 days`."""
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


def _time(text: str | None):
    return pd.Timestamp(text) if text else pd.NaT


def events_table(graph: nx.DiGraph, clusters: list, kinds: dict[str, str]) -> pd.DataFrame:
    """One row per event (or topic), key columns first: id, top story, stories, outlets, independent outlets
    (kinds applied, copies left out), who was first and when, spread, and stories passing the filters."""
    from .coverage import independent_outlets

    rows = []
    for c in clusters:
        span = _hours_between(c["first_published"], c["last_published"])
        rows.append({"id": c["id"], "label": c["label"], "stories": c["size"], "outlets": c["outlet_count"],
                     "independent": len(independent_outlets(graph, c, kinds)), "first_outlet": c["first_outlet"],
                     "first_published": _time(c["first_published"]), "spread_hours": None if span is None else round(span, 1),
                     "matching": len(c.get("matched", c["stories"])), "followers": format_lags(c["lags_hours"], limit=6)})
    return pd.DataFrame(rows, columns=["id", "label", "stories", "outlets", "independent", "first_outlet", "first_published",
                                       "spread_hours", "matching", "followers"])


def events_rank_table(graph: nx.DiGraph, clusters: list, kinds: dict[str, str]) -> pd.DataFrame:
    """Events ranked by independent outlets, then spread (longer-running coverage first), then size."""
    frame = events_table(graph, clusters, kinds)
    return frame.sort_values(["independent", "spread_hours", "stories", "id"], ascending=[False, False, False, True],
                             na_position="last").reset_index(drop=True)


def in_links_from_other_outlets(graph: nx.DiGraph) -> dict[str, int]:
    """Story → related links pointing at it from stories of other outlets."""
    counts: Counter = Counter()
    for u, v, data in graph.edges(data=True):
        if data.get("kind") == "related" and graph.nodes[u].get("outlet") != graph.nodes[v].get("outlet"):
            counts[v] += 1
    return dict(counts)


def kinds_table(kinds: dict[str, str], extra: tuple = ()) -> pd.DataFrame:
    """The outlet kinds in use, the user's rows marked."""
    own = dict(extra)
    return pd.DataFrame([{"domain": d, "kind": k, "from": "yours" if d in own else "bundled"} for d, k in sorted(kinds.items())],
                        columns=["domain", "kind", "from"])


def pair_evidence(graph: nx.DiGraph, cluster: dict, a: str, b: str, settings) -> dict:
    """Why two stories of a cluster are linked: related entries, time apart, copy or not (link_evidence on the
    cluster's stories), with the grouping's own similarity and score when it scored this pair."""
    from .event_pairs import DUPLICATE_SIMILARITY
    from .events import link_evidence

    found = link_evidence(graph.subgraph(cluster["stories"]), a, b, settings)
    scored = next((e for e in cluster.get("evidence", ()) if {e["a"], e["b"]} == {a, b}), None)
    if scored:
        found.update(similarity=scored["similarity"], score=scored["score"], scored=True,
                     duplicate=bool(scored["similarity"] >= DUPLICATE_SIMILARITY))
        if "features" in scored:
            found["features"] = scored["features"]
            found["contributions"] = scored["contributions"] | {"intercept": found.get("contributions", {}).get("intercept")}
        found["note"] = ("features, their shares of the log-odds and the same-event probability (score) as the grouping "
                         "computed them (word weights of everything loaded)")
    else:
        found["note"] = ("the grouping did not score this pair directly (the stories joined through others); similarity "
                         "here weighs words over this cluster's stories only")
    return found


def event_columns(config) -> dict:
    """Labels and formats of the events table (`config`: st.column_config)."""
    return {"id": config.NumberColumn("id", width="small"),
            "label": config.TextColumn("top story", width="large"),
            "stories": config.NumberColumn("stories"), "outlets": config.NumberColumn("outlets"),
            "independent": config.NumberColumn("independent outlets", help="Outlets that are not wires, press-release "
                                               "sites, aggregators or the company's own, with a story that is not a copy."),
            "first_outlet": config.TextColumn("first"),
            "first_published": config.DatetimeColumn("first story (UTC)", format="YYYY-MM-DD HH:mm"),
            "spread_hours": config.NumberColumn("spread (h)", format="%.1f", help="First to last story."),
            "matching": config.NumberColumn("passing filters"),
            "followers": config.TextColumn("followers and delay", width="large")}


def story_columns(config) -> dict:
    """Labels and formats of an event's stories table."""
    return {"published": config.DatetimeColumn("published (UTC)", format="YYYY-MM-DD HH:mm"),
            "title": config.TextColumn("title", width="large"),
            "url": config.LinkColumn("article", display_text="open"),
            "lag_hours": config.NumberColumn("hours after first", format="%.1f"),
            "outlet_lag": config.TextColumn("outlet's delay"),
            "mark": config.TextColumn("drawn as"), "copy_of": config.TextColumn("copy of"),
            "in_filter": config.CheckboxColumn("passes filters")}


def rank_columns(config, frame: pd.DataFrame) -> dict:
    """Labels and formats of the story and outlet rank tables (bars for the scores)."""
    columns = {"url": config.LinkColumn("article", display_text="open"),
               "title": config.TextColumn(width="large"),
               "published": config.DatetimeColumn("published (UTC)", format="YYYY-MM-DD HH:mm"),
               "in_links_other_outlets": config.NumberColumn("in-links from other outlets"),
               "event_outlets": config.NumberColumn("event's independent outlets"),
               "mean_quality": config.NumberColumn("mean quality", format="%.1f"),
               "pagerank": config.NumberColumn("PageRank", format="%.5f"),
               "betweenness": config.NumberColumn(format="%.5f")}
    if "combined" in frame and len(frame):
        columns["combined"] = config.ProgressColumn("combined", format="%.3f", min_value=0.0,
                                                    max_value=float(frame["combined"].max() or 1.0))
    return columns
