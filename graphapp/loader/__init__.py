"""Files, folders and zips → merged Article records and a LoadReport (the first stage).

One module a step: `sources` (paths → candidate files), `frontmatter` (bytes → YAML mapping),
`fields` (mapping → Article and warnings), `parse` (one file, never raising), `workers` (many files,
in parallel), `merge` (one story per canonical URL), `cache` (parsed files on disk).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..records import Article, LoadIssue, LoadReport
from .cache import RecordCache, default_cache_dir
from .merge import merge_duplicates
from .parse import parse_source, read_failed
from .sources import Source, ZipLimits, find_sources, sources_from_upload
from .workers import Progress, parse_all

__all__ = ["Corpus", "load", "load_sources", "corpus_of", "parse_source", "fingerprint", "find_sources", "sources_from_upload",
           "Source", "ZipLimits", "default_cache_dir"]


@dataclass(slots=True, repr=False)
class Corpus:
    """What a load produced: one Article per story file (duplicates merged) and the report."""

    articles: list[Article] = field(default_factory=list)
    report: LoadReport = field(default_factory=LoadReport)

    def __repr__(self) -> str:  # a corpus holds millions of records: never print them all
        report = self.report
        return (f"<Corpus: {len(self.articles):,} articles from {report.files:,} files, "
                f"{len(report.skipped):,} skipped, {len(report.merges):,} merges, {len(report.warnings):,} warnings>")


def load(
    paths: Iterable[str | os.PathLike],
    *,
    cache_dir: str | os.PathLike | None | bool = None,
    workers: int | None = None,
    progress: Progress | None = None,
    zip_limits: ZipLimits = ZipLimits(),
    follow_links: bool | None = None,
) -> Corpus:
    """Read every article under `paths`. Bad files are reported, never raised.

    `cache_dir=False` turns the on-disk cache off; None uses the default location. `follow_links`:
    also follow symbolic links out of an input folder (see `sources`).

    >>> from graphapp import SEEDS
    >>> load([SEEDS], cache_dir=False)
    <Corpus: 1 articles from 1 files, 0 skipped, 0 merges, 0 warnings>
    """
    paths = [str(p) for p in paths]
    sources, issues = find_sources(paths, zip_limits=zip_limits, follow_links=follow_links)
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
    cache = None if cache_dir is False else RecordCache(Path(cache_dir) if cache_dir else default_cache_dir(), inputs)
    results: list = [None] * len(sources)
    todo = []
    for index, source in enumerate(sources):
        cached = cache.get(source.file, source.stamp) if cache and source.file else None
        if cached is None:
            todo.append(index)
        else:
            results[index] = _shown_as(cached, source.path)
    done = len(sources) - len(todo)
    if progress:
        progress(done, len(sources))
    for index, result in parse_all([sources[i] for i in todo], todo, workers=workers, progress=progress, done=done,
                                   total=len(sources)):
        results[index] = result
        source = sources[index]
        if cache and source.file and not read_failed(result):
            cache.put(source.file, source.stamp, result)
    if cache:
        cache.keep_only({s.file for s in sources if s.file})
        cache.save()
    return corpus_of(sources, issues, results)


def corpus_of(sources: list[Source], issues: list[LoadIssue], results: list[tuple], *, merge=merge_duplicates) -> Corpus:
    """The Corpus of parse results (one per source, in order): the report, then one story per canonical URL.

    `merge` is `merge_duplicates` or a function giving the same answer (the Dask engine's, which already knows
    which URLs repeat); every engine assembles here, so reports cannot differ between them.
    """
    # files: every article candidate considered, including zip members refused before parsing
    # (a path that does not exist is reported, but is no file)
    report = LoadReport(files=len(sources) + len({i.path for i in issues if i.field != "path"}), issues=list(issues))
    articles = []
    for article, file_issues in results:
        report.issues.extend(file_issues)
        if article is not None:
            articles.append(article)
    return Corpus(merge(articles, report), report)


def _shown_as(result: tuple, path: str) -> tuple:
    """A cached parse result under the path shown this time (the cache is keyed by absolute path; the
    same input may be given as `corpus`, then `./corpus/`)."""
    article, issues = result
    if (article.path if article is not None else issues[0].path if issues else path) == path:
        return result
    return (None if article is None else dataclasses.replace(article, path=path),
            [dataclasses.replace(issue, path=path) for issue in issues])


def fingerprint(sources: list[Source]) -> str | None:
    """Identity of a set of input files by shown and absolute path, size, modification time, inode and
    change time (see `cache`); None for zip members."""
    digest = hashlib.sha256()
    for source in sources:
        if source.file is None:
            return None
        digest.update(f"{source.path}\0{source.file}\0{source.size}\0{source.mtime_ns}\0{source.inode}\0{source.ctime_ns}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()
