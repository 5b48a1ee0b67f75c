"""Claims a pack makes about the subject's data, each a query the verifier re-runs over the proven events.

"No view or export of fields X by anyone but Y in the period" is not typed in: it is the answer
of ``standalone.evaluate`` over every event of the complete range (basis ``range``), or, when
the pack could not hold the range, over the subject's events from the platform's index (basis
``index``, said so in the report). The pack states which events match; the verifier recomputes
them and fails the claim if the answer differs. The claims, for the fields in question:

- ``C1`` who saw the *whole* set in clear (the waybill case: nobody on the platform could have
  known name, phone and address together; only the courier's paper waybill held them);
- ``F-<field>`` for each field, nobody but the parties named saw it in clear;
- ``P-<party>`` for each party that touched the fields, its accesses, split into clear and masked.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from piwarden.evidence.standalone import evaluate

# Actions that put a field in front of someone or out of the platform.
DISCLOSING = ["view", "reveal", "search", "export", "download", "print"]


def claim_of(cid: str, query: dict[str, Any], events: dict[int, dict[str, Any]], basis: str, en: str,
           zh: str) -> dict[str, Any]:
    matches = evaluate(query, events)
    return {"id": cid, "basis": basis, "query": query, "matches": matches, "holds": not matches,
            "text": {"en": en.replace("{n}", str(len(matches))), "zh": zh.replace("{n}", str(len(matches)))}}


def _clear(e: dict[str, Any]) -> set[str]:
    return set(e.get("fields") or ()) - set(e.get("masked_fields") or ())


def build(subject: str, fields: list[str], events: dict[int, dict[str, Any]], since: str | None, until: str | None,
          basis: str) -> list[dict[str, Any]]:
    """The claims of a subject pack over ``events`` (leaf -> event: the range, or the subject's events)."""
    base: dict[str, Any] = {"subject": subject, "fields": sorted(fields), "actions": DISCLOSING}
    if since is not None:
        base["since"] = since
    if until is not None:
        base["until"] = until
    fx = "[" + ", ".join(sorted(fields)) + "]"
    touching = {i: events[i] for i in evaluate(base, events)}
    cover = sorted({str(touching[i].get("party")) for i in evaluate({**base, "clear": True, "cover": True}, touching)})
    claims = [claim_of("C1", {**base, "clear": True, "cover": True}, events, basis,
                     f"Parties that saw all of {fx} of the subject in clear in the period: "
                     f"{', '.join(cover) or 'none'} ({{n}} events).",
                     f"期间以明文看到该个人全部 {fx} 字段的一方：{'、'.join(cover) or '无'}（{{n}} 条事件）。")]
    by_field: dict[str, set[str]] = defaultdict(set)
    for e in touching.values():
        for f in _clear(e) & set(fields):
            by_field[f].add(str(e.get("party")))
    for f in sorted(fields):
        who = sorted(by_field[f])
        claims.append(claim_of(f"F-{f}", {**base, "fields": [f], "clear": True, "exclude_parties": who}, events, basis,
                             f"No view or export of {f} of the subject in clear by anyone but "
                             f"{', '.join(who) or 'nobody'} ({{n}} other events).",
                             f"除 {'、'.join(who) or '无'} 外，无人以明文查看或导出该个人的 {f}（其他事件 {{n}} 条）。"))
    for party in sorted({str(e.get("party")) for e in touching.values()}):
        mine = [e for e in touching.values() if e.get("party") == party]
        clear = sorted(set().union(*(_clear(e) for e in mine)) & set(fields))
        masked = sorted(set().union(*(set(e.get("masked_fields") or ()) for e in mine)) & set(fields) - set(clear))
        claims.append(claim_of(f"P-{party}", {**base, "parties": [party]}, events, basis,
                             f"{party}: {{n}} accesses; in clear: {', '.join(clear) or 'none'}; only masked: "
                             f"{', '.join(masked) or 'none'}.",
                             f"{party}：{{n}} 次访问；明文：{'、'.join(clear) or '无'}；仅掩码：{'、'.join(masked) or '无'}。"))
    return claims


def holders(datamap: Any, leaked: set[str], clear: set[str]) -> list[dict[str, Any]]:
    """Parties of the data map holding every leaked field (in clear where the leak shows it in clear)."""
    out = []
    for p in datamap.parties.values():
        if leaked <= p.holds and clear <= p.receives:
            fit = len(leaked) / len(p.holds) if p.holds else 0.0
            out.append({"party": p.id, "kind": p.kind, "channel": p.channel, "offline": p.offline,
                        "fit": round(fit, 3), "extra_fields": sorted(p.holds - leaked)})
    return sorted(out, key=lambda h: (-h["fit"], h["party"]))
