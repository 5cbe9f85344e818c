"""Input paths → the article candidates they hold: files, folders (recursive) and zip archives.

Zip members are read in memory under limits (entries, bytes per member whatever the header
says, compression ratio, total bytes); unsafe or unreadable members become errors named
`archive.zip!member.md`. Nothing is ever extracted to disk.

Folders are walked without recursion (a folder nested thousands of levels deep is fine), each
directory once (a link loop ends). A symbolic link whose target lies outside the input folder is
not followed unless `follow_links` is true (the CLI's --follow-links); each one skipped is reported
as a LoadIssue with field "path". Links that stay inside the folder are followed, and a folder
reached twice is read once.

A Source's `path` (what reports, graph attributes and exports show) is the input as the user gave
it, joined with the path inside it (`./corpus/` gives `./corpus/a/b.md`), never made absolute; a
zip member is `archive.zip!member`. Its `file` is the absolute path (under the input's real path)
that is opened and that keys the cache.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
import zlib
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import PurePosixPath

from ..records import LoadIssue
from .frontmatter import MAX_FILE_BYTES

__all__ = ["Source", "ZipLimits", "find_sources", "sources_from_upload", "is_ignored_name", "FOLLOW_LINKS"]

# What `find_sources(follow_links=None)` does: false unless a caller (the CLI's --follow-links) sets it
# for the duration of one command; callers that can pass `follow_links` should pass it.
FOLLOW_LINKS: ContextVar[bool] = ContextVar("graphapp_follow_links", default=False)

_IGNORED_STEMS = {"readme", "license", "licence", "changelog", "contributing", "copying", "notice", "authors"}
_IGNORED_SUFFIXES = {
    ".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".ico", ".bmp", ".tif", ".tiff", ".avif",
    ".pdf", ".mp4", ".mp3", ".mov", ".woff", ".woff2", ".ttf", ".css", ".js", ".pyc", ".ds_store",
}


# Everything zipfile raises on hostile or broken archives, not only BadZipFile.
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, IndexError, EOFError, OSError, ValueError,
               RuntimeError, KeyError, OverflowError, zlib.error)


@dataclass(frozen=True, slots=True)
class Source:
    """One article candidate: a file on disk (`file`) or a zip member already read (`data`)."""

    path: str  # shown in reports: the input as given + the path inside it; `archive.zip!member.md` for zip members
    file: str | None = None  # absolute path, opened and used as the cache key
    size: int = 0
    mtime_ns: int = 0
    data: bytes | None = None
    inode: int = 0
    ctime_ns: int = 0  # changes on every write, rename or utime: `touch -r` and `cp -p` cannot fake it

    @property
    def stamp(self) -> tuple[int, int, int, int]:
        """What identifies this version of the file: size, mtime, inode and ctime (see `cache`)."""
        return (self.size, self.mtime_ns, self.inode, self.ctime_ns)


@dataclass(frozen=True, slots=True)
class ZipLimits:
    """Caps that keep a hostile archive from exhausting memory or time."""

    max_members: int = 100_000
    max_member_bytes: int = MAX_FILE_BYTES
    max_total_bytes: int = 2 * 1024**3
    max_ratio: float = 200.0


def is_ignored_name(name: str) -> bool:
    """Names skipped silently: hidden files, macOS resource forks, README/LICENSE, images and the like."""
    parts = name.replace("\\", "/").split("/")
    if any((part.startswith(".") and part not in (".", "..")) or part == "__MACOSX" for part in parts):
        return True
    leaf = parts[-1] or name
    stem, suffix = os.path.splitext(leaf.lower())
    return stem in _IGNORED_STEMS or suffix in _IGNORED_SUFFIXES


def find_sources(paths, *, zip_limits: ZipLimits = ZipLimits(),
                 follow_links: bool | None = None) -> tuple[list[Source], list[LoadIssue]]:
    """All article candidates under `paths`, in a stable order, and the inputs that could not be read.

    `follow_links`: also follow symbolic links that lead out of an input folder (None: `FOLLOW_LINKS`).
    """
    follow = FOLLOW_LINKS.get() if follow_links is None else follow_links
    sources: list[Source] = []
    issues: list[LoadIssue] = []
    for given in paths:
        raw = os.fspath(given)
        if os.path.isdir(raw):
            for shown, real in sorted(_walk(raw, follow, issues)):
                _add_file(shown, real, sources, issues, zip_limits)
        elif os.path.exists(raw):
            _add_file(raw, os.path.realpath(raw), sources, issues, zip_limits)
        else:
            issues.append(LoadIssue(str(raw), "no such file or folder", field="path"))
    return sources, issues


def sources_from_upload(name: str, data: bytes, *, zip_limits: ZipLimits = ZipLimits()) -> tuple[list[Source], list[LoadIssue]]:
    """Article candidates in one uploaded file (an article or a zip), read in memory; nothing touches the disk."""
    issues: list[LoadIssue] = []
    label = os.path.basename(name.replace("\\", "/")) or "upload"
    if label.lower().endswith(".zip"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                infos = zf.infolist()
                if problem := _archive_problem(infos, len(data), zip_limits):
                    issues.append(LoadIssue(label, problem))
                    return [], issues
                return _read_members(zf, infos, label, issues, zip_limits), issues
        except _ZIP_ERRORS as exc:
            issues.append(LoadIssue(label, f"not a readable zip archive: {exc or type(exc).__name__}"))
            return [], issues
    if is_ignored_name(label):
        return [], issues
    if len(data) > zip_limits.max_member_bytes:
        issues.append(LoadIssue(label, f"{len(data):,} bytes, over the {zip_limits.max_member_bytes:,}-byte limit; not read"))
        return [], issues
    return [Source(label, size=len(data), data=data)], issues


def _walk(root: str, follow: bool, issues: list):
    """(shown, absolute) path of each candidate file under `root`: iterative (no recursion limit),
    each directory once. Shown paths start with `root` as given; absolute ones with its real path."""
    real_root = os.path.realpath(root)
    inside = real_root.rstrip(os.sep) + os.sep
    try:
        first = os.stat(root)
    except OSError:
        return
    seen = {(first.st_dev, first.st_ino)}
    stack = [(root, real_root)]
    while stack:
        folder, real_folder = stack.pop()
        try:
            with os.scandir(folder) as entries:
                found = list(entries)
        except OSError as exc:
            issues.append(LoadIssue(folder, f"cannot read folder: {exc.strerror or exc}", field="path"))
            continue
        real_prefix = real_folder.rstrip(os.sep) + os.sep
        for entry in found:
            name = entry.name
            try:
                link = entry.is_symlink()
                is_dir = entry.is_dir()  # follows a link
            except OSError:
                link, is_dir = False, False
            if is_dir:
                if name.startswith(".") or name == "__MACOSX":
                    continue
            elif is_ignored_name(name):
                continue
            if link and not follow:
                target = os.path.realpath(entry.path)
                if target != real_root and not target.startswith(inside):
                    issues.append(LoadIssue(entry.path, f"symbolic link to {target}, outside {root}; not followed "
                                            "(--follow-links follows it)", field="path"))
                    continue
            if not is_dir:
                yield entry.path, real_prefix + name
                continue
            try:
                info = entry.stat()
            except OSError:
                continue
            if (info.st_dev, info.st_ino) not in seen:  # a link loop, or a folder reached twice
                seen.add((info.st_dev, info.st_ino))
                stack.append((entry.path, real_prefix + name))


def _add_file(path: str, real: str, sources: list, issues: list, limits: ZipLimits) -> None:
    """A named file or one found in a folder (already past `is_ignored_name`): `path` as shown, `real` absolute."""
    try:
        info = os.stat(real)
    except OSError as exc:
        issues.append(LoadIssue(path, f"cannot read: {exc.strerror or exc}"))
        return
    if not stat.S_ISREG(info.st_mode):
        issues.append(LoadIssue(path, "not a regular file (a pipe, socket or device); not read"))
    elif path.lower().endswith(".zip"):
        sources.extend(_zip_members(path, real, issues, limits))
    else:
        sources.append(Source(path, file=real, size=info.st_size, mtime_ns=info.st_mtime_ns, inode=info.st_ino,
                              ctime_ns=info.st_ctime_ns))


def _zip_members(label: str, archive: str, issues: list, limits: ZipLimits) -> list[Source]:
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            if problem := _archive_problem(infos, os.path.getsize(archive), limits):
                issues.append(LoadIssue(label, problem))
                return []
            return _read_members(zf, infos, label, issues, limits)
    except _ZIP_ERRORS as exc:
        issues.append(LoadIssue(label, f"not a readable zip archive: {exc or type(exc).__name__}"))
        return []


def _archive_problem(infos, archive_bytes: int, limits: ZipLimits) -> str | None:
    """Refuse an archive as a whole when its entry count or overall expansion is out of bounds."""
    if len(infos) > limits.max_members:
        return f"{len(infos):,} entries, over the limit of {limits.max_members:,}; archive not read"
    # Members too big on their own are reported one by one; the rest must not add up to a bomb.
    declared = sum(info.file_size for info in infos if not _too_big(info, limits))
    if declared > 16 * 1024 * 1024 and declared / max(archive_bytes, 1) > limits.max_ratio:
        return (f"unpacks to {declared:,} bytes from {archive_bytes:,} (ratio {declared / max(archive_bytes, 1):,.0f}:1, "
                f"over {limits.max_ratio:,.0f}:1): a zip bomb; archive not read")
    return None


def _member_problem(info: zipfile.ZipInfo, seen: set[str], limits: ZipLimits) -> str | None:
    name = info.filename
    posix = PurePosixPath(name)
    if not name:
        return "entry has an empty name"
    if "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":") or ".." in posix.parts:
        return "unsafe path (absolute, drive letter, backslash or '..'); not read"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "symbolic link entry; not read"
    if info.flag_bits & 0x1:
        return "encrypted entry; not read"
    if name in seen:
        return "duplicate entry name; only the first is read"
    if name.lower().endswith(".zip"):
        return "nested archive; not opened"
    if info.file_size > limits.max_member_bytes:
        return f"{info.file_size:,} bytes declared, over the {limits.max_member_bytes:,}-byte limit; not read"
    if _too_big(info, limits):
        return f"compression ratio {info.file_size / info.compress_size:,.0f}:1 is over {limits.max_ratio:,.0f}:1; not read"
    return None


def _too_big(info: zipfile.ZipInfo, limits: ZipLimits) -> bool:
    """Over the size cap, or expanding suspiciously (small members may compress well legitimately)."""
    ratio = info.file_size / info.compress_size if info.compress_size else 0
    return info.file_size > limits.max_member_bytes or (ratio > limits.max_ratio and info.file_size > 256 * 1024)


def _read_members(zf: zipfile.ZipFile, infos, label: str, issues: list, limits: ZipLimits) -> list[Source]:
    sources: list[Source] = []
    seen: set[str] = set()
    total = 0
    for info in infos:
        if info.filename.endswith("/") or (info.filename and is_ignored_name(info.filename)):
            continue
        where = f"{label}!{info.filename}"
        problem = _member_problem(info, seen, limits)
        seen.add(info.filename)
        if problem:
            issues.append(LoadIssue(where, problem))
            continue
        try:
            with zf.open(info) as member:
                data = member.read(limits.max_member_bytes + 1)
        except _ZIP_ERRORS as exc:
            issues.append(LoadIssue(where, f"cannot read entry: {exc or type(exc).__name__}"))
            continue
        if len(data) > limits.max_member_bytes:
            issues.append(LoadIssue(where, f"more than {limits.max_member_bytes:,} bytes (the header said {info.file_size:,}); not read"))
            continue
        total += len(data)
        if total > limits.max_total_bytes:
            issues.append(LoadIssue(label, f"over {limits.max_total_bytes:,} bytes unpacked; the rest of the archive is not read"))
            break
        sources.append(Source(where, size=len(data), data=data))
    return sources
