"""Synthetic customer tables for the scan benchmarks, built with numpy and polars (millions of rows/s).

Columns are named the way Chinese schemas name them (pinyin initials, Chinese, English, one
misleading name) and each has the type a scanner should give it (:data:`EXPECTED`). Nearly
every value is distinct, IDs carry valid check digits and bank cards valid Luhn digits.
Shared by scan_table.py, scan_spark.py and scan_incremental.py; imports nothing of piwarden.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰海燕鹏飞")
SEGMENTS = ["130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "158", "159", "177", "186", "188"]
PLACES = ["浙江省杭州市西湖区", "浙江省宁波市鄞州区", "江苏省南京市鼓楼区", "广东省广州市天河区", "北京市朝阳区",
          "上海市浦东新区", "四川省成都市武侯区", "湖北省武汉市洪山区", "广东省深圳市南山区", "山东省济南市历下区"]
ROADS = ["文三路", "中山路", "人民大道", "建国路", "解放路", "学院路", "长江路", "和平街"]
WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])

# column -> the type a scanner should find (None: none; AMOUNT is a financial detail, not an identifier)
EXPECTED: dict[str, str | None] = {
    "id": None, "xm": "PERSON", "sjhm": "PHONE", "sfzh": "CN_RESIDENT_ID", "yhkh": "BANK_CARD",
    "email": "EMAIL", "联系地址": "ADDRESS", "csrq": "DATE_OF_BIRTH", "phone": "ORDER_ID", "col_7": "PHONE",
    "status": None, "amount": "AMOUNT",
}


def pick(rng: np.random.Generator, pool: list[str], n: int) -> pl.Series:
    return pl.Series(np.array(pool)[rng.integers(0, len(pool), n)])


def digits(rng: np.random.Generator, n: int, width: int) -> pl.Series:
    return pl.Series(rng.integers(0, 10**width, n)).cast(pl.String).str.zfill(width)


def _matrix(s: pl.Series, width: int) -> np.ndarray:
    return np.frombuffer("".join(s.to_list()).encode(), dtype=np.uint8).reshape(len(s), width) - 48


def make_table(n: int, seed: int = 7, start: int = 0) -> pl.DataFrame:
    """``n`` rows with ids ``start+1 ..``; the same seed gives the same rows."""
    rng = np.random.default_rng(seed)
    given = pick(rng, GIVEN, n) + pl.Series(np.where(rng.random(n) < 0.7, pick(rng, GIVEN, n).to_numpy(), ""))
    born = (np.datetime64("1950-01-01") + rng.integers(0, 365 * 55, n)).astype("datetime64[D]")
    body = (pl.Series(rng.integers(110000, 659000, n)).cast(pl.String) + pl.Series(born).dt.strftime("%Y%m%d")
            + digits(rng, n, 3))
    check = np.array(list("10X98765432"))[(_matrix(body, 17) * WEIGHTS).sum(axis=1) % 11]
    card_body = "622202" + digits(rng, n, 6) + digits(rng, n, 6)
    doubled = _matrix(card_body, 18)[:, ::-1].copy()
    doubled[:, ::2] *= 2
    luhn = (10 - np.where(doubled > 9, doubled - 9, doubled).sum(axis=1) % 10) % 10
    return pl.DataFrame({
        "id": np.arange(start + 1, start + n + 1, dtype=np.int64),
        "xm": pick(rng, SURNAMES, n) + given,
        "sjhm": pick(rng, SEGMENTS, n) + digits(rng, n, 8),
        "sfzh": body + pl.Series(check),
        "yhkh": card_body + pl.Series(luhn).cast(pl.String),
        "email": pick(rng, list("abcdefghijklmnopqrstuvwxyz"), n) + digits(rng, n, 7) + "@example.com",
        "联系地址": pick(rng, PLACES, n) + pick(rng, ROADS, n) + pl.Series(rng.integers(1, 999, n)).cast(pl.String)
        + "号" + pl.Series(rng.integers(1, 30, n)).cast(pl.String) + "幢",
        "csrq": pl.Series(born).dt.strftime("%Y-%m-%d"),
        "phone": "DD2026" + pl.Series(rng.integers(101, 1229, n) // 100 * 100 + rng.integers(1, 29, n)).cast(
            pl.String).str.zfill(4) + digits(rng, n, 10),
        "col_7": pick(rng, SEGMENTS, n) + digits(rng, n, 8),
        "status": pick(rng, ["paid", "shipped", "closed", "refunded"], n),
        "amount": pl.Series(rng.integers(100, 10_000_000, n) / 100),
    })


def chunks(rows: int, size: int = 1_000_000, seed: int = 7) -> Iterator[pl.DataFrame]:
    for i, start in enumerate(range(0, rows, size)):
        yield make_table(min(size, rows - start), seed=seed + i, start=start)


def write_sqlite(path: Path, rows: int, table: str = "customers") -> None:
    """A SQLite table with an integer primary key, filled in big transactions (no journal)."""
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    con.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;")
    cols = ", ".join(f'"{c}" {"INTEGER PRIMARY KEY" if c == "id" else "REAL" if c == "amount" else "TEXT"}'
                     for c in EXPECTED)
    con.execute(f'CREATE TABLE "{table}" ({cols})')
    insert = f'INSERT INTO "{table}" VALUES ({", ".join("?" * len(EXPECTED))})'
    for df in chunks(rows):
        con.executemany(insert, df.iter_rows())
        con.commit()
    con.close()


def write_parquet(root: Path, rows: int, files: int) -> list[Path]:
    """``rows`` rows in ``files`` Parquet files (row groups of 64k rows)."""
    root.mkdir(parents=True, exist_ok=True)
    per = -(-rows // files)
    out = []
    for i in range(files):
        n = min(per, rows - i * per)
        if n <= 0:
            break
        path = root / f"part-{i:05d}.parquet"
        make_table(n, seed=100 + i, start=i * per).write_parquet(path, row_group_size=65536)
        out.append(path)
    return out


def accuracy(found: dict[str, str | None]) -> float:
    return sum(found.get(c, "?") == t for c, t in EXPECTED.items()) / len(EXPECTED)
