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

import networkx as nx
import numpy as np

from .build import RELATED, STORY
from .records import parse_utc

__all__ = ["EventSettings", "Evidence", "event_clusters", "similar_pairs", "with_similarity_edges", "settings_with", "link_evidence", "SIMILAR"]

SIMILAR = "similar"


@dataclass(frozen=True, slots=True)
class EventSettings:
    """Tunable knobs of event clustering (CLI: `clusters --level events --threshold … --window …`)."""

    threshold: float = 0.14  # average link score two groups need to merge
    window_hours: float = 72.0  # stories further apart in time are never linked by similarity
    related_bonus: float = 0.1  # added to the score of a pair whose publisher listed one as related to the other
    duplicate_threshold: float = 0.8  # text similarity above which two stories are copies of one article
    floor: float = 0.05  # scores below this count as 0
    same_outlet_penalty: float = 0.1  # one outlet's template notices (SDK retirements, digests) look alike


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why two stories are linked."""

    a: str
    b: str
    similarity: float
    related: bool
    score: float


def settings_with(**changes) -> EventSettings:
    """The default settings with the given (non-None) values replaced."""
    from dataclasses import replace

    return replace(EventSettings(), **{k: v for k, v in changes.items() if v is not None})


def _texts(graph: nx.DiGraph) -> tuple[list[str], list[str], np.ndarray]:
    keys, docs, times = [], [], []
    for node, data in graph.nodes(data=True):
        if data.get("kind") != STORY or not data.get("title"):
            continue
        keys.append(node)
        title = data["title"]
        docs.append(f"{title} {title} {data.get('excerpt', '')}")
        published = data.get("published")
        times.append(parse_utc(published).timestamp() / 3600 if published else np.nan)
    return keys, docs, np.asarray(times, dtype=float)


def _tfidf(docs: list[str]):
    """TF-IDF rows of the documents, or None when no document has a usable word (emoji-only titles)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    try:
        return TfidfVectorizer(stop_words="english", sublinear_tf=True, strip_accents="unicode",
                               dtype=np.float32).fit_transform(docs)
    except ValueError:  # empty vocabulary
        return None


def similar_pairs(graph: nx.DiGraph, settings: EventSettings = EventSettings()) -> tuple[list[str], dict[tuple[int, int], tuple[float, bool, float]]]:
    """Story keys and, for every pair worth considering (i < j, within the window, score at least the
    floor): its text similarity, whether a publisher listed one as related to the other, and its score."""
    import scipy.sparse as sp

    keys, docs, hours = _texts(graph)
    n = len(keys)
    if n < 2:
        return keys, {}
    vectors = _tfidf(docs)
    if vectors is None:
        return keys, {}
    cosine = sp.triu(vectors @ vectors.T, k=1).tocsr()
    index = {key: i for i, key in enumerate(keys)}
    pairs = {(min(index[u], index[v]), max(index[u], index[v]))
             for u, v, kind in graph.edges(data="kind") if kind == RELATED and u in index and v in index}
    if pairs:
        rows, cols = zip(*pairs)
        related = sp.csr_matrix((np.ones(len(pairs), dtype=np.float32), (rows, cols)), shape=(n, n))
        # a related pair with no shared word still gets an entry, scored by the bonus alone
        combined = (cosine + related * np.float32(settings.related_bonus) + related * np.float32(1e-6)).tocoo()
    else:
        combined = cosine.tocoo()
    rows, cols, scores = combined.row, combined.col, combined.data
    keep = scores >= settings.floor
    rows, cols, scores = rows[keep], cols[keep], scores[keep]
    inside = ~(np.abs(hours[rows] - hours[cols]) > settings.window_hours)  # an undated story is not excluded
    rows, cols, scores = rows[inside], cols[inside], scores[inside]
    similarity = np.asarray(cosine[rows, cols]).ravel() if len(rows) else np.zeros(0)
    outlets = np.array([graph.nodes[key]["outlet"] for key in keys])
    scores = scores - np.float32(settings.same_outlet_penalty) * (outlets[rows] == outlets[cols])
    return keys, {(i, j): (round(float(sim), 4), (i, j) in pairs, float(score))
                  for i, j, sim, score in zip(rows.tolist(), cols.tolist(), similarity.tolist(), scores.tolist())}


def event_clusters(graph: nx.DiGraph, settings: EventSettings = EventSettings(), *, min_size: int = 2) -> list[dict]:
    """Events (groups of stories about one happening), largest first, with coverage, duplicates and evidence."""
    keys, evidence = similar_pairs(graph, settings)
    score = {pair: value for pair, (_, _, value) in evidence.items()}
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
        inside = [Evidence(keys[x], keys[y], *evidence[(x, y)])
                  for x in group for y in group if x < y and (x, y) in evidence]
        events.append(_describe(graph, stories, duplicates, inside))
    events.sort(key=lambda e: (-e["size"], e["first_published"] or "9999", e["stories"][0]))
    for number, event in enumerate(events, 1):
        event["id"] = number
    return events


def _duplicates(keys, evidence, settings, graph) -> dict[str, str]:
    """Story → the earliest story it copies (near-identical title and excerpt under another URL)."""
    copies: dict[str, str] = {}
    close = sorted(((sim, i, j) for (i, j), (sim, _, _) in evidence.items() if sim >= settings.duplicate_threshold), reverse=True)
    for _, i, j in close:
        a, b = keys[i], keys[j]
        first, second = sorted((a, b), key=lambda k: (graph.nodes[k].get("published") or "9999", k))
        original = copies.get(first, first)
        if second not in copies and second != original:
            copies[second] = original
    return copies


def _describe(graph: nx.DiGraph, stories: list[str], duplicates: dict[str, str], evidence: list[Evidence]) -> dict:
    from .analyze import describe_group

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
        "evidence": [{"a": e.a, "b": e.b, "similarity": e.similarity, "score": round(e.score, 4),
                      "related": e.related, "listed_by": _listed_by(graph, e.a, e.b)} for e in evidence],
    })
    return event


def _listed_by(graph: nx.DiGraph, a: str, b: str) -> list[str]:
    """The files whose related lists link a and b (either direction)."""
    return [graph.edges[u, v]["listed_by"] for u, v in ((a, b), (b, a))
            if graph.has_edge(u, v) and graph.edges[u, v].get("kind") == RELATED and "listed_by" in graph.edges[u, v]]


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


def link_evidence(graph: nx.DiGraph, a: str, b: str, settings: EventSettings = EventSettings()) -> dict:
    """Why two stories are (or are not) linked: related entries in either direction (and which file
    listed them), text similarity, time apart, and whether one copies the other."""
    listed = [{"from": u, "to": v, "listed_by": graph.edges[u, v].get("listed_by")}
              for u, v in ((a, b), (b, a)) if graph.has_edge(u, v) and graph.edges[u, v].get("kind") == RELATED]
    keys, docs, hours = _texts(graph)
    index = {key: i for i, key in enumerate(keys)}
    similarity = None
    vectors = _tfidf(docs) if a in index and b in index else None
    if vectors is not None:
        similarity = round(float((vectors[index[a]] @ vectors[index[b]].T).toarray()[0, 0]), 4)
    gap = abs(hours[index[a]] - hours[index[b]]) if a in index and b in index else float("nan")
    return {
        "related": listed,
        "similarity": similarity,
        "hours_apart": None if gap != gap else round(float(gap), 1),
        "within_window": bool(gap == gap and gap <= settings.window_hours),
        "duplicate": bool(similarity is not None and similarity >= settings.duplicate_threshold),
        "score": None if similarity is None else round(similarity + (settings.related_bonus if listed else 0.0)
                                                        - (settings.same_outlet_penalty if graph.nodes[a].get("outlet") == graph.nodes[b].get("outlet") else 0.0), 4),
    }
