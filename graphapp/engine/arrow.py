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


def _text_array(values) -> pa.Array:
    """str values (None allowed) as a binary column; lone surrogates kept (see the module docstring)."""
    try:
        return pa.array(values, type=pa.string()).cast(_TEXT)
    except (UnicodeEncodeError, pa.ArrowException):
        return pa.array([_b(v) for v in values], type=_TEXT)


def _list_array(lists: list) -> pa.Array:
    offsets = [0]
    for values in lists:
        offsets.append(offsets[-1] + len(values))
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), _text_array([v for values in lists for v in values]))


def _story_arrays(stories: list[Story]) -> list[pa.Array]:
    """Story records as columns, in the order of _STORY_FIELDS."""
    columns = list(zip(*stories)) if stories else [()] * len(Story._fields)
    key, url, outlet, title, excerpt, outlet_name, published, quality, topics, aliases = columns
    micros = [None if when is None else (when - _EPOCH) // _MICRO for when in published]
    return [*map(_text_array, (key, url, outlet, title, excerpt, outlet_name)), pa.array(micros, pa.int64()),
            pa.array(quality, pa.int64()), _list_array(topics), _list_array(aliases)]


def _texts(column: pa.Array) -> list:
    """A text column as str values: one cast for valid UTF-8 (nearly always), else byte by byte."""
    try:
        return column.cast(pa.string()).to_pylist()
    except pa.ArrowInvalid:  # lone surrogates (undecodable file names)
        return [_s(value) for value in column.to_pylist()]


def _lists(column: pa.Array) -> list[tuple[str, ...]]:
    values, offsets = _texts(column.flatten()), column.offsets.to_pylist()
    return [tuple(values[start:stop]) for start, stop in zip(offsets, offsets[1:])]


def _stories(columns: dict) -> list[Story]:
    """Story records of columns named as _STORY_FIELDS, converted a column at a time (not a row at a time)."""
    published = [None if us is None else _EPOCH + us * _MICRO for us in columns["published"].to_pylist()]
    parts = [_texts(columns[name]) for name in ("key", "url", "outlet", "title", "excerpt", "outlet_name")]
    parts += [published, columns["quality"].to_pylist(), _lists(columns["topics"]), _lists(columns["aliases"])]
    return [Story(*values) for values in zip(*parts)]


def to_tables(indexes: list[int], results: list[tuple]) -> tuple[pa.Table, pa.Table]:
    """(articles, issues) tables of parse results, each tagged with its input position; built a column at a
    time, as a worker builds thousands of rows."""
    loaded = [(index, article) for index, (article, _) in zip(indexes, results) if article is not None]
    articles = [article for _, article in loaded]
    related = [story for article in articles for story in article.related]
    offsets = [0]
    for article in articles:
        offsets.append(offsets[-1] + len(article.related))
    names = [name for name, _ in _STORY_FIELDS]
    related_column = pa.ListArray.from_arrays(pa.array(offsets, pa.int32()),
                                              pa.StructArray.from_arrays(_story_arrays(related), names=names))
    table = pa.Table.from_arrays([pa.array([i for i, _ in loaded], pa.int64()), _text_array([a.path for a in articles]),
                                  *_story_arrays([a.story for a in articles]), related_column,
                                  _list_array([a.related_paths for a in articles]),
                                  _list_array([a.merged_paths for a in articles])], schema=ARTICLES)
    issues = [{"index": index, "path": _b(i.path), "message": _b(i.message), "severity": _b(i.severity),
               "field": _b(i.field), "line": i.line} for index, (_, found) in zip(indexes, results) for i in found]
    return table, pa.Table.from_pylist(issues, schema=ISSUES)


def from_tables(articles: pa.Table, issues: pa.Table) -> dict[int, tuple]:
    """Input position → (Article or None, [LoadIssue]): the parse results the tables hold."""
    articles = articles.combine_chunks()
    columns = {name: articles.column(name).combine_chunks() for name in articles.column_names}
    stories = _stories(columns)
    related_column = columns["related"]
    flat = related_column.flatten()
    related = _stories({name: flat.field(name) for name, _ in _STORY_FIELDS})
    offsets = related_column.offsets.to_pylist()
    results: dict[int, tuple] = {}
    for index, path, story, start, stop, paths, merged in zip(columns["index"].to_pylist(), _texts(columns["path"]), stories,
                                                             offsets, offsets[1:], _lists(columns["related_paths"]),
                                                             _lists(columns["merged_paths"])):
        results[index] = (Article(path, story, tuple(related[start:stop]), paths, merged), [])
    for row in issues.to_pylist():
        article, found = results.setdefault(row["index"], (None, []))
        found.append(LoadIssue(_s(row["path"]), _s(row["message"]), _s(row["severity"]), _s(row["field"]), row["line"]))
    return results
