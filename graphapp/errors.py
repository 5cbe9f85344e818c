"""Typed errors. The library raises them; the CLI and the app turn them into one line."""

from __future__ import annotations

__all__ = ["GraphappError", "NothingLoadedError"]


class GraphappError(Exception):
    """Base error; carries where the problem is, when known."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.field = field

    def __str__(self) -> str:
        where = self.path or ""
        if self.line is not None:
            where += f":{self.line}"
        if self.field:
            where += f" [{self.field}]"
        return f"{where}: {self.message}" if where else self.message


class NothingLoadedError(GraphappError):
    """No usable article was found in the given inputs; `skipped` holds one problem per input."""

    def __init__(self, message: str, *, skipped: list | None = None):
        super().__init__(message)
        self.skipped = skipped or []
