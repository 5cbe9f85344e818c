"""Fault injection: nothing stale, nothing orphaned, nothing leaked (one test per fault, or a few)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from conftest import write
from graphapp.loader import load, parse

ARTICLE = """---
webUrl: https://example.com/{slug}
title: {title}
---
"""


def article(path: Path, title: str = "First", slug: str = "a") -> Path:
    return write(path, ARTICLE.format(slug=slug, title=title))


# 1. A read error is never cached as the file's content


def test_read_error_is_not_cached(tmp_path, monkeypatch):
    folder, cache = tmp_path / "in", tmp_path / "cache"
    article(folder / "a.md")
    real = parse._read_capped

    def refuse(path):
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(parse, "_read_capped", refuse)
    corpus = load([folder], cache_dir=cache)
    assert not corpus.articles and "cannot read" in corpus.report.issues[0].message
    monkeypatch.setattr(parse, "_read_capped", real)
    corpus = load([folder], cache_dir=cache)  # the file is unchanged (same size, mtime, inode)
    assert [a.story.title for a in corpus.articles] == ["First"], corpus.report.issues
