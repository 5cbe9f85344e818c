"""The network view drawn with sigma.js 3 + graphology, vendored (``frontend/bundle.js``, no CDN).

Two ways to show one payload:

- :func:`network_component` — a Streamlit custom component (``st.components.v1`` with a path:
  the iframe loads ``frontend/index.html`` and ``bundle.js`` from the Streamlit server). It sends
  the graph once per ``version`` and later reruns send only the selection and the search; it
  returns what the user clicked.
- :func:`standalone_html` — one offline HTML page inlining the bundle and the data.

This module imports no Streamlit at top level (the library stays Streamlit-free); Streamlit is
imported inside :func:`network_component` only.

The payload (what the rest of the code produces; parallel arrays, edges as node indices)::

    {"nodes": {"key": [str], "label": [str], "x": [float], "y": [float], "size": [float],
               "color": ["#hex"], "kind": ["story"|"outlet"|"cluster"], "url": [str|None],
               "forceLabel": [bool], "focal": [bool],
               # optional, shown in the click panel when present:
               "outlet": [str|None], "time": [str|None]},
     "edges": {"source": [int], "target": [int], "size": [float] | None, "color": "#hex" | ["#hex"]},
     "legend": [[label, "#hex"], ...], "note": str, "version": str}

``size`` is sigma's node radius in screen pixels at the initial zoom (about 2-15 reads well).
Every string is treated as untrusted text by the frontend (textContent / canvas text only; links
only for http/https URLs, with ``rel="noopener noreferrer"``).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from ..urls import is_web_url

__all__ = ["FRONTEND", "KINDS", "payload", "check_payload", "payload_version", "standalone_html", "Prepared", "prepared",
           "network_component"]

FRONTEND = Path(__file__).resolve().parent / "frontend"
KINDS = ("story", "outlet", "cluster")
NODE_FIELDS = ("key", "label", "x", "y", "size", "color", "kind", "url", "forceLabel", "focal")
OPTIONAL_NODE_FIELDS = ("outlet", "time")
COMPONENT_NAME = "graphapp_network"
DEFAULT_EDGE_COLOR = "#cccccc"


def payload_version(data: Mapping[str, Any]) -> str:
    """A short hash of everything but the version itself: same graph, same version."""
    body = {k: v for k, v in data.items() if k != "version"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def payload(
    nodes: Sequence[Mapping[str, Any]],
    edges: Iterable[Sequence[Any]],
    *,
    legend: Iterable[Sequence[str]] = (),
    note: str = "",
    edge_color: str | Sequence[str] = DEFAULT_EDGE_COLOR,
    version: str | None = None,
) -> dict:
    """Build the payload from node dicts and (source_key, target_key[, size]) edges.

    Node dicts hold the NODE_FIELDS (``key`` required; defaults: label = key, x = y = 0, size = 4,
    color = grey, kind = "story", url = None, forceLabel = focal = False) and optionally
    ``outlet`` and ``time``. Coordinates are rounded to 0.01 and sizes to 0.01 to keep the JSON
    small. Edges whose ends are not nodes are dropped; ``version`` defaults to a content hash.
    """
    columns: dict[str, list] = {f: [] for f in NODE_FIELDS}
    extra: dict[str, list] = {f: [] for f in OPTIONAL_NODE_FIELDS}
    index: dict[str, int] = {}
    for node in nodes:
        key = str(node["key"])
        if key in index:
            raise ValueError(f"duplicate node key {key!r}")
        index[key] = len(index)
        columns["key"].append(key)
        columns["label"].append(str(node.get("label") if node.get("label") is not None else key))
        columns["x"].append(round(float(node.get("x", 0.0)), 2))
        columns["y"].append(round(float(node.get("y", 0.0)), 2))
        columns["size"].append(round(float(node.get("size", 4.0)), 2))
        columns["color"].append(str(node.get("color") or "#999999"))
        columns["kind"].append(str(node.get("kind") or "story"))
        url = node.get("url")
        columns["url"].append(url if is_web_url(url) else None)
        columns["forceLabel"].append(bool(node.get("forceLabel", False)))
        columns["focal"].append(bool(node.get("focal", False)))
        for field in OPTIONAL_NODE_FIELDS:
            value = node.get(field)
            extra[field].append(None if value is None else str(value))
    for field, values in extra.items():
        if any(v is not None for v in values):
            columns[field] = values
    sources: list[int] = []
    targets: list[int] = []
    sizes: list[float] = []
    for edge in edges:
        u, v = index.get(str(edge[0])), index.get(str(edge[1]))
        if u is None or v is None or u == v:
            continue
        sources.append(u)
        targets.append(v)
        sizes.append(round(float(edge[2]), 2) if len(edge) > 2 and edge[2] is not None else 1.0)
    data = {
        "nodes": columns,
        "edges": {
            "source": sources,
            "target": targets,
            "size": sizes if any(s != 1.0 for s in sizes) else None,
            "color": edge_color if isinstance(edge_color, str) else [str(c) for c in edge_color],
        },
        "legend": [[str(label), str(color)] for label, color in legend],
        "note": str(note or ""),
    }
    data["version"] = version if version is not None else payload_version(data)
    check_payload(data)
    return data


def check_payload(data: Mapping[str, Any]) -> None:
    """Raise ValueError unless `data` follows the payload contract (lengths, indices, kinds, numbers)."""
    try:
        nodes, edges = data["nodes"], data["edges"]
        keys = nodes["key"]
    except (KeyError, TypeError) as error:
        raise ValueError(f"payload lacks {error}") from None
    n = len(keys)
    for field in NODE_FIELDS + OPTIONAL_NODE_FIELDS:
        if field in nodes and nodes[field] is not None and len(nodes[field]) != n:
            raise ValueError(f"nodes.{field} has {len(nodes[field])} values for {n} nodes")
    for field in ("x", "y"):
        if field not in nodes:
            raise ValueError(f"payload lacks nodes.{field}")
        if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in nodes[field]):
            raise ValueError(f"nodes.{field} holds a value that is not a finite number")
    if "kind" in nodes and not set(nodes["kind"]) <= set(KINDS):
        raise ValueError(f"nodes.kind must be one of {KINDS}")
    source, target = edges.get("source", []), edges.get("target", [])
    if len(source) != len(target):
        raise ValueError("edges.source and edges.target differ in length")
    for name in ("size", "color"):
        value = edges.get(name)
        if isinstance(value, list) and len(value) != len(source):
            raise ValueError(f"edges.{name} has {len(value)} values for {len(source)} edges")
    if source and not (min(source) >= 0 and max(source) < n and min(target) >= 0 and max(target) < n):
        raise ValueError("an edge refers to a node index out of range")
    if not data.get("version"):
        raise ValueError("payload lacks a version")


def _json_for_script(value: Any) -> str:
    """JSON that is safe inside <script type="application/json">: no "<", ">", "&", U+2028/2029 left raw."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    # "<" and ">" only occur inside JSON strings, where \\u003c is the same character: "</script" and
    # "<!--" can never appear, whatever an article title holds.
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _bundle() -> str:
    text = (FRONTEND / "bundle.js").read_text(encoding="utf-8")
    lowered = text.lower()
    if "</script" in lowered or "<!--" in lowered:  # would end the inline script early
        raise RuntimeError("bundle.js holds '</script' or '<!--' and cannot be inlined")
    return text


def _csp_hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"


def standalone_html(data: Mapping[str, Any], *, title: str) -> str:
    """One offline HTML page drawing `data`: title line, note, legend, search box and click panel.

    The bundle and the data are inlined; the data sits in a JSON script element (escaped, so no
    article string can end it) and reaches the page only as text. A Content-Security-Policy lets
    only the page's own script (by hash) run and loads nothing from anywhere.
    """
    check_payload(data)
    bundle = _bundle()
    document = _json_for_script({"title": str(title), "graph": data})
    csp = (f"default-src 'none'; script-src {_csp_hash(bundle)}; style-src 'unsafe-inline'; img-src data:; "
           "font-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'")
    return (
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{html.escape(csp, quote=True)}\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{html.escape(str(title))}</title>\n"
        "<style>html,body{margin:0;height:100%}#graphapp-network{height:100vh}</style>\n"
        "</head>\n<body>\n<div id=\"graphapp-network\"></div>\n"
        f"<script type=\"application/json\" id=\"graphapp-data\">{document}</script>\n"
        f"<script data-graphapp=\"standalone\">{bundle}</script>\n"
        "</body>\n</html>\n"
    )


class Prepared(NamedTuple):
    """A payload checked and encoded once, for a cache to keep: its JSON text is a quarter of the memory of
    the payload's lists (16 MB → 3.9 MB for the whole of azure-news)."""

    version: str
    text: str


def prepared(data: Mapping[str, Any]) -> Prepared:
    """`data` (a payload) checked and as JSON text, ready for :func:`network_component`."""
    return Prepared(str(data["version"]), _serialised(data))


_SERIALISED: OrderedDict[str, str] = OrderedDict()  # version → checked JSON text, the last few drawn
_SERIALISED_KEEP = 16
_SERIALISED_LOCK = threading.Lock()


def _serialised(data: Mapping[str, Any]) -> str:
    """The payload checked and as JSON text, once per version: every new session sends the same graph, and
    checking and encoding a whole corpus (4 MB on azure-news) would cost each of them about 0.3 s."""
    version = str(data["version"])
    with _SERIALISED_LOCK:  # sessions run in threads of their own
        text = _SERIALISED.get(version)
    if text is None:
        check_payload(data)
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    with _SERIALISED_LOCK:
        _SERIALISED[version] = text
        _SERIALISED.move_to_end(version)
        while len(_SERIALISED) > _SERIALISED_KEEP:
            _SERIALISED.popitem(last=False)
    return text


def _session_keys(key: str) -> tuple[str, str]:
    return f"_graphapp_network_sent::{key}", f"_graphapp_network_need::{key}"


def network_component(
    data: Mapping[str, Any] | Prepared,
    *,
    height: int = 700,
    key: str | None = None,
    selected: str | None = None,
    search: str | None = None,
) -> dict | None:
    """Draw `data` (a payload, or one already :func:`prepared`) in Streamlit and return what the user did, or
    None before any click.

    Returns ``{"clicked": node key or None, "viewport": {"x", "y", "ratio"}}`` (sigma camera state
    at the click; a node picked with Enter in the component's search box counts as a click; a click on
    the background or the panel's close button returns clicked None). `selected` highlights a node by
    key and centres on it, `search` finds a node by label substring and centres on it; both are
    applied only when they change, without redrawing the graph.

    The graph is sent to the browser once per ``data["version"]`` and per component `key` (default
    "graphapp_network": give distinct keys to two views on one page); later reruns send only the
    version, the selection and the search (a few hundred bytes). If the browser lost the graph
    (its iframe was re-created), it asks for it and the next rerun sends it again.
    """
    import streamlit as st
    from streamlit.components.v1 import declare_component

    version, text = data if isinstance(data, Prepared) else prepared(data)
    component = declare_component(COMPONENT_NAME, path=str(FRONTEND))
    key = key or COMPONENT_NAME
    sent_key, need_key = _session_keys(key)
    previous = st.session_state.get(key)
    need = previous.get("need") if isinstance(previous, dict) else None
    send = st.session_state.get(sent_key) != version or (need is not None and need != st.session_state.get(need_key))
    if send:
        st.session_state[sent_key] = version
        if need is not None:
            st.session_state[need_key] = need
    value = component(graph=text if send else None, version=version, selected=selected, search=search,
                      height=int(height), key=key, default=None)
    if not isinstance(value, dict) or "seq" not in value:
        return None
    viewport = value.get("viewport")
    return {"clicked": value.get("clicked"), "viewport": viewport if isinstance(viewport, dict) else None}
