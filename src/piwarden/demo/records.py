"""The simulated platform's records and data map, for leak attribution and its tests.

Writes, next to the events of :mod:`piwarden.demo.platform`:

- ``customers.csv``: id, name, phone, address, ID number, payment account (synthetic
  values from Faker ``zh_CN`` and the valid-by-construction generators of
  :mod:`piwarden.demo.textgen_values`);
- ``orders.csv``: every order with its merchant, carrier and waybill number;
- ``records.jsonl``: one line per order, customer and policy in the format of
  ``leak-sample.md`` (the fields each record holds and the data-map parties that received
  it; a customer record goes to no outside party);
- ``datamap.yaml``: the parties (platform desks, every merchant, carriers on the offline
  waybill channel, payment providers) and the fields each receives, per ``datamap.md``.

All values are synthetic; none belongs to a real person.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path
from typing import Any

import orjson
import yaml

from piwarden.demo.platform import CARRIERS, GOODS, Simulation, policy_no, ts

FIELD_TYPES = {
    "name": "PERSON", "phone": "PHONE", "address": "ADDRESS", "id_number": "CN_RESIDENT_ID",
    "payment_account": "PAYMENT_ACCOUNT", "goods": "GOODS", "order_id": "ORDER_ID", "order_time": "DATETIME",
    "amount": "AMOUNT", "waybill_no": "WAYBILL_NO",
    # insurance fields: no dedicated PI type yet, mapped to the nearest one
    "policy_no": "ORDER_ID", "policy_type": "GOODS", "premium": "AMOUNT", "expiry_date": "DATETIME",
}
ALL = list(FIELD_TYPES)
MERCHANT_FIELDS = ["name", "address", "goods", "order_id", "order_time", "amount", "waybill_no"]
LOGISTICS_FIELDS = ["name", "phone", "address", "goods", "waybill_no"]
PAYMENT_FIELDS = ["name", "payment_account", "amount", "order_id"]
PAYERS = ("payment:alipay", "payment:wechat")


def customers(sim: Simulation) -> list[dict[str, str]]:
    """Every customer's synthetic PI, deterministic by the simulation's seed."""
    from piwarden.demo import textgen_values as V
    from piwarden.demo.textgen import Gen

    g = Gen(sim.config.seed)
    fake = g.faker["zh"]
    out = []
    for n in range(1, sim.world.customers + 1):
        out.append({"customer_id": f"c-{n:06d}", "name": fake.name(), "phone": V.cn_mobile(g.rng),
                    "address": g.address(), "id_number": V.resident_id(g.rng),
                    "payment_account": "62" + V.digits(g.rng, 14)})
    return out


def datamap(sim: Simulation) -> dict[str, Any]:
    """The data map (datamap.md) of the simulated platform."""
    parties: list[dict[str, Any]] = [
        {"id": "platform.backend", "kind": "platform", "receives": ALL},
        {"id": "platform.cs", "kind": "platform", "receives": ["name", "phone", "address", "goods", "order_id",
                                                               "order_time", "amount", "waybill_no", "policy_no",
                                                               "policy_type", "premium", "expiry_date"],
         "masked": ["id_number"]},
        {"id": "platform.cs.escalation", "kind": "platform", "receives": ["name", "phone", "address", "goods",
                                                                          "order_id", "order_time", "amount",
                                                                          "waybill_no"]},
        {"id": "platform.ops", "kind": "platform", "receives": ["name", "phone", "address", "goods", "order_id",
                                                                "order_time", "amount"]},
        {"id": "platform.analytics", "kind": "platform", "receives": ["goods", "order_time", "amount"],
         "masked": ["name", "phone", "address"]},
    ]
    for mid in sim.world.merchants:
        parties.append({"id": f"merchant:{mid}", "kind": "merchant", "receives": MERCHANT_FIELDS, "masked": ["phone"]})
    for c in CARRIERS:
        parties.append({"id": f"logistics:{c}", "kind": "logistics", "channel": "waybill",
                        "receives": LOGISTICS_FIELDS})
    for p in PAYERS:
        parties.append({"id": p, "kind": "payment", "receives": PAYMENT_FIELDS})
    return {
        "v": 1, "fields": FIELD_TYPES, "parties": parties,
        "processing": [{"id": "fulfilment", "purpose": "deliver orders", "legal_basis": "contract",
                        "fields": LOGISTICS_FIELDS,
                        "recipients": [f"merchant:{m}" for m in sim.world.merchants] + [f"logistics:{c}" for c in
                                                                                        CARRIERS],
                        "retention_days": 365}],
    }


def write(sim: Simulation, out: Path) -> dict[str, int]:
    """Write customers.csv, orders.csv, records.jsonl and datamap.yaml; return row counts."""
    people = customers(sim)
    with (out / "customers.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(people[0]))
        w.writeheader()
        w.writerows(people)
    n_orders = 0
    rng = random.Random(f"{sim.config.seed}:payers")
    with (out / "orders.csv").open("w", newline="", encoding="utf-8") as fo, \
            (out / "records.jsonl").open("wb") as fr:
        w2 = csv.writer(fo)
        w2.writerow(["order_id", "customer_id", "merchant", "carrier", "waybill_no", "goods", "amount", "order_time"])
        for day_orders in sim.orders():
            for o in day_orders:
                n_orders += 1
                when = ts(sim.config.start + dt.timedelta(days=o.day), o.seconds)
                amount = f"{o.amount_cents / 100:.2f}"
                w2.writerow([o.id, o.customer, o.merchant, o.carrier, o.waybill, GOODS[o.goods], amount, when])
                p = people[int(o.customer[2:]) - 1]
                fields = {"name": p["name"], "phone": p["phone"], "address": p["address"], "goods": GOODS[o.goods],
                          "order_id": o.id, "order_time": when, "amount": amount, "waybill_no": o.waybill,
                          "payment_account": p["payment_account"]}
                rec = {"subject": o.customer, "record": o.id, "resource": "order", "fields": fields,
                       "recipients": [f"merchant:{o.merchant}", f"logistics:{o.carrier}", rng.choice(PAYERS)]}
                fr.write(orjson.dumps(rec) + b"\n")
        for p in people:  # the customer record itself: held by the platform only
            rec = {"subject": p["customer_id"], "record": p["customer_id"], "resource": "customer",
                   "fields": {k: p[k] for k in ("name", "phone", "address", "id_number")}, "recipients": []}
            fr.write(orjson.dumps(rec) + b"\n")
            pol = policy_no(p["customer_id"])
            if pol:
                rec = {"subject": p["customer_id"], "record": pol, "resource": "policy",
                       "fields": {"name": p["name"], "phone": p["phone"], "address": p["address"],
                                  "id_number": p["id_number"], "policy_no": pol},
                       "recipients": ["platform.cs"]}
                fr.write(orjson.dumps(rec) + b"\n")
    (out / "datamap.yaml").write_text(yaml.safe_dump(datamap(sim), allow_unicode=True, sort_keys=False), "utf-8")
    return {"customers": len(people), "orders": n_orders}
