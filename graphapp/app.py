"""graphapp explorer (Streamlit): sidebar widgets → Settings → cached library calls → one function per tab.

Run: `graphapp app [PATH...]` or `streamlit run graphapp/app.py -- [PATH...]`. Every article string
reaching the page goes through st.text / st.dataframe (no Markdown) or the escaped network HTML.
"""

from __future__ import annotations

import os
import sys
from functools import partial
from pathlib import Path

import altair as alt
import streamlit as st

from graphapp import explorer as ex
from graphapp import tables
from graphapp.events import EventSettings, settings_with
from graphapp.export import EXPORTERS, export_bytes, safe_csv
from graphapp.views import network_view

TABS = ["Network", "Clusters", "Rankings", "Outlets", "Timeline", "Export"]


@st.cache_resource(show_spinner="Reading and parsing the article files (later loads of the same files use the cache)…", max_entries=8)
def cached_dataset(paths: tuple[str, ...]) -> ex.Dataset:
    return ex.open_dataset(paths)


@st.cache_resource(show_spinner="Reading the uploaded files…", max_entries=4)
def cached_upload(digest: str, _files: tuple) -> ex.Dataset:
    return ex.dataset_from_uploads(list(_files))


@st.cache_resource(show_spinner="Finding clusters and ranks…", max_entries=32)
def cached_analysis(dataset_key: str, settings: ex.Settings, _dataset: ex.Dataset) -> ex.Analysis:
    return ex.analyse(_dataset, settings)


# Per-view results are plain data (an HTML page, a note, a table): st.cache_data, keyed by the
# dataset and the settings. Shared objects that are never mutated (corpus, graph, analysis): st.cache_resource.
@st.cache_data(show_spinner="Laying out the network…", max_entries=64)
def cached_view(dataset_key: str, settings: ex.Settings, color_by: str, size_by: str, focus: tuple | None,
                _analysis: ex.Analysis) -> tuple[str, str, bool]:
    view = network_view(_analysis.graph, clusters=_analysis.clusters, color_by=color_by,
                        size_by=ex.size_values(_analysis, size_by), size_label=size_by, focus=focus, seed=settings.seed)
    return view.embedded_html, view.note, view.overview


@st.cache_data(show_spinner="Drawing the outlet network…", max_entries=16)
def cached_outlet_view(dataset_key: str, settings: ex.Settings, _analysis: ex.Analysis) -> tuple[str, str]:
    view = ex.outlet_network(_analysis.graph, seed=settings.seed)
    return view.embedded_html, view.note


@st.cache_data(show_spinner=False, max_entries=32)
def cached_tables(dataset_key: str, settings: ex.Settings, _analysis: ex.Analysis):
    return ex.stories_display(_analysis.stories), ex.outlets_display(_analysis.outlets)


def input_paths() -> tuple[str, ...]:
    """GRAPHAPP_PATHS (set by `graphapp app`), else `streamlit run app.py -- PATH...`, else the bundled seeds."""
    if os.environ.get("GRAPHAPP_PATHS"):
        return tuple(os.environ["GRAPHAPP_PATHS"].split(os.pathsep))
    if sys.argv and Path(sys.argv[0]).resolve() == Path(__file__).resolve() and sys.argv[1:]:
        return tuple(sys.argv[1:])
    return (str(ex.SEEDS),)


def choose_dataset() -> ex.Dataset:
    """The folders given on the command line, or what the user uploaded."""
    uploads = st.sidebar.file_uploader(
        "Open article files or a .zip", accept_multiple_files=True, key="uploads",
        help="Markdown/text files with YAML front matter, or zip archives of them. Read in memory, never written to disk.")
    if uploads:
        total = sum(f.size for f in uploads)
        if len(uploads) > ex.UPLOAD_MAX_FILES or total > ex.UPLOAD_MAX_BYTES:
            st.sidebar.error(f"Too much at once: {len(uploads)} files, {total / 1e6:.0f} MB (at most "
                             f"{ex.UPLOAD_MAX_FILES} files and {ex.UPLOAD_MAX_BYTES / 1e6:.0f} MB). Showing the default data.")
            return cached_dataset(input_paths())
        files = tuple((f.name, f.getvalue()) for f in uploads)
        digest = "|".join(f"{name}:{len(data)}:{hash(data)}" for name, data in files)
        return cached_upload(digest, files)
    return cached_dataset(input_paths())


def sidebar(dataset: ex.Dataset) -> ex.Settings:
    """Loaded-data summary, load report, filters; every filter is mirrored in the URL."""
    side = st.sidebar
    counts = dataset.counts
    side.caption(f"{counts['files']:,} files · {counts['stories']:,} stories · {counts['outlets']:,} outlets · "
                 f"{counts['links']:,} links")
    report = dataset.report
    with side.expander(f"Load report: {len(report.skipped)} skipped, {len(report.merges)} merged, "
                       f"{len(report.warnings)} warnings"):
        if report.issues:
            st.dataframe(ex.report_frame(report), hide_index=True, key="report")
        for merge in report.merges:
            st.text(f"merged {len(merge.paths)} files into {merge.key} (kept {merge.kept})")
        if not report.issues and not report.merges:
            st.text("Every file loaded cleanly.")
    side.header("Filters")
    dates = ()
    if dataset.first_day:
        dates = side.date_input("Published between", value=(dataset.first_day, dataset.last_day),
                                min_value=dataset.first_day, max_value=dataset.last_day, key="dates", bind="query-params")
    outlets = side.multiselect("Outlets", dataset.outlets, key="outlet", bind="query-params",
                               placeholder="all outlets")
    topics = side.multiselect("Topics", dataset.topics, key="topic", bind="query-params", placeholder="all topics")
    min_quality = side.number_input("Minimum quality", min_value=0, max_value=1000, value=0, step=5, key="min_quality",
                                    bind="query-params")
    text = side.text_input("Title contains", key="q", bind="query-params", placeholder="words to search in titles")
    with side.expander("Clustering"):
        level = st.radio("Clusters of", ["topics", "events"], key="level", bind="query-params", horizontal=True,
                         help="topics: communities of publishers' related links; events: stories reporting the same "
                              "event, from text similarity within a time window, with related links as support.")
        method = st.radio("Topic method", ["louvain", "components"], key="method", bind="query-params", horizontal=True)
        resolution = st.slider("Louvain resolution", 0.2, 5.0, 1.0, 0.1, key="resolution", bind="query-params",
                               help="Higher values give more, smaller clusters.")
        default = EventSettings()
        threshold = st.slider("Event threshold", 0.05, 0.6, default.threshold, 0.01, key="threshold", bind="query-params",
                              help="Average link score two groups of stories need to be one event.")
        min_link = st.slider("Event closest link", 0.0, 0.8, default.min_link, 0.01, key="min_link", bind="query-params",
                             help="The closest pair of two groups must score at least this for them to merge.")
        window = st.slider("Event window (hours)", 6, 240, int(default.window_hours), 6, key="window", bind="query-params",
                           help="Stories further apart are not merged by similarity.")
        split = st.slider("Event split ratio", 0.0, 1.0, default.split_ratio, 0.05, key="split", bind="query-params",
                          help="An event splits in two when its halves' cross score is under this share of their own "
                               "(0: never).")
        attach = st.slider("Late-report attach score", 0.05, 1.0, default.attach_threshold, 0.01, key="attach",
                           bind="query-params", help="A story left alone joins the event it resembles most on average "
                                                     "if this close.")
        attach_window = st.slider("Late-report window (hours)", 0, 336, int(default.attach_window_hours), 12,
                                  key="attach_window", bind="query-params",
                                  help="…and published within this many hours of the event's first or last story.")
        seed = st.number_input("Seed", min_value=0, max_value=10_000, value=0, key="seed", bind="query-params")
    since, until = (tuple(dates) + (None, None))[:2] if dates else (None, None)
    if since == dataset.first_day:
        since = None
    if until == dataset.last_day:
        until = None
    return ex.Settings(since, until, tuple(outlets), tuple(topics), int(min_quality), text.strip(), method,
                       float(resolution), int(seed), level,
                       settings_with(threshold=float(threshold), min_link=float(min_link), window_hours=float(window),
                                     split_ratio=float(split),
                                     attach_threshold=float(attach), attach_window_hours=float(attach_window)))


def render_network(dataset: ex.Dataset, settings: ex.Settings, analysis: ex.Analysis) -> None:
    left, middle, right = st.columns(3)
    color_by = left.radio("Color by", ["cluster", "outlet"], key="color", bind="query-params", horizontal=True)
    size_by = middle.selectbox("Size by", list(ex.SIZE_BY), key="size", bind="query-params")
    focus_kind = right.selectbox("Drill down into", ["nothing", "cluster", "outlet", "story"], key="focus",
                                 bind="query-params")
    focus = None
    if focus_kind == "cluster" and analysis.clusters:
        labels = {c["id"]: f"{c['id']}: {c['label'][:90]} ({c['size']} stories)" for c in analysis.clusters}
        chosen = st.selectbox("Cluster", list(labels), format_func=labels.get, key="focus_cluster", bind="query-params")
        focus = ("cluster", chosen)
    elif focus_kind == "outlet":
        chosen = st.selectbox("Outlet", ex.top_outlets(analysis.graph, 500), key="focus_outlet", bind="query-params")
        focus = ("outlet", chosen) if chosen else None
    elif focus_kind == "story":
        top = sorted(analysis.stories, key=lambda r: -r["combined"])[:500]
        labels = {r["story"]: f"{(r['title'] or r['story'])[:90]} ({r['outlet']})" for r in top}
        chosen = st.selectbox("Story", list(labels), format_func=labels.get, key="focus_story", bind="query-params")
        radius = st.radio("Radius", [1, 2], key="radius", bind="query-params", horizontal=True)
        focus = ("story", chosen, radius) if chosen else None
    page, note, overview = cached_view(dataset.key, settings, color_by, size_by, focus, analysis)
    (st.warning if overview else st.info)(ex.inert(note))
    st.iframe(page, height=800)


def render_clusters(dataset: ex.Dataset, settings: ex.Settings, analysis: ex.Analysis) -> None:
    clusters = analysis.clusters
    if not clusters:
        st.info("No cluster of two or more linked stories with these filters.")
        return
    st.dataframe(tables.clusters_table(clusters), hide_index=True, key="clusters_table",
                 column_config={"label": st.column_config.TextColumn("top story", width="large")})
    labels = {c["id"]: f"{c['id']}: {c['label'][:90]} ({c['size']} stories, {c['outlet_count']} outlets)" for c in clusters}
    chosen = st.selectbox("Cluster", list(labels), format_func=labels.get, key="cluster", bind="query-params")
    cluster = next(c for c in clusters if c["id"] == chosen)
    st.text(f"Cluster {cluster['id']}: {cluster['label']}")
    first = cluster["first_outlet"] or "unknown"
    st.text(f"First: {first} at {cluster['first_published'] or '?'}; {cluster['outlet_count']} outlets; "
            f"last story {cluster['last_published'] or '?'}")
    st.dataframe(tables.cluster_stories_table(analysis.graph, cluster).assign(url=lambda f: f["url"].map(ex.safe_link)),
                 hide_index=True, key="cluster_stories",
                 column_config={"url": st.column_config.LinkColumn("article", display_text="open")})
    watch = st.multiselect("Coverage gaps against these outlets", ex.top_outlets(analysis.graph, 500),
                           default=ex.top_outlets(analysis.graph, 20), key="gap_outlets")
    gaps = tables.coverage_gaps(cluster, watch)
    st.text(f"{len(gaps)} of {len(watch)} watched outlets did not cover this cluster: " + (", ".join(gaps) or "none"))
    if cluster.get("duplicates"):
        st.text(f"{len(cluster['duplicates'])} stories are copies of another story here (syndication), so "
                f"{cluster['independent_outlets']} outlets covered it independently.")
    with st.expander("Why are these stories linked?"):
        st.dataframe(ex.evidence_frame(analysis.graph, cluster).drop(columns=["a", "b"]), hide_index=True, key="evidence")
        if st.toggle("Compare two stories of this cluster", key="why"):
            titles = {s: (analysis.graph.nodes[s].get("title") or s)[:90] for s in cluster["stories"]}
            first = st.selectbox("Story", list(titles), format_func=titles.get, key="why_a")
            second = st.selectbox("and story", [s for s in titles if s != first], format_func=titles.get, key="why_b")
            if first and second:
                from graphapp.events import link_evidence

                st.json(link_evidence(analysis.graph, first, second, settings.events))
    page, _, _ = cached_view(dataset.key, settings, "cluster", "links", ("cluster", cluster["id"]), analysis)
    st.iframe(page, height=560)


def render_rankings(dataset: ex.Dataset, settings: ex.Settings, analysis: ex.Analysis) -> None:
    stories, outlets = cached_tables(dataset.key, settings, analysis)
    method = stories["betweenness_method"].iloc[0] if len(stories) else "exact"
    st.caption(f"Betweenness: {method}. Combined score = 0.5·quality/max + 0.3·PageRank/max + 0.2·links/max.")
    st.dataframe(stories.drop(columns="betweenness_method"), hide_index=True, key="story_ranks",
                 column_config={"url": st.column_config.LinkColumn("article", display_text="open"),
                                "title": st.column_config.TextColumn(width="large")})
    st.download_button("Download story ranks (CSV)", safe_csv(stories), "story-ranks.csv", "text/csv", key="dl_story_ranks")
    st.dataframe(outlets, hide_index=True, key="outlet_ranks")
    st.download_button("Download outlet ranks (CSV)", safe_csv(outlets), "outlet-ranks.csv", "text/csv", key="dl_outlet_ranks")


def render_outlets(dataset: ex.Dataset, settings: ex.Settings, analysis: ex.Analysis) -> None:
    page, note = cached_outlet_view(dataset.key, settings, analysis)
    st.info(ex.inert(note))
    st.iframe(page, height=620)
    heat = ex.heatmap_frame(analysis.graph, 20)
    if len(heat):
        chart = alt.Chart(heat).mark_rect().encode(
            x=alt.X("partner:N", sort=None, title=None), y=alt.Y("outlet:N", sort=None, title=None),
            color=alt.Color("links:Q", scale=alt.Scale(scheme="blues")), tooltip=["outlet", "partner", "links"])
        st.altair_chart(chart, width="stretch")


def render_timeline(analysis: ex.Analysis) -> None:
    frame = ex.timeline_frame(analysis.graph, analysis.clusters, top=8)
    if frame.empty:
        st.info("No dated stories in clusters with these filters.")
        return
    chart = alt.Chart(frame).mark_bar().encode(
        x=alt.X("day:T", title="day"), y=alt.Y("stories:Q", stack=True),
        color=alt.Color("cluster:N", legend=alt.Legend(orient="bottom", columns=2, labelLimit=400)),
        tooltip=["day:T", "cluster:N", "stories:Q"])
    st.altair_chart(chart, width="stretch")


def render_export(dataset: ex.Dataset, analysis: ex.Analysis) -> None:
    st.caption("Files are generated when you click. Filtered: the graph as the filters show it; whole: everything loaded.")
    for name, exporter in EXPORTERS.items():
        left, right, note = st.columns([1, 1, 2])
        left.download_button(f"Filtered · {name}", partial(export_bytes, analysis.graph, name), f"graphapp-filtered{exporter.suffix}",
                             exporter.media_type, key=f"dl_filtered_{name}", on_click="ignore")
        right.download_button(f"Whole · {name}", partial(export_bytes, dataset.graph, name), f"graphapp{exporter.suffix}",
                              exporter.media_type, key=f"dl_whole_{name}", on_click="ignore")
        note.text(exporter.description)


def main() -> None:
    st.set_page_config(page_title="graphapp: related-story explorer", layout="wide")
    dataset = choose_dataset()
    settings = sidebar(dataset)
    analysis = cached_analysis(dataset.key, settings, dataset)
    stories = sum(1 for _, k in analysis.graph.nodes(data="kind") if k == "story")
    st.title("graphapp")
    st.caption(f"{dataset.label}: {stories:,} stories shown, {len(analysis.clusters):,} coverage clusters")
    renders = [
        lambda: render_network(dataset, settings, analysis),
        lambda: render_clusters(dataset, settings, analysis),
        lambda: render_rankings(dataset, settings, analysis),
        lambda: render_outlets(dataset, settings, analysis),
        lambda: render_timeline(analysis),
        lambda: render_export(dataset, analysis),
    ]
    for tab, render in zip(st.tabs(TABS, key="tab", bind="query-params", on_change="rerun"), renders):
        if tab.open:  # only the open tab's work is done on a rerun
            with tab:
                render()


main()
