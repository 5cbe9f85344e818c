"""Choosing which stories to look at: dates, outlets, topics, quality, title words.

Filtering works on the resolved stories (before any networkx graph exists) and returns a new
`Resolved`; the one it is given may be cached and shared, so it is never changed.
"""

from __future__ import annotations

from .build import Resolved
from .options import Filters
from .records import Story

__all__ = ["Filters", "filter_stories", "passes"]


def passes(story: Story, filters: Filters) -> bool:
    """Whether one story passes `filters` (a story without a date fails any date filter)."""
    if filters.since or filters.until:
        if story.published is None:
            return False
        if filters.since and story.published < filters.since or filters.until and story.published > filters.until:
            return False
    if filters.outlets and story.outlet not in _outlets(filters):
        return False
    if filters.topics and not {t.lower() for t in filters.topics} & {t.strip().lower() for t in story.topics}:
        return False
    if filters.min_quality is not None and (story.quality is None or story.quality < filters.min_quality):
        return False
    words = filters.text.lower().split()
    return not words or all(w in (story.title or "").lower() for w in words)


def _outlets(filters: Filters) -> set[str]:
    return {o.strip().lower().removeprefix("outlet:").removeprefix("www.") for o in filters.outlets}


def filter_stories(resolved: Resolved, filters: Filters) -> Resolved:
    """The stories that pass `filters` and the related links among them (a new Resolved)."""
    if not filters.active:
        return resolved
    stories = {key: story for key, story in resolved.stories.items() if passes(story, filters)}
    kept = [i for i, (u, v) in enumerate(resolved.edges) if u in stories and v in stories]
    return Resolved(stories, resolved.with_file & stories.keys(), [resolved.edges[i] for i in kept],
                    [resolved.listed_by[i] for i in kept], {k: a for k, a in resolved.files.items() if k in stories})
