"""The Streamlit app driven by widget keys (streamlit.testing AppTest), on the seed and on crafted data."""

import io
import json
import zipfile
from pathlib import Path

import networkx as nx
import pytest
from conftest import write
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "graphapp" / "app.py")


@pytest.fixture
def app(monkeypatch):
    monkeypatch.delenv("GRAPHAPP_PATHS", raising=False)

    def make(tab: str | None = None, paths=None, **query):
        if paths:
            monkeypatch.setenv("GRAPHAPP_PATHS", ":".join(str(p) for p in paths))
        at = AppTest.from_file(APP, default_timeout=120)
        if tab:
            at.query_params["tab"] = tab
        for key, value in query.items():
            at.query_params[key] = value
        at.run()
        assert not at.exception, at.exception
        return at

    return make


def caption(at) -> str:
    return at.main.caption[0].value


def sent_graph(component) -> dict:
    """The graph a network component sent to the browser (as JSON text, inside the component's arguments)."""
    return json.loads(json.loads(component.proto.json_args)["graph"])


def test_opens_on_the_seed_and_shows_what_is_loaded(app):
    at = app()
    assert at.sidebar.caption[0].value == "1 files · 11 stories · 9 outlets · 10 links"
    assert caption(at) == "seeds: 11 stories shown, 1 events"  # events are the default level
    (network,) = at.get("component_instance")  # the sigma.js network view, with the whole graph sent once
    graph = sent_graph(network)
    assert len(graph["nodes"]["key"]) == 20 and len(graph["edges"]["source"]) >= 21  # links, and the events' similar links


def test_filters_choose_events_and_show_them_whole(app):
    at = app()
    at.sidebar.multiselect(key="outlet").select("mashable.com").run()
    assert caption(at) == "seeds: 2 stories shown, 1 events (shown whole: 8 of their stories are outside the filters)"
    at.sidebar.multiselect(key="outlet").unselect("mashable.com").run()
    at.sidebar.number_input(key="min_quality").set_value(80).run()
    assert caption(at).startswith("seeds: 4 stories shown, 1 events")
    at.sidebar.number_input(key="min_quality").set_value(0).run()
    at.sidebar.text_input(key="q").input("nonexistentword").run()
    assert caption(at) == "seeds: 0 stories shown, 0 events"


def test_a_title_search_shows_whole_events_with_the_others_marked(app):
    at = app(tab="Clusters", q="microsoft")
    assert caption(at) == "seeds: 6 stories shown, 1 events (shown whole: 4 of their stories are outside the filters)"
    events = at.main.dataframe[0].value
    assert list(events["stories"]) == [10] and list(events["matching"]) == [6]
    stories = at.main.dataframe[1].value
    assert len(stories) == 10 and stories["in_filter"].sum() == 6
    assert all(("microsoft" in t.lower()) == shown for t, shown in zip(stories["title"], stories["in_filter"]))


def test_reclustering_the_filtered_stories_is_a_setting(app):
    at = app(q="microsoft", recluster="true")
    assert caption(at).startswith("seeds: 6 stories shown,") and "found among the filtered stories only" in caption(at)
    assert "outside the filters" not in caption(at)


def test_filters_come_from_the_url(app):
    at = app(outlet="cnet.com")
    assert caption(at).startswith("seeds: 1 stories shown, 1 events")


def test_topics_on_data_without_related_links_say_why(app, tmp_path):
    for n in range(3):
        write(tmp_path / f"{n}.md", f'---\ntitle: "Volcano erupts in Iceland, lava reaches town {n}"\n'
              f'webUrl: "https://o{n}.example/a"\npublishedDateTime: 2021-03-01T1{n}:00:00Z\n---\n')
    at = app(paths=[tmp_path], level="topics", tab="Clusters")
    assert any("list no related stories" in i.value and "events level" in i.value for i in at.main.info)
    at.sidebar.radio(key="level").set_value("events").run()
    assert caption(at) == f"{tmp_path.name}: 3 stories shown, 1 events"


def test_choosing_a_cluster_shows_its_stories_in_time_order(app):
    at = app(tab="Clusters")
    table = at.main.dataframe[0].value  # the events table, then the chosen event's stories
    assert list(table["stories"]) == [10] and list(table["first_outlet"]) == ["mashable.com"]
    stories = at.main.dataframe[1].value
    assert len(stories) == 10
    assert list(stories["published"]) == sorted(stories["published"])
    assert stories["outlet"].iloc[0] == "mashable.com" and stories["lag_hours"].iloc[0] == 0
    assert list(stories["mark"]).count("first story") == 1
    assert all(url.startswith(("https://", "http://")) for url in stories["url"])
    missing = [t.value for t in at.main.text if t.value.startswith("Missing")]
    assert missing and "watched outlets" in missing[0]
    assert at.query_params["cluster"] == "1"  # the URL keeps the id


def test_rankings_link_only_web_urls(app):
    at = app(tab="Rankings")
    events, stories, outlets = (d.value for d in at.main.dataframe)
    assert list(events["independent"]) == [8]  # the seed's one event: 10 stories from 8 outlets, none a wire or own site
    assert list(stories.columns[:5]) == ["title", "outlet", "combined", "event_outlets", "quality"]
    assert list(outlets.columns[:2]) == ["outlet", "kind"]
    assert len(stories) == 11 and stories["combined"].is_monotonic_decreasing
    assert all(url.startswith(("https://", "http://")) for url in stories["url"])


def test_export_buttons_produce_bytes_that_parse_back(app, monkeypatch):
    produced = {}
    original = MediaFileManager.add_deferred

    def spy(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        produced[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    app(tab="Export", level="topics")  # the figures below are those of the related links alone
    assert {"graphapp.graphml", "graphapp-filtered.gexf", "graphapp.json", "graphapp.zip", "graphapp.html",
            "graphapp.png"} <= produced.keys()
    graphml = nx.read_graphml(io.BytesIO(produced["graphapp.graphml"]()))
    assert graphml.number_of_nodes() == 20
    node_link = json.loads(produced["graphapp-filtered.json"]())
    assert len(node_link["nodes"]) == 20
    with zipfile.ZipFile(io.BytesIO(produced["graphapp.zip"]())) as archive:
        assert archive.read("edges.csv").decode().count("\n") == 1 + 21
    assert produced["graphapp.png"]().startswith(b"\x89PNG")


def test_article_text_is_inert_everywhere(app, tmp_path):
    evil = '<img src=x onerror="window.__pwned=1"> href [link](javascript:alert(1)) **bold**'
    write(tmp_path / "evil.md", f"---\ntitle: {json.dumps(evil)}\nwebUrl: \"https://evil.example/a\"\nquality: 50\n"
          "related:\n  - title: \"second\"\n    webUrl: \"https://other.example/b\"\n---\n")
    at = app(paths=[tmp_path], tab="Clusters", level="topics")
    texts = [t.value for t in at.main.text]
    assert any(evil in t for t in texts)  # shown as plain text, not Markdown
    assert all(evil not in m.value for m in at.main.markdown)
    at = app(paths=[tmp_path], tab="Network", level="topics")
    (network,) = at.get("component_instance")  # the title travels as data and is drawn as text
    labels = sent_graph(network)["nodes"]["label"]
    assert evil in labels


def test_upload_of_a_zip_is_read_in_memory(app, seed_dir):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.write(next(seed_dir.iterdir()), "a/seed.txt")
        archive.writestr("../escape.md", "---\ntitle: x\nwebUrl: https://x.example/\n---\n")
    from graphapp.pipeline import open_uploads as dataset_from_uploads

    dataset = dataset_from_uploads([("bundle.zip", buffer.getvalue())])
    assert dataset.counts["stories"] == 11
    assert [i.path for i in dataset.report.skipped] == ["bundle.zip!../escape.md"]


def test_event_level_and_why_linked(app):
    at = app(tab="Clusters", level="events")
    assert caption(at).startswith("seeds: 11 stories shown,")
    evidence = at.main.dataframe[3].value  # events, stories, watch list, evidence
    assert len(evidence) >= 1 and set(evidence.columns) >= {"story", "other", "similarity", "related"}
    assert not at.main.json  # comparing two stories is opt-in: it costs a TF-IDF pass
    at.toggle(key="why").set_value(True).run()
    why = json.loads(at.main.json[0].value)
    assert {"related", "similarity", "hours_apart", "within_window", "duplicate"} <= why.keys()


def test_notes_shown_through_markdown_are_inert():
    from graphapp.render import inert

    escaped = inert("outlet **pwned** :red[alert] [x](javascript:alert(1))")
    assert "**" not in escaped.replace("\\*", "") and "](" not in escaped.replace("\\]\\(", "")
    assert escaped.replace("\\", "") == "outlet **pwned** :red[alert] [x](javascript:alert(1))"


def test_choosing_another_cluster_shows_its_stories(app, tmp_path):
    for group, words in (("a", "volcano erupts iceland lava"), ("b", "merger bank deal billion")):
        for n in range(3):
            links = "".join(f'  - title: "{words} {m}"\n    webUrl: "https://{group}{m}.example/s"\n' for m in range(3) if m != n)
            write(tmp_path / f"{group}{n}.md", f'---\ntitle: "{words} {n}"\nwebUrl: "https://{group}{n}.example/s"\n'
                  f"publishedDateTime: 2021-03-0{n + 1}T10:00:00Z\nrelated:\n{links}---\n")
    at = app(paths=[tmp_path], tab="Clusters", level="topics")
    first = set(at.main.dataframe[1].value["outlet"])
    at.selectbox(key="cluster_choice").select(2).run()
    assert at.query_params["cluster"] == "2"
    second = set(at.main.dataframe[1].value["outlet"])
    assert len(first) == len(second) == 3 and not first & second
    assert sorted([sorted(first), sorted(second)]) == [["a0.example", "a1.example", "a2.example"],
                                                       ["b0.example", "b1.example", "b2.example"]]


def test_a_cluster_id_in_the_url_opens_that_cluster_or_says_it_does_not_exist(app, tmp_path):
    _two_events(tmp_path)
    at = app(paths=[tmp_path], tab="Clusters", cluster="2")
    assert at.selectbox(key="cluster_choice").value == 2 and not at.main.error
    second = set(at.main.dataframe[1].value["outlet"])
    at = app(paths=[tmp_path], tab="Clusters", cluster="99")
    assert "There is no event '99'" in at.main.error[0].value
    assert at.selectbox(key="cluster_choice").value is None  # no silent fallback to another event
    assert len(at.main.dataframe) == 1  # the events table only: no event page
    at.selectbox(key="cluster_choice").select(2).run()
    assert at.query_params["cluster"] == "2" and set(at.main.dataframe[1].value["outlet"]) == second


def test_switching_level_resets_the_selection(app, tmp_path):
    _two_linked_groups(tmp_path)
    at = app(paths=[tmp_path], tab="Clusters", cluster="2")
    assert at.selectbox(key="cluster_choice").value == 2
    at.sidebar.radio(key="level").set_value("topics").run()
    assert not at.exception and not at.main.error
    assert at.selectbox(key="cluster_choice").value == 1  # the largest topic: event 2's number is not reused
    assert at.query_params["cluster"] == "1"


def _two_linked_groups(folder):
    for group, words in (("a", "volcano erupts iceland lava"), ("b", "merger bank deal billion")):
        for n in range(3):
            links = "".join(f'  - title: "{words} {m}"\n    webUrl: "https://{group}{m}.example/s"\n' for m in range(3) if m != n)
            write(folder / f"{group}{n}.md", f'---\ntitle: "{words} {n}"\nwebUrl: "https://{group}{n}.example/s"\n'
                  f"publishedDateTime: 2021-03-0{n + 1}T10:00:00Z\nrelated:\n{links}---\n")


def _two_events(folder):
    for group, words in (("a", "volcano erupts iceland lava town"), ("b", "merger bank deal billion shareholders")):
        for n in range(3 if group == "a" else 4):
            write(folder / f"{group}{n}.md", f'---\ntitle: "{words} {n}"\nwebUrl: "https://{group}{n}.example/s"\n'
                  f"publishedDateTime: 2021-03-0{n + 1}T10:00:00Z\n---\n")


class _Upload:
    def __init__(self, name, data):
        self.name, self.size, self._data = name, len(data), data

    def getvalue(self):
        return self._data


@pytest.mark.corpus
def test_an_upload_after_the_seeds_shows_all_its_stories_and_resets_filters_and_watch_list(app, monkeypatch, powerapps_dir):
    from streamlit.elements.widgets.file_uploader import FileUploaderMixin

    uploaded = {"uploads": None}
    original = FileUploaderMixin.file_uploader

    def fake(self, label, *args, key=None, **kwargs):
        if key == "uploads":
            original(self, label, *args, key=key, **kwargs)
            return uploaded["uploads"]
        return original(self, label, *args, key=key, **kwargs)

    monkeypatch.setattr(FileUploaderMixin, "file_uploader", fake)
    at = app(tab="Clusters", watch="cnet.com")
    assert caption(at).startswith("seeds: 11 stories shown")
    assert at.multiselect(key="watch").value == ["cnet.com"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(powerapps_dir.rglob("*.md")):
            archive.write(path, path.relative_to(powerapps_dir).as_posix())
    uploaded["uploads"] = [_Upload("powerapps-news.zip", buffer.getvalue())]
    at.run()
    assert not at.exception
    assert caption(at).startswith("1 uploaded file(s): 670 stories shown")  # not 0: the seeds' dates are gone
    watch = at.multiselect(key="watch").value
    outlets = set(at.sidebar.multiselect(key="outlet").options)
    assert watch and set(watch) <= outlets and "microsoft.com" not in watch  # the new data's own default
    at.sidebar.radio(key="level").set_value("topics").run()
    assert any("list no related stories" in i.value for i in at.main.info)


def test_a_stale_watch_list_cannot_happen(app):
    at = app(tab="Clusters", watch="gone.example")
    assert "gone.example" not in at.multiselect(key="watch").value  # outlets not in the data are dropped
    assert at.query_params.get("watch") != "gone.example"
    assert set(at.multiselect(key="watch").value) <= set(at.multiselect(key="watch").options)


WORDS = ("regulators", "shares", "jobs", "branches", "customers", "rivals", "analysts", "unions", "savers", "bonds",
         "profits", "ratings", "markets", "investors", "directors", "lenders", "mortgages", "deposits", "pensions", "fees",
         "tellers", "auditors", "brokers", "clients", "insurers", "traders", "landlords", "farmers", "students", "retirees")


def _event_files(folder, size, *, copies=0, date_only=0, outlets=None):
    """One event of `size` stories within a day and a half (the first `copies` after the first are syndicated
    copies of it; the next `date_only` have a date without a time)."""
    outlets = outlets or [f"outlet{n}.example" for n in range(size)]
    for n in range(size):
        k = 0 if n <= copies else n  # a copy repeats the first story's text
        title = f"Alpha Bank buys Beta Bank: what it means for {WORDS[k % 30]}"
        excerpt = f"The merger worries {WORDS[(k + 7) % 30]} and {WORDS[(k + 13) % 30]}, {k}."
        hour = "00:00:00" if copies < n <= copies + date_only else f"{10 + n % 12:02d}:{n % 60:02d}:00"
        day = 1 + n // 20
        write(folder / f"s{n}.md", f'---\ntitle: "{title}"\nexcerpt: "{excerpt}"\nwebUrl: "https://{outlets[n]}/s{n}"\n'
              f"publishedDateTime: 2021-03-{day:02d}T{hour}Z\n---\n")


def _coverage_data(at) -> list[dict]:
    import pyarrow as pa

    (chart,) = at.get("vega_lite_chart")
    frames = [pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in chart.proto.datasets]
    return max(frames, key=len).to_dict(orient="records")  # the points: one per dated story


@pytest.mark.parametrize("size", [3, 30])
def test_the_coverage_chart_is_drawn_for_small_and_large_events(app, tmp_path, size):
    _event_files(tmp_path, size, copies=1 if size > 3 else 0, date_only=2 if size > 3 else 0)
    at = app(paths=[tmp_path], tab="Clusters")
    assert list(at.main.dataframe[0].value["stories"]) == [size]
    rows = _coverage_data(at)
    assert len(rows) == size
    marks = [row["mark"] for row in rows]
    assert marks.count("first story") == 1
    if size > 3:
        assert "syndicated copy" in marks and sum(row["date_only"] for row in rows) == 2
        captions = " ".join(c.value for c in at.main.caption)
        assert "is a syndicated copy" in captions and "without a time" in captions
    stories = at.main.dataframe[1].value
    assert list(stories["published"]) == sorted(stories["published"])


def test_outlet_kinds_are_applied(app, tmp_path):
    from graphapp import coverage

    kinds = coverage.outlet_kinds()
    assert kinds["prnewswire.com"] == "press-release" and coverage.kind_of("azure.microsoft.com", kinds) == "company-own"
    outlets = ["prnewswire.com", "businesswire.com", "news.microsoft.com", "zdnet.com", "cnet.com", "theverge.com"]
    _event_files(tmp_path, 6, outlets=outlets)
    at = app(paths=[tmp_path], tab="Clusters")
    events = at.main.dataframe[0].value
    assert list(events["outlets"]) == [6] and list(events["independent"]) == [3]
    assert set(at.multiselect(key="watch").value) == {"zdnet.com", "cnet.com", "theverge.com"}
    stories = at.main.dataframe[1].value
    assert dict(zip(stories["outlet"], stories["kind"]))["news.microsoft.com"] == "company-own"


def test_outlet_kinds_csv_ships_as_package_data():
    import tomllib
    from importlib import resources

    assert resources.files("graphapp").joinpath("data/outlet_kinds.csv").is_file()
    project = tomllib.loads((Path(APP).parents[1] / "pyproject.toml").read_text())
    assert "data/*" in project["tool"]["setuptools"]["package-data"]["graphapp"]


def test_time_axes_read_at_the_data_scale():
    import pandas as pd

    from graphapp import coverage

    seed_days = coverage.time_axis(pd.to_datetime(["2020-06-09", "2020-06-11"], utc=True)).to_dict()
    assert seed_days["tickCount"] == {"interval": "day", "step": 1} and seed_days["format"] == "%b %d"
    years = coverage.time_axis(pd.to_datetime(["2019-08-19", "2024-04-11"], utc=True)).to_dict()
    assert years["tickCount"] == {"interval": "year", "step": 1} and years["format"] == "%Y"


def test_timeline_shows_each_events_spread(app):
    at = app(tab="Timeline")
    assert len(at.get("vega_lite_chart")) == 2  # stories per day, then the events' spread


def test_a_search_that_hides_the_chosen_event_opens_the_first_it_shows(app, tmp_path):
    _two_events(tmp_path)
    at = app(paths=[tmp_path], tab="Clusters", cluster="2")
    assert at.selectbox(key="cluster_choice").value == 2
    first_words = at.main.dataframe[0].value.set_index("id")["label"][1].split()[0]
    at.sidebar.text_input(key="q").input(first_words).run()
    assert at.selectbox(key="cluster_choice").value == 1 and at.query_params["cluster"] == "1"
    assert not at.main.warning
