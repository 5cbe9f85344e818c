"""Loading on Dask: file shards are parsed in the workers, identity merging is found as dataframe work.

1. The client lists the input files (`find_sources`: a directory walk, cheap) and cuts them into shards
   of consecutive files (`shards_of`).
2. Each worker parses its shards with the loader's own `parse_source` (never a second parser) and returns
   them as Arrow tables (`arrow`): Dask moves those between processes without pickling a record at a time.
3. The canonical URLs that more than one file holds are found on a dask dataframe of (position, URL)
   (`repeated_keys`: a groupby-count over every shard, reduced on the workers), so the client merges only
   those groups, with the loader's `merge_duplicates`, in input order: the merges, their warnings and the
   surviving articles come out exactly as the local engine's.
4. The client assembles the Corpus with `loader.corpus_of`, the very function the local load ends with.

The workers read the files themselves by absolute path: on one machine, or on a cluster whose workers see
the same files at the same paths (see docs/scale.md for shared storage). Zip members travel in the shard.
"""

from __future__ import annotations

import hashlib
import math

from ..loader import Corpus, corpus_of
from ..loader.merge import merge_duplicates
from ..loader.parse import parse_source
from ..loader.sources import Source
from ..records import Article, LoadIssue, LoadReport
from .arrow import from_tables, to_tables

__all__ = ["SHARD_FILES", "shards_of", "parse_shard", "load_on", "repeated_keys", "key_hash"]

SHARD_FILES = 500  # files per shard on a big input: a few seconds of a worker's time, small Arrow tables


def shards_of(count: int, workers: int) -> list[range]:
    """Runs of consecutive input positions: at most SHARD_FILES each, and at least two per worker when
    there are enough files (so a small input still spreads over the cluster)."""
    if not count:
        return []
    number = max(math.ceil(count / SHARD_FILES), min(count, 2 * max(workers, 1)))
    size = math.ceil(count / number)
    return [range(start, min(start + size, count)) for start in range(0, count, size)]


def parse_shard(indexes: list[int], sources: list[Source]):
    """Runs in a worker: parse one shard with the loader, return its (articles, issues) Arrow tables."""
    shared: dict = {}  # related stories already read, as the local workers share them within a batch
    return to_tables(indexes, [parse_source(source, shared) for source in sources])


def key_hash(key: bytes) -> int:
    """A canonical URL (UTF-8 bytes) as a signed 64-bit number: what the dataframe groups on, compact to shuffle."""
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "little", signed=True)


def _keys_frame(tables):
    """One shard's (position, URL hash) rows as pandas, for the dataframe of every shard."""
    import pandas as pd

    keys = tables[0].column("key").to_pylist()
    return pd.DataFrame({"index": tables[0].column("index").to_numpy(), "key": [key_hash(k) for k in keys]},
                        columns=["index", "key"]).astype("int64")


def repeated_keys(client, parsed: list) -> set[int]:
    """Hashes of the canonical URLs held by more than one file: a dask dataframe over the shards, grouped on
    the workers. A hash collision only sends a unique URL through `merge_duplicates`, which leaves it as is."""
    import dask.dataframe as dd
    import pandas as pd

    meta = pd.DataFrame({"index": pd.Series(dtype="int64"), "key": pd.Series(dtype="int64")})
    frame = dd.from_delayed([client.submit(_keys_frame, future, pure=False) for future in parsed], meta=meta,
                            verify_meta=False)
    counts = frame.groupby("key")["index"].count()
    return set(client.compute(counts[counts > 1], sync=True).index.tolist())


def _merge_known(repeated: set[int]):
    """`merge_duplicates`, run on the files whose URL repeats only: the others pass through unchanged, in place.

    merge_duplicates keeps URLs in order of first appearance and reports merges in that order; so does this."""

    def merge(articles: list[Article], report: LoadReport) -> list[Article]:
        again = {a.story.key for a in articles if key_hash(a.story.key.encode("utf-8", "surrogatepass")) in repeated}
        merged = iter(merge_duplicates([a for a in articles if a.story.key in again], report))
        out, done = [], set()
        for article in articles:
            key = article.story.key
            if key not in again:
                out.append(article)
            elif key not in done:
                done.add(key)
                out.append(next(merged))
        return out

    return merge


def load_on(client, sources: list[Source], issues: list[LoadIssue], *, workers: int) -> Corpus:
    """Parse `sources` on the cluster of `client`; the Corpus the local engine would give."""
    shards = shards_of(len(sources), workers)
    parsed = [client.submit(parse_shard, list(shard), [sources[i] for i in shard], pure=False) for shard in shards]
    repeated = repeated_keys(client, parsed) if parsed else set()
    results: list = [(None, [])] * len(sources)
    for future in parsed:
        for index, result in from_tables(*future.result()).items():
            results[index] = result
    return corpus_of(sources, issues, results, merge=_merge_known(repeated))
