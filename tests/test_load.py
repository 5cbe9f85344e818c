"""Loader: golden files, the seed, the real corpora, zips, merges and the two YAML paths."""

import json
import os
import zipfile
from pathlib import Path

import pytest
import yaml
from conftest import DATA, write

from graphapp.loader import (
    frontmatter,
    load,
    parse_source,
    workers,  # noqa: E402
)
from graphapp.loader.sources import Source

_REAL_PARSE_BATCH = workers._parse_batch
GOLDEN = sorted(p for p in (DATA / "golden").iterdir() if not p.name.endswith(".expected.json"))


def story_json(story):
    return {
        "key": story.key, "url": story.url, "outlet": story.outlet, "outlet_name": story.outlet_name,
        "title": story.title, "excerpt": story.excerpt,
        "published": story.published.isoformat() if story.published else None,
        "quality": story.quality, "topics": list(story.topics), "aliases": list(story.aliases),
    }


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.name)
def test_golden_file(path: Path):
    expected = json.loads(path.with_name(path.name.rsplit(".", 1)[0] + ".expected.json").read_text())
    article, issues = parse_source(Source(str(path), file=str(path), size=path.stat().st_size))
    got = None if article is None else {**story_json(article.story), "related": [story_json(s) for s in article.related]}
    assert got == expected["article"]
    assert [{"severity": i.severity, "field": i.field, "message": i.message} for i in issues] == expected["issues"]


def test_seed_article(seed_corpus):
    assert seed_corpus.report.files == 1 and seed_corpus.report.issues == []
    (article,) = seed_corpus.articles
    story = article.story
    assert story.key == "https://businessinsider.com/aclu-calles-amazon-blanket-ban-rekognition-sales-2020-6"
    assert story.title.startswith("The ACLU says Amazon's 1-year suspension")
    assert story.quality == 61 and story.outlet == "businessinsider.com" and story.outlet_name == "Business Insider"
    assert story.published.isoformat() == "2020-06-11T09:53:00+00:00"
    assert story.topics == ("Computer Vision", "AI")
    assert story.aliases == ("https://businessinsider.com/aclu-calles-amazon-blanket-ban-rekognition-sales-2020-6?amp",)
    assert len(article.related) == 10
    assert {s.outlet for s in article.related} == {"mashable.com", "cnet.com", "techcrunch.com", "geekwire.com",
                                                   "digitaltrends.com", "businessinsider.com", "latimes.com", "kitv.com",
                                                   "nextgov.com"}
    assert [s.quality for s in article.related] == [89, 89, 89, 83, 75, 69, 49, 49, 24, 19]


@pytest.mark.corpus
def test_azure_loads_every_file(azure_corpus):
    report = azure_corpus.report
    assert report.files == 4958
    assert report.skipped == []
    assert len(azure_corpus.articles) == 4943
    assert sum(len(m.paths) - 1 for m in report.merges) == 15
    # real values run past 100: never clamped
    assert max(a.story.quality for a in azure_corpus.articles if a.story.quality is not None) == 136
    assert sum(1 for a in azure_corpus.articles if a.related) >= 4172 - 15


@pytest.mark.corpus
def test_powerapps_videos_load_by_original_url(powerapps_corpus):
    report = powerapps_corpus.report
    assert report.files == 674 and report.skipped == []
    assert len(powerapps_corpus.articles) == 670
    videos = [a for a in powerapps_corpus.articles if a.story.key.startswith("https://youtube.com/watch?v=")]
    assert len(videos) == 12
    assert {a.story.outlet for a in videos} == {"microsoft.com"}  # provider.domain wins over the URL's host


@pytest.mark.corpus
@pytest.mark.parametrize("corpus", ["azure_dir", "powerapps_dir"])
def test_fast_and_strict_yaml_paths_agree_with_pyyaml_on_every_real_file(corpus, request):
    """The fast Rust path, the strict event path and PyYAML's safe loader read the same data."""
    files = sorted(request.getfixturevalue(corpus).glob("*.md"))
    assert files
    for path in files:
        text = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
        block = frontmatter._front_matter_block(text)
        reference = yaml.load(block, Loader=yaml.CSafeLoader)
        assert not frontmatter._is_unusual(block) or path.parent.name == "powerapps-news", path
        fast = frontmatter._fast_parse(block)  # yaml-rs, each distinct related entry parsed once
        strict = frontmatter._strict_parse(block)
        assert fast == reference, path
        assert strict == reference, path


def test_bad_file_never_stops_the_good_ones(tmp_path):
    write(tmp_path / "good.md", '---\ntitle: "Good"\nwebUrl: "https://good.example/a"\n---\n')
    write(tmp_path / "broken.md", '---\ntitle: "Broken\nwebUrl: [\n---\n')
    write(tmp_path / "no-front-matter.md", "just text\n")
    write(tmp_path / "README.md", "# not an article, ignored silently\n")
    write(tmp_path / ".hidden.md", "---\ntitle: x\n---\n")
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n")
    corpus = load([tmp_path], cache_dir=False)
    assert [a.story.title for a in corpus.articles] == ["Good"]
    assert corpus.report.files == 3
    problems = {Path(i.path).name: i for i in corpus.report.skipped}
    assert set(problems) == {"broken.md", "no-front-matter.md"}
    assert problems["no-front-matter.md"].line == 1
    assert "front matter" in problems["no-front-matter.md"].message
    assert problems["broken.md"].line is not None and "YAML" in problems["broken.md"].message


def test_duplicates_merge_newest_wins_and_related_lists_unite(tmp_path):
    write(tmp_path / "old.md", '---\ntitle: "Old title"\npublishedDateTime: 2020-01-01T00:00:00Z\n'
          'webUrl: "https://www.dup.example/story/"\nrelated:\n  - title: A\n    webUrl: "https://a.example/1"\n---\n')
    write(tmp_path / "new.md", '---\ntitle: "New title"\npublishedDateTime: 2020-01-02T00:00:00Z\n'
          'webUrl: "http://dup.example/story?utm_medium=rss"\nrelated:\n  - title: B\n    webUrl: "https://b.example/2"\n---\n')
    corpus = load([tmp_path], cache_dir=False)
    (article,) = corpus.articles
    assert article.story.title == "New title" and article.path.endswith("new.md")
    assert [s.key for s in article.related] == ["https://b.example/2", "https://a.example/1"]
    (merge,) = corpus.report.merges
    assert merge.key == "https://dup.example/story" and merge.kept.endswith("new.md") and len(merge.paths) == 2
    (warning,) = corpus.report.warnings
    assert warning.field == "title" and "old.md" in warning.message


def test_zip_members_load_and_are_named_archive_bang_member(tmp_path, seed_dir):
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(next(seed_dir.iterdir()), "articles/seed.txt")
        zf.writestr("articles/bad.md", "---\ntitle: [unclosed\n---\n")
        zf.writestr("__MACOSX/articles/._seed.txt", "junk")
        zf.writestr("../evil.md", "---\ntitle: x\nwebUrl: https://e.example/\n---\n")
    corpus = load([archive], cache_dir=False)
    assert len(corpus.articles) == 1
    paths = sorted(i.path for i in corpus.report.skipped)
    assert paths == [f"{archive}!../evil.md", f"{archive}!articles/bad.md"]


def test_cache_reuses_unchanged_files_and_reparses_changed_ones(tmp_path):
    folder = tmp_path / "in"
    cache = tmp_path / "cache"
    first = write(folder / "a.md", '---\ntitle: "First"\nwebUrl: "https://c.example/a"\n---\n')
    assert load([folder], cache_dir=cache).articles[0].story.title == "First"
    assert list(cache.glob("records-*.pickle"))
    write(first, '---\ntitle: "Second version"\nwebUrl: "https://c.example/a"\n---\n')
    assert load([folder], cache_dir=cache).articles[0].story.title == "Second version"
    assert not list(folder.glob("*.pickle")), "the cache is kept outside the input folders"


def test_parallel_and_serial_loads_are_identical(tmp_path, seed_dir):
    seed = next(seed_dir.iterdir()).read_text()
    for i in range(40):
        write(tmp_path / f"{i:03}.md", seed.replace("aclu-calles-amazon", f"story-{i}-amazon"))
    serial = load([tmp_path], cache_dir=False, workers=1)
    parallel = load([tmp_path], cache_dir=False, workers=2)
    assert [a.story for a in serial.articles] == [a.story for a in parallel.articles]
    assert [a.related for a in serial.articles] == [a.related for a in parallel.articles]


def dies_on_the_first_batch(batch):
    """A stand-in for a worker that crashes (module level, so the pool can send it to workers)."""
    if any(source.path.endswith("000.md") for source in batch):
        os._exit(1)
    return _REAL_PARSE_BATCH(batch)


def test_a_dying_parse_worker_costs_speed_not_files(tmp_path, seed_dir, monkeypatch):
    """If a parsing process dies (say, a native parser crash), its files are read again with the strict parser."""
    seed = next(seed_dir.iterdir()).read_text()
    for i in range(40):
        write(tmp_path / f"{i:03}.md", seed.replace("aclu-calles-amazon", f"story-{i}-amazon"))
    monkeypatch.setattr(workers, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(workers, "_parse_batch", dies_on_the_first_batch)
    corpus = load([tmp_path], cache_dir=False, workers=2)
    assert len(corpus.articles) == 40 and corpus.report.issues == []


def test_placeholder_and_early_dates_are_dropped_with_a_warning(tmp_path):
    write(tmp_path / "a.md", '---\ntitle: "A"\nwebUrl: "https://d.example/a"\npublishedDateTime: 0001-01-01T00:00:00Z\n---\n')
    write(tmp_path / "b.md", '---\ntitle: "B"\nwebUrl: "https://d.example/b"\npublishedDateTime: 2020-06-11T09:53:00+02:00\n---\n')
    corpus = load([tmp_path], cache_dir=False)
    by_title = {a.story.title: a.story for a in corpus.articles}
    assert by_title["A"].published is None and by_title["B"].published.isoformat() == "2020-06-11T07:53:00+00:00"
    (warning,) = corpus.report.warnings
    assert warning.field == "publishedDateTime" and "placeholder" in warning.message


def test_provider_domain_must_look_like_a_host(tmp_path):
    write(tmp_path / "a.md", '---\ntitle: "A"\nwebUrl: "https://news.example/a"\nprovider:\n'
          '  name: X\n  domain: "**pwned** :red[alert]"\n---\n')
    (article,) = load([tmp_path], cache_dir=False).articles
    assert article.story.outlet == "news.example"  # the URL's host, not the Markdown
