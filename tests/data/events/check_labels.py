#!/usr/bin/env python3
"""Validate the hand-labelled event files against their corpora and print their counts.

Usage:
    python check_labels.py                          # all label files below, each against its corpus
    python check_labels.py CORPUS_DIR LABELS_YAML   # one file against one corpus folder
    python check_labels.py --corpora DIR            # all label files, corpora unpacked under DIR

Label files and their corpora (DIR defaults to /tmp/corpora):
    azure-events.yaml        DIR/azure-news      (the 50 tuning-era events; "tune" split = dated before 2021)
    azure-2021-events.yaml   DIR/azure-news      (checking split: new 2021 events)
    powerapps-events.yaml    DIR/powerapps-news  (checking split: another feed family)
If a corpus is missing: mkdir -p /tmp/corpora && tar -xJf /work/shared/corpora/NAME.tar.xz -C /tmp/corpora

Checks, per file: every listed URL (stories and hard_negatives) is the story URL of at least one article
file (exact string match; the story URL is `webUrl`, or `originalUrl` when a file has no webUrl, as
graphapp/fields.py reads it); no story URL appears twice (within or across events); ids are unique slugs;
every event has event/date/stories; dates parse; only known keys; no event lists one of its own stories
as a hard negative; no two events' stories share a canonical URL (graphapp.urls.canonical_url, when
importable). Across files that share a corpus: no id and no story URL appears in two files.
Exits non-zero on any error.
"""
from __future__ import annotations

import argparse
import collections
import datetime as dt
import os
import re
import sys
from urllib.parse import urlsplit

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
FILES = {  # label file -> corpus folder name
    "azure-events.yaml": "azure-news",
    "azure-2021-events.yaml": "azure-news",
    "powerapps-events.yaml": "powerapps-news",
}
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
KEYS = {"id", "event", "date", "stories", "notes", "hard_negatives"}
TUNE_BEFORE = dt.date(2021, 1, 1)  # azure-events.yaml events dated before this are the "tune" split

try:  # the canonical-collision check needs graphapp; everything else works without it
    sys.path.insert(0, os.path.abspath(os.path.join(HERE, "..", "..", "..")))
    from graphapp.urls import canonical_url
except ImportError:  # pragma: no cover
    canonical_url = None


def front_matter(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    lines = text.split("\n")
    if lines[0].strip() != "---":
        raise ValueError("no front matter")
    end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load("\n".join(lines[1:end]), Loader=loader)
    if not isinstance(data, dict):
        raise ValueError("front matter is not a mapping")
    return data


def story_url(fm: dict):
    """The URL graphapp identifies a story by: webUrl, else originalUrl (video files)."""
    if fm.get("webUrl") is not None or fm.get("originalUrl") is None:
        return fm.get("webUrl")
    return fm.get("originalUrl")


def corpus_urls(corpus: str) -> dict[str, list[dict]]:
    """Story URL -> the files carrying it (file name, outlet domain)."""
    by_url: dict[str, list[dict]] = collections.defaultdict(list)
    for name in sorted(os.listdir(corpus)):
        if not name.endswith(".md"):
            continue
        fm = front_matter(os.path.join(corpus, name))
        url = story_url(fm)
        if isinstance(url, str):
            prov = fm.get("provider") or {}
            domain = prov.get("domain") if isinstance(prov, dict) else None
            by_url[url].append({"file": name, "domain": (domain or urlsplit(url).hostname or "").lower()})
    return by_url


def event_date(ev: dict):
    value = ev.get("date")
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def validate(events, by_url: dict[str, list[dict]]) -> tuple[list[str], dict]:
    """Errors and counts for one label file's parsed content."""
    errors: list[str] = []
    stats = {"events": 0, "stories": 0, "files": 0, "hard_negatives": 0, "multi": 0, "outlets3": 0,
             "sizes": [], "ids": set(), "urls": set()}
    if not isinstance(events, list):
        return ["labels file must be a YAML list"], stats
    owner: dict[str, str] = {}
    canon_owner: dict[str, str] = {}
    hard: list[tuple[str, str]] = []
    for n, ev in enumerate(events):
        eid = ev.get("id") if isinstance(ev, dict) else None
        where = f"event #{n} ({eid})"
        if not isinstance(ev, dict):
            errors.append(f"{where}: not a mapping")
            continue
        for key in ("id", "event", "date", "stories"):
            if key not in ev:
                errors.append(f"{where}: missing {key}")
        extra = set(ev) - KEYS
        if extra:
            errors.append(f"{where}: unexpected keys {sorted(extra)}")
        if not isinstance(eid, str) or not SLUG.match(eid):
            errors.append(f"{where}: id must be a lowercase slug")
        elif eid in stats["ids"]:
            errors.append(f"{where}: duplicate id")
        stats["ids"].add(eid)
        if event_date(ev) is None:
            errors.append(f"{where}: bad date {ev.get('date')!r}")
        if "notes" in ev and not isinstance(ev["notes"], str):
            errors.append(f"{where}: notes must be text")
        stories = ev.get("stories") or []
        if not isinstance(stories, list) or not stories:
            errors.append(f"{where}: stories must be a non-empty list")
            continue
        domains = set()
        for url in stories:
            if not isinstance(url, str) or url not in by_url:
                errors.append(f"{where}: not a corpus story URL: {url!r}")
                continue
            if url in owner:
                errors.append(f"{where}: URL already used in {owner[url]}: {url}")
                continue
            owner[url] = eid
            if canonical_url is not None:
                key = canonical_url(url)
                if canon_owner.setdefault(key, eid) != eid:
                    errors.append(f"{where}: {url} has the same canonical URL as a story of {canon_owner[key]}")
            stats["files"] += len(by_url[url])
            domains.update(f["domain"] for f in by_url[url])
        negatives = ev.get("hard_negatives") or []
        if not isinstance(negatives, list):
            errors.append(f"{where}: hard_negatives must be a list")
            negatives = []
        if len(set(negatives)) != len(negatives):
            errors.append(f"{where}: a hard negative is listed twice")
        for url in negatives:
            if not isinstance(url, str) or url not in by_url:
                errors.append(f"{where}: hard negative is not a corpus story URL: {url!r}")
            elif url in stories:
                errors.append(f"{where}: hard negative is also one of its stories: {url}")
            hard.append((eid, url))
        stats["events"] += 1
        stats["hard_negatives"] += len(negatives)
        stats["sizes"].append(len(stories))
        stats["multi"] += len(stories) >= 2
        stats["outlets3"] += len(domains) >= 3
    # a hard negative may be a story of another event, but never one that shares the event's canonical key
    if canonical_url is not None:
        for eid, url in hard:
            if isinstance(url, str) and canon_owner.get(canonical_url(url)) == eid:
                errors.append(f"event {eid}: hard negative {url} is the same story (canonical URL) as a member")
    stats["stories"] = len(owner)
    stats["urls"] = set(owner)
    return errors, stats


def report(name: str, stats: dict, events) -> None:
    sizes = stats["sizes"]
    hist = collections.Counter(1 if s == 1 else 2 if s == 2 else "3-8" if s <= 8 else ">8" for s in sizes)
    print(f"{name}: events {stats['events']}, stories (distinct URLs) {stats['stories']} "
          f"(article files covered: {stats['files']}), hard negatives {stats['hard_negatives']}")
    print(f"  events with >=2 stories: {stats['multi']}; with >=3 distinct outlets: {stats['outlets3']}")
    print(f"  event sizes: 1={hist[1]}, 2={hist[2]}, 3-8={hist['3-8']}, >8={hist['>8']}; largest={max(sizes) if sizes else 0}")
    if name == "azure-events.yaml" and isinstance(events, list):
        dates = [event_date(e) for e in events if isinstance(e, dict)]
        tune = [e for e, d in zip(events, dates) if d and d < TUNE_BEFORE]
        print(f"  split: tune (before {TUNE_BEFORE}) {len(tune)} events, {sum(len(e['stories']) for e in tune)} stories; "
              f"dated 2021 (tuned on, in no checking set) {len(events) - len(tune)} events")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="?", help="corpus folder (with LABELS: check that one file)")
    parser.add_argument("labels", nargs="?", help="labels YAML (default: azure-events.yaml)")
    parser.add_argument("--corpora", default="/tmp/corpora", help="folder holding azure-news/ and powerapps-news/")
    args = parser.parse_args()
    if args.corpus:
        jobs = [(args.labels or os.path.join(HERE, "azure-events.yaml"), args.corpus)]
    else:
        jobs = [(os.path.join(HERE, f), os.path.join(args.corpora, c)) for f, c in FILES.items()]
    corpora: dict[str, dict] = {}
    errors: list[str] = []
    seen_ids: dict[str, str] = {}
    seen_urls: dict[tuple[str, str], str] = {}
    for labels, corpus in jobs:
        name = os.path.basename(labels)
        if not os.path.isdir(corpus):
            print(f"corpus not found: {corpus}", file=sys.stderr)
            return 2
        if corpus not in corpora:
            corpora[corpus] = corpus_urls(corpus)
            by_url = corpora[corpus]
            print(f"corpus {corpus}: {sum(len(v) for v in by_url.values())} files, {len(by_url)} distinct story URLs")
        with open(labels, encoding="utf-8") as handle:
            events = yaml.safe_load(handle)
        file_errors, stats = validate(events, corpora[corpus])
        errors += [f"{name}: {e}" for e in file_errors]
        for eid in stats["ids"]:
            if eid in seen_ids:
                errors.append(f"{name}: id {eid} is also used in {seen_ids[eid]}")
            seen_ids.setdefault(eid, name)
        for url in stats["urls"]:
            if (corpus, url) in seen_urls:
                errors.append(f"{name}: story {url} is also labelled in {seen_urls[(corpus, url)]}")
            seen_urls.setdefault((corpus, url), name)
        report(name, stats, events)
    for e in errors:
        print("ERROR:", e)
    print("OK" if not errors else f"{len(errors)} error(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
