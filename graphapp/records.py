"""Small typed records passed between stages; no I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

__all__ = ["STORY", "OUTLET", "RELATED", "PUBLISHED_BY", "outlet_node", "utc_text", "parse_utc", "Story", "Article", "LoadIssue", "Merge", "LoadReport", "ERROR", "WARNING", "kind_of", "display_path"]

ERROR = "error"
WARNING = "warning"

# Names of the graph model (see build.py): node and edge `kind` values.
STORY, OUTLET = "story", "outlet"
RELATED, PUBLISHED_BY = "related", "published_by"


def outlet_node(domain: str) -> str:
    """Node key of an outlet."""
    return f"outlet:{domain}"


def utc_text(value: datetime) -> str:
    """`2020-06-11T09:53:00Z`: the graph's one date format; it sorts as text in time order."""
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:{value.minute:02d}:{value.second:02d}Z"


def parse_utc(text: str) -> datetime:
    """The inverse of `utc_text` (also reads any ISO 8601 date-time with an offset)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class Story(NamedTuple):
    """One story as described by a file or by a `related:` entry of a file.

    A NamedTuple, not a dataclass: a corpus holds hundreds of thousands of these, and tuples
    are the cheapest immutable records to build and to pickle into the cache.
    """

    key: str  # canonical URL: the story's identity
    url: str  # the URL as written, for display and links
    outlet: str  # outlet domain, lower case, no leading www.
    title: str | None = None
    excerpt: str | None = None
    outlet_name: str | None = None
    published: datetime | None = None  # timezone-aware, UTC
    quality: int | None = None
    topics: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()  # canonical forms of ampWebUrl / cdnAmpWebUrl


@dataclass(slots=True, frozen=True)
class Article:
    """A story that has its own file, with the stories it lists as related."""

    path: str
    story: Story
    related: tuple[Story, ...] = ()
    related_paths: tuple[str, ...] = ()  # file that listed each related entry, when files were merged
    merged_paths: tuple[str, ...] = ()  # the other files merged into this story


@dataclass(slots=True, frozen=True)
class LoadIssue:
    """One problem with one input: `error` skips the file, `warning` repairs or drops a field."""

    path: str
    message: str
    severity: str = ERROR
    field: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = self.path + (f":{self.line}" if self.line is not None else "")
        what = f" [{self.field}]" if self.field else ""
        return f"{self.severity}: {where}{what}: {self.message}"


@dataclass(slots=True, frozen=True)
class Merge:
    """Several files that describe one story; `kept` is the file whose data won."""

    key: str
    kept: str
    paths: tuple[str, ...]


@dataclass(slots=True)
class LoadReport:
    """Everything a load found: how many files, which were skipped and why, what was merged."""

    files: int = 0
    issues: list[LoadIssue] = field(default_factory=list)
    merges: list[Merge] = field(default_factory=list)

    @property
    def errors(self) -> list[LoadIssue]:
        """Issues that skipped a file or an entry (severity error)."""
        return [i for i in self.issues if i.severity == ERROR]

    @property
    def warnings(self) -> list[LoadIssue]:
        """Issues about a field that was repaired or dropped (the file still loaded)."""
        return [i for i in self.issues if i.severity == WARNING]

    @property
    def skipped(self) -> list[LoadIssue]:
        """One entry per skipped file (its first error)."""
        seen: dict[str, LoadIssue] = {}
        for issue in self.errors:
            seen.setdefault(issue.path, issue)
        return list(seen.values())


def kind_of(value: object) -> str:
    """A reader's name for a YAML value's type, for messages: 'a boolean', 'text', 'a list'..."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "nothing"
    return "a " + type(value).__name__


_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def display_path(text: str) -> str:
    """A path (or a line naming paths) safe to print on a terminal: control characters, bidirectional
    overrides and the surrogates that stand for undecodable bytes of a file name (`os.fsdecode`) are
    shown escaped, e.g. `caf\\xe9 \\x1b[31m.md`, never sent raw; everything printable is kept."""
    if text.isprintable():
        return text
    out = []
    for char in text:
        if char.isprintable():
            out.append(char)
        elif char in _NAMED_ESCAPES:
            out.append(_NAMED_ESCAPES[char])
        elif 0xDC80 <= (code := ord(char)) <= 0xDCFF:  # an undecodable byte of a file name
            out.append(f"\\x{code - 0xDC00:02x}")
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        else:
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
    return "".join(out)
