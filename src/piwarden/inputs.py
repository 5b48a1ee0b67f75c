"""One input layer for every command: open a file (or standard input), find its encoding, read it.

Exports from Chinese systems and Excel come in GB18030/GBK as often as UTF-8, often with a
byte-order mark, and Windows tools write UTF-16; every command reads them the same way:

- a byte-order mark decides (UTF-8, UTF-16, UTF-32) and is dropped;
- otherwise the first 64 KiB decide: UTF-8 if they decode as UTF-8, else GB18030 (a superset
  of GBK and GB2312) if they decode as that, else the file is not text;
- ``--encoding NAME`` forces any Python codec.

A byte that does not decode later in the file is an error naming the file, the line and the
column (never the bytes). Large plain-text files are read in chunks cut on line boundaries
(``text_chunks``), so one file is not one record of unbounded size.

Errors are :class:`InputError`: the message names the file and what is wrong with it, never
its content, so commands print it as it is.
"""

from __future__ import annotations

import codecs
import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

SNIFF_BYTES = 64 * 1024
CHUNK_CHARS = 1 << 20  # plain text is cut into records of about this many characters, on line ends
_BREAK_WINDOW = 4096  # a chunk without a line end is cut at the last space or punctuation this near its end
# where a line longer than a chunk is cut, best first: after a sentence, after a clause, at a space
# (a space can sit between a context word and its value, "order 12345": the last resort)
_BREAKS = ("。！？；!?;", "，、,)]}）】」", " \t\f\v")
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# control characters other than tab, line feed, form feed, carriage return and escape: a file
# with more than 1% of them (or any NUL) is binary, not text in an odd encoding
_CONTROL = bytes(b for b in range(32) if b not in (8, 9, 10, 11, 12, 13, 27))


class InputError(Exception):
    """An input that cannot be read as asked; the message names the file, never its content."""


def check_encoding(name: str) -> str:
    """A codec name given with ``--encoding``, normalised; ValueError if Python has no such codec."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise ValueError(f"unknown encoding {name!r} (e.g. utf-8, gb18030, utf-16)") from None


def label(path: str | Path) -> str:
    """How messages name an input: its path, or <stdin>."""
    return "<stdin>" if str(path) == "-" else str(path)


def check_path(path: str | Path) -> Path:
    """The input as a Path, or InputError saying why it cannot be read (missing, a folder, no access)."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file")
    if p.is_dir():
        raise InputError(f"{p}: is a folder, not a file")
    try:
        with p.open("rb"):
            pass
    except PermissionError:
        raise InputError(f"{p}: not readable (permission denied)") from None
    except OSError as exc:
        raise InputError(f"{p}: cannot be opened ({exc.strerror or type(exc).__name__})") from None
    return p


def open_binary(path: str | Path) -> BinaryIO:
    """The raw bytes of an input ('-' is standard input), with InputError for what cannot be opened."""
    if str(path) == "-":
        return sys.stdin.buffer
    return check_path(path).open("rb")


def sniff(head: bytes, name: str = "input") -> str:
    """The encoding of a file from its first bytes (see the module's rules); InputError if binary."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    if b"\x00" in head:
        raise InputError(f"{name}: binary file, not text (UTF-8, GB18030 or UTF-16 with a byte-order mark)")
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)  # a character cut at the end is fine
        except UnicodeDecodeError:
            continue
        if len(head.translate(None, delete=_CONTROL)) < len(head) * 0.99:
            break
        return encoding
    raise InputError(f"{name}: binary file, or text in an encoding other than UTF-8, GB18030 or UTF-16 "
                     "(give it with --encoding)")


def _head(stream: BinaryIO) -> bytes:
    peek = getattr(stream, "peek", None)
    if peek is not None:  # standard input, a pipe: look without consuming
        head: bytes = peek(SNIFF_BYTES)[:SNIFF_BYTES]
        return head
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    return head


def encoding_of(path: str | Path, forced: str | None = None) -> str:
    """The encoding ``path`` is read in: ``forced`` if given, else sniffed (InputError if not text)."""
    if forced:
        return forced
    with check_path(path).open("rb") as fh:
        return sniff(fh.read(SNIFF_BYTES), label(path))


def _splits_on_newline_bytes(encoding: str) -> bool:
    """Whether a line feed byte is always a line end in ``encoding`` (not UTF-16/32, where it is half a character)."""
    name = codecs.lookup(encoding).name
    return "\n".encode(name) == b"\n" and not name.startswith(("utf-16", "utf-32", "utf-7"))


def _bom_free(encoding: str) -> str:
    """The codec that drops a UTF-8 byte-order mark if there is one (plain utf-8 would keep it)."""
    return "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding


@dataclass(frozen=True)
class TextInput:
    """An opened text input: its name in messages, its encoding, its raw stream."""

    name: str
    encoding: str
    raw: BinaryIO

    def close(self) -> None:
        if self.raw is not sys.stdin.buffer:
            self.raw.close()

    def __enter__(self) -> TextInput:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def utf8(self) -> bool:
        return codecs.lookup(self.encoding).name == "utf-8"

    def lines(self) -> Iterator[tuple[int, bytes | str]]:
        """Numbered lines (from 1): UTF-8 as bytes (what orjson reads fastest), other encodings as str.

        A UTF-8 byte-order mark is dropped from the first line; a line that does not decode raises
        InputError naming the line and column.
        """
        if self.utf8:
            for number, line in enumerate(self.raw, 1):
                if number == 1 and line.startswith(codecs.BOM_UTF8):
                    line = line[3:]
                yield number, line
            return
        encoding = _bom_free(self.encoding)
        if _splits_on_newline_bytes(encoding):  # GB18030, GBK, ...: decode line by line, errors exact
            for number, line in enumerate(self.raw, 1):
                try:
                    yield number, line.decode(encoding)
                except UnicodeDecodeError as exc:
                    raise InputError(f"{self.name}: line {number}: not {self.encoding} text at byte {exc.start + 1} "
                                     "(give the file's encoding with --encoding)") from None
            return
        number = 0
        wrapper = io.TextIOWrapper(self.raw, encoding=encoding, errors="strict", newline=None)
        try:
            for number, text in enumerate(wrapper, 1):
                yield number, text
        except UnicodeDecodeError:  # UTF-16, UTF-32: decoded in blocks, so the line is where reading got
            raise InputError(f"{self.name}: near line {number + 1}: not {self.encoding} text") from None
        finally:
            wrapper.detach()

    def text(self) -> io.TextIOWrapper:
        """The whole input as a text stream (strict decoding; the caller closes it)."""
        return io.TextIOWrapper(self.raw, encoding=_bom_free(self.encoding), errors="strict", newline="")


def open_text(path: str | Path, encoding: str | None = None) -> TextInput:
    """Open an input ('-' is standard input) in its sniffed (or the forced) encoding."""
    raw = open_binary(path)
    try:
        found = encoding or sniff(_head(raw), label(path))
    except BaseException:
        if raw is not sys.stdin.buffer:
            raw.close()
        raise
    return TextInput(label(path), found, raw)


def utf8_body(data: bytes, charset: str | None = None, name: str = "body") -> bytes:
    """Bytes received whole (an HTTP request body) as UTF-8, read by the rules files are read by.

    ``charset`` (from a Content-Type header) decides when given; else a byte-order mark, else the
    first 64 KiB (UTF-8, else GB18030). UTF-8 comes back as it is (less a byte-order mark), so the
    common case costs a look at its head; other encodings are decoded and re-encoded. InputError
    (naming ``name`` and the byte, never content) when the bytes are binary or do not decode.
    """
    if charset:
        try:
            encoding = check_encoding(charset)
        except ValueError as exc:
            raise InputError(f"{name}: {exc}") from None
    else:
        encoding = sniff(data[:SNIFF_BYTES], name)
    if codecs.lookup(encoding).name == "utf-8":
        return data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode(_bom_free(encoding)).encode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not {encoding} text at byte {exc.start + 1} (name the encoding with a charset "
                         "in Content-Type)") from None


def decode_line(line: bytes | str, name: str, number: int) -> str:
    """A line from ``TextInput.lines`` as str; InputError naming line and column if it is not UTF-8."""
    if isinstance(line, str):
        return line
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: line {number}: not UTF-8 text at byte {exc.start + 1} "
                         "(give the file's encoding with --encoding)") from None


def read_text(path: str | Path, encoding: str | None = None) -> str:
    """A whole (small) input as text: policies, single JSON documents."""
    with open_text(path, encoding) as src, src.text() as text:
        try:
            return text.read()
        except UnicodeDecodeError as exc:
            raise InputError(f"{src.name}: not {src.encoding} text (byte {exc.start + 1} of a block that does "
                             "not decode; give the encoding with --encoding)") from None


def _break(text: str, start: int, end: int) -> int:
    """Where to cut ``text[start:end]`` near its end: after a sentence, a clause or at a space; else at ``end``."""
    low = max(start, end - _BREAK_WINDOW)
    for group in _BREAKS:
        at = max(text.rfind(c, low, end) for c in group)
        if at >= 0:
            return at + 1
    return end


def split_text(text: str, chars: int = CHUNK_CHARS) -> Iterator[tuple[int, str]]:
    """``text`` in pieces of about ``chars`` characters, with their offsets, cut as ``text_chunks`` cuts.

    >>> [(o, p) for o, p in split_text("第一句。第二句。第三句。", 5)]
    [(0, '第一句。'), (4, '第二句。'), (8, '第三句。')]
    """
    start = 0
    while len(text) - start > chars:
        end = start + chars
        cut = text.rfind("\n", start + chars // 2, end) + 1 or _break(text, start, end)
        yield start, text[start:cut]
        start = cut
    yield start, text[start:]


@dataclass(frozen=True, slots=True)
class Chunk:
    """A piece of a plain-text file: its text, where it starts (line, character offset), its size in bytes."""

    text: str
    line: int
    offset: int
    size: int


def text_chunks(path: str | Path, encoding: str | None = None, chars: int = CHUNK_CHARS) -> Iterator[Chunk]:
    """A plain-text file in pieces of about ``chars`` characters cut after a line end.

    A line longer than ``chars`` is cut at its last space or punctuation near the limit (else
    at the limit), so a 50 MB line costs what the same bytes in ordinary lines cost.
    """
    with open_text(path, encoding) as src, src.text() as text:
        line, offset, carry = 1, 0, ""
        while True:
            try:
                block = text.read(chars)
            except UnicodeDecodeError as exc:
                raise InputError(f"{src.name}: line {line + carry.count(chr(10))}: not {src.encoding} text "
                                 f"(byte {exc.start + 1} of a block that does not decode)") from None
            data = carry + block
            if not data:
                return
            if block and len(data) < chars:  # a short read (a pipe): read on
                carry = data
                continue
            cut = data.rfind("\n") + 1 if block else len(data)
            if not cut:  # one long line: cut after punctuation or at a space near the end, else at the limit
                cut = _break(data, 0, len(data))
            piece, carry = data[:cut], data[cut:]
            yield Chunk(piece, line, offset, len(piece.encode(src.encoding, errors="replace")))
            line += piece.count("\n")
            offset += len(piece)
