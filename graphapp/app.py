"""graphapp explorer (Streamlit): widgets → ViewOptions → cached pipeline calls → one function per tab.

Run: `graphapp app [PATH...]` or `streamlit run graphapp/app.py -- [PATH...]`. The widgets of every
setting are generated from `graphapp.options` and bound to the URL, so a link reproduces the view.
Every article string reaching the page goes through st.text / st.dataframe (no Markdown) or the
escaped network HTML.

Events and topics are found once on everything loaded (per dataset and settings); the filters only
choose which are shown, each one whole. The chosen cluster is kept in the URL by its id (`?cluster=7`).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from functools import partial
from pathlib import Path

import altair as alt
import streamlit as st
from streamlit.errors import StreamlitAPIException

from graphapp import SEEDS, coverage, tables
from graphapp.export import EXPORTERS, export_bytes, safe_csv
from graphapp.network import Prepared, network_component, prepared
from graphapp.options import EventSettings, Filters, TopicSettings, ViewOptions, specs
from graphapp.pipeline import UPLOAD_MAX_BYTES, UPLOAD_MAX_FILES, Dataset, Result, open_paths, open_uploads, topics_empty_reason
from graphapp.render import inert, safe_link, view_payload
from graphapp.views import outlet_network

TABS = ["Network", "Clusters", "Rankings", "Outlets", "Timeline", "Export"]
# widget and URL keys that belong to one dataset: a new dataset starts without them
DATASET_KEYS = ("dates", "outlet", "topic", "min_quality", "q", "cluster", "cluster_choice", "watch", "why_a", "why_b")
# keys that name a cluster: meaningless at another level
SELECTION_KEYS = ("cluster", "cluster_choice", "why_a", "why_b")


@st.cache_resource(show_spinner=False)
def _loaded() -> tuple[dict, threading.Lock]:
    """Datasets loaded so far, shared by every session (most recent last), and the lock of their loading.

    Not an st.cache_resource per dataset: the loading draws a progress bar, and a cached function may not
    draw into a block made outside it."""
    return {}, threading.Lock()


DATASETS_KEPT = 8


def load_once(key: str, what: str, load) -> Dataset:
    """The dataset under `key`, loaded on first use by `load(progress)` while a progress bar counts the files."""
    store, lock = _loaded()
    with lock:  # one load of one input at a time, whichever session asked first
        if key in store:
            store[key] = store.pop(key)  # most recently used last
            return store[key]
        holder = st.sidebar.empty()

        def progress(done: int, total: int) -> None:
            holder.progress(done / total if total else 1.0, text=f"{what}: {done:,} of {total:,} files read and parsed")

        progress(0, 0)
        try:
            dataset = load(progress)
        finally:
            holder.empty()
        while len(store) >= DATASETS_KEPT:
            del store[next(iter(store))]
        store[key] = dataset
        return dataset


@st.cache_resource(show_spinner="Finding events or topics on everything loaded (once per data and settings)…",
                   max_entries=32)
def cached_result(dataset_key: str, options: ViewOptions, _dataset: Dataset) -> Result:
    """The analysis of one set of options; shared by sessions and never changed."""
    return Result(_dataset, options)


# Per-view results (the network payload as JSON text, a note) are cached per dataset and options;
# st.cache_resource, since they are never changed and sessions may share them without a copy each.
@st.cache_resource(show_spinner="Laying out the network…", max_entries=64)
def cached_view(dataset_key: str, options: ViewOptions, _result: Result) -> tuple[Prepared, str, bool]:
    """The network payload, its note and whether it is the overview, for one set of view options."""
    view = _result.restyled(options).network
    return prepared(view_payload(view)), view.note, view.overview


@st.cache_resource(show_spinner="Drawing the outlet network…", max_entries=16)
def cached_outlet_view(dataset_key: str, options: ViewOptions, _result: Result) -> tuple[Prepared, str]:
    """The outlet co-coverage network payload and its note."""
    view = outlet_network(_result.graph, seed=options.seed, min_links=options.outlet_min_links)
    return prepared(view_payload(view)), view.note


def input_paths() -> tuple[str, ...]:
    """GRAPHAPP_PATHS (set by `graphapp app`), else `streamlit run app.py -- PATH...`, else the bundled seeds."""
    if os.environ.get("GRAPHAPP_PATHS"):
        return tuple(os.environ["GRAPHAPP_PATHS"].split(os.pathsep))
    if sys.argv and Path(sys.argv[0]).resolve() == Path(__file__).resolve() and sys.argv[1:]:
        return tuple(sys.argv[1:])
    return (str(SEEDS),)


def _paths_dataset() -> Dataset:
    paths = input_paths()
    return load_once("paths:" + "\n".join(paths), "Reading the article files (the cache makes later loads fast)",
                     lambda progress: open_paths(paths, progress=progress))


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
            return _paths_dataset()
        files = tuple((f.name, f.getvalue()) for f in uploads)
        digest = "|".join(f"{name}:{len(data)}:{hash(data)}" for name, data in files)
        return load_once("upload:" + digest, "Reading the uploaded files",
                         lambda progress: open_uploads(list(files), progress=progress))
    return _paths_dataset()


def setting_widget(where, spec, default, *, choices=None, on_change=None):
    """The widget a setting's Spec asks for, bound to its URL key."""
    common = {"key": spec.query, "bind": "query-params", "help": spec.help, "on_change": on_change}
    if spec.widget == "slider":
        return where.slider(spec.label, spec.low, spec.high, default, spec.step, **common)
    if spec.widget == "number":
        return where.number_input(spec.label, min_value=int(spec.low), max_value=int(spec.high), value=default,
                                  step=int(spec.step), **common)
    if spec.widget == "radio":
        return where.radio(spec.label, list(spec.choices), index=list(spec.choices).index(default), horizontal=True,
                           **common)
    if spec.widget == "select":
        return where.selectbox(spec.label, list(spec.choices), **common)
    if spec.widget == "multiselect":
        return tuple(where.multiselect(spec.label, choices or [], placeholder="all", **common))
    if spec.widget == "toggle":
        return where.toggle(spec.label, value=default, **common)
    return where.text_input(spec.label, **common).strip()


def settings_widgets(where, cls, *, skip=()) -> dict:
    """One widget per setting of a settings dataclass; returns the chosen values by field name."""
    return {name: setting_widget(where, spec, default) for name, spec, default in specs(cls) if name not in skip}


def _forget(keys) -> None:
    """Drop widget state and URL keys, so their widgets start again from their defaults."""
    for key in keys:
        st.session_state.pop(key, None)
        if key in st.query_params:
            # bound to a widget: the widget, back at its default, rewrites it
            with contextlib.suppress(StreamlitAPIException):
                del st.query_params[key]


def _reset_for(dataset: Dataset) -> None:
    """A dataset other than the one this session last showed: its filters, choices and watch list start afresh
    (the old date range would hide every story of a new upload; old outlets and ids mean nothing here)."""
    seen = st.session_state.get("_dataset_key")
    if seen is not None and seen != dataset.key:
        _forget(DATASET_KEYS)
    st.session_state["_dataset_key"] = dataset.key


def _level_changed() -> None:
    _forget(SELECTION_KEYS)


def outlet_kinds_widget() -> tuple[tuple[str, str], ...]:
    """The user's own outlet-kinds CSV (domain,kind), added to the bundled table."""
    with st.sidebar.expander("Outlet kinds"):
        st.caption("Wire services, press-release sites, aggregators and a company's own site do not count as "
                   "independent coverage. The bundled table lists common ones; add a CSV (domain,kind) of your own.")
        upload = st.file_uploader("Your outlet kinds (CSV)", type=["csv"], key="kinds_file")
        extra = coverage.read_kinds_csv(upload.getvalue()) if upload else ()
        kinds = coverage.outlet_kinds(extra)
        st.dataframe(tables.kinds_table(kinds, extra), hide_index=True, key="kinds_table", height=180)
    return extra


def sidebar(dataset: Dataset) -> ViewOptions:
    """Loaded-data summary, load report, filters and clustering settings; all mirrored in the URL."""
    _reset_for(dataset)
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
    side.caption("Filters choose which events are shown; each event is shown whole.")
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
    named = {name: (spec, default) for name, spec, default in specs(ViewOptions)}
    with side.expander("Clustering"):
        level = setting_widget(st, *named["level"], on_change=_level_changed)
        if st.session_state.get("_level_seen", level) != level:  # also when the level came from a new URL
            _forget(SELECTION_KEYS)
        st.session_state["_level_seen"] = level
        recluster = setting_widget(st, *named["recluster"])
        seed = setting_widget(st, *named["seed"])
        if level == "topics":
            topic = settings_widgets(st, TopicSettings)
            event = {}
        else:
            topic = {}
            event = settings_widgets(st, EventSettings)
    return ViewOptions(filters=filters, topics=TopicSettings(**topic), events=EventSettings(**event), level=level,
                       seed=int(seed), recluster=bool(recluster))


@st.fragment
def render_network(dataset: Dataset, options: ViewOptions, result: Result) -> None:
    """The network tab: colour, size and drill-down controls, the sigma.js view and the click panel.

    A fragment: a drill-down, a restyle or a click reruns this tab alone, so neither the server nor the browser
    redo the sidebar and the page around it (in the browser that was about half a second of React work)."""
    left, middle, right = st.columns(3)
    named = {name: (spec, default) for name, spec, default in specs(ViewOptions)}
    color_by = setting_widget(left, *named["color_by"])
    size_by = setting_widget(middle, *named["size_by"])
    focus = setting_widget(right, *named["focus"])
    # Whatever is shown above the drawing sits in containers that are always there: an element added before
    # the component would move it in Streamlit's tree, which re-creates its iframe (a second page load).
    chooser, notice = st.container(), st.container()
    with chooser:
        focus_id, radius = _focus_choice(focus, result, named)
    shown = options.replace(color_by=color_by, size_by=size_by, focus=focus, focus_id=focus_id or "", radius=radius)
    data, note, overview = cached_view(dataset.key, shown, result)
    if overview:  # the drawing states its note; an overview is worth a warning as well
        notice.warning(inert(note))
    drawing, panel = st.columns([3, 1])
    with drawing:
        picked = network_component(data, height=680, key="network")
    with panel:
        render_node_panel(result, picked and picked["clicked"])


def _focus_choice(focus: str, result: Result, named: dict) -> tuple[str, int]:
    """The cluster, outlet or story to drill into, and the radius around a story."""
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
    return focus_id, radius


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




def _noun(level: str) -> str:
    return "event" if level == "events" else "topic"


def _store_cluster_choice() -> None:
    chosen = st.session_state.get("cluster_choice")
    if chosen is None:
        st.query_params.pop("cluster", None)
    else:
        st.query_params["cluster"] = str(chosen)


def choose_cluster(result: Result) -> dict | None:
    """The cluster the URL names by id (`?cluster=7`), else the largest shown; an id that does not exist is said so,
    never silently replaced. A cluster the filters hide can still be opened by its id (it is shown whole)."""
    clusters = result.clusters
    noun = _noun(result.options.level)
    shown = {c["id"]: c for c in clusters}
    every = dict(shown)
    if not result.reclustered:
        hidden = {"matched": []} if result.options.filters.active else {}
        for cluster in result.dataset.clusters(result.options):
            every.setdefault(cluster["id"], {**cluster, **hidden})
    wanted = st.query_params.get("cluster")
    filters_now = repr(result.options.filters)
    if st.session_state.get("_filters_seen", filters_now) != filters_now and clusters and wanted not in map(str, shown):
        wanted = None  # the user changed the filters and they hide the chosen one: show the first they match
        st.session_state["cluster_choice"] = None
    st.session_state["_filters_seen"] = filters_now
    if wanted is not None:
        number = int(wanted) if wanted.strip().isdigit() else None
        if number not in every:
            st.error(f"There is no {noun} {wanted!r} in this data with these settings ({len(every):,} {noun}s, "
                     f"numbered 1 to {len(every):,}). Choose one below.")
            st.session_state["cluster_choice"] = None
        else:
            st.session_state["cluster_choice"] = number
            if number not in shown:
                st.warning(f"{noun.title()} {number} has no story that passes the filters; it is shown whole anyway.")
    elif st.session_state.get("cluster_choice") not in shown and clusters:
        st.session_state["cluster_choice"] = clusters[0]["id"]
        st.query_params["cluster"] = str(clusters[0]["id"])
    options = list(shown)
    chosen = st.session_state.get("cluster_choice")
    if chosen is not None and chosen not in shown:
        options.append(chosen)
    labels = {i: f"{i}: {every[i]['label'][:90]} ({every[i]['size']} stories, {every[i]['outlet_count']} outlets)"
              for i in options}
    picked = st.selectbox(noun.title(), options, format_func=labels.get, key="cluster_choice",
                          on_change=_store_cluster_choice, placeholder=f"Choose a {noun}")
    return every.get(picked) if picked is not None else None


@st.cache_data(show_spinner=False, max_entries=16)
def cached_default_watch(dataset_key: str, extra_kinds: tuple, _dataset: Dataset) -> list[str]:
    """The default watch list of a dataset: its most active independent outlets."""
    return coverage.default_watch(_dataset.graph, coverage.outlet_kinds(extra_kinds))


def render_clusters(dataset: Dataset, options: ViewOptions, result: Result, extra_kinds: tuple = ()) -> None:
    """Clusters tab: the events (or topics) shown, and the chosen one's page: coverage chart, stories, who was missing."""
    clusters = result.clusters
    noun = _noun(options.level)
    if not clusters:
        reason = topics_empty_reason(dataset) if options.level == "topics" else None
        st.info(reason or f"No {noun} of two or more stories has a story that passes these filters.")
        if not st.query_params.get("cluster"):
            return
    kinds = coverage.outlet_kinds(extra_kinds)
    graph = result.cluster_graph
    if clusters:
        st.dataframe(tables.events_table(graph, clusters, kinds), hide_index=True, key="clusters_table",
                     column_config=tables.event_columns(st.column_config))
    cluster = choose_cluster(result)
    if cluster is None:
        return
    render_event_page(dataset, options, result, cluster, kinds, extra_kinds)


def render_event_page(dataset: Dataset, options: ViewOptions, result: Result, cluster: dict, kinds: dict,
                      extra_kinds: tuple) -> None:
    """Who covered it, who was first, how late the others were, who was missing, and why the stories are linked."""
    graph = result.cluster_graph
    noun = _noun(options.level)
    st.text(f"{noun.title()} {cluster['id']}: {cluster['label']}")
    independent = coverage.independent_outlets(graph, cluster, kinds)
    span = tables.hours_between(cluster["first_published"], cluster["last_published"])
    st.text(f"First: {cluster['first_outlet'] or 'unknown'} at {cluster['first_published'] or '?'} · "
            f"{cluster['size']} stories · {cluster['outlet_count']} outlets, {len(independent)} independent · "
            f"spread {'?' if span is None else tables.hours_text(span)}")
    frame = coverage.coverage_frame(graph, cluster, kinds)
    st.altair_chart(coverage.coverage_chart(frame), width="stretch", key="coverage_chart")
    st.caption(coverage.coverage_caption(frame, cluster))
    st.dataframe(frame.drop(columns=["order", "date_only", "story"]), hide_index=True, key="cluster_stories",
                 column_config=tables.story_columns(st.column_config))
    watch_spec = next(spec for name, spec, _ in specs(ViewOptions) if name == "watch")
    default = cached_default_watch(dataset.key, extra_kinds, dataset)
    watch = st.multiselect(watch_spec.label, list(dataset.outlets), default=default, key=watch_spec.query,
                           bind="query-params", help=watch_spec.help + " Kept in the URL.")
    status = coverage.watch_status(graph, cluster, list(watch), options.events, kinds)
    missing = status[status["status"] == "missing"]["outlet"].tolist()
    possible = status[status["status"] == "possible coverage"]
    st.text(f"Missing (no story in this {noun}): {', '.join(missing) or 'none'} — {len(missing)} of {len(watch)} "
            "watched outlets.")
    for row in possible.itertuples():
        st.text(f"Possible coverage by {row.outlet} (not grouped here, similar text): {row.story}")
    st.dataframe(status, hide_index=True, key="watch_status",
                 column_config={"similarity": st.column_config.NumberColumn("text similarity", format="%.2f")})
    with st.expander("Why are these stories linked?"):
        st.dataframe(tables.evidence_table(graph, cluster).drop(columns=["a", "b"]), hide_index=True, key="evidence",
                     column_config={"similarity": st.column_config.NumberColumn(format="%.3f"),
                                    "score": st.column_config.NumberColumn("same-event probability", format="%.3f"),
                                    "evidence": st.column_config.TextColumn("strongest evidence (log-odds)")})
        if st.toggle("Compare two stories", key="why"):
            titles = {s: f"{graph.nodes[s]['outlet']}: {(graph.nodes[s].get('title') or s)[:90]}" for s in cluster["stories"]}
            first = st.selectbox("Story", list(titles), format_func=titles.get, key="why_a")
            second = st.selectbox("and story", [s for s in titles if s != first], format_func=titles.get, key="why_b")
            if first and second:
                st.json(tables.pair_evidence(graph, cluster, first, second, options.events))


def render_rankings(result: Result, extra_kinds: tuple = ()) -> None:
    """Rankings tab: events by independent outlets, stories and outlets, with CSV downloads."""
    kinds = coverage.outlet_kinds(extra_kinds)
    config = st.column_config
    if result.options.level == "events" and result.clusters:
        st.text("Events, by independent outlets, then by how long coverage went on")
        events = tables.events_rank_table(result.cluster_graph, result.clusters, kinds)
        st.dataframe(events, hide_index=True, key="event_ranks", column_config=tables.event_columns(config))
    stories = tables.story_ranks_table(result.story_ranks, graph=result.graph)
    outlets = tables.outlet_ranks_table(result.outlet_ranks, kinds=kinds)
    method = stories["betweenness_method"].iloc[0] if len(stories) else "exact"
    st.text("Stories, by combined score: how widely their event was covered, and their quality")
    st.caption("Combined score = 0.6 × log(independent outlets that covered the story's event) / log(the most any "
               "event had) + 0.4 × percentile of its quality. In-links: related links pointing at the story from stories of other "
               f"outlets (its own outlet's links do not count). Betweenness: {method}. Sort by any column.")
    st.dataframe(stories.drop(columns=["betweenness_method", "story"]), hide_index=True, key="story_ranks",
                 column_config=tables.rank_columns(config, stories))
    st.download_button("Download story ranks (CSV)", safe_csv(stories), "story-ranks.csv", "text/csv", key="dl_story_ranks")
    st.text("Outlets, by combined score")
    st.dataframe(outlets, hide_index=True, key="outlet_ranks", column_config=tables.rank_columns(config, outlets))
    st.download_button("Download outlet ranks (CSV)", safe_csv(outlets), "outlet-ranks.csv", "text/csv", key="dl_outlet_ranks")


def render_outlets(dataset: Dataset, options: ViewOptions, result: Result, extra_kinds: tuple = ()) -> None:
    """Outlets tab: outlets across events, the outlet × event matrix, the outlet network and co-coverage."""
    kinds = coverage.outlet_kinds(extra_kinds)
    noun = _noun(options.level)
    if result.clusters:
        st.text(f"Outlets across {noun}s")
        across = coverage.outlets_across_events(result.cluster_graph, result.clusters, kinds)
        st.caption(f"Per outlet: {noun}s covered, times first, median delay when not first, and {noun}s it missed "
                   f"that at least 3 independent outlets covered while it was publishing (its first to last story).")
        st.dataframe(across, hide_index=True, key="outlets_across",
                     column_config={"first_share": st.column_config.ProgressColumn("share first", format="percent",
                                                                                   min_value=0, max_value=1),
                                    "median_lag_hours": st.column_config.NumberColumn("median delay (h)", format="%.1f"),
                                    "missed": st.column_config.NumberColumn(f"missed {noun}s")})
        matrix, events, outlets = coverage.outlet_event_matrix(result.clusters)
        st.caption(f"The {len(events)} largest {noun}s (left to right in time) and their {len(outlets)} most present "
                   "outlets: colour = delay after the first story, 1st = first publisher, empty = not covered.")
        st.altair_chart(coverage.matrix_chart(matrix, events, outlets), width="stretch", key="outlet_event_matrix")
    named = {name: (spec, default) for name, spec, default in specs(ViewOptions)}
    min_links = setting_widget(st, *named["outlet_min_links"])
    data, _ = cached_outlet_view(dataset.key, options.replace(outlet_min_links=int(min_links)), result)
    network_component(data, height=620, key="outlet_network")
    heat = tables.heatmap_table(result.graph, 20)
    if len(heat):
        st.caption("Co-coverage: related links between the 20 outlets with most stories.")
        chart = alt.Chart(heat).mark_rect().encode(
            x=alt.X("partner:N", sort=None, title=None), y=alt.Y("outlet:N", sort=None, title=None),
            color=alt.Color("links:Q", scale=alt.Scale(scheme="blues")), tooltip=["outlet", "partner", "links"])
        st.altair_chart(chart, width="stretch")


def render_timeline(result: Result) -> None:
    """Timeline tab: stories over time, and at the events level each large event's spread."""
    volume = coverage.volume_chart(result.graph)
    if volume is None:
        st.info("No dated stories with these filters.")
        return
    st.text("Stories published (filtered)")
    st.altair_chart(volume, width="stretch", key="volume_chart")
    if result.options.level == "events" and result.clusters:
        st.text("Spread of the 30 largest events: each story at its delay after the event's first story")
        st.altair_chart(coverage.spread_chart(result.cluster_graph, result.clusters[:30]), width="stretch",
                        key="spread_chart")
    elif result.clusters:
        frame = tables.timeline_table(result.cluster_graph, result.clusters, top=8)
        chart = alt.Chart(frame).mark_bar().encode(
            x=alt.X("day:T", title="day", axis=coverage.time_axis(frame["day"])), y=alt.Y("stories:Q", stack=True),
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
    extra_kinds = outlet_kinds_widget()
    st.title("graphapp")
    if not dataset.corpus.articles:
        st.error(inert(f"Nothing to show: {dataset.counts['files']:,} files read, none usable. The load report in the "
                       "sidebar says why for each file."))
        return
    result = cached_result(dataset.key, options, dataset)
    clusters = result.clusters
    noun = "events" if options.level == "events" else "topics"
    outside = sum(c["size"] - len(c["matched"]) for c in clusters if "matched" in c)
    st.caption(f"{dataset.label}: {len(result.resolved.stories):,} stories shown, {len(clusters):,} {noun}"
               + (f" (shown whole: {outside:,} of their stories are outside the filters)" if outside else "")
               + (" found among the filtered stories only" if result.reclustered else ""))
    if options.level == "topics" and not clusters and (reason := topics_empty_reason(dataset)):
        st.info(reason)
    renders = [
        lambda: render_network(dataset, options, result),
        lambda: render_clusters(dataset, options, result, extra_kinds),
        lambda: render_rankings(result, extra_kinds),
        lambda: render_outlets(dataset, options, result, extra_kinds),
        lambda: render_timeline(result),
        lambda: render_export(dataset, options, result),
    ]
    for tab, render in zip(st.tabs(TABS, key="tab", bind="query-params", on_change="rerun"), renders):
        if tab.open:  # only the open tab's work is done on a rerun
            with tab:
                render()


# Streamlit runs this script as __main__; the loader's worker processes (forkserver) import the parent's main
# module again as __mp_main__, and must not run the app (and its whole load and clustering) each.
if __name__ == "__main__":
    main()
