"""The registry of export formats, read by both the CLI and the app's download buttons.

Every writer takes a `pipeline.Result` (one dataset seen with one `ViewOptions`) and a binary stream,
and writes the file to it row by row (`export_to`; `export_bytes` for the app's downloads), so that an
export needs no more memory for a large graph than for a small one. An export is the view: its filters, its level (events add their `similar` links and evidence),
its colours, sizes and seed. What every graph format carries for each node:

- the graph's own attributes (kind, title, url, outlet, published, quality, …; outlets: name,
  domain, stories), with file paths made relative to the input folders (`file`, `merged_files`,
  and `listed_by` on edges) so no export holds an absolute path of the machine that wrote it;
- `label` (story title, outlet name), `cluster` (topic cluster id), `event` (event id) and
  `duplicate_of` (the story a copy repeats), both levels computed with the view's settings;
- the drawing: `x`, `y`, `size` and the colour (`r`, `g`, `b` in GraphML, `viz:*` in GEXF,
  `color` as `#rrggbb` in the others), from the view; when the view is an overview of clusters,
  each cluster's stories are spread around the cluster's place.

Files are valid for strict readers (GraphML and GEXF 1.3 validate against the official schemas; node
ids are XML name tokens derived from the canonical URL, kept as `node_key`), JSON never holds NaN,
CSV text that a spreadsheet would run as a formula is prefixed with an apostrophe, and the same
inputs and seed give the same bytes every time (no dates, no random order, fixed zip timestamps).
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import math
import os
import re
import shutil
import tempfile
import weakref
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, partial
from pathlib import Path
from typing import BinaryIO

import networkx as nx

from .pipeline import Result

__all__ = ["Exporter", "EXPORTERS", "export_to", "export_bytes", "format_for_path", "xml_id", "safe_csv", "NODE_COLUMNS",
           "EDGE_COLUMNS", "export_rows", "ExportRows", "export_table", "ExportTable"]

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?")
NODE_COLUMNS = ["id", "kind", "label", "title", "url", "outlet", "outlet_name", "published", "quality", "topics",
                "has_file", "name", "domain", "stories", "cluster", "event", "duplicate_of", "file", "merged_files",
                "excerpt"]
EDGE_COLUMNS = ["source", "target", "kind", "listed_by", "similarity"]
DRAWING = ["x", "y", "size"]
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # every zip member gets this date, so two exports are the same bytes


@dataclass(frozen=True, slots=True)
class Exporter:
    """One export format: how to name, label and write it."""

    name: str
    suffix: str
    media_type: str
    description: str
    write: Callable[[Result, BinaryIO], None]  # writes the file to the stream, piece by piece


def xml_id(key: str) -> str:
    """A stable XML-name-token id for a node key (`s…` for stories, `o…` for outlets)."""
    prefix = "o" if key.startswith("outlet:") else "s"
    return prefix + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


# ---------------------------------------------------------------------------------------------------
# What every graph format writes: rows of nodes and of edges, made one at a time while they are written


@dataclass(frozen=True, slots=True)
class ExportTable:
    """The exported graph as rows held in memory: node key → attributes (with label, cluster, event and
    drawing), edges. For tests and small graphs; the writers stream the same rows from `ExportRows`."""

    nodes: dict[str, dict]
    edges: list[tuple[str, str, dict]]
    colors: dict[str, str]  # node → "#rrggbb"
    published: dict[str, str]  # node → xs:dateTime, where the node has a valid one


class ExportRows:
    """The rows every graph format writes, made on demand from the graph, so that a writer holds one row at
    a time: per node only its cluster, event, place and colour are kept (what the analysis found anyway).

    `node_types` / `edge_types` say, for every column, which Python types its values have (found from the
    graph's attributes without making the rows), so a writer can declare its columns before the first row.
    """

    def __init__(self, result: Result) -> None:
        self.graph = graph = result.graph
        self.on_links, added = _event_overlay(result)
        self.added: dict[str, list[tuple[str, dict]]] = {}  # source → its event links that are not related links
        for (u, v), data in added.items():
            self.added.setdefault(u, []).append((v, data))
        self.relative = _relativizer(result)
        topics, events = _levels(result)
        self.cluster_of = {story: cluster["id"] for cluster in topics for story in cluster["stories"]}
        self.event_of = {story: event["id"] for event in events for story in event["stories"]}
        self.copy_of = {copy: original for event in events for copy, original in event.get("duplicates", {}).items()}
        self.positions, self.style = drawing(result)
        self.colors = {node: _hex(self.style.colors.get(node)) for node in graph}
        self.published = {node: when for node, when in graph.nodes(data="published")
                          if isinstance(when, str) and _DATETIME.fullmatch(when)}
        self.node_types = _census(data for _, data in graph.nodes(data=True))
        for name in ("id", "label", "viz", "start", "end", "color"):
            self.node_types.pop(name, None)
        if graph:
            self.node_types["label"] = {str}
        for name, found in (("cluster", self.cluster_of), ("event", self.event_of), ("duplicate_of", self.copy_of)):
            if any(node in graph for node in found):
                self.node_types[name] = {type(next(iter(found.values())))}
        if graph:
            self.node_types.update(x={float}, y={float}, size={float})
        self.edge_types = _census(data for *_, data in self._edges())
        for name in ("id", "type", "label"):
            self.edge_types.pop(name, None)

    def __len__(self) -> int:
        return self.graph.number_of_nodes()

    def nodes(self):
        """(node key, row) for every node, in the graph's order."""
        relative, sizes = self.relative, self.style.sizes
        for node, data in self.graph.nodes(data=True):
            row = {k: _clean(v) for k, v in data.items() if k not in ("id", "label", "viz", "start", "end", "color")}
            for name in ("file", "merged_files"):
                if name in row:
                    row[name] = relative(row[name])
            row["label"] = _clean(str(data.get("title") or data.get("name") or node))
            if node in self.cluster_of:
                row["cluster"] = self.cluster_of[node]
            if node in self.event_of:
                row["event"] = self.event_of[node]
            if node in self.copy_of:
                row["duplicate_of"] = self.copy_of[node]
            x, y = self.positions.get(node, (0.0, 0.0))
            row.update(x=round(float(x), 2), y=round(float(y), 2), size=round(float(sizes.get(node, 8.0)), 2))
            yield node, row

    def _edges(self):
        """(source, target, attributes) of every link with the events' evidence on it, in the order of
        `events.with_similarity_edges`' copy of the graph, read without making that copy."""
        on_links, added = self.on_links, self.added
        for u, neighbours in self.graph.adjacency():
            for v, data in neighbours.items():
                extra = on_links.get((u, v)) if on_links else None
                yield u, v, data if extra is None else {**data, **extra}
            for v, data in added.get(u, ()):
                yield u, v, data

    def edges(self):
        """(source, target, row) for every edge, in the graph's order."""
        relative = self.relative
        for u, v, data in self._edges():
            row = {k: _clean(w) for k, w in data.items() if k not in ("id", "type", "label")}
            if "listed_by" in row:
                row["listed_by"] = relative(row["listed_by"])
            yield u, v, row

    def edge_count(self) -> int:
        """How many edge rows `edges()` gives (GEXF declares it before the first one)."""
        return self.graph.number_of_edges() + sum(len(targets) for targets in self.added.values())

    @cached_property
    def xml_ids(self) -> dict[str, str]:
        """Node key → its XML id, hashed once per node rather than at each end of every edge."""
        return {node: xml_id(node) for node in self.graph}


def _census(rows) -> dict[str, set]:
    """Column name → the types of its values (None is no type), in the order names first appear."""
    types: dict[str, set] = {}
    for row in rows:
        for name, value in row.items():
            seen = types.get(name)
            if seen is None:
                seen = types[name] = set()
            if value is not None:
                seen.add(type(value))
    return types


_ROWS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def export_rows(result: Result) -> ExportRows:
    """The streamable rows of `result` (made once per Result)."""
    rows = _ROWS.get(result)
    if rows is None:
        rows = _ROWS[result] = ExportRows(result)
    return rows


def export_table(result: Result) -> ExportTable:
    """Every row of `result` in memory at once (tests, notebooks, small graphs)."""
    rows = export_rows(result)
    return ExportTable(dict(rows.nodes()), list(rows.edges()), rows.colors, rows.published)


def _event_overlay(result: Result) -> tuple[dict, dict]:
    """The event links an export adds to the filtered graph (events.event_links), when the view shows events."""
    return result.event_links() if result.options.level == "events" else ({}, {})


def _levels(result: Result) -> tuple[list, list]:
    """Topic clusters and events of the view, each with the options' settings (the view's own level is reused)."""
    from .analyze import coverage_clusters
    from .events import event_clusters

    options = result.options
    if options.level == "events":
        events = result.clusters
        topics = coverage_clusters(result.graph, method=options.topics.method, resolution=options.topics.resolution,
                                   seed=options.seed, min_size=options.min_size)
    else:
        topics = result.clusters
        events = event_clusters(result.graph, options.events, min_size=options.min_size)
    return topics, events


def _hex(color) -> str:
    text = str(color or "#c7c7c7")
    return text.lower() if re.fullmatch(r"#[0-9a-fA-F]{6}", text) else "#c7c7c7"


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def _clean(value):
    return _XML_INVALID.sub("", value) if isinstance(value, str) else value


def _relativizer(result: Result) -> Callable[[str], str]:
    """Paths of article files → paths relative to the folder holding the input they came from.

    `/data/azure-news/a.md` read from input `/data/azure-news` becomes `azure-news/a.md`; a zip member
    `/data/x.zip!a.md` becomes `x.zip!a.md`. Paths already relative (uploads, relative inputs) are kept;
    an absolute path under no input keeps only its file name.
    """
    key = result.dataset.key
    inputs = key[len("paths:"):].split("\n") if key.startswith("paths:") else []
    roots = []
    for given in inputs:
        if not given:
            continue
        for root in dict.fromkeys([os.path.abspath(given), given.rstrip("/\\") or given]):  # ordered, no repeat
            parent = os.path.dirname(root.rstrip("/\\"))
            roots.append((root.rstrip("/\\"), parent))
    roots.sort(key=lambda r: (-len(r[0]), r[0]))  # the deepest input first

    def one(path: str) -> str:
        for root, parent in roots:
            if path == root or path.startswith((root + os.sep, root + "/", root + "!")):
                return path[len(parent):].lstrip("/\\") if parent else path
        if os.path.isabs(path):
            head, bang, member = path.partition("!")
            return os.path.basename(head) + bang + member
        return path

    known: dict[str, str] = {}  # one entry per file: every related link of a file names the same path

    def relative(value):
        if not isinstance(value, str):
            return value
        done = known.get(value)
        if done is None:
            done = known[value] = "; ".join(one(p) for p in value.split("; "))
        return done

    return relative


def drawing(result: Result):
    """Positions and style (render.NodeStyle) for every node of the exported graph.

    The view's own when it drew the whole graph; else (an overview of clusters, or a drill-down) each
    node is placed from the whole-graph view: small graphs are laid out whole with the view's seed, large
    ones get every cluster's stories spread around the place of the cluster in the overview.
    """
    from .render import layout_positions, node_styles
    from .views import OVERVIEW_EDGES, OVERVIEW_NODES

    graph = result.graph
    options = result.options
    if options.focus_key is None:
        view = result.network
        if not view.overview and all(node in view.positions for node in graph):
            return view.positions, view.style
    style = node_styles(graph, color_by=options.color_by, clusters=result.clusters, size_by=result.size_values(),
                        size_label=options.size_by)
    if graph.number_of_nodes() <= OVERVIEW_NODES and graph.number_of_edges() <= OVERVIEW_EDGES:  # event links pull too
        linked = result.graph_with_events if options.level == "events" else graph
        return layout_positions(linked, seed=options.seed), style
    whole = result if options.focus_key is None else result.restyled(options.replace(focus="nothing", focus_id=""))
    return _spread(graph, whole.network.positions, result.clusters), style


def _spread(graph: nx.DiGraph, overview: dict, clusters: list) -> dict:
    """Every node placed from an overview's positions: a cluster's stories on a sunflower disc around the
    cluster's node (area in proportion to its size), drawn outlets where they are, other outlets at the middle
    of their placed stories, stories of no cluster around their outlet, anything left on a ring outside."""
    from .build import OUTLET, outlet_node

    positions: dict[str, tuple[float, float]] = {}

    def disc(members: list[str], cx: float, cy: float, step: float) -> None:
        for i, node in enumerate(members):
            r = step * math.sqrt(i + 0.5)
            positions[node] = (cx + r * math.cos(i * _GOLDEN), cy + r * math.sin(i * _GOLDEN))

    for cluster in clusters:
        cx, cy = overview.get(f"cluster:{cluster['id']}", (0.0, 0.0))
        disc([s for s in cluster["stories"] if s in graph and s not in positions], cx, cy, 3.0)
    for node in graph:
        if node not in positions and node in overview:
            positions[node] = overview[node]
    kinds = dict(graph.nodes(data="kind"))
    own: dict[str, list[str]] = {}
    for node, data in graph.nodes(data=True):
        if kinds[node] != OUTLET and data.get("outlet"):
            own.setdefault(outlet_node(data["outlet"]), []).append(node)
    for outlet in sorted(n for n in graph if kinds[n] == OUTLET and n not in positions):
        placed = [positions[s] for s in own.get(outlet, []) if s in positions]
        if placed:
            positions[outlet] = (sum(x for x, _ in placed) / len(placed) + 2.0, sum(y for _, y in placed) / len(placed) + 2.0)
    for outlet, stories in sorted(own.items()):
        if outlet in positions:
            rest = [s for s in stories if s not in positions]
            disc(rest, *positions[outlet], 3.0)
            for node in rest:  # not on top of the outlet itself
                x, y = positions[node]
                positions[node] = (x + 6.0, y)
    rest = sorted(node for node in graph if node not in positions)
    extent = max((max(abs(x), abs(y)) for x, y in positions.values()), default=0.0) + 60.0
    for i, node in enumerate(rest):
        r = math.sqrt(extent**2 + i * 64.0)
        positions[node] = (r * math.cos(i * _GOLDEN), r * math.sin(i * _GOLDEN))
    return positions


_GOLDEN = math.pi * (3 - math.sqrt(5))


# ---------------------------------------------------------------------------------------------------
# Columns and their types


def _kind(types: set) -> str:
    """boolean | integer | double | string: the narrowest type that holds values of these Python types."""
    if not types or types - {bool, int, float}:
        return "string"
    if types == {bool}:
        return "boolean"
    if bool in types:
        return "string"
    return "integer" if types == {int} else "double"


def _columns(types: dict[str, set], known: list[str], last: list[str] = ()) -> list[tuple[str, str]]:
    """(name, type) of every column in a census: known names in their order, then the others, then `last`."""
    names = [k for k in dict.fromkeys(known) if k in types and k not in last]
    names += sorted(k for k in types if k not in known and k not in last)
    names += [k for k in last if k in types]
    return [(name, _kind(types[name])) for name in names]


def _text(value, kind: str) -> str:
    """A value as the text of its column type."""
    if kind == "boolean" or isinstance(value, bool):
        return "true" if value else "false"
    if kind == "double":
        value = float(value)
        return repr(value) if math.isfinite(value) else ("NaN" if value != value else ("INF" if value > 0 else "-INF"))
    return str(value)


def _node_rows(rows: ExportRows):
    """Rows with the colour as `#rrggbb` (the JSON, CSV, Parquet and Cytoscape forms)."""
    colors = rows.colors
    for node, row in rows.nodes():
        row["color"] = colors[node]
        yield node, row


def _with_color(rows: ExportRows) -> dict[str, set]:
    return {**rows.node_types, "color": {str}} if len(rows) else rows.node_types


class _Sink:
    """Text written in small pieces, sent to the binary stream as UTF-8 about every megabyte: an export
    never holds more than that of its output."""

    def __init__(self, out: BinaryIO) -> None:
        self.out, self.parts, self.size = out, [], 0

    def write(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)
        if self.size > 1 << 20:
            self.flush()

    def flush(self) -> None:
        self.out.write("".join(self.parts).encode("utf-8"))
        self.parts, self.size = [], 0


# ---------------------------------------------------------------------------------------------------
# XML: GraphML and GEXF, written directly (deterministic, fast, and typed the way readers want)


def _xml(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("\r", "&#13;").replace("\n", "&#10;").replace("\t", "&#9;"))


_GRAPHML_TYPES = {"boolean": "boolean", "integer": "long", "double": "double", "string": "string"}


def _graphml(result: Result, stream: BinaryIO) -> None:
    rows = export_rows(result)
    extra = {"node_key": {str}, "r": {int}, "g": {int}, "b": {int}} if len(rows) else {}
    node_columns = _columns({**rows.node_types, **extra}, ["label", *NODE_COLUMNS[1:], "node_key"],
                            last=[*DRAWING, "r", "g", "b"])
    edge_columns = _columns(rows.edge_types, EDGE_COLUMNS[2:])
    node_names = {name for name, _ in node_columns}
    node_xml = rows.xml_ids
    out = _Sink(stream)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
              'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
              'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n')
    node_ids = {name: name for name, _ in node_columns}
    edge_ids = {name: ("edge_" + name if name in node_names else name) for name, _ in edge_columns}
    for domain, columns, ids in (("node", node_columns, node_ids), ("edge", edge_columns, edge_ids)):
        for name, kind in columns:
            out.write(f'<key id="{_xml(ids[name])}" for="{domain}" attr.name="{_xml(name)}" '
                      f'attr.type="{_GRAPHML_TYPES[kind]}"/>\n')
    out.write('<graph id="G" edgedefault="directed">\n')
    for node, row in rows.nodes():
        row["node_key"] = node
        row.update(zip("rgb", _rgb(rows.colors[node])))
        out.write(f'<node id="{node_xml[node]}">')
        for name, kind in node_columns:
            if row.get(name) is not None:
                out.write(f'<data key="{node_ids[name]}">{_xml(_text(row[name], kind))}</data>')
        out.write("</node>\n")
    for u, v, row in rows.edges():
        out.write(f'<edge source="{node_xml[u]}" target="{node_xml[v]}">')
        for name, kind in edge_columns:
            if row.get(name) is not None:
                out.write(f'<data key="{edge_ids[name]}">{_xml(_text(row[name], kind))}</data>')
        out.write("</edge>\n")
    out.write("</graph>\n</graphml>\n")
    out.flush()


def _gexf(result: Result, stream: BinaryIO) -> None:
    """GEXF 1.3: attributes, label, viz colour/position/size, and `start` (the publication time) in
    dynamic mode so that Gephi's timeline plays the stories in the order they appeared.

    The viz elements are written in the GEXF namespace, where the official 1.3 schema declares them
    (readers that match on local names, such as Gephi and graphology, find them there).
    """
    rows = export_rows(result)
    types = {k: v for k, v in rows.node_types.items() if k not in ("label", *DRAWING)}
    node_columns = _columns({**types, "node_key": {str}} if len(rows) else types, [*NODE_COLUMNS[1:], "node_key"])
    edge_columns = _columns(rows.edge_types, EDGE_COLUMNS[2:])
    dynamic = bool(rows.published)
    ids = rows.xml_ids
    out = _Sink(stream)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n<gexf xmlns="http://gexf.net/1.3" '
              'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
              'xsi:schemaLocation="http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd" version="1.3">\n'
              f"<meta><creator>graphapp</creator><description>{_xml(result.title())}</description></meta>\n")
    mode = ' mode="dynamic" timeformat="dateTime" timerepresentation="interval"' if dynamic else ' mode="static"'
    out.write(f'<graph defaultedgetype="directed"{mode}>\n')
    for domain, columns in (("node", node_columns), ("edge", edge_columns)):
        out.write(f'<attributes class="{domain}" mode="static">\n')
        for index, (name, kind) in enumerate(columns):
            out.write(f'<attribute id="{index}" title="{_xml(name)}" type="{kind}"/>\n')
        out.write("</attributes>\n")
    out.write(f'<nodes count="{len(rows)}">\n')
    for node, row in rows.nodes():
        start = f' start="{rows.published[node]}"' if node in rows.published else ""
        out.write(f'<node id="{ids[node]}" label="{_xml(row["label"])}"{start}><attvalues>')
        row["node_key"] = node
        for index, (name, kind) in enumerate(node_columns):
            if row.get(name) is not None:
                out.write(f'<attvalue for="{index}" value="{_xml(_text(row[name], kind))}"/>')
        r, g, b = _rgb(rows.colors[node])
        out.write(f'</attvalues><color r="{r}" g="{g}" b="{b}"/><position x="{row["x"]!r}" y="{row["y"]!r}" z="0.0"/>'
                  f'<size value="{row["size"]!r}"/></node>\n')
    out.write(f'</nodes>\n<edges count="{rows.edge_count()}">\n')
    for index, (u, v, row) in enumerate(rows.edges()):
        out.write(f'<edge id="{index}" source="{ids[u]}" target="{ids[v]}"><attvalues>')
        for column, (name, kind) in enumerate(edge_columns):
            if row.get(name) is not None:
                out.write(f'<attvalue for="{column}" value="{_xml(_text(row[name], kind))}"/>')
        out.write("</attvalues></edge>\n")
    out.write("</edges>\n</graph>\n</gexf>\n")
    out.flush()


# ---------------------------------------------------------------------------------------------------
# JSON: node-link (D3 `links`, networkx `edges`) and Cytoscape.js, one element at a time


def _finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _dumps(data) -> str:
    # no indent: json's C encoder only runs without one (3x faster on 5,000 nodes and 165,000 edges)
    return json.dumps(_finite(data), ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _json_list(out: _Sink, items) -> None:
    """A JSON array written item by item (the same text json.dumps gives for the whole list)."""
    out.write("[")
    for index, item in enumerate(items):
        out.write("," + _dumps(item) if index else _dumps(item))
    out.write("]")


def _node_link(result: Result, stream: BinaryIO, edges: str) -> None:
    rows = export_rows(result)
    out = _Sink(stream)
    out.write('{"directed":true,"multigraph":false,"graph":' + _dumps({"title": result.title()}) + ',"nodes":')
    _json_list(out, ({"id": node, **row} for node, row in _node_rows(rows)))
    out.write("," + _dumps(edges) + ":")
    _json_list(out, ({"source": u, "target": v, **row} for u, v, row in rows.edges()))
    out.write("}")
    out.flush()


def _cyjs_node(node: str, row: dict) -> dict:
    data = {"id": node, "name": row["label"], **{k: v for k, v in row.items() if k not in ("x", "y")}}
    return {"data": data, "position": {"x": row["x"], "y": row["y"]}}


def _cyjs(result: Result, stream: BinaryIO) -> None:
    """Cytoscape.js elements JSON (also opened by Cytoscape desktop): positions and colours included."""
    rows = export_rows(result)
    out = _Sink(stream)
    out.write('{"data":' + _dumps({"name": result.title()}) + ',"elements":{"nodes":')
    _json_list(out, (_cyjs_node(node, row) for node, row in _node_rows(rows)))
    out.write(',"edges":')
    _json_list(out, ({"data": {"id": f"e{index}", "source": u, "target": v, **row}}
                     for index, (u, v, row) in enumerate(rows.edges())))
    out.write("}}")
    out.flush()


# ---------------------------------------------------------------------------------------------------
# Tables: CSV (formula-guarded) and Parquet, written in batches


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) and not _is_number(text) else text


def _write_csv(stream: BinaryIO, header: list[str], rows) -> None:
    out = _Sink(stream)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([_cell(h) for h in header])
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    out.flush()


def _table(header: list[str], rows) -> bytes:
    buffer = io.BytesIO()
    _write_csv(buffer, header, rows)
    return buffer.getvalue()


def safe_csv(frame) -> bytes:
    """A DataFrame as CSV bytes whose cells cannot run as spreadsheet formulas; missing values are empty."""
    cells = frame.astype(object).where(frame.notna(), None)
    return _table([str(c) for c in frame.columns], cells.itertuples(index=False, name=None))


def _node_table(rows: ExportRows) -> tuple[list[tuple[str, str]], object]:
    """(column, type) of the nodes table and a generator of its rows."""
    columns = _columns(_with_color(rows), NODE_COLUMNS[1:], last=[*DRAWING, "color"])
    names = [name for name, _ in columns]
    return [("id", "string"), *columns], ([node] + [row.get(c) for c in names] for node, row in _node_rows(rows))


def _edge_table(rows: ExportRows) -> tuple[list[tuple[str, str]], object]:
    """(column, type) of the edges table and a generator of its rows."""
    columns = _columns(rows.edge_types, EDGE_COLUMNS[2:])
    names = [name for name, _ in columns]
    return ([("source", "string"), ("target", "string"), *columns],
            ([u, v] + [row.get(c) for c in names] for u, v, row in rows.edges()))


def _nodes_csv(result: Result, stream: BinaryIO) -> None:
    columns, rows = _node_table(export_rows(result))
    _write_csv(stream, [name for name, _ in columns], rows)


def _edges_csv(result: Result, stream: BinaryIO) -> None:
    columns, rows = _edge_table(export_rows(result))
    _write_csv(stream, [name for name, _ in columns], rows)


def _clusters_frame(result: Result):
    from .tables import clusters_table

    return clusters_table(result.clusters)


def _clusters_csv(result: Result, stream: BinaryIO) -> None:
    stream.write(safe_csv(_clusters_frame(result)))


def _links_csv(result: Result, stream: BinaryIO) -> None:
    """Every link inside a topic cluster or event and why it is there: for events the evidence the grouping
    scored (similarity, score: the pair model's same-event probability, related, listed_by, then every feature of
    the pair model as `feature_<name>`), for topic clusters the related links between members (cluster by
    cluster, each in the graph's order)."""
    from .event_pairs import FEATURES

    graph, relative = result.graph, _relativizer(result)
    header = ["cluster", "a", "b", "a_title", "b_title", "similarity", "score", "related", "listed_by",
              *(f"feature_{name}" for name in FEATURES)]
    titles = graph.nodes
    no_features = [None] * len(FEATURES)

    def rows():
        if result.options.level == "events":
            for event in result.clusters:
                for e in event["evidence"]:
                    features = e.get("features", {})
                    yield [event["id"], e["a"], e["b"], titles[e["a"]].get("title"), titles[e["b"]].get("title"),
                           e["similarity"], e["score"], e["related"], "; ".join(relative(p) for p in e["listed_by"]),
                           *(features.get(name) for name in FEATURES)]
            return
        place = {node: index for index, node in enumerate(graph)}
        for cluster in sorted(result.clusters, key=lambda c: c["id"]):
            members = {s for s in cluster["stories"] if s in place}
            for u in sorted(members, key=place.__getitem__):
                for v, data in graph.adj[u].items():
                    if data.get("kind") == "related" and v in members:
                        yield [cluster["id"], u, v, titles[u].get("title"), titles[v].get("title"), None, None, True,
                               relative(data.get("listed_by")), *no_features]

    _write_csv(stream, header, rows())


def _zip(stream: BinaryIO, members: list[tuple[str, Callable[[BinaryIO], None]]]) -> None:
    """A zip whose members are written one after the other, each streamed into its compressed entry."""
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, write in members:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with archive.open(info, "w", force_zip64=True) as member:
                write(member)


def _csv_zip(result: Result, stream: BinaryIO) -> None:
    _zip(stream, [("nodes.csv", partial(_nodes_csv, result)), ("edges.csv", partial(_edges_csv, result))])


_PARQUET_BATCH = 10_000  # rows per row group: what a table export holds in memory at once


def _frame(columns: list[tuple[str, str]], rows: list[list]):
    """A typed DataFrame: integers as nullable Int64, booleans as boolean, doubles as Float64, the rest text."""
    import pandas as pd

    data = {}
    for index, (name, kind) in enumerate(columns):
        values = [row[index] for row in rows]
        if kind == "integer":
            data[name] = pd.array(values, dtype="Int64")
        elif kind == "boolean":
            data[name] = pd.array(values, dtype="boolean")
        elif kind == "double":
            data[name] = pd.array([None if v is None else float(v) for v in values], dtype="Float64")
        else:
            data[name] = pd.array([None if v is None else _text(v, "string") for v in values], dtype=object)
    return pd.DataFrame(data, columns=[name for name, _ in columns])


_ARROW_TYPES = {"integer": "int64", "boolean": "bool_", "double": "float64", "string": "string"}


def _write_parquet(stream: BinaryIO, columns: list[tuple[str, str]], rows) -> None:
    """Rows as one Parquet file (zstd), one row group per batch, through a temporary file (Parquet's
    writer needs a file it can seek in; the zip member it goes into cannot)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([(name, getattr(pa, _ARROW_TYPES[kind])()) for name, kind in columns])
    with tempfile.TemporaryFile() as scratch:
        writer = None
        for batch in _batched(rows, _PARQUET_BATCH, at_least_one=True):
            table = pa.Table.from_pandas(_frame(columns, batch), schema=schema, preserve_index=False)
            if writer is None:
                metadata = table.schema.metadata  # pandas' (dtypes), the same for every batch
                writer = pq.ParquetWriter(scratch, table.schema, compression="zstd")
            writer.write_table(table.replace_schema_metadata(metadata))
        writer.close()
        scratch.seek(0)
        shutil.copyfileobj(scratch, stream, 1 << 20)


def _batched(rows, size: int, *, at_least_one: bool = False):
    """Lists of up to `size` rows (one empty list for no rows when `at_least_one`)."""
    iterator = iter(rows)
    first = True
    while batch := list(itertools.islice(iterator, size)):
        first = False
        yield batch
    if first and at_least_one:
        yield []


def _parquet_frame(stream: BinaryIO, frame) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), buffer, compression="zstd")
    stream.write(buffer.getvalue())


def _parquet(result: Result, stream: BinaryIO) -> None:
    rows = export_rows(result)
    clusters = _clusters_frame(result)
    clusters.insert(0, "level", result.options.level)
    _zip(stream, [("nodes.parquet", lambda member: _write_parquet(member, *_node_table(rows))),
                  ("edges.parquet", lambda member: _write_parquet(member, *_edge_table(rows))),
                  ("clusters.parquet", lambda member: _parquet_frame(member, clusters))])


# ---------------------------------------------------------------------------------------------------
# Pictures and pages


def _html(result: Result, stream: BinaryIO) -> None:
    from .render import network_page

    stream.write(network_page(result.network, title=result.title()).encode("utf-8"))


def _png(result: Result, stream: BinaryIO) -> None:
    from .render import network_png

    stream.write(network_png(result.network, title=result.title()))


def _svg(result: Result, stream: BinaryIO) -> None:
    from .render import network_svg

    stream.write(network_svg(result.network, title=result.title()))


EXPORTERS: dict[str, Exporter] = {
    e.name: e
    for e in [
        Exporter("graphml", ".graphml", "application/graphml+xml",
                 "GraphML (Gephi, Cytoscape, yEd, igraph): labels, cluster/event ids, x, y, size, r, g, b", _graphml),
        Exporter("gexf", ".gexf", "application/gexf+xml",
                 "GEXF 1.3 (Gephi): labels, colours, positions, sizes, publication times for the timeline", _gexf),
        Exporter("json", ".json", "application/json", "node-link JSON with `links` (D3)", partial(_node_link, edges="links")),
        Exporter("json-networkx", ".nx.json", "application/json",
                 "node-link JSON with `edges` (networkx.node_link_graph(data, edges=\"edges\"))",
                 partial(_node_link, edges="edges")),
        Exporter("cyjs", ".cyjs", "application/json", "Cytoscape.js JSON (Cytoscape desktop and web), with positions",
                 _cyjs),
        Exporter("csv", ".zip", "application/zip", "CSV tables nodes.csv and edges.csv, zipped", _csv_zip),
        Exporter("nodes-csv", ".nodes.csv", "text/csv", "CSV table of nodes", _nodes_csv),
        Exporter("edges-csv", ".edges.csv", "text/csv", "CSV table of edges", _edges_csv),
        Exporter("clusters-csv", ".clusters.csv", "text/csv", "CSV table of the topic clusters or events", _clusters_csv),
        Exporter("links-csv", ".links.csv", "text/csv",
                 "CSV of the links inside each cluster or event, with why they link (similarity, score, listed_by, features)",
                 _links_csv),
        Exporter("parquet", ".parquet.zip", "application/zip",
                 "Parquet tables nodes, edges and clusters, zipped (pandas, DuckDB, Spark)", _parquet),
        Exporter("html", ".html", "text/html", "standalone interactive network page (works offline)", _html),
        Exporter("png", ".png", "image/png", "picture of the network view, with labels and legend", _png),
        Exporter("svg", ".svg", "image/svg+xml", "vector picture of the network view, with labels and legend", _svg),
    ]
}


def format_for_path(path: str | Path) -> str:
    """The export format a file name asks for, from its suffix."""
    name = str(path).lower()
    for exporter in sorted(EXPORTERS.values(), key=lambda e: -len(e.suffix)):
        if name.endswith(exporter.suffix):
            return exporter.name
    if name.endswith(".csv"):
        raise ValueError("a .csv name is ambiguous: use NAME.nodes.csv, NAME.edges.csv, or NAME.zip for both "
                         "(cluster tables: NAME.clusters.csv, NAME.links.csv)")
    known = ", ".join(sorted({e.suffix for e in EXPORTERS.values()}))
    raise ValueError(f"cannot tell the format from {Path(path).name!r}; use --format or one of: {known}")


def _exporter(fmt: str) -> Exporter:
    try:
        return EXPORTERS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(EXPORTERS)}") from None


def export_to(result: Result, fmt: str, stream: BinaryIO) -> None:
    """Write the view `result` in format `fmt` (a key of EXPORTERS) to a binary stream, piece by piece:
    the whole file is never in memory, whatever the size of the graph."""
    _exporter(fmt).write(result, stream)


def export_bytes(result: Result, fmt: str) -> bytes:
    """The view `result` in format `fmt` as bytes (the app's downloads; small graphs)."""
    exporter = _exporter(fmt)
    buffer = io.BytesIO()
    exporter.write(result, buffer)
    return buffer.getvalue()
