"""Event clusters: stories that report the same event, across outlets, with the evidence for each link.

Evidence for linking two stories: TF-IDF cosine similarity of title (counted twice) and excerpt, both
published within a time window, and — as support, not proof — a publisher's related link between
them. Stories are grouped by greedy average linkage: pairs are taken from the strongest down, and
two groups merge only when the *average* score over all their cross pairs reaches the threshold
(a missing pair counts 0). Unlike connected components of a thresholded graph, one roundup
article or one loose pair cannot chain two events together. Near-identical texts under different
URLs (wire copies, syndication) are flagged as duplicates and not counted as independent coverage.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import networkx as nx
import numpy as np

from .build import RELATED, STORY

__all__ = ["EventSettings", "Evidence", "event_clusters", "similar_pairs", "with_similarity_edges", "SIMILAR"]

SIMILAR = "similar"


@dataclass(frozen=True, slots=True)
class EventSettings:
    """Tunable knobs of event clustering (CLI: `clusters --level events --threshold … --window …`)."""

    threshold: float = 0.3  # average link score two groups need to merge
    window_hours: float = 72.0  # stories further apart in time are never linked by similarity
    related_bonus: float = 0.1  # added to the score of a pair whose publisher listed one as related to the other
    duplicate_threshold: float = 0.85  # text similarity above which two stories are copies of one article
    floor: float = 0.1  # scores below this count as 0


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why two stories are linked."""

    a: str
    b: str
    similarity: float
    related: bool
    score: float


def _texts(graph: nx.DiGraph) -> tuple[list[str], list[str], np.ndarray]:
    keys, docs, times = [], [], []
    for node, data in graph.nodes(data=True):
        if data.get("kind") != STORY or not data.get("title"):
            continue
        keys.append(node)
        title = data["title"]
        docs.append(f"{title} {title} {data.get('excerpt', '')}")
        published = data.get("published")
        times.append(datetime.fromisoformat(published.replace("Z", "+00:00")).timestamp() / 3600 if published else np.nan)
    return keys, docs, np.asarray(times, dtype=float)


def similar_pairs(graph: nx.DiGraph, settings: EventSettings = EventSettings()) -> tuple[list[str], dict[tuple[int, int], Evidence]]:
    """Story keys and, for every pair worth considering, its evidence (indexes into the keys, i < j)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    keys, docs, hours = _texts(graph)
    if len(keys) < 2:
        return keys, {}
    vectors = TfidfVectorizer(stop_words="english", sublinear_tf=True, strip_accents="unicode", min_df=1,
                              max_df=0.5, ngram_range=(1, 2), dtype=np.float32).fit_transform(docs)
    cosine = (vectors @ vectors.T).tocoo()
    rows, cols, sims = cosine.row, cosine.col, cosine.data
    keep = (rows < cols) & (sims >= settings.floor * 0.5)
    rows, cols, sims = rows[keep], cols[keep], sims[keep]
    gap = np.abs(hours[rows] - hours[cols])
    inside = ~(gap > settings.window_hours)  # NaN (an undated story) is not excluded by the window
    rows, cols, sims = rows[inside], cols[inside], sims[inside]
    index = {key: i for i, key in enumerate(keys)}
    linked = set()
    for u, v, kind in graph.edges(data="kind"):
        if kind == RELATED and u in index and v in index:
            linked.add((min(index[u], index[v]), max(index[u], index[v])))
    evidence: dict[tuple[int, int], Evidence] = {}
    for i, j, s in zip(rows.tolist(), cols.tolist(), sims.tolist()):
        related = (i, j) in linked
        score = s + (settings.related_bonus if related else 0.0)
        if score >= settings.floor:
            evidence[(i, j)] = Evidence(keys[i], keys[j], round(s, 4), related, round(score, 4))
    return keys, evidence


def event_clusters(graph: nx.DiGraph, settings: EventSettings = EventSettings(), *, min_size: int = 2) -> list[dict]:
    """Events (groups of stories about one happening), largest first, with coverage, duplicates and evidence."""
    keys, evidence = similar_pairs(graph, settings)
    score = {pair: e.score for pair, e in evidence.items()}
    group_of = list(range(len(keys)))
    members: dict[int, list[int]] = {i: [i] for i in range(len(keys))}
    for (i, j), value in sorted(score.items(), key=lambda kv: (-kv[1], kv[0])):
        if value < settings.threshold:
            break
        a, b = group_of[i], group_of[j]
        if a == b:
            continue
        left, right = members[a], members[b]
        total = sum(score.get((x, y) if x < y else (y, x), 0.0) for x in left for y in right)
        if total / (len(left) * len(right)) < settings.threshold:
            continue
        if len(left) < len(right):
            a, b, left, right = b, a, right, left
        left.extend(right)
        for x in right:
            group_of[x] = a
        del members[b]
    duplicates = _duplicates(keys, evidence, settings, graph)
    events = []
    for group in members.values():
        if len(group) < min_size:
            continue
        stories = [keys[i] for i in group]
        inside = [e for (i, j), e in evidence.items() if group_of[i] == group_of[j] == group_of[group[0]]]
        events.append(_describe(graph, stories, duplicates, inside))
    events.sort(key=lambda e: (-e["size"], e["first_published"] or "9999", e["stories"][0]))
    for number, event in enumerate(events, 1):
        event["id"] = number
    return events


def _duplicates(keys, evidence, settings, graph) -> dict[str, str]:
    """Story → the earliest story it copies (near-identical title and excerpt under another URL)."""
    copies: dict[str, str] = {}
    published = {k: graph.nodes[k].get("published") or "9999" for k in keys}
    for e in sorted(evidence.values(), key=lambda e: -e.similarity):
        if e.similarity < settings.duplicate_threshold:
            break
        first, second = sorted((e.a, e.b), key=lambda k: (published[k], k))
        original = copies.get(first, first)
        if second not in copies and second != original:
            copies[second] = original
    return copies


def _describe(graph: nx.DiGraph, stories: list[str], duplicates: dict[str, str], evidence: list[Evidence]) -> dict:
    from .analyze import _describe as describe_group

    degree = defaultdict(int)
    for e in evidence:
        degree[e.a] += 1
        degree[e.b] += 1
    event = describe_group(graph, stories, degree)
    copies = {s: duplicates[s] for s in event["stories"] if s in duplicates and duplicates[s] in stories}
    independent = {graph.nodes[s]["outlet"] for s in event["stories"] if s not in copies}
    event.update({
        "duplicates": copies,
        "independent_outlets": len(independent),
        "evidence": [{"a": e.a, "b": e.b, "similarity": e.similarity, "related": e.related} for e in evidence],
    })
    return event


def with_similarity_edges(graph: nx.DiGraph, events: list[dict]) -> nx.DiGraph:
    """A copy of `graph` where each story–story link inside an event carries its evidence:
    `similarity` (float) on every such edge, `kind="similar"` where no related link existed."""
    result = graph.copy()
    for event in events:
        for e in event["evidence"]:
            if result.has_edge(e["a"], e["b"]):
                result.edges[e["a"], e["b"]]["similarity"] = e["similarity"]
            elif result.has_edge(e["b"], e["a"]):
                result.edges[e["b"], e["a"]]["similarity"] = e["similarity"]
            else:
                result.add_edge(e["a"], e["b"], kind=SIMILAR, similarity=e["similarity"])
    return result
