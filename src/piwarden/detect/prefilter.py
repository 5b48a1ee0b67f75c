"""A Hyperscan prefilter: which patterns can match a text at all, in one SIMD pass.

Each pattern is compiled with its look-arounds removed or turned into consuming boundaries
(and back-references widened), so it matches a superset of what the real pattern matches: a
pattern Hyperscan does not report cannot match, and the engine skips it. The patterns it does
report still run in Python's ``re``, so results are exactly those of ``re``; Hyperscan only
saves work. On texts dense with identifiers (logs, JSON) it cuts the patterns run per text
from 53 to about 5 (synthetic Chinese records; docs/benchmarks.md). Hyperscan ships wheels for
x86-64 only; elsewhere, or if a pattern does not compile, the engine runs without it (every
pattern counts as reported).
"""

from __future__ import annotations

import ctypes
import hashlib
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piwarden.home import private_dir
from piwarden.settings import get_settings

if TYPE_CHECKING:
    from hyperscan import Database, Scratch

try:  # optional: x86-64 wheels only
    import hyperscan
except ImportError:  # pragma: no cover - depends on the platform
    hyperscan = None  # type: ignore[assignment]

_LOOKAROUND_OPENERS = ("(?<!", "(?<=", "(?!", "(?=")
_LOOKAHEADS = ("(?!", "(?=")
# a negative look-around of one character class, e.g. ``(?<![0-9A-Za-z])``
_ONE_CLASS = re.compile(r"\(\?<?!(\[(?!\^)(?:\\.|[^\]\\])+\])\)")


def without_lookarounds(regex: str) -> str:
    """``regex`` as a superset Hyperscan can take: look-arounds removed or made to consume.

    A leading ``(?<![class])`` becomes ``(?:^|[^class])`` and the first trailing ``(?![class])``
    becomes ``(?:[^class]|$)``: the same boundary, read as a character, so that a mobile
    pattern is not reported inside every long run of digits. Every other look-around is
    dropped and ``\\1`` is widened to the class it refers to.
    """
    head = tail = ""
    first = _ONE_CLASS.match(regex)
    if first is not None and regex.startswith("(?<!"):
        head = f"(?:^|[^{first[1][1:-1]}])"
        regex = regex[first.end():]
    for start, end in _trailing_lookaheads(regex):
        last = _ONE_CLASS.fullmatch(regex, start, end)
        if last is not None and regex.startswith("(?!", start):
            tail = f"(?:[^{last[1][1:-1]}]|$)"
            break
    out: list[str] = []
    i = 0
    while i < len(regex):
        if regex.startswith(_LOOKAROUND_OPENERS, i):
            i = _group_end(regex, i) + 1
            continue
        out.append(regex[i])
        i += 1
    text = head + "".join(out).replace("(?P<v>", "(?:") + tail
    # the MAC pattern's separator group and its back-reference: any separator will do here
    text = re.sub(r"\((\[:-\])\)", r"\1", text).replace("\\1", "[:-]")
    # wide bounded repeats ({0,63}, {7,31}) cost Hyperscan states; open-ended ones report a few
    # more texts but scan faster (16.9 -> 15.0 ms a pass over synthetic zh) and compile in half the time
    return _WIDE_REPEAT.sub(_open_ended, text)


_WIDE_REPEAT = re.compile(r"(?<!\\)\{([0-9]+),([0-9]+)\}")


def _open_ended(m: re.Match[str]) -> str:
    low, high = int(m[1]), int(m[2])
    return f"{{{low},}}" if high - low >= 8 else m[0]


def _trailing_lookaheads(regex: str) -> list[tuple[int, int]]:
    """Spans of the look-ahead groups that end ``regex`` at its top level, in order."""
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(regex):
        ch = regex[i]
        if ch == "(":
            end = _group_end(regex, i) + 1
            spans = [*spans, (i, end)] if regex.startswith(_LOOKAHEADS, i) else []
            i = end
            continue
        if ch == "[":
            i = _class_end(regex, i)
        elif ch == "\\":
            i += 1
        spans = []
        i += 1
    return spans


def _class_end(regex: str, start: int) -> int:
    """Index of the ``]`` closing the class opened at ``start``."""
    i = start + 1
    while regex[i] != "]":
        i += 2 if regex[i] == "\\" else 1
    return i


def _group_end(regex: str, start: int) -> int:
    """Index of the parenthesis closing the group opened at ``start`` (escapes and classes skipped)."""
    depth = 0
    i = start
    while i < len(regex):
        ch = regex[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            i += 1
            while regex[i] != "]":
                i += 2 if regex[i] == "\\" else 1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError("unbalanced parentheses in pattern")


class Prefilter:
    """Reports which of the given regexes may match a text."""

    def __init__(self, regexes: Sequence[str]) -> None:
        if hyperscan is None:
            raise RuntimeError("hyperscan is not installed")
        stripped = [without_lookarounds(r) for r in regexes]
        self._db, self.always = _database([r.encode() for r in stripped])
        self._scratch = hyperscan.Scratch(self._db)
        self._local = threading.local()

    @staticmethod
    def _flags() -> int:
        # one report per pattern: the question is only which patterns match, and each report is a
        # Python callback (22 per synthetic Chinese record without it, 38 µs of a 400 µs record)
        return hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_ALLOWEMPTY | hyperscan.HS_FLAG_SINGLEMATCH

    def may_match(self, text: str) -> set[int]:
        """Ids of the regexes that may match ``text``.

        With ``HS_FLAG_SINGLEMATCH`` each pattern reports at most once per scan, so a text
        dense with numbers costs at most one Python callback per pattern.
        """
        found = set(self.always)
        self._db.scan(text.encode("utf-8", "replace"), match_event_handler=_collect, context=found,
                      scratch=self._thread_scratch())
        return found

    def _thread_scratch(self) -> Scratch:
        """This thread's scratch space: scans must not share one, and cloning per scan cost 5 µs."""
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = self._scratch.clone()
        return scratch


def _collect(pattern_id: int, start: int, end: int, flags: int, found: Any) -> None:  # found: set[int]
    found.add(pattern_id)


_MEMO: dict[str, tuple[Database, set[int]]] = {}


def _database(exprs: list[bytes]) -> tuple[Database, set[int]]:
    """The compiled database and the ids that did not compile; cached in memory and on disk.

    Compiling takes a second or two of CPU, once per pattern set: every process loads the
    serialized database from the cache directory (``detect.cache_dir``, default ``HOME/cache``) instead, and one process compiles once.
    """
    salt = f"{getattr(hyperscan, '__version__', '')}/{Prefilter._flags()}".encode()
    key = hashlib.sha256(b"\0".join(exprs) + b"\1" + salt).hexdigest()[:32]
    if key in _MEMO:
        return _MEMO[key]
    path = get_settings().cache_dir / f"prefilter-{key}.hsdb"
    result = _load(path)
    if result is None:
        with _compiling(path):  # workers started together compile once; the others load its result
            result = _load(path)
            if result is None:
                result = _compile(exprs)
                _save(path, result)
                _release_freed_memory()
    _MEMO[key] = result
    return result


def _release_freed_memory() -> None:
    """Give the compiler's freed heap back to the system (glibc keeps it otherwise: ~30 MB RSS)."""
    with suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)


@contextmanager
def _compiling(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path``'s lock file (where the home is writable and fcntl exists).

    Compiling takes seconds and tens of MB: ``detect --jobs N`` in a fresh home had N processes
    doing it at once, which took its first run over the 300 MB the issue allows.
    """
    try:
        import fcntl

        private_dir(path.parent)
        lock = path.with_suffix(".lock").open("a")
    except (ImportError, OSError):  # no locking: at worst each process compiles, as before
        yield
        return
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


compiles = 0  # databases this process compiled (not loaded): tests check that workers share one


def _compile(exprs: list[bytes]) -> tuple[Database, set[int]]:
    global compiles
    compiles += 1
    flags = Prefilter._flags()
    ids = list(range(len(exprs)))
    always: set[int] = set()
    try:
        db = _compile_db([exprs[i] for i in ids], ids, flags)
    except hyperscan.error:  # find the patterns Hyperscan cannot take: those always run
        for i, expr in enumerate(exprs):
            try:
                _compile_db([expr], [i], flags)
            except hyperscan.error:
                always.add(i)
        db = _compile_db([e for i, e in enumerate(exprs) if i not in always], [i for i in ids if i not in always],
                         flags)
    return db, always


def _compile_db(exprs: list[bytes], ids: list[int], flags: int) -> Database:
    db = hyperscan.Database()
    db.compile(expressions=exprs, ids=ids, elements=len(exprs), flags=[flags] * len(exprs))
    return db


def _load(path: Path) -> tuple[Database, set[int]] | None:
    try:
        raw = path.read_bytes()
        head, _, blob = raw.partition(b"\n")
        always = {int(x) for x in head.decode("ascii").split(",") if x}
        return hyperscan.loadb(blob, hyperscan.HS_MODE_BLOCK), always
    except (OSError, ValueError, hyperscan.error):  # absent, stale or foreign: compile anew
        return None


def _save(path: Path, result: tuple[Database, set[int]]) -> None:
    db, always = result
    try:
        private_dir(path.parent)
        tmp = path.with_suffix(f".{id(db)}.tmp")
        tmp.write_bytes(",".join(map(str, sorted(always))).encode("ascii") + b"\n" + hyperscan.dumpb(db))
        tmp.replace(path)
    except OSError:  # a read-only home only costs the compile next time
        pass


def build(regexes: Sequence[str]) -> Prefilter | None:
    """A prefilter for ``regexes``, or None where Hyperscan is not available or nothing to test."""
    if hyperscan is None or not regexes:
        return None
    return Prefilter(regexes)
