"""The shapes of analysis results: what a cluster, an event, a piece of evidence and a rank row hold.

Results stay plain dicts (JSON as they are, cheap to cache), typed here so that readers know the
keys; the CSV/JSON column sets of tables come from these declarations (`columns`).
"""

from __future__ import annotations

from typing import TypedDict, get_type_hints

__all__ = ["Cluster", "Evidence", "Event", "StoryRank", "OutletRank", "columns"]


class Cluster(TypedDict):
    """A group of stories (topic cluster or event) and who covered it when."""

    id: int
    label: str  # title of the top story
    size: int
    outlet_count: int
    outlets: list[str]  # first publisher first, then in order of their first story
    outlet_names: list[str]
    first_published: str | None  # `2020-06-11T09:53:00Z`
    last_published: str | None
    first_outlet: str | None
    lags_hours: dict[str, float]  # outlet → hours from the cluster's first story to the outlet's first
    mean_quality: float | None
    max_quality: int | None
    top_story: str
    stories: list[str]  # story keys in time order, undated last


class Evidence(TypedDict):
    """Why two stories of an event are linked, as the grouping scored them."""

    a: str
    b: str
    similarity: float  # TF-IDF cosine of the whole texts (title twice, excerpt)
    score: float  # what the grouping used: the pair model's same-event probability
    related: bool  # a publisher listed one as related to the other
    listed_by: list[str]  # the files whose related lists link them
    hours_apart: float | None
    features: dict[str, float]  # the pair model's features (graphapp.event_pairs.FEATURES)
    contributions: dict[str, float]  # each feature's share of the log-odds (weight × value)


class Event(Cluster):
    """A cluster of stories reporting one happening."""

    duplicates: dict[str, str]  # copy → the story it copies (syndication, press releases)
    independent_outlets: int  # outlets with a story that is not a copy
    evidence: list[Evidence]


class StoryRank(TypedDict):
    """One story's rank row: quality, degrees, PageRank, betweenness and the combined score."""

    story: str
    title: str | None
    outlet: str
    published: str | None
    url: str
    quality: int | None
    in_degree: int
    out_degree: int
    degree: int
    pagerank: float
    betweenness: float
    betweenness_method: str
    event_outlets: int | None  # independent outlets of the story's event (1 when no event holds it); None: not computed
    combined: float


class OutletRank(TypedDict):
    """One outlet's rank row: stories, clusters covered, mean quality and co-coverage centrality."""

    outlet: str
    name: str
    stories: int
    clusters: int
    mean_quality: float | None
    partners: int
    co_coverage_links: int
    pagerank: float
    betweenness: float
    combined: float


def columns(shape: type) -> list[str]:
    """The keys of a result shape, in declaration order (inherited keys first).

    >>> columns(OutletRank)[:3]
    ['outlet', 'name', 'stories']
    """
    return list(get_type_hints(shape))
