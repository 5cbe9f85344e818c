"""The sigma.js network view (graphapp.network): the payload, the standalone page (pure Python),
the page in Debian's Chromium, and the Streamlit component under `streamlit run`."""

from __future__ import annotations

import io
import json
import os
import re
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import network_frame

from graphapp.network import FRONTEND, check_payload, payload, prepared, standalone_html

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
EVIL_TITLE = '<img src=x onerror="window.__pwned=1;alert(1)"> </script><script>window.__pwned=2</script> href="javascript:alert(3)"'
SEP_TITLE = "line\u2028separator\u2029paragraph <!-- comment"


def small_payload(n: int = 60, *, evil: bool = True) -> dict:
    """A ring of `n` nodes with chords; node k7 has a hostile title and a javascript: URL, k9 a unique title."""
    import math

    nodes = []
    for i in range(n):
        angle = 2 * math.pi * i / n
        nodes.append({"key": f"k{i}", "label": f"Story number {i}", "x": 100 * math.cos(angle), "y": 100 * math.sin(angle),
                      "size": 6, "color": "#1f77b4" if i % 2 else "#ff7f0e", "kind": "outlet" if i % 10 == 3 else "story",
                      "url": f"https://news.example/{i}", "focal": i == 4, "forceLabel": i == 4,
                      "outlet": "news.example", "time": "2024-05-01 10:00"})
    nodes[9]["label"] = "Zebra crossings return to the capital"
    if evil:
        nodes[7]["label"] = EVIL_TITLE
        nodes[7]["url"] = "javascript:alert(1)"
        nodes[8]["label"] = SEP_TITLE
    edges = [(f"k{i}", f"k{(i + 1) % n}") for i in range(n)] + [(f"k{i}", f"k{(i * 7) % n}") for i in range(n)]
    return payload(nodes, edges, legend=[["odd <b>stories</b>", "#1f77b4"], ["even stories", "#ff7f0e"]],
                   note="A note with <i>markup</i> that stays text")


def embedded_json(page: str) -> dict:
    match = re.search(r'<script type="application/json" id="graphapp-data">(.*?)</script>', page, re.S)
    assert match
    return json.loads(match.group(1))


# --- pure Python -------------------------------------------------------------------------------------

def test_payload_follows_the_contract():
    data = small_payload(20, evil=False)
    nodes, edges = data["nodes"], data["edges"]
    assert set(nodes) == {"key", "label", "x", "y", "size", "color", "kind", "url", "forceLabel", "focal", "outlet", "time"}
    assert all(len(column) == 20 for column in nodes.values())
    assert nodes["kind"][3] == "outlet" and nodes["focal"][4] is True
    assert edges["source"][:2] == [0, 1] and edges["target"][:2] == [1, 2]
    assert edges["size"] is None and edges["color"] == "#cccccc"
    assert data["legend"][0] == ["odd <b>stories</b>", "#1f77b4"]
    assert isinstance(data["version"], str) and data["version"] == small_payload(20, evil=False)["version"]
    assert small_payload(21, evil=False)["version"] != data["version"]
    check_payload(data)


def test_payload_drops_non_web_urls_and_dangling_edges():
    data = payload([{"key": "a", "url": "javascript:alert(1)"}, {"key": "b", "url": "http://x.example/"}],
                   [("a", "b", 3), ("a", "zzz"), ("b", "b")])
    assert data["nodes"]["url"] == [None, "http://x.example/"]
    assert data["edges"]["source"] == [0] and data["edges"]["size"] == [3.0]


@pytest.mark.parametrize("broken", [
    lambda d: d["nodes"]["label"].pop(),
    lambda d: d["edges"]["target"].append(10_000) or d["edges"]["source"].append(0),
    lambda d: d["nodes"]["kind"].__setitem__(0, "planet"),
    lambda d: d["nodes"]["x"].__setitem__(0, float("nan")),
    lambda d: d.pop("version"),
])
def test_check_payload_refuses_broken_payloads(broken):
    data = small_payload(12, evil=False)
    broken(data)
    with pytest.raises(ValueError):
        check_payload(data)


def test_prepared_payload_is_the_checked_json_of_its_version():
    data = small_payload(12, evil=True)
    ready = prepared(data)
    assert ready.version == data["version"] and json.loads(ready.text) == data
    broken = small_payload(12, evil=False)
    broken["nodes"]["label"].pop()
    broken["version"] = "another"  # not one checked before
    with pytest.raises(ValueError):
        prepared(broken)


def test_standalone_html_embeds_the_data_escaped():
    data = small_payload()
    title = "Title </script><script>alert('t')</script> & \u2028"
    page = standalone_html(data, title=title)
    assert page.lower().count("</script") == 2  # the JSON element and the bundle, nothing a title could add
    assert page.count("<script") == 2
    script = re.search(r'id="graphapp-data">(.*?)</script>', page, re.S).group(1)
    assert "\u2028" not in script and "\u2029" not in script and "<" not in script and ">" not in script
    assert "<img" not in page and "<!-- comment" not in page
    assert "<title>Title &lt;/script&gt;" in page
    document = embedded_json(page)
    assert document == {"title": title, "graph": data}  # the exact strings come back as data
    assert (FRONTEND / "bundle.js").read_text(encoding="utf-8") in page  # inlined: no file or CDN reference
    assert not re.search(r"""(src|href)=["']?https?:""", page)


def test_standalone_csp_allows_exactly_the_bundle():
    import base64
    import hashlib

    page = standalone_html(small_payload(10, evil=False), title="t")
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    bundle = (FRONTEND / "bundle.js").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(bundle.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}';" in csp.replace("&#x27;", "'")
    assert "default-src 'none'" in csp.replace("&#x27;", "'")


def test_payload_of_a_network_view(seed_graph):
    from graphapp.render import view_payload
    from graphapp.views import network_view

    story = "https://mashable.com/article/ibm-facial-recognition-law-enforcement-congress"
    view = network_view(seed_graph, focus=("story", story, 1))
    data = view_payload(view)
    nodes = data["nodes"]
    assert nodes["key"] == list(view.graph.nodes)
    i = nodes["key"].index(story)
    assert nodes["focal"][i] and nodes["forceLabel"][i] and sum(nodes["focal"]) == 1
    assert nodes["label"][i] == view.graph.nodes[story]["title"]
    assert nodes["y"][i] == round(-view.positions[story][1], 2)
    assert set(nodes["kind"]) == {"story", "outlet"}
    assert all(u is None for u, k in zip(nodes["url"], nodes["kind"]) if k == "outlet")
    undirected = {frozenset(e) for e in view.graph.edges() if e[0] != e[1]}
    assert len(data["edges"]["source"]) == len(undirected)
    assert [label for label, _ in data["legend"]][:len(view.style.legend)] == [label for label, _ in view.style.legend]
    assert data["note"] == view.note
    check_payload(data)


def test_library_import_needs_no_streamlit():
    code = "import sys, graphapp.network as n; n.standalone_html(n.payload([{'key': 'a'}], []), title='t'); print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    assert out.stdout.strip() == "False"


def test_vendored_frontend_is_complete():
    licences = (FRONTEND / "THIRD_PARTY_LICENSES.txt").read_text(encoding="utf-8")
    lock = json.loads((FRONTEND.parent / "frontend_src" / "package-lock.json").read_text())
    for name in ("sigma", "graphology", "graphology-utils", "events", "@sigma/node-border", "@sigma/node-square"):
        version = lock["packages"][f"node_modules/{name}"]["version"]
        assert f"{name} {version} (MIT)" in licences
    assert lock["packages"]["node_modules/sigma"]["version"].startswith("3.")
    index = (FRONTEND / "index.html").read_text()
    assert 'src="./bundle.js"' in index and "http" not in index.split("<body>")[1]


# --- the standalone page in Chromium --------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is absent: .ci/run installs Debian's chromium package for this test")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


class Watched:
    """A page with its JS errors, dialogs and requests recorded."""

    def __init__(self, browser, url: str):
        self.page = browser.new_page(viewport={"width": 1200, "height": 800})
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(url)
        self.page.wait_for_function("window.graphappDrawnAt !== undefined", timeout=20_000)

    def click_node(self, key: str) -> None:
        self.page.wait_for_timeout(350)  # two clicks within sigma's doubleClickTimeout (300 ms) are a double click
        at = self.page.evaluate("key => graphapp.screenPosition(key)", key)
        self.page.mouse.click(at["x"], at["y"])
        self.page.wait_for_function("key => graphapp.selectedKey() === key", arg=key, timeout=10_000)

    def wait_centred(self, index: str) -> None:
        """Until the camera has stopped on node `index` (sigma's graph keys are the node indices)."""
        self.page.wait_for_function("""i => { const c = graphapp.renderer.getCamera(), s = c.getState(),
            d = graphapp.renderer.getNodeDisplayData(i);
            return !c.isAnimated() && Math.abs(s.x - d.x) < 1e-6 && Math.abs(s.y - d.y) < 1e-6; }""", arg=index, timeout=10_000)

    def panel(self) -> str:
        return self.page.evaluate("document.querySelector('.gn-panel').hidden ? '' : document.querySelector('.gn-panel').innerText")


@pytest.fixture
def standalone(browser, tmp_path):
    path = tmp_path / "network.html"
    path.write_text(standalone_html(small_payload(), title="Stories <b>about</b> things"), encoding="utf-8")
    watched = Watched(browser, path.as_uri())
    yield watched
    watched.page.close()


@pytest.mark.browser
def test_standalone_draws_offline_without_errors(standalone):
    page = standalone.page
    assert standalone.errors == []
    assert all(url.startswith(("file:", "data:")) for url in standalone.requests), standalone.requests
    assert page.evaluate("graphapp.graph.order") == 60
    assert page.evaluate("graphapp.graph.size") == len(small_payload()["edges"]["source"]) == 114  # 6 self-loops dropped
    assert page.locator(".gn-title").inner_text() == "Stories <b>about</b> things"
    assert page.locator(".gn-note").inner_text() == "A note with <i>markup</i> that stays text"
    assert page.locator(".gn-legend div").all_inner_texts() == ["odd <b>stories</b>", "even stories"]
    assert page.locator(".gn-legend summary").inner_text() == "legend (2)"
    assert page.evaluate("document.querySelector('.gn-legend').open")  # short legends start open
    assert page.evaluate("document.querySelectorAll('b, i, img').length") == 0
    # WebGL drew something: the stage is not blank (the WebGL buffer cannot be read back, so a screenshot)
    from PIL import Image

    shot = Image.open(io.BytesIO(page.locator(".gn-sigma").screenshot())).convert("L")
    assert sum(shot.histogram()[:200]) > 1000


@pytest.mark.browser
def test_click_on_a_node_shows_its_panel(standalone):
    standalone.click_node("k9")
    text = standalone.panel()
    assert "Zebra crossings return to the capital" in text and "news.example · 2024-05-01 10:00" in text
    link = standalone.page.locator(".gn-panel a")
    assert link.get_attribute("href") == "https://news.example/9"
    assert link.get_attribute("rel") == "noopener noreferrer" and link.get_attribute("target") == "_blank"
    standalone.page.wait_for_timeout(350)
    standalone.page.mouse.click(20, 600)  # the background deselects
    standalone.page.wait_for_function("graphapp.selectedKey() === null", timeout=10_000)
    assert standalone.panel() == ""


@pytest.mark.browser
def test_search_centres_the_camera_on_the_node(standalone):
    page = standalone.page
    page.fill(".gn-search", "zebra CROSS")
    page.press(".gn-search", "Enter")
    standalone.wait_centred("9")
    assert "Zebra crossings" in standalone.panel()
    assert page.locator(".gn-count").inner_text().startswith("1 found")
    at = page.evaluate("graphapp.screenPosition('k9')")
    box = page.locator(".gn-sigma").bounding_box()
    assert abs(at["x"] - (box["x"] + box["width"] / 2)) < 3 and abs(at["y"] - (box["y"] + box["height"] / 2)) < 3
    assert page.evaluate("graphapp.viewport().ratio") <= 0.35


@pytest.mark.browser
def test_hostile_title_stays_text(standalone):
    page = standalone.page
    page.fill(".gn-search", "onerror")
    page.press(".gn-search", "Enter")
    page.wait_for_function("graphapp.selectedKey() === 'k7'", timeout=10_000)
    assert "<img src=x onerror=" in standalone.panel()
    assert page.locator(".gn-panel a").count() == 0  # javascript: URL → no link
    standalone.click_node("k8")
    assert "separator" in standalone.panel() and "<!-- comment" in standalone.panel()
    page.hover(".gn-search")
    page.wait_for_timeout(200)
    assert page.evaluate("document.querySelectorAll('img, script:not([data-graphapp]):not(#graphapp-data)').length") == 0
    assert page.evaluate("window.__pwned === undefined")
    # defence in depth: the page's CSP runs no script but the bundle, even one that got into the DOM
    assert page.evaluate("""(() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';
        document.body.appendChild(s); return window.__ran === undefined; })()""")
    assert standalone.dialogs == []
    assert [e for e in standalone.errors if "Content Security Policy" not in e] == []


@pytest.mark.browser
def test_hover_dims_all_but_the_neighbours(standalone):
    page = standalone.page
    at = page.evaluate("graphapp.screenPosition('k20')")
    page.mouse.move(at["x"], at["y"])
    page.wait_for_function("graphapp.renderer.getNodeDisplayData('30').color === '#e4e4e4'", timeout=10_000)
    shown = page.evaluate("""(() => { const r = graphapp.renderer, out = {};
        for (const k of ['20', '21', '19', '30']) out[k] = r.getNodeDisplayData(k).color;
        out.edgesShown = graphapp.graph.edges().filter(e => !r.getEdgeDisplayData(e).hidden).length;
        return out; })()""")
    assert shown["20"] != "#e4e4e4" and shown["21"] != "#e4e4e4" and shown["19"] != "#e4e4e4"
    assert shown["30"] == "#e4e4e4"
    assert shown["edgesShown"] == page.evaluate("graphapp.graph.degree('20')")


@pytest.mark.browser
def test_empty_graph_draws(browser, tmp_path):
    path = tmp_path / "empty.html"
    path.write_text(standalone_html(payload([], [], note="nothing to draw"), title="empty"), encoding="utf-8")
    watched = Watched(browser, path.as_uri())
    watched.page.fill(".gn-search", "x")
    watched.page.press(".gn-search", "Enter")
    assert watched.page.locator(".gn-count").inner_text() == "none found"
    assert watched.errors == []
    watched.page.close()


@pytest.mark.browser
def test_sized_and_coloured_edges_draw(browser, tmp_path):
    nodes = [{"key": str(i), "x": i % 7, "y": i // 7, "kind": "cluster"} for i in range(30)]
    edges = [(str(i), str((i + 3) % 30), 1 + i % 5) for i in range(30)]
    data = payload(nodes, edges, edge_color=["#ff0000" if i % 2 else "#00aa00" for i in range(30)])
    path = tmp_path / "sized.html"
    path.write_text(standalone_html(data, title="sized"), encoding="utf-8")
    watched = Watched(browser, path.as_uri())
    assert watched.errors == [] and watched.page.evaluate("graphapp.graph.size") == 30
    assert watched.page.evaluate("graphapp.renderer.getEdgeDisplayData('1').color") == "#ff0000"
    assert watched.page.locator(".gn-legend").is_hidden()
    watched.page.close()


# --- the Streamlit component ----------------------------------------------------------------------------

APP = textwrap.dedent("""
    import streamlit as st
    from graphapp.network import network_component, payload

    nodes = [{"key": f"k{i}", "label": f"Story {i}", "x": (i % 10) * 10.0, "y": (i // 10) * 10.0, "size": 8,
              "color": "#1f77b4", "url": f"https://news.example/{i}"} for i in range(100)]
    edges = [(f"k{i}", f"k{i + 1}") for i in range(99)] + [(f"k{i}", f"k{(i * 37) % 100}") for i in range(100)] * 20
    data = payload(nodes, edges, legend=[["stories", "#1f77b4"]], note="a hundred stories")
    find = st.text_input("find")
    value = network_component(data, height=520, key="net", selected=st.session_state.get("selected"), search=find or None)
    st.session_state["selected"] = value["clicked"] if value else None
    st.text(f"clicked: {value['clicked'] if value else None}")
    st.button("rerun")
""")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def poll(frame, expression: str, timeout: float = 20) -> None:
    """Wait until `expression` is true in `frame` (the component's CSP forbids the eval that wait_for_function needs)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if frame.evaluate(expression):
                return
        except Exception:  # the frame may be reloading
            pass
        time.sleep(0.1)
    raise AssertionError(f"never true: {expression}")



@pytest.mark.browser
def test_streamlit_component_returns_the_click_and_sends_the_graph_once(browser, tmp_path):
    script = tmp_path / "app.py"
    script.write_text(APP, encoding="utf-8")
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
                                "--server.headless", "true", "--server.address", "127.0.0.1"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(url + "_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("streamlit did not start")
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        received: list[int] = []
        outside: list[str] = []
        errors: list[str] = []
        page.on("websocket", lambda ws: ws.on("framereceived", lambda data: received.append(len(data))))
        page.on("request", lambda r: not r.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:"))
                and outside.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url)
        frame = network_frame(page)
        page.get_by_text("clicked: None").wait_for(timeout=20_000)
        page.wait_for_timeout(500)
        first = sum(received)
        assert first > 15_000  # the graph (4,099 edges) came once

        iframe = page.locator("iframe").first.bounding_box()
        at = frame.evaluate("graphapp.screenPosition('k42')")
        received.clear()
        page.mouse.click(iframe["x"] + at["x"], iframe["y"] + at["y"])
        page.get_by_text("clicked: k42").wait_for(timeout=20_000)
        page.get_by_role("button", name="rerun").click()
        page.wait_for_timeout(1500)
        assert sum(received) < 5_000, received  # two reruns, the second with a new `selected`: no graph re-sent
        assert frame.evaluate("window.graphappDrawnAt === window.graphappLastDrawnAt")  # never redrawn
        assert frame.evaluate("graphapp.selectedKey()") == "k42"
        assert "Story 42" in frame.evaluate("document.querySelector('.gn-panel').innerText")

        # A search from Python finds the node and centres on it, without re-sending or redrawing the graph.
        received.clear()
        page.get_by_label("find").fill("Story 77")
        page.get_by_label("find").press("Enter")
        poll(frame, "graphapp.selectedKey() === 'k77' && !graphapp.renderer.getCamera().isAnimated()")
        assert abs(frame.evaluate("graphapp.viewport().x") - frame.evaluate("graphapp.renderer.getNodeDisplayData('77').x")) < 1e-3
        assert sum(received) < 5_000, received
        assert frame.evaluate("window.graphappDrawnAt === window.graphappLastDrawnAt")

        # The iframe is re-created while Python believes it has the graph: it asks, and gets it again.
        frame.evaluate("window.__before = 1; location.reload()")
        poll(frame, "window.__before === undefined && window.graphappDrawnAt !== undefined", timeout=30)
        assert frame.evaluate("graphapp.graph.order") == 100
        assert errors == [] and outside == []
        page.close()
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.mark.corpus
def test_outlet_drill_down_draws_the_links_of_its_own_stories(azure_result):
    from graphapp.build import PUBLISHED_BY, outlet_node
    from graphapp.views import focus_graph

    graph = azure_result.graph
    own = {n for n, d in graph.nodes(data=True) if d.get("kind") == "story" and d["outlet"] == "microsoft.com"}
    part, note = focus_graph(graph, ("outlet", "microsoft.com"), azure_result.clusters)
    assert own < set(part) and outlet_node("microsoft.com") in part
    own_links = {(u, v) for u, v in graph.edges() if (u in own or v in own) and u in part and v in part}
    assert own_links <= set(part.edges())  # every link of its stories is there
    others = [(u, v) for u, v, k in part.edges(data="kind") if u not in own and v not in own and k != PUBLISHED_BY]
    assert others == [] and part.number_of_edges() < graph.subgraph(part).number_of_edges()
    assert "only the links of its own stories" in note


@pytest.mark.corpus
def test_overview_above_the_threshold_places_clusters_around_their_outlets(azure_result, monkeypatch):
    import math

    from graphapp import views

    monkeypatch.setattr(views, "OVERVIEW_NODES", 5_000)  # azure-news has 5,370 nodes: drawn as an overview
    graph, clusters = azure_result.graph, azure_result.clusters
    view = views.network_view(graph, clusters=clusters)
    assert view.overview and "Overview" in view.note
    assert {n for n, k in view.graph.nodes(data="kind") if k == "cluster"} == {f"cluster:{c['id']}" for c in clusters}
    points = list(view.positions.values())
    assert len(points) == view.graph.number_of_nodes() == len(set(points))  # every node placed, none on another
    assert views.network_view(graph, clusters=clusters).positions == view.positions  # seeded: the same picture
    outlets = [n for n, k in view.graph.nodes(data="kind") if k == "outlet"]
    ratios = []
    for node, kind in view.graph.nodes(data="kind"):
        links = {o: d["weight"] for o, d in view.graph[node].items() if o in outlets}
        if kind == "cluster" and links:
            home = min(links, key=lambda o: (-links[o], o))
            others = sorted(math.dist(view.positions[o], view.positions[node]) for o in outlets if o != home)
            ratios.append(math.dist(view.positions[home], view.positions[node]) / others[len(others) // 2])
    ratios.sort()
    assert len(ratios) > 300 and ratios[len(ratios) // 2] < 0.5  # nearer its outlet than to most others (random: ~1)
