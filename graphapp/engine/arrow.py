"""Parse results ↔ Arrow tables: how parsed records travel from Dask workers to the client (or to Parquet).

One row per parsed file in `articles` (its story's fields as columns, its related entries as a list of
structs), one row per issue in `issues`; both carry the file's position in the input (`index`), so the
client puts results back in input order whatever order the shards finish in.

Text is stored as bytes (UTF-8 with surrogates passed through): a file name with undecodable bytes holds
lone surrogates, which Arrow strings refuse, and reports must show the same path as the local engine.
Times are whole microseconds since the epoch (a Python datetime's own precision), read back as UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa

from ..records import Article, LoadIssue, Story

__all__ = ["ARTICLES", "ISSUES", "to_tables", "from_tables"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)
_TEXT = pa.binary()
_STORY_FIELDS = [("key", _TEXT), ("url", _TEXT), ("outlet", _TEXT), ("title", _TEXT), ("excerpt", _TEXT),
                 ("outlet_name", _TEXT), ("published", pa.int64()), ("quality", pa.int64()),
                 ("topics", pa.list_(_TEXT)), ("aliases", pa.list_(_TEXT))]
ARTICLES = pa.schema([("index", pa.int64()), ("path", _TEXT), *_STORY_FIELDS,
                      ("related", pa.list_(pa.struct(_STORY_FIELDS))),
                      ("related_paths", pa.list_(_TEXT)), ("merged_paths", pa.list_(_TEXT))])
ISSUES = pa.schema([("index", pa.int64()), ("path", _TEXT), ("message", _TEXT), ("severity", _TEXT), ("field", _TEXT),
                    ("line", pa.int64())])


def _b(text: str | None) -> bytes | None:
    return None if text is None else text.encode("utf-8", "surrogatepass")


def _s(data: bytes | None) -> str | None:
    return None if data is None else data.decode("utf-8", "surrogatepass")


def _story_row(story: Story) -> dict:
    published = None if story.published is None else (story.published - _EPOCH) // _MICRO
    return {"key": _b(story.key), "url": _b(story.url), "outlet": _b(story.outlet), "title": _b(story.title),
            "excerpt": _b(story.excerpt), "outlet_name": _b(story.outlet_name), "published": published,
            "quality": story.quality, "topics": [_b(t) for t in story.topics], "aliases": [_b(a) for a in story.aliases]}


def _story(row: dict) -> Story:
    published = None if row["published"] is None else _EPOCH + row["published"] * _MICRO
    return Story(_s(row["key"]), _s(row["url"]), _s(row["outlet"]), _s(row["title"]), _s(row["excerpt"]),
                 _s(row["outlet_name"]), published, row["quality"], tuple(map(_s, row["topics"])),
                 tuple(map(_s, row["aliases"])))


def to_tables(indexes: list[int], results: list[tuple]) -> tuple[pa.Table, pa.Table]:
    """(articles, issues) tables of parse results, each tagged with its input position."""
    articles, issues = [], []
    for index, (article, found) in zip(indexes, results):
        if article is not None:
            articles.append({"index": index, "path": _b(article.path), **_story_row(article.story),
                             "related": [_story_row(s) for s in article.related],
                             "related_paths": [_b(p) for p in article.related_paths],
                             "merged_paths": [_b(p) for p in article.merged_paths]})
        issues += [{"index": index, "path": _b(i.path), "message": _b(i.message), "severity": _b(i.severity),
                    "field": _b(i.field), "line": i.line} for i in found]
    return pa.Table.from_pylist(articles, schema=ARTICLES), pa.Table.from_pylist(issues, schema=ISSUES)


def from_tables(articles: pa.Table, issues: pa.Table) -> dict[int, tuple]:
    """Input position → (Article or None, [LoadIssue]): the parse results the tables hold."""
    results: dict[int, tuple] = {}
    for row in articles.to_pylist():
        story = _story({name: row[name] for name, _ in _STORY_FIELDS})
        results[row["index"]] = (Article(_s(row["path"]), story, tuple(map(_story, row["related"])),
                                         tuple(map(_s, row["related_paths"])), tuple(map(_s, row["merged_paths"]))), [])
    for row in issues.to_pylist():
        article, found = results.setdefault(row["index"], (None, []))
        found.append(LoadIssue(_s(row["path"]), _s(row["message"]), _s(row["severity"]), _s(row["field"]), row["line"]))
    return results
