"""The docs match the code: generated pages are current, every example runs, every public name is documented.

- docs/cli.md, docs/settings.md and docs/hostile-input.md are what `python docs/generate.py` writes now;
- the ```pycon examples of README.md and docs/*.md, and every docstring example of the package, run
  (doctest, ELLIPSIS | NORMALIZE_WHITESPACE);
- every function and class a module exports (its `__all__`; every public top-level name in modules without
  one) has a docstring, and so do the public methods of those classes;
- README.md stays short and starts with the two quick-start commands, the second of which `.ci/run` runs verbatim.
"""

from __future__ import annotations

import ast
import doctest
import importlib
import importlib.util
import pkgutil
import re
from pathlib import Path

import pytest

import graphapp

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "graphapp"
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
NOT_IMPORTED = {"graphapp.app", "graphapp.__main__"}  # a Streamlit script that runs on import; the console script
MARKDOWN = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _generator():
    spec = importlib.util.spec_from_file_location("docs_generate", ROOT / "docs" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GENERATOR = _generator()


@pytest.mark.parametrize("name", list(GENERATOR.PAGES))
def test_generated_page_is_current(name: str, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    page = ROOT / "docs" / name
    assert page.exists(), f"docs/{name} is missing: run `{GENERATOR.COMMAND}`"
    wanted = GENERATOR.PAGES[name]()
    assert page.read_text(encoding="utf-8") == wanted, f"docs/{name} is out of date: run `{GENERATOR.COMMAND}`"


# ------------------------------------------------------------------------------------- doctests


def _modules() -> list[str]:
    names = ["graphapp"] + [m.name for m in pkgutil.walk_packages(graphapp.__path__, "graphapp.")]
    return [name for name in names if name not in NOT_IMPORTED]


@pytest.mark.parametrize("name", _modules())
def test_module_doctests(name: str, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(name)
    results = doctest.testmod(module, optionflags=FLAGS, report=True)
    assert results.failed == 0, f"{results.failed} of {results.attempted} docstring examples of {name} failed (see above)"


_PYCON = re.compile(r"^```pycon[ \t]*\n(.*?)^```", re.S | re.M)


def markdown_examples(text: str) -> str:
    """The ```pycon blocks of a Markdown text, everything else blanked, so doctest's line numbers are the file's."""
    lines = [""] * (text.count("\n") + 1)
    for match in _PYCON.finditer(text):
        first = text.count("\n", 0, match.start(1))
        for offset, line in enumerate(match.group(1).split("\n")):
            lines[first + offset] = line
    return "\n".join(lines)


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_markdown_examples(path: Path, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    text = path.read_text(encoding="utf-8")
    examples = markdown_examples(text)
    outside = [line for line in re.sub(_PYCON, "", text).splitlines() if line.lstrip().startswith(">>> ")]
    assert not outside, f"{path.name}: `>>>` examples outside a ```pycon block are never run: {outside}"
    name = str(path.relative_to(ROOT))
    test = doctest.DocTestParser().get_doctest(examples, {"__name__": name}, name, str(path), 0)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.failed == 0, f"{results.failed} of {results.attempted} examples in {name} failed (see above)"


def test_docs_have_examples():
    """The README and the analysis page show runnable examples (a broken fence would silently drop them)."""
    for name in ("README.md", "docs/analysis.md", "docs/input.md", "docs/graph-model.md"):
        assert doctest.DocTestParser().get_examples(markdown_examples((ROOT / name).read_text(encoding="utf-8"))), name


# ----------------------------------------------------------------------------------- docstrings


def _public_defs(path: Path, module: str):
    """(name, node) of the functions and classes a module exports, and of those classes' public methods.

    Read from the source, so the Streamlit script is checked without running it; a computed `__all__`
    (the package's lazy exports) is read from the imported module.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    exported = None
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            try:
                exported = set(ast.literal_eval(node.value))
            except ValueError:
                exported = set(importlib.import_module(module).__all__)
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        public = node.name in exported if exported is not None else not node.name.startswith("_")
        if not public:
            continue
        yield node.name, node
        if isinstance(node, ast.ClassDef):
            for sub in node.body:
                if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)) and not sub.name.startswith("_"):
                    yield f"{node.name}.{sub.name}", sub


def test_public_functions_have_docstrings():
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        if not ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))):
            missing.append(f"{module} (module)")
        module = module.removesuffix(".__init__")
        missing += [f"{module}.{name}" for name, node in _public_defs(path, module) if not ast.get_docstring(node)]
    assert not missing, "no docstring (say what it does and why): " + ", ".join(missing)


# ---------------------------------------------------------------------------------------- README


def test_readme_is_short_and_starts_with_the_quick_start():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) <= 12 * 1024, "README.md is over 12 KB: move details into docs/"
    sections = re.findall(r"^## (.+)$", text, re.M)
    assert sections[0] == "Quick start", sections
    quick = text.split("\n## ", 2)[1]
    commands = re.findall(r"^```bash\n(.+?)\n```", quick, re.M)
    assert len(commands) == 2, commands
    assert "graphapp app" in commands[0]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci.splitlines(), ".ci/run must run README's test command verbatim"


def test_links_between_docs_resolve():
    """Relative links in README.md and docs/*.md point at files that exist."""
    broken = []
    for path in MARKDOWN:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", path.read_text(encoding="utf-8")):
            if "://" not in target and not (path.parent / target).exists():
                broken.append(f"{path.relative_to(ROOT)} → {target}")
    assert not broken, broken


def test_layout_lists_every_module():
    """docs/layout.md names every module of the package (the old README's layout went stale unnoticed)."""
    text = (ROOT / "docs" / "layout.md").read_text(encoding="utf-8")
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        # a module is listed by its file name, under its folder's own `name/` line for subpackages
        if not re.search(rf"[─ ]{re.escape(parts[-1])}\b", text) or any(f"{p}/" not in text for p in parts[:-1]):
            missing.append(str(path.relative_to(ROOT)))
    assert not missing, f"docs/layout.md does not list: {', '.join(missing)}"
