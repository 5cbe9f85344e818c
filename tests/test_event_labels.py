"""The hand-labelled event files (tests/data/events/): structure, partition, the tune/check splits, and that
every listed URL is a story of its corpus. The corpus checks need ../shared/corpora (or GRAPHAPP_SHARED)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
import yaml
from conftest import CORPORA, DATA

EVENTS = DATA / "events"
sys.path.insert(0, str(EVENTS))
import check_labels  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from events_eval import SPLITS, hard_negatives, labelled, negatives_merged  # noqa: E402

FILES = {"azure-events.yaml": "azure-news", "azure-2021-events.yaml": "azure-news",
         "powerapps-events.yaml": "powerapps-news"}


def events_of(name: str) -> list[dict]:
    return yaml.safe_load((EVENTS / name).read_text(encoding="utf-8"))


def urls_of(event: dict, key: str = "stories") -> list[str]:
    return list(event.get(key) or [])


@pytest.mark.parametrize("name", sorted(FILES))
def test_structure_and_partition(name):
    events = events_of(name)
    assert isinstance(events, list) and events
    ids, seen = set(), set()
    for event in events:
        assert set(event) <= check_labels.KEYS, event.get("id")
        for key in ("id", "event", "date", "stories"):
            assert key in event, (event.get("id"), key)
        assert check_labels.SLUG.match(event["id"]) and event["id"] not in ids
        ids.add(event["id"])
        assert check_labels.event_date(event) is not None, event["id"]
        stories = urls_of(event)
        assert stories and all(isinstance(u, str) and u.startswith("http") for u in stories), event["id"]
        assert not seen & set(stories), f"{event['id']} reuses a labelled story"
        assert len(set(stories)) == len(stories), event["id"]
        seen.update(stories)
        negatives = urls_of(event, "hard_negatives")
        assert all(isinstance(u, str) for u in negatives)
        assert not set(negatives) & set(stories), f"{event['id']} lists one of its stories as a hard negative"


def test_files_do_not_overlap():
    ids: dict[str, str] = {}
    stories: dict[tuple[str, str], str] = {}
    for name, corpus in FILES.items():
        for event in events_of(name):
            assert event["id"] not in ids, f"{event['id']} is in {name} and {ids[event['id']]}"
            ids[event["id"]] = name
            for url in urls_of(event):
                assert (corpus, url) not in stories, f"{url} is labelled in {name} and {stories[(corpus, url)]}"
                stories[(corpus, url)] = name


def test_splits():
    """Checking sets are new: 2021 events not among the 50 tuning-era ones; the tune split is the pre-2021 part."""
    assert all(check_labels.event_date(e) >= dt.date(2021, 1, 1) for e in events_of("azure-2021-events.yaml"))
    tune = [e for e in events_of("azure-events.yaml") if check_labels.event_date(e) < check_labels.TUNE_BEFORE]
    assert 0 < len(tune) < len(events_of("azure-events.yaml"))
    assert len(events_of("azure-2021-events.yaml")) + len(events_of("powerapps-events.yaml")) >= 45
    sizes = {}
    for name, (_, file, keep) in SPLITS.items():
        gold = labelled(EVENTS / file, keep)
        sizes[name] = len(set(gold.values()))
        assert gold, name
    assert sizes["azure-tune"] == len(tune)
    assert hard_negatives(EVENTS / "powerapps-events.yaml")


def test_negatives_merged():
    gold = {"a": "E", "b": "E", "c": "F"}
    assert negatives_merged({"a": "1", "b": "1", "x": "1", "y": "2"}, gold, [("E", "x"), ("E", "y")]) == 0.5
    assert negatives_merged({"a": "1"}, gold, [("E", "a")]) is None  # a member is never its own negative
    assert negatives_merged({}, gold, [("E", "z")]) == 0.0  # an unclustered negative is not merged


@pytest.mark.parametrize("name", sorted(FILES))
def test_urls_are_corpus_stories(name, request):
    if not (CORPORA / f"{FILES[name]}.tar.xz").exists():
        pytest.skip(f"{CORPORA / (FILES[name] + '.tar.xz')} is absent: the corpora live in ../shared/corpora "
                    "(set GRAPHAPP_SHARED, e.g. GRAPHAPP_SHARED=/work/shared for a git worktree)")
    folder = request.getfixturevalue("azure_dir" if FILES[name] == "azure-news" else "powerapps_dir")
    errors, stats = check_labels.validate(events_of(name), check_labels.corpus_urls(str(folder)))
    assert errors == []
    assert stats["events"] == len(events_of(name))
