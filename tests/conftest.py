"""Shared fixtures: the bundled seed, the real corpora from ../shared (unpacked once per session),
and an isolated cache directory so tests never read a developer's cache."""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data"
SHARED = Path(os.environ.get("GRAPHAPP_SHARED", ROOT.parent / "shared"))
CORPORA = SHARED / "corpora"
SCHEMAS = SHARED / "schemas"


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory):
    cache = tmp_path_factory.mktemp("graphapp-cache")
    previous = os.environ.get("GRAPHAPP_CACHE_DIR")
    os.environ["GRAPHAPP_CACHE_DIR"] = str(cache)
    yield cache
    if previous is None:
        os.environ.pop("GRAPHAPP_CACHE_DIR", None)
    else:
        os.environ["GRAPHAPP_CACHE_DIR"] = previous


@pytest.fixture(scope="session")
def seed_dir() -> Path:
    return SEEDS


def _unpack(tmp_path_factory, name: str) -> Path:
    archive = CORPORA / f"{name}.tar.xz"
    if not archive.exists():
        pytest.skip(f"{archive} is absent: the real corpora live in ../shared/corpora (not copied into the project)")
    target = tmp_path_factory.mktemp(name)
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    return target / name


@pytest.fixture(scope="session")
def azure_dir(tmp_path_factory) -> Path:
    return _unpack(tmp_path_factory, "azure-news")


@pytest.fixture(scope="session")
def powerapps_dir(tmp_path_factory) -> Path:
    return _unpack(tmp_path_factory, "powerapps-news")


@pytest.fixture(scope="session")
def seed_corpus(seed_dir):
    from graphapp.loader import load

    return load([seed_dir], cache_dir=False)


@pytest.fixture(scope="session")
def seed_graph(seed_corpus):
    from graphapp.build import build_graph

    return build_graph(seed_corpus.articles)


@pytest.fixture(scope="session")
def azure_corpus(azure_dir):
    from graphapp.loader import load

    return load([azure_dir], cache_dir=False)


@pytest.fixture(scope="session")
def azure_graph(azure_corpus):
    from graphapp.build import build_graph

    return build_graph(azure_corpus.articles)


@pytest.fixture(scope="session")
def powerapps_corpus(powerapps_dir):
    from graphapp.loader import load

    return load([powerapps_dir], cache_dir=False)


@pytest.fixture(scope="session")
def powerapps_graph(powerapps_corpus):
    from graphapp.build import build_graph

    return build_graph(powerapps_corpus.articles)


def write(path: Path, text: str) -> Path:
    """Write a crafted article file (tests build small inputs inline)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def result_of(paths, **options):
    """The pipeline's Result for crafted inputs (no cache), with ViewOptions changes as keywords."""
    from graphapp.options import ViewOptions
    from graphapp.pipeline import open_paths, run

    return run(open_paths([str(p) for p in paths], cache_dir=False), ViewOptions().replace(**options))


@pytest.fixture(scope="session")
def seed_result(seed_dir):
    return result_of([seed_dir], level="topics")  # the related-link graph as loaded (events add `similar` links)


@pytest.fixture(scope="session")
def azure_result(azure_dir):
    return result_of([azure_dir], level="topics")


def network_frame(page, timeout: float = 60):
    """The iframe whose sigma.js view has drawn (it sets window.graphappDrawnAt on the first draw)."""
    import time

    deadline = time.time() + timeout
    while time.time() < deadline:
        for frame in page.frames:
            try:
                if frame.evaluate("window.graphappDrawnAt !== undefined"):
                    return frame
            except Exception:  # frames come and go while Streamlit renders
                pass
        page.wait_for_timeout(100)
    raise AssertionError("the network view never drew")
