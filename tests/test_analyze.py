"""Clusters and ranks: content on the seed, determinism, filters, and sanity on azure-news."""

from datetime import UTC, datetime

import pytest

from graphapp.analyze import co_coverage_graph, coverage_clusters, outlet_ranks, story_ranks
from graphapp.build import graph_from, resolve_stories
from graphapp.filters import Filters, filter_stories

ARTICLE = "https://businessinsider.com/aclu-calles-amazon-blanket-ban-rekognition-sales-2020-6"


def test_seed_is_one_cluster_with_first_publisher_and_lags(seed_graph):
    (cluster,) = coverage_clusters(seed_graph)
    assert cluster["size"] == 11 and cluster["outlet_count"] == 9
    # the IBM story on Mashable (2020-06-09 18:02) is the earliest of the eleven
    assert cluster["first_outlet"] == "mashable.com" and cluster["first_published"] == "2020-06-09T18:02:00Z"
    assert cluster["last_published"] == "2020-06-11T19:46:00Z"
    assert cluster["lags_hours"]["nextgov.com"] == pytest.approx(1.1)  # 19:08 the same day
    assert cluster["lags_hours"]["businessinsider.com"] == pytest.approx(22.08, abs=0.01)  # IBM piece, 06-10 16:07
    assert cluster["max_quality"] == 89 and cluster["mean_quality"] == pytest.approx((61 + 89 * 3 + 83 + 75 + 69 + 49 + 49 + 24 + 19) / 11, abs=0.01)
    assert cluster["stories"][0] == "https://mashable.com/article/ibm-facial-recognition-law-enforcement-congress"


def test_story_ranks_on_seed(seed_graph):
    rows = {r["story"]: r for r in story_ranks(seed_graph)}
    article = rows[ARTICLE]
    assert (article["out_degree"], article["in_degree"], article["degree"]) == (10, 0, 10)
    assert article["betweenness"] == pytest.approx(1.0)  # the hub of a star
    assert article["betweenness_method"] == "exact"
    # combined: the reach of the story's event first, then quality: the best story is the best of the widest event
    widest = max(r["event_outlets"] for r in rows.values())
    best = max(rows.values(), key=lambda r: r["combined"])
    assert best["event_outlets"] == widest > 1
    assert best["quality"] == max(r["quality"] for r in rows.values() if r["event_outlets"] == widest)
    assert all(0 < r["combined"] <= 1 for r in rows.values())


def test_story_ranks_compute_only_the_measures_asked(seed_graph):
    full = {r["story"]: r for r in story_ranks(seed_graph)}
    every = ("pagerank", "betweenness", "event_outlets", "combined")
    for measures, absent in [((), every), (("pagerank",), ("betweenness", "event_outlets", "combined")),
                             (("betweenness",), ("pagerank", "event_outlets", "combined")),
                             (("events",), ("pagerank", "betweenness"))]:
        rows = story_ranks(seed_graph, measures=measures)
        assert {r["story"] for r in rows} == set(full)
        for row in rows:
            assert all(row[name] is None for name in absent)
            kept = {k: v for k, v in row.items() if k not in absent and k != "betweenness_method"}
            assert kept == {k: full[row["story"]][k] for k in kept}


def test_outlet_ranks_and_co_coverage(seed_graph):
    co = co_coverage_graph(seed_graph)
    # Business Insider's article lists stories of the 8 other outlets (and one of its own)
    assert sorted(co.neighbors("businessinsider.com")) == sorted(
        ["mashable.com", "cnet.com", "techcrunch.com", "geekwire.com", "digitaltrends.com", "latimes.com", "kitv.com", "nextgov.com"])
    assert co.edges["businessinsider.com", "mashable.com"]["weight"] == 2
    rows = {r["outlet"]: r for r in outlet_ranks(seed_graph)}
    assert rows["businessinsider.com"]["stories"] == 2 and rows["businessinsider.com"]["mean_quality"] == 55.0
    assert max(rows.values(), key=lambda r: r["pagerank"])["outlet"] == "businessinsider.com"


def filter_graph(graph, filters):
    return graph_from(filter_stories(resolve_stories(graph.graph["articles"]), filters))


def test_filters_return_a_new_graph_and_keep_the_original(seed_graph, seed_corpus):
    seed_graph.graph.setdefault("articles", seed_corpus.articles)
    before = seed_graph.number_of_nodes()
    since = datetime(2020, 6, 11, tzinfo=UTC)
    part = filter_graph(seed_graph, Filters(since=since, min_quality=60))
    titles = sorted(d["title"] for _, d in part.nodes(data=True) if d["kind"] == "story")
    assert len(titles) == 6 and all(d["published"] >= "2020-06-11" for _, d in part.nodes(data=True) if d["kind"] == "story")
    assert seed_graph.number_of_nodes() == before
    assert part.nodes["outlet:mashable.com"]["stories"] == 1 and seed_graph.nodes["outlet:mashable.com"]["stories"] == 2
    assert filter_graph(seed_graph, Filters(outlets=("cnet.com",))).number_of_nodes() == 2
    ibm = filter_graph(seed_graph, Filters(text="IBM facial"))
    assert sorted(d["outlet"] for _, d in ibm.nodes(data=True) if d["kind"] == "story") == ["businessinsider.com", "kitv.com", "mashable.com"]
    assert ibm.number_of_nodes() == 6  # three stories and their three outlets


@pytest.mark.corpus
def test_azure_clusters_are_deterministic_for_a_seed(azure_graph):
    first = coverage_clusters(azure_graph, seed=1)
    again = coverage_clusters(azure_graph, seed=1)
    assert [c["stories"] for c in first] == [c["stories"] for c in again]
    assert len(first) > 100 and first[0]["size"] >= first[-1]["size"]
    components = coverage_clusters(azure_graph, method="components")
    assert len(components) < len(first)  # communities split big components
    finer = coverage_clusters(azure_graph, resolution=3.0, seed=1)
    assert len(finer) > len(first)


@pytest.mark.corpus
def test_azure_ranks_shape(azure_graph):
    rows = story_ranks(azure_graph)
    assert len(rows) == 4943
    assert {r["betweenness_method"] for r in rows} == {"exact"}
    sampled = story_ranks(azure_graph, exact_limit=1000)
    assert {r["betweenness_method"] for r in sampled} == {"sampled (1000 sources)"}
    assert max(r["quality"] or 0 for r in rows) == 136


@pytest.mark.corpus
def test_azure_combined_score_puts_widely_covered_events_first(azure_result):
    ranks = sorted(azure_result.story_ranks, key=lambda r: (-r["combined"], r["story"]))
    reach = {s: e["independent_outlets"] for e in azure_result.events for s in e["stories"]}
    assert all(r["event_outlets"] == reach.get(r["story"], 1) for r in ranks)
    assert all(r["event_outlets"] >= 10 for r in ranks[:20])  # a related list of 180 stories lifts no one
    coupon = next(i for i, r in enumerate(ranks) if "certification prep bundle" in (r["title"] or ""))
    assert coupon > 100  # the old formula's first story: a course bundle on sale


def test_outlet_betweenness_and_combined_on_seed(seed_graph):
    rows = {r["outlet"]: r for r in outlet_ranks(seed_graph)}
    # Business Insider is the hub of the co-coverage star: every path between two others goes through it
    assert rows["businessinsider.com"]["betweenness"] == pytest.approx(1.0)
    assert rows["cnet.com"]["betweenness"] == 0.0
    assert max(rows.values(), key=lambda r: r["combined"])["outlet"] == "businessinsider.com"


def test_percentiles_rank_ties_as_scipy_does():
    """The combined score's quality percentile: scipy.stats.rankdata(method="average") / n, without importing
    scipy.stats (2.4 s)."""
    import numpy as np
    from scipy.stats import rankdata

    from graphapp.analyze import _percentiles

    rng = np.random.default_rng(7)
    for values in ([3, 1, 2, 2, 5], [0, 0, 0], [9], rng.integers(0, 100, 4000).tolist(), rng.random(300).tolist()):
        assert np.array_equal(_percentiles(values), rankdata(values, method="average") / len(values))
