"""App benchmark on azure-news: drill-downs chosen on an open page and first network draws in headless
Chromium, server rerun time after a filter change, and peak server memory with concurrent sessions.

    python bench/app.py [--sessions 8] [--drill-only | --views-only]

Needs Debian's /usr/bin/chromium and Playwright's Python package (no `playwright install`).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from _util import PeakMemory, corpus

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "graphapp" / "app.py"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def start_server(data: Path, code: str | None = None) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "GRAPHAPP_PATHS": str(data), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    app = APP
    if code:  # another checkout of graphapp (for example the previous renderer), measured the same way
        env["PYTHONPATH"] = code
        app = Path(code) / "graphapp" / "app.py"
    process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port),
                                "--server.headless", "true", "--server.address", "127.0.0.1"],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    for _ in range(300):
        try:
            urllib.request.urlopen(url + "_stcore/health", timeout=1)
            return process, url
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("streamlit did not start")


def wait_drawn(page, timeout=120.0) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        for frame in page.frames:
            try:
                if frame.evaluate("window.graphappDrawnAt !== undefined"):
                    return time.perf_counter() - start
            except Exception:  # frames come and go while Streamlit renders
                pass
        page.wait_for_timeout(25)
    raise RuntimeError("the network never drew")


def drawn_since_navigation(page) -> float:
    """Seconds from the page's navigation start to the network's first draw, read from the browser's own clocks
    (the page's and the component iframe's timeOrigin, and the iframe's graphappDrawnAt). A wall figure taken
    in Python also holds the polling of every frame over the DevTools protocol: about a second more here."""
    frame = _component_frame(page)
    origin, drawn = frame.evaluate("[performance.timeOrigin, window.graphappDrawnAt]")
    return (origin + drawn - page.evaluate("performance.timeOrigin")) / 1000


def first_draw(url: str, runs: int = 3) -> list[float]:
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        wait_drawn(page)
        print(f"cold first view (parse + build + analysis + layout): {drawn_since_navigation(page):.2f} s")
        for _ in range(runs):
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            wait_drawn(page)
            times.append(drawn_since_navigation(page))
            page.close()
        browser.close()
    return times


VIEWS = {  # name → URL query: the whole graph, a view of about 2,500 stories, the largest drill-down
    "whole azure-news graph": "",
    "about 2,500 stories (min quality 50)": "?min_quality=50",
    "largest drill-down (outlet microsoft.com)": "?focus=outlet&focus_outlet=microsoft.com",
}


def view_draws(url: str, runs: int = 3) -> dict[str, tuple[list[float], list[float], list[float]]]:
    """For each view: a warm-up load (fills the server's caches), then `runs` page loads timed from
    navigation to the first draw (browser clocks), from the moment the data arrived to the draw, and from Python
    (until a poll of the page's frames sees the draw; the page's main thread is often still busy then)."""
    from playwright.sync_api import sync_playwright

    found = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for name, query in VIEWS.items():
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url + query)
            wait_drawn(page, timeout=300)
            page.close()
            walls, inpage, polled = [], [], []
            for _ in range(runs):
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                start = time.perf_counter()
                page.goto(url + query, wait_until="commit")
                wait_drawn(page, timeout=300)
                polled.append(time.perf_counter() - start)
                walls.append(drawn_since_navigation(page))
                for frame in page.frames:
                    try:
                        ready = frame.evaluate("window.graphappDataReadyAt !== undefined ? window.graphappDrawnAt - window.graphappDataReadyAt : null")
                    except Exception:
                        ready = None
                    if ready is not None:
                        inpage.append(ready / 1000)
                page.close()
            found[name] = (walls, inpage, polled)
        browser.close()
    return found


def _component_frame(page):
    """The frame of the network component (the one whose page set window.graphappVersion), or None."""
    for frame in page.frames:
        try:
            if frame.evaluate("window.graphappVersion !== undefined"):
                return frame
        except Exception:  # a frame that went away while we looked
            pass
    return None


def drill_down_times(url: str, runs: int = 3) -> dict[str, list[tuple[float, float]]]:
    """As a user drills down on an open page: the whole graph drawn, then "Drill down into" set to an outlet
    (the Outlet box opens on microsoft.com, the largest), a cluster (the largest) or a story (the top ranked);
    "outlet, then the 4th busiest" then picks another outlet in the Outlet box.
    Per choice and run: seconds from just before the click to the new graph's arrival in the component and to
    its drawing, read from the component's wall clock (Date.now()), so polling adds nothing. Run 0 is the
    first time the server is asked for that view (cold: computed on demand), the next ones are cached.
    Run this on a server that has not drawn these views yet."""
    from playwright.sync_api import sync_playwright

    found: dict[str, list[tuple[float, float]]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        def choose(page, box_label: str, option) -> tuple[float, float]:
            before = _component_frame(page).evaluate("window.graphappVersion")
            box = page.locator('[data-testid="stSelectbox"]').filter(has_text=box_label)
            box.get_by_role("combobox").first.click()
            option = page.get_by_role("option", name=option, exact=True) if isinstance(option, str) else \
                page.get_by_role("option").nth(option)
            option.wait_for()
            start = time.time() * 1000
            option.click()
            deadline = time.perf_counter() + 120
            while time.perf_counter() < deadline:
                frame = _component_frame(page)
                if frame is not None and frame.evaluate("window.graphappVersion") not in (before, None):
                    break
                page.wait_for_timeout(50)
            arrived, drawn = frame.evaluate("[window.graphappDataReadyEpoch, window.graphappDrawnEpoch]")
            return (arrived - start) / 1000, (drawn - start) / 1000

        for choice in ("outlet", "cluster", "story", "outlet, then the 4th busiest"):
            found[choice] = []
            for _ in range(runs + 1):
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(url)
                wait_drawn(page, timeout=300)
                times = choose(page, "Drill down into", choice.split(",")[0])
                if choice.startswith("outlet, then"):
                    times = choose(page, "Outlet", 3)
                found[choice].append(times)
                page.close()
        browser.close()
    return found


def sessions(url: str, count: int, server_pid: int) -> float:
    from playwright.sync_api import sync_playwright

    meter = PeakMemory(server_pid)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pages = [browser.new_page(viewport={"width": 1200, "height": 900}) for _ in range(count)]
        for page in pages:
            page.goto(url, wait_until="commit")
        for page in pages:
            wait_drawn(page)
        # every session changes a filter at once
        for number, page in enumerate(pages):
            page.goto(url + f"?min_quality={10 * (number + 1)}", wait_until="commit")
        for page in pages:
            wait_drawn(page)
        browser.close()
    return meter.stop()


def rerun_times(tab: str = "Network") -> list[tuple[str, float]]:
    """Server-side reruns after a filter change, measured with Streamlit's AppTest (same script, same caches)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=300)
    at.query_params["tab"] = tab
    start = time.perf_counter()
    at.run()
    print(f"first script run, {tab} tab: {time.perf_counter() - start:.2f} s")
    results = []
    steps = [("outlet = zdnet.com", lambda: at.sidebar.multiselect(key="outlet").select("zdnet.com")),
             ("outlet cleared", lambda: at.sidebar.multiselect(key="outlet").unselect("zdnet.com")),
             ("min quality 50", lambda: at.sidebar.number_input(key="min_quality").set_value(50)),
             ("title contains 'jedi'", lambda: at.sidebar.text_input(key="q").input("jedi")),
             ("title search cleared", lambda: at.sidebar.text_input(key="q").input("")),
             ("min quality 0 (seen before: cached)", lambda: at.sidebar.number_input(key="min_quality").set_value(0))]
    for name, change in steps:
        change()
        start = time.perf_counter()
        at.run()
        results.append((name, time.perf_counter() - start))
        assert not at.exception, at.exception
    return results


def event_page_times(events=(1, 2, 3, 7, 20, 1)) -> list[tuple[int, float]]:
    """Server time of opening an event's page (coverage chart, stories, watch list, outlets that did not
    cover it) on the Clusters tab, one event after another; the last one was seen before."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=300)
    at.query_params["tab"] = "Clusters"
    at.run()
    times = []
    for number in events:
        at.selectbox(key="cluster_choice").select(number)
        start = time.perf_counter()
        at.run()
        times.append((number, time.perf_counter() - start))
        assert not at.exception, at.exception
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--views-only", action="store_true", help="only the first draws of the VIEWS")
    parser.add_argument("--against", metavar="CHECKOUT", help="also measure the VIEWS with the app of this checkout")
    parser.add_argument("--drill-only", action="store_true", help="only the drill-downs chosen on an open page")
    args = parser.parse_args()
    data = corpus("azure-news")
    os.environ["GRAPHAPP_PATHS"] = str(data)
    print(f"machine: {os.cpu_count()} cores; data: {data}; load average {os.getloadavg()[0]:.1f}")
    process, url = start_server(data)  # a server of its own: the drill-downs' first runs must be cold
    try:
        for choice, times in drill_down_times(url).items():
            print(f"drill-down into {choice} on an open page, click to data / to drawn: "
                  + "; ".join(f"{arrived:.2f} / {drawn:.2f} s" + (" (cold)" if run == 0 else "")
                              for run, (arrived, drawn) in enumerate(times)) + " (requirement <= 2 s)")
    finally:
        process.terminate()
        process.wait(timeout=30)
    if args.drill_only:
        return
    for label, code in (("this version", None), (args.against, args.against)):
        if label is None:
            continue
        process, url = start_server(data, code)
        try:
            for name, (walls, inpage, polled) in view_draws(url).items():
                shown = f"; in the page, data to drawn: median {statistics.median(inpage):.2f} s" if inpage else ""
                print(f"[{label}] {name}: page load to first draw {', '.join(f'{t:.2f}' for t in walls)} s "
                      f"(median {statistics.median(walls):.2f} s, browser clocks; polled from Python "
                      f"{statistics.median(polled):.2f} s){shown}")
        finally:
            process.terminate()
            process.wait(timeout=30)
    if args.views_only:
        return
    for tab in ("Network", "Clusters", "Rankings"):
        for name, seconds in rerun_times(tab):
            print(f"{tab} tab, rerun after filter change [{name}]: {seconds:.2f} s")
    for number, seconds in event_page_times():
        print(f"event page, event {number}: server rerun {seconds:.2f} s (requirement <= 1 s)")
    process, url = start_server(data)
    try:
        draws = first_draw(url)
        print(f"first network draw after page load, data cached: {', '.join(f'{t:.2f}' for t in draws)} s "
              f"(median {statistics.median(draws):.2f} s; requirement <= 3 s)")
        peak = sessions(url, args.sessions, process.pid)
        print(f"{args.sessions} concurrent sessions (each draws, then changes a filter): server peak {peak:.0f} MB")
    finally:
        process.terminate()
        process.wait(timeout=30)


if __name__ == "__main__":
    main()
