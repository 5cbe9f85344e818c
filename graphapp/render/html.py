"""A network view → one standalone, offline, inert HTML page (the same sigma.js bundle the app uses).

Offline: the bundle and the data are inlined, the page loads nothing. Inert: article strings reach
the page only as text (see graphapp.network.standalone_html).
"""

from __future__ import annotations

from .payload import view_payload

__all__ = ["network_page"]


def network_page(view, *, title: str) -> str:
    """The standalone page drawing `view` (a views.NetworkView) under a title line saying what it shows."""
    from ..network import standalone_html

    return standalone_html(view_payload(view), title=title)
