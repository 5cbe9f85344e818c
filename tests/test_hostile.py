"""Hostile inputs: every file, folder or zip ends loaded, loaded with a named warning, or skipped
with a named error; never a crash, a hang, unbounded memory, a silently wrong value or code execution.

Cases live in tests/data/hostile/: a literal fixture NAME.md (or a folder NAME/ for cases that
need several files) with its expected outcome in NAME.expected.json beside it; large or binary
cases come from tests/data/hostile/generate.py and are written into a temporary folder. See
tests/data/hostile/README.md for the table of cases and the report the whole folder produces
(`python tests/test_hostile.py` prints it).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from functools import cache
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphapp.loader import load
from graphapp.records import ERROR, WARNING
from graphapp.urls import url_problem

HOSTILE = Path(__file__).resolve().parent / "data" / "hostile"
NOT_CASES = {"README.md", "generate.py", "__pycache__"}
GOOD_NAME = "known-good.md"
GOOD_KEY = "https://known-good.example/article"
GOOD_TEXT = (
    '---\ntitle: "Known good article"\nwebUrl: "https://known-good.example/article"\nquality: 61\n'
    "publishedDateTime: 2021-03-02T10:30:00Z\nrelated:\n  - title: Related\n    webUrl: https://related.example/r\n"
    "---\nBody.\n"
)
TAG_MARKER = "graphapp-hostile-tag-ran"  # the literal python-tag fixtures would `touch` this in the working folder
EXAMPLES = int(os.environ.get("GRAPHAPP_HYPOTHESIS_EXAMPLES", "200"))


# ------------------------------------------------------------------------------------------ cases


@cache
def _generator():
    spec = importlib.util.spec_from_file_location("hostile_generate", HOSTILE / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def generated() -> dict[str, tuple[bytes, dict]]:
    return _generator().cases()


@dataclass(frozen=True)
class Case:
    name: str  # file or folder name
    expected: dict
    source: Path | None  # literal fixture in the repository; None for generated cases

    @property
    def kind(self) -> str:
        if self.name.endswith(".zip"):
            return "zip"
        if self.source is not None and self.source.is_dir():
            return "dir"
        return "file"

    def put(self, folder: Path) -> Path:
        """Materialise the case inside `folder` and return its path."""
        target = folder / self.name
        if self.source is None:
            target.write_bytes(generated()[self.name][0])
        elif self.source.is_dir():
            shutil.copytree(self.source, target)
        else:
            shutil.copyfile(self.source, target)
        return target


def _literal_cases() -> list[Case]:
    found = []
    for expected_file in sorted(HOSTILE.glob("*.expected.json")):
        stem = expected_file.name[: -len(".expected.json")]
        fixtures = [p for p in HOSTILE.iterdir()
                    if not p.name.endswith(".expected.json") and p.name not in NOT_CASES
                    and (p.name == stem or (p.is_file() and p.name.rsplit(".", 1)[0] == stem))]
        assert len(fixtures) == 1, f"{expected_file.name}: expected one fixture named {stem}[.ext], found {fixtures}"
        found.append(Case(fixtures[0].name, json.loads(expected_file.read_text(encoding="utf-8")), fixtures[0]))
    return found


def all_cases() -> list[Case]:
    literal = _literal_cases()
    names = {case.name for case in literal}
    made = [Case(name, expected, None) for name, (_, expected) in generated().items()]
    clash = names & {case.name for case in made}
    assert not clash, f"generated cases shadow literal fixtures: {clash}"
    return sorted(literal + made, key=lambda case: case.name)


CASES = all_cases()


def test_every_fixture_has_an_expected_outcome():
    """A fixture without NAME.expected.json would silently never be checked."""
    expected_stems = {p.name[: -len(".expected.json")] for p in HOSTILE.glob("*.expected.json")}
    for path in HOSTILE.iterdir():
        if path.name in NOT_CASES or path.name.endswith(".expected.json"):
            continue
        stem = path.name if path.is_dir() else path.name.rsplit(".", 1)[0]
        assert stem in expected_stems, f"{path.name} has no {stem}.expected.json"
    for case in CASES:
        assert case.expected["outcome"] in ("loaded", "warning", "error"), case.name
        assert case.expected.get("why"), f"{case.name}: say why"
        if case.expected["outcome"] != "loaded":
            assert case.expected.get("message_contains"), f"{case.name}: name the reason"


# ------------------------------------------------------------------------------------- checking


def _mentions(message: str, wanted) -> bool:
    """`wanted` is one substring or a list of alternatives; case-insensitive."""
    options = [wanted] if isinstance(wanted, str) else list(wanted)
    return any(option.lower() in message.lower() for option in options)


def _field_is(field, wanted) -> bool:
    """`wanted` is one field name (or None) or a list of acceptable names."""
    return field in wanted if isinstance(wanted, list) else field == wanted


def _has_number(message: str, number: int) -> bool:
    return re.search(rf"(?<![\d,]){number}(?![\d,])", message) is not None


def _belongs(path: str, case_path: str, kind: str) -> bool:
    if kind == "zip":
        return path == case_path or path.startswith(case_path + "!")
    if kind == "dir":
        return path.startswith(case_path + os.sep)
    return path == case_path


def _story_value(article, key: str):
    story = article.story
    if key == "published":
        return story.published.isoformat() if story.published else None
    if key == "related_count":
        return len(article.related)
    if key == "related_keys":
        return [s.key for s in article.related]
    if key == "last_related_key":
        return article.related[-1].key if article.related else None
    if key == "title_length":
        return len(story.title) if story.title is not None else None
    if key == "topics":
        return list(story.topics)
    if key == "path_endswith":
        return article.path
    return getattr(story, key)


def _check_story(article, wanted: dict, label: str) -> None:
    for key, value in wanted.items():
        got = _story_value(article, key)
        if key == "path_endswith":
            assert got.endswith(value), f"{label}: article path {got!r} should end with {value!r}"
        else:
            assert got == value, f"{label}: {key} is {got!r}, expected {value!r}"


def _show(issues) -> str:
    return "\n".join(str(i) for i in issues) or "(no issues)"


def check_case(case: Case, corpus, case_path: Path) -> None:
    """Assert that `corpus` treated the case at `case_path` as NAME.expected.json says."""
    exp, kind, where = case.expected, case.kind, str(case_path)
    report = corpus.report
    issues = [i for i in report.issues if _belongs(i.path, where, kind)]
    articles = [a for a in corpus.articles if _belongs(a.path, where, kind)]
    errors = [i for i in issues if i.severity == ERROR]
    warnings_ = [i for i in issues if i.severity == WARNING]
    skipped = {i.path: i for i in report.skipped}
    outcome = exp["outcome"]
    context = f"{case.name} ({exp['why']})\nissues:\n{_show(issues)}"

    for issue in issues:
        assert issue.severity in (ERROR, WARNING) and issue.message, context
        if issue.severity == WARNING:
            assert issue.field, f"every warning names its field\n{context}"

    if kind == "zip":
        if "member" in exp:
            target = f"{where}!{exp['member']}"
            assert target in skipped, f"{target} should be skipped with an error\n{context}"
            first = skipped[target]
        else:
            matching = [i for i in errors if _mentions(i.message, exp["message_contains"])]
            assert matching, f"expected an error for the archive mentioning {exp['message_contains']}\n{context}"
            first = matching[0]
            assert first.path in skipped, context
        assert _mentions(first.message, exp["message_contains"]), f"wrong reason: {first}\n{context}"
        loaded = {a.path for a in articles}
        if "keys" in exp:
            assert sorted(a.story.key for a in articles) == exp["keys"], f"stories loaded from the archive\n{context}"
        for member in exp.get("good_members", []):
            assert f"{where}!{member}" in loaded, f"good member {member} of the same archive did not load\n{context}"
        if "member" in exp and exp["member"] not in exp.get("good_members", []):
            assert f"{where}!{exp['member']}" not in loaded, f"the refused member was loaded anyway\n{context}"
        return

    if kind == "dir":
        assert not errors, f"no file of this case should be skipped\n{context}"
        wanted = exp.get("stories", [])
        assert sorted(a.story.key for a in articles) == sorted(s["key"] for s in wanted), context
        by_key = {a.story.key: a for a in articles}
        for story in wanted:
            _check_story(by_key[story["key"]], {k: v for k, v in story.items() if k != "key"}, case.name)
        if outcome == "loaded":
            assert not issues, f"expected no issues\n{context}"
        else:
            matching = [i for i in warnings_ if _field_is(i.field, exp["field"]) and _mentions(i.message, exp["message_contains"])]
            assert matching, f"expected a warning on {exp['field']}\n{context}"
            for name in exp.get("names", []):
                assert any(name in str(i) for i in matching), f"the warning should name {name}\n{context}"
        return

    # a single file
    if outcome == "error":
        assert not articles, f"expected the file to be skipped, but it loaded as {articles[0].story}\n{context}"
        assert where in skipped, f"expected {where} in report.skipped\n{context}"
        first = skipped[where]
        assert _field_is(first.field, exp.get("field")), f"error should name field {exp.get('field')!r}: {first}\n{context}"
        assert _mentions(first.message, exp["message_contains"]), f"wrong reason: {first}\n{context}"
        if "line" in exp:
            assert first.line == exp["line"], f"error should point at line {exp['line']}: {first}\n{context}"
        for number in exp.get("message_numbers", []):
            assert _has_number(first.message, number), f"message should name {number}: {first}\n{context}"
        return

    assert len(articles) == 1 and not errors, f"expected the file to load\n{context}"
    assert where not in skipped, context
    if outcome == "loaded":
        assert not warnings_, f"expected no warnings\n{context}"
    else:
        assert any(_field_is(i.field, exp["field"]) and _mentions(i.message, exp["message_contains"]) for i in warnings_), \
            f"expected a warning on {exp['field']} mentioning {exp['message_contains']}\n{context}"
        assert all(_field_is(i.field, exp["field"]) for i in warnings_), f"unexpected extra warnings\n{context}"
    _check_story(articles[0], exp.get("story", {}), case.name)


def assert_good_loaded(corpus, where: str = GOOD_NAME) -> None:
    good = [a for a in corpus.articles if a.story.key == GOOD_KEY]
    assert len(good) == 1, f"the known-good article did not load\n{_show(corpus.report.issues)}"
    assert good[0].path.endswith(where) and good[0].story.title == "Known good article"
    assert good[0].story.quality == 61 and len(good[0].related) == 1
    assert not [i for i in corpus.report.issues if i.path.endswith(GOOD_NAME)]


# ------------------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_case(case: Case, tmp_path: Path, monkeypatch):
    """One hostile input plus one known-good article in the same load."""
    monkeypatch.chdir(tmp_path)  # the python-tag fixtures would create their marker here
    path = case.source if case.source is not None else case.put(tmp_path)
    good = tmp_path / GOOD_NAME
    good.write_text(GOOD_TEXT, encoding="utf-8")
    corpus = load([path, good], cache_dir=False)
    check_case(case, corpus, path)
    assert_good_loaded(corpus)
    assert not (tmp_path / TAG_MARKER).exists()


def materialise(folder: Path) -> Path:
    """The whole hostile folder as one input: literal fixtures, generated cases and a known-good article."""
    folder.mkdir(parents=True, exist_ok=True)
    for case in CASES:
        case.put(folder)
    (folder / GOOD_NAME).write_text(GOOD_TEXT, encoding="utf-8")
    return folder


def test_whole_folder_at_once(tmp_path: Path, monkeypatch):
    """Every case keeps its outcome when all are loaded together; nothing leaks between them."""
    monkeypatch.chdir(tmp_path)  # the python-tag fixtures would create their marker here
    folder = materialise(tmp_path / "hostile")
    corpus = load([folder], cache_dir=False)
    assert_good_loaded(corpus)
    failures = []
    for case in CASES:
        try:
            check_case(case, corpus, folder / case.name)
        except AssertionError as exc:
            failures.append(f"--- {case.name}: {str(exc).splitlines()[0]}")
    assert not failures, f"{len(failures)} case(s) differ in the whole-folder load:\n" + "\n".join(failures)
    keys = [a.story.key for a in corpus.articles]
    assert len(keys) == len(set(keys))
    assert not list(tmp_path.rglob(TAG_MARKER))


BOMBS = [
    "alias-billion-laughs.md", "alias-long-string-15000.md", "deep-flow-10000.md", "quality-5000-digits.md",
    "oversize-2mib.md", "zip-ratio-bomb.zip", "zip-declared-size-lie.zip", "zip-ratio-bomb-many-members.zip",
]
_MEASURE = textwrap.dedent("""
    import json, resource, sys, time, tracemalloc
    from graphapp.loader import load
    good, bomb = sys.argv[1], sys.argv[2]
    load([good], cache_dir=False)  # imports and caches warm
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    corpus = load([bomb, good], cache_dir=False)
    seconds = time.perf_counter() - start
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    del corpus
    tracemalloc.start()
    corpus = load([bomb, good], cache_dir=False)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(json.dumps({"seconds": seconds, "rss_growth": grown_kib * 1024, "python_peak": peak,
                      "articles": [a.story.key for a in corpus.articles],
                      "issues": [str(i) for i in corpus.report.issues]}))
""")


@pytest.mark.parametrize("name", BOMBS)
def test_bombs_are_refused_fast_and_small(name: str, tmp_path: Path):
    """Each bomb: done in under a second, peak Python allocations < 50 MB, process growth < 100 MB.

    Measured in a fresh process so that native allocations (libyaml, yaml-rs, zlib) count too.
    """
    case = next(c for c in CASES if c.name == name)
    path = case.source if case.source is not None else case.put(tmp_path)
    good = tmp_path / GOOD_NAME
    good.write_text(GOOD_TEXT, encoding="utf-8")
    try:
        run = subprocess.run([sys.executable, "-c", _MEASURE, str(good), str(path)], capture_output=True, text=True,
                             timeout=120, cwd=tmp_path)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{name}: load did not finish within 120 s (hang)")
    assert run.returncode == 0, f"{name}: the measuring process crashed\n{run.stderr[-3000:]}"
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert GOOD_KEY in result["articles"], result["issues"]
    assert result["seconds"] < 1.0, f"{name}: took {result['seconds']:.2f} s"
    assert result["python_peak"] < 50 * 2**20, f"{name}: Python allocations peaked at {result['python_peak'] / 2**20:.0f} MiB"
    assert result["rss_growth"] < 100 * 2**20, f"{name}: the process grew by {result['rss_growth'] / 2**20:.0f} MiB"


def test_python_tags_never_run(tmp_path: Path, monkeypatch):
    """Payloads that would create marker files if any YAML constructor ran them; none may exist afterwards."""
    monkeypatch.chdir(tmp_path)
    markers = [tmp_path / f"marker-{i}" for i in range(6)]
    url = 'webUrl: "https://tags.example/{}"\n'
    payloads = {
        "os-system.md": f'title: !!python/object/apply:os.system ["touch {markers[0]}"]\n',
        "open-excerpt.md": f'title: t\nexcerpt: !!python/object/apply:builtins.open ["{markers[1]}", "w"]\n',
        "subprocess-related.md": (f'title: t\nrelated:\n  - title: !!python/object/apply:subprocess.call [["touch", "{markers[2]}"]]\n'
                                  '    webUrl: "https://r.example/"\n'),
        # keys the fast path's screen does not recognise: the payload reaches yaml-rs, which must not run it either
        "quoted-key.md": f"title: t\n'it''s': !!python/object/apply:builtins.open [\"{markers[3]}\", \"w\"]\n",
        "dash-key.md": f'title: t\n-x: !!python/object/apply:os.system ["touch {markers[4]}"]\n',
        "root-tag.md": f'!!python/object/apply:builtins.open ["{markers[5]}", "w"]\n',
    }
    folder = tmp_path / "in"
    folder.mkdir()
    for index, (name, text) in enumerate(payloads.items()):
        (folder / name).write_text("---\n" + text + url.format(index) + "---\n", encoding="utf-8")
    (folder / GOOD_NAME).write_text(GOOD_TEXT, encoding="utf-8")

    # the control: the payload is live, an unsafe loader does run it
    control = tmp_path / "control-marker"
    yaml.unsafe_load(f'x: !!python/object/apply:builtins.open ["{control}", "w"]')
    assert control.exists()

    corpus = load([folder], cache_dir=False)
    assert_good_loaded(corpus)
    assert [m.name for m in markers if m.exists()] == []
    assert not list(tmp_path.rglob(TAG_MARKER))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_named_pipe_in_input_folder_does_not_hang(tmp_path: Path):
    """A FIFO named like an article (as an extracted archive can leave) is reported, not opened and waited on."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / GOOD_NAME).write_text(GOOD_TEXT, encoding="utf-8")
    os.mkfifo(folder / "pipe.md")
    script = ("import json, sys; from graphapp.loader import load; c = load([sys.argv[1]], cache_dir=False); "
              "print(json.dumps({'keys': [a.story.key for a in c.articles], 'skipped': [i.path for i in c.report.skipped]}))")
    try:
        run = subprocess.run([sys.executable, "-c", script, str(folder)], capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("load hung for 30 s on a named pipe in the input folder")
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout)
    assert GOOD_KEY in result["keys"]
    assert str(folder / "pipe.md") in result["skipped"]


# ------------------------------------------------------------------------------- property tests

FIELDS = ["title", "webUrl", "originalUrl", "ampWebUrl", "cdnAmpWebUrl", "excerpt", "publishedDateTime", "quality",
          "provider", "name", "domain", "topics", "related", "<<"]
WEIRD = [
    "no", "yes", "off", "on", "y", "~", "null", "", "0131", "1:29", "0x1F", "0o17", "1_000", "+61", "-0", ".nan", "-.inf",
    "2021-02-30T08:00:00Z", "9999-12-31T23:30:00-01:00", "2020-06-11", "&a x", "*a", "!foo x", "!!binary aGk=",
    '!!python/object/apply:os.system ["true"]', "!!set {a}", "[[[[", "{a: [b", "<<", "? x", "|", ">-", "'open", '"\\ud800"',
    '"\\x07\\u202e"', "javascript:alert(1)", "data:text/html,x", "//x.example/a", "https://x.example:99999/",
    "https://x.example/a", "http://www.x.example/a?id=1", " ", "---", "...", "- x", "# c", "%YAML 1.1", "\t", "a: b: c",
    "\u202e", "\ufeff", "\ufffe", "\x85", "\u2028", "9" * 400,
]
ZONES = [None, UTC, timezone(timedelta(hours=-1)), timezone(timedelta(hours=14))]
KEYS = st.one_of(st.sampled_from(FIELDS), st.text(max_size=8))
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-10**40, max_value=10**40),
    st.floats(), st.text(max_size=30), st.sampled_from(WEIRD),
    st.dates(min_value=date(1, 1, 1)), st.datetimes(timezones=st.sampled_from(ZONES)),
    st.binary(max_size=12),
)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
                      max_leaves=20)
STORY_FIELDS = {
    "title": st.one_of(st.text(max_size=40), SCALARS, VALUES),
    "webUrl": st.one_of(st.sampled_from(["https://prop.example/a", "http://www.prop.example/b/?utm_source=x",
                                         "javascript:alert(1)", "/rel", "https://prop.example:0/c"]), SCALARS),
    "excerpt": SCALARS, "publishedDateTime": SCALARS, "quality": st.one_of(SCALARS, VALUES),
    "provider": st.one_of(st.fixed_dictionaries({}, optional={"name": SCALARS, "domain": SCALARS}), SCALARS),
    "topics": VALUES,
}
RELATED_ENTRY = st.one_of(st.fixed_dictionaries({}, optional=STORY_FIELDS), VALUES)
MAPPINGS = st.builds(
    lambda known, extra: {**extra, **known},
    st.fixed_dictionaries({}, optional={**STORY_FIELDS, "related": st.one_of(st.lists(RELATED_ENTRY, max_size=5), VALUES)}),
    st.dictionaries(KEYS, VALUES, max_size=4),
)


def _raw_scalar(value) -> str:
    """A scalar written as-is, unquoted: YAML sees whatever the characters happen to mean."""
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if value is None:
        return "~"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).replace("\n", " ")


def _raw(value, indent: int, step: int) -> str:
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return " {}\n"
        out = "\n"
        for key, item in value.items():
            out += f"{pad}{_raw_scalar(key)}:{_raw(item, indent + step, step)}"
        return out
    if isinstance(value, list):
        if not value:
            return " []\n"
        return "\n" + "".join(f"{pad}-{_raw(item, indent + step, step)}" for item in value)
    return " " + _raw_scalar(value) + "\n"


@st.composite
def front_matter_files(draw) -> bytes:
    mapping = draw(MAPPINGS)
    style = draw(st.sampled_from(["block", "flow", "raw"]))
    if style == "raw":
        text = _raw(mapping, 0, draw(st.integers(1, 4))).lstrip("\n")
    else:
        text = yaml.safe_dump(mapping, default_flow_style=style == "flow", allow_unicode=draw(st.booleans()),
                              sort_keys=False, width=draw(st.sampled_from([20, 80, 10**6])))
    data = text.encode("utf-8", "surrogatepass")
    for _ in range(draw(st.integers(0, 2))):  # random bytes anywhere
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=6)) + data[at:]
    ending = draw(st.sampled_from([b"\n", b"\n", b"\r\n", b"\r"]))
    closing = draw(st.sampled_from([b"---\n", b"---\n", b"--- \n", b""]))
    data = b"---\n" + data + (b"" if data.endswith(b"\n") else b"\n") + closing + b"Body.\n"
    if ending != b"\n":
        data = data.replace(b"\n", ending)
    if draw(st.booleans()) and draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    return data


_UNSAFE_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]")


def _load_one(data: bytes):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "generated.md"
        path.write_bytes(data)
        (Path(folder) / GOOD_NAME).write_text(GOOD_TEXT, encoding="utf-8")
        corpus = load([folder], cache_dir=False)  # must never raise
        return corpus, str(path)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(front_matter_files())
def test_random_front_matter_never_crashes(data: bytes):
    """Whatever the bytes: load returns; the file is an article or has an error, never both, never neither."""
    corpus, path = _load_one(data)
    assert_good_loaded(corpus)
    mine = [a for a in corpus.articles if a.path == path]
    issues = [i for i in corpus.report.issues if i.path == path]
    errors = [i for i in issues if i.severity == ERROR]
    assert len(mine) <= 1
    assert bool(mine) != bool(errors), f"article={bool(mine)} errors={_show(errors)}"
    for issue in issues:
        assert issue.severity in (ERROR, WARNING) and isinstance(issue.message, str) and issue.message
        assert issue.severity == ERROR or issue.field, f"a warning without a field: {issue}"


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(front_matter_files())
def test_random_front_matter_loads_only_clean_values(data: bytes):
    """What does load is clean: a web URL, a real title, text without control characters, sane numbers and dates."""
    corpus, path = _load_one(data)
    for article in (a for a in corpus.articles if a.path == path):
        assert isinstance(article.story.title, str) and article.story.title.strip(), f"untitled story {article.story}"
        for story in (article.story, *article.related):
            assert url_problem(story.url) is None, story
            assert story.key.startswith("https://"), story
            for text in (story.title, story.excerpt, story.outlet_name, *story.topics):
                assert text is None or (isinstance(text, str) and not _UNSAFE_TEXT.search(text)), (text, story)
                assert text is None or text.encode("utf-8")  # no lone surrogates survive
            assert story.quality is None or (type(story.quality) is int and 0 <= story.quality <= 10**6), story
            assert story.published is None or (isinstance(story.published, datetime)
                                               and story.published.utcoffset().total_seconds() == 0), story
        assert len(article.related) <= 1000


# --------------------------------------------------------------------------------- the report


def folder_report() -> str:
    """The load report of the whole hostile folder, one `str(issue)` a line, paths from `hostile/`."""
    with tempfile.TemporaryDirectory() as parent:
        folder = materialise(Path(parent) / "hostile")
        corpus = load([folder], cache_dir=False)
        prefix = parent + os.sep
        lines = [str(issue).replace(prefix, "") for issue in corpus.report.issues]
        summary = (f"{corpus.report.files} files, {len(corpus.articles)} articles, {len(corpus.report.skipped)} skipped, "
                   f"{len(corpus.report.warnings)} warnings, {len(corpus.report.merges)} merges")
    return summary + "\n" + "\n".join(lines)


if __name__ == "__main__":
    print(folder_report())
