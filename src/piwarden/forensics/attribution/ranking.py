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
   and order number, so a leak without them fits a carrier better (stated in the evidence).
3. **Sources and likelihood** (issue 18): a source is a party by what the data map gives it, or an
   actor by what the logs show it (identifying fields in clear from the logs, other fields as the
   data map gives them to its party: graded coverage). If a source leaked, the rows were drawn from
   the rows like them it held (``size``), each row with probability ``EPSILON`` from elsewhere:
   the holder that explains all of the leak wins over holders of part of it, and among holders of
   all of it the one holding fewest such rows. Parties score by their likeliest source, as a
   posterior over the parties and "none of them".
4. **Actors**: within the party, the actor source with the highest likelihood, named when it held
   at least half of the party's rows; platform service accounts' batch exports are the data map's
   transfers, not a person's access, and no source.

``guilt`` is the Papadimitriou-Garcia-Molina model ("Data Leakage Detection", IEEE TKDE 2011) the
ranking used before issue 18, kept for comparison: ``Pr{G_i} = 1 - prod over rows t held by i of
(1 - (1 - GUESS) / |V_t|)``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from piwarden.forensics.anomalies.disclosure import GRADES
from piwarden.forensics.attribution.access import AccessLog, ActorAccess
from piwarden.forensics.attribution.datamap import DataMap, Party
from piwarden.forensics.attribution.match import IDENTITY as _IDENTITY
from piwarden.forensics.attribution.match import Match, RecordIndex

if TYPE_CHECKING:
    from piwarden.events import AccessEvent
    from piwarden.forensics.attribution.leak import LeakRow

GUESS = 0.1
EPSILON = 0.001  # the chance that a leaked row came from somewhere other than the source judged
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


@dataclass
class Source:
    """One way a leak could have left: a party by what the data map gives it, or an actor by what the
    logs show it was shown. ``rows``: the matched rows it held; ``size``: how many rows like them it held
    in all (the records it receives of those kinds; the records an actor was shown with the leak's key
    field in clear); ``ll``: the log-likelihood of the leak if it was the source."""

    party: str
    actor: str | None
    rows: list[int]
    size: float
    ll: float = 0.0


def log_likelihood(held: int, n: int, size: float, universe: float) -> float:
    """The leak's n rows drawn at random from a source's ``size`` rows, each with probability EPSILON from
    elsewhere (one of ``universe`` records): a holder of every leaked row among few rows explains the leak
    best; one that lacks some of them pays log(EPSILON / universe) for each."""
    size = max(size, held, 1.0)
    return held * math.log((1.0 - EPSILON) / size) + (n - held) * math.log(EPSILON / max(universe, size))


class Attribution:
    """Ranks parties (and, where logs allow, actors) for a set of matched leaked rows.

    Every row is credited to the parties the data map gives it to (records' recipients that receive its
    fields) and to the actors the logs show it was shown to: identifying fields in clear as the logs show
    them, other fields (goods, weights, levels) as the data map gives them to the actor's party (graded
    coverage). Each party is scored by its likeliest source (:class:`Source`); the scores are posterior
    probabilities over the parties and "none of them" (every row from elsewhere), so a party that could
    have produced a third of the rows is not 1.00 while another holds all of them.
    """

    def __init__(self, datamap: DataMap, matches: list[Match], log: AccessLog,
                 canaries: dict[str, list[str]] | None = None, lang: str = "both",
                 held: Counter[tuple[str, str]] | None = None, universe: int = 0) -> None:
        self.dm, self.matches, self.log = datamap, matches, log
        self.canaries = canaries or {}
        self.lang = lang
        self.held = held or Counter()
        self.universe = max(universe, len(matches), 1)
        self.unknown = 0.0  # posterior of "none of the parties"

    # -- who had each row ------------------------------------------------------------------------
    def _actor_had(self, a: ActorAccess, m: Match) -> bool:
        seen = a.seen.get(m.subject)
        if seen is None:
            return False
        party = self.dm.party(a.party)
        clear, masked = _row_fields(m)
        ident, other = clear & IDENTITY, clear - IDENTITY
        on_record = set().union(*(a.records.get(r.record, set()) for r in m.records)) if other else set()
        # identifying fields from the logs; the rest as the data map gives them to the actor's party
        return ident <= seen and other <= (on_record | seen | party.receives) and masked <= (seen | party.holds)

    def _is_source(self, a: ActorAccess) -> bool:
        """A platform service account's batch export is the data map's transfer, not a person's access; an
        external party's own accounts (a partner's pull, a courier's app) are how it received the rows."""
        return not (a.service and self.dm.party(a.party).kind == "platform")

    def sources(self) -> tuple[dict[str, list[Source]], list[set[str]]]:
        """Per party, its sources (data map first, then actors); per row, the parties that had it."""
        n = len(self.matches)
        by_party: dict[str, list[Source]] = {}
        had: list[set[str]] = [set() for _ in range(n)]
        dm_rows: dict[str, list[int]] = {}
        for i, m in enumerate(self.matches):
            clear, masked = _row_fields(m)
            for pid in {p for r in m.records for p in r.recipients}:
                if _feasible(self.dm.party(pid), clear, masked):
                    dm_rows.setdefault(pid, []).append(i)
        for pid, rows in dm_rows.items():
            kinds = {r.resource for i in rows for r in self.matches[i].records if pid in r.recipients}
            size = sum(self.held[pid, k] for k in kinds)
            by_party.setdefault(pid, []).append(Source(pid, None, rows, size))
        for a in self.log.actors.values():
            if not self._is_source(a):
                continue
            rows = [i for i, m in enumerate(self.matches) if self._actor_had(a, m)]
            if rows:
                by_party.setdefault(a.party, []).append(Source(a.party, a.actor, rows, self.log.volume[a.actor]))
        for pid, srcs in by_party.items():
            for src in srcs:
                src.ll = log_likelihood(len(src.rows), n, src.size, self.universe)
                for i in src.rows:
                    had[i].add(pid)
        return by_party, had

    # -- ranking ---------------------------------------------------------------------------------
    def rank(self) -> list[Candidate]:
        if not self.matches:
            return []
        by_party, had = self.sources()
        n = len(self.matches)
        leaked = set().union(*(m.fields for m in self.matches))
        best = {pid: max(srcs, key=lambda x: (x.ll, x.actor is None)) for pid, srcs in by_party.items()}
        none = n * math.log(1.0 / self.universe)
        top = max([none, *(b.ll for b in best.values())])
        weights = {pid: math.exp(b.ll - top) for pid, b in best.items()}
        total = sum(weights.values()) + math.exp(none - top)
        self.unknown = math.exp(none - top) / total
        cands: list[Candidate] = []
        for pid, b in best.items():
            party = self.dm.party(pid)
            rows = sorted({i for src in by_party[pid] for i in src.rows})
            g = weights[pid] / total
            holds = self._held(party, rows, by_party[pid])
            fit = len(leaked & holds) / len(leaked | holds) if holds else 0.0
            actor, actor_ev = self._best_actor(pid, rows, by_party[pid])
            c = Candidate(pid, actor, round(g, 3), raw=b.ll)
            c.evidence = self._evidence(party, rows, had, leaked, fit, g, actor_ev, holds)
            cands.append(c)
        cands.sort(key=lambda c: (-c.raw, c.party))
        return cands[:MAX_CANDIDATES]

    def _held(self, party: Party, rows: list[int], srcs: list[Source]) -> frozenset[str]:
        """The field set to fit: a platform desk can open anything, so what its actors saw of these
        subjects in clear (the logs say it); any other party, what the data map gives it."""
        if party.kind != "platform":
            return party.holds
        seen: set[str] = set()
        for src in srcs:
            if src.actor is not None:
                for i in src.rows:
                    seen |= self.log.actors[src.actor].seen.get(self.matches[i].subject, set())
        return frozenset(seen) or party.holds

    def _best_actor(self, pid: str, rows: list[int], srcs: list[Source]) -> tuple[str | None, list[tuple[str, str]]]:
        """The actor of ``pid`` whose logged accesses explain the leak best (ties: more of the leaked people
        revealed or exported without a ticket); named when it held at least half of the party's rows."""
        actors = sorted((s for s in srcs if s.actor is not None),
                        key=lambda s: (-s.ll, -len(self._ticketless(s)), s.actor or ""))
        if not actors:
            return None, []
        first = actors[0]
        name = first.actor or ""
        if len(first.rows) < 0.5 * len(rows):  # the logs explain too little of what the party had
            return None, self._actor_sentences(name, first.rows, rows, named=False)
        ev = self._actor_sentences(name, first.rows, rows, named=True)
        free = self._ticketless(first)
        if free:
            ev.append((f"{len(free)} of the {len(rows)} leaked records were revealed or exported by {name} "
                       "without a ticket",
                       f"{len(rows)}条泄露记录中有{len(free)}条由{name}在无工单的情况下查看明文或导出"))
        a_id, k = self._artifact(name, rows)
        if a_id is not None and k >= 0.2 * len(rows):
            ev.append((f"one artifact of {name}, {a_id}, holds {k} of the {len(rows)} leaked records "
                       "(an export or print is how bulk leaks leave; decode its watermark to confirm)",
                       f"{name}的单个导出/打印件{a_id}包含{len(rows)}条泄露记录中的{k}条（批量泄露通常经导出或打印流出；"
                       "可解码其水印确认）"))
        for s in actors[1:3]:
            ev += self._actor_sentences(s.actor or "", s.rows, rows, named=False)
        return name, ev

    def _ticketless(self, s: Source) -> list[int]:
        free = self.log.actors[s.actor].ticketless if s.actor else set()
        return [i for i in s.rows if self.matches[i].subject in free]

    def _artifact(self, actor: str, rows: list[int]) -> tuple[str | None, int]:
        """The actor's single export or print holding most of ``rows``."""
        best_id, best_n = None, 0
        for aid, held in self.log.actors[actor].artifacts.items():
            k = sum(1 for i in rows if self.matches[i].subject in held
                    or any(r.record in held for r in self.matches[i].records))
            if k > best_n:
                best_id, best_n = aid, k
        return best_id, best_n

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


def key_field(matches: list[Match]) -> str | None:
    """The leak's most telling identifying field in clear (present in at least half of the rows): what makes a
    row usable (an ID number, a payment account, a phone); its holders are counted by it."""
    counts = Counter(f for m in matches for f, clear in m.fields.items() if clear and f in IDENTITY)
    common = [f for f, k in counts.items() if k * 2 >= len(matches)]
    return max(common, key=lambda f: (GRADES.get(f, 0.0), f)) if common else None


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
    log = AccessLog({m.subject for m in matches}, canaries or (), {r.record for m in matches for r in m.records},
                    key_field(matches))
    for ev in events:
        log.observe(ev)
    ranked = Attribution(datamap, matches, log, canaries, lang, index.held, index.count).rank()
    summary = {"rows": len(rows), "matched_rows": len(rows) - unmatched, "unmatched_rows": unmatched,
               "subjects": len({m.subject for m in matches}), "events": log.n_events, "events_kept": log.n_kept,
               "honeytoken_hits": sorted({m.subject for m in matches if canaries and m.subject in canaries})}
    return ranked, summary
