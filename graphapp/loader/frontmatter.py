"""Bytes of one file → the mapping in its YAML front matter, or a precise reason why not.

Two parsers, one meaning. The fast path (yaml-rs, Rust) reads ordinary files, parsing each
distinct related-entry text once; a conservative screen sends anything unusual (anchors, aliases,
tags, flow collections, merge keys, leading-zero numbers, deep or compact nesting), and anything
yaml-rs fails on (parse errors, duplicate keys, several documents), to the strict path: PyYAML's
C event parser with our own composer, which refuses aliases, anchors, tags, merge keys and
duplicate keys with line numbers, bounds nesting depth, and resolves scalars by YAML 1.2 core
rules (so `no` stays text and `0131` is not octal). Both give the same data as PyYAML's safe
loader on ordinary files; a test checks that on every file of the real corpora.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

import yaml
import yaml_rs

from ..records import kind_of

__all__ = ["MAX_FILE_BYTES", "MAX_DEPTH", "FrontMatterError", "read_front_matter", "OddKey", "key_text"]

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 20

_NO_ALIASES = yaml_rs.AliasLimits(max_total_replayed_events=0)
_DUPLICATES_FAIL = yaml_rs.DuplicateKeyPolicy.Error

# The screen: a file goes to the strict path when an indicator that only anchors, aliases, tags,
# flow collections, merge or complex keys and directives use stands at the start of a token, when
# a plain number has a leading zero (0131, 0x1F), when a second document may start, or when a line
# is indented past MAX_DEPTH spaces.
# False positives only cost speed; every refused feature needs one of these indicators.
_INDICATORS = "&!*[{%<?"
_TOKEN_START = " \t\n[{,"
# yaml-rs reads 0131, 0x1F and 0o17 as numbers; the strict path keeps them as text
_ODD_NUMBER = re.compile(r"0[0-9xXoObB_][0-9a-fA-F_.]*[ \t]*(?:\n|$)")
_DEEP_INDENT = "\n" + " " * (MAX_DEPTH + 1)  # real files indent at most 8 spaces
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|(?:0|[1-9][0-9]*)(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::?[0-9]{2})?))?)?"
)
_WIDE_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"), (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


@dataclass(slots=True)
class FrontMatterError(Exception):
    """Why a file's front matter cannot be used; `line` is 1-based in the file."""

    message: str
    line: int | None = None
    field: str | None = None


def read_front_matter(data: bytes, *, strict: bool = False) -> tuple[dict, list[str]]:
    """Decode, split and parse the YAML front matter of one article file.

    Returns the mapping and notes on what was repaired. Raises FrontMatterError with a line number
    where one is known. `strict=True` skips the fast parser (used after a parsing process died).
    """
    if len(data) > MAX_FILE_BYTES:
        raise FrontMatterError(f"file is {len(data):,} bytes, over the {MAX_FILE_BYTES:,}-byte limit; not parsed")
    for bom, encoding in _WIDE_BOMS:
        if data.startswith(bom):
            raise FrontMatterError(f"file is {encoding} encoded (byte offset 0: byte-order mark); only UTF-8 is read")
    if (nul := data.find(b"\x00", 0, 4096)) != -1:
        raise FrontMatterError(f"NUL byte at byte offset {nul}: not UTF-8 text (UTF-16 or UTF-32 without a byte-order "
                               "mark?); only UTF-8 is read", data.count(b"\n", 0, nul) + 1)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FrontMatterError(
            f"not valid UTF-8: byte 0x{data[exc.start]:02x} at byte offset {exc.start}; only UTF-8 is read", line
        ) from None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    block = _front_matter_block(text)
    if "\x00" in block:
        raise FrontMatterError("front matter contains a NUL byte", block[: block.index("\x00")].count("\n") + 2)
    notes: list[str] = []
    value = _parse(block, notes, strict=strict)
    if value is None:
        raise FrontMatterError("front matter is empty", 1)
    if not isinstance(value, dict):
        raise FrontMatterError(f"front matter is {kind_of(value)}, not a mapping of fields", 2)
    return value, notes


def _front_matter_block(text: str) -> str:
    first_line = text.split("\n", 1)[0]
    if first_line.rstrip(" \t") != "---":
        raise FrontMatterError("no front matter: the file does not start with a '---' line", 1)
    start = len(first_line) + 1
    at = start - 1
    while (at := text.find("\n---", at)) != -1:
        end = text.find("\n", at + 4)
        if not text[at + 4 : len(text) if end < 0 else end].strip(" \t"):
            return text[start : at + 1]
        at += 4
    raise FrontMatterError("front matter is never closed: no second '---' line", 1)


def _parse(block: str, notes: list[str], *, strict: bool = False):
    if not strict and not _is_unusual(block):
        try:
            value = _fast_parse(block)
        except Exception:  # noqa: BLE001 - any failure is re-diagnosed by the strict path below
            value = None
        if isinstance(value, dict):
            return value  # anything else (a list from several documents, a scalar…) is explained by the strict path
    try:
        return _strict_parse(block)
    except FrontMatterError as exc:
        if "Unicode character escape" not in exc.message or not _SURROGATE_ESCAPE.search(block):
            raise
    # libyaml refuses escaped lone surrogates; U+FFFE takes their place so that the field reader
    # strips it with a warning naming the field.
    return _strict_parse(_SURROGATE_ESCAPE.sub(r"\\uFFFE", block))


_ENTRIES: dict[str, list] = {}  # text of one related entry → its parsed value (a one-item list)
_ENTRY_CACHE_LIMIT = 200_000


def _load_yaml(text: str):
    return yaml_rs.loads(text, alias_limits=_NO_ALIASES, duplicate_key_policy=_DUPLICATES_FAIL)


def _fast_parse(block: str):
    """yaml-rs on an ordinary block, parsing each distinct `related:` entry text only once.

    The same related story is listed, with the same text, by dozens of files; most of a corpus's
    bytes are such repeats. The block sequence under a top-level `related:` key is cut at its item
    markers (`\n  - `) and each item's text is parsed once per process; the rest as usual. The cut
    is checked: a line at column 0 may only appear after the last item (the next top-level key),
    otherwise the whole block is parsed in one go.
    """
    start = 0 if block.startswith("related:\n") else block.find("\nrelated:\n") + 1
    if start == 0 and not block.startswith("related:\n"):
        return _load_yaml(block)
    body = start + len("related:\n")
    indent = len(block) - body - len(block[body:].lstrip(" "))
    marker = " " * indent + "- "
    if not block.startswith(marker, body):
        return _load_yaml(block)
    top_level = _TOP_LEVEL_AFTER_ITEMS if indent else _TOP_LEVEL_AFTER_FLUSH_ITEMS
    pieces = block[body + len(marker):].split("\n" + marker)
    if any(top_level.search(piece) for piece in pieces[:-1]):
        return _load_yaml(block)
    last = pieces[-1]
    found = top_level.search(last)
    tail = ""
    if found:
        pieces[-1], tail = last[: found.start()], last[found.start() + 1 :]
    else:
        pieces[-1] = last.rstrip("\n")
    rest = _load_yaml(block[:start] + tail)
    if not isinstance(rest, dict) or "related" in rest:
        return _load_yaml(block)  # let the whole-block parse (or the strict path) explain it
    items = []
    for piece in pieces:
        text = marker + piece
        parsed = _ENTRIES.get(text)
        if parsed is None:
            parsed = _load_yaml(text)
            if len(_ENTRIES) >= _ENTRY_CACHE_LIMIT:
                _ENTRIES.clear()
            _ENTRIES[text] = parsed
        items.extend(parsed)
    rest["related"] = items
    return rest


# A line that ends the `related:` sequence: any line at column 0 (items are indented), or, for
# items written flush at column 0, one that is not an item.
_TOP_LEVEL_AFTER_ITEMS = re.compile(r"\n[^ \n]")
_TOP_LEVEL_AFTER_FLUSH_ITEMS = re.compile(r"\n(?:[^ \n-]|-[^ \n])")


def _is_unusual(block: str) -> bool:
    # "- -" is a sequence nested on one line: yaml-rs crashes (stack overflow) on deep runs of them
    if (block and block[0] in _INDICATORS) or "\t" in block or _DEEP_INDENT in block or "- -" in block or "-  -" in block:
        return True
    at = block.find(": 0")
    while at != -1:
        if _ODD_NUMBER.match(block, at + 2):
            return True
        at = block.find(": 0", at + 3)
    for char in _INDICATORS:
        at = block.find(char)
        while at != -1:
            if (block[at - 1] in _TOKEN_START and not (char in "&*" and block[at + 1 : at + 2] in (" ", "\n", ""))
                    and _at_token_start(block[block.rfind("\n", 0, at) + 1 : at])):
                return True
            at = block.find(char, at + 1)
    return False


def _at_token_start(prefix: str) -> bool:
    """Whether a character after `prefix` (the start of its line) may begin a YAML token: after
    indentation, sequence dashes or `? ` only, or after a `key:` — wherever the key came from. (Inside a
    flow collection tokens also follow `[`, `{` or `,`, but the collection's own opening bracket is
    already at such a place.)"""
    return not prefix.strip(" \t-?") or prefix.rstrip(" \t").endswith(":")


def _strict_parse(block: str):
    """Compose the document from libyaml events, refusing what real articles never use."""
    events = yaml.parse(block, Loader=yaml.CSafeLoader)
    stack: list = []  # containers under construction: [container, pending_key, key_lines]
    root = None
    documents = 0
    try:
        for event in events:
            kind = type(event)
            if kind is yaml.DocumentStartEvent and documents:
                raise FrontMatterError("more than one YAML document in the front matter", event.start_mark.line + 2)
            if kind in (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentStartEvent, yaml.DocumentEndEvent):
                documents += kind is yaml.DocumentStartEvent
                continue
            line = event.start_mark.line + 2  # +1 for 1-based, +1 for the opening '---'
            if kind is yaml.AliasEvent:
                raise FrontMatterError(f"YAML alias *{event.anchor} is not allowed in article files", line)
            if getattr(event, "anchor", None) is not None:
                raise FrontMatterError(f"YAML anchor &{event.anchor} is not allowed in article files", line)
            if kind in (yaml.MappingEndEvent, yaml.SequenceEndEvent):
                value = stack.pop()[0]
            else:
                if getattr(event, "tag", None) is not None and not (kind is yaml.ScalarEvent and event.tag == "!"):
                    raise FrontMatterError(f"YAML tag {event.tag} is not allowed in article files", line)
                if kind is yaml.ScalarEvent:
                    plain = event.style in (None, "") and event.implicit[0]
                    if plain and event.value == "<<" and stack and isinstance(stack[-1][0], dict) and stack[-1][1] is _NO_KEY:
                        raise FrontMatterError("YAML merge key << is not allowed in article files", line)
                    value = _resolve(event.value, plain=plain)
                else:
                    if len(stack) >= MAX_DEPTH:
                        raise FrontMatterError(f"nesting deeper than {MAX_DEPTH} levels", line)
                    stack.append([{} if kind is yaml.MappingStartEvent else [], _NO_KEY, {}])
                    continue
            if not stack:
                root = value
                continue
            _add(stack[-1], value, line)
        return root
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise FrontMatterError(f"YAML syntax error: {problem}", mark.line + 2 if mark else None) from None


_NO_KEY = object()


class OddKey(tuple):
    """A key that is not text and equals an earlier key of another type (`true:` after `1:`)."""

    def __new__(cls, value):
        return super().__new__(cls, (value,))


def key_text(key) -> str:
    """A mapping key as YAML wrote it, for messages: `null`, `true`, `1`, `2020-01-01`, `'text'`."""
    if isinstance(key, OddKey):
        key = key[0]
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, (date, datetime)):
        return key.isoformat()
    return repr(key)


def _add(frame: list, value, line: int) -> None:
    container, key, key_lines = frame
    if isinstance(container, list):
        container.append(value)
    elif key is _NO_KEY:
        try:
            hash(value)
        except TypeError:
            raise FrontMatterError("a mapping key must be a scalar", line) from None
        # YAML keys 1, 1.0 and true are distinct, though equal in Python: duplicates are found by type and value
        seen_as = (type(value), value)
        if seen_as in key_lines:
            raise FrontMatterError(f"duplicate key {key_text(value)} on lines {key_lines[seen_as]} and {line}", line, str(value))
        key_lines[seen_as] = line
        if value in container:  # an equal key of another type (true after 1): kept apart, and ignored like it
            value = OddKey(value)
        frame[1] = value
    else:
        container[key] = value
        frame[1] = _NO_KEY


def _resolve(text: str, *, plain: bool):
    """YAML 1.2 core schema, as yaml-rs reads ordinary files; timestamps as datetimes."""
    if not plain:
        return text
    if text in ("", "~", "null", "Null", "NULL"):
        return None
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    if _INT.fullmatch(text):
        try:
            return int(text)
        except ValueError:  # more digits than Python converts
            return text
    if _FLOAT.fullmatch(text):
        return float(text)
    if text.lower() in (".nan", ".inf", "+.inf", "-.inf"):
        return float(text.lower().replace(".", ""))
    if _TIMESTAMP.fullmatch(text):
        return _timestamp(text)
    return text


def _timestamp(text: str):
    try:
        if len(text) <= 10:
            return date.fromisoformat("-".join(p.zfill(2) for p in text.split("-")))
        value = datetime.fromisoformat(re.sub(r"[ \t]+", " ", text).replace("t", "T").replace("Z", "+00:00"))
    except ValueError:
        return text  # an impossible date stays text; the field reader reports it
    return value if value.tzinfo else value.replace(tzinfo=UTC)
