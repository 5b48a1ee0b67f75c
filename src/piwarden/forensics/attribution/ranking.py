"""Leak attribution: who could have known exactly these fields about exactly these people?

The reasoning follows the court in the waybill case (issue 7):

1. **Who received every leaked field for every matched subject.** A party "had" a leaked row
   when the records say it received that subject's record and the data map says it receives
   each leaked field (in clear when the leak shows it in clear). Platform desks receive no
   records of their own: they had a row when one of their (human) actors saw those fields of
   that subject in clear in the access events. Parties on offline channels (waybills, paper)
   leave no logs and are judged on field sets alone.
2. **Which fields are conspicuously absent** and **how tightly the party's field set fits**
   (Jaccard of the leaked fields and the fields it holds): a merchant holds order time, amount
   and order number, so a leak without them fits a carrier better.
3. **Guilt when recipients overlap** (Papadimitriou and Garcia-Molina, "Data Leakage
   Detection", IEEE TKDE 2011): each leaked row is shared equally by the agents that had it,
   and could have been obtained elsewhere with probability ``GUESS``:
   ``Pr{G_i} = 1 - prod over rows t held by i of (1 - (1 - GUESS) / |V_t|)``. Honeytokens
   cannot be guessed: their ``GUESS`` is 0.
4. **Actors**: within the party, the (non-service) actor that saw the most leaked rows in
   clear, by the same guilt model; service accounts' batch exports are the data map's
   transfers, not a person's access.

Score: ``guilt x coverage^2 x (0.25 + 0.75 x fit)``, normalised over candidates.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from piwarden.forensics.attribution.access import AccessLog, ActorAccess
from piwarden.forensics.attribution.datamap import DataMap, Party
from piwarden.forensics.attribution.match import IDENTITY as _IDENTITY
from piwarden.forensics.attribution.match import Match, RecordIndex

if TYPE_CHECKING:
    from piwarden.events import AccessEvent
    from piwarden.forensics.attribution.leak import LeakRow

GUESS = 0.1
IDENTITY = frozenset(_IDENTITY)
MAX_CANDIDATES = 10
ORDER_ONLY_HINT = ("order_time", "amount", "order_id")


@dataclass
class Candidate:
    party: str
    actor: str | None
    score: float
    evidence: list[str] = field(default_factory=list)
    raw: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"party": self.party, "actor": self.actor, "score": self.score, "evidence": self.evidence}


def _fmt(fields: Iterable[str]) -> str:
    return "{" + ", ".join(sorted(fields)) + "}"


def _row_fields(m: Match) -> tuple[set[str], set[str]]:
    clear = {f for f, c in m.fields.items() if c}
    return clear, set(m.fields) - clear


def _feasible(p: Party, clear: set[str], masked: set[str]) -> bool:
    return clear <= p.receives and masked <= p.holds


def guilt(shares: Iterable[tuple[int, bool]]) -> float:
    """Papadimitriou-Garcia-Molina: ``shares`` are (|V_t|, is_canary) for the rows an agent had."""
    log_innocent = 0.0
    for n, canary in shares:
        g = 0.0 if canary else GUESS
        q = 1.0 - (1.0 - g) / n
        if q <= 0.0:
            return 1.0
        log_innocent += math.log(q)
    return 1.0 - math.exp(log_innocent)


class Attribution:
    """Ranks parties (and, where logs allow, actors) for a set of matched leaked rows."""

    def __init__(self, datamap: DataMap, matches: list[Match], log: AccessLog,
                 canaries: dict[str, list[str]] | None = None, lang: str = "both") -> None:
        self.dm, self.matches, self.log = datamap, matches, log
        self.canaries = canaries or {}
        self.lang = lang

    # -- who had each row ------------------------------------------------------------------------
    def _actor_had(self, a: ActorAccess, m: Match) -> bool:
        seen = a.seen.get(m.subject)
        if seen is None or a.service:
            return False
        clear, masked = _row_fields(m)
        ident, other = clear & IDENTITY, clear - IDENTITY
        # record-specific fields (goods, amount, ...) must have been seen on the leaked record itself
        on_record = set().union(*(a.records.get(r.record, set()) for r in m.records)) if other else set()
        return ident <= seen and other <= on_record and masked <= (seen | self.dm.party(a.party).holds)

    def holders(self) -> tuple[list[set[str]], list[dict[str, set[str]]]]:
        """Per matched row: the parties that had it, and per party the actors that had it."""
        parties: list[set[str]] = []
        actors: list[dict[str, set[str]]] = []
        for m in self.matches:
            clear, masked = _row_fields(m)
            had: set[str] = set()
            recipients = {p for r in m.records for p in r.recipients}
            for pid in recipients:
                if _feasible(self.dm.party(pid), clear, masked):
                    had.add(pid)
            by_party: dict[str, set[str]] = {}
            for a in self.log.actors.values():
                if self._actor_had(a, m):
                    by_party.setdefault(a.party, set()).add(a.actor)
            had |= by_party.keys()
            parties.append(had)
            actors.append(by_party)
        return parties, actors

    # -- ranking ---------------------------------------------------------------------------------
    def rank(self) -> list[Candidate]:
        if not self.matches:
            return []
        had, actor_had = self.holders()
        n = len(self.matches)
        leaked = set().union(*(m.fields for m in self.matches))
        ids = sorted(set().union(*had))
        rows_of: dict[str, list[int]] = {p: [i for i in range(n) if p in had[i]] for p in ids}
        cands: list[Candidate] = []
        for pid in ids:
            party = self.dm.party(pid)
            rows = rows_of[pid]
            g = guilt((len(had[i]), self.matches[i].subject in self.canaries) for i in rows)
            cov = len(rows) / n
            holds = self._held(party, rows, actor_had)
            fit = len(leaked & holds) / len(leaked | holds) if holds else 0.0
            raw = g * cov * cov * (0.25 + 0.75 * fit)
            actor, actor_ev = self._best_actor(pid, rows, actor_had, had)
            c = Candidate(pid, actor, 0.0, raw=raw)
            c.evidence = self._evidence(party, rows, had, leaked, fit, g, actor_ev, holds)
            cands.append(c)
        total = sum(c.raw for c in cands) or 1.0
        for c in cands:
            c.score = round(c.raw / total, 3)
        cands.sort(key=lambda c: (-c.raw, c.party))
        return cands[:MAX_CANDIDATES]

    def _held(self, party: Party, rows: list[int], actor_had: list[dict[str, set[str]]]) -> frozenset[str]:
        """The field set to fit: a platform desk can open anything, so what its actors saw of
        these subjects in clear (the logs say it); any other party, what the data map gives it."""
        if party.kind != "platform":
            return party.holds
        seen: set[str] = set()
        for i in rows:
            subject = self.matches[i].subject
            for actor in actor_had[i].get(party.id, ()):
                seen |= self.log.actors[actor].seen.get(subject, set())
        return frozenset(seen) or party.holds

    def _best_actor(self, pid: str, rows: list[int], actor_had: list[dict[str, set[str]]],
                    had_parties: list[set[str]]) -> tuple[str | None, list[tuple[str, str]]]:
        """The actor of ``pid`` most likely guilty, by the guilt model over the party's rows."""
        counts: dict[str, list[int]] = {}
        for i in rows:
            for a in actor_had[i].get(pid, ()):
                counts.setdefault(a, []).append(i)
        if not counts:
            return None, []

        def n_agents(i: int) -> int:  # V_t at actor level: actors that had row i, plus unlogged holders
            return sum(len(v) for v in actor_had[i].values()) + len(had_parties[i] - actor_had[i].keys())

        def artifact(a: str) -> tuple[float, str | None]:
            """Share of the party's rows held by the actor's largest single export or print."""
            best_id, best_n = None, 0
            for aid, held in self.log.actors[a].artifacts.items():
                k = sum(1 for i in rows if self.matches[i].subject in held
                        or any(r.record in held for r in self.matches[i].records))
                if k > best_n:
                    best_id, best_n = aid, k
            return best_n / len(rows), best_id

        arts = {a: artifact(a) for a in counts}
        scored = sorted(((guilt((max(1, n_agents(i)), self.matches[i].subject in self.canaries) for i in rs)
                          * len(rs) * (1 + arts[a][0]), a) for a, rs in counts.items()), key=lambda x: (-x[0], x[1]))
        best = scored[0][1]
        share = len(counts[best]) / len(rows)
        if share < 0.5:  # the logs explain too little of what the party had: do not name anyone
            return None, self._actor_sentences(best, counts[best], rows, named=False)
        ev = self._actor_sentences(best, counts[best], rows, named=True)
        a_share, a_id = arts[best]
        if a_id is not None and a_share >= 0.2:
            k = round(a_share * len(rows))
            ev.append((f"one artifact of {best}, {a_id}, holds {k} of the {len(rows)} leaked records "
                       "(an export or print is how bulk leaks leave; decode its watermark to confirm)",
                       f"{best}的单个导出/打印件{a_id}包含{len(rows)}条泄露记录中的{k}条（批量泄露通常经导出或打印流出；"
                       "可解码其水印确认）"))
        for a in [a for _, a in scored[1:3]]:
            ev += self._actor_sentences(a, counts[a], rows, named=False)
        return best, ev

    # -- evidence --------------------------------------------------------------------------------
    def _say(self, en: str, zh: str) -> list[str]:
        return {"en": [en], "zh": [zh]}.get(self.lang, [en, zh])

    def _actor_sentences(self, actor: str, rows: list[int], party_rows: list[int], named: bool
                         ) -> list[tuple[str, str]]:
        a = self.log.actors[actor]
        acts = ", ".join(f"{k} {v}" for k, v in sorted(a.actions.items()))
        ev = ", ".join(a.events[:5])
        n, k = len(party_rows), len(rows)
        lead = "" if named else "also: "
        out = [(f"{lead}actor {actor} ({a.party}, {a.role}) saw in clear the leaked fields of {k} of {n} leaked "
                f"records this party had ({acts}; events {ev}; {a.first_ts} to {a.last_ts})",
                f"{'另有：' if not named else ''}操作者{actor}（{a.party}，{a.role}）以明文查看过该方所持{n}条泄露记录中的"
                f"{k}条的泄露字段（{acts}；事件{ev}；{a.first_ts}至{a.last_ts}）")]
        if a.canary_events:
            out.append((f"actor {actor} accessed a honeytoken record (events {', '.join(a.canary_events[:5])})",
                        f"操作者{actor}访问过蜜罐记录（事件{', '.join(a.canary_events[:5])}）"))
        return out

    def _evidence(self, party: Party, rows: list[int], had: list[set[str]], leaked: set[str], fit: float,
                  g: float, actor_ev: list[tuple[str, str]], holds: frozenset[str]) -> list[str]:
        n, k = len(self.matches), len(rows)
        out: list[str] = []
        clear = {f for m in self.matches for f, c in m.fields.items() if c}
        masked = leaked - clear
        if clear <= party.receives and masked <= party.holds:
            out += self._say(f"leaked fields {_fmt(leaked)} are a subset of what {party.id} receives",
                             f"泄露字段{_fmt(leaked)}均在{party.id}接收的字段之内")
        else:
            miss = (clear - party.receives) | (masked - party.holds)
            out += self._say(f"{party.id} does not receive {_fmt(miss)} in clear, which some leaked records carry",
                             f"{party.id}不接收部分泄露记录中的明文字段{_fmt(miss)}")
        out += self._say(f"{party.id} had {k} of {n} matched leaked records ({100 * k // n}%)",
                         f"{n}条已匹配的泄露记录中{party.id}持有{k}条（{100 * k // n}%）")
        absent = holds - leaked
        seen_by_actors = holds != party.holds
        others = {p for i in rows for p in had[i]} - {party.id}
        other_only = set().union(*(self.dm.party(p).holds for p in others)) - leaked - party.holds if others else set()
        hint = [f for f in ORDER_ONLY_HINT if f in other_only]
        if hint:
            out += self._say(f"order-only fields ({', '.join(hint)}) absent from every leaked record; {party.id} "
                             "never receives them",
                             f"所有泄露记录均不含订单专属字段（{', '.join(hint)}），{party.id}本就不接收这些字段")
        what, what_zh = ("its staff saw of these people in clear", "其员工明文查看过的") if seen_by_actors \
            else ("holds", "持有")
        if absent:
            out += self._say(f"fields {party.id} {what} but no leaked record carries: {_fmt(absent)} "
                             f"(field-set fit {fit:.2f})",
                             f"{party.id}{what_zh}但泄露记录中均未出现的字段：{_fmt(absent)}（字段集合契合度{fit:.2f}）")
        else:
            out += self._say(f"field-set fit {fit:.2f}: the leak carries every field {party.id} {what}",
                             f"字段集合契合度{fit:.2f}：泄露记录含有{party.id}{what_zh}的全部字段")
        if party.offline:
            out += self._say(f"{party.id} receives on the offline {party.channel} channel: no access log exists, "
                             "so this rests on field sets alone",
                             f"{party.id}经线下{party.channel}渠道接收，没有访问日志，此项仅依据字段集合判断")
        logged = {m.subject for m, h in zip(self.matches, had, strict=True)
                  if any(self.dm.party(p).kind in ("platform", "merchant") and p != party.id for p in h)}
        if party.offline or party.kind == "logistics":
            if not logged:
                out += self._say("no platform or merchant access in clear to these subjects' leaked fields in the "
                                 "window",
                                 "时间窗口内没有平台或商家以明文访问这些主体的泄露字段")
            else:
                out += self._say(f"platform or merchant actors saw the leaked fields of {len(logged)} of "
                                 f"{len({m.subject for m in self.matches})} subjects in clear",
                                 f"平台或商家操作者以明文查看过其中{len(logged)}个主体的泄露字段")
        canary = sorted({self.matches[i].subject for i in rows if self.matches[i].subject in self.canaries})
        for c in canary[:5]:
            exposed = ", ".join(self.canaries[c])
            out += self._say(f"honeytoken {c} appears in the leak; it was exposed only to {exposed}",
                             f"蜜罐记录{c}出现在泄露样本中，它仅提供给过{exposed}")
        out += self._say(f"guilt probability {g:.2f} (Papadimitriou-Garcia-Molina, shared records split among "
                         "their holders)",
                         f"罪责概率{g:.2f}（Papadimitriou-Garcia-Molina模型，共享记录按持有方均分）")
        for en, zh in actor_ev:
            out += self._say(en, zh)
        return out


def attribute(rows: list[LeakRow], index: RecordIndex, datamap: DataMap, events: Iterable[AccessEvent],
              canaries: dict[str, list[str]] | None = None, lang: str = "both"
              ) -> tuple[list[Candidate], dict[str, Any]]:
    """Match ``rows`` against ``index``, stream ``events`` once, rank the candidates.

    Returns the candidates and a summary of counts (no values) for the command's log line.
    """
    matches: list[Match] = []
    unmatched = 0
    for row in rows:
        got = index.match(row)
        matches.extend(got)
        unmatched += not got
    log = AccessLog({m.subject for m in matches}, canaries or (), {r.record for m in matches for r in m.records})
    for ev in events:
        log.observe(ev)
    ranked = Attribution(datamap, matches, log, canaries, lang).rank()
    summary = {"rows": len(rows), "matched_rows": len(rows) - unmatched, "unmatched_rows": unmatched,
               "subjects": len({m.subject for m in matches}), "events": log.n_events, "events_kept": log.n_kept,
               "honeytoken_hits": sorted({m.subject for m in matches if canaries and m.subject in canaries})}
    return ranked, summary
