"""On-disk cache of parsed files, kept outside the input folders.

One pickle per set of input paths maps each file to (size, mtime_ns, parse result); a file is
re-parsed when its size or modification time changes. The cache lives in GRAPHAPP_CACHE_DIR,
else $XDG_CACHE_HOME/graphapp, else ~/.cache/graphapp. It holds only what graphapp wrote.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

__all__ = ["default_cache_dir", "RecordCache"]

FORMAT = 3  # bump when parsed records change shape or meaning


def default_cache_dir() -> Path:
    """Where parsed records are cached unless told otherwise."""
    if env := os.environ.get("GRAPHAPP_CACHE_DIR"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "graphapp"


class RecordCache:
    """Parsed records of the files under one set of input paths."""

    def __init__(self, directory: Path, inputs) -> None:
        roots = "\n".join(sorted(os.path.abspath(p) for p in inputs))
        digest = hashlib.sha256(f"{FORMAT}\n{roots}".encode()).hexdigest()[:24]
        self.file = Path(directory) / f"records-{digest}.pickle"
        self.entries: dict[str, tuple] = {}
        self.changed = False
        try:
            with open(self.file, "rb") as handle:
                stored = pickle.load(handle)
            if stored.get("format") == FORMAT:
                self.entries = stored["entries"]
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, KeyError, TypeError, ValueError, ImportError):
            self.entries = {}

    def get(self, path: str, size: int, mtime_ns: int):
        """The cached result for this exact file version, or None."""
        entry = self.entries.get(path)
        if entry is not None and entry[0] == size and entry[1] == mtime_ns:
            return entry[2]
        return None

    def put(self, path: str, size: int, mtime_ns: int, result) -> None:
        self.entries[path] = (size, mtime_ns, result)
        self.changed = True

    def keep_only(self, paths: set[str]) -> None:
        """Forget files that are gone, so the cache does not grow forever."""
        gone = self.entries.keys() - paths
        for path in gone:
            del self.entries[path]
        self.changed = self.changed or bool(gone)

    def save(self) -> None:
        """Write atomically; a cache that cannot be written is simply not used next time."""
        if not self.changed:
            return
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.file.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                pickle.dump({"format": FORMAT, "entries": self.entries}, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.file)
        except OSError:
            pass
