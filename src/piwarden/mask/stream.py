"""Masking a stream of records: detection and masking per batch, in order, on one or more processes.

The same shape as :mod:`piwarden.detect.runner`: batches of records, at most ``2 * jobs`` in
flight, output in input order. Only the record id, the fields asked for, and the masked text
leave a worker: no raw value is in the output.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from itertools import islice

from piwarden.detect.records import Record, RecordError
from piwarden.detect.runner import DetectOptions
from piwarden.inputs import CHUNK_CHARS, split_text
from piwarden.mask.keys import KeyRing
from piwarden.mask.policy import Policy
from piwarden.mask.text import MaskedText, Masker
from piwarden.pools import process_pool

Batch = list[Record | RecordError]
PIECES_AT_ONCE = 4  # pieces of one long text given to the analyzer together (its batch), at most


@dataclass(frozen=True, slots=True)
class MaskOptions:
    """What a worker needs to build its own Analyzer and operators (picklable)."""

    policy: Policy
    role: str = "*"
    purpose: str | None = None
    keys: KeyRing | None = None
    detect: DetectOptions = field(default_factory=DetectOptions)
    subject_field: str | None = None  # the field naming the data subject (default: the record id)
    keep_fields: tuple[str, ...] = ()  # other input fields copied to the output (they are not masked)
    piece_chars: int = CHUNK_CHARS  # a longer text is masked in pieces of about this size, cut after a sentence

    def masker(self) -> Masker:
        return Masker(self.policy, role=self.role, purpose=self.purpose, keys=self.keys,
                      analyzer=self.detect.analyzer())


def _subject(record: Record, field: str | None) -> str:
    value = record.extra.get(field) if field else None
    return record.id if value is None else str(value)


def _mask_long(masker: Masker, text: str, subject: str, chars: int) -> MaskedText:
    """One long text masked a few pieces at a time (``split_text``: cut after a sentence, a clause or a space),
    the pieces' masked texts joined and their spans moved to where they now are: the analyzer never holds
    more than ``PIECES_AT_ONCE`` pieces, so a 50 MB record costs what the same bytes cost as records."""
    out = MaskedText("")
    parts: list[str] = []
    at = 0
    pieces = (piece for _, piece in split_text(text, chars))
    while group := list(islice(pieces, PIECES_AT_ONCE)):
        for masked in masker.mask_batch(group, [subject] * len(group)):
            out.spans.extend(replace(s, start=s.start + at, end=s.end + at) for s in masked.spans)
            parts.append(masked.text)
            at += len(masked.text)
    out.text = "".join(parts)
    return out


def _mask(masker: Masker, texts: list[str], subjects: list[str], chars: int) -> list[MaskedText]:
    """Each text masked; texts longer than ``chars`` in pieces (``_mask_long``), the others as one batch."""
    short = [i for i, t in enumerate(texts) if len(t) <= chars]
    done = dict(zip(short, masker.mask_batch([texts[i] for i in short], [subjects[i] for i in short]), strict=True))
    return [done[i] if i in done else _mask_long(masker, t, subjects[i], chars) for i, t in enumerate(texts)]


def _results(masker: Masker, options: MaskOptions, records: list[Record]) -> list[dict[str, object]]:
    masked = _mask(masker, [r.text for r in records], [_subject(r, options.subject_field) for r in records],
                   options.piece_chars)
    out = []
    for record, result in zip(records, masked, strict=True):
        kept = {k: record.extra[k] for k in options.keep_fields if k in record.extra}
        out.append({"id": record.id, **kept, "text": result.text, "entities": [s.to_dict() for s in result.spans]})
    return out


_worker: tuple[Masker, MaskOptions] | None = None


def _init_worker(options: MaskOptions) -> None:
    global _worker
    _worker = (options.masker(), options)


def _mask_batch(records: list[Record]) -> list[dict[str, object]]:
    assert _worker is not None
    return _results(*_worker, records)


def _batches(items: Iterable[Record | RecordError], size: int) -> Iterator[Batch]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def _merge(batch: Batch, results: list[dict[str, object]]) -> Iterator[dict[str, object] | RecordError]:
    done = iter(results)
    for item in batch:
        yield item if isinstance(item, RecordError) else next(done)


def mask_stream(items: Iterable[Record | RecordError], options: MaskOptions, jobs: int = 1, batch_size: int = 256,
                on_batch: Callable[[Batch], None] | None = None) -> Generator[dict[str, object] | RecordError, None, None]:
    """One output object per record (or the record's error), in input order."""
    if jobs <= 1:
        masker = options.masker()
        for batch in _batches(items, batch_size):
            yield from _merge(batch, _results(masker, options, [r for r in batch if isinstance(r, Record)]))
            if on_batch:
                on_batch(batch)
        return
    with process_pool(jobs, _init_worker, (options,)) as pool:
        pending: deque[tuple[Batch, Future[list[dict[str, object]]]]] = deque()

        def drain() -> Iterator[dict[str, object] | RecordError]:
            batch, future = pending.popleft()
            yield from _merge(batch, future.result())
            if on_batch:
                on_batch(batch)

        for batch in _batches(items, batch_size):
            pending.append((batch, pool.submit(_mask_batch, [r for r in batch if isinstance(r, Record)])))
            if len(pending) >= 2 * jobs:
                yield from drain()
        while pending:
            yield from drain()
