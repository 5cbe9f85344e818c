"""graphapp explorer (Streamlit): widgets → ViewOptions → cached pipeline calls → one function per tab.

Run: `graphapp app [PATH...]` or `streamlit run graphapp/app.py -- [PATH...]`. The widgets of every
setting are generated from `graphapp.options` and bound to the URL, so a link reproduces the view.
Every article string reaching the page goes through st.text / st.dataframe (no Markdown) or the
escaped network HTML.
"""

from __future__ import annotations

import os
import sys
from functools import partial
from pathlib import Path

import altair as alt
import streamlit as st

from graphapp import SEEDS, tables
from graphapp.events import link_evidence
from graphapp.export import EXPORTERS, export_bytes, safe_csv
from graphapp.options import EventSettings, Filters, TopicSettings, ViewOptions, specs
from graphapp.pipeline import UPLOAD_MAX_BYTES, UPLOAD_MAX_FILES, Dataset, Result, open_paths, open_uploads
from graphapp.network import network_component
from graphapp.render import inert, safe_link, view_payload
from graphapp.views import outlet_network

TABS = ["Network", "Clusters", "Rankings", "Outlets", "Timeline", "Export"]


@st.cache_resource(show_spinner="Reading and parsing the article files (later loads of the same files use the cache)…", max_entries=8)
def cached_dataset(paths: tuple[str, ...]) -> Dataset:
    """The dataset of these input paths, parsed once and shared by every session."""
    return open_paths(paths)


@st.cache_resource(show_spinner="Reading the uploaded files…", max_entries=4)
def cached_upload(digest: str, _files: tuple) -> Dataset:
    """The dataset of one set of uploaded files (keyed by their digest), shared by sessions."""
    return open_uploads(list(_files))


@st.cache_resource(show_spinner="Finding clusters and ranks…", max_entries=32)
def cached_result(dataset_key: str, options: ViewOptions, _dataset: Dataset) -> Result:
    """The analysis of one set of options; shared by sessions and never changed."""
    return Result(_dataset, options)


# Per-view results (the network payload, a note) are cached per dataset and options; st.cache_resource,
# since they are never changed and sessions may share them without a copy of a few MB each.
@st.cache_resource(show_spinner="Laying out the network…", max_entries=64)
def cached_view(dataset_key: str, options: ViewOptions, _result: Result) -> tuple[dict, str, bool]:
    """The network payload, its note and whether it is the overview, for one set of view options."""
    view = _result.restyled(options).network
    return view_payload(view), view.note, view.overview


@st.cache_resource(show_spinner="Drawing the outlet network…", max_entries=16)
def cached_outlet_view(dataset_key: str, options: ViewOptions, _result: Result) -> tuple[dict, str]:
    """The outlet co-coverage network payload and its note."""
    view = outlet_network(_result.graph, seed=options.seed, min_links=options.outlet_min_links)
    return view_payload(view), view.note


def input_paths() -> tuple[str, ...]:
    """GRAPHAPP_PATHS (set by `graphapp app`), else `streamlit run app.py -- PATH...`, else the bundled seeds."""
    if os.environ.get("GRAPHAPP_PATHS"):
        return tuple(os.environ["GRAPHAPP_PATHS"].split(os.pathsep))
    if sys.argv and Path(sys.argv[0]).resolve() == Path(__file__).resolve() and sys.argv[1:]:
        return tuple(sys.argv[1:])
    return (str(SEEDS),)


def choose_dataset() -> Dataset:
    """The folders given on the command line, or what the user uploaded."""
    uploads = st.sidebar.file_uploader(
        "Open article files or a .zip", accept_multiple_files=True, key="uploads",
        help="Markdown/text files with YAML front matter, or zip archives of them. Read in memory, never written to disk.")
    if uploads:
        total = sum(f.size for f in uploads)
        if len(uploads) > UPLOAD_MAX_FILES or total > UPLOAD_MAX_BYTES:
            st.sidebar.error(f"Too much at once: {len(uploads)} files, {total / 1e6:.0f} MB (at most "
                             f"{UPLOAD_MAX_FILES} files and {UPLOAD_MAX_BYTES / 1e6:.0f} MB). Showing the default data.")
            return cached_dataset(input_paths())
        files = tuple((f.name, f.getvalue()) for f in uploads)
        digest = "|".join(f"{name}:{len(data)}:{hash(data)}" for name, data in files)
        return cached_upload(digest, files)
    return cached_dataset(input_paths())


def setting_widget(where, spec, default, *, choices=None):
    """The widget a setting's Spec asks for, bound to its URL key."""
    common = {"key": spec.query, "bind": "query-params", "help": spec.help}
    if spec.widget == "slider":
        return where.slider(spec.label, spec.low, spec.high, default, spec.step, **common)
    if spec.widget == "number":
        return where.number_input(spec.label, min_value=int(spec.low), max_value=int(spec.high), value=default,
                                  step=int(spec.step), **common)
    if spec.widget == "radio":
        return where.radio(spec.label, list(spec.choices), horizontal=True, **common)
    if spec.widget == "select":
        return where.selectbox(spec.label, list(spec.choices), **common)
    if spec.widget == "multiselect":
        return tuple(where.multiselect(spec.label, choices or [], placeholder="all", **common))
    return where.text_input(spec.label, **common).strip()


def settings_widgets(where, cls, *, skip=()) -> dict:
    """One widget per setting of a settings dataclass; returns the chosen values by field name."""
    return {name: setting_widget(where, spec, default) for name, spec, default in specs(cls) if name not in skip}


def sidebar(dataset: Dataset) -> ViewOptions:
    """Loaded-data summary, load report, filters and clustering settings; all mirrored in the URL."""
    side = st.sidebar
    counts = dataset.counts
    side.caption(f"{counts['files']:,} files · {counts['stories']:,} stories · {counts['outlets']:,} outlets · "
                 f"{counts['links']:,} links")
    report = dataset.report
    with side.expander(f"Load report: {len(report.skipped)} skipped, {len(report.merges)} merged, "
                       f"{len(report.warnings)} warnings"):
        if report.issues:
            st.dataframe(tables.report_table(report), hide_index=True, key="report")
        for merge in report.merges:
            st.text(f"merged {len(merge.paths)} files into {merge.key} (kept {merge.kept})")
        if not report.issues and not report.merges:
            st.text("Every file loaded cleanly.")
    side.header("Filters")
    first_day, last_day = dataset.days
    dates = ()
    if first_day:
        dates = side.date_input("Published between", value=(first_day, last_day), min_value=first_day,
                                max_value=last_day, key="dates", bind="query-params")
    since, until = (tuple(dates) + (None, None))[:2] if dates else (None, None)
    specs_of = {name: (spec, default) for name, spec, default in specs(Filters)}
    outlets = setting_widget(side, *specs_of["outlets"], choices=dataset.outlets)
    topics = setting_widget(side, *specs_of["topics"], choices=dataset.topics)
    min_quality = setting_widget(side, *specs_of["min_quality"])
    text = setting_widget(side, *specs_of["text"])
    filters = Filters.from_days(None if since == first_day else since, None if until == last_day else until,
                                outlets=outlets, topics=topics, min_quality=min_quality or None, text=text)
    with side.expander("Clustering"):
        view = {name: setting_widget(st, spec, default) for name, spec, default in specs(ViewOptions)
                if name in ("level", "seed")}
        if view["level"] == "topics":
            topic = settings_widgets(st, TopicSettings)
            event = {}
        else:
            topic = {}
            event = settings_widgets(st, EventSettings)
    return ViewOptions(filters=filters, topics=TopicSettings(**topic), events=EventSettings(**event), level=view["level"],
                       seed=int(view["seed"]))


def render_network(dataset: Dataset, options: ViewOptions, result: Result) -> None:
    """The network tab: colour, size and drill-down controls, the sigma.js view and the click panel."""
    left, middle, right = st.columns(3)
    named = {name: (spec, default) for name, spec, default in specs(ViewOptions)}
    color_by = setting_widget(left, *named["color_by"])
    size_by = setting_widget(middle, *named["size_by"])
    focus = setting_widget(right, *named["focus"])
    focus_id, radius = "", 1
    if focus == "cluster" and result.clusters:
        labels = {str(c["id"]): f"{c['id']}: {c['label'][:90]} ({c['size']} stories)" for c in result.clusters}
        focus_id = st.selectbox("Cluster", list(labels), format_func=labels.get, key="focus_cluster", bind="query-params")
    elif focus == "outlet":
        focus_id = st.selectbox("Outlet", tables.top_outlets(result.graph, 500), key="focus_outlet", bind="query-params")
    elif focus == "story":
        top = sorted(result.story_ranks, key=lambda r: -r["combined"])[:500]
        labels = {r["story"]: f"{(r['title'] or r['story'])[:90]} ({r['outlet']})" for r in top}
        chosen = st.session_state.get("focus_story")
        if chosen in result.graph and chosen not in labels:  # picked with "show neighbourhood"
            labels[chosen] = (result.graph.nodes[chosen].get("title") or chosen)[:90]
        focus_id = st.selectbox("Story", list(labels), format_func=labels.get, key="focus_story", bind="query-params")
        radius = setting_widget(st, *named["radius"])
    shown = options.replace(color_by=color_by, size_by=size_by, focus=focus, focus_id=focus_id or "", radius=radius)
    data, note, overview = cached_view(dataset.key, shown, result)
    if overview:  # the drawing states its note; an overview is worth a warning as well
        st.warning(inert(note))
    drawing, panel = st.columns([3, 1])
    with drawing:
        picked = network_component(data, height=680, key="network")
    with panel:
        render_node_panel(result, picked and picked["clicked"])


def _show_neighbourhood(story: str) -> None:
    st.session_state["focus"] = "story"
    st.session_state["focus_story"] = story


def render_node_panel(result: Result, node: str | None) -> None:
    """What a click on the network shows: the node's details, its links and what to do next."""
    if not node or node not in result.graph:
        st.caption("Click a node to see its details here; hover to see its links.")
        return
    data = result.graph.nodes[node]
    if data.get("kind") == "outlet":
        st.subheader("Outlet")
        st.text(f"{data.get('name', node)}\n{data.get('domain', '')}\n{data.get('stories', 0):,} stories in this view")
        return
    st.subheader("Story")
    st.text(data.get("title") or node)
    cluster = next((c for c in result.clusters if node in c["stories"]), None)
    related = [(u, v) for u, v, k in result.graph.in_edges(node, data="kind") if k == "related"]
    listed = [(u, v) for u, v, k in result.graph.out_edges(node, data="kind") if k == "related"]
    lines = [f"outlet: {data.get('outlet_name') or data['outlet']}", f"published: {data.get('published', 'no date')}",
             f"quality: {data.get('quality', 'none')}",
             f"{'event' if result.options.level == 'events' else 'topic cluster'}: "
             f"{cluster['id'] if cluster else 'none'}",
             f"listed as related by {len(related)} stories; lists {len(listed)}"]
    st.text("\n".join(lines))
    if url := safe_link(data.get("url")):
        st.link_button("Open article", url)
    st.button("Show neighbourhood", key="neighbourhood", on_click=_show_neighbourhood, args=(node,))


def render_clusters(dataset: Dataset, options: ViewOptions, result: Result) -> None:
    """Clusters tab: the cluster table, one cluster's stories and lags, coverage gaps and link evidence."""
    clusters = result.clusters
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
    st.dataframe(tables.cluster_stories_table(result.graph, cluster).assign(url=lambda f: f["url"].map(safe_link)),
                 hide_index=True, key="cluster_stories",
                 column_config={"url": st.column_config.LinkColumn("article", display_text="open")})
    watch = st.multiselect("Coverage gaps against these outlets", tables.top_outlets(result.graph, 500),
                           default=tables.top_outlets(result.graph, 20), key="gap_outlets")
    gaps = tables.coverage_gaps(cluster, watch)
    st.text(f"{len(gaps)} of {len(watch)} watched outlets did not cover this cluster: " + (", ".join(gaps) or "none"))
    if cluster.get("duplicates"):
        st.text(f"{len(cluster['duplicates'])} stories are copies of another story here (syndication), so "
                f"{cluster['independent_outlets']} outlets covered it independently.")
    with st.expander("Why are these stories linked?"):
        st.dataframe(tables.evidence_table(result.graph, cluster).drop(columns=["a", "b"]), hide_index=True, key="evidence")
        if st.toggle("Compare two stories of this cluster", key="why"):
            titles = {s: (result.graph.nodes[s].get("title") or s)[:90] for s in cluster["stories"]}
            first = st.selectbox("Story", list(titles), format_func=titles.get, key="why_a")
            second = st.selectbox("and story", [s for s in titles if s != first], format_func=titles.get, key="why_b")
            if first and second:
                st.json(link_evidence(result.graph, first, second, options.events))
    data, _, _ = cached_view(dataset.key, options.replace(focus="cluster", focus_id=str(cluster["id"])), result)
    network_component(data, height=560, key="cluster_network")


def render_rankings(result: Result) -> None:
    """Rankings tab: story and outlet rank tables with CSV downloads."""
    stories = tables.story_ranks_table(result.story_ranks)
    outlets = tables.outlet_ranks_table(result.outlet_ranks)
    method = stories["betweenness_method"].iloc[0] if len(stories) else "exact"
    st.caption(f"Betweenness: {method}. Combined score = 0.5·quality/max + 0.3·PageRank/max + 0.2·links/max.")
    st.dataframe(stories.drop(columns=["betweenness_method", "story"]), hide_index=True, key="story_ranks",
                 column_config={"url": st.column_config.LinkColumn("article", display_text="open"),
                                "title": st.column_config.TextColumn(width="large")})
    st.download_button("Download story ranks (CSV)", safe_csv(stories), "story-ranks.csv", "text/csv", key="dl_story_ranks")
    st.dataframe(outlets, hide_index=True, key="outlet_ranks")
    st.download_button("Download outlet ranks (CSV)", safe_csv(outlets), "outlet-ranks.csv", "text/csv", key="dl_outlet_ranks")


def render_outlets(dataset: Dataset, options: ViewOptions, result: Result) -> None:
    """Outlets tab: the outlet co-coverage network and heatmap."""
    data, note = cached_outlet_view(dataset.key, options, result)
    st.info(inert(note))
    network_component(data, height=620, key="outlet_network")
    heat = tables.heatmap_table(result.graph, 20)
    if len(heat):
        chart = alt.Chart(heat).mark_rect().encode(
            x=alt.X("partner:N", sort=None, title=None), y=alt.Y("outlet:N", sort=None, title=None),
            color=alt.Color("links:Q", scale=alt.Scale(scheme="blues")), tooltip=["outlet", "partner", "links"])
        st.altair_chart(chart, width="stretch")


def render_timeline(result: Result) -> None:
    """Timeline tab: stories per day of the largest clusters."""
    frame = tables.timeline_table(result.graph, result.clusters, top=8)
    if frame.empty:
        st.info("No dated stories in clusters with these filters.")
        return
    chart = alt.Chart(frame).mark_bar().encode(
        x=alt.X("day:T", title="day"), y=alt.Y("stories:Q", stack=True),
        color=alt.Color("cluster:N", legend=alt.Legend(orient="bottom", columns=2, labelLimit=400)),
        tooltip=["day:T", "cluster:N", "stories:Q"])
    st.altair_chart(chart, width="stretch")


def render_export(dataset: Dataset, options: ViewOptions, result: Result) -> None:
    """Export tab: one download per format, for the filtered view and for the whole dataset."""
    st.caption("Files are generated when you click. Filtered: the view as the filters and settings show it; "
               "whole: everything loaded, with the same settings.")
    whole = cached_result(dataset.key, options.replace(filters=Filters()), dataset)
    for name, exporter in EXPORTERS.items():
        left, right, note = st.columns([1, 1, 2])
        left.download_button(f"Filtered · {name}", partial(export_bytes, result, name), f"graphapp-filtered{exporter.suffix}",
                             exporter.media_type, key=f"dl_filtered_{name}", on_click="ignore")
        right.download_button(f"Whole · {name}", partial(export_bytes, whole, name), f"graphapp{exporter.suffix}",
                              exporter.media_type, key=f"dl_whole_{name}", on_click="ignore")
        note.text(exporter.description)


def main() -> None:
    """The page: sidebar (data, filters, settings), then the open tab."""
    st.set_page_config(page_title="graphapp: related-story explorer", layout="wide")
    dataset = choose_dataset()
    options = sidebar(dataset)
    st.title("graphapp")
    if not dataset.corpus.articles:
        st.error(inert(f"Nothing to show: {dataset.counts['files']:,} files read, none usable. The load report in the "
                       "sidebar says why for each file."))
        return
    result = cached_result(dataset.key, options, dataset)
    st.caption(f"{dataset.label}: {len(result.resolved.stories):,} stories shown, {len(result.clusters):,} coverage clusters")
    renders = [
        lambda: render_network(dataset, options, result),
        lambda: render_clusters(dataset, options, result),
        lambda: render_rankings(result),
        lambda: render_outlets(dataset, options, result),
        lambda: render_timeline(result),
        lambda: render_export(dataset, options, result),
    ]
    for tab, render in zip(st.tabs(TABS, key="tab", bind="query-params", on_change="rerun"), renders):
        if tab.open:  # only the open tab's work is done on a rerun
            with tab:
                render()


main()
