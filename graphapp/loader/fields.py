"""One parsed front-matter mapping → one Article record, repairing or dropping what is wrong.

Every repair or drop becomes a warning; a mapping that cannot be a story becomes an error.
Strings are cleaned of control and bidirectional-override characters but otherwise kept as
written (`<`, `&` and quotes are real title text); escaping is the renderer's job.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

from ..records import ERROR, WARNING, Article, LoadIssue, Story, kind_of
from ..urls import canonical_url, outlet_domain, url_problem

__all__ = ["read_article", "MAX_RELATED", "MAX_TITLE", "MAX_EXCERPT"]

MAX_RELATED = 1000
MAX_TITLE = 1000
MAX_EXCERPT = 5000
MAX_QUALITY = 10**6
EARLIEST_YEAR = 1900  # feeds write 0001-01-01 for "no date"

_WHITESPACE_CONTROLS = re.compile(r"[\t\n\r\x0b\x0c\x85\u2028\u2029]+")
_UNSAFE_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]")


class _Issues(list):
    """Collects issues of one file."""

    def __init__(self, path: str):
        super().__init__()
        self.path = path

    def warn(self, field: str, message: str) -> None:
        self.append(LoadIssue(self.path, message, WARNING, field))

    def error(self, field: str | None, message: str) -> None:
        self.append(LoadIssue(self.path, message, ERROR, field))


def read_article(data: dict, path: str, shared: dict | None = None) -> tuple[Article | None, list[LoadIssue]]:
    """Turn one front-matter mapping into an Article, with the problems found on the way.

    `shared` maps each Story to one instance of it: the same related story is listed by dozens
    of files, and sharing the instance keeps memory and the cache small.
    """
    shared = {} if shared is None else shared
    issues = _Issues(path)
    odd = [key for key in data if type(key) is not str]
    if odd:  # `1:`, `null:`, `true:` beside the fields: never a field name, so never read
        from .frontmatter import key_text

        issues.warn("front matter", f"keys that are not text ignored: {', '.join(key_text(k) for k in odd)}")
    story = _story(data, issues, "", required=True)
    if story is None:
        return None, issues
    related = data.get("related")
    entries: list[Story] = []
    if related is not None:
        if not isinstance(related, list):
            issues.warn("related", f"expected a list of stories, got {kind_of(related)}; ignored")
        else:
            if len(related) > MAX_RELATED:
                issues.warn("related", f"{len(related):,} entries; only the first {MAX_RELATED:,} are read")
                related = related[:MAX_RELATED]
            for index, entry in enumerate(related):
                if not isinstance(entry, dict):
                    issues.warn(f"related[{index}]", f"expected a story mapping, got {kind_of(entry)}; entry ignored")
                    continue
                linked = _related_story(entry, index, issues, shared)
                if linked is not None:
                    entries.append(linked)
    return Article(path, story, tuple(entries)), issues


def _related_story(entry: dict, index: int, issues: _Issues, shared: dict) -> Story | None:
    """A related entry as a Story, reusing the one built for an identical entry in another file.

    The same related story is listed by dozens of files; an entry whose fields are all equal to
    one already read cleanly gives the same Story, so it is looked up instead of checked again.
    """
    provider = entry.get("provider")
    name = domain = None
    if type(provider) is dict:
        name, domain = provider.get("name"), provider.get("domain")
    quality, published = entry.get("quality"), entry.get("publishedDateTime")
    # types too: 1 == 1.0 == True, but only the first is a clean quality
    fingerprint = (entry.get("webUrl"), entry.get("originalUrl"), entry.get("title"), entry.get("excerpt"),
                   published, type(published), quality, type(quality), name, domain, type(provider))
    try:
        known = shared.get(fingerprint)
    except TypeError:  # an unhashable field value: check it the long way
        fingerprint = known = None
    if known is not None:
        return known
    before = len(issues)
    story = _story(entry, issues, f"related[{index}].", required=False)
    if story is not None:
        story = shared.setdefault(story, story)
        if fingerprint is not None and len(issues) == before:
            shared[fingerprint] = story
    return story


def _story(data: dict, issues: _Issues, where: str, *, required: bool) -> Story | None:
    """Read the fields shared by an article and a related entry; None when it has no usable URL."""
    url_field = "webUrl" if data.get("webUrl") is not None or data.get("originalUrl") is None else "originalUrl"
    url = data.get(url_field)
    problem = "missing webUrl (and no originalUrl)" if url is None else url_problem(url)
    if problem:
        if required:
            issues.error(url_field, problem)
        else:
            issues.warn(where + url_field, f"{problem}; entry ignored")
        return None
    url = url.strip()
    key = canonical_url(url)

    title = data.get("title")
    if title is not None and not isinstance(title, str):
        message = f"title must be text, got {kind_of(title)}"
        if required:
            issues.error("title", message)
            return None
        issues.warn(where + "title", message + "; dropped")
        title = None
    title = _text(title, where + "title", MAX_TITLE, issues)
    if required and title is None:
        issues.error("title", "missing or empty title")
        return None
    excerpt = data.get("excerpt")
    if excerpt is not None and not isinstance(excerpt, str):
        issues.warn(where + "excerpt", f"excerpt must be text, got {kind_of(excerpt)}; dropped")
        excerpt = None
    excerpt = _text(excerpt, where + "excerpt", MAX_EXCERPT, issues)

    provider = data.get("provider")
    domain = name = None
    if isinstance(provider, dict):
        domain, name = provider.get("domain"), provider.get("name")
        if name is not None and not isinstance(name, str):
            issues.warn(where + "provider.name", f"must be text, got {kind_of(name)}; dropped")
            name = None
        if domain is not None and not isinstance(domain, str):
            issues.warn(where + "provider.domain", f"must be text, got {kind_of(domain)}; the URL's host is used")
            domain = None
    elif provider is not None:
        issues.warn(where + "provider", f"expected a mapping with name and domain, got {kind_of(provider)}; ignored")

    aliases = []
    if required:
        for alias_field in ("ampWebUrl", "cdnAmpWebUrl"):
            alias = data.get(alias_field)
            if alias is None:
                continue
            alias_problem = url_problem(alias)
            if alias_problem:
                issues.warn(alias_field, f"{alias_problem}; alias ignored")
            elif (alias_key := canonical_url(alias.strip())) != key and alias_key not in aliases:
                aliases.append(alias_key)

    return Story(
        key=key,
        url=url,
        outlet=outlet_domain(domain, key),
        title=title,
        excerpt=excerpt,
        outlet_name=_text(name, where + "provider.name", MAX_TITLE, issues),
        published=_published(data.get("publishedDateTime"), where, issues),
        quality=_quality(data.get("quality"), where, issues),
        topics=_topics(data.get("topics"), where, issues) if required else (),
        aliases=tuple(aliases),
    )


def _text(value: str | None, field: str, limit: int, issues: _Issues) -> str | None:
    if value is None:
        return None
    if value.isprintable() and len(value) <= limit:  # the common case, checked in C
        return value.strip() or None
    if _UNSAFE_CHARS.search(value):
        value = _UNSAFE_CHARS.sub("", value)
        issues.warn(field, "control, surrogate or bidirectional-override characters removed")
    value = _WHITESPACE_CONTROLS.sub(" ", value).strip()
    if len(value) > limit:
        issues.warn(field, f"{len(value):,} characters; truncated to {limit:,}")
        value = value[:limit]
    return value or None


def _published(value, where: str, issues: _Issues) -> datetime | None:
    if value is None:
        return None
    field = where + "publishedDateTime"
    if type(value) is date:
        value = datetime.combine(value, time(), UTC)
    elif isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            issues.warn(field, f"not a valid date and time: {value[:40]!r}; dropped")
            return None
    if not isinstance(value, datetime):
        issues.warn(field, f"expected a date and time, got {kind_of(value)}; dropped")
        return None
    try:
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:
        issues.warn(field, f"date {value.isoformat()} is out of range in UTC; dropped")
        return None
    if value.year < EARLIEST_YEAR:
        issues.warn(field, f"date {value.date().isoformat()} is a placeholder, not a publication date; dropped")
        return None
    return value


def _quality(value, where: str, issues: _Issues) -> int | None:
    if value is None:
        return None
    field = where + "quality"
    if type(value) is int:
        if 0 <= value <= MAX_QUALITY:
            return value
        issues.warn(field, "negative quality; dropped" if value < 0 else "quality out of range; dropped")
        return None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        digits = value.strip()
        if len(digits) <= 7 and int(digits) <= MAX_QUALITY:
            issues.warn(field, f"quality written as text {digits!r}; read as {int(digits)}")
            return int(digits)
        issues.warn(field, "quality out of range; dropped")
        return None
    shown = repr(value)[:40] if isinstance(value, (str, float)) else kind_of(value)
    issues.warn(field, f"quality must be a whole number, got {shown}; dropped")
    return None


def _topics(value, where: str, issues: _Issues) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        issues.warn(where + "topics", f"expected a list of topics, got {kind_of(value)}; ignored")
        return ()
    topics = []
    for topic in value:
        if isinstance(topic, str) and (clean := _text(topic, where + "topics", 200, issues)):
            if clean not in topics:
                topics.append(clean)
        else:
            issues.warn(where + "topics", f"topic must be text, got {kind_of(topic)}; dropped")
    return tuple(topics)
