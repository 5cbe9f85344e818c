"""First-draw time of the sigma.js network view (graphapp.network) in headless Chromium.

    python bench/network_draw.py [--repeat 3] [--sizes 5000x165000,20000x100000,50000x200000] [--angle default|swiftshader]
                                 [--streamlit]

For synthetic clustered graphs (clusters of about 100 nodes laid out around random centres; 85 % of the
edges inside a cluster), it writes the standalone page (graphapp.network.standalone_html) to the temp folder,
opens it from a file:// URL in a fresh page and reads:

- nav→drawn: performance.now() at window.graphappDrawnAt (set right after sigma's first, synchronous
  render), from the page's navigation start (timeOrigin): HTML parse, bundle, JSON.parse, graph build, draw;
- data→drawn: from window.graphappDataReadyAt (just before JSON.parse of the embedded data) to the draw;
- build: graphapp.network's own figure for graph build + sigma construction (window.graphappBuildMs);
- +frame: until two animation frames later, i.e. until the drawn frame was produced (WebGL in SwiftShader
  works asynchronously).

--azure also draws the real azure-news graph as a whole (stories and outlets, coloured by coverage cluster,
igraph Fruchterman-Reingold positions, graphapp.network.convert.graph_payload), from
$GRAPHAPP_SHARED/corpora/azure-news.tar.xz (default ../shared next to the project).

--streamlit also measures the component under `streamlit run`: the render message's arrival in the iframe
(graphappDataReadyAt) to the draw, and navigation start of the app page to the draw in the iframe.

WebGL: Debian's chromium with --disable-gpu falls back to SwiftShader through ANGLE (the renderer string is
printed); --angle swiftshader passes --use-angle=swiftshader --enable-unsafe-swiftshader instead.
Needs /usr/bin/chromium and Playwright's Python package (never `playwright install`).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graphapp.network import payload_version, standalone_html  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
BASE_ARGS = ["--headless", "--no-sandbox", "--disable-quic", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
ANGLE = {
    "default": ["--disable-gpu"],
    "swiftshader": ["--use-angle=swiftshader", "--enable-unsafe-swiftshader"],
}
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"]


def synthetic(n: int, m: int, *, seed: int = 0, cluster_size: int = 100, inside: float = 0.85) -> dict:
    """A clustered graph in the payload format, built straight into arrays (no networkx)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    clusters = max(1, n // cluster_size)
    member = rng.integers(0, clusters, n)
    centres = rng.uniform(-1000, 1000, (clusters, 2))
    spread = rng.uniform(15, 45, clusters)
    xy = centres[member] + rng.normal(0, 1, (n, 2)) * spread[member, None]
    order = np.argsort(member, kind="stable")
    starts = np.searchsorted(member[order], np.arange(clusters))
    counts = np.bincount(member, minlength=clusters)
    m_in = int(m * inside)
    src = rng.integers(0, n, m)
    tgt = rng.integers(0, n, m)  # the first m_in get a partner from the same cluster
    c = member[src[:m_in]]
    tgt[:m_in] = order[starts[c] + (rng.random(m_in) * counts[c]).astype(np.int64)]
    keep = src != tgt
    src, tgt = src[keep], tgt[keep]
    degree = np.bincount(np.concatenate([src, tgt]), minlength=n)
    size = 2 + 10 * np.sqrt(degree / max(1, degree.max()))
    top = set(np.argsort(-degree)[:20].tolist())
    data = {
        "nodes": {
            "key": [f"https://outlet{i % 97}.example/story/{i}" for i in range(n)],
            "label": [f"Story {i} in cluster {member[i]}: a headline of usual length" for i in range(n)],
            "x": np.round(xy[:, 0], 2).tolist(),
            "y": np.round(xy[:, 1], 2).tolist(),
            "size": np.round(size, 2).tolist(),
            "color": [PALETTE[k % len(PALETTE)] for k in member.tolist()],
            "kind": ["outlet" if i % 50 == 0 else "story" for i in range(n)],
            "url": [f"https://outlet{i % 97}.example/story/{i}" for i in range(n)],
            "forceLabel": [i in top for i in range(n)],
            "focal": [i == int(np.argmax(degree)) for i in range(n)],
        },
        "edges": {"source": src.tolist(), "target": tgt.tolist(), "size": None, "color": "#c8c8c8"},
        "legend": [[f"cluster colour {k}", color] for k, color in enumerate(PALETTE)],
        "note": f"synthetic clustered graph: {n:,} nodes, {len(src):,} edges",
    }
    data["version"] = payload_version(data)
    return data


WEBGL_RENDERER = """(() => { const c = document.createElement('canvas'); const gl = c.getContext('webgl2') || c.getContext('webgl');
    if (!gl) return 'no WebGL'; const d = gl.getExtension('WEBGL_debug_renderer_info');
    return d ? gl.getParameter(d.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER); })()"""
AFTER_FRAMES = "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now()))))"


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    kids = [int(c) for c in handle.read().split()]
                found += kids
                todo += kids
        except OSError:
            continue
    return found


def chromium_cpu() -> float:
    """CPU seconds (user + system) used so far by the live processes under this one (Playwright's driver and
    Chromium's browser, GPU and renderer processes): unlike wall time, it does not grow when other work on
    the machine takes the cores."""
    total = 0
    for pid in _descendants(os.getpid()):
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
    return total / os.sysconf("SC_CLK_TCK")


def measure_page(browser, url: str, *, frame_of=None) -> dict:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    thread0 = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}.get("ThreadTime", 0.0)
    cpu0 = chromium_cpu()
    page.goto(url, wait_until="commit")
    target = None
    deadline = time.time() + 300
    while target is None and time.time() < deadline:
        for frame in page.frames if frame_of else [page.main_frame]:
            try:
                if frame.evaluate("window.graphappDrawnAt !== undefined"):
                    target = frame
                    break
            except Exception:  # frames come and go while a page loads
                pass
        else:
            page.wait_for_timeout(20)
    if target is None:
        raise RuntimeError("never drew")
    drawn, ready, build = target.evaluate("[window.graphappDrawnAt, window.graphappDataReadyAt, window.graphappBuildMs]")
    framed = target.evaluate(AFTER_FRAMES)
    cpu = chromium_cpu() - cpu0
    thread = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}.get("ThreadTime", 0.0) - thread0
    # what a click (or a hover, coalesced per frame) costs: the reducers re-run over every node and edge
    select = target.evaluate("(() => { const t = performance.now(); graphapp.select(graphapp.keys[0]); return performance.now() - t; })()")
    result = {"nav_drawn": drawn, "data_drawn": drawn - ready, "build": build, "frame": framed - drawn, "select": select,
              "cpu": cpu * 1000, "thread": thread * 1000}
    if frame_of:  # the iframe's clock starts with the iframe; the app page's own navigation start is earlier
        result["app_nav_drawn"] = page.evaluate("performance.now()") - (target.evaluate("performance.now()") - drawn)
    if errors:
        raise RuntimeError(f"page errors: {errors}")
    page.close()
    return result


def start_streamlit(script: Path, env: dict) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
                                "--server.headless", "true", "--server.address", "127.0.0.1"],
                               env={**os.environ, **env, "PYTHONPATH": str(ROOT), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    for _ in range(300):
        try:
            urllib.request.urlopen(url + "_stcore/health", timeout=1)
            return process, url
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("streamlit did not start")


APP = textwrap.dedent("""
    import json, os
    import streamlit as st
    from graphapp.network import network_component

    @st.cache_data
    def load(path):
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)

    network_component(load(os.environ["GRAPHAPP_BENCH_DATA"]), height=800, key="bench")
""")


def fmt(values: list[float]) -> str:
    return f"{statistics.median(values):7.0f} ms (" + ", ".join(f"{v:.0f}" for v in values) + ")"


def azure_payload() -> dict:
    import tarfile

    from graphapp.load import load
    from graphapp.network.convert import graph_payload

    from graphapp.analyze import coverage_clusters
    from graphapp.build import build_graph
    from graphapp.render import layout_positions, node_styles

    shared = Path(os.environ.get("GRAPHAPP_SHARED", ROOT.parent / "shared"))
    target = Path(tempfile.gettempdir()) / "graphapp-bench"
    if not (target / "azure-news").exists():
        with tarfile.open(shared / "corpora" / "azure-news.tar.xz") as tar:
            tar.extractall(target, filter="data")
    started = time.perf_counter()
    graph = build_graph(load([target / "azure-news"], cache_dir=False).articles)
    clusters = coverage_clusters(graph)
    style = node_styles(graph, clusters=clusters)
    positions = layout_positions(graph)
    data = graph_payload(graph, style, positions, note=f"azure-news: {graph.number_of_nodes():,} nodes")
    print(f"\nazure-news: load, clusters, layout and payload in {time.perf_counter() - started:.1f} s "
          f"({graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} directed edges)")
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", default="5000x165000,20000x100000,50000x200000")
    parser.add_argument("--angle", choices=sorted(ANGLE), default="default")
    parser.add_argument("--streamlit", action="store_true")
    parser.add_argument("--azure", action="store_true")
    args = parser.parse_args()
    import json

    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="graphapp-network-bench-"))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BASE_ARGS + ANGLE[args.angle])
        probe = browser.new_page()
        print(f"load average before: {' '.join(f'{v:.1f}' for v in os.getloadavg())} ({os.cpu_count()} cores)")
        print(f"chromium {browser.version}, flags {' '.join(ANGLE[args.angle])}, WebGL: {probe.evaluate(WEBGL_RENDERER)}")
        probe.close()
        cases = [(f"synthetic {size}", size) for size in args.sizes.split(",") if size]
        if args.azure:
            cases.append(("azure-news whole graph", "azure"))
        for name, size in cases:
            if size == "azure":
                data = azure_payload()
                n, m = len(data["nodes"]["key"]), len(data["edges"]["source"])
            else:
                n, m = (int(v) for v in size.split("x"))
                data = synthetic(n, m)
            page_path = work / f"network-{n}-{m}.html"
            started = time.perf_counter()
            page_path.write_text(standalone_html(data, title=f"{n:,} nodes"), encoding="utf-8")
            build_s = time.perf_counter() - started
            runs = [measure_page(browser, page_path.as_uri()) for _ in range(args.repeat)]
            edges = len(data["edges"]["source"])
            print(f"\n{name}: {n:,} nodes / {edges:,} edges: page {page_path.stat().st_size / 1e6:.1f} MB (standalone_html {build_s:.2f} s)")
            print(f"  standalone nav→drawn   {fmt([r['nav_drawn'] for r in runs])}")
            print(f"  standalone data→drawn  {fmt([r['data_drawn'] for r in runs])}")
            print(f"  graph build + sigma    {fmt([r['build'] for r in runs])}")
            print(f"  drawn→+2 frames        {fmt([r['frame'] for r in runs])}")
            print(f"  select (highlight)     {fmt([r['select'] for r in runs])}")
            print(f"  CPU, all Chromium processes, until +2 frames {fmt([r['cpu'] for r in runs])}")
            print(f"  CPU, page main thread (CDP ThreadTime)       {fmt([r['thread'] for r in runs])}")
            if args.streamlit:
                data_path = work / f"data-{n}-{m}.json"
                data_path.write_text(json.dumps(data), encoding="utf-8")
                script = work / "app.py"
                script.write_text(APP, encoding="utf-8")
                process, url = start_streamlit(script, {"GRAPHAPP_BENCH_DATA": str(data_path)})
                try:
                    measure_page(browser, url, frame_of=True)  # warm the server's cache_data
                    runs = [measure_page(browser, url, frame_of=True) for _ in range(args.repeat)]
                finally:
                    process.terminate()
                    process.wait(timeout=20)
                print(f"  streamlit app nav→drawn {fmt([r['app_nav_drawn'] for r in runs])}")
                print(f"  streamlit render msg→drawn {fmt([r['data_drawn'] for r in runs])}")
        print(f"\nload average after: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
        browser.close()


if __name__ == "__main__":
    main()
