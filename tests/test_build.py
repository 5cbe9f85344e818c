"""Graph model: node keys and kinds, attributes, edges, and the figures the issue requires."""

import networkx as nx
import pytest
from conftest import write

from graphapp.analyze import summary
from graphapp.build import build_graph, resolve_stories
from graphapp.loader import load


def related_pairs(graph):
    return {frozenset(e) for e, kind in nx.get_edge_attributes(graph, "kind").items() if kind == "related"}


def test_seed_figures(seed_graph):
    stories = [n for n, k in seed_graph.nodes(data="kind") if k == "story"]
    outlets = [n for n, k in seed_graph.nodes(data="kind") if k == "outlet"]
    assert (len(stories), len(outlets), len(related_pairs(seed_graph))) == (11, 9, 10)
    assert all(n.startswith("outlet:") for n in outlets)


def test_seed_attributes_and_edges(seed_graph):
    article = seed_graph.nodes["https://businessinsider.com/aclu-calles-amazon-blanket-ban-rekognition-sales-2020-6"]
    assert article["has_file"] is True and article["quality"] == 61 and article["published"] == "2020-06-11T09:53:00Z"
    assert article["topics"] == "Computer Vision; AI" and article["outlet"] == "businessinsider.com"
    ibm = seed_graph.nodes["https://mashable.com/article/ibm-facial-recognition-law-enforcement-congress"]
    assert ibm["has_file"] is False and ibm["url"].endswith("congress/") and ibm["quality"] == 89
    assert seed_graph.nodes["outlet:mashable.com"] == {"kind": "outlet", "name": "Mashable", "domain": "mashable.com", "stories": 2}
    # related edges point from the article to the entries it lists
    assert seed_graph.edges["https://businessinsider.com/aclu-calles-amazon-blanket-ban-rekognition-sales-2020-6",
                            "https://cnet.com/news/microsoft-bans-police-from-using-its-facial-recognition-software"]["kind"] == "related"
    assert seed_graph.out_degree("https://cnet.com/news/microsoft-bans-police-from-using-its-facial-recognition-software") == 1


def test_every_attribute_is_exportable(seed_graph):
    for _, data in seed_graph.nodes(data=True):
        assert all(type(v) in (str, int, float, bool) for v in data.values())
    for *_, data in seed_graph.edges(data=True):
        assert all(type(v) in (str, int, float, bool) for v in data.values())


def test_missing_quality_stays_missing(tmp_path):
    write(tmp_path / "a.md", '---\ntitle: "No quality"\nwebUrl: "https://q.example/a"\nrelated:\n'
          '  - title: "Listed"\n    webUrl: "https://q.example/b"\n---\n')
    graph = build_graph(load([tmp_path], cache_dir=False).articles)
    assert "quality" not in graph.nodes["https://q.example/a"]
    assert "quality" not in graph.nodes["https://q.example/b"]


def test_alias_self_links_and_repeats_add_no_edge(tmp_path):
    write(tmp_path / "a.md", '---\ntitle: "A"\nwebUrl: "https://a.example/story"\nampWebUrl: "https://a.example/story/amp"\n---\n')
    write(tmp_path / "b.md", '---\ntitle: "B"\nwebUrl: "https://b.example/story"\nrelated:\n'
          '  - title: "A via AMP"\n    webUrl: "https://a.example/story/amp"\n'
          '  - title: "A again"\n    webUrl: "https://www.a.example/story/"\n'
          '  - title: "B itself"\n    webUrl: "https://b.example/story?utm_source=x"\n---\n')
    graph = build_graph(load([tmp_path], cache_dir=False).articles)
    stories = sorted(n for n, k in graph.nodes(data="kind") if k == "story")
    assert stories == ["https://a.example/story", "https://b.example/story"]
    assert related_pairs(graph) == {frozenset(stories)}
    assert graph.nodes["https://a.example/story"]["title"] == "A"  # the file's own data wins


@pytest.mark.corpus
def test_azure_figures(azure_graph):
    stories = [n for n, k in azure_graph.nodes(data="kind") if k == "story"]
    outlets = [n for n, k in azure_graph.nodes(data="kind") if k == "outlet"]
    assert len(stories) == 4943 and len(outlets) == 427
    assert len(related_pairs(azure_graph)) == 80049
    assert sum(1 for *_, k in azure_graph.edges(data="kind") if k == "published_by") == 4943


@pytest.mark.corpus
def test_powerapps_figures(powerapps_corpus):
    counts = summary(resolve_stories(powerapps_corpus.articles))
    assert (counts["stories"], counts["outlets"], counts["related_edges"]) == (670, 85, 0)


def _graph_counts(graph) -> dict:
    """The same counts, read independently off the networkx graph."""
    import networkx as nx

    stories = [n for n, k in graph.nodes(data="kind") if k == "story"]
    related = nx.Graph(graph.edge_subgraph((u, v) for u, v, k in graph.edges(data="kind") if k == "related"))
    related.add_nodes_from(stories)
    return {"stories": len(stories), "stories_with_file": sum(1 for s in stories if graph.nodes[s]["has_file"]),
            "outlets": sum(1 for _, k in graph.nodes(data="kind") if k == "outlet"),
            "related_edges": related.number_of_edges(), "components": nx.number_connected_components(related),
            "published_by_edges": sum(1 for *_, k in graph.edges(data="kind") if k == "published_by")}


def test_summary_counts_what_the_graph_holds_on_the_seed_and_crafted_files(seed_corpus, seed_graph, tmp_path):
    counts = summary(resolve_stories(seed_corpus.articles))
    assert {k: v for k, v in counts.items() if k != "clusters"} == _graph_counts(seed_graph)
    assert (counts["stories"], counts["outlets"], counts["related_edges"], counts["clusters"]) == (11, 9, 10, 1)
    # two files listing each other (a repeated pair, both directions), one self-link, one lone story
    write(tmp_path / "a.md", '---\ntitle: A\nwebUrl: "https://a.example/1"\nrelated:\n  - title: B\n    webUrl: "https://b.example/2"\n'
          '  - title: A again\n    webUrl: "https://a.example/1"\n---\n')
    write(tmp_path / "b.md", '---\ntitle: B\nwebUrl: "https://b.example/2"\nrelated:\n  - title: A\n    webUrl: "https://a.example/1"\n---\n')
    write(tmp_path / "c.md", '---\ntitle: C\nwebUrl: "https://c.example/3"\n---\n')
    articles = load([tmp_path], cache_dir=False).articles
    crafted = summary(resolve_stories(articles))
    assert {k: v for k, v in crafted.items() if k != "clusters"} == _graph_counts(build_graph(articles))
    assert (crafted["related_edges"], crafted["components"], crafted["clusters"]) == (1, 2, 1)


@pytest.mark.corpus
def test_summary_counts_what_the_graph_holds_on_azure(azure_corpus, azure_graph):
    counts = summary(resolve_stories(azure_corpus.articles))
    assert {k: v for k, v in counts.items() if k != "clusters"} == _graph_counts(azure_graph)
