"""The app in a real browser: Debian's Chromium driven by Playwright against `streamlit run` on localhost."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import SEEDS, network_frame, write

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
APP = Path(__file__).resolve().parents[1] / "graphapp" / "app.py"
EVIL_URL = "https://evil.example/story"
EVIL_TITLE = '<img src=x onerror="window.__pwned=1;document.title=\'pwned\'"> see href=javascript:alert(1)'

pytestmark = pytest.mark.browser


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is absent: .ci/run installs Debian's chromium package for this test")
    pytest.importorskip("playwright.sync_api")
    data = tmp_path_factory.mktemp("browser-data")
    shutil.copy(next(SEEDS.iterdir()), data / "seed.txt")
    write(data / "evil.md", f"---\ntitle: {json.dumps(EVIL_TITLE)}\nwebUrl: \"{EVIL_URL}\"\nquality: 99\n"
          "related:\n  - title: \"linked\"\n    webUrl: \"https://mashable.com/article/microsoft-facial-recognition-police/\"\n---\n")
    port = free_port()
    env = {**os.environ, "GRAPHAPP_PATHS": str(data), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(APP), "--server.port", str(port),
                                "--server.headless", "true", "--server.address", "127.0.0.1"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "_stcore/health", timeout=1)
            break
        except OSError:
            time.sleep(0.3)
    else:
        process.kill()
        pytest.fail("streamlit did not start: " + (process.stdout.read() if process.stdout else ""))
    yield url
    process.terminate()
    process.wait(timeout=20)



def click_node(page, frame, key: str) -> None:
    """A real mouse click on a node's screen position (the iframe's offset added)."""
    at = frame.evaluate("key => graphapp.screenPosition(key)", key)
    box = frame.frame_element().bounding_box()
    page.mouse.click(box["x"] + at["x"], box["y"] + at["y"])


def test_network_draws_offline_click_shows_the_story_and_article_html_never_runs(server, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors, outside = [], []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("request", lambda r: r.url.startswith(("http://", "https://", "ws://", "wss://"))
                and not r.url.startswith(("http://127.0.0.1", "ws://127.0.0.1")) and outside.append(r.url))
        page.goto(server)
        frame = network_frame(page)
        assert frame.evaluate("graphapp.graph.order") == 22  # the seed's 11 stories and 9 outlets, the evil story and its outlet
        click_node(page, frame, EVIL_URL)
        panel = page.get_by_text("listed as related by", exact=False)
        panel.wait_for(timeout=30_000)
        page.wait_for_timeout(500)
        assert EVIL_TITLE in page.locator("[data-testid='stText']").all_inner_texts()[0] or any(
            EVIL_TITLE in t for t in page.locator("[data-testid='stText']").all_inner_texts())  # the title, as text
        assert frame.evaluate("document.querySelectorAll('img').length") == 0
        shots = Path(os.environ.get("GRAPHAPP_ARTIFACTS", tmp_path))
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "app.png"), full_page=True)
        for each in page.frames:
            assert each.evaluate("window.__pwned === undefined")
        assert page.title() != "pwned"
        browser.close()
    assert errors == []
    assert outside == []
    assert (shots / "app.png").stat().st_size > 10_000


def test_eight_concurrent_sessions_all_draw(server):
    """Several people at once: every session gets its network drawn from the one shared corpus."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pages = [browser.new_page(viewport={"width": 1000, "height": 800}) for _ in range(8)]
        for number, page in enumerate(pages):
            page.goto(server + (f"?min_quality={number * 10}" if number % 2 else ""), wait_until="commit")
        for page in pages:
            frame = network_frame(page, timeout=120)
            assert frame.evaluate("graphapp.graph.order") > 0
        browser.close()


def test_a_drill_down_redraws_in_the_same_component(server):
    """Choosing "Drill down into: outlet" adds the Outlet box above the drawing; the component must stay the
    same iframe (a new one would load the page and the graph again) and draw the outlet's part."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(server)
        frame = network_frame(page)
        whole = frame.evaluate("window.graphappVersion")
        frame.evaluate("window.graphappMarker = 'first iframe'")
        page.locator('[data-testid="stSelectbox"]').filter(has_text="Drill down into").get_by_role("combobox").click()
        page.get_by_role("option", name="outlet", exact=True).click()
        deadline = time.time() + 60
        while frame.evaluate("window.graphappVersion") == whole and time.time() < deadline:
            page.wait_for_timeout(100)
        assert frame.evaluate("window.graphappVersion") != whole  # a new graph, drawn where the old one was
        assert frame.evaluate("window.graphappMarker") == "first iframe"
        browser.close()
