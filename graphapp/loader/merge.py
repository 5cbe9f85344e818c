"""Files that describe one story (same canonical URL) → one Article, recorded in the report."""

from __future__ import annotations

from datetime import UTC, datetime

from ..records import WARNING, Article, LoadIssue, LoadReport, Merge

__all__ = ["merge_duplicates"]

_OLDEST = datetime.min.replace(tzinfo=UTC)


def merge_duplicates(articles: list[Article], report: LoadReport) -> list[Article]:
    """Files with one canonical URL are one story: newest publication wins, related lists are united.

    Runs after parsing, in a fixed order, so the result never depends on worker timing.
    """
    by_key: dict[str, list[Article]] = {}
    for article in articles:
        by_key.setdefault(article.story.key, []).append(article)
    merged = []
    for key, group in by_key.items():
        if len(group) == 1:
            merged.append(group[0])
            continue
        group.sort(key=lambda a: (a.story.published or _OLDEST, a.path), reverse=True)
        kept = group[0]
        related, listed_by, seen = [], [], set()
        for article in group:
            for story in article.related:
                if story.key not in seen:
                    seen.add(story.key)
                    related.append(story)
                    listed_by.append(article.path)
        aliases = tuple(dict.fromkeys(a for article in group for a in article.story.aliases))
        merged.append(Article(kept.path, kept.story._replace(aliases=aliases), tuple(related), tuple(listed_by),
                              tuple(article.path for article in group[1:])))
        paths = tuple(article.path for article in group)
        report.merges.append(Merge(key, kept.path, paths))
        titles = {article.story.title for article in group}
        if len(titles) > 1:
            others = ", ".join(article.path for article in group[1:])
            report.issues.append(
                LoadIssue(kept.path, f"same URL as {others} but a different title; kept this file's data", WARNING, "title")
            )
    return merged
