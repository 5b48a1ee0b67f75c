"""Honeytokens: synthetic canary customers, each shown to known parties only.

A canary is a customer with an order that no real person placed: values derived from a
secret key (HMAC-SHA256), so the same key and party always plant the same canary and nobody
without the key can tell a canary from a customer or forge one. The registry (JSON) records
each canary's values and the parties it was exposed to. Any later access to a canary in the
access events, or its appearance in a leak sample, is an alert naming who could have seen it:
no business process touches a customer who does not exist.

The registry holds the canaries' (synthetic) values, never the key; alerts name canary ids,
parties, actors and event ids only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import random
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piwarden.forensics.attribution.leak import LeakRow
from piwarden.forensics.attribution.match import Record, RecordIndex
from piwarden.mask.decoys import ESTATES, GIVEN, GOODS, MOBILE_PREFIXES, PLACES, STREETS, SURNAMES, digits, resident_id

if TYPE_CHECKING:
    from piwarden.events import AccessEvent


class HoneytokenError(ValueError):
    """The registry is missing or malformed."""


@dataclass
class Canary:
    """One planted canary: a customer record and an order, exposed to ``parties`` only."""

    subject: str
    record: str
    fields: dict[str, str]
    parties: list[str]
    planted: str = ""


@dataclass
class Registry:
    """Every canary planted under one key (identified by a digest, never stored)."""

    key_id: str
    canaries: list[Canary] = field(default_factory=list)

    def save(self, path: Path) -> None:
        data = {"v": 1, "key_id": self.key_id, "canaries": [asdict(c) for c in self.canaries]}
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", "utf-8")

    @classmethod
    def load(cls, path: Path) -> Registry:
        try:
            data = json.loads(path.read_text("utf-8"))
            return cls(str(data["key_id"]), [Canary(**c) for c in data["canaries"]])
        except OSError as exc:
            raise HoneytokenError(f"cannot read honeytoken registry ({exc.strerror})") from None
        except (ValueError, KeyError, TypeError):
            raise HoneytokenError("honeytoken registry is malformed") from None

    def exposure(self) -> dict[str, list[str]]:
        """Canary subject -> the parties it was exposed to."""
        return {c.subject: list(c.parties) for c in self.canaries}

    def records(self) -> Iterator[Record]:
        """The canaries as records (leak-sample.md), for matching leaked rows."""
        for c in self.canaries:
            yield Record(c.subject, c.record, "order", dict(c.fields), tuple(c.parties))

    def ids(self) -> set[str]:
        return {c.subject for c in self.canaries} | {c.record for c in self.canaries}


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"piwarden-honeytoken:" + key).hexdigest()[:16]


def canary(key: bytes, party: str, i: int, id_start: int = 900000, planted: str = "") -> Canary:
    """The ``i``-th canary for ``party`` under ``key``: deterministic, unforgeable without the key."""
    digest = hmac.new(key, f"{party}\x00{i}".encode(), hashlib.sha256).digest()
    rng = random.Random(digest)
    n = id_start + int.from_bytes(digest[:4]) % 100000
    prov, city, districts = rng.choice(PLACES)
    district, area = rng.choice(districts)
    address = (f"{prov}{city}{district}{rng.choice(STREETS)}{rng.randint(1, 999)}号"
               f"{rng.choice(ESTATES)}{rng.randint(1, 30)}栋{rng.randint(1, 33)}{rng.randint(1, 4):02d}室")
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    when = dt.datetime(2026, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=8))) + dt.timedelta(
        minutes=rng.randrange(60 * 24 * 90))
    fields = {"name": name, "phone": rng.choice(MOBILE_PREFIXES) + digits(rng, 8), "address": address,
              "id_number": resident_id(rng, area), "goods": rng.choice(GOODS), "order_id": f"o-{n * 7 % 10**7:07d}",
              "order_time": when.isoformat(), "amount": f"{rng.randrange(990, 59900) / 100:.2f}",
              "waybill_no": f"YT{int.from_bytes(digest[4:9]) % 10**10:010d}"}
    return Canary(f"c-{n:06d}", fields["order_id"], fields, [party], planted)


def plant(key: bytes, parties: Iterable[str], per_party: int = 2, id_start: int = 900000,
          existing: Registry | None = None) -> Registry:
    """Canaries for each party (``per_party`` each), added to ``existing`` when given."""
    kid = key_id(key)
    reg = existing or Registry(kid)
    if reg.key_id != kid:
        raise HoneytokenError("registry was planted under a different key")
    have = {(c.subject, tuple(c.parties)) for c in reg.canaries}
    today = dt.date.today().isoformat()
    for party in parties:
        for i in range(per_party):
            c = canary(key, party, i, id_start, today)
            if (c.subject, tuple(c.parties)) not in have:
                reg.canaries.append(c)
    return reg


def check_events(reg: Registry, events: Iterable[AccessEvent]) -> Iterator[dict[str, Any]]:
    """An alert for every event that touches a canary (by subject or record id)."""
    watch = reg.ids()
    exposed = reg.exposure()
    by_record = {c.record: c.subject for c in reg.canaries}
    for ev in events:
        hit = watch.intersection(ev.subjects) | watch.intersection(ev.records or ())
        for h in sorted(hit):
            subject = by_record.get(h, h)
            if h in by_record and subject in ev.subjects:
                continue  # reported by its subject
            yield {"alert": "honeytoken_access", "canary": subject, "event": ev.id, "ts": ev.ts,
                   "actor": ev.actor, "party": ev.party, "action": ev.action,
                   "exposed_to": exposed.get(subject, []),
                   "reason": f"{ev.actor} ({ev.party}) {ev.action} canary {subject}, which no "
                             f"business process touches; exposed only to {', '.join(exposed.get(subject, []))}"}


def check_leak(reg: Registry, rows: Iterable[LeakRow]) -> Iterator[dict[str, Any]]:
    """An alert for every leaked row that matches a canary."""
    idx = RecordIndex(reg.records())
    exposed = reg.exposure()
    for row in rows:
        for m in idx.match(row):
            parties = exposed.get(m.subject, [])
            yield {"alert": "honeytoken_leak", "canary": m.subject, "line": m.line, "exposed_to": parties,
                   "fields": sorted(m.fields),
                   "reason": f"canary {m.subject} appears in the leak (line {m.line}); only "
                             f"{', '.join(parties)} could have seen it"}
