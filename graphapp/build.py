"""Article records → a NetworkX graph of stories and outlets.

Nodes: stories keyed by canonical URL, outlets keyed ``outlet:<domain>``; attribute ``kind`` tells
them apart. Edges: ``related`` (story → story, from the article to the entry it lists) and
``published_by`` (story → outlet). Attribute values are only str, int, float or bool, and a
missing value is an absent attribute, never a fake 0.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # networkx costs 0.2 s to import; `graphapp stats` counts without it
    import networkx as nx

from .records import OUTLET, PUBLISHED_BY, RELATED, STORY, Article, Story, outlet_node, utc_text

__all__ = ["Resolved", "resolve_stories", "build_graph", "graph_from", "outlet_node", "STORY", "OUTLET", "RELATED", "PUBLISHED_BY"]

@dataclass(frozen=True, slots=True, repr=False)
class Resolved:
    """Stories with their identities resolved (aliases, file data first) and the related links between them."""

    stories: dict[str, Story]
    with_file: frozenset[str]
    edges: list[tuple[str, str]]  # (article, listed story), self-links removed, repeats kept
    listed_by: list[str]  # for each edge, the file whose related list holds it
    files: dict[str, Article]  # story key → its (merged) article

    def __repr__(self) -> str:
        return f"<Resolved: {len(self.stories):,} stories, {len(self.with_file):,} with a file, {len(self.edges):,} related entries>"


def resolve_stories(articles: Iterable[Article]) -> Resolved:
    """The graph's content without networkx: one Story per canonical URL and the related links.

    A related entry that points at an article's ampWebUrl/cdnAmpWebUrl is that article; a story
    seen only in related lists keeps its first description and fills gaps from later ones.
    """
    articles = list(articles)
    files = {article.story.key: article.story for article in articles}
    alias_of = {alias: key for key, story in files.items() for alias in story.aliases if alias not in files}
    stories: dict[str, Story] = dict(files)
    edges: list[tuple[str, str]] = []
    listed_by: list[str] = []
    for article in articles:  # list comprehensions: a corpus holds millions of related entries
        source = article.story.key
        targets = [alias_of.get(entry.key, entry.key) for entry in article.related] if alias_of else \
            [entry.key for entry in article.related]
        for entry, target in zip(article.related, targets):
            if target in files:
                continue
            known = stories.get(target)
            if known is None:
                stories[target] = entry if target == entry.key else entry._replace(key=target)
            elif known is not entry:
                stories[target] = _fill_missing(known, entry)
        keep = [i for i, target in enumerate(targets) if target != source]
        edges += [(source, targets[i]) for i in keep]
        listed_by += [article.related_paths[i] for i in keep] if article.related_paths else [article.path] * len(keep)
    return Resolved(stories, frozenset(files), edges, listed_by, {a.story.key: a for a in articles})


def build_graph(articles: Iterable[Article]) -> nx.DiGraph:
    """One story node per canonical URL (file data wins over related entries), one node per outlet.

    >>> from graphapp import SEEDS
    >>> from graphapp import load
    >>> graph = build_graph(load([SEEDS], cache_dir=False).articles)
    >>> graph.number_of_nodes(), graph.number_of_edges()
    (20, 21)
    """
    return graph_from(resolve_stories(articles))


def graph_from(resolved: Resolved) -> nx.DiGraph:
    """The networkx graph of resolved stories: story and outlet nodes, related and published_by edges."""
    stories = resolved.stories
    import networkx as nx

    graph = nx.DiGraph()
    outlet_names: dict[str, Counter] = {}
    for key, story in stories.items():
        graph.add_node(key, **_story_attributes(story, has_file=key in resolved.with_file))
        if story.outlet_name:
            outlet_names.setdefault(story.outlet, Counter())[story.outlet_name] += 1
        article = resolved.files.get(key)
        if article is not None:
            graph.nodes[key]["file"] = article.path
            if article.merged_paths:
                graph.nodes[key]["merged_files"] = "; ".join(article.merged_paths)
    graph.add_edges_from((u, v, {"kind": RELATED, "listed_by": path}) for (u, v), path in zip(resolved.edges, resolved.listed_by))
    counts = Counter(story.outlet for story in stories.values())
    for domain, count in sorted(counts.items()):
        names = outlet_names.get(domain)
        name = names.most_common(1)[0][0] if names else domain
        graph.add_node(outlet_node(domain), kind=OUTLET, name=name, domain=domain, stories=count)
    graph.add_edges_from(((key, outlet_node(story.outlet)) for key, story in stories.items()), kind=PUBLISHED_BY)
    return graph


def _fill_missing(known: Story, other: Story) -> Story:
    """A story seen only in related lists: keep the first description, fill its gaps from later ones."""
    updates = {name: getattr(other, name) for name in ("title", "excerpt", "outlet_name", "published", "quality")
               if getattr(known, name) is None and getattr(other, name) is not None}
    return known._replace(**updates) if updates else known


def _story_attributes(story: Story, *, has_file: bool) -> dict:
    attributes = {"kind": STORY, "url": story.url, "outlet": story.outlet, "has_file": has_file}
    if story.title is not None:
        attributes["title"] = story.title
    if story.excerpt is not None:
        attributes["excerpt"] = story.excerpt
    if story.outlet_name is not None:
        attributes["outlet_name"] = story.outlet_name
    if story.published is not None:
        attributes["published"] = utc_text(story.published)
    if story.quality is not None:
        attributes["quality"] = story.quality
    if story.topics:
        attributes["topics"] = "; ".join(story.topics)
    return attributes
