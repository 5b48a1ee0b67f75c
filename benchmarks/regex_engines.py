"""re, regex, google-re2 and Hyperscan as multi-pattern engines for the built-in recognizers.

    python benchmarks/regex_engines.py [--data-dir ../shared/data] [--limit N] [--repeat 3]
                                       [--out benchmarks/out]

Issue 2 asks to "measure re, regex, google-re2 and hyperscan as multi-pattern engines and keep
the fastest that is correct". The patterns are those of the built-in recognizers
(``load_recognizers()``), the texts those of ``zh_bdci2020_privacy.jsonl`` and
``en_presidio_synth_v2.jsonl``. The reference is stdlib ``re``: every pattern ``finditer`` over
every whole text; its candidates (pattern, start, end of the value) are what each engine must
reproduce, after whatever Python post-check it needs.

- ``re``: per pattern, whole texts (the reference; this is ``NaiveEngine``'s work), each
  pattern as the recognizers compile it (``first_char_first``: a leading look-behind moved
  after the first character, so that ``re`` can skip to where that character occurs).
- ``regex``: per pattern; and one alternation of all patterns with ``overlapped=True``, each
  match then re-matched by its own pattern at the same position (the post-check).
- ``re2`` (google-re2): which patterns compile as they are (RE2 has no look-arounds and no
  back-references); the others lose their look-arounds (``prefilter.without_lookarounds``),
  which makes them match a superset, so they can only say *whether* a text may match and
  ``re`` must then find the real matches (the post-check). Timed per pattern (native ones
  give the candidates themselves) and as one ``re2.Set`` that says which patterns may match
  a text, followed by ``re`` for those.
- Hyperscan: one database of all patterns, look-arounds stripped the same way, compiled with
  ``HS_FLAG_SOM_LEFTMOST | HS_FLAG_UTF8`` (patterns whose start of match Hyperscan cannot track
  go in without ``SOM_LEFTMOST``), scanned over UTF-8 bytes: raw (counting matches in the
  callback) and as a filter followed by ``re`` for the patterns it reported.
- piwarden's ``Engine`` (islands, gates and the Hyperscan prefilter), the same with an
  ``re2.Set`` answering the prefilter's question instead, the same without a prefilter, and
  ``NaiveEngine``. Their candidates are a subset of the reference (closed gates
  drop candidates that could not score), so their check is that ``Analyzer`` spans equal those
  of an analyzer on ``NaiveEngine``.

Times are the best of ``--repeat`` runs, on one thread; KB/s is UTF-8 kilobytes (1000 bytes)
of text per second. Prints a table and writes ``<out>/regex_engines.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
try:
    import piwarden  # noqa: F401
except ImportError:  # running from a checkout without an install
    sys.path.insert(0, str(REPO / "src"))

import hyperscan  # noqa: E402
import re2  # noqa: E402
import regex  # noqa: E402

from piwarden.detect.analyzer import Analyzer  # noqa: E402
from piwarden.detect.engine import Engine, NaiveEngine  # noqa: E402
from piwarden.detect.prefilter import without_lookarounds  # noqa: E402
from piwarden.detect.registry import load_recognizers  # noqa: E402

DATA_SETS = ("zh_bdci2020_privacy", "en_presidio_synth_v2")
# (text index, recognizer, pattern name, start, end of the value)
Key = tuple[int, str, str, int, int]
_LOOKAROUND = re.compile(r"\(\?<?[=!]")


@dataclass
class Pat:
    """One recognizer pattern in the forms the engines need."""

    rec: str
    name: str
    source: str
    rx: re.Pattern[str]
    group: int | str  # 0, or "v" where the pattern names the value
    has_lookaround: bool
    has_backref: bool
    stripped: str = ""  # look-arounds removed (a superset), for RE2 and Hyperscan


@dataclass
class Result:
    engine: str
    seconds: float
    candidates: int
    equal: bool | None
    missing: int = 0
    extra: int = 0
    note: str = ""
    kb_per_s: float = 0.0
    extra_fields: dict[str, object] = field(default_factory=dict)


def patterns() -> list[Pat]:
    out = []
    for rec in load_recognizers():
        for p, rx in rec.compiled():
            out.append(Pat(rec.name, p.name, p.regex, rx, "v" if "v" in rx.groupindex else 0,
                           bool(_LOOKAROUND.search(p.regex)), bool(re.search(r"\\[1-9]", p.regex)),
                           without_lookarounds(p.regex)))
    return out


def load_texts(path: Path, limit: int | None) -> list[str]:
    texts = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                texts.append(json.loads(line)["text"])
                if limit and len(texts) >= limit:
                    break
    return texts


def best_of(repeat: int, fn: Callable[[], set[Key] | int]) -> tuple[float, set[Key] | int]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    assert result is not None
    return best, result


def compare(name: str, seconds: float, got: set[Key], ref: set[Key], note: str = "") -> Result:
    return Result(name, seconds, len(got), got == ref, len(ref - got), len(got - ref), note)


# --- (a) stdlib re ---------------------------------------------------------------------------

def run_re(pats: Sequence[Pat], texts: Sequence[str]) -> set[Key]:
    found: set[Key] = set()
    for ti, text in enumerate(texts):
        for p in pats:
            for m in p.rx.finditer(text):
                found.add((ti, p.rec, p.name, m.start(p.group), m.end(p.group)))
    return found


# --- (b) regex module --------------------------------------------------------------------------

def run_regex_per_pattern(compiled: Sequence[tuple[Pat, regex.Pattern]], texts: Sequence[str]) -> set[Key]:
    found: set[Key] = set()
    for ti, text in enumerate(texts):
        for p, rx in compiled:
            for m in rx.finditer(text):
                found.add((ti, p.rec, p.name, m.start(p.group), m.end(p.group)))
    return found


def alternation(pats: Sequence[Pat]) -> str:
    """All patterns as one alternation, pattern i in group ``p{i}``; value groups unnamed."""
    parts = []
    for i, p in enumerate(pats):
        src = p.source.replace("(?P<v>", "(?:")
        if p.has_backref:  # the MAC pattern's ([:-]) ... \1: a named group keeps the meaning
            src = re.sub(r"\((?!\?)", f"(?P<b{i}>", src, count=1).replace("\\1", f"(?P=b{i})")
        parts.append(f"(?P<p{i}>{src})")
    return "|".join(parts)


def run_regex_overlapped(combined: regex.Pattern, pats: Sequence[Pat], texts: Sequence[str]) -> set[Key]:
    found: set[Key] = set()
    for ti, text in enumerate(texts):
        for m in combined.finditer(text, overlapped=True):
            p = pats[int(m.lastgroup[1:])]
            real = p.rx.match(text, m.start())  # post-check: the value's offsets, and the real pattern
            if real:
                found.add((ti, p.rec, p.name, real.start(p.group), real.end(p.group)))
    return found


# --- (c) RE2 --------------------------------------------------------------------------------------

def _re2_options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False  # a pattern RE2 cannot parse is a finding here, not a log line
    options.max_mem = 256 << 20
    return options


def re2_compile(source: str) -> re2._Regexp | None:
    try:
        return re2.compile(source, _re2_options())
    except re2.error:
        return None


def _char_offset(data: bytes, byte_offset: int) -> int:
    return len(data[:byte_offset].decode("utf-8"))


def run_re2_per_pattern(native: Sequence[tuple[Pat, object]], gated: Sequence[tuple[Pat, object]],
                        texts: Sequence[str], encoded: Sequence[bytes]) -> set[Key]:
    found: set[Key] = set()
    for ti, (text, data) in enumerate(zip(texts, encoded, strict=True)):
        for p, rx in native:  # bytes in, byte offsets out: converted only where there are matches
            for m in rx.finditer(data):
                found.add((ti, p.rec, p.name, _char_offset(data, m.start(p.group)), _char_offset(data, m.end(p.group))))
        for p, rx in gated:
            if rx.search(data):  # the stripped pattern matched: re finds the real matches, if any
                for m in p.rx.finditer(text):
                    found.add((ti, p.rec, p.name, m.start(p.group), m.end(p.group)))
    return found


def build_re2_set(pats: Sequence[Pat]) -> re2.Set:
    s = re2.Set.SearchSet(_re2_options())
    for p in pats:
        s.Add(p.source.replace("(?P<v>", "(?:") if not (p.has_lookaround or p.has_backref) else p.stripped)
    s.Compile()
    return s


def run_filtered(match: Callable[[str, bytes], Iterable[int]], pats: Sequence[Pat], texts: Sequence[str],
                 encoded: Sequence[bytes]) -> set[Key]:
    """A multi-pattern filter says which patterns may match; ``re`` finds the real matches."""
    found: set[Key] = set()
    for ti, (text, data) in enumerate(zip(texts, encoded, strict=True)):
        for i in match(text, data):
            p = pats[i]
            for m in p.rx.finditer(text):
                found.add((ti, p.rec, p.name, m.start(p.group), m.end(p.group)))
    return found


# --- (d) Hyperscan -------------------------------------------------------------------------------

_HS_MODE = hyperscan.HS_MODE_BLOCK  # SOM horizons are for streaming mode only


def hs_flags(som: bool) -> int:
    return hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_ALLOWEMPTY | (hyperscan.HS_FLAG_SOM_LEFTMOST if som else 0)


def build_hyperscan(pats: Sequence[Pat]) -> tuple[hyperscan.Database, set[int], list[str], list[str]]:
    """The database, the patterns left out (always run), and the notes on what did not compile."""
    exprs, ids, flags, always, no_som, failed = [], [], [], set(), [], []
    for i, p in enumerate(pats):
        expr = p.stripped.encode()
        for som in (True, False):
            try:
                probe = hyperscan.Database(mode=_HS_MODE)
                probe.compile(expressions=[expr], ids=[i], elements=1, flags=[hs_flags(som)])
            except hyperscan.error as exc:
                if som:
                    no_som.append(f"{p.rec}.{p.name}: {exc}")
                    continue
                failed.append(f"{p.rec}.{p.name}: {exc}")
                always.add(i)
                break
            exprs.append(expr)
            ids.append(i)
            flags.append(hs_flags(som))
            break
    db = hyperscan.Database(mode=_HS_MODE)
    db.compile(expressions=exprs, ids=ids, elements=len(exprs), flags=flags)
    return db, always, no_som, failed


def run_hyperscan_raw(db: hyperscan.Database, encoded: Sequence[bytes]) -> int:
    count = 0

    def on_match(pattern_id: int, start: int, end: int, flags: int, context: object) -> None:
        nonlocal count
        count += 1

    scratch = hyperscan.Scratch(db)
    for data in encoded:
        db.scan(data, match_event_handler=on_match, scratch=scratch)
    return count


def hyperscan_filter(db: hyperscan.Database, always: set[int]) -> Callable[[str, bytes], set[int]]:
    scratch = hyperscan.Scratch(db)

    def match(text: str, data: bytes) -> set[int]:
        found = set(always)

        def on_match(pattern_id: int, start: int, end: int, flags: int, context: object) -> None:
            found.add(pattern_id)

        db.scan(data, match_event_handler=on_match, scratch=scratch)
        return found

    return match


# --- (e) piwarden's engines -------------------------------------------------------------------------

def run_engine(engine: Engine, texts: Sequence[str]) -> set[Key]:
    return {(ti, c.recognizer.name, c.pattern.name, c.start, c.end)
            for ti, text in enumerate(texts) for c in engine.candidates(text)}


class Re2Prefilter:
    """The engine's prefilter interface (``may_match``) answered by one ``re2.Set``."""

    def __init__(self, regexes: Sequence[str]) -> None:
        self._set = re2.Set.SearchSet(_re2_options())
        for source in regexes:
            self._set.Add(without_lookarounds(source))
        self._set.Compile()

    def may_match(self, text: str) -> set[int]:
        return set(self._set.Match(text.encode("utf-8", "replace")) or ())


def engine_with_re2_prefilter(recs: list) -> Engine:
    engine = Engine(recs, use_prefilter=False)
    compiled = sorted((*engine._digit, *engine._anywhere), key=lambda c: c.id)
    engine._prefilter = Re2Prefilter([c.regex.pattern for c in compiled])  # type: ignore[assignment]
    return engine


# --- one data set ----------------------------------------------------------------------------------

def bench(texts: list[str], pats: list[Pat], repeat: int) -> tuple[list[Result], dict[str, object]]:
    encoded = [t.encode("utf-8") for t in texts]
    results: list[Result] = []
    t_ref, ref = best_of(repeat, lambda: run_re(pats, texts))
    assert isinstance(ref, set)
    results.append(Result("re: per pattern (reference)", t_ref, len(ref), True))

    rx_compiled = [(p, regex.compile(p.rx.pattern)) for p in pats]  # the same text re runs
    t, got = best_of(repeat, lambda: run_regex_per_pattern(rx_compiled, texts))
    results.append(compare("regex: per pattern", t, got, ref))  # type: ignore[arg-type]
    combined = regex.compile(alternation(pats))
    t, got = best_of(repeat, lambda: run_regex_overlapped(combined, pats, texts))
    results.append(compare("regex: one alternation, overlapped=True, + re post-check", t, got, ref,  # type: ignore[arg-type]
                           "one alternative per start position: patterns sharing a start are lost"))

    native = [(p, rx) for p in pats if (rx := re2_compile(p.source))]
    gated = [(p, re2_compile(p.stripped)) for p in pats if not re2_compile(p.source)]
    t, got = best_of(repeat, lambda: run_re2_per_pattern(native, gated, texts, encoded))
    results.append(compare("re2: per pattern (+ re for look-around patterns)", t, got, ref,  # type: ignore[arg-type]
                           f"{len(native)} native, {len(gated)} stripped and re-checked by re"))
    re2_set = build_re2_set(pats)
    t, got = best_of(repeat, lambda: run_filtered(lambda _t, d: re2_set.Match(d) or (), pats, texts, encoded))
    results.append(compare("re2.Set filter + re for reported patterns", t, got, ref))  # type: ignore[arg-type]

    db, always, no_som, failed = build_hyperscan(pats)
    t, count = best_of(repeat, lambda: run_hyperscan_raw(db, encoded))
    results.append(Result("hyperscan: raw scan, matches counted", t, int(count), None,  # type: ignore[arg-type]
                          note="every end offset of every match is a callback; not candidates"))
    hs_match = hyperscan_filter(db, always)
    t, got = best_of(repeat, lambda: run_filtered(hs_match, pats, texts, encoded))
    results.append(compare("hyperscan filter + re for reported patterns", t, got, ref))  # type: ignore[arg-type]

    recs = load_recognizers()
    reference_analyzer = Analyzer(recs)
    reference_analyzer.engine = NaiveEngine(recs)
    reference_spans = [reference_analyzer.analyze(t) for t in texts]
    for label, engine in (("piwarden Engine (islands, gates, Hyperscan prefilter)", Engine(recs)),
                          ("piwarden Engine with an re2.Set prefilter instead", engine_with_re2_prefilter(recs)),
                          ("piwarden Engine without prefilter", Engine(recs, use_prefilter=False)),
                          ("piwarden NaiveEngine", NaiveEngine(recs))):
        t, got = best_of(repeat, lambda e=engine: run_engine(e, texts))
        analyzer = Analyzer(recs)
        analyzer.engine = engine
        same_spans = [analyzer.analyze(x) for x in texts] == reference_spans
        subset = got <= ref  # type: ignore[operator]
        t_analyze, _ = best_of(repeat, lambda a=analyzer: len([a.analyze(x) for x in texts]))
        kb = sum(map(len, encoded)) / 1000
        results.append(Result(label, t, len(got), same_spans, len(ref - got), len(got - ref),  # type: ignore[arg-type]
                              f"candidates {'a subset of' if subset else 'NOT a subset of'} re's; "
                              f"analyzer spans {'equal' if same_spans else 'DIFFER from'} NaiveEngine's; "
                              f"whole Analyzer.analyze {kb / t_analyze:.0f} KB/s",
                              extra_fields={"analyzer_kb_per_s": round(kb / t_analyze, 1)}))

    size = sum(map(len, encoded))
    for r in results:
        r.kb_per_s = round(size / 1000 / r.seconds, 1)
        r.seconds = round(r.seconds, 4)
    expressibility = {
        "patterns": len(pats),
        "re2_native": [f"{p.rec}.{p.name}" for p, _ in native],
        "re2_need_post_check": [f"{p.rec}.{p.name}" for p, _ in gated],
        "re2_not_compiled_even_stripped": [f"{p.rec}.{p.name}" for p, rx in gated if rx is None],
        "with_lookaround": sum(p.has_lookaround for p in pats),
        "with_backreference": [f"{p.rec}.{p.name}" for p in pats if p.has_backref],
        "hyperscan_without_som_leftmost": no_som,
        "hyperscan_not_compiled": failed,
    }
    return results, expressibility


def table(rows: list[tuple[str, list[Result]]]) -> str:
    head = ("data set", "engine", "seconds", "KB/s", "candidates", "equals re", "missing", "extra")
    lines = [head]
    for name, results in rows:
        for r in results:
            eq = "-" if r.equal is None else ("yes" if r.equal else "NO")
            lines.append((name, r.engine, f"{r.seconds:.3f}", f"{r.kb_per_s:.0f}", str(r.candidates), eq,
                          str(r.missing), str(r.extra)))
    widths = [max(len(x[i]) for x in lines) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(x, widths, strict=True)))
                     for x in lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--limit", type=int, help="first N records of each set")
    ap.add_argument("--repeat", type=int, default=3, help="best of N timings (default 3)")
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "out")
    args = ap.parse_args(argv)

    pats = patterns()
    rows, report = [], {}
    for name in DATA_SETS:
        texts = load_texts(args.data_dir / f"{name}.jsonl", args.limit)
        results, expressibility = bench(texts, pats, args.repeat)
        rows.append((name, results))
        report[name] = {"records": len(texts), "kb": round(sum(len(t.encode()) for t in texts) / 1000, 1),
                        "results": [{**{k: v for k, v in vars(r).items() if k != "extra_fields"}, **r.extra_fields}
                                    for r in results]}
        report["patterns"] = expressibility
    print(table(rows))
    for name, results in rows:
        for r in results:
            if "analyzer_kb_per_s" in r.extra_fields:
                print(f"{name}: {r.engine}: whole analyzer {r.extra_fields['analyzer_kb_per_s']:.0f} KB/s")
    ex = report["patterns"]
    print(f"\n{ex['patterns']} patterns; {len(ex['re2_native'])} compile in RE2 as they are, "
          f"{len(ex['re2_need_post_check'])} need their look-arounds stripped and a re post-check "
          f"({len(ex['re2_not_compiled_even_stripped'])} do not compile even then); back-references: "
          f"{', '.join(ex['with_backreference']) or 'none'}; Hyperscan: {len(ex['hyperscan_without_som_leftmost'])} "
          f"without SOM_LEFTMOST, {len(ex['hyperscan_not_compiled'])} not compiled")
    result = {
        "command": "python benchmarks/regex_engines.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "load_average": os.getloadavg()},
        "versions": {"regex": regex.__version__, "hyperscan": getattr(hyperscan, "__version__", "?")},
        **report,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "regex_engines.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
