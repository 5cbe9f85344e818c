"""The pair model of the event level: separate evidence features for two stories, and the shipped logistic
regression that turns them into the probability that both report one event.

Features (one number each, per candidate pair; see FEATURES): TF-IDF cosine of the titles, of the excerpts and of
the whole texts; cosine of the named things (capitalised words, numbers and product names); cosine of the URL
slugs; the time gap as two smooth decays; a publisher's related link between them; third parties listing both in
their related lists (co-citation); same outlet; and "what differs": the share of a title's named things and of its
words that the other story does not mention at all (two events of one saga differ there). The weights live in
graphapp/data/event_pair_model.json, written by bench/train_pair_model.py from the labelled events of
tests/data/events/; scoring needs only numpy.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache, lru_cache
from importlib import resources
from typing import NamedTuple

import numpy as np

__all__ = ["FEATURES", "PairModel", "Candidates", "load_model", "candidate_pairs", "DUPLICATE_SIMILARITY"]

FEATURES = ("title", "excerpt", "text", "entities", "slug", "slug_known", "near_1d", "near_5d", "related",
            "co_cited", "same_outlet", "title_entities_new", "title_words_new")
DUPLICATE_SIMILARITY = 0.8  # whole-text cosine from which a story is a copy of another (wire, syndication)
FLOOR = 0.05  # whole-text cosine under which a pair without related links is not a candidate
UNDATED_GAP = 48.0  # hours assumed between a story without a date and any other
COPY_BUCKET = 8  # stories sharing one title or excerpt are compared whatever their gap, unless more share it

_EDGES = "\"“”‘’'()[]{},.;:!?*|/<>-–—…"  # stripped from both ends of a word
_SLUG_WORD = re.compile(r"[a-z]{3,}")
_SLUG_NOISE = {"www", "com", "html", "htm", "aspx", "php", "news", "article", "articles", "story", "blog", "amp",
               "index", "category", "en", "us", "the", "and", "for", "with", "from", "that", "this", "are", "has",
               "its", "will", "how", "why", "what", "new", "says", "after", "over", "into", "about"}


class PairModel(NamedTuple):
    """The shipped logistic regression: p = 1 / (1 + exp(-(weights · features + intercept)))."""

    features: tuple[str, ...]
    weights: np.ndarray
    intercept: float
    threshold: float  # the default same-event probability, chosen by grouping quality on the training sets
    trained_on: tuple[str, ...]

    def probability(self, x: np.ndarray) -> np.ndarray:
        """Same-event probability of each row of `x` (columns in FEATURES order)."""
        return 1.0 / (1.0 + np.exp(-(x @ self.weights + self.intercept)))

    def contributions(self, row: np.ndarray) -> dict[str, float]:
        """Each feature's share of the log-odds of one pair (weight × value), for "why are these linked"."""
        return {name: round(float(w * v), 3) for name, w, v in zip(self.features, self.weights, row)}


def model_from(data: dict) -> PairModel:
    """A PairModel from the JSON the training script writes (feature names checked against FEATURES)."""
    names = tuple(data["features"])
    if names != FEATURES:
        raise ValueError(f"pair model features {names} differ from the code's {FEATURES}: retrain it "
                         "(python bench/train_pair_model.py)")
    return PairModel(names, np.array([data["weights"][n] for n in names], dtype=float), float(data["intercept"]),
                     float(data["threshold"]), tuple(data.get("trained_on", ())))


@cache
def load_model() -> PairModel:
    """The model shipped in graphapp/data/event_pair_model.json."""
    text = resources.files("graphapp").joinpath("data", "event_pair_model.json").read_text(encoding="utf-8")
    return model_from(json.loads(text))


@cache
def _stop_words() -> frozenset[str]:
    """scikit-learn's English stop words, shipped as graphapp/data/stop_words.txt: importing scikit-learn costs
    a first run of the events 2.7 s, more than the events themselves."""
    text = resources.files("graphapp").joinpath("data", "stop_words.txt").read_text(encoding="utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


def _strip_accents(text: str) -> str:
    """Accented letters as their base letters (scikit-learn's strip_accents_unicode)."""
    if text.isascii():
        return text
    normalized = unicodedata.normalize("NFKD", text)
    if not any(unicodedata.combining(c) for c in set(normalized) if not c.isascii()):
        return normalized  # curly quotes and dashes, but no accent: most non-ASCII news text
    return "".join(c for c in normalized if not unicodedata.combining(c))


_WORD = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern


def _stem_lists(texts: list[str]) -> list[list[str]]:
    """Each text as its English word stems (lower case, accents stripped, stop words out; PyStemmer's Snowball
    stemmer: "outage"/"outages", "erupts"/"eruption" are one term). Each distinct word is stemmed once."""
    import Stemmer  # PyStemmer: the Snowball stemmers, in C

    stop = _stop_words()
    raw = [[w for w in _WORD.findall(_strip_accents(text.lower())) if w not in stop] for text in texts]
    distinct = sorted({w for words in raw for w in words})
    stem = dict(zip(distinct, Stemmer.Stemmer("english").stemWords(distinct)))
    return [[stem[w] for w in words] for words in raw]


class _Vocabulary:
    """Token → column, over every token list given; `counts` makes the sparse count rows of token lists."""

    def __init__(self, token_lists: list[list[str]]):
        self.index = {token: k for k, token in enumerate(sorted({t for tokens in token_lists for t in tokens}))}

    def counts(self, token_lists: list[list[str]]):
        import scipy.sparse as sp

        index = self.index
        indices = np.array([index[t] for tokens in token_lists for t in tokens], dtype=np.int64)
        indptr = np.concatenate([[0], np.cumsum([len(tokens) for tokens in token_lists])]).astype(np.int64)
        matrix = sp.csr_matrix((np.ones(len(indices), dtype=np.float32), indices, indptr),
                               shape=(len(token_lists), max(len(index), 1)))
        matrix.sum_duplicates()
        return matrix


def _tfidf(counts):
    """TF-IDF rows of count rows, as scikit-learn's TfidfTransformer(sublinear_tf=True) computes them (1 + log of
    the count, smooth IDF, unit length), in a few lines of scipy: importing scikit-learn would cost more than this."""
    tfidf = counts.astype(np.float32).tocsr(copy=True)
    tfidf.sum_duplicates()
    df = np.bincount(tfidf.indices, minlength=tfidf.shape[1]).astype(np.float32) + np.float32(1)
    idf = np.log(np.float32(tfidf.shape[0] + 1) / df) + np.float32(1)
    np.log(tfidf.data, out=tfidf.data)
    tfidf.data += np.float32(1)
    tfidf.data *= idf[tfidf.indices]
    squares = (tfidf.data * tfidf.data).astype(np.float64)
    rows = np.repeat(np.arange(tfidf.shape[0]), np.diff(tfidf.indptr))
    norms = np.sqrt(np.bincount(rows, weights=squares, minlength=tfidf.shape[0]))
    norms[norms == 0] = 1
    tfidf.data = (tfidf.data / norms[rows]).astype(np.float32)
    return tfidf


def _idf_weighted(title_counts, full_counts):
    """0/1 title rows weighted by the IDF of each token over the whole texts."""
    df = np.asarray((full_counts > 0).sum(axis=0), dtype=np.float64).ravel()
    idf = np.log((1 + full_counts.shape[0]) / (1 + df)) + 1
    binary = (title_counts > 0).astype(np.float32)
    return binary.multiply(idf[None, :]).tocsr()


def entities(text: str) -> list[str]:
    """Named things of a text: capitalised words (not the first word), words with inner capitals (iPhone),
    numbers and amounts, lower-cased, without a possessive 's. A plain extractor: no NLP model; the IDF weights make common
    capitalised words (Title Case headlines) cheap.

    >>> entities("Pentagon watchdog clears Microsoft's $10 billion JEDI award to iPhone maker, 5G and 38M")
    ['microsoft', '$10', 'jedi', 'iphone', '5g', '38m']
    """
    found = []
    for k, raw in enumerate(text.split()):
        named = _named(raw)
        if named is None:
            continue
        if k == 0:
            word = raw.strip(_EDGES)
            if word[0].isupper() and word[1:].islower():
                continue  # a sentence's first word is capitalised anyway
        found.append(named)
    return found


@lru_cache(maxsize=1 << 17)
def _named(raw: str) -> str | None:
    """One word of a text as a named thing (see `entities`), or None: decided once per distinct word."""
    word = raw.strip(_EDGES)
    if not word:
        return None
    first = word[0]
    if not (first.isupper() or first.isdigit() or first == "$" or (first.islower() and not word.islower())):
        return None
    return word.lower().removesuffix("'s").removesuffix("’s")


_NON_WORD = re.compile(r"[\W_]+")
_SITE_SUFFIX = re.compile(r"\s+[-–—|]\s+[^-–—|]{1,40}$")  # " – Microsoft", " | ZDNet": a site's name after a title


def copy_keys(title: str, excerpt: str) -> list[str]:
    """Keys that verbatim copies share (a wire text or a reprint under another outlet, at any date): the title
    without a trailing site name, and the excerpt's start, both as lower-case words.

    >>> copy_keys("How Rolls-Royce is unlocking digital transformation – Microsoft", "Short.")
    ['t:how rolls royce is unlocking digital transformation']
    """
    keys = []
    words = _NON_WORD.sub(" ", _SITE_SUFFIX.sub("", title or "").lower()).strip()
    if len(words.split()) >= 4:
        keys.append("t:" + words)
    start = _NON_WORD.sub(" ", (excerpt or "").lower()).strip()[:120]
    if len(start) >= 60:
        keys.append("e:" + start)
    return keys


def _copy_pairs(titles: list[str], excerpts: list[str]) -> np.ndarray:
    """(i, j) codes i * n + j (i < j) of stories sharing a copy key, buckets of at most COPY_BUCKET stories."""
    n = len(titles)
    buckets: dict[str, list[int]] = {}
    for i, (title, excerpt) in enumerate(zip(titles, excerpts)):
        for key in copy_keys(title, excerpt):
            buckets.setdefault(key, []).append(i)
    codes = [i * n + j for members in buckets.values() if 1 < len(members) <= COPY_BUCKET
             for a, i in enumerate(members) for j in members[a + 1:]]
    return np.array(codes, dtype=np.int64)


def slug_words(url: str) -> str:
    """The words of a URL's path (domain, ids and boilerplate left out): `.../pentagon-watchdog-clears-microsoft/`
    → "pentagon watchdog clears microsoft"."""
    rest = (url or "").split("://", 1)[-1]
    path = rest[rest.find("/"):] if "/" in rest else ""
    path = path.split("?", 1)[0].split("#", 1)[0].lower()
    return " ".join(w for w in _SLUG_WORD.findall(path) if w not in _SLUG_NOISE)


class Candidates(NamedTuple):
    """Candidate pairs (i < j) of the stories `keys`, their feature rows, and per-story data for grouping."""

    keys: list[str]
    hours: np.ndarray
    outlets: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    x: np.ndarray  # one row per pair, columns in FEATURES order
    text: object  # whole-text TF-IDF rows (scipy sparse) or None without any text
    candidate: np.ndarray  # False for pairs computed only because they were asked for (`also`)


def _at(matrix, rows, cols) -> np.ndarray:
    """Entries of a sparse matrix at (rows, cols), as a flat array (also when there are none)."""
    return np.asarray(matrix[rows, cols]).ravel() if len(rows) else np.zeros(0, dtype=np.float32)


PAIR_CHUNK = 50_000  # pairs whose rows are gathered at once


def _row_dots(left, right, rows, cols) -> np.ndarray:
    """Per pair k, the dot product of left's row rows[k] and right's row cols[k], a chunk of pairs at a time:
    gathered for every pair at once, the rows held each story's terms once per pair it is in (a few hundred
    MB at four times azure-news, growing with the corpus); a chunk's gather is bounded."""
    if not len(rows):
        return np.zeros(0, dtype=np.float32)
    return np.concatenate([np.asarray(left[rows[start:start + PAIR_CHUNK]].multiply(
        right[cols[start:start + PAIR_CHUNK]]).sum(axis=1)).ravel() for start in range(0, len(rows), PAIR_CHUNK)])


def _cosines(matrix, rows, cols) -> np.ndarray:
    return _row_dots(matrix, matrix, rows, cols).astype(np.float32, copy=False)


def _new_share(title_weights, other_binary, rows, cols) -> np.ndarray:
    """Per pair, the larger of the two sides' share of title weight whose token the other side lacks entirely."""
    total = np.asarray(title_weights.sum(axis=1), dtype=np.float64).ravel()
    shares = []
    for a, b in ((rows, cols), (cols, rows)):
        kept = _row_dots(title_weights, other_binary, a, b).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            shares.append(np.where(total[a] > 0, 1 - kept / np.where(total[a] > 0, total[a], 1), 0.0))
    return np.maximum(*shares)


def candidate_pairs(stories: list[tuple[str, dict]], related, window: float,
                    also=()) -> Candidates:
    """Candidate pairs of `stories` ((key, node data), key order) at most `window` hours apart whose whole texts
    have a cosine of at least FLOOR or that a related list links, directly or as co-cited, and verbatim copies
    (a shared copy_keys key) at any gap, with their features.
    `related` holds (lister, listed) index pairs (an (m, 2) int array or a list of pairs; repeats count once);
    `also`, (key, key) pairs computed whatever they are (their `candidate` flag says whether they are candidates)."""
    import scipy.sparse as sp

    from .events import _close_pairs
    from .records import parse_utc

    n = len(stories)
    keys = [key for key, _ in stories]
    titles = [data.get("title") or "" for _, data in stories]
    excerpts = [data.get("excerpt") or "" for _, data in stories]
    hours = np.array([parse_utc(d["published"]).timestamp() / 3600 if d.get("published") else np.nan
                      for _, d in stories], dtype=float)
    outlets = np.array([d.get("outlet", "") for _, d in stories])
    empty = np.zeros(0, np.int64)
    if n < 2:
        return Candidates(keys, hours, outlets, empty, empty, np.zeros((0, len(FEATURES))), None, np.zeros(0, bool))
    slugs = [slug_words(data.get("url") or key) for key, data in stories]
    # every text is tokenized once: word stems of title, excerpt and slug over one vocabulary, named things
    stems = _stem_lists(titles + excerpts + slugs)
    title_words, excerpt_words, slug_tokens = stems[:n], stems[n:2 * n], stems[2 * n:]
    words = _Vocabulary(stems)
    text = _tfidf(words.counts([t + t + e for t, e in zip(title_words, excerpt_words)]))
    if text.nnz == 0:
        return Candidates(keys, hours, outlets, empty, empty, np.zeros((0, len(FEATURES))), None, np.zeros(0, bool))
    rows, cols, _ = _close_pairs(text, hours, window, FLOOR)
    # related lists: direct links, and pairs listed together by a third story (co-citation)
    links = np.asarray(related, dtype=np.int64).reshape(-1, 2)
    listing = sp.csr_matrix((np.ones(len(links), dtype=np.float32), (links[:, 0], links[:, 1])), shape=(n, n))
    listing.data[:] = 1  # a link listed twice counts once
    direct = ((listing + listing.T) > 0).astype(np.float32).tocsr()
    co = (listing.T @ listing).tocsr()
    co.setdiag(0)
    co.eliminate_zeros()
    extra = sp.triu(direct + co, k=1).tocoo()
    near = ~(np.abs(hours[extra.row] - hours[extra.col]) > window)
    codes = np.unique(np.concatenate([rows * n + cols, extra.row[near].astype(np.int64) * n + extra.col[near],
                                      _copy_pairs(titles, excerpts)]))
    rows, cols = codes // n, codes % n
    candidate = np.ones(len(rows), dtype=bool)
    index = {key: i for i, key in enumerate(keys)}
    asked = np.array(sorted({(min(index[u], index[v]), max(index[u], index[v])) for u, v in also
                             if u in index and v in index and u != v}), dtype=np.int64).reshape(-1, 2)
    if len(asked):
        codes = rows * n + cols
        new = ~np.isin(asked[:, 0] * n + asked[:, 1], codes)
        rows, cols = np.concatenate([rows, asked[new, 0]]), np.concatenate([cols, asked[new, 1]])
        candidate = np.concatenate([candidate, np.zeros(int(new.sum()), dtype=bool)])
    gap = np.abs(hours[rows] - hours[cols])
    gap = np.where(np.isnan(gap), UNDATED_GAP, gap)

    title = _tfidf(words.counts(title_words))
    excerpt = _tfidf(words.counts(excerpt_words))
    slug = _tfidf(words.counts(slug_tokens))
    slug_known = np.array([len(tokens) >= 3 for tokens in slug_tokens])
    title_named = [entities(t) for t in titles]
    full_named = [t + entities(e) for t, e in zip(title_named, excerpts)]
    things = _Vocabulary(full_named)
    named = _tfidf(things.counts(full_named))
    # what differs: the title's named things and words that the other story does not mention anywhere
    full_named_seen = things.counts(full_named)
    title_things = _idf_weighted(things.counts([[t for t in ts if t not in _stop_words()] for ts in title_named]),
                                 full_named_seen)
    full_words_seen = words.counts([t + e + s for t, e, s in zip(title_words, excerpt_words, slug_tokens)])
    title_terms = _idf_weighted(words.counts(title_words), full_words_seen)
    title_named, full_named, title_words, full_words = title_things, full_named_seen > 0, title_terms, full_words_seen > 0
    # outlets compared as integer ids: gathering the fixed-width strings for two million pairs took 0.5 GB
    outlet_ids = np.unique(outlets, return_inverse=True)[1]
    columns = (  # in FEATURES order; computed and stored one at a time, not all held before stacking
        lambda: _cosines(title, rows, cols), lambda: _cosines(excerpt, rows, cols), lambda: _cosines(text, rows, cols),
        lambda: _cosines(named, rows, cols), lambda: _cosines(slug, rows, cols),
        lambda: slug_known[rows] & slug_known[cols],
        lambda: np.exp(-gap / 24), lambda: np.exp(-gap / 120),
        lambda: _at(direct, rows, cols) > 0, lambda: np.log1p(_at(co, rows, cols)),
        lambda: outlet_ids[rows] == outlet_ids[cols],
        lambda: _new_share(title_named, full_named, rows, cols), lambda: _new_share(title_words, full_words, rows, cols),
    )
    x = np.empty((len(rows), len(columns)), dtype=np.float64)
    for k, column in enumerate(columns):
        x[:, k] = column()
    return Candidates(keys, hours, outlets, rows, cols, x, text, candidate)
