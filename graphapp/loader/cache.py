"""On-disk cache of parsed files, kept outside the input folders.

One pickle per set of input paths maps each file to its stamp and parse result; a file is re-parsed
when its stamp changes. The stamp is (size, st_mtime_ns, inode, st_ctime_ns): size and mtime alone
miss a same-size rewrite whose mtime was put back (`touch -r`, `cp -p`, `rsync -t`, archive tools);
the inode catches a file replaced by another (rename over it, `cp -p` to a new file), and st_ctime,
which no user-level call can set, changes on every write, rename, chmod or utime. The `stats`
answers (ResultCache) are keyed the same way through `loader.fingerprint`. Results that only say a
file could not be read (`parse.read_failed`) are never stored. The cache lives in GRAPHAPP_CACHE_DIR,
else $XDG_CACHE_HOME/graphapp, else ~/.cache/graphapp. It holds only what graphapp wrote.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import stat
import tempfile
import warnings
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["default_cache_dir", "RecordCache", "ResultCache", "CacheWarning", "max_cache_bytes", "cache_info", "clear_cache",
           "enforce_limit"]

import contextlib

from ..records import Article, LoadIssue, Story

DEFAULT_MAX_BYTES = 512 * 1024 * 1024
_TMP_PREFIX = ".graphapp-"

FORMAT = 5  # bump when parsed records change shape or meaning


_PACKAGE = Path(__file__).resolve().parents[1]


def _code_digest(files) -> str:
    """The code's own fingerprint: records (or answers) made by older code are never reused."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _parsing_code() -> list[Path]:
    """Every module that decides what a parsed record holds: this package, the records and URL rules."""
    from .. import records, urls

    return [*Path(__file__).parent.glob("*.py"), Path(records.__file__), Path(urls.__file__)]


def default_cache_dir() -> Path:
    """Where parsed records are cached unless told otherwise."""
    if env := os.environ.get("GRAPHAPP_CACHE_DIR"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "graphapp"


class CacheWarning(UserWarning):
    """The cache folder or a cache file is not safe to read; the cache is not used."""


def _refuse(message: str) -> None:
    warnings.warn(message, CacheWarning, stacklevel=1)  # one line, once per message


def _unsafe(info: os.stat_result) -> str | None:
    if info.st_uid != os.geteuid():
        return f"owned by another user (uid {info.st_uid})"
    if info.st_mode & 0o022:
        return f"writable by {'group and others' if info.st_mode & 0o022 == 0o022 else 'group' if info.st_mode & 0o020 else 'others'} (mode {stat.S_IMODE(info.st_mode):o})"
    return None


def _usable_folder(directory: Path) -> bool:
    """Create the cache folder 0700, or check an existing one; False (with a warning) when others could write in it."""
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        directory.mkdir(mode=0o700, exist_ok=True)
        info = os.stat(directory)
    except OSError:
        return False  # cannot be created: simply not used
    if not stat.S_ISDIR(info.st_mode):
        return False
    if problem := _unsafe(info):
        _refuse(f"cache folder {directory} is {problem}; the cache is not used (fix its owner and mode, or set GRAPHAPP_CACHE_DIR)")
        return False
    if info.st_mode & 0o077:  # made by an older graphapp with the default umask: make it private
        with contextlib.suppress(OSError):
            os.chmod(directory, 0o700)
    return True


def _read_trusted(path: Path) -> bytes | None:
    """The bytes of a cache file, if it exists and only this user could have written it."""
    try:
        # no symbolic link, and never block on a FIFO planted under the cache file's name
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        problem = "not a regular file" if not stat.S_ISREG(info.st_mode) else _unsafe(info)
        if problem:
            _refuse(f"cache file {path} is {problem}; not read")
            return None
        return handle.read()


def max_cache_bytes() -> int:
    """The cache folder's size cap: GRAPHAPP_CACHE_MAX_BYTES, else 512 MiB."""
    try:
        return max(0, int(os.environ.get("GRAPHAPP_CACHE_MAX_BYTES", "")))
    except ValueError:
        return DEFAULT_MAX_BYTES


def _is_ours(name: str) -> bool:
    return ((name.startswith("records-") and name.endswith(".pickle")) or (name.startswith("results-") and name.endswith(".json"))
            or (name.startswith(_TMP_PREFIX) and name.endswith(".tmp")))


def _our_files(directory: Path) -> list[tuple[str, os.stat_result]]:
    """(name, lstat) of every regular file graphapp wrote in `directory`; nothing else is ever touched."""
    found = []
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                if _is_ours(entry.name):
                    try:
                        info = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    if os.path.isfile(entry.path) and not entry.is_symlink():
                        found.append((entry.name, info))
    except OSError:
        pass
    return found


def enforce_limit(directory: Path, limit: int | None = None, keep: Path | None = None) -> list[str]:
    """Delete the least recently used cache files until `directory` fits `limit`; the names deleted."""
    limit = max_cache_bytes() if limit is None else limit
    files = sorted(_our_files(Path(directory)), key=lambda item: item[1].st_mtime_ns)
    total = sum(info.st_size for _, info in files)
    removed = []
    for name, info in files:
        if total <= limit:
            break
        if keep is not None and name == keep.name:
            continue
        try:
            os.unlink(Path(directory) / name)
        except OSError:
            continue
        total -= info.st_size
        removed.append(name)
    return removed


def cache_info(directory: str | os.PathLike | None = None) -> dict:
    """What the cache folder holds (for `graphapp cache info`): its files, total size and cap."""
    directory = Path(directory) if directory else default_cache_dir()
    try:
        problem = _unsafe(os.stat(directory))
    except OSError:
        problem = None
    files = [{"name": name, "bytes": info.st_size,
              "last_used": datetime.fromtimestamp(info.st_mtime, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
             for name, info in sorted(_our_files(directory), key=lambda item: item[1].st_mtime_ns, reverse=True)]
    return {"directory": str(directory), "exists": directory.is_dir(), "problem": problem, "files": files,
            "total_bytes": sum(f["bytes"] for f in files), "max_bytes": max_cache_bytes()}


def clear_cache(directory: str | os.PathLike | None = None) -> dict:
    """Delete every file graphapp wrote in the cache folder (for `graphapp cache clear`); other files stay."""
    directory = Path(directory) if directory else default_cache_dir()
    removed = freed = 0
    for name, info in _our_files(directory):
        try:
            os.unlink(directory / name)
        except OSError:
            continue
        removed += 1
        freed += info.st_size
    return {"directory": str(directory), "removed": removed, "bytes": freed}


def _touch(path: Path) -> None:
    """Mark a cache file as just used (its mtime orders the least-recently-used eviction)."""
    with contextlib.suppress(OSError):
        os.utime(path)


def _input_digest(inputs, code: str) -> str:
    roots = "\n".join(sorted(os.path.abspath(p) for p in inputs))
    from .. import __version__

    key = f"{FORMAT}\n{__version__}\n{code}\n{roots}"
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:24]


class RecordCache:
    """Parsed records of the files under one set of input paths."""

    def __init__(self, directory: Path, inputs) -> None:
        self.file = Path(directory) / f"records-{_input_digest(inputs, _code_digest(_parsing_code()))}.pickle"
        self.entries: dict[str, tuple] = {}
        self.changed = False
        self.usable = _usable_folder(Path(directory))
        try:
            data = _read_trusted(self.file) if self.usable else None
            stored = pickle.loads(data) if data else {}
            if type(stored) is dict and stored.get("format") == FORMAT and type(stored.get("entries")) is dict:
                self.entries = stored["entries"]
                _touch(self.file)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, KeyError, TypeError, ValueError, ImportError):
            self.entries = {}

    def get(self, path: str, stamp: tuple):
        """The cached result for this exact file version (`Source.stamp`), or None."""
        entry = self.entries.get(path)
        if type(entry) is tuple and len(entry) == 2 and entry[0] == stamp and _valid_result(entry[1]):
            return entry[1]
        return None

    def put(self, path: str, stamp: tuple, result) -> None:
        """Remember the parse result of this file version (written by `save`)."""
        self.entries[path] = (stamp, result)
        self.changed = True

    def keep_only(self, paths: set[str]) -> None:
        """Forget files that are gone, so the cache does not grow forever."""
        gone = self.entries.keys() - paths
        for path in gone:
            del self.entries[path]
        self.changed = self.changed or bool(gone)

    def save(self) -> None:
        """Write atomically; a cache that cannot be written is simply not used next time."""
        if self.changed and self.usable:
            _write_atomically(self.file, pickle.dumps({"format": FORMAT, "entries": self.entries}, protocol=pickle.HIGHEST_PROTOCOL))


class ResultCache:
    """Final results (JSON-able) for one exact version of the inputs: when no file changed since
    the last run, a command's answer is read back instead of recomputed, as a build tool would."""

    def __init__(self, directory: Path, inputs, fingerprint: str) -> None:
        self.file = Path(directory) / f"results-{_input_digest(inputs, _code_digest(_PACKAGE.rglob('*.py')))}.json"
        self.fingerprint = fingerprint
        self.entries: dict = {}
        self.usable = _usable_folder(Path(directory))
        try:
            data = _read_trusted(self.file) if self.usable else None
            stored = json.loads(data) if data else {}
            if type(stored) is dict and stored.get("fingerprint") == fingerprint and type(stored.get("entries")) is dict:
                self.entries = stored["entries"]
                _touch(self.file)
        except (OSError, ValueError, KeyError, AttributeError):
            pass

    def get(self, name: str):
        """The stored answer, or None when there is none or it is not a well-formed `stats` answer."""
        value = self.entries.get(name)
        return value if _valid_answer(value) else None

    def put(self, name: str, value) -> None:
        """Store the answer under `name` and write the cache file at once (atomically)."""
        self.entries[name] = value
        if not self.usable:
            return
        # ASCII: a file name's undecodable bytes (lone surrogates) are kept as \udcXX escapes
        data = json.dumps({"fingerprint": self.fingerprint, "entries": self.entries}, ensure_ascii=True)
        _write_atomically(self.file, data.encode("ascii"))


def _valid_result(result) -> bool:
    """Whether a cached value has the shape `parse_source` returns: (Article or None, [LoadIssue, ...])."""
    if type(result) is not tuple or len(result) != 2:
        return False
    article, issues = result
    if type(issues) is not list or any(type(issue) is not LoadIssue for issue in issues):
        return False
    if article is None:
        return True
    if type(article) is not Article or type(article.path) is not str or type(article.story) is not Story:
        return False
    related = article.related  # Stories shared between files: one check of each distinct one
    return type(related) is tuple and (not related or {type(s) for s in related} == {Story})


_ANSWER_COUNTS = ("files", "articles", "merged")
_ANSWER_ISSUES = ("skipped", "warnings")


def _valid_answer(value) -> bool:
    """Whether a cached value has the shape of a `stats` answer (the only answers cached): its counts,
    and issue lists whose entries name a path and a reason."""
    if type(value) is not dict or any(type(value.get(key)) is not int for key in _ANSWER_COUNTS):
        return False
    for key in _ANSWER_ISSUES:
        issues = value.get(key)
        if type(issues) is not list or any(type(i) is not dict or type(i.get("path")) is not str
                                           or type(i.get("reason")) is not str for i in issues):
            return False
    return type(value.get("merges")) is list


def _write_atomically(path: Path, data: bytes) -> None:
    """Write `path` whole or not at all, then bring the folder back under its size cap."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_TMP_PREFIX, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
        tmp = None
    except OSError:
        return
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    enforce_limit(path.parent, keep=path)
