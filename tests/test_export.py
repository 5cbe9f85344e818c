"""Every export format: read back by networkx and a second reader, validated, inert."""

import csv
import io
import json
import re
import zipfile

import igraph as ig
import networkx as nx
import pytest

from conftest import SCHEMAS, result_of, write
from graphapp.export import EXPORTERS, export_bytes, format_for_path, xml_id

EVIL_TITLE = '<img src=x onerror="window.__pwned=1"> href =SUM(1+1) "quoted" & <MSFT.O>'


@pytest.fixture(scope="module")
def evil_result(tmp_path_factory):
    folder = tmp_path_factory.mktemp("evil")
    write(folder / "evil.md", f"---\ntitle: {json.dumps(EVIL_TITLE)}\nwebUrl: \"https://evil.example/a\"\nquality: 5\n"
          "provider:\n  name: \"=HYPERLINK(\\\"http://x\\\")\"\n  domain: evil.example\n"
          "related:\n  - title: \"-2+3\"\n    webUrl: \"https://other.example/b\"\n---\n")
    return result_of([folder])


def assert_same_graph(original, nodes: dict, edges: set):
    assert set(nodes) == set(original.nodes)
    for node, data in original.nodes(data=True):
        assert {k: v for k, v in nodes[node].items() if k in data} == data, node
    assert edges == {(u, v, d["kind"]) for u, v, d in original.edges(data=True)}


def test_graphml_round_trip_networkx_and_igraph(seed_result, seed_graph, tmp_path):
    data = export_bytes(seed_result, "graphml")
    (tmp_path / "g.graphml").write_bytes(data)
    back = nx.read_graphml(io.BytesIO(data))
    key = nx.get_node_attributes(back, "node_key")
    nodes = {key[n]: {k: v for k, v in d.items() if k != "node_key"} for n, d in back.nodes(data=True)}
    assert_same_graph(seed_graph, nodes, {(key[u], key[v], d["kind"]) for u, v, d in back.edges(data=True)})
    g = ig.Graph.Read_GraphML(str(tmp_path / "g.graphml"))
    assert g.vcount() == seed_graph.number_of_nodes() and g.ecount() == seed_graph.number_of_edges()
    assert sorted(g.vs["node_key"]) == sorted(seed_graph.nodes)
    assert sorted(q for q in g.vs["quality"] if q == q) == sorted(q for _, q in seed_graph.nodes(data="quality") if q is not None)


def test_gexf_round_trip(seed_result, seed_graph):
    data = export_bytes(seed_result, "gexf")
    back = nx.read_gexf(io.BytesIO(data))
    key = nx.get_node_attributes(back, "node_key")
    nodes = {key[n]: {k: v for k, v in d.items() if k not in ("node_key", "label")} for n, d in back.nodes(data=True)}
    assert_same_graph(seed_graph, nodes, {(key[u], key[v], d["kind"]) for u, v, d in back.edges(data=True)})
    assert back.nodes[xml_id("outlet:cnet.com")]["label"] == "CNET"


def test_json_round_trip_keeps_canonical_urls(seed_result, seed_graph):
    data = export_bytes(seed_result, "json")
    parsed = json.loads(data)
    back = nx.node_link_graph(parsed, edges="edges")
    assert_same_graph(seed_graph, dict(back.nodes(data=True)), {(u, v, d["kind"]) for u, v, d in back.edges(data=True)})
    assert "NaN" not in data.decode() and "Infinity" not in data.decode()


def test_csv_zip_round_trip(seed_result, seed_graph):
    with zipfile.ZipFile(io.BytesIO(export_bytes(seed_result, "csv"))) as archive:
        nodes = list(csv.DictReader(io.StringIO(archive.read("nodes.csv").decode())))
        edges = list(csv.DictReader(io.StringIO(archive.read("edges.csv").decode())))
    assert {row["id"] for row in nodes} == set(seed_graph.nodes)
    assert {(r["source"], r["target"], r["kind"]) for r in edges} == {(u, v, d["kind"]) for u, v, d in seed_graph.edges(data=True)}
    by_id = {row["id"]: row for row in nodes}
    for node, data in seed_graph.nodes(data=True):
        assert all(by_id[node][k] == str(v) for k, v in data.items()), node


def test_csv_cells_cannot_run_as_formulas(evil_result):
    text = export_bytes(evil_result, "nodes-csv").decode()
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'=HYPERLINK(\"http://x\")" in cells and "'-2+3" in cells
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)


def _validate(data: bytes, schema_path):
    etree = pytest.importorskip("lxml.etree")
    if not schema_path.exists():
        pytest.skip(f"{schema_path} is absent: the official schemas live in ../shared/schemas")
    schema = etree.XMLSchema(etree.parse(str(schema_path)))
    document = etree.fromstring(data)
    assert schema.validate(document), schema.error_log


@pytest.mark.parametrize("graph_name", ["seed_result", "evil_result"])
def test_graphml_and_gexf_validate_against_official_schemas(graph_name, request):
    graph = request.getfixturevalue(graph_name)
    _validate(export_bytes(graph, "graphml"), SCHEMAS / "graphml" / "graphml.xsd")
    _validate(export_bytes(graph, "gexf"), SCHEMAS / "gexf-1.2draft" / "gexf.xsd")


@pytest.mark.corpus
def test_azure_exports_validate(azure_result):
    _validate(export_bytes(azure_result, "graphml"), SCHEMAS / "graphml" / "graphml.xsd")
    _validate(export_bytes(azure_result, "gexf"), SCHEMAS / "gexf-1.2draft" / "gexf.xsd")


def page_data(page: str) -> dict:
    """The graph a standalone page draws (embedded as JSON with <, > and & escaped)."""
    return json.loads(re.search(r'<script type="application/json" id="graphapp-data">(.*?)</script>', page, re.S).group(1))["graph"]


@pytest.mark.corpus
def test_azure_html_export_draws_the_whole_graph_and_says_so(azure_result):
    page = export_bytes(azure_result, "html").decode()
    data = page_data(page)
    assert len(data["nodes"]["key"]) == 5370  # every story and outlet, no overview
    assert "all 4,943 stories and their outlets" in data["note"]
    assert "graphapp · azure-news · 4,943 stories · topics" in page


def test_xml_ids_are_name_tokens(seed_result, seed_graph):
    ids = re.findall(rb'<node id="([^"]+)"', export_bytes(seed_result, "graphml"))
    assert len(ids) == seed_graph.number_of_nodes()
    assert all(re.fullmatch(rb"[so][0-9a-f]{16}", i) for i in ids)


def test_html_is_offline_and_inert(evil_result):
    page = export_bytes(evil_result, "html").decode()
    # nothing loaded from anywhere: no src/href to another host, and a policy that runs only the inlined bundle
    assert not re.search(r"""<(?:script|link|img|iframe)[^>]*(?:src|href)\s*=\s*["']?https?://""", page)
    assert "Content-Security-Policy" in page and "default-src &#x27;none&#x27;" in page
    data = page_data(page)
    evil = data["nodes"]["key"].index("https://evil.example/a")
    assert data["nodes"]["label"][evil] == EVIL_TITLE  # data, drawn as text by the page
    assert "<img" not in page.split('id="graphapp-data">')[1].split("</script>")[0]  # escaped inside the JSON
    assert data["nodes"]["url"][evil] == "https://evil.example/a"


def test_png_is_a_picture(seed_result):
    data = export_bytes(seed_result, "png")
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 1000


@pytest.mark.parametrize(("name", "fmt"), [("g.graphml", "graphml"), ("g.gexf", "gexf"), ("g.json", "json"),
                                           ("g.zip", "csv"), ("g.nodes.csv", "nodes-csv"), ("g.edges.csv", "edges-csv"),
                                           ("g.html", "html"), ("G.PNG", "png")])
def test_format_from_suffix(name, fmt):
    assert format_for_path(name) == fmt


def test_every_registered_format_writes_bytes(seed_result):
    for exporter in EXPORTERS.values():
        assert isinstance(exporter.write(seed_result), bytes) and exporter.media_type and exporter.suffix
    with pytest.raises(ValueError, match="ambiguous"):
        format_for_path("graph.csv")


def test_gexf_read_by_a_second_reader(seed_result, seed_graph):
    """lxml, not networkx: every node and edge is there, with its attributes under the declared titles."""
    etree = pytest.importorskip("lxml.etree")
    root = etree.fromstring(export_bytes(seed_result, "gexf"))
    ns = {"g": "http://www.gexf.net/1.2draft"}
    titles = {a.get("id"): a.get("title") for a in root.iterfind(".//g:attributes[@class='node']/g:attribute", ns)}
    nodes = {}
    for node in root.iterfind(".//g:nodes/g:node", ns):
        values = {titles[v.get("for")]: v.get("value") for v in node.iterfind(".//g:attvalue", ns)}
        nodes[values["node_key"]] = values
    assert set(nodes) == set(seed_graph.nodes)
    for key, data in seed_graph.nodes(data=True):
        assert {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in data.items()} == \
               {k: v for k, v in nodes[key].items() if k != "node_key"}
    assert len(root.findall(".//g:edges/g:edge", ns)) == seed_graph.number_of_edges()


def test_html_export_says_what_it_shows(seed_result):
    page = export_bytes(seed_result, "html").decode()
    assert "all 11 stories and their outlets" in page_data(page)["note"]
    assert "graphapp · seeds · 11 stories · topics" in page
