"""Reading a leak sample (leak-sample.md): CSV, JSON Lines, or free text such as a call transcript.

Structured samples carry canonical field names (a few Chinese headers are accepted too);
free text goes through :class:`piwarden.detect.Analyzer` first (with the name and address
model), plus a pattern for masked mobile numbers (``138****5678``), which no recognizer
reports because a masked number is not PI on its own. Each paragraph of free text is one
:class:`LeakRow`; its text is kept so that matching can verify the values a detector cannot
type (goods, amounts) against a candidate subject's records.

Rows hold leaked values, i.e. PI: they stay in memory and are never logged or printed.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from piwarden.formats import problems
from piwarden.inputs import InputError, read_text

MASK_CHARS = "*＊"
HEADER_ALIASES = {
    "姓名": "name", "收件人": "name", "收货人": "name", "电话": "phone", "手机": "phone", "手机号": "phone",
    "联系电话": "phone", "地址": "address", "收货地址": "address", "商品": "goods", "货品": "goods",
    "身份证号": "id_number", "订单号": "order_id", "下单时间": "order_time", "金额": "amount", "运单号": "waybill_no",
    "customer_name": "name", "mobile": "phone", "tel": "phone", "item": "goods",
}
ENTITY_FIELDS = {"PERSON": "name", "PHONE": "phone", "ADDRESS": "address", "CN_RESIDENT_ID": "id_number"}
MASKED_PHONE = re.compile(r"(?<!\d)1\d{2}[*＊]{4}\d{4}(?!\d)")
_NER_CONFIG = "enabled: all\ndisabled: []\n"


class LeakError(ValueError):
    """The leak sample cannot be read; names the line, never the content."""


@dataclass
class LeakRow:
    """One leaked record (a CSV/JSONL row or a paragraph of free text)."""

    line: int
    values: dict[str, list[str]] = field(default_factory=dict)
    text: str | None = None  # free text: the paragraph, for value verification

    def masked(self, name: str) -> bool:
        """True when every value of the field was leaked masked."""
        vals = self.values.get(name) or []
        return bool(vals) and all(is_masked(v) for v in vals)


def is_masked(value: str) -> bool:
    return any(c in value for c in MASK_CHARS)


def normalize(name: str, value: str) -> str:
    """Canonical form for comparison: no spaces; phones without +86 and separators; full-width forms as
    ASCII; times without the ``T`` (an export watermark's variants compare equal, ``piwarden.mask.watermark``)."""
    v = re.sub(r"[\s\u200b\u200c\u200d\ufeff]+", "", unicodedata.normalize("NFKC", value).replace("＊", "*"))
    if name.endswith("_time"):
        v = re.sub(r"(?<=\d)T(?=\d)", "", v)
    if name == "phone":
        v = re.sub(r"[-()（）]", "", v)
        for prefix in ("+86", "0086"):
            if v.startswith(prefix):
                v = v[len(prefix):]
    return v


def _canon(header: str) -> str:
    h = header.strip().lstrip("\ufeff")
    return HEADER_ALIASES.get(h, HEADER_ALIASES.get(h.lower(), h.lower()))


def _row(line: int, obj: dict[str, object]) -> LeakRow:
    row = LeakRow(line)
    for k, v in obj.items():
        if v is None or (isinstance(v, str) and not v.strip()):
            continue
        name = _canon(str(k))
        row.values.setdefault(name, []).append(normalize(name, str(v)))
    return row


def sniff(text: str) -> str:
    """``csv``, ``jsonl`` or ``text``, by content."""
    first = text.lstrip("\ufeff").lstrip().split("\n", 1)[0].strip()
    if first.startswith("{"):
        return "jsonl"
    if "," in first or "\t" in first:
        cols = [_canon(c) for c in re.split(r"[,\t]", first)]
        known = {"name", "phone", "address", "goods", "id_number", "order_id", "order_time", "amount", "waybill_no"}
        if sum(c in known for c in cols) >= 1 and all(len(c) < 40 for c in cols):
            return "csv"
    return "text"


def raw_rows(text: str, kind: str) -> dict[int, dict[str, str]]:
    """Structured rows by line as written (canonical field names, values untouched): what watermark decoding
    reads, where :func:`parse_structured` normalizes."""
    out: dict[int, dict[str, str]] = {}
    if kind == "jsonl":
        for i, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    obj = orjson.loads(line)
                except orjson.JSONDecodeError:
                    continue
                if isinstance(obj, dict):
                    out[i] = {_canon(str(k)): str(v) for k, v in obj.items() if v is not None}
        return out
    dialect = "excel-tab" if "\t" in text.split("\n", 1)[0] else "excel"
    for i, rec in enumerate(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), dialect=dialect), 2):
        out[i] = {_canon(k): v for k, v in rec.items() if k is not None and v}
    return out


def parse_structured(text: str, kind: str) -> list[LeakRow]:
    rows: list[LeakRow] = []
    if kind == "jsonl":
        for i, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError:
                raise LeakError(f"line {i}: not valid JSON") from None
            found = problems("leak-record", obj)
            if found:
                raise LeakError(f"line {i}: not a leak record (docs/formats/leak-sample.md): "
                                + "; ".join(f"{where}: {what}" for where, what in found[:5]))
            rows.append(_row(i, obj))
        return rows
    dialect = "excel-tab" if "\t" in text.split("\n", 1)[0] else "excel"
    for i, rec in enumerate(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), dialect=dialect), 2):
        rows.append(_row(i, {k: v for k, v in rec.items() if k is not None}))
    return rows


def parse_text(text: str, analyzer: object | None = None) -> list[LeakRow]:
    """Paragraphs of free text, each with the values the detector found in it."""
    from piwarden.detect import Analyzer

    an = analyzer if isinstance(analyzer, Analyzer) else Analyzer(config=_NER_CONFIG, types=list(ENTITY_FIELDS))
    paras = [(i, p.strip()) for i, p in _paragraphs(text) if p.strip()]
    rows = []
    for (line, para), spans in zip(paras, an.analyze_batch([p for _, p in paras]), strict=True):
        row = LeakRow(line, text=para)
        for s in spans:
            name = ENTITY_FIELDS.get(s.type)
            if name:
                row.values.setdefault(name, []).append(normalize(name, para[s.start:s.end]))
        for m in MASKED_PHONE.finditer(para):
            row.values.setdefault("phone", []).append(normalize("phone", m.group()))
        rows.append(row)
    return rows


def _paragraphs(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    buf: list[str] = []
    start = 1
    for i, line in enumerate(text.splitlines(), 1):
        if line.strip():
            if not buf:
                start = i
            buf.append(line)
        elif buf:
            out.append((start, "\n".join(buf)))
            buf = []
    if buf:
        out.append((start, "\n".join(buf)))
    return out


def read_leak(path: Path, fmt: str | None = None, analyzer: object | None = None,
              encoding: str | None = None) -> tuple[str, list[LeakRow]]:
    """The leak's format (as given or sniffed) and its rows."""
    try:
        text = read_text(path, encoding)  # UTF-8, GB18030, UTF-16 (piwarden.inputs)
    except InputError as exc:
        raise LeakError(f"leak sample {exc}") from None
    except OSError as exc:
        raise LeakError(f"cannot read leak sample ({exc.strerror})") from None
    kind = fmt or (("jsonl" if path.suffix in (".jsonl", ".ndjson") else "csv") if path.suffix in (
        ".jsonl", ".ndjson", ".csv", ".tsv") else sniff(text))
    if kind == "text":
        return kind, parse_text(text, analyzer)
    return kind, parse_structured(text, kind)
