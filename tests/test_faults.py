"""Fault injection: nothing stale, nothing orphaned, nothing leaked (one test per fault, or a few)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from conftest import write

from graphapp.loader import load, parse

ARTICLE = """---
webUrl: https://example.com/{slug}
title: {title}
---
"""


def article(path: Path, title: str = "First", slug: str = "a") -> Path:
    return write(path, ARTICLE.format(slug=slug, title=title))


# 1. A read error is never cached as the file's content


def test_read_error_is_not_cached(tmp_path, monkeypatch):
    folder, cache = tmp_path / "in", tmp_path / "cache"
    article(folder / "a.md")
    real = parse._read_capped

    def refuse(path):
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(parse, "_read_capped", refuse)
    corpus = load([folder], cache_dir=cache)
    assert not corpus.articles and "cannot read" in corpus.report.issues[0].message
    monkeypatch.setattr(parse, "_read_capped", real)
    corpus = load([folder], cache_dir=cache)  # the file is unchanged (same size, mtime, inode)
    assert [a.story.title for a in corpus.articles] == ["First"], corpus.report.issues


# 2. Same size and modification time, other content (touch -r, cp -p): not served stale


@pytest.mark.parametrize("how", ["rewrite", "replace"])
def test_same_size_and_mtime_is_not_stale(tmp_path, how):
    folder, cache = tmp_path / "in", tmp_path / "cache"
    path = article(folder / "a.md", "First")
    before = path.stat()
    assert load([folder], cache_dir=cache).articles[0].story.title == "First"
    time.sleep(0.05)  # past the file system's timestamp granularity
    if how == "rewrite":  # same inode, new ctime
        path.write_text(ARTICLE.format(slug="a", title="Other"), encoding="utf-8")
    else:  # cp -p from elsewhere: a new inode
        other = article(tmp_path / "elsewhere.md", "Other")
        os.replace(other, path)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # touch -r
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns
    assert load([folder], cache_dir=cache).articles[0].story.title == "Other"


def test_stats_answer_is_not_stale(tmp_path):
    from graphapp.pipeline import corpus_stats

    folder, cache = tmp_path / "in", tmp_path / "cache"
    path = write(folder / "a.md", "---\nwebUrl: https://example.com/a\ntitle: First\nquality: 50\n---\n")
    before = path.stat()
    assert corpus_stats([folder], cache_dir=cache)["warnings"] == []
    time.sleep(0.05)
    path.write_text("---\nwebUrl: https://example.com/a\ntitle: First\nquality: x5\n---\n", encoding="utf-8")  # one warning
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert len(corpus_stats([folder], cache_dir=cache)["warnings"]) == 1


# 3. File names that are not UTF-8, or hold control characters


def _graphapp(*args, cache: Path, timeout: float = 120, **kwargs):
    import subprocess
    import sys

    env = {**os.environ, "GRAPHAPP_CACHE_DIR": str(cache), "LC_ALL": "C.UTF-8",
           "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    return subprocess.run([sys.executable, "-m", "graphapp", *map(str, args)], check=False, capture_output=True, env=env,
                          timeout=timeout, **kwargs)


def test_non_utf8_and_control_character_names(tmp_path):
    import json

    folder = tmp_path / "in"
    article(folder / "good.md")
    bad = os.path.join(os.fsencode(folder), b"caf\xe9 \x1b[31mred\nline.md")
    with open(bad, "wb") as handle:
        handle.write(b"no front matter here\n")
    cache = tmp_path / "cache"
    for _ in range(2):  # computed, then read back from the results cache
        done = _graphapp("stats", folder, "--json", cache=cache)
        assert done.returncode == 0, done.stderr.decode(errors="replace")
        result = json.loads(done.stdout)
        assert result["articles"] == 1 and len(result["skipped"]) == 1
        assert b"\x1b" not in done.stdout + done.stderr
    done = _graphapp("stats", folder, cache=cache)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert b"\x1b" not in done.stderr and b"\xe9" not in done.stderr
    (line,) = [line for line in done.stderr.decode().splitlines() if line.startswith("skipped:")]
    assert "caf\\xe9 \\x1b[31mred\\nline.md" in line


def test_display_path_escapes():
    from graphapp.records import display_path

    assert display_path("a/b.md") == "a/b.md"
    assert display_path("caf\udce9\x1b\n\u202e.md") == "caf\\xe9\\x1b\\n\\u202e.md"
    assert display_path("ünïcode/€.md") == "ünïcode/€.md"


# 4. No parse worker outlives a parent killed with SIGKILL


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        for child in _children(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def _alive(pid: int, start: str) -> bool:
    """Whether process `pid` still runs and is the one that started at `start` (not a reused pid)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    fields = stat.rsplit(")", 1)[1].split()
    return fields[0] != "Z" and fields[19] == start


def _start_time(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except OSError:
        return None


@pytest.mark.corpus
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("method", ["fork", "forkserver"])  # the CLI forks; a threaded process uses the forkserver
def test_no_orphaned_workers_after_sigkill(azure_dir, tmp_path, method):
    import signal
    import subprocess
    import sys

    from graphapp.loader.workers import PARALLEL_BYTES

    assert sum(p.stat().st_size for p in azure_dir.rglob("*") if p.is_file()) >= PARALLEL_BYTES
    env = {**os.environ, "GRAPHAPP_CACHE_DIR": str(tmp_path / "cache"), "GRAPHAPP_START_METHOD": method,
           "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    parent = subprocess.Popen([sys.executable, "-m", "graphapp", "stats", str(azure_dir), "--no-cache", "-q"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    seen: dict[int, str] = {}
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and parent.poll() is None:
            for pid in _descendants(parent.pid):
                if pid not in seen and (start := _start_time(pid)):
                    seen[pid] = start
            # workers are children (fork) or grandchildren (children of the forkserver); two on two cores
            if len(seen) >= 2:
                time.sleep(0.3)  # let the pool finish starting
                for pid in _descendants(parent.pid):
                    if pid not in seen and (start := _start_time(pid)):
                        seen[pid] = start
                break
            time.sleep(0.02)
        assert parent.poll() is None, "the load ended before its workers were seen"
        assert len(seen) >= 2, f"no worker processes seen: {seen}"
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(_alive(pid, start) for pid, start in seen.items()):
            time.sleep(0.1)
        survivors = [pid for pid, start in seen.items() if _alive(pid, start)]
        assert not survivors, f"processes left running after the parent was killed: {survivors}"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        for pid, start in seen.items():  # clean up what this test started, by pid
            if _alive(pid, start):
                os.kill(pid, signal.SIGKILL)


# 5. No temporary file left behind; the cache folder does not grow without bound


def test_failed_atomic_write_leaves_no_tmp(tmp_path, monkeypatch):
    from graphapp.loader import cache as cache_module

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache_module.os, "replace", fail)
    cache = tmp_path / "cache"
    article(tmp_path / "in" / "a.md")
    assert load([tmp_path / "in"], cache_dir=cache).articles
    assert list(cache.iterdir()) == []


def test_cache_size_cap_evicts_least_recently_used(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    folders = {}
    for name in "ABC":
        folders[name] = tmp_path / name
        article(folders[name] / "a.md", title="Title " + name, slug=name)
    load([folders["A"]], cache_dir=cache)
    (first,) = cache.glob("records-*.pickle")
    monkeypatch.setenv("GRAPHAPP_CACHE_MAX_BYTES", str(int(first.stat().st_size * 2.5)))
    time.sleep(0.02)
    load([folders["B"]], cache_dir=cache)
    time.sleep(0.02)
    assert load([folders["A"]], cache_dir=cache).articles  # a cache hit: A is now the most recently used
    time.sleep(0.02)
    load([folders["C"]], cache_dir=cache)
    left = list(cache.glob("records-*.pickle"))
    assert len(left) == 2 and first in left


def test_cache_info_and_clear_commands(tmp_path, monkeypatch, capsys):
    import json

    from graphapp.cli import main

    cache = tmp_path / "cache"
    monkeypatch.setenv("GRAPHAPP_CACHE_DIR", str(cache))
    article(tmp_path / "in" / "a.md")
    assert main(["stats", str(tmp_path / "in"), "-q"]) == 0
    capsys.readouterr()
    assert main(["cache", "info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["directory"] == str(cache) and info["max_bytes"] == 512 * 1024 * 1024
    assert sorted(f["name"].split("-")[0] for f in info["files"]) == ["records", "results"]
    assert info["total_bytes"] == sum(f["bytes"] for f in info["files"]) > 0
    assert main(["cache", "info"]) == 0
    assert str(cache) in capsys.readouterr().out
    (cache / "notes.txt").write_text("not ours")
    assert main(["cache", "clear"]) == 0
    assert "removed 2 files" in capsys.readouterr().out
    assert [p.name for p in cache.iterdir()] == ["notes.txt"]


# 6. The pickle cache is read only from a folder and files that only this user can write


def _plant(cache: Path, title: str) -> Path:
    """Rewrite the records cache so that it serves `title`: what another user could do if allowed."""
    import dataclasses
    import pickle

    (records,) = cache.glob("records-*.pickle")
    stored = pickle.loads(records.read_bytes())
    for path, (stamp, (found, issues)) in stored["entries"].items():
        found = dataclasses.replace(found, story=found.story._replace(title=title))
        stored["entries"][path] = (stamp, (found, issues))
    records.write_bytes(pickle.dumps(stored))
    return records


@pytest.mark.parametrize("what", ["folder-mode", "folder-owner", "file-mode", "file-owner"])
def test_cache_not_trusted_when_others_can_write(tmp_path, what):
    from graphapp.loader.cache import CacheWarning

    folder, cache = tmp_path / "in", tmp_path / "cache"
    article(folder / "a.md", "First")
    load([folder], cache_dir=cache)
    records = _plant(cache, "Planted")
    assert load([folder], cache_dir=cache).articles[0].story.title == "Planted"  # the plant works when trusted
    os.chmod(records, 0o600)
    target = cache if what.startswith("folder") else records
    if what.endswith("mode"):
        os.chmod(target, 0o777 if target == cache else 0o666)
    else:
        os.chown(target, 4242, 4242)
    with pytest.warns(CacheWarning) as caught:
        assert load([folder], cache_dir=cache).articles[0].story.title == "First"
    assert len({str(w.message) for w in caught}) == 1


def test_cache_folder_is_created_private(tmp_path):
    cache = tmp_path / "new" / "cache"
    article(tmp_path / "in" / "a.md")
    load([tmp_path / "in"], cache_dir=cache)
    assert cache.stat().st_mode & 0o777 == 0o700
    assert all(p.stat().st_mode & 0o077 == 0 for p in cache.iterdir())


# 7. Cache files of the wrong shape are discarded and rebuilt, never a traceback


def _bad_records(key: str, stamp) -> list:
    from graphapp.loader.cache import FORMAT

    return [[], {"format": FORMAT, "entries": []}, {"format": FORMAT, "entries": {key: "x"}},
            {"format": FORMAT, "entries": {key: (stamp,)}}, {"format": FORMAT, "entries": {key: (stamp, "garbage")}},
            {"format": FORMAT, "entries": {key: (stamp, (None, "xx"))}},
            {"format": FORMAT, "entries": {key: (stamp, ("not an article", []))}},
            {"format": FORMAT, "entries": {key: (stamp, (None, [1, 2]))}}, {"format": FORMAT, "entries": {key: [stamp]}}]


def test_records_cache_of_the_wrong_shape_is_rebuilt(tmp_path):
    import pickle

    folder, cache = tmp_path / "in", tmp_path / "cache"
    article(folder / "a.md", "First")
    load([folder], cache_dir=cache)
    (records,) = cache.glob("records-*.pickle")
    ((key, (stamp, _)),) = pickle.loads(records.read_bytes())["entries"].items()
    for bad in _bad_records(key, stamp):
        records.write_bytes(pickle.dumps(bad))
        corpus = load([folder], cache_dir=cache)
        assert [a.story.title for a in corpus.articles] == ["First"] and corpus.report.issues == [], bad
        assert load([folder], cache_dir=cache).articles[0].story.title == "First"  # and rebuilt


def test_results_cache_of_the_wrong_shape_is_rebuilt(tmp_path, monkeypatch, capsys):
    import json

    from graphapp.cli import main

    folder, cache = tmp_path / "in", tmp_path / "cache"
    monkeypatch.setenv("GRAPHAPP_CACHE_DIR", str(cache))
    article(folder / "a.md", "First")
    assert main(["stats", str(folder), "--json"]) == 0
    good = json.loads(capsys.readouterr().out)
    (results,) = cache.glob("results-*.json")
    stored = json.loads(results.read_text())
    ((question, answer),) = stored["entries"].items()
    fingerprint = stored["fingerprint"]
    bads = [[], {"fingerprint": fingerprint, "entries": []}, {"fingerprint": fingerprint, "entries": {question: 5}},
            {"fingerprint": fingerprint, "entries": {question: {**answer, "skipped": 3}}},
            {"fingerprint": fingerprint, "entries": {question: {**answer, "warnings": [1]}}},
            {"fingerprint": fingerprint, "entries": {question: {**answer, "skipped": [{"path": 1}]}}},
            {"fingerprint": fingerprint, "entries": {question: {k: v for k, v in answer.items() if k != "files"}}}]
    for bad in bads:
        results.write_text(json.dumps(bad))
        for args in (["stats", str(folder), "--json"], ["stats", str(folder)]):
            assert main(args) == 0, bad
            out = capsys.readouterr().out
            if "--json" in args:
                assert json.loads(out) == good


# 8. Folder edge cases: very deep nesting, symbolic links


def test_deeply_nested_folder(tmp_path):
    folder = tmp_path / "deep"
    where = os.fspath(folder)
    os.mkdir(where)
    for _ in range(1000):  # os.makedirs recurses: build it one level at a time
        where = os.path.join(where, "d")
        os.mkdir(where)
    try:
        article(Path(where) / "a.md")
        corpus = load([folder], cache_dir=False)
        assert [a.story.title for a in corpus.articles] == ["First"], corpus.report.issues[:3]
    finally:  # shutil.rmtree recurses (Python 3.11): pytest could not remove this folder later
        os.unlink(os.path.join(where, "a.md"))
        while where != os.fspath(folder):
            os.rmdir(where)
            where = os.path.dirname(where)


def _linked_tree(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    article(root / "in.md", "Inside", "in")
    article(root / "sub" / "b.md", "Sub", "b")
    article(tmp_path / "outside" / "x.md", "Outside file", "x")
    article(tmp_path / "outside_dir" / "y.md", "Outside folder", "y")
    os.symlink(tmp_path / "outside" / "x.md", root / "out_link.md")
    os.symlink(tmp_path / "outside_dir", root / "outdir")
    os.symlink(root / "sub", root / "sublink")  # inside the root: already read, not read twice
    os.symlink(root, root / "sub" / "loop")  # a cycle
    return root


def test_links_out_of_the_root_are_not_followed_by_default(tmp_path):
    root = _linked_tree(tmp_path)
    corpus = load([root], cache_dir=False)
    assert sorted(a.story.title for a in corpus.articles) == ["Inside", "Sub"]
    skipped = sorted((i.path, i.field) for i in corpus.report.issues)
    assert skipped == [(str(root / "out_link.md"), "path"), (str(root / "outdir"), "path")]
    assert corpus.report.files == 2
    followed = load([root], cache_dir=False, follow_links=True)
    assert sorted(a.story.title for a in followed.articles) == ["Inside", "Outside file", "Outside folder", "Sub"]
    assert followed.report.issues == []


def test_follow_links_flag(tmp_path, monkeypatch, capsys):
    import json

    from graphapp.cli import main

    monkeypatch.setenv("GRAPHAPP_CACHE_DIR", str(tmp_path / "cache"))
    root = _linked_tree(tmp_path)
    assert main(["stats", str(root), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["articles"] == 2 and len(result["skipped"]) == 2
    assert main(["stats", str(root), "--json", "--follow-links"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["articles"] == 4 and result["skipped"] == []
    assert main(["stats", str(root), "--json"]) == 0  # the flag does not stick
    assert json.loads(capsys.readouterr().out)["articles"] == 2


# 9. Keys that are not text beside the usual fields


@pytest.mark.parametrize("keys, shown", [("1: one\nnull: nothing\ntrue: yes\n", "1, null, true"),
                                         ("1: one\nnull: nothing\n", "1, null"),
                                         ("2020-01-01: a date\n1.5: x\nfalse: no\n", "2020-01-01, 1.5, false")])
def test_non_text_keys_are_ignored_with_a_warning(tmp_path, keys, shown):
    path = write(tmp_path / "a.md", "---\nwebUrl: https://example.com/a\ntitle: First\n" + keys + "---\n")
    corpus = load([path], cache_dir=False)
    assert [a.story.title for a in corpus.articles] == ["First"], corpus.report.issues
    (issue,) = corpus.report.issues
    assert issue.severity == "warning" and issue.message == f"keys that are not text ignored: {shown}"


# 10. Paths shown as the input was given, never made absolute; the cache keyed by absolute paths


def test_paths_shown_as_given(tmp_path, monkeypatch):
    import pickle

    from graphapp.build import build_graph

    monkeypatch.chdir(tmp_path)
    article(tmp_path / "in" / "sub" / "a.md", "First", "a")
    article(tmp_path / "in" / "b.md", "Second", "b")
    (tmp_path / "in" / "bad.md").write_text("no front matter\n")
    write(tmp_path / "in" / "c.md", "---\nwebUrl: https://example.com/a\ntitle: First\nrelated:\n"
          "  - webUrl: https://example.com/b\n---\n")
    cache = tmp_path / "cache"
    for given in ("./in/", "in", "./in/"):  # the second and third runs are served from the cache
        corpus = load([given], cache_dir=cache)
        sep = "" if given.endswith("/") else "/"
        assert sorted(a.path for a in corpus.articles) == [given + sep + "b.md", given + sep + "sub/a.md"]
        assert [i.path for i in corpus.report.errors] == [given + sep + "bad.md"]
        graph = build_graph(corpus.articles)
        assert graph.nodes["https://example.com/b"]["file"] == given + sep + "b.md"
        assert {d["listed_by"] for _, _, d in graph.edges(data=True) if d.get("kind") == "related"} == {given + sep + "c.md"}
    assert load(["./in/sub/a.md"], cache_dir=False).articles[0].path == "./in/sub/a.md"
    (records,) = [p for p in cache.glob("records-*.pickle")]
    assert all(os.path.isabs(key) for key in pickle.loads(records.read_bytes())["entries"])
