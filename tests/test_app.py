"""The Streamlit app driven by widget keys (streamlit.testing AppTest), on the seed and on crafted data."""

import io
import json
import zipfile
from pathlib import Path

import networkx as nx
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from conftest import write

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


def test_opens_on_the_seed_and_shows_what_is_loaded(app):
    at = app()
    assert at.sidebar.caption[0].value == "1 files · 11 stories · 9 outlets · 10 links"
    assert caption(at) == "seeds: 11 stories shown, 1 coverage clusters"
    (network,) = at.get("component_instance")  # the sigma.js network view, with the whole graph sent once
    graph = json.loads(network.proto.json_args)["graph"]
    assert len(graph["nodes"]["key"]) == 20 and len(graph["edges"]["source"]) == 21


def test_filters_change_the_counts(app):
    at = app()
    at.sidebar.multiselect(key="outlet").select("mashable.com").run()
    assert caption(at) == "seeds: 2 stories shown, 0 coverage clusters"
    at.sidebar.multiselect(key="outlet").unselect("mashable.com").run()
    at.sidebar.number_input(key="min_quality").set_value(80).run()
    assert caption(at) == "seeds: 4 stories shown, 0 coverage clusters"
    at.sidebar.number_input(key="min_quality").set_value(0).run()
    at.sidebar.text_input(key="q").input("microsoft").run()
    assert caption(at) == "seeds: 6 stories shown, 0 coverage clusters"


def test_filters_come_from_the_url(app):
    at = app(outlet="cnet.com")
    assert caption(at) == "seeds: 1 stories shown, 0 coverage clusters"


def test_choosing_a_cluster_shows_its_stories_in_time_order(app):
    at = app(tab="Clusters")
    table = at.main.dataframe[0].value  # the clusters table, then the chosen cluster's stories
    assert list(table["size"]) == [11] and list(table["first_outlet"]) == ["mashable.com"]
    stories = at.main.dataframe[1].value
    assert len(stories) == 11
    assert list(stories["published"]) == sorted(stories["published"])
    assert stories["outlet"].iloc[0] == "mashable.com" and stories["lag_hours"].iloc[0] == 0
    gaps = [t.value for t in at.main.text if t.value.startswith(("0 of", "1 of", "2 of"))]
    assert gaps and "watched outlets did not cover this cluster" in gaps[0]


def test_rankings_link_only_web_urls(app):
    at = app(tab="Rankings")
    stories = at.main.dataframe[0].value
    assert len(stories) == 11 and stories["combined"].is_monotonic_decreasing
    assert all(url.startswith(("https://", "http://")) for url in stories["url"])


def test_export_buttons_produce_bytes_that_parse_back(app, monkeypatch):
    produced = {}
    original = MediaFileManager.add_deferred

    def spy(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        produced[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    app(tab="Export")
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
    at = app(paths=[tmp_path], tab="Clusters")
    texts = [t.value for t in at.main.text]
    assert any(evil in t for t in texts)  # shown as plain text, not Markdown
    assert all(evil not in m.value for m in at.main.markdown)
    (network,) = at.get("component_instance")  # the cluster's drawing: the title travels as data, drawn as text
    labels = json.loads(network.proto.json_args)["graph"]["nodes"]["label"]
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
    evidence = at.main.dataframe[2].value  # clusters, stories, evidence
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
    at = app(paths=[tmp_path], tab="Clusters")
    first = set(at.main.dataframe[1].value["outlet"])
    at.selectbox(key="cluster").select(2).run()
    second = set(at.main.dataframe[1].value["outlet"])
    assert len(first) == len(second) == 3 and not first & second
    assert sorted([sorted(first), sorted(second)]) == [["a0.example", "a1.example", "a2.example"],
                                                       ["b0.example", "b1.example", "b2.example"]]
