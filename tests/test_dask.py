"""The Dask engine against the local one: a real `dask scheduler` and two `dask worker` processes on localhost
(separate processes, as on a cluster), driven through the CLI's --scheduler; the outputs must be identical."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("distributed", reason="the Dask engine needs dask[distributed] (pip install 'graphapp[dask]')")

from graphapp.cli import cli  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _stop(process: subprocess.Popen) -> None:
    """End a process and everything it started (its own process group), politely first."""
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory) -> str:
    """The address of a scheduler with two single-threaded workers, all stopped at the end whatever happens."""
    from distributed import Client

    folder = tmp_path_factory.mktemp("dask")
    address_file = folder / "scheduler.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    started: list[subprocess.Popen] = []

    def start(*args: str) -> None:
        log = open(folder / f"{args[0]}-{len(started)}.log", "wb")  # noqa: SIM115 (kept open by the process)
        started.append(subprocess.Popen([sys.executable, "-m", "dask", *args], cwd=folder, env=env, stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True))

    try:
        start("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", str(address_file))
        deadline = time.monotonic() + 60
        while not address_file.exists():
            if time.monotonic() > deadline or started[0].poll() is not None:
                pytest.fail(f"the scheduler did not start: {(folder / 'scheduler-0.log').read_text()}")
            time.sleep(0.2)
        address = json.loads(address_file.read_text())["address"]
        for _ in range(2):
            start("worker", address, "--nthreads", "1", "--no-dashboard", "--memory-limit", "0")
        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for process in reversed(started):
            _stop(process)


def run(*args) -> tuple[str, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout, result.stderr


def both(scheduler: str, command: str, *args) -> tuple[tuple[str, str], tuple[str, str]]:
    """(stdout, stderr) of the local engine and of the cluster for one command."""
    return run(command, "--no-cache", *args), run(command, "--no-cache", "--scheduler", scheduler, *args)


def test_the_seed_gives_the_same_stats_and_events(scheduler, seed_dir):
    local, dask = both(scheduler, "stats", "--json", seed_dir)
    assert dask == local
    local, dask = both(scheduler, "clusters", "--level", "events", "--format", "json", seed_dir)
    assert dask == local and json.loads(local[0])[0]["size"] == 10  # the seed's one event
    local, dask = both(scheduler, "clusters", "--level", "topics", "--seed", "3", "--format", "json", seed_dir)
    assert dask == local


def _article(folder: Path, name: str, url: str, title: str, when: str, *, excerpt: str = "") -> None:
    (folder / name).write_text(
        f"---\nwebUrl: {url}\ntitle: {json.dumps(title)}\nexcerpt: {json.dumps(excerpt)}\npublishedDateTime: {when}\n---\n",
        encoding="utf-8")


@pytest.fixture(scope="module")
def crafted(tmp_path_factory) -> Path:
    """A bad file, one URL in two files, events months apart, and a storm whose stories chain over 38 days."""
    folder = tmp_path_factory.mktemp("crafted")
    (folder / "bad.md").write_text("---\nwebUrl: [unclosed\n---\n", encoding="utf-8")
    _article(folder, "dup-a.md", "https://example.com/dup", "Volcano erupts near the coast", "2021-01-05T10:00:00Z")
    _article(folder, "dup-b.md", "https://example.com/dup", "Volcano erupts near the coast, towns evacuated",
             "2021-01-05T12:00:00Z")
    outlets = ["alpha.com", "beta.org", "gamma.net", "delta.io", "epsilon.news", "zeta.com"]
    for n, outlet in enumerate(outlets):
        _article(folder, f"volcano-{n}.md", f"https://{outlet}/volcano-{n}", f"Volcano erupts near the coast, report {n}",
                 f"2021-01-0{5 + n // 3}T{8 + n:02d}:00:00Z", excerpt="Lava flows reached the coastal towns overnight.")
        _article(folder, f"merger-{n}.md", f"https://{outlet}/merger-{n}", f"Bank merger approved by regulators {n}",
                 f"2021-03-1{n}T09:00:00Z", excerpt="The regulator approved the merger of the two largest banks.")
    for n in range(20):  # one every 48 hours: a chain of stories as long as the window lets it grow
        when = datetime(2021, 6, 1, 12, tzinfo=UTC) + timedelta(hours=48 * n)
        _article(folder, f"storm-{n}.md", f"https://{outlets[n % 6]}/storm-{n}", "Storm Ciara floods the valley towns",
                 when.isoformat().replace("+00:00", "Z"), excerpt="Rivers burst their banks after the storm.")
    _article(folder, "lone.md", "https://zeta.com/lone", "Election results announced", "2021-04-20T09:00:00Z")
    return folder


def test_a_crafted_corpus_gives_the_same_report_stats_and_events(scheduler, crafted):
    local, dask = both(scheduler, "stats", "--json", crafted)
    assert dask == local
    stats = json.loads(local[0])
    assert stats["merged"] == 1 and [s["path"].endswith("bad.md") for s in stats["skipped"]] == [True]
    assert "bad.md" in local[1]  # the skipped file is listed on stderr, the same way by both engines
    sizes = []
    for extra in ([], ["--window", "50"], ["--window", "0", "--min-size", "1"]):
        local, dask = both(scheduler, "clusters", "--level", "events", "--format", "json", "--top", "100", *extra, crafted)
        assert dask == local
        sizes.append(sorted(event["size"] for event in json.loads(local[0])))
    assert sizes[2] == [1] * 34  # no window: every story alone
    assert sizes[0][-2:] == [6, 7]  # the merger (6) and the volcano (6 and the merged file) each make one event


@pytest.mark.corpus
def test_azure_news_gives_the_same_stats_on_the_cluster(scheduler, azure_dir):
    local, dask = both(scheduler, "stats", "--json", azure_dir)
    assert dask == local and json.loads(local[0])["files"] == 4_958


def test_parse_results_come_back_from_arrow_tables_unchanged(tmp_path, seed_dir):
    """What the workers send: every record and issue back as parsed, undecodable file names included."""
    from graphapp.engine.arrow import from_tables, to_tables
    from graphapp.loader import find_sources
    from graphapp.loader.parse import parse_source

    seed = next(seed_dir.iterdir()).read_bytes()
    (tmp_path / os.fsdecode(b"caf\xff.md")).write_bytes(seed)
    (tmp_path / os.fsdecode(b"bad\xfe.md")).write_bytes(b"---\ntitle: [unclosed\n---\n")
    (tmp_path / "seed.md").write_bytes(seed)
    sources, _ = find_sources([tmp_path])
    results = [parse_source(source) for source in sources]
    assert any(article is None for article, _ in results) and any(article for article, _ in results)
    back = from_tables(*to_tables([10, 11, 12], results))
    assert [back[i] for i in (10, 11, 12)] == [(article, issues) for article, issues in results]
