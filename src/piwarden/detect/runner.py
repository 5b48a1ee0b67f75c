"""Detection over a stream of records: in order, in bounded memory, on one or more processes.

Records are cut into batches; at most ``2 * jobs`` batches are in flight, so memory stays
flat whatever the input size. Output order is input order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, replace
from itertools import islice
from typing import Any

from piwarden.detect.analyzer import Analyzer
from piwarden.detect.records import Record, RecordError
from piwarden.detect.registry import load_recognizers
from piwarden.detect.span import Span
from piwarden.inputs import CHUNK_CHARS, split_text
from piwarden.pools import process_pool

DetectResult = dict[str, Any]  # {"id", ...the record's extra fields, "entities": [span dicts]}


@dataclass(frozen=True, slots=True)
class DetectOptions:
    """What the worker processes need to build their own Analyzer."""

    types: tuple[str, ...] | None = None
    min_score: float = 0.5
    config: str | None = None
    show_values: bool = False
    classify: bool = False
    names: bool = False  # add the trained name/address/organisation model to the configured recognizers

    def analyzer(self) -> Analyzer:
        recognizers = load_recognizers(self.config)
        if self.names:
            from piwarden.detect.ner.recognizer import NameAddressRecognizer

            if not any(isinstance(r, NameAddressRecognizer) for r in recognizers):
                recognizers.insert(0, NameAddressRecognizer())
        return Analyzer(recognizers, types=self.types, min_score=self.min_score)


_worker: tuple[Analyzer, DetectOptions] | None = None


def _init_worker(options: DetectOptions) -> None:
    global _worker
    _worker = (options.analyzer(), options)


def _detect_batch(batch: list[tuple[str, str, dict[str, object]]]) -> list[DetectResult]:
    assert _worker is not None
    return _results(*_worker, batch)


def _results(
    analyzer: Analyzer, options: DetectOptions, batch: list[tuple[str, str, dict[str, object]]]
) -> list[DetectResult]:
    """One output object per record; the analyzer sees the batch at once (models batch inference)."""
    out = []
    for (rid, text, extra), spans in zip(batch, _analyze(analyzer, [t for _, t, _ in batch]), strict=True):
        shown = text if options.show_values else None
        out.append({"id": rid, **extra, "entities": [s.to_dict(shown, classify=options.classify, source=text)
                                                  for s in spans]})
    return out


def _analyze(analyzer: Analyzer, texts: list[str]) -> list[list[Span]]:
    """Spans of each text; a text longer than ``CHUNK_CHARS`` is analyzed in pieces cut after a sentence
    (``split_text``) and its spans shifted back, so one 50 MB record costs what its bytes cost as records."""
    if all(len(t) <= CHUNK_CHARS for t in texts):
        return analyzer.analyze_batch(texts)
    owners: list[tuple[int, int]] = []
    pieces: list[str] = []
    for i, text in enumerate(texts):
        for offset, piece in split_text(text) if len(text) > CHUNK_CHARS else ((0, text),):
            owners.append((i, offset))
            pieces.append(piece)
    out: list[list[Span]] = [[] for _ in texts]
    for (i, offset), spans in zip(owners, analyzer.analyze_batch(pieces), strict=True):
        out[i].extend(replace(s, start=s.start + offset, end=s.end + offset) if offset else s for s in spans)
    return out


def _batches(items: Iterable[Record | RecordError], size: int) -> Iterator[list[Record | RecordError]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def detect_stream(
    items: Iterable[Record | RecordError],
    options: DetectOptions,
    jobs: int = 1,
    batch_size: int = 256,
    on_batch: Callable[[list[Record | RecordError]], None] | None = None,
) -> Generator[DetectResult | RecordError, None, None]:
    """Yield one result per record (or the record's error), in input order."""
    if jobs <= 1:
        analyzer = options.analyzer()
        for batch in _batches(items, batch_size):
            results = iter(_results(analyzer, options, [(r.id, r.text, r.extra) for r in batch
                                                        if isinstance(r, Record)]))
            for item in batch:
                yield item if isinstance(item, RecordError) else next(results)
            if on_batch:
                on_batch(batch)
        return
    with process_pool(jobs, _init_worker, (options,)) as pool:
        pending: deque[tuple[list[Record | RecordError], Future[list[DetectResult]]]] = deque()
        for batch in _batches(items, batch_size):
            work = [(r.id, r.text, r.extra) for r in batch if isinstance(r, Record)]
            pending.append((batch, pool.submit(_detect_batch, work)))
            if len(pending) >= 2 * jobs:
                yield from _drain(pending.popleft(), on_batch)
        while pending:
            yield from _drain(pending.popleft(), on_batch)


def _drain(
    entry: tuple[list[Record | RecordError], Future[list[DetectResult]]],
    on_batch: Callable[[list[Record | RecordError]], None] | None,
) -> Iterator[DetectResult | RecordError]:
    batch, future = entry
    results = iter(future.result())
    for item in batch:
        yield item if isinstance(item, RecordError) else next(results)
    if on_batch:
        on_batch(batch)
