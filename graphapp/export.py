"""The registry of export formats, read by both the CLI and the app's download buttons.

Every writer takes a `pipeline.Result` (one dataset seen with one `ViewOptions`) and returns bytes,
so an export is exactly the view: its filters, its level (events add their `similar` links and
evidence), its focus, colours, sizes and seed. Files are valid for strict readers: GraphML and
GEXF node ids are XML name tokens derived from the canonical URL (kept as the `node_key`
attribute), GEXF gets the small fixes networkx needs to validate, JSON never holds NaN, and CSV
cells that a spreadsheet would run as a formula are prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from .pipeline import Result

__all__ = ["Exporter", "EXPORTERS", "export_bytes", "format_for_path", "xml_id", "safe_csv", "NODE_COLUMNS", "EDGE_COLUMNS"]

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NODE_COLUMNS = ["id", "kind", "title", "url", "outlet", "outlet_name", "published", "quality", "topics", "has_file",
                "name", "domain", "stories", "file", "merged_files", "excerpt"]
EDGE_COLUMNS = ["source", "target", "kind", "listed_by", "similarity"]


@dataclass(frozen=True, slots=True)
class Exporter:
    """One export format: how to name, label and write it."""

    name: str
    suffix: str
    media_type: str
    description: str
    write: Callable[[Result], bytes]


def xml_id(key: str) -> str:
    """A stable XML-name-token id for a node key (`s…` for stories, `o…` for outlets)."""
    prefix = "o" if key.startswith("outlet:") else "s"
    return prefix + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def _xml_safe(graph: nx.DiGraph, *, gexf_labels: bool = False) -> nx.DiGraph:
    """A copy with XML-token ids, the original key as `key`, and no XML-invalid characters."""
    out = nx.DiGraph()
    for node, data in graph.nodes(data=True):
        attributes = {k: _clean(v) for k, v in data.items() if k not in ("id", "label", "viz", "start", "end")}
        attributes["node_key"] = node  # not "key": networkx renames that one in GEXF
        if gexf_labels:
            attributes["label"] = _clean(str(data.get("title") or data.get("name") or node))
        out.add_node(xml_id(node), **attributes)
    for u, v, data in graph.edges(data=True):
        out.add_edge(xml_id(u), xml_id(v), **{k: _clean(w) for k, w in data.items() if k not in ("id", "type", "label")})
    return out


def _clean(value):
    return _XML_INVALID.sub("", value) if isinstance(value, str) else value


def _graphml(graph: nx.DiGraph) -> bytes:
    buffer = io.BytesIO()
    nx.write_graphml(_xml_safe(graph), buffer, encoding="utf-8", prettyprint=False)
    return buffer.getvalue()


def _gexf(graph: nx.DiGraph) -> bytes:
    buffer = io.BytesIO()
    nx.write_gexf(_xml_safe(graph, gexf_labels=True), buffer, encoding="utf-8", prettyprint=False, version="1.2draft")
    text = buffer.getvalue().decode("utf-8")
    text = re.sub(r'(<graph\b[^>]*?) name=""', r"\1", text, count=1)  # the schema has no `name` on <graph>
    return text.encode("utf-8")


def _json(graph: nx.DiGraph) -> bytes:
    data = nx.node_link_data(graph, edges="edges")
    return json.dumps(_finite(data), ensure_ascii=False, allow_nan=False, indent=1).encode("utf-8")


def _finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _cell(value) -> str:
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _table(header: list[str], rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([_cell(v) for v in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


def safe_csv(frame) -> bytes:
    """A DataFrame as CSV bytes whose cells cannot run as spreadsheet formulas; missing values are empty."""
    cells = frame.astype(object).where(frame.notna(), None)
    return _table([str(c) for c in frame.columns], cells.itertuples(index=False, name=None))


def _columns(known: list[str], rows) -> list[str]:
    """The known columns in their order, then any other attribute the graph carries."""
    extra = sorted({k for data in rows for k in data} - set(known))
    return known + extra


def _nodes_csv(graph: nx.DiGraph) -> bytes:
    columns = _columns(NODE_COLUMNS[1:], (d for _, d in graph.nodes(data=True)))
    return _table(["id", *columns], ([node] + [data.get(c) for c in columns] for node, data in graph.nodes(data=True)))


def _edges_csv(graph: nx.DiGraph) -> bytes:
    columns = _columns(EDGE_COLUMNS[2:], (d for *_, d in graph.edges(data=True)))
    return _table(["source", "target", *columns], ([u, v] + [data.get(c) for c in columns] for u, v, data in graph.edges(data=True)))


def _csv_zip(graph: nx.DiGraph) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("nodes.csv", _nodes_csv(graph))
        archive.writestr("edges.csv", _edges_csv(graph))
    return buffer.getvalue()


def _graph(result: Result) -> nx.DiGraph:
    """The graph an export holds: the filtered graph, with the event links when the view shows events."""
    return result.graph_with_events if result.options.level == "events" else result.graph


def _html(result: Result) -> bytes:
    from .render import network_page

    return network_page(result.network, title=result.title()).encode("utf-8")


def _png(result: Result) -> bytes:
    from .render import network_png

    return network_png(result.network)


def _on_graph(writer: Callable[[nx.DiGraph], bytes]) -> Callable[[Result], bytes]:
    return lambda result: writer(_graph(result))


EXPORTERS: dict[str, Exporter] = {
    e.name: e
    for e in [
        Exporter("graphml", ".graphml", "application/graphml+xml", "GraphML (Gephi, Cytoscape, yEd, igraph)", _on_graph(_graphml)),
        Exporter("gexf", ".gexf", "application/gexf+xml", "GEXF 1.2 (Gephi)", _on_graph(_gexf)),
        Exporter("json", ".json", "application/json", "node-link JSON (networkx, D3)", _on_graph(_json)),
        Exporter("csv", ".zip", "application/zip", "CSV tables nodes.csv and edges.csv, zipped", _on_graph(_csv_zip)),
        Exporter("nodes-csv", ".nodes.csv", "text/csv", "CSV table of nodes", _on_graph(_nodes_csv)),
        Exporter("edges-csv", ".edges.csv", "text/csv", "CSV table of edges", _on_graph(_edges_csv)),
        Exporter("html", ".html", "text/html", "standalone interactive network page (works offline)", _html),
        Exporter("png", ".png", "image/png", "picture of the network view", _png),
    ]
}


def format_for_path(path: str | Path) -> str:
    """The export format a file name asks for, from its suffix."""
    name = str(path).lower()
    for exporter in sorted(EXPORTERS.values(), key=lambda e: -len(e.suffix)):
        if name.endswith(exporter.suffix):
            return exporter.name
    if name.endswith(".csv"):
        raise ValueError("a .csv name is ambiguous: use NAME.nodes.csv, NAME.edges.csv, or NAME.zip for both")
    known = ", ".join(sorted({e.suffix for e in EXPORTERS.values()}))
    raise ValueError(f"cannot tell the format from {Path(path).name!r}; use --format or one of: {known}")


def export_bytes(result: Result, fmt: str) -> bytes:
    """Write the view `result` in format `fmt` (a key of EXPORTERS)."""
    try:
        exporter = EXPORTERS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(EXPORTERS)}") from None
    return exporter.write(result)
