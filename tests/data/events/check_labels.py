#!/usr/bin/env python3
"""Validate azure-events.yaml against the azure-news corpus and print its counts.

Usage: python check_labels.py [CORPUS_DIR] [LABELS_YAML]
Defaults: /tmp/corpora/azure-news and azure-events.yaml next to this script.
If the corpus is missing: mkdir -p /tmp/corpora && tar -xJf /work/shared/corpora/azure-news.tar.xz -C /tmp/corpora

Checks: every listed URL is the webUrl of at least one article file (exact string match),
no URL appears twice (within or across events), ids are unique slugs, every event has
event/date/stories, and dates parse. Exits non-zero on any error.
"""
from __future__ import annotations

import collections
import datetime as dt
import os
import re
import sys
from urllib.parse import urlsplit

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = sys.argv[1] if len(sys.argv) > 1 else "/tmp/corpora/azure-news"
LABELS = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "azure-events.yaml")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def front_matter(path: str) -> dict:
    text = open(path, encoding="utf-8").read()
    lines = text.split("\n")
    if lines[0].strip() != "---":
        raise ValueError("no front matter")
    end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    data = yaml.load("\n".join(lines[1:end]), Loader=yaml.CSafeLoader)
    if not isinstance(data, dict):
        raise ValueError("front matter is not a mapping")
    return data


def main() -> int:
    if not os.path.isdir(CORPUS):
        print(f"corpus not found: {CORPUS}", file=sys.stderr)
        return 2
    by_url: dict[str, list[dict]] = collections.defaultdict(list)
    for name in sorted(os.listdir(CORPUS)):
        if not name.endswith(".md"):
            continue
        fm = front_matter(os.path.join(CORPUS, name))
        url = fm.get("webUrl")
        if isinstance(url, str):
            prov = fm.get("provider") or {}
            by_url[url].append({"file": name, "domain": (prov.get("domain") or urlsplit(url).hostname or "").lower()})
    print(f"corpus: {sum(len(v) for v in by_url.values())} files, {len(by_url)} distinct webUrls")

    events = yaml.safe_load(open(LABELS, encoding="utf-8"))
    errors: list[str] = []
    if not isinstance(events, list):
        print("labels file must be a YAML list", file=sys.stderr)
        return 1
    ids: set[str] = set()
    owner: dict[str, str] = {}
    sizes, outlet_counts = [], []
    files_covered = 0
    for n, ev in enumerate(events):
        eid = ev.get("id") if isinstance(ev, dict) else None
        where = f"event #{n} ({eid})"
        if not isinstance(ev, dict):
            errors.append(f"{where}: not a mapping")
            continue
        for key in ("id", "event", "date", "stories"):
            if key not in ev:
                errors.append(f"{where}: missing {key}")
        extra = set(ev) - {"id", "event", "date", "stories", "notes"}
        if extra:
            errors.append(f"{where}: unexpected keys {sorted(extra)}")
        if not isinstance(eid, str) or not SLUG.match(eid):
            errors.append(f"{where}: id must be a lowercase slug")
        elif eid in ids:
            errors.append(f"{where}: duplicate id")
        ids.add(eid)
        if not isinstance(ev.get("date"), (dt.date, str)):
            errors.append(f"{where}: bad date {ev.get('date')!r}")
        elif isinstance(ev["date"], str):
            try:
                dt.date.fromisoformat(ev["date"])
            except ValueError:
                errors.append(f"{where}: bad date {ev['date']!r}")
        stories = ev.get("stories") or []
        if not isinstance(stories, list) or not stories:
            errors.append(f"{where}: stories must be a non-empty list")
            continue
        domains = set()
        for url in stories:
            if not isinstance(url, str) or url not in by_url:
                errors.append(f"{where}: not a corpus webUrl: {url!r}")
                continue
            if url in owner:
                errors.append(f"{where}: URL already used in {owner[url]}: {url}")
                continue
            owner[url] = eid
            files_covered += len(by_url[url])
            domains.update(f["domain"] for f in by_url[url])
        sizes.append(len(stories))
        outlet_counts.append(len(domains))

    for e in errors:
        print("ERROR:", e)
    hist = collections.Counter(1 if s == 1 else 2 if s == 2 else "3-8" if s <= 8 else ">8" for s in sizes)
    print(f"events: {len(sizes)}")
    print(f"stories (distinct URLs): {len(owner)}  (article files covered: {files_covered})")
    print(f"events with >=2 stories: {sum(s >= 2 for s in sizes)}")
    print(f"events with >=3 distinct outlets: {sum(c >= 3 for c in outlet_counts)}")
    print(f"event sizes: 1={hist[1]}, 2={hist[2]}, 3-8={hist['3-8']}, >8={hist['>8']}; largest={max(sizes) if sizes else 0}")
    print("OK" if not errors else f"{len(errors)} error(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
