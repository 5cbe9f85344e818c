"""One candidate file → its Article and the issues found; every failure is an issue, never an exception."""

from __future__ import annotations

from ..records import ERROR, WARNING, Article, LoadIssue
from .fields import read_article
from .frontmatter import MAX_FILE_BYTES, FrontMatterError, read_front_matter
from .sources import Source

__all__ = ["parse_source", "read_failed", "READ_ERROR"]

READ_ERROR = "cannot read: "  # how an OS-level read failure begins: such a result is never cached


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
        return None, [LoadIssue(source.path, f"{READ_ERROR}{exc.strerror or exc}")]
    except RecursionError:
        return None, [LoadIssue(source.path, "nested too deeply to read")]
    except (ValueError, TypeError, OverflowError, MemoryError) as exc:  # last line of defence: never crash the load
        return None, [LoadIssue(source.path, f"unreadable front matter: {type(exc).__name__}: {str(exc)[:200]}")]


def _read_capped(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(MAX_FILE_BYTES + 1)


def read_failed(result: tuple) -> bool:
    """Whether a parse result only says the file could not be read (permissions, moved away, I/O error):
    a passing condition of the disk, not the file's content, so it must not be cached."""
    article, issues = result
    return article is None and len(issues) == 1 and issues[0].message.startswith(READ_ERROR) and issues[0].field is None
