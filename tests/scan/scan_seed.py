"""Synthetic tables for the scan tests (Faker zh_CN and en_US): columns with the type each must get.

Column names mix English, Chinese, pinyin and pinyin initials; ``phone`` holds order numbers
(a misleading name the values must beat), ``contact`` mixes phones and e-mails, ``beiyong_sj``
is 90% NULL, ``remark`` is free text. Every PI value generated is collected in ``raw`` so the
tests can prove none of them reaches the inventory, the reports or the logs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from faker import Faker
from sqlalchemy import Column, Integer, MetaData, Table, Text, create_engine, select
from sqlalchemy.engine import Engine

from piwarden.detect.ids.checksums import luhn
from piwarden.detect.ids.cn import ric
from piwarden.scan.inventory import scan_assets, scan_columns, scan_runs

# column -> the type the classifier must give it (None: no type; "free" marks free text)
EXPECTED: dict[str, str | None] = {
    "id": None,
    "姓名": "PERSON",
    "手机号": "PHONE",
    "xingming": "PERSON",
    "shouji": "PHONE",
    "xm": "PERSON",
    "sjhm": "PHONE",
    "sfzh": "CN_RESIDENT_ID",
    "dz": "ADDRESS",
    "email": "EMAIL",
    "phone": "ORDER_ID",  # misleading: order numbers
    "contact": "PHONE",  # mixed: 70% phones, 30% e-mails
    "yhkh": "BANK_CARD",
    "csrq": "DATE_OF_BIRTH",
    "beiyong_sj": "PHONE",  # 90% NULL
    "remark": None,  # free text
    "customer_name": "PERSON",  # English names
    "login_ip": "IP_ADDRESS",
    "status": None,
    "col_x": "CN_RESIDENT_ID",  # a name that says nothing; the values say it all
}
FREE_TEXT = {"remark"}


@dataclass
class Seeded:
    columns: list[str]
    rows: list[tuple[object, ...]]
    raw: set[str] = field(default_factory=set)


def resident_id(rng: random.Random) -> str:
    region = rng.choice(["110105", "310104", "330106", "440305", "510107", "420102"])
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55))
    body = f"{region}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return body + ric.calc_check_digit(body)


def bank_card(rng: random.Random) -> str:
    body = "62" + "".join(rng.choice("0123456789") for _ in range(15))
    return body + luhn.calc_check_digit(body)


def mobile(rng: random.Random) -> str:
    return rng.choice(["138", "139", "150", "186", "177", "135"]) + "".join(rng.choice("0123456789") for _ in range(8))


def order_id(rng: random.Random) -> str:
    return f"DD2026{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}" + "".join(rng.choice("0123456789")
                                                                             for _ in range(10))


def customers(n: int, seed: int = 7) -> Seeded:
    rng = random.Random(seed)
    zh, en = Faker("zh_CN"), Faker("en_US")
    zh.seed_instance(seed)
    en.seed_instance(seed)
    raw: set[str] = set()

    def keep(v: str | None) -> str | None:
        if v is not None:
            raw.add(v)
        return v

    rows = []
    for i in range(n):
        row = (
            i + 1,
            keep(zh.name()),
            keep(mobile(rng)),
            keep(zh.name()),
            keep(mobile(rng)),
            keep(zh.name()),
            keep(mobile(rng)),
            keep(resident_id(rng)),
            keep(zh.address()),
            keep(zh.email() if i % 2 else en.email()),
            keep(order_id(rng)),
            keep(mobile(rng) if rng.random() < 0.7 else en.email()),
            keep(bank_card(rng)),
            keep(zh.date_of_birth(minimum_age=18, maximum_age=80).isoformat()),
            keep(mobile(rng)) if rng.random() < 0.1 else None,
            None,
            keep(en.name()),
            keep(en.ipv4_public()),
            rng.choice(["paid", "shipped", "closed", "refunded"]),
            keep(resident_id(rng)),
        )
        phone = keep(mobile(rng))
        remark = f"{zh.sentence()} 请联系{phone}，谢谢。" if rng.random() < 0.5 else zh.paragraph(nb_sentences=2)
        rows.append((*row[:15], remark, *row[16:]))
    return Seeded(list(EXPECTED), rows, raw)


def accuracy(found: dict[str, str | None], expected: dict[str, str | None] = EXPECTED) -> tuple[float, list[str]]:
    """Share of columns typed as expected, and the misses (column: got, wanted)."""
    misses = [f"{c}: {found.get(c)} != {t}" for c, t in expected.items() if found.get(c, "?") != t]
    return 1 - len(misses) / len(expected), misses


def leaked(raw: set[str], text: str, min_len: int = 4) -> list[str]:
    """Raw values (``min_len`` characters or more; CJK names from 2) that occur in ``text``."""
    out = []
    for v in raw:
        long_enough = len(v) >= min_len or (len(v) >= 3 and not v.isascii())
        if long_enough and v in text:
            out.append(f"{len(v)}-char value")  # never the value itself, even in a failing test
    return out


def create_table(engine: Engine, name: str, data: Seeded, schema: str | None = None) -> Table:
    """A table with an integer key ``id`` and one TEXT column per other seeded column."""
    md = MetaData()
    cols = [Column("id", Integer, primary_key=True, autoincrement=False)]
    cols += [Column(c, Text) for c in data.columns[1:]]
    table = Table(name, md, *cols, schema=schema)
    md.create_all(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), [dict(zip(data.columns, r, strict=True)) for r in data.rows])
    return table


def dump_inventory(db_url: str) -> str:
    """Every row of the scan_* tables, as text."""
    engine = create_engine(db_url)
    parts = []
    with engine.connect() as conn:
        for table in (scan_runs, scan_assets, scan_columns):
            parts += [repr(tuple(r)) for r in conn.execute(select(table))]
    engine.dispose()
    return "\n".join(parts)


def found_types(assets: list[dict[str, object]], asset: str) -> dict[str, str | None]:
    row = next(a for a in assets if a["asset"] == asset)
    return {c["name"]: c["entity"] for c in row["columns"]}  # type: ignore[index,union-attr]
