"""Event clusters: stories that report the same event, across outlets, with the evidence for each link.

Evidence for linking two stories comes from the pair model of graphapp.event_pairs: separate similarities of
title, excerpt, whole text, named things (capitalised words, numbers, product names) and URL slug; the time gap
as smooth decays; a publisher's related link and third parties listing both (co-citation); same outlet; and what
one title names that the other story never mentions. A logistic regression trained on labelled events of two feed
families (bench/train_pair_model.py) turns them into a same-event probability.

Grouping, with one threshold (`min_probability`, learned; the user's precision/recall slider) and one window:
candidate pairs are taken from the most probable down, and two groups merge when the *groups as a whole* are
close: the mean probability over all their cross pairs (a pair never scored counts 0) must reach the threshold.
A late or differently worded report joins a big event by its mean over all the event's stories, not one closest
pair; a roundup or wire text naming two events links only a few stories of each and cannot carry their groups
into one. Near-identical texts under different URLs
(wire copies, syndication) are flagged as duplicates and not counted as independent coverage.
"""

from __future__ import annotations

import math
from collections import defaultdict

import networkx as nx
import numpy as np

from .build import RELATED, STORY
from .event_pairs import DUPLICATE_SIMILARITY, FEATURES, Candidates, candidate_pairs, load_model
from .options import EventSettings
from .results import Event

__all__ = ["SIMILAR", "EventSettings", "event_clusters", "group_pairs", "link_evidence", "pair_candidates",
           "with_similarity_edges", "event_links"]

SIMILAR = "similar"
SAGA = 3  # two groups of at least this many stories each are also compared with their own cohesion…
COHESION = 0.5  # …and merge only if their cross mean is at least this share of the lower of their own means
KEPT = 0.02  # pairs less probable than this are dropped before grouping (they count 0)


def _stories(graph: nx.DiGraph) -> tuple[list[tuple[str, dict]], np.ndarray]:
    """Stories with a title in key order (ties break the same way for any file order) and the related
    links between them as (lister, listed) index rows of an int array, in the graph's order (not sorted: the
    pair matrix made of them does not need it). An array, not a list of tuples: at twenty times azure-news the
    3.2 million tuples held about 300 MB."""
    stories = [(node, data) for node, data in sorted(graph.nodes(data=True), key=lambda nd: nd[0])
               if data.get("kind") == STORY and data.get("title")]
    index = {key: i for i, (key, _) in enumerate(stories)}
    related = np.fromiter((end for u, links in graph.adjacency() if (i := index.get(u)) is not None  # plain dicts
                           for v, data in links.items()
                           if data.get("kind") == RELATED and (j := index.get(v)) is not None and j != i
                           for end in (i, j)), dtype=np.int64)
    return stories, related.reshape(-1, 2)


def pair_candidates(graph: nx.DiGraph, settings: EventSettings = EventSettings(), also=()) -> Candidates:
    """Candidate pairs of the graph's stories with their features (see graphapp.event_pairs); `also`: extra
    (key, key) pairs to compute whatever their time gap or similarity."""
    stories, related = _stories(graph)
    return candidate_pairs(stories, related, settings.window_hours, also=also)


def event_clusters(graph: nx.DiGraph, settings: EventSettings = EventSettings(), *, min_size: int = 2) -> list[Event]:
    """Events (groups of stories about one happening), largest first, with coverage, duplicates and evidence."""
    found = pair_candidates(graph, settings)
    model = load_model()
    probability = model.probability(found.x)
    groups = group_pairs(len(found.keys), found.rows, found.cols, probability, settings.min_probability)
    where = {}
    for number, group in enumerate(groups):
        for i in group:
            where[i] = number
    inside: dict[int, list[int]] = defaultdict(list)
    for k, (i, j) in enumerate(zip(found.rows.tolist(), found.cols.tolist())):
        if where[i] == where[j] and len(groups[where[i]]) >= min_size:
            inside[where[i]].append(k)
    picked = np.array(sorted(k for ks in inside.values() for k in ks), dtype=np.int64)
    values = dict(zip(picked.tolist(), np.round(found.x[picked], 4).tolist()))
    shares = dict(zip(picked.tolist(), np.round(found.x[picked] * model.weights, 3).tolist()))
    events = []
    for number, group in enumerate(groups):
        if len(group) < min_size:
            continue
        links = [_evidence(graph, found, k, probability[k], values[k], shares[k]) for k in inside.get(number, [])]
        events.append(_describe(graph, [found.keys[i] for i in group], links))
    events.sort(key=lambda e: (-e["size"], e["first_published"] or "9999", e["stories"][0]))
    for number, event in enumerate(events, 1):
        event["id"] = number
    return events


def group_pairs(n: int, rows: np.ndarray, cols: np.ndarray, probability: np.ndarray, threshold: float,
                cohesion: float = COHESION) -> list[list[int]]:
    """Groups of the n items from scored pairs (average linkage of the probabilities): pairs from the most
    probable down; two groups merge when the mean probability over all their cross pairs (a pair never scored
    counts 0) reaches `threshold`, so a story joins an event by resembling the event as a whole, and a
    roundup or wire text that links a few stories of two events cannot carry the two into one. Two groups of
    SAGA+ stories each must also be close relative to themselves: their cross mean at least `cohesion` times
    the lower of their own inner means (two tight events of one saga stay apart even when the subject words
    they share lift the cross pairs over the threshold). Passes repeat until nothing merges: a report refused
    by a small event is tried again once the event has grown.

    >>> group_pairs(4, np.array([0, 0, 1, 2]), np.array([1, 2, 2, 3]), np.array([0.9, 0.8, 0.7, 0.6]), 0.5)
    [[0, 1, 2], [3]]
    """
    neighbours: list[dict[int, float]] = [{} for _ in range(n)]
    kept = probability >= min(threshold, KEPT)
    for i, j, p in zip(rows[kept].tolist(), cols[kept].tolist(), probability[kept].tolist()):
        neighbours[i][j] = p
        neighbours[j][i] = p
    order = [k for k in np.lexsort((cols, rows, -probability)).tolist() if probability[k] >= threshold]
    group_of = list(range(n))
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    inner = dict.fromkeys(range(n), 0.0)  # group → sum of the probabilities of its inner pairs
    refused: set[tuple[int, int, int, int]] = set()

    def own(group: int) -> float:
        size = len(members[group])
        return inner[group] / (size * (size - 1) / 2)

    for _ in range(4):
        merged = False
        for k in order:
            a, b = group_of[rows[k]], group_of[cols[k]]
            if a == b:
                continue
            state = (a, len(members[a]), b, len(members[b])) if a < b else (b, len(members[b]), a, len(members[a]))
            if state in refused:
                continue
            small, large = (a, b) if (len(members[a]), b) < (len(members[b]), a) else (b, a)
            total = sum(p for x in members[small] for y, p in neighbours[x].items() if group_of[y] == large)
            cross = total / (len(members[small]) * len(members[large]))
            if cross < threshold or (len(members[small]) >= SAGA and cross < cohesion * min(own(small), own(large))):
                refused.add(state)
                continue
            inner[large] += inner.pop(small) + total
            members[large].extend(members[small])
            for x in members[small]:
                group_of[x] = large
            del members[small]
            merged = True
        if not merged:
            break
    return sorted((sorted(group) for group in members.values()), key=lambda g: g[0])


def _evidence(graph: nx.DiGraph, found: Candidates, k: int, probability: float, row: list[float],
              shares: list[float]) -> dict:
    """One scored pair as exported (a results.Evidence): its features (`row`), each one's share of the log-odds
    (`shares`: weight × value) and the probability the grouping used."""
    a, b = found.keys[found.rows[k]], found.keys[found.cols[k]]
    features = dict(zip(FEATURES, row))
    gap = abs(found.hours[found.rows[k]] - found.hours[found.cols[k]])
    return {"a": a, "b": b, "similarity": features["text"], "score": round(float(probability), 4),
            "related": bool(features["related"]), "listed_by": _listed_by(graph, a, b) if features["related"] else [],
            "hours_apart": None if math.isnan(gap) else round(float(gap), 1),
            "features": features, "contributions": dict(zip(FEATURES, shares))}


def _duplicates(graph: nx.DiGraph, evidence: list[dict]) -> dict[str, str]:
    """Story → the earliest story of the event it copies (near-identical title and excerpt under another URL)."""
    copies: dict[str, str] = {}
    for e in sorted((e for e in evidence if e["similarity"] >= DUPLICATE_SIMILARITY),
                    key=lambda e: (-e["similarity"], e["a"], e["b"])):
        first, second = sorted((e["a"], e["b"]), key=lambda k: (graph.nodes[k].get("published") or "9999", k))
        original = copies.get(first, first)
        if second not in copies and second != original:
            copies[second] = original
    return copies


def _describe(graph: nx.DiGraph, stories: list[str], evidence: list[dict]) -> dict:
    from .analyze import describe_group

    degree = defaultdict(int)
    for e in evidence:
        degree[e["a"]] += 1
        degree[e["b"]] += 1
    event = describe_group(graph, stories, degree)
    copies = _duplicates(graph, evidence)
    independent = {graph.nodes[s]["outlet"] for s in event["stories"] if s not in copies}
    event.update({"duplicates": copies, "independent_outlets": len(independent), "evidence": evidence})
    return event


def _sorted_contains(haystack: np.ndarray, needles: np.ndarray) -> np.ndarray:
    """Whether each needle is in `haystack` (sorted): a binary search each, no hashing of millions of codes."""
    if not len(haystack):
        return np.zeros(len(needles), dtype=bool)
    where = np.searchsorted(haystack, needles).clip(max=len(haystack) - 1)
    return haystack[where] == needles


def _close_pairs(vectors, hours: np.ndarray, window: float, least: float, chunk: int = 400):
    """Rows, columns (i < j) and cosine of the story pairs at most `window` hours apart with cosine of at
    least `least`. Stories are taken in time order, a chunk at a time, against the stories from the
    chunk's first to `window` hours after its last: over a corpus spanning years this computes a narrow
    band of the similarity matrix instead of all of it. Undated stories are compared with every story."""
    n = vectors.shape[0]
    order = np.argsort(hours, kind="stable")  # NaN (undated) last
    dated = int((~np.isnan(hours)).sum())
    sorted_hours = hours[order]
    found = []
    for start in range(0, dated, chunk):
        stop = min(start + chunk, dated)
        reach = int(np.searchsorted(sorted_hours[:dated], sorted_hours[stop - 1] + window, side="right"))
        block = (vectors[order[start:stop]] @ vectors[order[start:reach]].T).tocoo()
        left, right = block.row + start, block.col + start
        keep = (left < right) & (block.data >= least)
        found.append((left[keep], right[keep], block.data[keep]))
    if dated < n:  # undated stories against all
        block = (vectors[order[dated:]] @ vectors[order].T).tocoo()
        left, right = block.row + dated, block.col
        keep = ((right < dated) | (left < right)) & (block.data >= least)
        found.append((left[keep], right[keep], block.data[keep]))
    if not found:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
    left, right, cosine = (np.concatenate(part) for part in zip(*found))
    first, second = order[left].astype(np.int64), order[right].astype(np.int64)
    near = ~(np.abs(hours[first] - hours[second]) > window)
    first, second, cosine = first[near], second[near], cosine[near]
    return np.minimum(first, second), np.maximum(first, second), cosine


def _listed_by(graph: nx.DiGraph, a: str, b: str) -> list[str]:
    """The files whose related lists link a and b (either direction)."""
    links = (graph.get_edge_data(u, v) for u, v in ((a, b), (b, a)))  # not graph.succ[u]: a view made per call
    return [data["listed_by"] for data in links if data and data.get("kind") == RELATED and "listed_by" in data]


def with_similarity_edges(graph: nx.DiGraph, events: list[dict]) -> nx.DiGraph:
    """A copy of `graph` where each story–story link inside an event carries its evidence: `similarity`
    (whole-text cosine) and `probability` (the pair model's score) on every such edge, `kind="similar"` where
    no related link existed."""
    result = graph.copy()
    on_links, added = event_links(graph, events)
    for (u, v), values in on_links.items():
        result.edges[u, v].update(values)
    result.add_edges_from((u, v, data) for (u, v), data in added.items())
    return result


def event_links(graph: nx.DiGraph, events: list[dict]) -> tuple[dict[tuple[str, str], dict], dict[tuple[str, str], dict]]:
    """The events' evidence as an overlay of `graph`, without copying it: the values to add to related links
    that exist (keyed by the link's own direction), and the `similar` links to add, in the order found. A
    streamed export reads the graph through it; a copy of the graph costs about 200 bytes per link (330 MB at
    ten times azure-news)."""
    on_links: dict[tuple[str, str], dict] = {}
    added: dict[tuple[str, str], dict] = {}
    for event in events:
        for e in event["evidence"]:
            a, b = e["a"], e["b"]
            values = {"similarity": e["similarity"], "probability": e["score"]}
            for pair in ((a, b), (b, a)):
                if pair in added:
                    added[pair].update(values)
                    break
                if graph.has_edge(*pair):
                    on_links.setdefault(pair, {}).update(values)
                    break
            else:
                added[a, b] = {"kind": SIMILAR, **values}
    return on_links, added


def link_evidence(graph: nx.DiGraph, a: str, b: str, settings: EventSettings = EventSettings()) -> dict:
    """Why two stories are (or are not) linked: related entries in either direction (and which file listed
    them), whole-text similarity, time apart, whether one copies the other, the pair model's features with
    each one's share of the log-odds, and its probability (`scored` is False when the grouping never scored
    the pair: too far apart in time or too unlike; `score` then says what the pair would get)."""
    listed = [{"from": u, "to": v, "listed_by": graph.edges[u, v].get("listed_by")}
              for u, v in ((a, b), (b, a)) if graph.has_edge(u, v) and graph.edges[u, v].get("kind") == RELATED]
    found = pair_candidates(graph, settings, also=[(a, b)])
    index = {key: i for i, key in enumerate(found.keys)}
    model = load_model()
    if a not in index or b not in index or found.text is None:
        return {"related": listed, "similarity": None, "hours_apart": None, "within_window": False, "duplicate": False,
                "scored": False, "score": None, "threshold": settings.min_probability}
    i, j = sorted((index[a], index[b]))
    k = int(np.flatnonzero((found.rows == i) & (found.cols == j))[0])
    e = _evidence(graph, found, k, float(model.probability(found.x[k:k + 1])[0]), np.round(found.x[k], 4).tolist(),
                  np.round(found.x[k] * model.weights, 3).tolist())
    gap = e["hours_apart"]
    return {
        "related": listed,
        "similarity": e["similarity"],
        "hours_apart": gap,
        "within_window": bool(gap is not None and gap <= settings.window_hours),
        "duplicate": bool(e["similarity"] >= DUPLICATE_SIMILARITY),
        "scored": bool(found.candidate[k]),
        "score": e["score"],
        "threshold": settings.min_probability,
        "features": e["features"],
        "contributions": e["contributions"] | {"intercept": round(model.intercept, 3)},
    }
