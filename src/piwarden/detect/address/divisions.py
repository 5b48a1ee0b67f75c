"""China's administrative divisions (province, prefecture, county) as a lookup table.

The table (``divisions.txt``, 3,771 names) is the National Bureau of Statistics' 2021
statistical division codes (统计用区划代码, cut-off 2021-10-31, the GB/T 2260 hierarchy down to
the county level), taken from the ``pca.csv`` of the addressparser package (0.2.4, MIT) by
``scripts/build_divisions.py``; see docs/detect.md. Shipped in the repository: no package is
needed at run time and nothing is downloaded.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from importlib import resources

PROVINCE, CITY, DISTRICT = 1, 2, 3
MUNICIPALITIES = frozenset({"北京市", "上海市", "天津市", "重庆市"})


@dataclass(frozen=True, slots=True)
class Division:
    """One division: its full name, level (1-3), and the province and prefecture above it."""

    name: str
    level: int
    province: str
    city: str  # "" for a province, and for counties governed by the province directly (仙桃市)


class Divisions:
    """Every division by full name and by short name (浙江, 杭州), with the longest match at a place."""

    def __init__(self, lines: list[str]) -> None:
        self.full: dict[str, list[Division]] = {}
        self.short: dict[str, list[Division]] = {}
        for line in lines:
            if not line:
                continue
            level, name, short, province, city = line.split("\t")
            d = Division(name, int(level), province, city)
            self.full.setdefault(name, []).append(d)
            if short:
                self.short.setdefault(short, []).append(d)
        lengths: dict[str, set[int]] = {}
        for n in (*self.full, *self.short):
            lengths.setdefault(n[:2], set()).add(len(n))
        # the first two characters of a name -> the lengths of the names they start, longest first
        self.lengths = {k: tuple(sorted(v, reverse=True)) for k, v in lengths.items()}

    def at(self, text: str, pos: int, level: int, *, province: str = "", city: str = "",
           short: bool = True) -> tuple[Division, int] | None:
        """The longest division of ``level`` written at ``pos`` (under ``province``/``city`` if given), and its end."""
        for n in self.lengths.get(text[pos : pos + 2], ()):
            end = pos + n
            if end > len(text):
                continue
            word = text[pos:end]
            for table in (self.full, self.short) if short else (self.full,):
                for d in table.get(word, ()):
                    if d.level == level and (not province or d.province == province) and (not city or d.city == city):
                        return d, end
        return None

    def anchors(self) -> list[str]:
        """Names an address may start with: provinces and prefectures (full or short), counties (城区, 郊区 left out)."""
        out = {n for n, ds in self.full.items() if any(d.level < DISTRICT for d in ds) or len(n) >= 3 or n[-1] in "县旗"}
        out |= {n for n, ds in self.short.items() if any(d.level < DISTRICT for d in ds)}
        return sorted(out)


_LOCK = threading.Lock()
_LOADED: list[Divisions] = []


def divisions() -> Divisions:
    """The shipped table, read once per process."""
    if not _LOADED:
        with _LOCK:
            if not _LOADED:
                text = resources.files("piwarden.detect.address").joinpath("divisions.txt").read_text("utf-8")
                _LOADED.append(Divisions(text.split("\n")))
    return _LOADED[0]
