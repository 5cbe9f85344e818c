"""Files, folders and zips → merged Article records and a LoadReport.

Parsing runs in worker processes for large inputs and is cached per file on disk; merging of
files that describe one story happens here, after parsing, in a fixed order so results do not
depend on worker timing.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .cache import RecordCache, default_cache_dir
from .fields import read_article
from .frontmatter import MAX_FILE_BYTES, FrontMatterError, read_front_matter
from .records import ERROR, WARNING, Article, LoadIssue, LoadReport, Merge
from .sources import Source, ZipLimits, find_sources

__all__ = ["Corpus", "load", "load_sources", "parse_source", "fingerprint"]

Progress = Callable[[int, int], None]
_PARALLEL_BYTES = 8 * 1024 * 1024  # below this, worker start-up costs more than it saves
_OLDEST = datetime.min.replace(tzinfo=timezone.utc)


@dataclass(slots=True)
class Corpus:
    """What a load produced: one Article per story file (duplicates merged) and the report."""

    articles: list[Article] = field(default_factory=list)
    report: LoadReport = field(default_factory=LoadReport)


def load(
    paths: Iterable[str | os.PathLike],
    *,
    cache_dir: str | os.PathLike | None | bool = None,
    workers: int | None = None,
    progress: Progress | None = None,
    zip_limits: ZipLimits = ZipLimits(),
) -> Corpus:
    """Read every article under `paths`. Bad files are reported, never raised.

    `cache_dir=False` turns the on-disk cache off; None uses the default location.
    """
    paths = [str(p) for p in paths]
    sources, issues = find_sources(paths, zip_limits=zip_limits)
    return load_sources(sources, issues, inputs=paths, cache_dir=cache_dir, workers=workers, progress=progress)


def load_sources(
    sources: list[Source],
    issues: list[LoadIssue],
    *,
    inputs: list[str],
    cache_dir: str | os.PathLike | None | bool = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Corpus:
    """Parse already-discovered sources (see `find_sources`); `inputs` names the cache."""
    with _gc_paused():
        return _load(sources, list(issues), inputs, cache_dir, workers, progress)


@contextmanager
def _gc_paused():
    """Parsing builds millions of small containers and no cycles; the cyclic GC only slows it down."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load(sources: list[Source], issues: list[LoadIssue], paths: list[str], cache_dir, workers, progress) -> Corpus:
    cache = None if cache_dir is False else RecordCache(Path(cache_dir) if cache_dir else default_cache_dir(), paths)
    results: list = [None] * len(sources)
    todo = []
    for index, source in enumerate(sources):
        cached = cache.get(source.path, source.size, source.mtime_ns) if cache and source.file else None
        if cached is None:
            todo.append(index)
        else:
            results[index] = cached
    done = len(sources) - len(todo)
    if progress:
        progress(done, len(sources))
    for index, result in _parse_all([sources[i] for i in todo], todo, workers, progress, done, len(sources)):
        results[index] = result
        source = sources[index]
        if cache and source.file:
            cache.put(source.path, source.size, source.mtime_ns, result)
    if cache:
        cache.keep_only({s.path for s in sources if s.file})
        cache.save()

    # files: every article candidate considered, including zip members refused before parsing
    # (a path that does not exist is reported, but is no file)
    report = LoadReport(files=len(sources) + len({i.path for i in issues if i.field != "path"}), issues=issues)
    articles = []
    for article, file_issues in results:
        report.issues.extend(file_issues)
        if article is not None:
            articles.append(article)
    return Corpus(_merge_duplicates(articles, report), report)


def parse_source(source: Source, shared: dict | None = None, *, strict: bool = False) -> tuple[Article | None, list[LoadIssue]]:
    """Parse one candidate file; every failure becomes an issue, never an exception."""
    try:
        data = source.data if source.data is not None else _read_capped(source.file)
        mapping, notes = read_front_matter(data, strict=strict)
        article, issues = read_article(mapping, source.path, shared)
        return article, [LoadIssue(source.path, note, WARNING, "front matter") for note in notes] + issues
    except FrontMatterError as exc:
        return None, [LoadIssue(source.path, exc.message, ERROR, exc.field, exc.line)]
    except OSError as exc:
        return None, [LoadIssue(source.path, f"cannot read: {exc.strerror or exc}")]
    except RecursionError:
        return None, [LoadIssue(source.path, "nested too deeply to read")]
    except (ValueError, TypeError, OverflowError, MemoryError) as exc:  # last line of defence: never crash the load
        return None, [LoadIssue(source.path, f"unreadable front matter: {type(exc).__name__}: {str(exc)[:200]}")]


def _read_capped(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(MAX_FILE_BYTES + 1)


_WORKER_SHARED: dict = {}  # per worker process: related stories already read, reused across batches


def _parse_batch(batch: list[Source]) -> list:
    gc.disable()
    return [parse_source(source, _WORKER_SHARED) for source in batch]


def _parse_all(sources: list[Source], indexes: list[int], workers, progress, done: int, total: int):
    """Yield (index, result) for every source, in parallel when the input is large."""
    size = sum(s.size for s in sources)
    workers = workers if workers is not None else min(os.cpu_count() or 1, 8)
    # Off the main thread (the app runs each session's script in a thread) the native YAML parser
    # runs in worker processes only: it crashed a Streamlit script thread here (about 1 run in 8 of
    # the app tests), and a crash in a worker costs a strict re-parse instead of the server.
    in_thread = threading.current_thread() is not threading.main_thread()
    if not sources:
        return
    if not in_thread and (workers <= 1 or size < _PARALLEL_BYTES or len(sources) < 16):
        shared: dict = {}
        for index, source in zip(indexes, sources):
            yield index, parse_source(source, shared)
            done += 1
            if progress and done % 64 == 0:
                progress(done, total)
        if progress:
            progress(total, total)
        return
    workers = max(1, min(workers, len(sources)))
    batches = _batches(list(zip(indexes, sources)), workers * 8)
    # fork: workers start at once and share what is already imported. spawn would re-run the
    # caller's __main__ module, which a script without a main guard cannot survive.
    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        futures = [(batch, pool.submit(_parse_batch, [s for _, s in batch])) for batch in batches]
        broken = False
        for batch, future in futures:
            results = None
            try:
                results = None if broken else future.result()
            except BrokenProcessPool:
                broken = True
            if results is None:  # a worker died: read what it left with the strict parser only
                results = [parse_source(source, strict=True) for _, source in batch]
            for (index, _), result in zip(batch, results):
                yield index, result
            done += len(batch)
            if progress:
                progress(done, total)


def _batches(items: list, count: int) -> list[list]:
    """Split into about `count` runs of similar byte size, keeping order."""
    total = sum(source.size for _, source in items) or 1
    target = total / count
    batches, current, current_size = [], [], 0
    for item in items:
        current.append(item)
        current_size += item[1].size
        if current_size >= target:
            batches.append(current)
            current, current_size = [], 0
    if current:
        batches.append(current)
    return batches


def _merge_duplicates(articles: list[Article], report: LoadReport) -> list[Article]:
    """Files with one canonical URL are one story: newest publication wins, related lists are united."""
    by_key: dict[str, list[Article]] = {}
    for article in articles:
        by_key.setdefault(article.story.key, []).append(article)
    merged = []
    for key, group in by_key.items():
        if len(group) == 1:
            merged.append(group[0])
            continue
        group.sort(key=lambda a: (a.story.published or _OLDEST, a.path), reverse=True)
        kept = group[0]
        related, listed_by, seen = [], [], set()
        for article in group:
            for story in article.related:
                if story.key not in seen:
                    seen.add(story.key)
                    related.append(story)
                    listed_by.append(article.path)
        aliases = tuple(dict.fromkeys(a for article in group for a in article.story.aliases))
        merged.append(Article(kept.path, kept.story._replace(aliases=aliases), tuple(related), tuple(listed_by),
                              tuple(article.path for article in group[1:])))
        paths = tuple(article.path for article in group)
        report.merges.append(Merge(key, kept.path, paths))
        titles = {article.story.title for article in group}
        if len(titles) > 1:
            others = ", ".join(article.path for article in group[1:])
            report.issues.append(
                LoadIssue(kept.path, f"same URL as {others} but a different title; kept this file's data", WARNING, "title")
            )
    return merged


def fingerprint(sources: list[Source]) -> str | None:
    """Identity of a set of input files by path, size and modification time; None for zip members."""
    import hashlib

    digest = hashlib.sha256()
    for source in sources:
        if source.file is None:
            return None
        digest.update(f"{source.path}\0{source.size}\0{source.mtime_ns}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()
