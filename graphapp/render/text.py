"""Article strings on their way to a page: nothing in them may format, link or run."""

from __future__ import annotations

import re

from ..urls import is_web_url

__all__ = ["inert", "safe_link"]

_MARKDOWN = re.compile(r"[\\`*_{}\[\]()#+\-.!|<>~:$]")


def inert(text: str) -> str:
    """Text for Markdown-rendering elements (Streamlit's st.info, st.warning) with every Markdown
    character escaped, so nothing in it can format, link or run.

    >>> inert("[click](javascript:alert(1))")
    '\\\\[click\\\\]\\\\(javascript\\\\:alert\\\\(1\\\\)\\\\)'
    """
    return _MARKDOWN.sub(r"\\\g<0>", text)


def safe_link(url: object) -> str | None:
    """The URL if it may be rendered as a link (http/https only), else None."""
    return url if is_web_url(url) else None
