"""A Hyperscan prefilter: which patterns can match a text at all, in one SIMD pass.

Each pattern is compiled with its look-arounds removed (and back-references widened), so it
matches a superset of what the real pattern matches: a pattern Hyperscan does not report
cannot match, and the engine skips it. The patterns it does report still run in Python's
``re``, so results are exactly those of ``re``; Hyperscan only saves work. On texts dense with
identifiers (logs, JSON) it cuts the ``re`` scans per text from about 45 to about 13
(docs/benchmarks.md). Hyperscan ships wheels for x86-64 only; elsewhere, or if a pattern does
not compile, the engine runs without it (every pattern counts as reported).
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Sequence
from pathlib import Path

from piwarden.home import home_dir

try:  # optional: x86-64 wheels only
    import hyperscan
except ImportError:  # pragma: no cover - depends on the platform
    hyperscan = None

_LOOKAROUND_OPENERS = ("(?<!", "(?<=", "(?!", "(?=")
_DIGIT_RUN = "1234567890123456789"


def without_lookarounds(regex: str) -> str:
    """``regex`` with every look-around group removed and ``\\1`` widened to the class it refers to."""
    out: list[str] = []
    i = 0
    while i < len(regex):
        if regex.startswith(_LOOKAROUND_OPENERS, i):
            i = _group_end(regex, i) + 1
            continue
        out.append(regex[i])
        i += 1
    text = "".join(out).replace("(?P<v>", "(?:")
    # the MAC pattern's separator group and its back-reference: any separator will do here
    return re.sub(r"\((\[:-\])\)", r"\1", text).replace("\\1", "[:-]")


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
        # a pattern that matches any long run of digits reports at almost every digit of a log
        # line and says nothing a digit island does not: it runs always, and the reports of the
        # others stay few enough for the budget
        noisy = {i for i, r in enumerate(stripped) if re.search(r, _DIGIT_RUN)}
        if len(noisy) == len(stripped):  # nothing left for Hyperscan to rule out
            self._db, self.always = None, noisy
            return
        self._db, self.always = _database([r.encode() for r in stripped], noisy)
        self._scratch = hyperscan.Scratch(self._db)
        self._local = threading.local()

    @staticmethod
    def _flags() -> int:
        # one report per pattern: the question is only which patterns match, and each report is a
        # Python callback (22 per synthetic Chinese record without it, 38 µs of a 400 µs record)
        return hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_ALLOWEMPTY | hyperscan.HS_FLAG_SINGLEMATCH

    def may_match(self, text: str, budget: int = 64) -> set[int] | None:
        """Ids of the regexes that may match ``text``; None when that is not known cheaply.

        Hyperscan reports every end of every match through a Python callback, and a text dense
        with numbers makes thousands. After ``budget`` reports the scan stops and the answer is
        None (run every pattern), which bounds the cost of asking.
        """
        found = set(self.always)
        if self._db is None:
            return found
        reports = 0

        def on_match(pattern_id: int, start: int, end: int, flags: int, context: object) -> bool:
            nonlocal reports
            reports += 1
            found.add(pattern_id)
            return reports > budget  # True halts the scan

        scratch = self._thread_scratch()
        try:
            self._db.scan(text.encode("utf-8", "replace"), match_event_handler=on_match, scratch=scratch)
        except hyperscan.ScanTerminated:
            return None
        return None if reports > budget else found

    def _thread_scratch(self) -> object:
        """This thread's scratch space: scans must not share one, and cloning per scan cost 5 µs."""
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = self._scratch.clone()
        return scratch


_MEMO: dict[str, tuple[object, set[int]]] = {}


def _database(exprs: list[bytes], skip: set[int]) -> tuple[object, set[int]]:
    """The compiled database and the ids that did not compile; cached in memory and on disk.

    Compiling takes a second or two of CPU, once per pattern set: every process loads the
    serialized database from ``PIWARDEN_HOME/cache`` instead, and one process compiles once.
    """
    skipped = ",".join(map(str, sorted(skip))).encode()
    salt = f"{hyperscan.__version__}/{Prefilter._flags()}".encode()
    key = hashlib.sha256(b"\0".join(exprs) + b"\1" + skipped + salt).hexdigest()[:32]
    if key in _MEMO:
        return _MEMO[key]
    path = home_dir() / "cache" / f"prefilter-{key}.hsdb"
    result = _load(path) or _compile(exprs, skip)
    if not path.exists():
        _save(path, result)
    _MEMO[key] = result
    return result


def _compile(exprs: list[bytes], skip: set[int]) -> tuple[object, set[int]]:
    flags = Prefilter._flags()
    ids = [i for i in range(len(exprs)) if i not in skip]
    always: set[int] = set(skip)
    try:
        db = _compile_db([exprs[i] for i in ids], ids, flags)
    except hyperscan.error:  # find the patterns Hyperscan cannot take: those always run
        for i, expr in enumerate(exprs):
            if i in skip:
                continue
            try:
                _compile_db([expr], [i], flags)
            except hyperscan.error:
                always.add(i)
        db = _compile_db([e for i, e in enumerate(exprs) if i not in always], [i for i in ids if i not in always],
                         flags)
    return db, always


def _compile_db(exprs: list[bytes], ids: list[int], flags: int) -> object:
    db = hyperscan.Database()
    db.compile(expressions=exprs, ids=ids, elements=len(exprs), flags=[flags] * len(exprs))
    return db


def _load(path: Path) -> tuple[object, set[int]] | None:
    try:
        raw = path.read_bytes()
        head, _, blob = raw.partition(b"\n")
        always = {int(x) for x in head.decode("ascii").split(",") if x}
        return hyperscan.loadb(blob, hyperscan.HS_MODE_BLOCK), always
    except (OSError, ValueError, hyperscan.error):  # absent, stale or foreign: compile anew
        return None


def _save(path: Path, result: tuple[object, set[int]]) -> None:
    db, always = result
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
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
