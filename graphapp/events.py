"""Event clusters: stories that report the same event, across outlets, with the evidence for each link.

Evidence for linking two stories: TF-IDF cosine similarity of title (counted twice) and excerpt over
word stems, and — as support, not proof — a publisher's related link between them. Grouping, in three
steps: greedy average linkage over pairs published within a window (two groups merge when the *average*
score over all their cross pairs reaches the threshold and their closest pair reaches `min_link`, so
neither one roundup nor shared topic words chain events together); a spectral split of any group whose
two halves barely link (two events of one saga); and the attachment of lone late reports to the event
they resemble most. Near-identical texts under different URLs (wire copies, syndication) are flagged as
duplicates and not counted as independent coverage.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import NamedTuple

import networkx as nx
import numpy as np

from .build import RELATED, STORY
from .options import EventSettings
from .records import parse_utc
from .results import Event

__all__ = ["SIMILAR", "EventSettings", "Terms", "Grouping", "corpus_terms", "group_stories", "describe_events", "number_events",
           "event_clusters", "link_evidence", "pair_score", "with_similarity_edges"]

SIMILAR = "similar"


@dataclass(frozen=True, slots=True)
class _Link:
    """Why two stories are linked, as scored (exported as a results.Evidence)."""

    a: str
    b: str
    similarity: float
    related: bool
    score: float


def pair_score(similarity, related, same_outlet, settings: EventSettings):
    """The one score the grouping gives a pair of stories: text similarity, plus the related bonus when a
    publisher listed one as related to the other, less the same-outlet penalty. Works on numbers and on
    numpy arrays (summed over an event's members it gives the event's total, used for late reports)."""
    bonus, penalty = settings.related_bonus, settings.same_outlet_penalty
    if isinstance(similarity, np.ndarray):  # keep the arrays' precision: the same figures however it is called
        bonus, penalty = similarity.dtype.type(bonus), similarity.dtype.type(penalty)
    return similarity + bonus * related - penalty * same_outlet


def _texts(graph: nx.DiGraph) -> tuple[list[str], list[str], np.ndarray]:
    keys, docs, times = [], [], []
    for node in sorted(graph):  # key order, not load order: ties break the same way for any file order
        data = graph.nodes[node]
        if data.get("kind") != STORY or not data.get("title"):
            continue
        keys.append(node)
        title = data["title"]
        docs.append(f"{title} {title} {data.get('excerpt', '')}")
        published = data.get("published")
        times.append(parse_utc(published).timestamp() / 3600 if published else np.nan)
    return keys, docs, np.asarray(times, dtype=float)


def _tfidf(docs: list[str]):
    """TF-IDF rows of the documents over word stems ("outage"/"outages", "erupts"/"eruption" count as one
    term), or None when no document has a usable word (emoji-only titles). Words are counted first and
    only the distinct ones are stemmed, then their columns merged: one sparse product."""
    import scipy.sparse as sp
    import Stemmer  # PyStemmer: the Snowball stemmers, in C
    from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

    counter = CountVectorizer(stop_words="english", strip_accents="unicode", dtype=np.float32)
    try:
        counts = counter.fit_transform(docs)
    except ValueError:  # empty vocabulary
        return None
    stems = Stemmer.Stemmer("english").stemWords(counter.get_feature_names_out().tolist())
    distinct, column = np.unique(stems, return_inverse=True)
    merge = sp.csr_matrix((np.ones(len(stems), dtype=np.float32), (np.arange(len(stems)), column)),
                          shape=(len(stems), len(distinct)))
    return TfidfTransformer(sublinear_tf=True).fit_transform(counts @ merge).astype(np.float32)


class _Scored(NamedTuple):
    keys: list[str]
    hours: np.ndarray  # publication time of each story, hours since the epoch (NaN: undated)
    outlets: np.ndarray
    vectors: object  # TF-IDF rows (scipy sparse), None without text
    related: object  # symmetric 0/1 matrix of publisher-listed pairs (scipy sparse)
    pairs: dict[tuple[int, int], tuple[float, bool, float]]  # (i, j), i < j → (similarity, related, score)


class Terms(NamedTuple):
    """TF-IDF rows of a corpus's titled stories, by key, with their publication hours (see `corpus_terms`).

    IDF weights depend on every document, so a part of a corpus (a time shard of the Dask engine) that
    computed its own would score its pairs differently from the whole. It borrows these rows instead.
    """

    keys: list[str]  # sorted, as the grouping takes them
    hours: np.ndarray  # hours since the epoch (NaN: undated)
    matrix: object  # scipy sparse rows, or None when no story has a usable word

    def rows(self, keys: list[str]):
        """The rows of `keys` (each one of `self.keys`), in that order."""
        if self.matrix is None:
            return None
        index = {key: i for i, key in enumerate(self.keys)}
        return self.matrix[[index[key] for key in keys]]


def corpus_terms(graph: nx.DiGraph) -> Terms:
    """The TF-IDF rows of every titled story of `graph`, as `event_clusters` computes them."""
    keys, docs, hours = _texts(graph)
    return Terms(keys, hours, _tfidf(docs) if len(keys) > 1 else None)


def _score(graph: nx.DiGraph, settings: EventSettings, terms: Terms | None = None) -> _Scored:
    import scipy.sparse as sp

    keys, docs, hours = _texts(graph)
    n = len(keys)
    outlets = np.array([graph.nodes[key]["outlet"] for key in keys])
    vectors = (_tfidf(docs) if terms is None else terms.rows(keys)) if n > 1 else None
    if vectors is None:
        return _Scored(keys, hours, outlets, None, None, {})
    # pairs of similar texts not too far apart in time, and (whatever their similarity) related pairs
    rows, cols, similarity = _close_pairs(vectors, hours, settings.window_hours, settings.floor)
    index = {key: i for i, key in enumerate(keys)}
    listed = {(min(index[u], index[v]), max(index[u], index[v]))
              for u, v, kind in graph.edges(data="kind") if kind == RELATED and u in index and v in index and u != v}
    listed_rows, listed_cols = (np.array(side, dtype=np.int64) for side in zip(*listed)) if listed else (np.zeros(0, np.int64),) * 2
    related = sp.csr_matrix((np.ones(len(listed), dtype=np.float32), (listed_rows, listed_cols)), shape=(n, n))
    related.sort_indices()
    listed_rows, listed_cols = related.nonzero()  # by row, then column: the codes below come out sorted
    near = ~(np.abs(hours[listed_rows] - hours[listed_cols]) > settings.window_hours)
    listed_rows, listed_cols = listed_rows[near].astype(np.int64), listed_cols[near].astype(np.int64)
    listed_similarity = np.asarray(vectors[listed_rows].multiply(vectors[listed_cols]).sum(axis=1), dtype=np.float32).ravel()
    listed_codes = listed_rows * n + listed_cols
    text_only = ~_sorted_contains(listed_codes, rows * n + cols)
    rows = np.concatenate([rows[text_only], listed_rows])
    cols = np.concatenate([cols[text_only], listed_cols])
    similarity = np.concatenate([similarity[text_only], listed_similarity])
    is_listed = np.concatenate([np.zeros(int(text_only.sum()), dtype=bool), np.ones(len(listed_rows), dtype=bool)])
    keep = pair_score(similarity, is_listed, 0, settings) >= settings.floor
    rows, cols, similarity, is_listed = rows[keep], cols[keep], similarity[keep], is_listed[keep]
    scores = pair_score(similarity, is_listed, outlets[rows] == outlets[cols], settings)
    pairs = {(i, j): (sim, flag, score)
             for i, j, sim, flag, score in zip(rows.tolist(), cols.tolist(), similarity.astype(np.float64).round(4).tolist(),
                                               is_listed.tolist(), scores.tolist())}
    return _Scored(keys, hours, outlets, vectors, (related + related.T).tocsr(), pairs)


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


def event_clusters(graph: nx.DiGraph, settings: EventSettings = EventSettings(), *, min_size: int = 2,
                   terms: Terms | None = None) -> list[Event]:
    """Events (groups of stories about one happening), largest first, with coverage, duplicates and evidence.

    `terms`: TF-IDF rows of a corpus that holds `graph` (see `Terms`); None computes them from `graph`.
    """
    grouping = group_stories(graph, settings, terms=terms)
    return number_events(describe_events(graph, grouping, settings, [g for g in grouping.groups if len(g) >= min_size]))


class Grouping(NamedTuple):
    """The grouping's stages, in story indexes of `scored.keys`: what a time shard needs to check its edges."""

    scored: _Scored
    linked: list[list[int]]  # after average linkage and splits, before late reports join
    groups: list[list[int]]  # final groups, lone stories included


def group_stories(graph: nx.DiGraph, settings: EventSettings, *, terms: Terms | None = None) -> Grouping:
    """Score the pairs, link, split, then attach late reports (see the module docstring)."""
    scored = _score(graph, settings, terms)
    score = {pair: value for pair, (_, _, value) in scored.pairs.items()}
    linked = [part for group in _average_linkage(len(scored.keys), score, settings) for part in _split(group, score, settings)]
    return Grouping(scored, linked, _attach_loners(linked, scored, settings))


def describe_events(graph: nx.DiGraph, grouping: Grouping, settings: EventSettings, groups: list[list[int]]) -> list[Event]:
    """The given groups of `grouping` as results.Event, with coverage, duplicates and evidence (not numbered)."""
    scored = grouping.scored
    return [_describe(graph, [scored.keys[i] for i in group], _group_evidence(scored, group, settings), settings)
            for group in groups]


def number_events(events: list[Event]) -> list[Event]:
    """Largest first (then earliest, then first story), numbered from 1: the order every engine gives."""
    events.sort(key=lambda e: (-e["size"], e["first_published"] or "9999", e["stories"][0]))
    for number, event in enumerate(events, 1):
        event["id"] = number
    return events


def _group_evidence(scored: _Scored, group: list[int], settings: EventSettings) -> list[_Link]:
    """Evidence for every linked pair inside an event: the scored pair, or for a story attached beyond
    the window, its text similarity and related link computed here (pairs with neither are left out)."""
    block = None
    found = []
    for a, x in enumerate(group):
        for b, y in enumerate(group):
            i, j = min(x, y), max(x, y)
            if a >= b:
                continue
            if (i, j) in scored.pairs:
                found.append(_Link(scored.keys[i], scored.keys[j], *scored.pairs[(i, j)]))
                continue
            if block is None:
                rows = scored.vectors[group]
                block = (rows @ rows.T).toarray()
            similarity, related = float(block[a, b]), bool(scored.related[i, j])
            if similarity >= settings.floor or related:
                score = pair_score(similarity, related, bool(scored.outlets[i] == scored.outlets[j]), settings)
                found.append(_Link(scored.keys[i], scored.keys[j], round(similarity, 4), related, float(score)))
    return found


def _average_linkage(n: int, score: dict[tuple[int, int], float], settings: EventSettings) -> list[list[int]]:
    """Greedy average linkage: pairs from the strongest down; two groups merge when the mean score over
    all their cross pairs (a missing pair counts 0) reaches the threshold and their closest pair reaches
    `min_link`. A roundup or one loose pair cannot chain two events together as in connected components."""
    group_of = list(range(n))
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    refused: set[tuple[int, int, int, int]] = set()  # (group, size, group, size) pairs already found short
    for (i, j), value in sorted(score.items(), key=lambda kv: (-kv[1], kv[0])):
        if value < settings.threshold:
            break
        a, b = group_of[i], group_of[j]
        if a == b:
            continue
        left, right = members[a], members[b]
        state = (a, len(left), b, len(right)) if a < b else (b, len(right), a, len(left))
        if state in refused:  # the same two groups, unchanged since: the answer is the same
            continue
        cross = [score.get((x, y) if x < y else (y, x), 0.0) for x in left for y in right]
        if sum(cross) / len(cross) < settings.threshold or max(cross) < settings.min_link:
            refused.add(state)
            continue
        if len(left) < len(right):
            a, b, left, right = b, a, right, left
        left.extend(right)
        for x in right:
            group_of[x] = a
        del members[b]
    return list(members.values())


def _split(group: list[int], score: dict[tuple[int, int], float], settings: EventSettings, smallest: int = 3) -> list[list[int]]:
    """Two events of one saga (a watchdog report, then a court ruling two days later) can pass the average
    test together. Split a group by the sign of its Fiedler vector (spectral bisection of its score graph)
    when both halves have `smallest`+ stories and the mean score across them is under `split_ratio` times
    the lower of the halves' own mean scores; the halves are split again the same way."""
    if len(group) < 2 * smallest or settings.split_ratio <= 0:
        return [group]
    import scipy.linalg

    weights = np.array([[score.get((min(x, y), max(x, y)), 0.0) if x != y else 0.0 for y in group] for x in group])
    links = weights.clip(min=0)
    degree = links.sum(axis=1)
    if not degree.all():
        return [group]
    scale = 1 / np.sqrt(degree)
    laplacian = np.eye(len(group)) - scale[:, None] * links * scale[None, :]
    fiedler = scipy.linalg.eigh(laplacian, subset_by_index=[1, 1])[1][:, 0] * scale
    side = fiedler >= 0
    left, right = np.flatnonzero(side), np.flatnonzero(~side)
    if min(len(left), len(right)) < smallest:
        return [group]

    def cohesion(part):
        inner = weights[np.ix_(part, part)]
        return inner.sum() / (len(part) * (len(part) - 1))

    if weights[np.ix_(left, right)].mean() >= settings.split_ratio * min(cohesion(left), cohesion(right)):
        return [group]
    return [piece for part in (left, right) for piece in _split([group[k] for k in part], score, settings, smallest)]


def _attach_loners(groups: list[list[int]], scored: _Scored, settings: EventSettings) -> list[list[int]]:
    """Late or differently worded reports that linkage left alone join the event whose members they
    resemble most on average (text similarity plus related bonus, less the same-outlet penalty), if
    published within the attach window of that event's first-to-last span. Only lone stories move,
    so two events are never joined here. The mean similarity to an event's members is the dot product
    with the sum of their TF-IDF rows, so this costs one sparse product per block of loners, against only
    the events whose time span is near the block's (cost grows with the corpus, not with its square)."""
    import scipy.sparse as sp

    events = [group for group in groups if len(group) > 1]
    loners = np.array([group[0] for group in groups if len(group) == 1], dtype=int)
    if not events or not len(loners) or scored.vectors is None:
        return groups
    n = len(scored.keys)
    members = np.concatenate(events)
    labels = np.repeat(np.arange(len(events)), [len(group) for group in events])
    membership = sp.csc_matrix((np.ones(len(members), dtype=np.float32), (members, labels)), shape=(n, len(events)))
    summed = (scored.vectors.T @ membership).tocsc()  # each event's TF-IDF rows added up
    _, outlet_ids = np.unique(scored.outlets, return_inverse=True)
    outlet_of = sp.csr_matrix((np.ones(n, dtype=np.float32), (np.arange(n), outlet_ids)))
    outlets_in = (outlet_of.T @ membership).tocsc()
    sizes = np.array([len(group) for group in events], dtype=np.float32)
    first = np.array([_nanextreme(np.nanmin, scored.hours[group]) for group in events])
    last = np.array([_nanextreme(np.nanmax, scored.hours[group]) for group in events])
    window = settings.attach_window_hours
    choice = np.full(len(loners), -1)
    order = np.argsort(scored.hours[loners], kind="stable")  # loners in time order (undated last)…
    for start in range(0, len(order), 2000):  # …a block at a time: bounded memory on big corpora
        at = order[start:start + 2000]
        block = loners[at]
        when = scored.hours[block]
        # only events whose span, widened by the window, meets the block's time range are scored (time buckets)
        if np.isnan(when).any():
            columns = np.arange(len(events))
        else:
            columns = np.flatnonzero(~((last + window < when.min()) | (first - window > when.max())))
        if not len(columns):
            continue
        total = pair_score((scored.vectors[block] @ summed[:, columns]).toarray(),
                           (scored.related[block] @ membership[:, columns]).toarray(),
                           (outlet_of[block] @ outlets_in[:, columns]).toarray(), settings)
        mean = total / sizes[columns]
        mean[(when[:, None] < first[columns] - window) | (when[:, None] > last[columns] + window)] = -np.inf
        best = mean.argmax(axis=1)
        close = mean[np.arange(len(block)), best] >= max(settings.attach_threshold, settings.floor)  # evidence exists
        choice[at[close]] = columns[best[close]]
    joined: dict[int, list[int]] = defaultdict(list)
    for loner, event in zip(loners.tolist(), choice.tolist()):
        if event >= 0:
            joined[event].append(loner)
    moved = {x for added in joined.values() for x in added}
    alone = [[loner] for loner in loners.tolist() if loner not in moved]
    return [group + joined.get(e, []) for e, group in enumerate(events)] + alone


def _nanextreme(extreme, values: np.ndarray) -> float:
    """min or max of the dated values (NaN when none is dated: NaN comparisons keep the window open)."""
    dated = values[~np.isnan(values)]
    return float(extreme(dated)) if len(dated) else float("nan")


def _duplicates(graph: nx.DiGraph, evidence: list[_Link], settings: EventSettings) -> dict[str, str]:
    """Story → the earliest story of the event it copies (near-identical title and excerpt under another URL)."""
    copies: dict[str, str] = {}
    for e in sorted((e for e in evidence if e.similarity >= settings.duplicate_threshold), key=lambda e: (-e.similarity, e.a, e.b)):
        first, second = sorted((e.a, e.b), key=lambda k: (graph.nodes[k].get("published") or "9999", k))
        original = copies.get(first, first)
        if second not in copies and second != original:
            copies[second] = original
    return copies


def _describe(graph: nx.DiGraph, stories: list[str], evidence: list[_Link], settings: EventSettings) -> dict:
    from .analyze import describe_group

    degree = defaultdict(int)
    for e in evidence:
        degree[e.a] += 1
        degree[e.b] += 1
    event = describe_group(graph, stories, degree)
    copies = _duplicates(graph, evidence, settings)
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
    listed them), text similarity, time apart, whether one copies the other, and the score the grouping
    used for this pair (`scored` is False when the grouping never scored it: too far apart in time or
    under the floor; `score` then says what the pair would get)."""
    listed = [{"from": u, "to": v, "listed_by": graph.edges[u, v].get("listed_by")}
              for u, v in ((a, b), (b, a)) if graph.has_edge(u, v) and graph.edges[u, v].get("kind") == RELATED]
    scored = _score(graph, settings)
    index = {key: i for i, key in enumerate(scored.keys)}
    if a not in index or b not in index or scored.vectors is None:
        return {"related": listed, "similarity": None, "hours_apart": None, "within_window": False, "duplicate": False,
                "scored": False, "score": None}
    i, j = sorted((index[a], index[b]))
    gap = float(abs(scored.hours[i] - scored.hours[j]))
    if (i, j) in scored.pairs:
        similarity, _, score = scored.pairs[(i, j)]
    else:
        similarity = round(float((scored.vectors[i] @ scored.vectors[j].T).toarray()[0, 0]), 4)
        score = pair_score(similarity, bool(listed), bool(scored.outlets[i] == scored.outlets[j]), settings)
    return {
        "related": listed,
        "similarity": similarity,
        "hours_apart": None if math.isnan(gap) else round(gap, 1),
        "within_window": bool(not math.isnan(gap) and gap <= settings.window_hours),
        "duplicate": bool(similarity >= settings.duplicate_threshold),
        "scored": (i, j) in scored.pairs,
        "score": round(float(score), 4),
    }
