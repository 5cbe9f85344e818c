"""Scale benchmark (issue 16): azure-news copied N times, then every CLI command and the app's first view
measured at each size.

    python bench/scale.py --factors 1,2                  # smoke run (a few minutes)
    python bench/scale.py --factors 1,4,10,20            # the issue's run
    python bench/scale.py --factor 4 --commands stats,export-gexf
    python bench/scale.py --factors 1,4 --cold-all       # every command with a new, empty parse cache
    python bench/scale.py --factors 1,10 --commands stats,app   # the app: cold and cached first view

Copy k of the corpus is time-disjoint from the others (every date moved by 4·k years: leap days stay
leap days, so time differences inside a copy are unchanged), has its own hosts and outlets (every URL's
host and every provider domain gets the suffix `.cK`, provider names ` cK`), and its titles carry a
copy token made of single digits (` ·1·2`) that the event TF-IDF ignores (it drops one-character words),
so a copy is the same graph under other names and every count should be N times azure-news'. The run
checks that with `stats --json` and prints which counts match.

For each factor and command: CPU seconds (user + system of the command and all its worker processes,
from the kernel's accounting of reaped children), wall seconds, peak resident memory of the whole
process tree (sampled every 10 ms), and at the end the log-log slope of CPU time against the factor
(the exponent: 1.0 is linear). `stats` runs with a new empty parse cache (cold); the other commands,
unless --cold-all, read the parse cache that run filled, so they measure build + analysis + output.
`app` starts the Streamlit app on the corpus and loads it in headless Chromium (Debian's /usr/bin/chromium):
wall is page load to the first network draw on the new server (cold), `cached` the median of three more pages
on the same server, both read from the browser's clocks; CPU and memory are the server's.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _util import PeakMemory, corpus

ROOT = Path(__file__).resolve().parents[1]
YEARS_PER_COPY = 4  # azure-news spans 2019-10 .. 2021-08; a multiple of 4 keeps leap days
EXPORTS = ["graphml", "gexf", "json", "json-networkx", "cyjs", "csv", "nodes-csv", "edges-csv", "clusters-csv",
           "links-csv", "parquet", "html", "png", "svg"]
COMMANDS = {
    "stats": ["stats", "--json"],
    "rank": ["rank"],
    "rank-quality": ["rank", "--by", "quality"],
    "topics": ["clusters", "--level", "topics"],
    "events": ["clusters", "--level", "events"],
    **{f"export-{fmt}": ["export", "--format", fmt, "-o", "{out}"] for fmt in EXPORTS},
    "app": [],  # the Streamlit app's first view in headless Chromium (measure_app), not a CLI command
}
APP = "app"
COUNTS = ["files", "articles", "merged", "stories", "outlets", "related_edges"]

_URL_LINE = re.compile(r'^(\s*(?:- )?(?:webUrl|ampWebUrl|cdnAmpWebUrl|originalUrl): *"?)(https?://)([^/"?#:\s]+)(.*)$')
_AMP_INNER = re.compile(r"^(/[cv]/(?:s/)?)([^/\"?#:\s]+)")
_DOMAIN_LINE = re.compile(r"^(\s*domain: *\"?)([^\"\s/]+)(.*)$")
_NAME_LINE = re.compile(r"^(\s*name: *)(.+)$")
_TITLE_LINE = re.compile(r'^(\s*(?:- )?title: *".*)"\s*$')
_DATE_LINE = re.compile(r"^(\s*(?:- )?publishedDateTime: *\"?)(\d{4})(.*)$")


def copy_text(text: str, copy: int) -> str:
    """One article file as copy number `copy` (0: unchanged)."""
    if not copy:
        return text
    suffix, token = f".c{copy}", " ·" + "·".join(str(copy))
    lines = []
    for line in text.split("\n"):
        if m := _URL_LINE.match(line):
            host, rest = m.group(3), m.group(4)
            if host.lower().endswith(".cdn.ampproject.org"):  # the AMP cache's own host stays; the inner host moves
                rest = _AMP_INNER.sub(lambda i: i.group(1) + i.group(2) + suffix, rest, count=1)
            else:
                host += suffix
            line = m.group(1) + m.group(2) + host + rest
        elif m := _DOMAIN_LINE.match(line):
            line = m.group(1) + m.group(2) + suffix + m.group(3)
        elif m := _NAME_LINE.match(line):
            line = m.group(1) + m.group(2) + f" c{copy}"
        elif m := _TITLE_LINE.match(line):
            line = m.group(1) + token + '"'
        elif m := _DATE_LINE.match(line):
            line = m.group(1) + str(int(m.group(2)) + YEARS_PER_COPY * copy) + m.group(3)
        lines.append(line)
    return "\n".join(lines)


def scaled_corpus(factor: int, source: Path) -> Path:
    """`factor` disjoint copies of `source` in the temp folder (made once, reused when complete)."""
    target = Path(tempfile.gettempdir()) / "graphapp-bench" / f"{source.name}-scale{factor}"
    files = sorted(source.iterdir())
    done = target / ".complete"
    if done.exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    texts = [(path.name, path.read_text(encoding="utf-8")) for path in files]
    for copy in range(factor):
        for name, text in texts:
            (target / f"{copy:02}-{name}").write_text(copy_text(text, copy), encoding="utf-8")
    done.write_text(str(factor * len(files)))
    return target


def measure(args: list[str], env: dict) -> dict:
    """Run one command; CPU seconds of it and its reaped children, wall seconds, peak MB of its process tree."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **env})
    meter = PeakMemory(process.pid)
    out, err = process.communicate()
    wall = time.perf_counter() - start
    peak = meter.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode:
        raise RuntimeError(f"{' '.join(args)} failed: {err.decode()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"cpu_s": round(cpu, 2), "wall_s": round(wall, 2), "peak_mb": round(peak), "stdout": out.decode()}


def measure_app(data: Path, env: dict, app: Path, cached_runs: int = 3) -> dict:
    """The app on a new server: page load to the first network draw in headless Chromium (browser clocks), cold
    (the server builds, analyses and lays out; the parse cache as the CLI commands have it) and then cached (new
    pages, same server), with the server's CPU seconds over all of it and the peak memory of its process tree."""
    import socket
    import statistics
    import urllib.request

    from app import ARGS, CHROMIUM, drawn_since_navigation, wait_drawn
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(app),
                                "--server.port", str(port), "--server.headless", "true", "--server.address", "127.0.0.1"],
                               env={**os.environ, **env, "GRAPHAPP_PATHS": str(data),
                                    "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    meter = PeakMemory(process.pid)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(url + "_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            loads = []
            for _ in range(1 + cached_runs):
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(url, wait_until="commit")
                wait_drawn(page, timeout=1200)
                loads.append(drawn_since_navigation(page))
                page.close()
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=60)
    peak = meter.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"cpu_s": round(cpu, 2), "wall_s": round(loads[0], 2), "peak_mb": round(peak),
            "cached_s": round(statistics.median(loads[1:]), 2), "stdout": ""}


def graphapp(*args: str) -> list[str]:
    return [sys.executable, "-m", "graphapp", *args, "--quiet"]


def run_factor(factor: int, source: Path, commands: list[str], out_dir: Path, cold_all: bool, code: str | None) -> dict:
    data = scaled_corpus(factor, source)
    base_env = {"GRAPHAPP_CACHE_MAX_BYTES": str(64 * 1024**3), "PYTHONPATH": code or str(ROOT)}
    shared_cache = tempfile.mkdtemp(prefix=f"graphapp-scale{factor}-cache-")
    rows = {}
    for name in commands:
        cache = tempfile.mkdtemp(prefix="graphapp-scale-cold-") if name == "stats" or cold_all else shared_cache
        env = {**base_env, "GRAPHAPP_CACHE_DIR": cache}
        args = [a.replace("{out}", str(out_dir / f"x{factor}.{name}")) for a in COMMANDS[name]]
        row = measure_app(data, env, Path(code or ROOT) / "graphapp" / "app.py") if name == APP else measure(graphapp(*args, str(data)), env)
        if name == "stats":
            row["counts"] = json.loads(row["stdout"])
            if not cold_all:  # the other commands read the parse cache this cold run filled
                shutil.rmtree(shared_cache)
                shared_cache = cache
        if args[:1] == ["export"]:
            target = out_dir / f"x{factor}.{name}"
            row["bytes"] = target.stat().st_size
            target.unlink()
        elif cache != shared_cache:
            shutil.rmtree(cache, ignore_errors=True)
        del row["stdout"]
        rows[name] = row
        print(f"x{factor:<3} {name:<20} cpu {row['cpu_s']:8.2f} s  wall {row['wall_s']:8.2f} s  peak {row['peak_mb']:6} MB"
              + (f"  {row['bytes']:,} bytes" if "bytes" in row else "")
              + (f"  (cold first view; cached: {row['cached_s']:.2f} s)" if "cached_s" in row else ""), flush=True)
    shutil.rmtree(shared_cache, ignore_errors=True)
    return rows


def check_counts(results: dict) -> None:
    """Print whether every stats count at factor N is N times the count at the smallest factor."""
    factors = sorted(f for f in results if "counts" in results[f].get("stats", {}))
    if len(factors) < 2:
        return
    low = factors[0]
    base = results[low]["stats"]["counts"]
    for factor in factors[1:]:
        counts = results[factor]["stats"]["counts"]
        names = [k for k, v in base.items() if isinstance(v, int) and not isinstance(v, bool)]
        verdict = []
        for name in names:
            want = base[name] * factor // low
            verdict.append(f"{name} {counts.get(name)}" + ("" if counts.get(name) == want else f" (want {want})"))
        exact = all(counts.get(n) == base[n] * factor // low for n in names)
        print(f"counts x{factor} = {factor // low} x (x{low}): {'yes' if exact else 'NO'}: " + ", ".join(verdict))


def exponent(points: list[tuple[int, float]]) -> float | None:
    """Least-squares slope of log(cpu) against log(factor)."""
    points = [(math.log(f), math.log(c)) for f, c in points if c > 0]
    if len(points) < 2:
        return None
    mx = sum(x for x, _ in points) / len(points)
    my = sum(y for _, y in points) / len(points)
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else None


def table(results: dict, commands: list[str]) -> str:
    factors = sorted(results)
    head = "| command | " + " | ".join(f"×{f} CPU s / wall s / peak MB" for f in factors) + " | exponent (CPU) |"
    lines = [head, "| --- " * (len(factors) + 2) + "|"]
    for name in commands:
        cells, points = [], []
        for f in factors:
            row = results[f].get(name)
            cells.append(f"{row['cpu_s']} / {row['wall_s']} / {row['peak_mb']}" if row else "—")
            if row:
                points.append((f, row["cpu_s"]))
        slope = exponent(points)
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {'—' if slope is None else f'{slope:.2f}'} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--factor", type=int, help="one factor")
    parser.add_argument("--factors", default="1,2", help="comma-separated factors (default 1,2)")
    parser.add_argument("--commands", default=",".join(COMMANDS), help=f"comma-separated, of: {', '.join(COMMANDS)}")
    parser.add_argument("--out", default=None, help="folder for exports and results.json (default: a temp folder)")
    parser.add_argument("--cold-all", action="store_true", help="every command with a new empty parse cache")
    parser.add_argument("--generate-only", action="store_true", help="only make the corpora")
    parser.add_argument("--against", metavar="CHECKOUT", help="measure the graphapp in this checkout instead")
    args = parser.parse_args()
    factors = [args.factor] if args.factor else [int(f) for f in args.factors.split(",")]
    commands = [c.strip() for c in args.commands.split(",") if c.strip()]
    unknown = [c for c in commands if c not in COMMANDS]
    if unknown:
        parser.error(f"unknown commands: {', '.join(unknown)}")
    source = corpus("azure-news")
    out_dir = Path(args.out or tempfile.mkdtemp(prefix="graphapp-scale-out-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
          f"{os.getloadavg()[2]:.2f}; code: {args.against or ROOT}")
    results = {}
    for factor in factors:
        start = time.perf_counter()
        scaled_corpus(factor, source)
        print(f"x{factor}: corpus ready in {time.perf_counter() - start:.0f} s", flush=True)
        if not args.generate_only:
            results[factor] = run_factor(factor, source, commands, out_dir, args.cold_all, args.against)
            print(f"load average after x{factor}: {os.getloadavg()[0]:.2f}", flush=True)
    if results:
        check_counts(results)
        print(table(results, commands))
        (out_dir / "results.json").write_text(json.dumps({str(f): r for f, r in results.items()}, indent=1))
        print(f"results: {out_dir / 'results.json'}")


if __name__ == "__main__":
    main()
