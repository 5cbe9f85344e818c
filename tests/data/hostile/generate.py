"""The hostile cases that are large or binary, built in memory so no big or binary blob is committed.

`cases()` returns {file name: (bytes, expected)}; `expected` has the same keys as the
NAME.expected.json files beside the literal fixtures (see README.md). Zip cases add:

- `member`: the archive member the error is about (the issue's path is `ARCHIVE!member`);
  absent when the error is about the whole archive (or any of its members: see `where`);
- `good_members`: members of the same archive that must still load;
- `keys`: the story keys that load from the archive, exactly (nothing from refused or nested members).

Everything is deterministic (fixed timestamps, fixed random seed), so the load report in
README.md does not change from run to run. Run `python generate.py DIR` to write the files out.
"""

from __future__ import annotations

import io
import itertools
import random
import stat
import struct
import sys
import warnings
import zipfile
from pathlib import Path

MIB = 1024 * 1024
MAX_FILE_BYTES = 2 * MIB  # the documented per-file cap
_STAMP = (2021, 3, 2, 10, 30, 0)


def _url(name: str) -> str:
    return f"https://hostile.example/{name}"


def _article(name: str, *lines: str, body: str = "Body text is ignored.\n") -> str:
    head = [f'title: "{name}"', *lines, f'webUrl: "{_url(name)}"']
    return "---\n" + "\n".join(head) + "\n---\n" + body


def _error(field, contains, why, **more) -> dict:
    return {"outcome": "error", "field": field, "message_contains": contains, **more, "why": why}


def _warning(field, contains, why, **more) -> dict:
    return {"outcome": "warning", "field": field, "message_contains": contains, **more, "why": why}


def _loaded(why, **more) -> dict:
    return {"outcome": "loaded", **more, "why": why}


# ------------------------------------------------------------------------------------------ files


def _file_cases() -> dict[str, tuple[bytes, dict]]:
    out: dict[str, tuple[bytes, dict]] = {}

    name = "alias-long-string-15000"
    long = "A" * 4096
    text = (f'---\ntitle: "{name}"\nwebUrl: "{_url(name)}"\nexcerpt: &s "{long}"\n'
            "topics: [" + ", ".join(["*s"] * 15000) + "]\n---\n")
    out[name + ".md"] = (text.encode(), _error(
        None, ["alias", "anchor"], "one 4 KiB string aliased 15,000 times would be 60 MB of topics: refused on sight"))

    name = "deep-flow-10000"
    out[name + ".md"] = (_article(name, "related: " + "[" * 10000 + "]" * 10000).encode(), _error(
        None, ["nest", "deep", "depth"], "10,000 levels of flow nesting: refused without recursion or a hang"))

    name = "quality-5000-digits"
    out[name + ".md"] = (_article(name, "quality: " + "9" * 5000).encode(), _warning(
        "quality", ["range", "large", "digits", "long"],
        "a 5,000-digit integer is past Python's int-string limit: dropped with a warning, never a crash",
        story={"quality": None}))

    name = "text-long-title"
    title = ("Long title " * 1000)[:9999] + "!"  # 10,000 characters, none of them blank
    out[name + ".md"] = (f'---\ntitle: "{title}"\nwebUrl: "{_url(name)}"\n---\n'.encode(), _warning(
        "title", ["truncated"], "a 10,000-character title is truncated to 1,000 with a warning",
        story={"title_length": 1000}))

    name = "oversize-2mib"
    head = _article(name, body="")
    data = head.encode() + b"x" * (MAX_FILE_BYTES + 1 - len(head))
    out[name + ".md"] = (data, _error(
        None, ["limit", "bytes", "large"], "a file over 2 MiB is rejected before parsing (it is a valid article otherwise)"))

    name = "at-limit-2mib"
    head = _article(name, body="")
    data = head.encode() + b"x" * (MAX_FILE_BYTES - len(head))
    assert len(data) == MAX_FILE_BYTES
    out[name + ".md"] = (data, _loaded("a file of exactly 2 MiB is within the limit and loads", story={"title": name}))

    name = "related-1001"
    entries = "".join(f'  - title: "r{i}"\n    webUrl: "https://related.example/{i}"\n' for i in range(1001))
    out[name + ".md"] = (_article(name, "related:\n" + entries.rstrip("\n")).encode(), _warning(
        "related", ["1,000", "1000"], "more than 1,000 related entries: the first 1,000 are kept, with a warning",
        story={"related_count": 1000, "last_related_key": "https://related.example/999"}))

    # encodings and line endings
    name = "utf8-bom"
    out[name + ".md"] = (b"\xef\xbb\xbf" + _article(name).encode(), _loaded(
        "a UTF-8 byte-order mark is skipped", story={"title": name}))
    name = "crlf"
    out[name + ".md"] = (_article(name, "excerpt: line endings").replace("\n", "\r\n").encode(), _loaded(
        "Windows line endings load", story={"title": name, "excerpt": "line endings"}))
    name = "bare-cr"
    out[name + ".md"] = (_article(name, "excerpt: line endings").replace("\n", "\r").encode(), _loaded(
        "classic Mac OS line endings (bare CR) load", story={"title": name, "excerpt": "line endings"}))
    name = "utf8-bom-crlf"
    out[name + ".md"] = (b"\xef\xbb\xbf" + _article(name).replace("\n", "\r\n").encode(), _loaded(
        "BOM and CRLF together load", story={"title": name}))

    name = "latin1"
    data = _article(name, 'excerpt: "Caf\u00e9 cr\u00e8me"').encode("latin-1")
    out[name + ".md"] = (data, _error(
        None, ["byte offset"], "Latin-1 is not UTF-8: the error names the first bad byte's offset",
        message_numbers=[data.index(b"\xe9")]))
    name = "undecodable-bytes"
    data = _article(name, 'excerpt: "bad \xff\xfe bytes"').encode("latin-1")
    out[name + ".md"] = (data, _error(
        None, ["byte offset"], "bytes that are not UTF-8: the error names the offset", message_numbers=[data.index(b"\xff")]))
    name = "truncated-utf8-sequence"
    data = _article(name, "excerpt: cut").encode().replace(b"cut", b"cut \xe2\x82")
    out[name + ".md"] = (data, _error(
        None, ["byte offset"], "a multi-byte sequence cut short", message_numbers=[data.index(b"\xe2\x82")]))
    name = "utf16-le-bom"
    out[name + ".md"] = (_article(name).encode("utf-16"), _error(
        None, ["UTF-16"], "UTF-16 with a byte-order mark: the error names the encoding"))
    name = "utf16-be-bom"
    out[name + ".md"] = (b"\xfe\xff" + _article(name).encode("utf-16-be"), _error(
        None, ["UTF-16"], "big-endian UTF-16: the error names the encoding"))
    name = "utf16-le-no-bom"
    out[name + ".md"] = (_article(name).encode("utf-16-le"), _error(
        None, ["UTF-16", "NUL", "byte offset"],
        "UTF-16 without a byte-order mark is every other byte NUL: the error must say so (encoding, NUL or byte offset), "
        "not blame a missing '---' line that is visibly there"))
    name = "utf32-le-bom"
    out[name + ".md"] = (_article(name).encode("utf-32"), _error(
        None, ["UTF-32"], "UTF-32's byte-order mark starts like UTF-16's: the error must name UTF-32, not UTF-16"))
    name = "nul-byte"
    out[name + ".md"] = (_article(name, 'excerpt: "before\x00after"').encode(), _error(
        None, ["NUL"], "a NUL byte in the front matter", line=3))
    return out


# ------------------------------------------------------------------------------------------- zips


def _good(zip_name: str, member: str = "good.md") -> tuple[str, bytes]:
    stem = zip_name.rsplit(".", 1)[0]
    return member, _article(f"{stem}-{member.rsplit('.', 1)[0]}").encode()


def _zip(entries, *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    """entries: (ZipInfo | name, bytes | callable writing chunks); deterministic output."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names, which one case wants
        with zipfile.ZipFile(buffer, "w", compression=compression) as zf:
            for info, data in entries:
                if not isinstance(info, zipfile.ZipInfo):
                    info = zipfile.ZipInfo(info, _STAMP)
                    info.compress_type = compression
                    info.external_attr = 0o644 << 16
                if callable(data):
                    with zf.open(info, "w", force_zip64=False) as handle:
                        data(handle)
                else:
                    zf.writestr(info, data)
    return buffer.getvalue()


def _central_entries(data: bytes):
    """(offset of central header, offset of local header, name) for each member."""
    eocd = data.rindex(b"PK\x05\x06")
    count, size, start = struct.unpack_from("<HII", data, eocd + 10)
    at, found = start, []
    for _ in range(count):
        assert data[at:at + 4] == b"PK\x01\x02"
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, at + 28)
        (local,) = struct.unpack_from("<I", data, at + 42)
        found.append((at, local, data[at + 46:at + 46 + name_len].decode("utf-8")))
        at += 46 + name_len + extra_len + comment_len
    return found


def _patch(data: bytes, member: str, *, flag_or=0, method=None, file_size=None) -> bytes:
    """Rewrite header fields of `member` in both its central and its local header."""
    out = bytearray(data)
    for central, local, name in _central_entries(data):
        if name != member:
            continue
        if flag_or:
            struct.pack_into("<H", out, central + 8, struct.unpack_from("<H", out, central + 8)[0] | flag_or)
            struct.pack_into("<H", out, local + 6, struct.unpack_from("<H", out, local + 6)[0] | flag_or)
        if method is not None:
            struct.pack_into("<H", out, central + 10, method)
            struct.pack_into("<H", out, local + 8, method)
        if file_size is not None:
            struct.pack_into("<I", out, central + 24, file_size)
            struct.pack_into("<I", out, local + 22, file_size)
        return bytes(out)
    raise KeyError(member)


def _zeros(total: int):
    def write(handle):
        chunk = bytes(MIB)
        left = total
        while left > 0:
            handle.write(chunk[: min(left, MIB)])
            left -= MIB
    return write


def _zip_cases() -> dict[str, tuple[bytes, dict]]:
    out: dict[str, tuple[bytes, dict]] = {}
    evil = _article("evil").encode()

    def add(name, data, member, contains, why, good=("good.md",), **more):
        expected = _error(None, contains, why, **more)
        if member is not None:
            expected["member"] = member
        expected["good_members"] = list(good)
        stem = name.rsplit(".", 1)[0]  # the stories that load from the archive: its good members, nothing else
        expected["keys"] = sorted(_url(f"{stem}-{member.rsplit('.', 1)[0]}") for member in good)
        out[name] = (data, expected)

    for name, member, why in [
        ("zip-path-traversal.zip", "../x.md", "'..' would escape any extraction folder"),
        ("zip-absolute-path.zip", "/x.md", "an absolute member path"),
        ("zip-drive-letter.zip", "C:x.md", "a Windows drive-relative path"),
        ("zip-backslash.zip", "..\\x.md", "backslashes are path separators on Windows: '..\\' escapes too"),
    ]:
        add(name, _zip([_good(name), (member, evil)]), member, ["unsafe", "path"], why)

    name = "zip-symlink.zip"
    link = zipfile.ZipInfo("link.md", _STAMP)
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    add(name, _zip([_good(name), (link, b"/etc/passwd")]), "link.md", ["link"],
        "a symbolic-link entry is never followed or read")

    name = "zip-encrypted.zip"
    data = _zip([_good(name), ("secret.md", evil)], compression=zipfile.ZIP_STORED)
    add(name, _patch(data, "secret.md", flag_or=0x1), "secret.md", ["encrypt"], "the encrypted flag bit is set: not read")

    name = "zip-duplicate-names.zip"
    add(name, _zip([_good(name), _good(name, "dup.md"), ("dup.md", evil)]), "dup.md", ["duplicate"],
        "two entries with one name: the second is reported, the first is read", good=("good.md", "dup.md"))

    name = "zip-nested.zip"
    inner = _zip([_good("inner.zip")])
    add(name, _zip([_good(name), ("inner.zip", inner)]), "inner.zip", ["nested", "archive"],
        "a zip inside a zip is not opened")

    name = "zip-declared-size-lie.zip"
    data = _zip([_good(name), ("liar.md", _zeros(64 * MIB))])
    add(name, _patch(data, "liar.md", file_size=100), "liar.md", ["size", "bytes", "crc", "limit"],
        "the header says 100 bytes, the stream inflates to 64 MiB: reading stops at a cap, never trusts the header")

    name = "zip-declared-size-too-big.zip"
    data = _zip([_good(name), ("huge.md", evil)])
    add(name, _patch(data, "huge.md", file_size=0xFFFF0000), "huge.md", ["bytes", "limit", "size", "crc"],
        "a header claiming 4 GB is refused before reading")

    name = "zip-ratio-bomb.zip"
    add(name, _zip([_good(name), ("bomb.md", _zeros(64 * MIB))]), "bomb.md", ["ratio", "bytes", "limit"],
        "64 MiB of zeros in about 64 KB: refused without inflating it")

    name = "zip-ratio-bomb-under-cap.zip"
    padded = _article("zip-ratio-bomb-under-cap-bomb", body="").encode()
    padded += b" " * (MAX_FILE_BYTES - 4096 - len(padded))
    add(name, _zip([_good(name), ("bomb.md", padded)]), "bomb.md", ["ratio"],
        "just under the size cap but compressed over 200:1: refused by the ratio limit")

    name = "zip-ratio-bomb-many-members.zip"
    def padded_member(i):  # built one at a time: the generator never holds 200 MiB
        body = _article(f"zip-ratio-bomb-many-members-{i:03}", body="").encode()
        return f"bomb-{i:03}.md", body + b" " * (MIB - 1 - len(body))

    add(name, _zip(itertools.chain([_good(name)], (padded_member(i) for i in range(200)))), None, ["ratio", "bomb", "unpacked", "limit"],
        "200 members of just under 1 MiB each, ~1000:1 each: 200 MiB from a ~250 KB archive. Each member dodges the "
        "per-member ratio check (which starts at 1 MiB); the archive as a whole must still be refused as a bomb",
        where="archive or member")

    name = "zip-corrupt.zip"
    rng = random.Random(20240229)
    add(name, b"PK\x03\x04" + bytes(rng.randrange(256) for _ in range(4096)), None, ["zip"],
        "random bytes behind a zip signature: one error for the archive", good=())

    name = "zip-truncated.zip"
    whole = _zip([_good(name), _good(name, "also-good.md")])
    add(name, whole[: len(whole) * 2 // 3], None, ["zip"], "an archive cut short has no central directory", good=())

    name = "zip-corrupt-member-data.zip"
    words = random.Random(11)
    excerpt = "excerpt: " + " ".join(f"w{words.randrange(10**6)}" for _ in range(300))
    data = bytearray(_zip([_good(name), ("broken.md", _article("zip-corrupt-member-data-broken", excerpt).encode())]))
    for _central, local, member in _central_entries(bytes(data)):
        if member == "broken.md":
            name_len, extra_len = struct.unpack_from("<HH", data, local + 26)
            start = local + 30 + name_len + extra_len
            data[start:start + 64] = bytes(random.Random(7).randrange(256) for _ in range(64))
    add(name, bytes(data), "broken.md", ["cannot read", "corrupt", "crc", "decompress", "invalid"],
        "garbage in one member's compressed data: that member is an error, the others load")

    name = "zip-unsupported-method.zip"
    data = _zip([_good(name), ("ppmd.md", evil)], compression=zipfile.ZIP_STORED)
    add(name, _patch(data, "ppmd.md", method=98), "ppmd.md", ["compression", "method", "not supported"],
        "PPMd (method 98) raises NotImplementedError inside zipfile: one error for that member")

    name = "zip-empty-name.zip"
    empty = zipfile.ZipInfo("", _STAMP)
    empty.compress_type = zipfile.ZIP_DEFLATED
    add(name, _zip([_good(name), (empty, evil)]), "", ["empty"],
        "an entry with an empty name (zipfile's is_dir() raises IndexError on it): one error for that entry, "
        "the good member still loads")
    return out


def cases() -> dict[str, tuple[bytes, dict]]:
    """Every generated case: {file name: (bytes, expected outcome)}."""
    return {**_file_cases(), **_zip_cases()}


def write(folder: str | Path) -> list[Path]:
    """Write every generated case (and its NAME.expected.json) into `folder`."""
    import json

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (data, expected) in cases().items():
        (folder / name).write_bytes(data)
        (folder / (name.rsplit(".", 1)[0] + ".expected.json")).write_text(json.dumps(expected, indent=2) + "\n")
        written.append(folder / name)
    return written


if __name__ == "__main__":
    for path in write(sys.argv[1] if len(sys.argv) > 1 else "hostile-generated"):
        print(path, path.stat().st_size)
