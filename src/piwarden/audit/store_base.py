"""What every audit store keeps, and the append transaction they share.

Tables (prefix ``audit_``): ``events`` (leaf index, leaf hash, canonical body, and the
columns queries filter on: actor, action, ts in UTC microseconds, export id),
``event_subjects`` (subject, leaf index), ``event_ids`` (event id, leaf index: events are
unique by id, looked up per batch under the append lock), ``postings`` (actor, rare-action and export-id
lookups, one row per run of events: ``postings.py``), ``nodes`` (the perfect subtrees of level >=
``NODE_MIN_LEVEL``, so proofs are O(log n) lookups; lower ones are folded from the leaf hashes
in ``events.leaf_hash``), ``blocks`` (min and max ``ts`` of each aligned block of
``2**BLOCK_BITS`` leaves: a block-range index for time windows, one row per block instead of
one index entry per event), ``state`` (one row: tree size and frontier, read under the write
lock so several processes can append safely), ``heads`` (signed checkpoints) and
``timestamps``. One append batch is one transaction: events, ids, subjects, postings, new nodes,
block ranges and the new frontier commit together or not at all. The tables are the models of
``piwarden.db.audit``, created and changed by the migrations of ``piwarden.db``; the store
opens its own driver connections for the append fast paths.

No secondary index on ``audit_events``: each index entry cost an append about 1 µs against
about 3 µs for the row itself (``docs/audit.md``). Lookups by actor, non-routine action and
export id read ``audit_postings``, then the candidate rows by primary key, re-checking every
filter on the row itself.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from piwarden.audit.compact import CompactRange, NodeID, perfect_root
from piwarden.audit.hasher import hash_leaf
from piwarden.audit.postings import (
    ACTION,
    ACTOR,
    EXPORT,
    MAX_OFFSET,
    ROUTINE_ACTIONS,
    RUN_SPAN_US,
    members,
    pack,
    runs,
)
from piwarden.db.audit import AUDIT_TABLES as AUDIT_TABLES  # re-exported: the stores and tests name them
from piwarden.events import AccessEvent, CheckedEvent, checked_fields

# The audit store's own schema numbers, before alembic (audit_state.schema_version): 2 had the
# (actor, ts), partial (action, ts) and (export_id) indexes, 1 also event_id, (ts) and low nodes.
# The baseline revision brings either to 3; later changes are alembic revisions (docs/storage.md).
SCHEMA_VERSION = 3
NODE_MIN_LEVEL = 4  # lower subtrees (<= 8 leaves) are folded from leaf hashes when a proof needs them
BLOCK_BITS = 10  # audit_blocks: ts range of each aligned block of 1,024 leaves
EVENT_COLUMNS = ("idx", "leaf_hash", "body", "actor", "action", "ts_us", "export_id")
POSTING_COLUMNS = ("kind", "key", "ts_us", "idx", "more")
MAX_CANDIDATES = 100_000  # beyond this many posted leaves a query scans the events in index order instead


class AuditStoreError(RuntimeError):
    """The audit database failed or holds something inconsistent; messages hide credentials."""


class EncodedEvent(NamedTuple):
    """An event ready to store: canonical bytes, leaf hash and the columns queries use.

    A named tuple: the bulk paths build hundreds of thousands a second, and a frozen dataclass
    cost three times as long to build.
    """

    body: bytes
    leaf_hash: bytes
    event_id: str
    actor: str
    action: str
    ts_us: int
    export_id: str | None
    subjects: tuple[str, ...]

    @classmethod
    def of(cls, event: AccessEvent) -> EncodedEvent:
        return cls.checked(CheckedEvent.of(event))

    @classmethod
    def checked(cls, c: CheckedEvent) -> EncodedEvent:
        return cls(c.body, hash_leaf(c.body), c.id, c.actor, c.action, c.ts_us, c.export_id,
                   tuple(dict.fromkeys(c.subjects)))

    @classmethod
    def parse(cls, data: bytes | str, record: str = "event") -> EncodedEvent:
        """Validate one event given as JSON text (``piwarden.events.check_event``'s rules and errors)."""
        body, eid, actor, action, ts_us, export_id, subjects = checked_fields(data, record)
        return cls(body, hash_leaf(body), eid, actor, action, ts_us, export_id, tuple(dict.fromkeys(subjects)))


@dataclass(slots=True)
class Appended:
    """What one append did with its events, by position: new leaves from ``first`` on, in order;
    ``duplicates`` (the same event is logged: its leaf) and ``conflicts`` (the id names another
    event: that event's leaf) were not appended."""

    first: int  # the first new leaf's index (the log's size before the append)
    new: int
    duplicates: dict[int, int] = field(default_factory=dict)
    conflicts: dict[int, int] = field(default_factory=dict)

    def part(self, start: int, stop: int) -> Appended:
        """The outcome of positions ``[start, stop)`` as a batch of its own (group commit's members)."""
        skipped_before = sum(1 for p in (*self.duplicates, *self.conflicts) if p < start)
        dups = {p - start: i for p, i in self.duplicates.items() if start <= p < stop}
        conflicts = {p - start: i for p, i in self.conflicts.items() if start <= p < stop}
        return Appended(self.first + start - skipped_before, stop - start - len(dups) - len(conflicts), dups, conflicts)

    def indices(self) -> list[int | None]:
        """Each event's leaf: its new one, or the one already holding it; None for a conflict."""
        out: list[int | None] = []
        following = self.first
        for pos in range(self.new + len(self.duplicates) + len(self.conflicts)):
            if pos in self.duplicates:
                out.append(self.duplicates[pos])
            elif pos in self.conflicts:
                out.append(None)
            else:
                out.append(following)
                following += 1
        return out


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """One leaf as stored; ``body`` is None once retention has purged it."""

    index: int
    leaf_hash: bytes
    body: bytes | None


@dataclass(frozen=True, slots=True)
class HeadRecord:
    """A signed tree head as kept: size, root and the checkpoint text (signed note)."""

    size: int
    root: bytes
    note: str
    created_us: int


@dataclass(frozen=True, slots=True)
class Query:
    """Filters for ``AuditStore.query``; all given ones must hold."""

    subject: str | None = None
    actor: str | None = None
    action: str | None = None
    export_id: str | None = None
    since_us: int | None = None
    until_us: int | None = None  # exclusive
    limit: int = 1000


class AuditStore(abc.ABC):
    """The storage interface: one implementation per database, the same SQL where it can."""

    url_safe: str  # the URL without password, for messages

    # -- dialect hooks --------------------------------------------------------------------
    @abc.abstractmethod
    def _write_txn(self) -> Any:
        """A context manager: one write transaction holding the log's append lock; yields a cursor."""

    @abc.abstractmethod
    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one SELECT on the reader connection (``?`` placeholders)."""

    @abc.abstractmethod
    def _many(self, cur: Any, sql: str, rows: list[tuple[Any, ...]]) -> None:
        """executemany on the write cursor (``?`` placeholders)."""

    @abc.abstractmethod
    def close(self) -> None: ...

    @abc.abstractmethod
    def reclaim(self, full: bool = False) -> None:
        """Give back the space purged bodies left (``retention.py`` says how, per database)."""

    @abc.abstractmethod
    def disk_bytes(self) -> int:
        """Bytes the audit log occupies on disk."""

    # -- shared logic ---------------------------------------------------------------------
    def append_batch(self, items: Sequence[EncodedEvent]) -> Appended:
        """Store the events not logged yet as leaves ``size, size + 1, ...`` durably, in one transaction.

        Events are unique by id: an event whose id the log (or this batch) already holds is not
        appended again; it is a duplicate if its leaf hash (hence its canonical bytes) is the
        same, a conflict otherwise. The ids are looked up under the append lock, so concurrent
        writers cannot both append one id.
        """
        with self._write_txn() as cur:
            cur.execute(self._sql("SELECT size, frontier FROM audit_state WHERE id = 1" + self._lock_clause))
            size, frontier = cur.fetchone()
            fresh, outcome = self._fresh(cur, items, size)
            if not fresh:
                return outcome
            cr, rows, blocks = appended_rows(size, bytes(frontier), fresh)
            for table, columns, table_rows in rows:
                self._insert(cur, table, columns, table_rows)
            self._many(cur, self._blocks_upsert, blocks)
            cur.execute(self._sql("UPDATE audit_state SET size = ?, frontier = ?, root = ? WHERE id = 1"),
                        (cr.size, cr.encode(), cr.root()))
        return outcome

    def _fresh(self, cur: Any, items: Sequence[EncodedEvent], size: int) -> tuple[list[EncodedEvent], Appended]:
        """The events to append (ids new to the log and to the batch), and what happens to each."""
        return fresh_events(self._known_ids(cur, [ev.event_id for ev in items]), items, size)

    def _known_ids(self, cur: Any, ids: list[str]) -> dict[str, tuple[int, bytes]]:
        """Leaf index and leaf hash of the events the log holds under these ids (read in the append
        transaction). Chunks padded to a power of two: few statement texts, all of them cached."""
        found: dict[str, tuple[int, bytes]] = {}
        sql = ("SELECT i.event_id, i.idx, e.leaf_hash FROM audit_event_ids i JOIN audit_events e ON e.idx = i.idx "
               "WHERE i.event_id IN ({})")
        for chunk in _chunks(ids, 512):
            padded = [*chunk, *[chunk[-1]] * ((1 << (len(chunk) - 1).bit_length()) - len(chunk))]
            cur.execute(self._sql(sql.format(", ".join("?" * len(padded)))), padded)
            for event_id, idx, leaf_hash in cur.fetchall():
                found[event_id] = (int(idx), bytes(leaf_hash))
        return found

    def _insert(self, cur: Any, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        """Insert rows into one table inside the append transaction (PostgreSQL: COPY)."""
        marks = ", ".join("?" * len(columns))
        self._many(cur, f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    _lock_clause = ""
    _placeholder = "?"
    _least, _greatest = "min", "max"

    @property
    def _blocks_upsert(self) -> str:
        return ("INSERT INTO audit_blocks (block, min_ts, max_ts) VALUES (?, ?, ?) ON CONFLICT (block) DO UPDATE "
                f"SET min_ts = {self._least}(audit_blocks.min_ts, excluded.min_ts), "
                f"max_ts = {self._greatest}(audit_blocks.max_ts, excluded.max_ts)")

    def _sql(self, sql: str) -> str:
        return sql if self._placeholder == "?" else sql.replace("?", self._placeholder)

    def size(self) -> int:
        return int(self._read("SELECT size FROM audit_state WHERE id = 1")[0][0])

    def frontier(self) -> CompactRange:
        size, blob = self._read("SELECT size, frontier FROM audit_state WHERE id = 1")[0]
        return CompactRange.decode(int(size), bytes(blob))

    def nodes(self, ids: Sequence[NodeID]) -> dict[NodeID, bytes]:
        """Hashes of perfect subtrees (level 0: leaf hashes); raises if one is missing.

        Levels from ``NODE_MIN_LEVEL`` up are stored; a lower node is folded from the leaf
        hashes under it (at most ``2**(NODE_MIN_LEVEL - 1)``, one range read per block).
        """
        out: dict[NodeID, bytes] = {}
        wanted = set(ids)
        low = [n for n in wanted if n.level < NODE_MIN_LEVEL]
        inner = [n for n in wanted if n.level >= NODE_MIN_LEVEL]
        # Leaf ranges of the low nodes, merged per aligned block of 2**NODE_MIN_LEVEL leaves.
        blocks: dict[int, tuple[int, int]] = {}
        for n in low:
            b = n.begin >> NODE_MIN_LEVEL
            lo, hi = blocks.get(b, (n.begin, n.end))
            blocks[b] = (min(lo, n.begin), max(hi, n.end))
        leaves: dict[int, bytes] = {}
        spans = sorted(blocks.values())
        for chunk in _chunks(spans, 200):
            cond = " OR ".join("(idx >= ? AND idx < ?)" for _ in chunk)
            flat = [v for span in chunk for v in span]
            for idx, h in self._read(f"SELECT idx, leaf_hash FROM audit_events WHERE {cond}", flat):
                leaves[int(idx)] = bytes(h)
        for n in low:
            hashes = [leaves.get(i) for i in range(n.begin, n.end)]
            if None not in hashes:
                out[n] = perfect_root(hashes)  # type: ignore[arg-type]
        for chunk in _chunks(inner, 250):
            cond = " OR ".join("(level = ? AND idx = ?)" for _ in chunk)
            flat = [v for n in chunk for v in n]
            for level, idx, h in self._read(f"SELECT level, idx, hash FROM audit_nodes WHERE {cond}", flat):
                out[NodeID(int(level), int(idx))] = bytes(h)
        if len(out) != len(wanted):
            raise AuditStoreError("audit store is missing tree nodes it should hold")
        return out

    def events(self, begin: int, end: int) -> Iterator[StoredEvent]:
        """Leaves ``[begin, end)`` in order, in pages."""
        while begin < end:
            rows = self._read("SELECT idx, leaf_hash, body FROM audit_events WHERE idx >= ? AND idx < ? "
                              "ORDER BY idx LIMIT 5000", (begin, end))
            if not rows:
                return
            for idx, h, body in rows:
                yield StoredEvent(int(idx), bytes(h), None if body is None else bytes(body))
            begin = int(rows[-1][0]) + 1

    def query(self, q: Query) -> list[StoredEvent]:
        """Events matching every given filter, oldest first."""
        where, params = _row_filters(q)
        if q.subject is not None:
            sql = "SELECT e.idx, e.leaf_hash, e.body FROM audit_events e JOIN audit_event_subjects s ON s.idx = e.idx"
            return self._rows(sql + _where(["s.subject = ?", *where]), [q.subject, *params], q.limit)
        posting = _posting_key(q)
        if posting is not None:
            candidates = self._posted(*posting, q.since_us, q.until_us)
            if candidates is not None:
                return self._rows_of(candidates, where, params, q.limit)
        if q.since_us is not None or q.until_us is not None:
            # No lookup narrows it: take the leaf ranges whose blocks' times overlap the window.
            ranges = self.window_ranges(q.since_us, q.until_us)
            if not ranges:
                return []
            where.append("(" + " OR ".join("(e.idx >= ? AND e.idx < ?)" for _ in ranges) + ")")
            params.extend(v for r in ranges for v in r)
        return self._rows("SELECT e.idx, e.leaf_hash, e.body FROM audit_events e" + _where(where), params, q.limit)

    def _rows(self, sql: str, params: Sequence[Any], limit: int) -> list[StoredEvent]:
        rows = self._read(sql + f" ORDER BY e.idx LIMIT {int(limit)}", params)
        return [StoredEvent(int(i), bytes(h), None if b is None else bytes(b)) for i, h, b in rows]

    def _posted(self, kind: int, key: str, since_us: int | None, until_us: int | None) -> list[int] | None:
        """The leaves posted under ``(kind, key)`` that may lie in ``[since, until)``, ascending;
        None if there are more than ``MAX_CANDIDATES`` (a scan in index order is then cheaper)."""
        cond, params = ["kind = ?", "key = ?"], [kind, key]
        if since_us is not None:  # a run holds times in [ts_us, ts_us + RUN_SPAN_US)
            cond.append("ts_us > ?")
            params.append(since_us - RUN_SPAN_US)
        if until_us is not None:
            cond.append("ts_us < ?")
            params.append(until_us)
        rows = self._read(f"SELECT idx, more FROM audit_postings WHERE {' AND '.join(cond)} "
                          f"LIMIT {MAX_CANDIDATES + 1}", params)
        if len(rows) > MAX_CANDIDATES:
            return None
        found: set[int] = set()
        for idx, more in rows:
            found.update(members(int(idx), None if more is None else bytes(more)))
            if len(found) > MAX_CANDIDATES:
                return None
        return sorted(found)

    def _rows_of(self, candidates: list[int], where: list[str], params: list[Any], limit: int) -> list[StoredEvent]:
        """The candidate leaves that pass the row filters, oldest first, at most ``limit``."""
        out: list[StoredEvent] = []
        for chunk in _chunks(candidates, 512):
            # Padded to a power of two (repeating the last) so few statement texts exist: SQLite
            # and psycopg reuse prepared statements by text.
            chunk = [*chunk, *[chunk[-1]] * ((1 << (len(chunk) - 1).bit_length()) - len(chunk))]
            marks = ", ".join("?" * len(chunk))
            sql = "SELECT e.idx, e.leaf_hash, e.body FROM audit_events e" + _where([f"e.idx IN ({marks})", *where])
            out += self._rows(sql, [*chunk, *params], limit - len(out))
            if len(out) >= limit:
                break
        return out

    def unpost(self, cur: Any, kind: int, entries: Sequence[tuple[str, int, int]]) -> None:
        """Take leaves out of their runs (retention), inside a write transaction: ``entries`` are
        ``(key, ts_us, idx)`` as the event rows hold them; a run left empty is deleted."""
        by_key: dict[str, list[tuple[int, int]]] = {}
        for key, ts, idx in entries:
            by_key.setdefault(key, []).append((ts, idx))
        for key, items in by_key.items():
            gone = {idx for _, idx in items}
            # The runs that can hold them: started at most RUN_SPAN_US before and MAX_OFFSET leaves before.
            cur.execute(self._sql("SELECT ts_us, idx, more FROM audit_postings WHERE kind = ? AND key = ? "
                                  "AND ts_us > ? AND ts_us <= ? AND idx > ? AND idx <= ?"),
                        (kind, key, min(t for t, _ in items) - RUN_SPAN_US, max(t for t, _ in items),
                         min(gone) - MAX_OFFSET - 1, max(gone)))
            for ts, first, more in cur.fetchall():
                old = members(int(first), None if more is None else bytes(more))
                keep = [i for i in old if i not in gone]
                if len(keep) == len(old):
                    continue
                cur.execute(self._sql("DELETE FROM audit_postings WHERE kind = ? AND key = ? AND ts_us = ? "
                                      "AND idx = ?"), (kind, key, ts, first))
                if keep:  # the run's earliest time stays a lower bound of what is left
                    cur.execute(self._sql(f"INSERT INTO audit_postings ({', '.join(POSTING_COLUMNS)}) "
                                          "VALUES (?, ?, ?, ?, ?)"),
                                (kind, key, ts, keep[0], pack([i - keep[0] for i in keep[1:]])))

    def window_ranges(self, since_us: int | None, until_us: int | None) -> list[tuple[int, int]]:
        """Leaf index ranges holding every event with ``since_us <= ts < until_us`` (and others)."""
        cond, params = [], []
        if since_us is not None:
            cond.append("max_ts >= ?")
            params.append(since_us)
        if until_us is not None:
            cond.append("min_ts < ?")
            params.append(until_us)
        sql = "SELECT block FROM audit_blocks" + (" WHERE " + " AND ".join(cond) if cond else "") + " ORDER BY block"
        return _idx_ranges([int(r[0]) for r in self._read(sql, params)])

    def add_head(self, head: HeadRecord) -> None:
        with self._write_txn() as cur:
            cur.execute(self._sql("INSERT INTO audit_heads (size, root, note, created_us) VALUES (?, ?, ?, ?)"),
                        (head.size, head.root, head.note, head.created_us))

    def update_head_note(self, size: int, root: bytes, note: str) -> None:
        """Replace a head's note by the same note with more signatures (witness cosignatures)."""
        with self._write_txn() as cur:
            cur.execute(self._sql("UPDATE audit_heads SET note = ? WHERE size = ? AND root = ?"), (note, size, root))

    def add_timestamp(self, size: int, root: bytes, tsa: str, token: bytes, created_us: int) -> None:
        """Keep an RFC 3161 token over the checkpoint of ``(size, root)``."""
        with self._write_txn() as cur:
            cur.execute(self._sql("INSERT INTO audit_timestamps (size, root, tsa, token, created_us) "
                                  "VALUES (?, ?, ?, ?, ?)"), (size, root, tsa, token, created_us))

    def timestamps(self) -> list[tuple[int, bytes, str, bytes]]:
        """(size, root, TSA URL, DER token) of every kept timestamp, smallest tree first."""
        rows = self._read("SELECT size, root, tsa, token FROM audit_timestamps ORDER BY size, created_us")
        return [(int(s), bytes(r), t, bytes(k)) for s, r, t, k in rows]

    def heads(self) -> list[HeadRecord]:
        rows = self._read("SELECT size, root, note, created_us FROM audit_heads ORDER BY size, created_us")
        return [HeadRecord(int(s), bytes(r), n, int(c)) for s, r, n, c in rows]

    def latest_head(self) -> HeadRecord | None:
        rows = self._read("SELECT size, root, note, created_us FROM audit_heads "
                          "ORDER BY size DESC, created_us DESC LIMIT 1")
        return HeadRecord(int(rows[0][0]), bytes(rows[0][1]), rows[0][2], int(rows[0][3])) if rows else None


def _row_filters(q: Query) -> tuple[list[str], list[Any]]:
    """The conditions on the event row itself (``e``) for the filters other than subject."""
    where: list[str] = []
    params: list[Any] = []
    for column, value in (("actor", q.actor), ("action", q.action), ("export_id", q.export_id)):
        if value is not None:
            where.append(f"e.{column} = ?")
            params.append(value)
    if q.since_us is not None:
        where.append("e.ts_us >= ?")
        params.append(q.since_us)
    if q.until_us is not None:
        where.append("e.ts_us < ?")
        params.append(q.until_us)
    return where, params


def _where(conditions: list[str]) -> str:
    return " WHERE " + " AND ".join(conditions) if conditions else ""


def _posting_key(q: Query) -> tuple[int, str] | None:
    """The most selective posted filter of a query: export id, else actor, else a rare action."""
    if q.export_id is not None:
        return EXPORT, q.export_id
    if q.actor is not None:
        return ACTOR, q.actor
    if q.action is not None and q.action not in ROUTINE_ACTIONS:
        return ACTION, q.action
    return None


def _block_ranges(first: int, ts: list[int]) -> list[tuple[int, int, int]]:
    """(block, min ts, max ts) of leaves ``first, first + 1, ...`` with these times."""
    out = []
    k, end = 0, len(ts)
    while k < end:
        block = (first + k) >> BLOCK_BITS
        stop = min(end, ((block + 1) << BLOCK_BITS) - first)
        part = ts[k:stop]
        out.append((block, min(part), max(part)))
        k = stop
    return out


def _idx_ranges(blocks: list[int], max_ranges: int = 64) -> list[tuple[int, int]]:
    """Leaf index ranges ``[begin, end)`` covering these blocks (sorted), merged; at most
    ``max_ranges`` of them (beyond that, one range from the first to the last block)."""
    out: list[list[int]] = []
    for b in blocks:
        if out and out[-1][1] == b << BLOCK_BITS:
            out[-1][1] = (b + 1) << BLOCK_BITS
        else:
            out.append([b << BLOCK_BITS, (b + 1) << BLOCK_BITS])
    if len(out) > max_ranges:
        out = [[out[0][0], out[-1][1]]]
    return [(a, b) for a, b in out]


def _chunks(items: Sequence[Any], n: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


TableRows = tuple[str, tuple[str, ...], list[tuple[Any, ...]]]


def appended_rows(size: int, frontier: bytes, fresh: list[EncodedEvent],
                  ) -> tuple[CompactRange, list[TableRows], list[tuple[int, int, int]]]:
    """What appending ``fresh`` as leaves ``size, size + 1, ...`` writes: the new compact range, the rows of
    each table (events, ids, subjects, postings, nodes; tables without rows left out) and the block ranges."""
    cr = CompactRange.decode(size, frontier)
    nodes = cr.extend([ev.leaf_hash for ev in fresh], NODE_MIN_LEVEL)
    numbered = list(enumerate(fresh, start=size))
    rows: list[TableRows] = [
        ("audit_events", EVENT_COLUMNS,
         [(i, ev.leaf_hash, ev.body, ev.actor, ev.action, ev.ts_us, ev.export_id) for i, ev in numbered]),
        ("audit_event_ids", ("event_id", "idx"), [(ev.event_id, i) for i, ev in numbered]),
        ("audit_event_subjects", ("subject", "idx"), [(s, i) for i, ev in numbered for s in ev.subjects]),
        ("audit_postings", POSTING_COLUMNS, runs(size, fresh)),
        ("audit_nodes", ("level", "idx", "hash"), nodes),
    ]
    return cr, [r for r in rows if r[2]], _block_ranges(size, [ev.ts_us for ev in fresh])


def fresh_events(known: dict[str, tuple[int, bytes]], items: Sequence[EncodedEvent],
                 size: int) -> tuple[list[EncodedEvent], Appended]:
    """The events to append (ids new to the log, ``known``, and to the batch), and what happens to each."""
    seen: dict[str, tuple[int, bytes]] = {}
    fresh: list[EncodedEvent] = []
    duplicates: dict[int, int] = {}
    conflicts: dict[int, int] = {}
    for pos, ev in enumerate(items):
        hit = known.get(ev.event_id) or seen.get(ev.event_id)
        if hit is None:
            seen[ev.event_id] = (size + len(fresh), ev.leaf_hash)
            fresh.append(ev)
        elif hit[1] == ev.leaf_hash:
            duplicates[pos] = hit[0]
        else:
            conflicts[pos] = hit[0]
    return fresh, Appended(size, len(fresh), duplicates, conflicts)
