"""Decoding export watermarks from a leaked sample: which export, which recipient.

The vault (or whoever writes exports) marks each export with :mod:`piwarden.mask.watermark` and
records it in a registry: a JSON file of exports (id, recipient party, recipient actor, when, rows),
ids only, no values and no key. Given a leaked sample, its rows matched to subjects
(:mod:`.match`) and the key, every registered export's bits are recomputed for the leaked rows'
subjects and compared with the variants the rows still show. Agreement on ``k`` of ``m`` bits is
judged against chance (each bit 1/2): the binomial tail ``P(X >= k)``. An export is *found* when
the tail is below ``ALPHA`` and at least ``MIN_AGREE`` of the bits agree (masked values turn some
bits to noise); the best found export names its recipient. An export's decoy records
(:mod:`piwarden.mask.decoys`: people who do not exist, planted in that export only) are found by
the keyed fingerprints of their phones, ID and card numbers and e-mails, kept in the registry:
one decoy in a leak names its export even when every mark was erased by re-typing the values.

>>> from piwarden.mask.watermark import mark_row
>>> key, reg = b"k" * 32, Registry([Export("X-1", "platform.ops", "op-1"), Export("X-2", "partner:p", None)])
>>> rows = {i: mark_row({"phone": f"1381234{i:04d}", "address": f"浙江省杭州市西湖区{i}号"}, key, "X-1", f"c-{i}")
...         for i in range(12)}
>>> found = decode(rows, {i: f"c-{i}" for i in rows}, reg, key)
>>> found[0].export_id, found[0].agree, found[0].bits, found[0].found
('X-1', 24, 24, True)
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from piwarden.mask.decoys import fingerprint
from piwarden.mask.watermark import bit, read_row

ALPHA = 1e-6
MIN_AGREE = 0.8


class WatermarkError(ValueError):
    """The registry is missing or malformed."""


@dataclass(frozen=True)
class Export:
    """One marked export: its id (``export_id`` in the access events) and who received it."""

    export_id: str
    party: str
    actor: str | None = None
    created: str = ""
    rows: int = 0
    decoys: list[str] = field(default_factory=list)  # keyed fingerprints of its decoys' distinctive values


@dataclass
class Registry:
    exports: list[Export] = field(default_factory=list)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"v": 1, "exports": [asdict(e) for e in self.exports]}, ensure_ascii=False,
                                   indent=1) + "\n", "utf-8")

    @classmethod
    def load(cls, path: Path) -> Registry:
        try:
            data = json.loads(path.read_text("utf-8"))
            exports = [Export(**e) for e in data["exports"]]
            if not all(isinstance(e.decoys, list) and all(isinstance(f, str) for f in e.decoys) for e in exports):
                raise ValueError("decoys")
            return cls(exports)
        except OSError as exc:
            raise WatermarkError(f"cannot read watermark registry ({exc.strerror})") from None
        except (ValueError, KeyError, TypeError):
            raise WatermarkError("watermark registry is malformed") from None


@dataclass
class Detection:
    export_id: str
    party: str
    actor: str | None
    agree: int
    bits: int
    p_value: float
    rows: int
    decoys: int = 0  # leaked lines holding a value of one of this export's decoys

    @property
    def found(self) -> bool:
        return self.decoys > 0 or (self.p_value < ALPHA and self.agree >= MIN_AGREE * self.bits)

    def to_json(self) -> dict[str, Any]:
        return {"export_id": self.export_id, "party": self.party, "actor": self.actor, "agree": self.agree,
                "bits": self.bits, "p_value": float(f"{self.p_value:.3g}"), "rows": self.rows,
                "decoys": self.decoys, "found": self.found}

    def sentence(self) -> tuple[str, str]:
        who = f"{self.party}" + (f" ({self.actor})" if self.actor else "")
        en = (f"watermark of export {self.export_id}, received by {who}, decoded from {self.rows} leaked rows: "
              f"{self.agree} of {self.bits} marks agree (chance {self.p_value:.1g})")
        zh = (f"从{self.rows}条泄露记录中解出导出件{self.export_id}的水印（接收方{who}）：{self.bits}个标记中{self.agree}个一致"
              f"（偶然概率{self.p_value:.1g}）")
        if self.decoys:
            en += (f"; {self.decoys} leaked row(s) hold a decoy record planted in this export only (a person who "
                   "does not exist)")
            zh += f"；{self.decoys}条泄露记录是仅植入该导出件的诱饵记录（并不存在的人）"
        return en, zh


def binomial_tail(k: int, m: int) -> float:
    """P(X >= k) for X ~ Binomial(m, 1/2)."""
    if m == 0:
        return 1.0
    return min(1.0, sum(math.comb(m, i) for i in range(k, m + 1)) / 2.0**m)


def decode(rows: dict[int, dict[str, str]], subjects: dict[int, str], registry: Registry, key: bytes
           ) -> list[Detection]:
    """Every registered export judged against the leaked ``rows`` (by line, as written) whose subjects are
    known (``subjects``, by line); best first (smallest chance)."""
    seen = {line: read_row(rows[line]) for line in subjects if line in rows}
    seen = {line: bits for line, bits in seen.items() if bits}
    planted = {fp: e.export_id for e in registry.exports for fp in e.decoys}
    decoy_lines: dict[str, int] = {}
    if planted:
        for row in rows.values():
            hit = {planted[fp] for v in row.values() if isinstance(v, str)
                   if (fp := fingerprint(key, v)) is not None and fp in planted}
            for export_id in hit:
                decoy_lines[export_id] = decoy_lines.get(export_id, 0) + 1
    out = []
    for e in registry.exports:
        agree = total = 0
        for line, bits in seen.items():
            for f, b in bits.items():
                total += 1
                agree += b == bit(key, e.export_id, subjects[line], f)
        out.append(Detection(e.export_id, e.party, e.actor, agree, total, binomial_tail(agree, total), len(seen),
                             decoy_lines.get(e.export_id, 0)))
    out.sort(key=lambda d: (-d.decoys, d.p_value, -d.agree, d.export_id))
    return out
