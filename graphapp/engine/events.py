"""Events on Dask: one task per time shard, with a halo, stitched into exactly the events of the whole corpus.

Why a halo, and how wide. The grouping (graphapp.events) links two stories only when they are at most
`window` hours apart (W), and a late report joins an event only within `attach_window` hours (A) of the
event's first-to-last span. So what decides a story's event lies near it in time, and a shard can compute
the events of its *core* (a time range) from the stories of its core widened by a halo on each side.

Why the result is exact, not approximately so:

* Scores. TF-IDF weights depend on every document, so a shard borrows the rows computed over the whole
  corpus (`events.corpus_terms`, once, on the client) and scores its pairs exactly as the whole does.
* Linkage only ever joins two groups along a pair scoring at least the threshold (it stops at the first
  pair below), so which groups exist depends on those pairs alone: linkage, and the splits after it,
  decide each connected component of the graph of such pairs on its own (pairs in the same relative order,
  as the shard keeps the stories' key order; the mean over cross pairs reads the scores of other pairs,
  which are the whole's). A component is *certain* in a shard when none of its stories lies within W of an
  edge of the shard's loaded range: nothing outside could pair with it, so it is the whole's component,
  grouped the same way.
* Late reports. A group G of the result depends, beyond its own component, on the lone stories within A of
  it and on the events those could join instead (within A of them): everything within 2A of G's span. G is
  *exact* in a shard when that span widened by 2A + W lies inside the loaded range and neither a group
  meeting it nor any story in it is uncertain. (The extra W: an event of the whole could span G's
  neighbourhood with no member in it, but the component it grew from has a story every W hours along its
  span, so one of those lies within W, and it is uncertain if the event reaches outside the shard.)
* Stitching. Each group belongs to the one shard whose core holds its earliest story. A shard checks every
  group that holds a story of its core (not only those it owns: a core story grouped wrongly here could
  hide the whole's group that this shard owns) and returns the groups it owns, or None if any group it
  checked is not exact there; the client then runs that shard again with twice the halo (at worst the
  halo spans the corpus, where everything is certain). As every group holding a core story is the
  whole's, the owned groups are exactly the whole's groups that start in the core: each is kept once.
  Events are numbered on the client in the order every engine uses (`events.number_events`).

The first halo is `HALO_REACHES` × (W + A), at least a day; a shard that finds it too narrow runs again with
twice as much. A corpus with undated titled stories is one shard: an undated story is compared with every other.
"""

from __future__ import annotations

import math

import numpy as np

from ..events import Terms, corpus_terms, describe_events, group_stories, number_events
from ..options import EventSettings
from ..records import OUTLET

__all__ = ["SHARD_STORIES", "time_cores", "shard_events", "events_on"]

SHARD_STORIES = 20_000  # titled stories per core on a big corpus (the pair scoring of one shard stays small)
# First halo, in units of W + A (80 days with the defaults). Not a matter of correctness (a shard that needs
# more asks for it) but of cost: in azure-news the components of linking pairs span up to 43 days, and with
# 2 units most shards ran two or three times; with 8, none did.
HALO_REACHES = 8
_INF = math.inf


def time_cores(hours: np.ndarray, count: int) -> list[tuple[float, float]]:
    """`count` half-open time ranges [start, end) covering every dated story, cut at story-count quantiles
    (a cut never falls between two stories of the same hour, so cores are never empty)."""
    dated = np.sort(hours[~np.isnan(hours)])
    cuts = sorted({float(dated[int(len(dated) * k / count)]) for k in range(1, count)} - {float(dated[0])}) if len(dated) else []
    bounds = [-_INF, *cuts, _INF]
    return list(zip(bounds[:-1], bounds[1:]))


def _components(n: int, pairs) -> np.ndarray:
    """Connected component of each story in the graph of `pairs` (i, j)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    rows, cols = (np.array(side, dtype=np.int64) for side in zip(*pairs)) if pairs else (np.zeros(0, np.int64),) * 2
    return connected_components(coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n)), directed=False)[1]


def shard_events(graph, terms: Terms, settings: EventSettings, min_size: int, core: tuple[float, float],
                 loaded: tuple[float, float]) -> list | None:
    """Runs in a worker: the events owned by `core` (see the module docstring), or None when one of them may
    be cut by the edges of the `loaded` range (the client then widens the halo)."""
    grouping = group_stories(graph, settings, terms=terms)
    hours, window, reach = grouping.scored.hours, settings.window_hours, 2 * settings.attach_window_hours
    whole = loaded == (-_INF, _INF)  # the shard loaded the whole corpus: nothing is cut
    low, high = loaded
    if not whole:
        linking = [pair for pair, (_, _, score) in grouping.scored.pairs.items() if score >= settings.threshold]
        component = _components(len(hours), linking)
        uncertain = np.isin(component, component[(hours < low + window) | (hours >= high - window)])  # may pair outside
        linked_first = np.array([hours[g].min() for g in grouping.linked])
        linked_last = np.array([hours[g].max() for g in grouping.linked])
        linked_uncertain = np.array([uncertain[g[0]] for g in grouping.linked])
        uncertain_hours = hours[uncertain]
    owned = []
    for group in grouping.groups:
        when = hours[group]
        if whole:
            first = float(np.nanmin(when)) if (~np.isnan(when)).any() else -_INF  # undated: one shard only
        else:
            if not ((when >= core[0]) & (when < core[1])).any():
                continue  # no story of the core: this group is not what the core's events depend on
            first, last = float(when.min()), float(when.max())
            start, end = first - reach - window, last + reach + window
            # a group holding a core story must be exact here, even when another shard owns it: else this
            # shard's own group of that story could be a cut piece of the whole's, and be missed or kept wrong
            if start < low or end >= high or ((uncertain_hours >= start) & (uncertain_hours <= end)).any() or \
                    (linked_uncertain & (linked_last >= start) & (linked_first <= end)).any():
                return None
        if core[0] <= first < core[1] and len(group) >= min_size:
            owned.append(group)
    return describe_events(graph, grouping, settings, owned)


def _part(graph, terms: Terms, loaded: tuple[float, float]):
    """The titled stories published in `loaded` (undated ones too), with their outlets and the links among
    them, as a graph of its own, and their rows of `terms`: what one shard's task is sent."""
    import networkx as nx

    keep = np.isnan(terms.hours) | ((terms.hours >= loaded[0]) & (terms.hours < loaded[1]))
    keys = [terms.keys[i] for i in np.flatnonzero(keep)]
    nodes = set(keys)
    nodes |= {v for key in keys for v in graph.successors(key) if graph.nodes[v].get("kind") == OUTLET}
    rows = None if terms.matrix is None else terms.matrix[np.flatnonzero(keep)]
    return nx.DiGraph(graph.subgraph(nodes)), Terms(keys, terms.hours[keep], rows)


def events_on(client, graph, settings: EventSettings, *, min_size: int, workers: int) -> list:
    """The events of `graph`, computed per time shard on the cluster of `client`; the same as event_clusters'."""
    terms = corpus_terms(graph)
    hours = terms.hours
    if np.isnan(hours).any() or len(terms.keys) < 2:
        count = 1
    else:
        count = max(math.ceil(len(terms.keys) / SHARD_STORIES), 2 * max(workers, 1))
    cores = time_cores(hours, count) if count > 1 else [(-_INF, _INF)]
    dated = hours[~np.isnan(hours)]
    first, last = (float(dated.min()), float(dated.max())) if len(dated) else (0.0, 0.0)
    halo = max(HALO_REACHES * (settings.window_hours + settings.attach_window_hours), 24.0)  # > 0: it doubles

    def submit(core, halo):
        low = core[0] - halo if core[0] - halo > first else -_INF  # nothing earlier: no edge on this side
        high = core[1] + halo if core[1] + halo <= last else _INF
        inputs = client.scatter(_part(graph, terms, (low, high)))  # data, not a task graph: sent once
        # the inputs are held until the result is read: if fetching it fails, Dask computes it again from them
        return inputs, client.submit(shard_events, *inputs, settings, min_size, core, (low, high), pure=False)

    pending = {core: (halo, submit(core, halo)) for core in cores}
    events: list = []
    while pending:
        core, (width, (_, future)) = next(iter(pending.items()))
        found = future.result()
        del pending[core]
        if found is None:
            pending[core] = (2 * width, submit(core, 2 * width))
        else:
            events += found
    return number_events(events)
