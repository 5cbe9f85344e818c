"""The numbers `graphapp stats` prints, for a set of input paths: load → build → filter → summary.

The answer is cached with the inputs' fingerprint (every file's path, size and modification
time): when nothing changed since the last run it is read back without importing networkx.
"""

from __future__ import annotations

import json

from .cache import ResultCache, default_cache_dir
from .errors import NothingLoadedError
from .filters import Filters
from .load import fingerprint, load_sources
from .sources import find_sources

__all__ = ["corpus_stats", "issue_dict", "nothing_message"]


def corpus_stats(paths, *, filters: Filters = Filters(), seed: int = 0, cache_dir=None, progress=None) -> dict:
    """Counts of files, stories, outlets, links, components and clusters (see README, CLI reference)."""
    paths = [str(p) for p in paths]
    sources, issues = find_sources(paths)
    key = fingerprint(sources) if cache_dir is not False else None
    results = ResultCache(cache_dir or default_cache_dir(), paths, key) if key else None
    options = json.dumps({"filters": repr(filters), "seed": seed}, sort_keys=True)
    if results and (known := results.get(options)) is not None:
        return known
    corpus = load_sources(sources, issues, inputs=paths, cache_dir=cache_dir, progress=progress)
    answer = _count(corpus, filters, seed)
    if results:
        results.put(options, answer)
    return answer


def _count(corpus, filters: Filters, seed: int) -> dict:
    from .analyze import resolved_summary, summary
    from .build import build_graph, resolve_stories
    from .filters import filter_graph

    report = corpus.report
    skipped = report.skipped
    answer = {
        "files": report.files,
        "articles": len(corpus.articles) + sum(len(m.paths) - 1 for m in report.merges),  # files that loaded
        "skipped": [issue_dict(i) for i in skipped],
        "merged": sum(len(m.paths) - 1 for m in report.merges),
        "merges": [{"url": m.key, "kept": m.kept, "paths": list(m.paths)} for m in report.merges],
        "warnings": [issue_dict(i) for i in report.warnings],
    }
    if not corpus.articles:
        raise NothingLoadedError(nothing_message(report), skipped=answer["skipped"])
    if filters.active:
        answer.update(summary(filter_graph(build_graph(corpus.articles), filters), seed=seed))
    else:  # the same counts, without the cost of a networkx graph
        answer.update(resolved_summary(resolve_stories(corpus.articles), seed=seed))
    return answer


def issue_dict(issue) -> dict:
    """A LoadIssue as the JSON object `stats --json` prints."""
    return {"path": issue.path, "line": issue.line, "field": issue.field, "reason": issue.message}


def nothing_message(report) -> str:
    """The one line shown when no input gave a usable article."""
    first = report.errors[0] if report.errors else None
    detail = f" (first problem: {first.path}: {first.message})" if first else ""
    if not report.files:
        return f"no article files found in the given paths{detail}"
    return f"nothing usable in the given paths: {report.files} article files found, all skipped{detail}"
