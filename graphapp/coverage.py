"""Who covered an event, who was first, how late the others were, who was missing: the event page's data
and charts, and outlets across events. No Streamlit here; charts are Altair objects.

Outlet kinds come from graphapp/data/outlet_kinds.csv (domain,kind; a domain covers its subdomains),
plus any rows the user adds. Only `independent` outlets (and outlets not listed) count as independent
coverage, fill the default watch list and are expected to cover events.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from functools import lru_cache
from importlib import resources
from statistics import median
from typing import TYPE_CHECKING

import networkx as nx
import pandas as pd

from .options import EventSettings

if TYPE_CHECKING:  # altair is imported where a chart is made
    import altair as alt
from .records import STORY, parse_utc
from .render.text import safe_link

__all__ = ["KINDS", "INDEPENDENT", "read_kinds_csv", "outlet_kinds", "kind_of", "is_independent", "independent_outlets",
           "coverage_frame", "coverage_chart", "coverage_caption", "default_watch", "watch_status", "outlets_across_events",
           "outlet_event_matrix", "matrix_chart", "DATE_ONLY", "time_axis", "volume_chart", "spread_chart"]

INDEPENDENT = "independent"
KINDS = (INDEPENDENT, "wire", "press-release", "company-own", "aggregator")
DATE_ONLY = "T00:00:00Z"  # a timestamp that is exactly midnight UTC: the source gave a day, not a time


def read_kinds_csv(source) -> tuple[tuple[str, str], ...]:
    """(domain, kind) rows of a kinds CSV: a path, bytes or text with a `domain,kind` header; `#` lines are notes.

    >>> read_kinds_csv("domain,kind\\n# note\\nWWW.Example.com, Wire\\n")
    (('example.com', 'wire'),)
    """
    if isinstance(source, bytes):
        text = source.decode("utf-8-sig", "replace")
    elif isinstance(source, str) and "\n" not in source and not source.startswith("domain"):
        with open(source, encoding="utf-8-sig") as handle:
            text = handle.read()
    else:
        text = str(source)
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    rows = []
    for row in csv.DictReader(io.StringIO("\n".join(lines))):
        domain = (row.get("domain") or "").strip().lower().removeprefix("www.")
        kind = (row.get("kind") or "").strip().lower()
        if domain and kind:
            rows.append((domain, kind))
    return tuple(rows)


@lru_cache(maxsize=1)
def _bundled() -> tuple[tuple[str, str], ...]:
    return read_kinds_csv(resources.files("graphapp").joinpath("data/outlet_kinds.csv").read_bytes())


@lru_cache(maxsize=16)
def outlet_kinds(extra: tuple[tuple[str, str], ...] = ()) -> dict[str, str]:
    """Domain → kind: the bundled table, then the user's rows (which win)."""
    return dict(_bundled() + tuple(extra))


def kind_of(outlet: str, kinds: dict[str, str]) -> str:
    """The kind of an outlet domain: its own row, else its nearest listed parent domain, else independent.

    >>> kind_of("news.microsoft.com", {"microsoft.com": "company-own"})
    'company-own'
    """
    parts = outlet.split(".")
    for start in range(len(parts) - 1):
        found = kinds.get(".".join(parts[start:]))
        if found:
            return found
    return INDEPENDENT


def is_independent(outlet: str, kinds: dict[str, str]) -> bool:
    """Whether an outlet counts as independent coverage (not a wire, a press-release site or the company itself)."""
    return kind_of(outlet, kinds) == INDEPENDENT


def independent_outlets(graph: nx.DiGraph, cluster: dict, kinds: dict[str, str]) -> list[str]:
    """The cluster's independent outlets with a story that is not a copy of another (first publisher first)."""
    copies = cluster.get("duplicates", {})
    own = {graph.nodes[s]["outlet"] for s in cluster["stories"] if s not in copies}
    return [o for o in cluster["outlets"] if o in own and is_independent(o, kinds)]


def _hours(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    return round((parse_utc(end) - parse_utc(start)).total_seconds() / 3600, 2)


def _lag_text(hours: float | None) -> str:
    if hours is None:
        return "no date"
    if hours == 0:
        return "first"
    if hours < 48:
        return f"+{hours:.1f} h"
    return f"+{hours / 24:.1f} days"


MARKS = ("first story", "story", "syndicated copy", "date only (no time given)")


def coverage_frame(graph: nx.DiGraph, cluster: dict, kinds: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per story of the cluster, in time order: outlet (and its rank by first story), kind, time, lag
    after the cluster's first story, the outlet's own lag, whether it is a copy or has a date only, title, link,
    and whether it passes the filters (`matched`, when the cluster carries it)."""
    kinds = kinds if kinds is not None else outlet_kinds()
    copies = cluster.get("duplicates", {})
    matched = set(cluster.get("matched", cluster["stories"]))
    order = {outlet: rank for rank, outlet in enumerate(cluster["outlets"], 1)}
    first = cluster["first_published"]
    rows = []
    for key in cluster["stories"]:
        data = graph.nodes[key]
        published = data.get("published")
        date_only = bool(published and published.endswith(DATE_ONLY))
        if key in copies:
            mark = "syndicated copy"
        elif date_only:
            mark = "date only (no time given)"
        else:
            mark = "story"
        outlet = data["outlet"]
        outlet_lag = cluster["lags_hours"].get(outlet)
        rows.append({
            "published": pd.Timestamp(published) if published else pd.NaT,
            "outlet": outlet,
            "kind": kind_of(outlet, kinds),
            "title": data.get("title") or key,
            "url": safe_link(data.get("url", key)),
            "lag_hours": _hours(first, published),
            "outlet_lag": _lag_text(outlet_lag),
            "order": order.get(outlet, len(order) + 1),
            "mark": mark,
            "copy_of": graph.nodes[copies[key]].get("title", copies[key]) if key in copies else "",
            "date_only": date_only,
            "in_filter": key in matched,
            "story": key,
        })
    frame = pd.DataFrame(rows, columns=["published", "outlet", "kind", "title", "url", "lag_hours", "outlet_lag", "order",
                                        "mark", "copy_of", "date_only", "in_filter", "story"])
    if len(frame):
        first_rows = frame[frame["published"].notna()].sort_values(["published", "story"]).head(1).index
        frame.loc[first_rows, "mark"] = "first story"
    return frame


def coverage_caption(frame: pd.DataFrame, cluster: dict) -> str:
    """What the coverage chart shows, in words (for a caption under it)."""
    copies = int((frame["mark"] == "syndicated copy").sum())
    date_only = int(frame["date_only"].sum())
    outside = int((~frame["in_filter"]).sum())
    parts = [f"{len(frame)} stories from {frame['outlet'].nunique()} outlets, each outlet on one row in the order of "
             "its first story; the label is its delay after the first story."]
    if copies:
        parts.append(f"{copies} {'is a syndicated copy' if copies == 1 else 'are syndicated copies'} of another story "
                     "here (near-identical text), drawn as a hollow cross; copies do not count as independent coverage.")
    if date_only:
        parts.append(f"{date_only} {'carries' if date_only == 1 else 'carry'} a date without a time (published exactly "
                     "00:00 UTC), drawn as a hollow square: the true time is unknown within that day, so the delay is "
                     "approximate.")
    first = frame[frame["mark"] == "first story"]
    if len(first) and bool(first["date_only"].iloc[0]):
        parts.append("The first story has a date without a time, so who was first is uncertain.")
    if outside:
        parts.append(f"{outside} {'is' if outside == 1 else 'are'} outside the current filters (faded).")
    return " ".join(parts)


def coverage_chart(frame: pd.DataFrame):
    """Time across, outlets down in the order of their first story, one mark per story; the first publisher
    stands out, copies and date-only timestamps are drawn differently, each outlet's delay is written."""
    import altair as alt

    dated = frame[frame["published"].notna()].copy()
    outlets = list(dict.fromkeys(frame.sort_values("order")["outlet"]))
    dated["when"] = dated["published"].dt.tz_localize(None) if dated["published"].dt.tz is not None else dated["published"]
    dated["shown"] = dated["in_filter"].map({True: "yes", False: "no (outside the filters)"})
    y = alt.Y("outlet:N", sort=outlets, title=None, axis=alt.Axis(labelLimit=220))
    span = (dated["when"].max() - dated["when"].min()) if len(dated) else pd.Timedelta(0)
    if span <= pd.Timedelta(days=2):
        axis = alt.Axis(format="%b %d %H:%M", labelAngle=0, tickCount=8)
    elif span <= pd.Timedelta(days=60):
        axis = alt.Axis(format="%b %d", labelAngle=0, tickCount={"interval": "day", "step": max(1, span.days // 10)})
    else:
        axis = time_axis(dated["when"])
    x = alt.X("when:T", title="published (UTC)", axis=axis, scale=alt.Scale(padding=12))
    shapes = alt.Scale(domain=list(MARKS), range=["diamond", "circle", "cross", "square"])
    colors = alt.Scale(domain=list(MARKS), range=["#d62728", "#1f77b4", "#7f7f7f", "#ff7f0e"])
    points = alt.Chart(dated).mark_point(size=110, strokeWidth=2).encode(
        x=x, y=y,
        shape=alt.Shape("mark:N", scale=shapes, title="mark", legend=alt.Legend(orient="bottom")),
        color=alt.Color("mark:N", scale=colors, title="mark"),
        fill=alt.condition("datum.mark == 'date only (no time given)' || datum.mark == 'syndicated copy'",
                           alt.value("transparent"), alt.Color("mark:N", scale=colors, legend=None)),
        opacity=alt.condition("datum.in_filter", alt.value(1.0), alt.value(0.35)),
        tooltip=[alt.Tooltip("outlet:N"), alt.Tooltip("title:N"), alt.Tooltip("when:T", title="published (UTC)",
                                                                                format="%Y-%m-%d %H:%M"),
                 alt.Tooltip("lag_hours:Q", title="hours after the first", format=".1f"), alt.Tooltip("mark:N"),
                 alt.Tooltip("copy_of:N", title="copy of"), alt.Tooltip("shown:N", title="passes the filters")])
    firsts = dated.sort_values("published").drop_duplicates("outlet")
    labels = alt.Chart(firsts).mark_text(align="left", dx=10, fontSize=11).encode(x=x, y=y, text="outlet_lag:N")
    height = 26 * len(outlets) + 150  # the page fits axis, title and legend inside this height: room for them
    return (points + labels).properties(height=height)


def default_watch(graph: nx.DiGraph, kinds: dict[str, str], n: int = 12) -> list[str]:
    """The n independent outlets with most stories: who one would expect to cover an event."""
    counts = Counter(d["outlet"] for _, d in graph.nodes(data=True) if d.get("kind") == STORY)
    ranked = sorted((o for o in counts if is_independent(o, kinds)), key=lambda o: (-counts[o], o))
    return ranked[:n]


def _text(data: dict) -> str:
    title = data.get("title") or ""
    return f"{title} {title} {data.get('excerpt') or ''}"


POSSIBLE_COVERAGE = 0.25  # TF-IDF cosine with an event's story from which a watched outlet's story may be coverage


def watch_status(graph: nx.DiGraph, cluster: dict, watch: list[str], settings: EventSettings = EventSettings(),
                 kinds: dict[str, str] | None = None) -> pd.DataFrame:
    """For each watched outlet: `covered` (a story in the event), `possible coverage` (no story in the event, but
    one published within the event window of the event's first-to-last span whose text resembles one of the
    event's stories with a TF-IDF cosine of at least POSSIBLE_COVERAGE: the grouping did not take it, a reader
    may), or `missing`."""
    kinds = kinds if kinds is not None else outlet_kinds()
    covered = {graph.nodes[s]["outlet"]: s for s in reversed(cluster["stories"])}
    rows = []
    candidates: dict[str, list[str]] = defaultdict(list)
    lo = hi = None
    if cluster["first_published"]:
        lo = parse_utc(cluster["first_published"]).timestamp() - settings.window_hours * 3600
        hi = parse_utc(cluster["last_published"]).timestamp() + settings.window_hours * 3600
    others = {o for o in watch if o not in covered}
    members = set(cluster["stories"])
    if others and lo is not None:
        for node, data in graph.nodes(data=True):
            if (data.get("kind") == STORY and data.get("outlet") in others and node not in members
                    and data.get("published") and data.get("title")
                    and lo <= parse_utc(data["published"]).timestamp() <= hi):
                candidates[data["outlet"]].append(node)
    best = _resemblance(graph, cluster["stories"], [s for found in candidates.values() for s in found])
    for outlet in watch:
        kind = kind_of(outlet, kinds)
        if outlet in covered:
            story = covered[outlet]
            rows.append({"outlet": outlet, "kind": kind, "status": "covered", "story": graph.nodes[story].get("title"),
                         "similarity": None, "lag": _lag_text(cluster["lags_hours"].get(outlet))})
            continue
        near = sorted(((best.get(s, 0.0), s) for s in candidates.get(outlet, [])), reverse=True)
        if near and near[0][0] >= POSSIBLE_COVERAGE:
            score, story = near[0]
            rows.append({"outlet": outlet, "kind": kind, "status": "possible coverage",
                         "story": graph.nodes[story].get("title"), "similarity": round(score, 3),
                         "lag": _lag_text(_hours(cluster["first_published"], graph.nodes[story].get("published")))})
        else:
            rows.append({"outlet": outlet, "kind": kind, "status": "missing", "story": None, "similarity": None,
                         "lag": ""})
    return pd.DataFrame(rows, columns=["outlet", "kind", "status", "story", "similarity", "lag"])


def _resemblance(graph: nx.DiGraph, members: list[str], candidates: list[str]) -> dict[str, float]:
    """Candidate story → its highest TF-IDF cosine with a member story (fitted on members and candidates)."""
    if not candidates:
        return {}
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = [_text(graph.nodes[s]) for s in members] + [_text(graph.nodes[s]) for s in candidates]
    try:
        vectors = TfidfVectorizer(stop_words="english", strip_accents="unicode", sublinear_tf=True).fit_transform(docs)
    except ValueError:  # no usable word
        return {}
    similarity = (vectors[len(members):] @ vectors[:len(members)].T).toarray()
    return {s: float(row.max()) for s, row in zip(candidates, similarity)}


def outlets_across_events(graph: nx.DiGraph, events: list[dict], kinds: dict[str, str] | None = None,
                          least_peers: int = 3) -> pd.DataFrame:
    """Per outlet: events covered, times first, median delay when not first, and events it missed that at least
    `least_peers` independent outlets covered during its active period (its first to last story)."""
    kinds = kinds if kinds is not None else outlet_kinds()
    active: dict[str, list[str]] = defaultdict(list)
    for _, data in graph.nodes(data=True):
        if data.get("kind") == STORY and data.get("published"):
            active[data["outlet"]].append(data["published"])
    span = {o: (min(t), max(t)) for o, t in active.items()}
    covered: Counter = Counter()
    first: Counter = Counter()
    lags: dict[str, list[float]] = defaultdict(list)
    for event in events:
        for outlet in event["outlets"]:
            covered[outlet] += 1
            lag = event["lags_hours"].get(outlet)
            if outlet == event["first_outlet"]:
                first[outlet] += 1
            elif lag is not None:
                lags[outlet].append(lag)
    broad = [(e, set(e["outlets"])) for e in events
             if e["first_published"] and sum(is_independent(o, kinds) for o in e["outlets"]) >= least_peers]
    rows = []
    for outlet in covered:
        lo, hi = span.get(outlet, (None, None))
        missed = sum(1 for e, present in broad if outlet not in present and lo and lo <= e["first_published"] <= hi)
        rows.append({"outlet": outlet, "kind": kind_of(outlet, kinds), "events": covered[outlet], "first": first[outlet],
                     "first_share": round(first[outlet] / covered[outlet], 3),
                     "median_lag_hours": round(median(lags[outlet]), 1) if lags[outlet] else None,
                     "missed": missed})
    frame = pd.DataFrame(rows, columns=["outlet", "kind", "events", "first", "first_share", "median_lag_hours", "missed"])
    return frame.sort_values(["events", "first", "outlet"], ascending=[False, False, True]).reset_index(drop=True)


def outlet_event_matrix(events: list[dict], top_events: int = 20, top_outlets: int = 25) -> tuple[pd.DataFrame, list, list]:
    """Outlet × event cells for the largest events: the outlet's delay (0 = first) or absent. Returns the long
    frame, the event labels in time order and the outlets in order of events covered (both axes in one order)."""
    chosen = sorted(events[:top_events], key=lambda e: (e["first_published"] or "9999", e["id"]))
    counts = Counter(o for e in chosen for o in e["outlets"])
    outlets = sorted(counts, key=lambda o: (-counts[o], o))[:top_outlets]
    labels = [f"{e['id']}: {e['label'][:40]}" for e in chosen]
    rows = []
    for label, event in zip(labels, chosen):
        for outlet in outlets:
            lag = event["lags_hours"].get(outlet)
            present = outlet in event["outlets"]
            rows.append({"event": label, "outlet": outlet, "covered": present,
                         "lag_hours": lag if present else None,
                         "cell": ("first" if present and outlet == event["first_outlet"] else
                                  _lag_text(lag) if present and lag is not None else "covered" if present else "")})
    return pd.DataFrame(rows, columns=["event", "outlet", "covered", "lag_hours", "cell"]), labels, outlets


def matrix_chart(frame: pd.DataFrame, events: list, outlets: list):
    """The outlet × event heatmap: darker = later; first publisher marked; absent cells empty."""
    import altair as alt

    base = alt.Chart(frame[frame["covered"]])
    x = alt.X("event:N", sort=events, title=None, scale=alt.Scale(domain=events),  # the caption says: in time order
              axis=alt.Axis(labelAngle=-90, labelLimit=260, labelOverlap=False))
    y = alt.Y("outlet:N", sort=outlets, title="outlets, most events first", scale=alt.Scale(domain=outlets),
              axis=alt.Axis(labelOverlap=False, labelLimit=200))
    cells = base.mark_rect().encode(
        x=x, y=y, color=alt.Color("lag_hours:Q", scale=alt.Scale(scheme="oranges", type="symlog"),
                                  title="hours after the first"),
        tooltip=["outlet", "event", alt.Tooltip("cell:N", title="delay")])
    firsts = base.transform_filter("datum.cell == 'first'").mark_text(text="1st", fontSize=10, color="black").encode(x=x, y=y)
    return (cells + firsts).properties(height=22 * len(outlets) + 280)  # the page fits axes in: room for the labels


def time_axis(times) -> alt.Axis:
    """A time axis that reads at the data's scale: years over long spans, months over months, days over days
    (a corpus of a few days gets one tick per day)."""
    import altair as alt

    times = pd.to_datetime(pd.Series(times), utc=True).dropna()
    span = (times.max() - times.min()) if len(times) else pd.Timedelta(0)
    if span > pd.Timedelta(days=730):
        return alt.Axis(format="%Y", tickCount={"interval": "year", "step": 1}, labelAngle=0, title=None)
    if span > pd.Timedelta(days=60):
        return alt.Axis(format="%b %Y", tickCount={"interval": "month", "step": 1 if span < pd.Timedelta(days=400) else 3},
                        labelAngle=0, title=None)
    return alt.Axis(format="%b %d", tickCount={"interval": "day", "step": 1 if span <= pd.Timedelta(days=14) else 7},
                    labelAngle=0, title=None)


def volume_chart(graph: nx.DiGraph):
    """Stories published per day (per week over more than 60 days, per month over more than two years); None
    when nothing is dated."""
    import altair as alt

    days = [d["published"][:10] for _, d in graph.nodes(data=True) if d.get("kind") == STORY and d.get("published")]
    if not days:
        return None
    when = pd.to_datetime(pd.Series(days), utc=True)
    span = when.max() - when.min()
    unit, label = ("D", "day") if span <= pd.Timedelta(days=60) else ("W", "week") if span <= pd.Timedelta(days=730) else ("M", "month")
    counts = when.dt.tz_localize(None).dt.to_period(unit).dt.start_time.value_counts().sort_index()
    frame = pd.DataFrame({"period": counts.index, "stories": counts.values})
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("period:T", axis=time_axis(frame["period"])), y=alt.Y("stories:Q", title=f"stories per {label}"),
        tooltip=[alt.Tooltip("period:T", title=f"{label} of"), "stories:Q"]).properties(height=220)


def spread_chart(graph: nx.DiGraph, events: list[dict]):
    """Per event (in time order, its start date in the label): a tick per story at its delay after the event's
    first story, and a bar from first to last, so spreads compare at a glance whatever the corpus span."""
    import altair as alt

    spans, ticks = [], []
    for event in events:
        if not event["first_published"]:
            continue
        label = f"{event['first_published'][:10]} · {event['id']}: {event['label'][:55]}"
        last = tables_hours(event["first_published"], event["last_published"]) / 24
        spans.append({"event": label, "start": 0.0, "days": round(last, 2), "stories": event["size"],
                      "outlets": event["outlet_count"], "first_outlet": event["first_outlet"], "first": event["first_published"]})
        for story in event["stories"]:
            published = graph.nodes[story].get("published")
            if published:
                ticks.append({"event": label, "days": round(tables_hours(event["first_published"], published) / 24, 3),
                              "outlet": graph.nodes[story]["outlet"], "title": graph.nodes[story].get("title") or story})
    span_frame, tick_frame = pd.DataFrame(spans), pd.DataFrame(ticks)
    if span_frame.empty:
        return alt.Chart(pd.DataFrame({"x": []})).mark_point()
    order = span_frame.sort_values("first")["event"].tolist()
    y = alt.Y("event:N", sort=order, title=None, axis=alt.Axis(labelLimit=360, labelOverlap=False))
    x = alt.X("start:Q", title="days after the event's first story")
    bars = alt.Chart(span_frame).mark_bar(height=8, opacity=0.35).encode(
        x=x, x2="days:Q", y=y, tooltip=["event", alt.Tooltip("days:Q", title="spread (days)"), "stories:Q", "outlets:Q",
                                       alt.Tooltip("first_outlet:N", title="first")])
    marks = alt.Chart(tick_frame).mark_tick(thickness=1.5, size=12, color="black").encode(
        x=alt.X("days:Q"), y=y, tooltip=["outlet", "title", alt.Tooltip("days:Q", title="days after the first", format=".2f")])
    return (bars + marks).properties(height=max(160, 22 * len(order)))


def tables_hours(start: str, end: str) -> float:
    return (parse_utc(end) - parse_utc(start)).total_seconds() / 3600
