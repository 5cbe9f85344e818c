"""Canonical story identity: one URL form per story, whatever tracking, AMP or `www.` the feed added.

Pure and idempotent: ``canonical_url(canonical_url(u)) == canonical_url(u)``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

from .records import kind_of

__all__ = ["canonical_url", "url_problem", "is_web_url", "outlet_domain"]

_TRACKING = re.compile(r"(?i)^(utm_[^=]*|fbclid|gclid|ocid|cmpid)$")
_BAD_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_HOST_NAME = re.compile(r"(?:[^\W_]|[^\W_][\w-]*[^\W_])(?:\.(?:[^\W_]|[^\W_][\w-]*[^\W_]))*(?::\d{1,5})?")
_AMP_CACHE = re.compile(r"(?i)^[^/]+\.cdn\.ampproject\.org$")
_AMP_PATH = re.compile(r"^/[cv]/(s/)?")


def url_problem(url: object) -> str | None:
    """Why `url` cannot identify a web story, or None when it can (http/https with a host)."""
    if not isinstance(url, str):
        return f"expected a URL string, got {kind_of(url)}"
    return _text_url_problem(url)


@lru_cache(maxsize=65536)
def _text_url_problem(url: str) -> str | None:
    text = url.strip()
    if not text:
        return "empty URL"
    if _BAD_CHARS.search(text):
        return "URL contains control characters"
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError as exc:
        return f"malformed URL ({exc})"
    if parts.scheme.lower() not in ("http", "https"):
        return f"scheme {parts.scheme + ':' if parts.scheme else '(none)'} is not http or https"
    if not parts.hostname:
        return "URL has no host"
    return None


def is_web_url(url: object) -> bool:
    """True for http/https URLs with a host: the only links graphapp ever renders."""
    return url_problem(url) is None


@lru_cache(maxsize=65536)
def canonical_url(url: str) -> str:
    """The identity form of a story URL (see docs/input.md, "Story identity").

    >>> canonical_url("http://WWW.Example.com:80/News/Item/?utm_source=x&id=2#top")
    'https://example.com/News/Item?id=2'
    >>> canonical_url("https://www-example-com.cdn.ampproject.org/c/s/www.example.com/a/b")
    'https://example.com/a/b'
    """
    parts = urlsplit(url.strip().replace(" ", "%20"))
    host = (parts.hostname or "").lower()
    path = parts.path
    while _AMP_CACHE.match(host) and _AMP_PATH.match(path):
        inner = urlsplit("https://" + _AMP_PATH.sub("", path, count=1) + ("?" + parts.query if parts.query else ""))
        parts, host, path = inner, (inner.hostname or "").lower(), inner.path
    while host.startswith("www."):
        host = host[4:]
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    port = parts.port
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    query = "&".join(p for p in parts.query.split("&") if p and not _TRACKING.match(p.split("=", 1)[0]))
    path = path.rstrip("/")
    return f"https://{netloc}{path}" + (f"?{query}" if query else "")


def outlet_domain(domain: object, story_key: str) -> str:
    """Outlet identity: the provider's domain, lower case without `www.`; else the story's host."""
    return _outlet_domain(domain if isinstance(domain, str) else None, story_key)


@lru_cache(maxsize=65536)
def _outlet_domain(domain: str | None, story_key: str) -> str:
    if domain and domain.strip():
        text = domain.strip().lower()
        if "://" in text:
            text = urlsplit(text).hostname or text
        text = text.split("/", 1)[0]
        while text.startswith("www."):
            text = text[4:]
        if _HOST_NAME.fullmatch(text):
            return text
    return urlsplit(story_key).hostname or "unknown"
