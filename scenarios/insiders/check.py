#!/usr/bin/env python3
"""Validate a generated insider scenario against the public specs (access-event, datamap, leak-sample).

Usage: python scenarios/insiders/check.py DIR   (exit status 1 and a list of problems when it fails)
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

NONE = type(None)
REQUIRED: dict[str, Any] = {"id": str, "ts": str, "actor": str, "party": str, "role": str, "action": str,
                            "resource": str, "subjects": list, "fields": list}
OPTIONAL: dict[str, Any] = {"v": int, "records": list, "masked_fields": list, "count": int, "purpose": str,
                            "ticket": (str, NONE), "channel": str, "query": dict, "client": dict, "result": str,
                            "export_id": (str, NONE)}
ACTIONS = {"view", "reveal", "search", "export", "print", "create", "update", "delete", "download", "login"}
CHANNELS = {"console", "api", "batch", "print", "export"}
RESULTS = {"allowed", "denied", "pending_approval"}
NO_LOG = {"waybill", "paper", "offline"}
TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
PHONE = re.compile(r"^1[3-9]\d{9}$")
ID_W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_valid(s: str) -> bool:
    if not re.fullmatch(r"\d{17}[\dX]", s):
        return False
    return "10X98765432"[sum(int(c) * w for c, w in zip(s, ID_W, strict=False)) % 11] == s[17]


def compatible(f: str, v: str, r: str) -> bool:
    """A leaked value as seen (full, masked, partial) against the platform's value."""
    if v in ("", r):
        return True
    if "*" in v and len(v) == len(r):
        return all(a in ("*", b) for a, b in zip(v, r, strict=True))
    if f == "name":
        return v[0] == r[0] and v[1:] in ("某某", "先生", "女士")
    return f == "address" and len(v) >= 6 and r.startswith(v)


class Check:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: Counter[str] = Counter()
        self.examples: dict[str, str] = {}
        self.last: datetime | None = None

    def bad(self, kind: str, detail: str) -> None:
        self.problems[kind] += 1
        self.examples.setdefault(kind, detail)

    def datamap(self) -> None:
        dm = yaml.safe_load((self.root / "datamap.yaml").read_text(encoding="utf-8"))
        if dm.get("v", 1) != 1 or not isinstance(dm.get("fields"), dict):
            self.bad("datamap header", str(dm.get("v")))
        self.fields = set(dm["fields"])
        self.parties: dict[str, dict[str, Any]] = {}
        for p in dm["parties"]:
            if not {"id", "kind", "receives"} <= set(p) or p["id"] in self.parties:
                self.bad("datamap party keys / duplicate", str(p.get("id")))
            for k in ("receives", "masked"):
                if not set(p.get(k, [])) <= self.fields:
                    self.bad("datamap party field unknown", f"{p['id']}.{k}")
            self.parties[p["id"]] = p
        for pr in dm.get("processing", []):
            if not set(pr.get("recipients", [])) <= set(self.parties) or not set(pr.get("fields", [])) <= self.fields:
                self.bad("datamap processing", pr.get("id", "?"))

    def records(self) -> None:
        self.recs: dict[str, dict[str, Any]] = {}
        self.by_subject: dict[str, list[str]] = defaultdict(list)
        with open(self.root / "records.jsonl", encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                r = json.loads(line)
                if set(r) != {"subject", "record", "resource", "fields", "recipients"}:
                    self.bad("record keys", f"line {n}")
                    continue
                if r["record"] in self.recs:
                    self.bad("record id duplicate", r["record"])
                if not set(r["fields"]) <= self.fields or not all(isinstance(v, str) for v in r["fields"].values()):
                    self.bad("record field unknown or not a string", r["record"])
                if not set(r["recipients"]) <= set(self.parties):
                    self.bad("record recipient not a data-map party", r["record"])
                if "phone" in r["fields"] and not PHONE.match(r["fields"]["phone"]):
                    self.bad("record phone not an 11-digit mobile", r["fields"]["phone"])
                if "id_number" in r["fields"] and not id_valid(r["fields"]["id_number"]):
                    self.bad("record id_number check character", r["fields"]["id_number"])
                self.recs[r["record"]] = r
                self.by_subject[r["subject"]].append(r["record"])

    def values(self, rec: str) -> dict[str, str]:
        """A record's values, completed by its subject's customer profile (member_level, id_number, ...)."""
        r = self.recs[rec]
        base: dict[str, str] = {}
        for other in self.by_subject[r["subject"]]:
            if self.recs[other]["resource"] == "customer":
                base.update(self.recs[other]["fields"])
        return {**base, **r["fields"]}

    def event(self, e: dict[str, Any], n: int) -> None:
        for k, t in REQUIRED.items():
            if not isinstance(e.get(k), t):
                self.bad(f"event key {k} missing or mistyped", f"line {n}")
                return
        wrong = [k for k, v in e.items() if k not in REQUIRED and (k not in OPTIONAL or not isinstance(v, OPTIONAL[k])
                                                                  or isinstance(v, bool))]
        for k in wrong:
            self.bad(f"event key {k} unknown or mistyped", f"line {n}")
        if wrong:
            return
        if e["id"] in self.ids:
            self.bad("event id duplicate", e["id"])
        self.ids[e["id"]] = e
        if not TS.match(e["ts"]):
            self.bad("event ts not RFC 3339 with offset", e["ts"])
            return
        t = datetime.fromisoformat(e["ts"].replace("Z", "+00:00"))
        if self.last and t < self.last:
            self.bad("events.jsonl not sorted by time", e["id"])
        self.last = t
        self.times[e["id"]] = t
        if e["action"] not in ACTIONS:
            self.bad("event action unknown", e["action"])
        if e.get("channel", "console") not in CHANNELS or e.get("result", "allowed") not in RESULTS:
            self.bad("event channel/result unknown", e["id"])
        if not all(isinstance(s, str) for s in e["subjects"] + e["fields"] + e.get("masked_fields", [])):
            self.bad("event list member not a string", e["id"])
        by = (e.get("query") or {}).get("by")
        if not e["subjects"]:
            agg = e["action"] in ("search", "export") and by == "aggregate" and isinstance(e.get("count"), int)
            if e["action"] != "login" and not agg:
                self.bad("event subjects empty outside login/aggregate", e["id"])
        unknown = [s for s in e["subjects"] if s not in self.by_subject]
        if unknown:
            self.bad("event subject not in records", unknown[0])
        if not all(r in self.recs for r in e.get("records", [])):
            self.bad("event record not in records", e["id"])
        p = self.parties.get(e["party"])
        if p is None:
            self.bad("event party not in data map", e["party"])
            return
        if p.get("channel") in NO_LOG:
            self.bad("event from a party whose channel leaves no log", e["id"])
        recv, masked = set(p["receives"]), set(p.get("masked", []))
        clear = recv | masked if e["action"] == "reveal" else recv
        if not set(e["fields"]) <= clear:
            self.bad("event fields not received by party (masked ones only on reveal)", f"{e['id']} {e['party']}")
        if not set(e.get("masked_fields", [])) <= recv | masked or set(e["fields"]) & set(e.get("masked_fields", [])):
            self.bad("event masked_fields outside data map or also clear", e["id"])
        if e["action"] in ("export", "print", "download") and "export_id" not in e:
            self.bad("export/print without export_id key", e["id"])
        if e.get("count", 0) < 0:
            self.bad("event negative count", e["id"])
        self.actors[e["actor"]].add(e["party"])

    def events(self) -> None:
        self.ids: dict[str, dict[str, Any]] = {}
        self.times: dict[str, datetime] = {}
        self.actors: dict[str, set[str]] = defaultdict(set)
        self.exports: set[str] = set()
        lines = (self.root / "events.jsonl").read_text(encoding="utf-8").splitlines()
        for n, line in enumerate(lines, 1):
            e = json.loads(line)
            if line != json.dumps(e, ensure_ascii=False, sort_keys=True, separators=(",", ":")):
                self.bad("event not canonical JSON", f"line {n}")
            self.event(e, n)
            if e.get("export_id"):
                self.exports.add(e["export_id"])
        for a, parties in self.actors.items():
            if len(parties) > 1:
                self.bad("actor in several parties", a)
        shuffled = (self.root / "events_shuffled.jsonl").read_text(encoding="utf-8").splitlines()
        if Counter(shuffled) != Counter(lines) or shuffled == lines:
            self.bad("events_shuffled.jsonl is not a reordering of events.jsonl", "")
        self.n_events = len(lines)

    def leak_rows(self, path: Path) -> list[dict[str, str]]:
        if path.suffix == ".csv":
            with open(path, encoding="utf-8", newline="") as f:
                rows = list(csv.DictReader(f))
            return [{k: v for k, v in r.items() if v} for r in rows]
        return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]

    def trace(self, row: dict[str, str]) -> set[str]:
        """Records whose values fit every leaked value of the row, found from its identifying values."""
        if "phone" in row:
            cands = self.phone_idx.get(row["phone"][-4:], [])
        elif "id_number" in row:
            cands = self.id_idx.get(row["id_number"][-4:], [])
        else:
            cands = self.name_idx.get(row.get("name", "")[:1], [])
        out = set()
        for subj in cands:
            for rec in self.by_subject[subj]:
                vals = self.values(rec)
                if all(k in vals and compatible(k, v, vals[k]) for k, v in row.items()):
                    out.add(rec)
        return out

    def truth(self) -> None:
        tr = json.loads((self.root / "truth.json").read_text(encoding="utf-8"))
        seen: set[str] = set()
        for ins in tr["insiders"]:
            if ins["actor"] not in self.actors:
                self.bad("insider actor has no events", ins["actor"])
            ev = ins["abnormal_events"]
            if not ev or not all(i in self.ids and self.ids[i]["actor"] == ins["actor"] for i in ev):
                self.bad("insider abnormal event missing or of another actor", ins["actor"])
                continue
            first = min(ev, key=lambda i: (self.times[i], i))
            if ins["first_abnormal_event"] != first or ins["first_abnormal_ts"] != self.ids[first]["ts"]:
                self.bad("insider first abnormal event is not the earliest", ins["actor"])
            seen.add(ins["actor"])
        for la in tr["lookalikes"]:
            if la["actor"] not in self.actors or la["actor"] in seen:
                self.bad("look-alike has no events or is also an insider", la["actor"])
        self.phone_idx: dict[str, list[str]] = defaultdict(list)
        self.id_idx: dict[str, list[str]] = defaultdict(list)
        self.name_idx: dict[str, list[str]] = defaultdict(list)
        for s, recs in self.by_subject.items():
            f = self.recs[recs[0]]["fields"]
            self.phone_idx[f["phone"][-4:]].append(s)
            self.id_idx[f.get("id_number", "")[-4:]].append(s)
            self.name_idx[f["name"][:1]].append(s)
        files = {p.name for p in (self.root / "leaks").iterdir()}
        for c in tr["leaks"]:
            path = self.root / c["file"]
            files.discard(path.name)
            if not path.exists() or c["party"] not in self.parties:
                self.bad("leak file missing or party not in data map", c["case"])
                continue
            if c["actor"] is not None and c["actor"] not in self.actors:
                self.bad("leak actor has no events", c["case"])
            if c["export_id"] is not None and c["export_id"] not in self.exports:
                self.bad("leak export_id not in events", c["case"])
            pairs = zip(c["records"], c["subjects"], strict=True)
            if not all(self.recs.get(r, {}).get("subject") == s for r, s in pairs):
                self.bad("leak truth record/subject mismatch", c["case"])
                continue
            if path.suffix == ".txt":
                text = path.read_text(encoding="utf-8")
                for r in c["records"]:
                    f = self.recs[r]["fields"]
                    if f["phone"][-4:] not in text and f["name"][:1] not in text:
                        self.bad("transcript does not mention a truth record", f"{c['case']} {r}")
                continue
            rows = self.leak_rows(path)
            if len(rows) != len(c["records"]):
                self.bad("leak row count differs from truth", c["case"])
            for row, rec in zip(rows, c["records"], strict=False):
                if not set(row) <= self.fields:
                    self.bad("leak column not a data-map field", f"{c['case']} {sorted(set(row) - self.fields)}")
                strong = "phone" in row or "id_number" in row or "payment_account" in row or \
                    ("name" in row and "address" in row)
                if not strong or rec not in self.trace(row):
                    self.bad("leaked row does not trace back to its record", f"{c['case']} {rec} {row}")
        if files:
            self.bad("leak file without a truth case", sorted(files)[0])
        self.truth_doc = tr

    def run(self) -> int:
        self.datamap()
        self.records()
        self.events()
        self.truth()
        tr = self.truth_doc
        print(f"{self.root}: {self.n_events} events, {len(self.actors)} actors, {len(self.recs)} records, "
              f"{len(tr['insiders'])} insiders, {len(tr['lookalikes'])} look-alikes, {len(tr['leaks'])} leak cases")
        for kind, n in self.problems.most_common():
            print(f"  FAIL {kind}: {n} (e.g. {self.examples[kind]})")
        print("  OK" if not self.problems else f"  {sum(self.problems.values())} problems")
        return 1 if self.problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(Check(Path(sys.argv[1])).run())
