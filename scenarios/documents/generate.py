#!/usr/bin/env python3
"""Synthetic identity-document re-use scenarios: stored documents, query uploads and ground truth.

Usage: python scenarios/documents/generate.py --seed N --stored S --queries Q --out DIR

Written from a textual description only (the matcher's code was not read). See README.md next to this file.
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import math
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import cv2
import faker
import numpy as np
from faker import Faker
from PIL import Image, ImageDraw, ImageFont

RGB = tuple[int, int, int]
Params = dict[str, Any]
REF_DATE = date(2024, 6, 1)  # "today" for every seed, so output never depends on the wall clock
TEMPLATES = ("id_front", "id_back", "business_licence", "passport", "bank_card", "household_register")
TEMPLATE_WEIGHTS = (0.21, 0.15, 0.18, 0.15, 0.15, 0.16)
FONT_DIR = Path("/usr/share/fonts/opentype/noto")
FONT_FILES = {
    "sans": ("NotoSansCJK-Regular.ttc", 2),
    "bold": ("NotoSansCJK-Bold.ttc", 2),
    "serif": ("NotoSerifCJK-Bold.ttc", 2),
    "mono": ("NotoSansCJK-Regular.ttc", 7),
    "monob": ("NotoSansCJK-Bold.ttc", 7),
}



def words(s: str) -> list[str]:
    return s.split()


# ---------------------------------------------------------------------------------------------------------------
# Names with pinyin (Faker's zh_CN names carry no romanisation, and passports and bank cards need it)
SURNAMES = dict(
    s.split(":")
    for s in words(
        "王:wang 李:li 张:zhang 刘:liu 陈:chen 杨:yang 黄:huang 赵:zhao 吴:wu 周:zhou 徐:xu 孙:sun 马:ma 朱:zhu 胡:hu "
        "郭:guo 何:he 高:gao 林:lin 罗:luo 郑:zheng 梁:liang 谢:xie 宋:song 唐:tang 许:xu 韩:han 冯:feng 邓:deng "
        "曹:cao 彭:peng 肖:xiao 田:tian 董:dong 袁:yuan 潘:pan 于:yu 蒋:jiang 蔡:cai 杜:du 叶:ye 程:cheng 苏:su "
        "魏:wei 丁:ding 任:ren 沈:shen 姚:yao 卢:lu 姜:jiang 崔:cui 钟:zhong 谭:tan 陆:lu 汪:wang 范:fan 金:jin "
        "石:shi 廖:liao 贾:jia 夏:xia 韦:wei 付:fu 方:fang 白:bai 邹:zou 孟:meng 熊:xiong 秦:qin 邱:qiu 江:jiang "
        "尹:yin 薛:xue 段:duan 雷:lei 侯:hou 龙:long 史:shi 陶:tao 黎:li 贺:he 顾:gu 毛:mao 郝:hao 龚:gong 邵:shao "
        "万:wan 钱:qian 严:yan 武:wu 戴:dai 莫:mo 孔:kong 向:xiang 汤:tang 欧阳:ouyang 司马:sima 上官:shangguan"
    )
)
GIVEN = dict(
    s.split(":")
    for s in words(
        "伟:wei 芳:fang 娜:na 敏:min 静:jing 丽:li 强:qiang 磊:lei 军:jun 洋:yang 勇:yong 艳:yan 杰:jie 娟:juan "
        "涛:tao 明:ming 超:chao 秀:xiu 霞:xia 平:ping 刚:gang 桂:gui 英:ying 华:hua 玉:yu 建:jian 文:wen 辉:hui "
        "林:lin 萍:ping 红:hong 鹏:peng 飞:fei 宇:yu 浩:hao 凯:kai 健:jian 俊:jun 帆:fan 帅:shuai 旭:xu 宁:ning "
        "琳:lin 晨:chen 颖:ying 婷:ting 欣:xin 悦:yue 雪:xue 梅:mei 兰:lan 凤:feng 云:yun 莉:li 倩:qian 雯:wen "
        "琪:qi 璐:lu 瑶:yao 佳:jia 慧:hui 思:si 雨:yu 轩:xuan 涵:han 博:bo 志:zhi 国:guo 海:hai 峰:feng 波:bo "
        "斌:bin 鑫:xin 昊:hao 然:ran 睿:rui 泽:ze 子:zi 梓:zi 晓:xiao 立:li 春:chun 秋:qiu 冬:dong 松:song "
        "诗:shi 怡:yi 若:ruo 珊:shan 蕾:lei 薇:wei 彤:tong 妍:yan 宏:hong 德:de 福:fu 生:sheng 荣:rong 成:cheng "
        "永:yong 安:an 庆:qing 振:zhen 东:dong 南:nan 新:xin 天:tian 光:guang 家:jia 毅:yi 坤:kun 鸿:hong 岩:yan "
        "亮:liang 铭:ming 宸:chen 航:hang 哲:zhe 楠:nan 欢:huan 丹:dan 蓉:rong 琴:qin 燕:yan 芬:fen 玲:ling "
        "翠:cui 淑:shu 珍:zhen 娇:jiao 茹:ru 晶:jing 露:lu 菲:fei 萌:meng 瑞:rui 祥:xiang 豪:hao 君:jun 远:yuan"
    )
)
# province: (full name, short name, pinyin, area-code prefix)
PROVINCES = [
    tuple(p.split(":"))
    for p in words(
        "北京市:北京:BEIJING:11 天津市:天津:TIANJIN:12 河北省:河北:HEBEI:13 山西省:山西:SHANXI:14 "
        "内蒙古自治区:内蒙古:NEIMENGGU:15 辽宁省:辽宁:LIAONING:21 吉林省:吉林:JILIN:22 黑龙江省:黑龙江:HEILONGJIANG:23 "
        "上海市:上海:SHANGHAI:31 江苏省:江苏:JIANGSU:32 浙江省:浙江:ZHEJIANG:33 安徽省:安徽:ANHUI:34 福建省:福建:FUJIAN:35 "
        "江西省:江西:JIANGXI:36 山东省:山东:SHANDONG:37 河南省:河南:HENAN:41 湖北省:湖北:HUBEI:42 湖南省:湖南:HUNAN:43 "
        "广东省:广东:GUANGDONG:44 广西壮族自治区:广西:GUANGXI:45 海南省:海南:HAINAN:46 重庆市:重庆:CHONGQING:50 "
        "四川省:四川:SICHUAN:51 贵州省:贵州:GUIZHOU:52 云南省:云南:YUNNAN:53 陕西省:陕西:SHAANXI:61 甘肃省:甘肃:GANSU:62"
    )
]
ETHNIC = ["汉"] * 30 + ["回", "满", "壮", "蒙古", "维吾尔", "苗", "彝", "土家", "朝鲜", "侗", "瑶", "白"]
MONTHS = words("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC")
SCOPES = words(
    "技术开发、技术咨询、技术服务 软件开发 信息系统集成服务 数据处理和存储支持服务 日用百货销售 服装服饰零售 "
    "电子产品销售 广告设计、代理 会议及展览服务 企业管理咨询 货物进出口 技术进出口 食品经营 餐饮服务 "
    "建筑材料销售 五金产品批发 机械设备租赁 物业管理 家政服务 包装服务 普通货物仓储服务 国内货物运输代理 "
    "化妆品零售 文具用品零售 市场营销策划 互联网销售 农产品的生产、销售、加工、运输、贮藏及其他相关服务"
)
COMPANY_TYPES = ["有限责任公司(自然人投资或控股)", "有限责任公司(自然人独资)", "股份有限公司(非上市)", "个人独资企业"]

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def id_check_char(body17: str) -> str:
    """GB 11643 check character of a resident identity number."""
    return "10X98765432"[sum(int(c) * w for c, w in zip(body17, ID_WEIGHTS, strict=True)) % 11]


def org_check_char(body8: str) -> str:
    """GB 11714 check character of an organisation code (positions 9-17 of a credit code)."""
    r = 11 - sum(int(c, 36) * w for c, w in zip(body8, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return "X" if r == 10 else "0" if r == 11 else str(r)


def uscc_check_char(body17: str) -> str:
    """GB 32100 check character of a unified social credit code."""
    s = sum(USCC_CHARS.index(c) * w for c, w in zip(body17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - s % 31) % 31]


def luhn_digit(partial: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(partial)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


def mrz_check(s: str) -> str:
    def val(c: str) -> int:
        return 0 if c == "<" else int(c) if c.isdigit() else ord(c) - 55

    return str(sum(val(c) * (7, 3, 1)[i % 3] for i, c in enumerate(s)) % 10)


def cn_capital(n: int) -> str:
    """1..9999 in financial numerals, e.g. 1050 -> 壹仟零伍拾."""
    digits, units, out, zero = "零壹贰叁肆伍陆柒捌玖", ("", "拾", "佰", "仟"), "", False
    for i in range(3, -1, -1):
        d = n // 10**i % 10
        if d == 0:
            zero = bool(out)
        else:
            out += ("零" if zero else "") + digits[d] + units[i]
            zero = False
    return out


# ---------------------------------------------------------------------------------------------------------------
# Identities


@dataclass
class Subject:
    sid: str
    account: str
    kind: str  # person | company
    data: dict[str, Any]
    fields: dict[str, dict[str, str]] = field(default_factory=dict)  # template -> printed fields


class World:
    """All identity data; one Faker and one Random, consumed in a fixed order."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(f"world:{seed}")
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.used: dict[str, set[str]] = {}
        self.counters: Counter[str] = Counter()

    def next_id(self, prefix: str, width: int = 5) -> str:
        self.counters[prefix] += 1
        return f"{prefix}-{self.counters[prefix]:0{width}d}"

    def unique(self, kind: str, make: Callable[[], Any], key: Callable[[Any], str] = str) -> Any:
        used = self.used.setdefault(kind, set())
        for _ in range(10_000):
            value = make()
            if key(value) not in used:
                used.add(key(value))
                return value
        raise RuntimeError(f"could not draw a unique {kind}")

    def rdate(self, lo: date, hi: date) -> date:
        return lo + timedelta(days=self.rng.randrange(max(1, (hi - lo).days)))

    def address(self, prov: tuple[str, ...]) -> str:
        f, r = self.fake, self.rng
        city = "" if prov[0].endswith("市") else f.city_name() + "市"
        street = f.street_name() + f"{r.randint(1, 399)}号"
        tail = r.choice(["", f"{r.randint(1, 30)}栋{r.randint(1, 6)}单元{r.randint(1, 28)}{r.randint(1, 4):02d}室",
                         f"{r.randint(1, 18)}号楼{r.randint(1, 3)}{r.randint(1, 2)}0{r.randint(1, 9)}室"])
        return f"{prov[0]}{city}{f.district()}区{street}{tail}"

    def name(self) -> tuple[str, str, str, str]:
        def make() -> tuple[str, str, str, str]:
            sur = self.rng.choice(list(SURNAMES)) if self.rng.random() < 0.97 else self.rng.choice(["欧阳", "司马", "上官"])
            chars = self.rng.sample(list(GIVEN), 1 if self.rng.random() < 0.3 else 2)
            given = "".join(chars)
            return sur, given, SURNAMES[sur].upper(), "".join(GIVEN[c] for c in chars).upper()

        # unique by Chinese name and by pinyin, so no two people share either
        used = self.used.setdefault("pinyin", set())
        while True:
            n = self.unique("name", make, key=lambda v: v[0] + v[1])
            if n[2] + n[3] not in used:
                used.add(n[2] + n[3])
                return n

    def new_person(self) -> Subject:
        r = self.rng
        sur, given, sur_py, given_py = self.name()
        female = r.random() < 0.5
        birth = self.rdate(date(1954, 1, 1), date(2005, 12, 31))
        prov = r.choice(PROVINCES)

        def make_id() -> str:
            area = f"{prov[3]}{r.randint(1, 9):02d}{r.randint(1, 29):02d}"
            seq = r.randrange(0, 999, 2) + (0 if female else 1)
            body = f"{area}{birth:%Y%m%d}{seq:03d}"
            return body + id_check_char(body)

        data = {
            "name": sur + given, "surname": sur, "given": given, "surname_py": sur_py, "given_py": given_py,
            "sex": "女" if female else "男", "female": female, "birth": birth, "province": prov,
            "ethnicity": r.choice(ETHNIC), "address": self.address(prov), "id_number": self.unique("id_number", make_id),
            "face_seed": r.randrange(2**31),
        }
        return Subject(self.next_id("P"), self.next_id("A", 6), "person", data)

    def new_company(self) -> Subject:
        r, f = self.rng, self.fake
        prov = r.choice(PROVINCES)

        def make_name() -> str:
            city = prov[1] if prov[0].endswith("市") else f.city_name()
            return city + f.company_prefix() + f.company_suffix()

        def make_code() -> str:
            org = "".join(str(r.randrange(10)) for _ in range(8))
            body = f"91{prov[3]}{r.randint(1, 9):02d}{r.randint(1, 29):02d}{org}{org_check_char(org)}"
            return body + uscc_check_char(body)

        sur, given, _, _ = self.name()
        data = {"company_name": self.unique("company", make_name), "credit_code": self.unique("uscc", make_code),
                "legal_rep": sur + given, "province": prov, "address": self.address(prov)}
        return Subject(self.next_id("C"), self.next_id("A", 6), "company", data)

    # -- printed fields per template --------------------------------------------------------------------------
    def fields(self, subj: Subject, template: str) -> dict[str, str]:
        if template not in subj.fields:
            subj.fields[template] = getattr(self, "f_" + template)(subj.data)
        return subj.fields[template]

    def f_id_front(self, p: dict[str, Any]) -> dict[str, str]:
        b: date = p["birth"]
        return {"name": p["name"], "sex": p["sex"], "ethnicity": p["ethnicity"], "birth": b.isoformat(),
                "address": p["address"], "id_number": p["id_number"]}

    def f_id_back(self, p: dict[str, Any]) -> dict[str, str]:
        b: date = p["birth"]
        lo = max(date(b.year + 16, b.month, min(b.day, 28)), date(2006, 1, 1))

        def make() -> str:  # a card still valid on REF_DATE: 10 years under 26, 20 under 46, then long-term
            while True:
                issued = self.rdate(lo, REF_DATE - timedelta(days=30))
                age = issued.year - b.year
                years = 10 if age < 26 else 20 if age < 46 else 0
                if years == 0 or issued.year + years > REF_DATE.year:
                    break
            end = "长期" if years == 0 else f"{issued.year + years}.{issued:%m.%d}"
            return f"{issued:%Y.%m.%d}-{end}"

        prov = p["province"]
        city = prov[1] + "市" if prov[0].endswith("市") else self.fake.city_name() + "市"
        return {"authority": f"{city}公安局{self.fake.district()}分局", "validity": self.unique("validity", make)}

    def f_business_licence(self, c: dict[str, Any]) -> dict[str, str]:
        r = self.rng
        founded = self.rdate(date(1998, 1, 1), REF_DATE - timedelta(days=60))
        issued = self.rdate(founded, REF_DATE)
        term = "长期" if r.random() < 0.6 else f"{founded.year + r.choice([20, 30, 50])}年{founded:%m月%d日}"
        prov = c["province"]
        registrar = (prov[1] + "市" if prov[0].endswith("市") else self.fake.city_name() + "市") + "市场监督管理局"
        return {"credit_code": c["credit_code"], "company_name": c["company_name"], "type": r.choice(COMPANY_TYPES),
                "legal_rep": c["legal_rep"], "capital": f"人民币{cn_capital(r.choice([10, 30, 50, 100, 200, 300, 500, 800, 1000, 1200, 2000, 5000]) + r.choice([0, 0, 0, 50]))}万元整",
                "founded": f"{founded:%Y年%m月%d日}", "term": f"{founded:%Y年%m月%d日}至{term}",
                "address": c["address"], "scope": "；".join(r.sample(SCOPES, r.randint(3, 8))) + "。",
                "registrar": registrar, "issued": f"{issued:%Y年%m月%d日}"}

    def f_passport(self, p: dict[str, Any]) -> dict[str, str]:
        r = self.rng
        issued = self.rdate(REF_DATE - timedelta(days=365 * 9 + 300), REF_DATE - timedelta(days=10))
        expiry = date(issued.year + 10, issued.month, min(issued.day, 28)) - timedelta(days=1)
        number = self.unique("passport", lambda: "E" + r.choice("ABCDEFGHJK") + f"{r.randrange(10**7):07d}")
        birth: date = p["birth"]
        place = r.choice(PROVINCES)
        sex = "F" if p["female"] else "M"
        personal = "".join(r.choice("ABCDEFGHJKLMNP") for _ in range(8)).ljust(14, "<")
        line1 = f"P<CHN{p['surname_py']}<<{p['given_py']}".ljust(44, "<")[:44]
        pno = number.ljust(9, "<")
        part = f"{pno}{mrz_check(pno)}CHN{birth:%y%m%d}{mrz_check(f'{birth:%y%m%d}')}{sex}{expiry:%y%m%d}{mrz_check(f'{expiry:%y%m%d}')}"
        body = part + personal + mrz_check(personal)
        comp = body[0:10] + body[13:20] + body[21:43]
        return {"name": p["name"], "surname": p["surname"], "given": p["given"], "surname_py": p["surname_py"],
                "given_py": p["given_py"], "sex": f"{p['sex']}/{sex}", "birth": pdate(birth),
                "birthplace": f"{p['province'][1]}/{p['province'][2]}", "passport_no": number,
                "issue_place": f"{place[1]}/{place[2]}", "issued": pdate(issued), "expiry": pdate(expiry),
                "mrz1": line1, "mrz2": body + mrz_check(comp)}

    def f_bank_card(self, p: dict[str, Any]) -> dict[str, str]:
        r = self.rng

        def make() -> str:
            body = "621785" + "".join(str(r.randrange(10)) for _ in range(r.choice([9, 12])))
            return body + luhn_digit(body)

        thru = self.rdate(REF_DATE + timedelta(days=60), REF_DATE + timedelta(days=365 * 10))
        return {"card_number": self.unique("card", make), "name_py": f"{p['surname_py']} {p['given_py']}",
                "valid_thru": f"{thru:%m/%y}"}

    def f_household_register(self, p: dict[str, Any]) -> dict[str, str]:
        r, f = self.rng, self.fake
        prov, native = p["province"], r.choice(PROVINCES)
        reg = self.rdate(max(p["birth"], date(1995, 1, 1)), REF_DATE)
        moved = "" if r.random() < 0.4 else f"{self.rdate(date(1990, 1, 1), reg):%Y年%m月}由{r.choice(PROVINCES)[0]}{f.city_name()}市迁来"
        city = prov[1] + "市" if prov[0].endswith("市") else f.city_name() + "市"
        return {"name": p["name"], "relation": r.choice(["户主", "户主", "妻", "夫", "子", "女", "长子", "长女", "母亲"]),
                "former_name": "", "sex": p["sex"], "birthplace": f"{prov[0]}{f.city_name()}市",
                "ethnicity": p["ethnicity"], "native_place": f"{native[0]}{f.city_name()}市",
                "birth": f"{p['birth']:%Y年%m月%d日}", "other_address": "", "religion": "无",
                "id_number": p["id_number"], "height": f"{r.randint(152, 188)}厘米",
                "blood": r.choice(["A型", "B型", "O型", "AB型", "不明"]),
                "education": r.choice(["大学本科", "大学专科", "高中", "初中", "硕士研究生", "中等专科"]),
                "marital": r.choice(["已婚", "未婚", "已婚", "离婚"]), "military": r.choice(["未服兵役", "退出现役"]),
                "employer": f.company(), "occupation": f.job(), "moved_city": moved, "moved_addr": moved,
                "reg_date": f"{reg:%Y年%m月%d日}", "police": f"{city}公安局{f.district()}派出所"}


def pdate(d: date) -> str:
    return f"{d.day:02d} {MONTHS[d.month - 1]} {d.year}"


# ---------------------------------------------------------------------------------------------------------------
# Drawing helpers


@functools.cache
def font(kind: str, size: int) -> ImageFont.FreeTypeFont:
    name, index = FONT_FILES[kind]
    path = FONT_DIR / name
    if not path.exists():  # serif is optional; sans is required
        path, index = FONT_DIR / "NotoSansCJK-Bold.ttc", index if kind.startswith("mono") else 2
    return ImageFont.truetype(str(path), size, index=index)


def text(d: ImageDraw.ImageDraw, xy: tuple[float, float], s: str, f: ImageFont.FreeTypeFont,
         fill: Any = (0, 0, 0), spacing: float = 0.0) -> float:
    """Draw s at xy with extra letter spacing; returns the x after the text."""
    x, y = xy
    if not spacing:
        d.text((x, y), s, font=f, fill=fill)
        return x + f.getlength(s)
    for ch in s:
        d.text((x, y), ch, font=f, fill=fill)
        x += f.getlength(ch) + spacing
    return x


def centered(d: ImageDraw.ImageDraw, cx: float, y: float, s: str, f: ImageFont.FreeTypeFont, fill: Any,
             spacing: float = 0.0) -> None:
    width = f.getlength(s) + spacing * (len(s) - 1)
    text(d, (cx - width / 2, y), s, f, fill, spacing)


def wrap(s: str, f: ImageFont.FreeTypeFont, width: float, max_lines: int) -> list[str]:
    lines, cur = [], ""
    for ch in s:
        if f.getlength(cur + ch) > width:
            lines.append(cur)
            cur = ch
        else:
            cur += ch
    lines.append(cur)
    return lines[:max_lines]


def gradient(w: int, h: int, c0: RGB, c1: RGB, angle: float = 0.6) -> Image.Image:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    t = xx / w * math.cos(angle) + yy / h * math.sin(angle)
    t = (t - t.min()) / (t.max() - t.min())
    arr = np.asarray(c0, np.float32) * (1 - t[..., None]) + np.asarray(c1, np.float32) * t[..., None]
    return Image.fromarray(arr.astype(np.uint8))


def guilloche(im: Image.Image, r: random.Random, colors: list[tuple[int, int, int, int]], waves: int,
              rosettes: list[tuple[float, float, float]]) -> None:
    w, h = im.size
    d = ImageDraw.Draw(im, "RGBA")
    xs = np.arange(-4, w + 8, 4, dtype=np.float64)
    for _ in range(waves):
        amp, lam, ph, y0, col = r.uniform(6, 26), r.uniform(90, 300), r.uniform(0, 6.3), r.uniform(0, h), r.choice(colors)
        for k in range(4):
            ys = y0 + k * 5 + amp * np.sin(2 * np.pi * xs / lam + ph + k * 0.4)
            d.line(list(zip(xs.tolist(), ys.tolist(), strict=True)), fill=col, width=1)
    t = np.linspace(0, 2 * np.pi, 1200)
    for cx, cy, rad in rosettes:
        n, col = r.randint(9, 16), r.choice(colors)
        for j in range(14):
            rr = rad * (0.55 + 0.45 * j / 14) + rad * 0.18 * np.cos(n * t + j * 0.3)
            pts = np.stack([cx + rr * np.cos(t), cy + rr * np.sin(t)], 1)
            d.line([tuple(p) for p in pts.tolist()], fill=col, width=1)


def star(cx: float, cy: float, outer: float, rot: float = -math.pi / 2) -> list[tuple[float, float]]:
    pts = []
    for i in range(10):
        rad = outer if i % 2 == 0 else outer * 0.382
        a = rot + i * math.pi / 5
        pts.append((cx + rad * math.cos(a), cy + rad * math.sin(a)))
    return pts


def emblem(size: int) -> Image.Image:
    """A stylised round national emblem: gold ring, red field, stars and a gate."""
    s = size * 2
    im = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    gold, red = (222, 172, 48, 255), (200, 24, 32, 255)
    d.ellipse([0, 0, s - 1, s - 1], fill=gold)
    d.ellipse([s * 0.12, s * 0.12, s * 0.88, s * 0.88], fill=red)
    for i in range(28):  # grain ears
        a = math.pi * (0.15 + 0.7 * i / 27) + math.pi / 2
        x, y = s / 2 + s * 0.44 * math.cos(a), s / 2 + s * 0.44 * math.sin(a)
        d.ellipse([x - s * 0.03, y - s * 0.045, x + s * 0.03, y + s * 0.045], fill=(250, 205, 80, 255))
    d.polygon(star(s * 0.5, s * 0.3, s * 0.1), fill=gold)
    for k in range(4):
        a = math.radians(-150 + k * 40)
        d.polygon(star(s * 0.5 + s * 0.22 * math.cos(a) * 1.1, s * 0.36 + s * 0.2 * math.sin(a), s * 0.035), fill=gold)
    d.rectangle([s * 0.28, s * 0.6, s * 0.72, s * 0.7], fill=gold)
    d.polygon([(s * 0.32, s * 0.6), (s * 0.36, s * 0.52), (s * 0.64, s * 0.52), (s * 0.68, s * 0.6)], fill=gold)
    for k in range(5):
        x = s * (0.34 + k * 0.075)
        d.rectangle([x, s * 0.63, x + s * 0.035, s * 0.7], fill=red)
    d.rectangle([s * 0.22, s * 0.72, s * 0.78, s * 0.76], fill=gold)
    return im.resize((size, size), Image.Resampling.LANCZOS)


def seal(size: int, arc_text: str, bottom: str, color: RGB = (214, 30, 36)) -> Image.Image:
    """A round red seal with a star, text along the upper arc and a line of text at the bottom."""
    s = size * 2
    im = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    ink = (*color, 215)
    d.ellipse([4, 4, s - 5, s - 5], outline=ink, width=max(4, s // 28))
    d.polygon(star(s / 2, s / 2, s * 0.15), fill=ink)
    n = len(arc_text)
    fs = int(s * min(0.15, 1.7 / n / 1.2))
    f = font("bold", fs)
    span = min(260.0, 22.0 * n)
    for i, ch in enumerate(arc_text):
        theta = math.radians(-span / 2 + span * (i + 0.5) / n)
        glyph = Image.new("RGBA", (fs + 8, fs + 8), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((4, 0), ch, font=f, fill=ink)
        glyph = glyph.rotate(-math.degrees(theta), resample=Image.Resampling.BICUBIC)
        rr = s * 0.5 - fs * 0.95
        x, y = s / 2 + rr * math.sin(theta) - glyph.width / 2, s / 2 - rr * math.cos(theta) - glyph.height / 2
        im.alpha_composite(glyph, (int(x), int(y)))
    centered(d, s / 2, s * 0.68, bottom, font("bold", int(s * 0.09)), ink)
    return im.resize((size, size), Image.Resampling.LANCZOS)


def rounded_card(im: Image.Image, radius: int, outline: RGB | None = None) -> Image.Image:
    out = Image.new("RGB", im.size, (255, 255, 255))
    mask = Image.new("L", im.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle([2, 2, im.width - 3, im.height - 3], radius, fill=255)
    out.paste(im, (0, 0), mask)
    if outline:
        ImageDraw.Draw(out).rounded_rectangle([2, 2, im.width - 3, im.height - 3], radius, outline=outline, width=2)
    return out


def jitter(c: RGB, r: random.Random, amount: int) -> RGB:
    return tuple(max(0, min(255, v + r.randint(-amount, amount))) for v in c)  # type: ignore[return-value]


def shade(c: RGB, k: float) -> RGB:
    return tuple(max(0, min(255, int(v * k))) for v in c)  # type: ignore[return-value]


SKIN: list[RGB] = [(255, 224, 196), (241, 194, 167), (224, 172, 138), (198, 144, 110), (234, 192, 160), (250, 212, 180)]
HAIR: list[RGB] = [(20, 18, 18), (38, 30, 26), (62, 44, 30), (92, 70, 50), (128, 124, 120), (12, 12, 20)]
CLOTH: list[RGB] = [(30, 40, 70), (22, 22, 22), (236, 236, 236), (96, 22, 32), (40, 72, 52), (64, 64, 74), (150, 150, 160),
                    (22, 64, 124), (180, 140, 90)]


def portrait(seed: int, female: bool, w: int, h: int) -> Image.Image:
    """A procedural head-and-shoulders ID photo; every parameter comes from the person's face seed."""
    r = random.Random(seed)
    S = 3
    W, H = w * S, h * S
    im = Image.new("RGB", (W, H), (r.randint(238, 255), r.randint(240, 255), r.randint(242, 255)))
    d = ImageDraw.Draw(im)
    skin, hair, cloth = jitter(r.choice(SKIN), r, 12), jitter(r.choice(HAIR), r, 10), jitter(r.choice(CLOTH), r, 20)
    cx = W * (0.5 + r.uniform(-0.04, 0.04))
    fw = W * r.uniform(0.40, 0.52)
    fh = fw * r.uniform(1.18, 1.42)
    fy0 = H * r.uniform(0.13, 0.22)
    fx0, fx1, fy1 = cx - fw / 2, cx + fw / 2, fy0 + fh
    style = r.choice(["long", "bob", "bun", "short", "long"] if female else ["short", "crew", "bald", "short", "side"])
    if style in ("long", "bob"):
        d.rounded_rectangle([fx0 - fw * 0.14, fy0 - fh * 0.08, fx1 + fw * 0.14, fy0 + fh * (1.45 if style == "long" else 0.9)],
                            radius=int(fw * 0.3), fill=hair)
    sw, sy = W * r.uniform(0.85, 1.15), fy1 + H * r.uniform(0.0, 0.07)
    nw = fw * r.uniform(0.36, 0.5)
    d.rectangle([cx - nw / 2, fy1 - fh * 0.25, cx + nw / 2, sy + H * 0.06], fill=shade(skin, 0.88))
    d.ellipse([cx - sw / 2, sy, cx + sw / 2, sy + H * 0.9], fill=cloth)
    if r.random() < 0.6:
        d.polygon([(cx - nw * 0.7, sy + H * 0.01), (cx, sy + H * r.uniform(0.08, 0.18)), (cx + nw * 0.7, sy + H * 0.01)],
                  fill=(246, 246, 246) if cloth[0] < 150 else (30, 30, 40))
    ew, eh, ey = fw * 0.13, fh * 0.22, fy0 + fh * 0.4
    for x in (fx0 - ew * 0.55, fx1 - ew * 0.45):
        d.ellipse([x, ey, x + ew, ey + eh], fill=shade(skin, 0.95))
    d.ellipse([fx0, fy0, fx1, fy1], fill=skin)
    if r.random() < 0.5:
        d.rounded_rectangle([fx0 + fw * 0.04, fy0 + fh * 0.4, fx1 - fw * 0.04, fy1 - fh * 0.04], radius=int(fw * 0.32), fill=skin)
    if style != "bald":
        d.chord([fx0 - fw * 0.07, fy0 - fh * r.uniform(0.06, 0.2), fx1 + fw * 0.07, fy0 + fh * r.uniform(0.45, 0.7)],
                180, 360, fill=hair)
        if style in ("side", "long", "bob") or r.random() < 0.4:
            px = cx + fw * r.uniform(-0.3, 0.3)
            d.polygon([(fx0, fy0 + fh * 0.2), (px, fy0 + fh * r.uniform(0.15, 0.32)), (fx1, fy0 + fh * 0.18), (fx1, fy0), (fx0, fy0)],
                      fill=hair)
    else:
        d.chord([fx0 - fw * 0.05, fy0 + fh * 0.15, fx0 + fw * 0.12, fy0 + fh * 0.5], 90, 270, fill=hair)
        d.chord([fx1 - fw * 0.12, fy0 + fh * 0.15, fx1 + fw * 0.05, fy0 + fh * 0.5], 270, 90, fill=hair)
    if style == "bun":
        d.ellipse([cx - fw * 0.2, fy0 - fh * 0.28, cx + fw * 0.2, fy0 + fh * 0.02], fill=hair)
    eyy, sep = fy0 + fh * r.uniform(0.44, 0.52), fw * r.uniform(0.18, 0.25)
    es = fw * r.uniform(0.065, 0.1)
    eh2 = es * r.uniform(0.42, 0.7)
    iris = jitter(r.choice([(40, 28, 20), (60, 40, 25), (25, 25, 30)]), r, 8)
    brow_y, tilt, bw = eyy - fh * r.uniform(0.07, 0.12), fh * r.uniform(-0.02, 0.03), int(S * r.uniform(2, 5))
    for sgn in (-1, 1):
        ex = cx + sgn * sep
        d.ellipse([ex - es, eyy - eh2, ex + es, eyy + eh2], fill=(248, 248, 246))
        d.ellipse([ex - eh2 * 0.9, eyy - eh2 * 0.9, ex + eh2 * 0.9, eyy + eh2 * 0.9], fill=iris)
        d.line([(ex - es * 1.25, brow_y + tilt), (ex + sgn * es * 0.1, brow_y - tilt), (ex + es * 1.25, brow_y + tilt * 0.5)],
               fill=shade(hair, 0.9), width=bw)
    ny, nw2 = eyy + fh * r.uniform(0.15, 0.22), fw * r.uniform(0.06, 0.11)
    d.line([(cx + fw * 0.01, eyy + es * 0.4), (cx - nw2 * 0.35, ny)], fill=shade(skin, 0.8), width=S * 2)
    d.arc([cx - nw2, ny - nw2 * 0.5, cx + nw2, ny + nw2 * 0.5], 20, 160, fill=shade(skin, 0.7), width=S * 2)
    my, mw = ny + fh * r.uniform(0.1, 0.15), fw * r.uniform(0.13, 0.22)
    lip = jitter((196, 96, 96) if female else (170, 100, 95), r, 15)
    d.chord([cx - mw, my - mw * 0.2, cx + mw, my + mw * r.uniform(0.2, 0.5)], 0, 180, fill=lip)
    if not female and r.random() < 0.15:
        d.chord([fx0 + fw * 0.1, my - fh * 0.05, fx1 - fw * 0.1, fy1 + fh * 0.02], 0, 180, outline=shade(hair, 1.1), width=S * 3)
    if r.random() < 0.22:
        gc = jitter((30, 30, 30), r, 25)
        for sgn in (-1, 1):
            ex = cx + sgn * sep
            d.rounded_rectangle([ex - es * 1.6, eyy - es * 1.1, ex + es * 1.6, eyy + es * 1.1], radius=int(es * 0.5),
                                outline=gc, width=S * 2)
        d.line([(cx - sep + es * 1.6, eyy), (cx + sep - es * 1.6, eyy)], fill=gc, width=S * 2)
    small = im.resize((w, h), Image.Resampling.LANCZOS)
    arr = np.asarray(small, np.float32)
    light = np.linspace(r.uniform(0.9, 1.0), r.uniform(1.0, 1.08), w, dtype=np.float32)[None, :, None]
    return Image.fromarray(np.clip(arr * light, 0, 255).astype(np.uint8))


# ---------------------------------------------------------------------------------------------------------------
# Templates: a fixed background (pattern, border, printed labels) and a renderer for the variable regions

LABEL = (60, 110, 168)


@functools.cache
def background(template: str) -> Image.Image:
    r = random.Random(f"template:{template}")  # the same for every seed: a template is a printed form
    if template == "id_front":
        im = gradient(856, 540, (226, 238, 242), (244, 236, 226))
        guilloche(im, r, [(120, 170, 200, 60), (210, 160, 140, 50), (150, 190, 170, 55)], 16, [(380, 300, 220)])
        d = ImageDraw.Draw(im)
        f = font("sans", 24)
        for label, xy in (("姓  名", (46, 58)), ("性  别", (46, 122)), ("民  族", (236, 122)), ("出  生", (46, 186)),
                          ("年", (226, 186)), ("月", (320, 186)), ("日", (410, 186)), ("住  址", (46, 250)),
                          ("公民身份号码", (46, 448))):
            d.text(xy, label, font=f, fill=LABEL)
        return rounded_card(im, 30, (190, 200, 210))
    if template == "id_back":
        im = gradient(856, 540, (236, 242, 232), (226, 236, 244), 1.2)
        guilloche(im, r, [(120, 170, 200, 60), (200, 170, 110, 55)], 18, [(430, 270, 260), (700, 120, 90)])
        im.paste(e := emblem(128), (56, 44), e)
        d = ImageDraw.Draw(im)
        text(d, (232, 62), "中华人民共和国", font("serif", 44), (30, 30, 30), 10)
        text(d, (240, 140), "居民身份证", font("serif", 66), (30, 30, 30), 18)
        for label, y in (("签发机关", 382), ("有效期限", 448)):
            d.text((150, y), label, font=font("sans", 24), fill=(40, 40, 40))
        return rounded_card(im, 30, (190, 200, 210))
    if template == "business_licence":
        im = gradient(1240, 877, (250, 244, 226), (246, 238, 216), 0.3)
        guilloche(im, r, [(220, 190, 140, 40), (200, 160, 150, 35)], 12, [(620, 480, 300)])
        d = ImageDraw.Draw(im)
        for inset, col, wd in ((18, (170, 120, 60), 6), (34, (190, 60, 50), 2), (44, (170, 120, 60), 1)):
            d.rectangle([inset, inset, 1240 - inset, 877 - inset], outline=col, width=wd)
        for x in range(60, 1190, 28):
            for y in (26, 851):
                d.polygon([(x, y - 5), (x + 5, y), (x, y + 5), (x - 5, y)], fill=(180, 130, 70))
        im.paste(e := emblem(104), (568, 52), e)
        centered(d, 620, 160, "营 业 执 照", font("serif", 76), (196, 26, 30), 12)
        centered(d, 620, 262, "（副　　本）", font("sans", 24), (40, 40, 40))
        d.text((80, 160), "统一社会信用代码", font=font("sans", 22), fill=(40, 40, 40))
        f = font("sans", 24)
        for label, xy in (("名　　称", (100, 330)), ("类　　型", (100, 384)), ("法定代表人", (100, 438)), ("经营范围", (100, 492)),
                          ("注册资本", (660, 330)), ("成立日期", (660, 384)), ("营业期限", (660, 438)), ("住　　所", (660, 492)),
                          ("登记机关", (660, 700))):
            d.text(xy, label, font=f, fill=(40, 40, 40))
        small = font("sans", 15)
        d.text((1010, 272), "扫描二维码登录", font=small, fill=(60, 60, 60))
        d.text((992, 292), "国家企业信用信息公示系统", font=small, fill=(60, 60, 60))
        d.text((300, 820), "国家企业信用信息公示系统网址：http://www.gsxt.gov.cn", font=font("sans", 16), fill=(60, 60, 60))
        d.text((930, 820), "国家市场监督管理总局监制", font=font("sans", 16), fill=(60, 60, 60))
        return im
    if template == "passport":
        im = gradient(1000, 704, (240, 234, 244), (232, 244, 238), 0.9)
        guilloche(im, r, [(170, 140, 200, 55), (130, 190, 170, 55), (220, 170, 170, 45)], 20, [(640, 300, 260)])
        d = ImageDraw.Draw(im)
        d.text((300, 18), "中华人民共和国", font=font("bold", 26), fill=(90, 60, 120))
        d.text((300, 52), "PEOPLE'S REPUBLIC OF CHINA", font=font("sans", 18), fill=(90, 60, 120))
        d.text((720, 18), "护照  PASSPORT", font=font("bold", 24), fill=(90, 60, 120))
        f = font("sans", 15)
        for label, xy in (("类型/Type", (300, 92)), ("国家码/Country Code", (450, 92)), ("护照号/Passport No.", (720, 92)),
                          ("姓/Surname", (300, 152)), ("名/Given names", (300, 212)), ("性别/Sex", (300, 272)),
                          ("出生地点/Place of birth", (470, 272)), ("出生日期/Date of birth", (300, 332)),
                          ("签发地点/Place of issue", (600, 332)), ("签发日期/Date of issue", (300, 392)),
                          ("有效期至/Date of expiry", (600, 392)), ("签发机关/Authority", (300, 452))):
            d.text(xy, label, font=f, fill=(110, 80, 140))
        v = font("sans", 24)
        d.text((300, 110), "P", font=v, fill=(20, 20, 20))
        d.text((450, 110), "CHN", font=v, fill=(20, 20, 20))
        d.text((300, 470), "国家移民管理局 National Immigration Administration", font=font("sans", 20), fill=(20, 20, 20))
        d.rectangle([0, 555, 1000, 704], fill=(246, 246, 242))
        return im
    if template == "bank_card":
        im = gradient(856, 540, (18, 58, 118), (12, 128, 140), 0.5)
        guilloche(im, r, [(255, 255, 255, 28), (140, 220, 255, 30)], 14, [(700, 420, 200)])
        d = ImageDraw.Draw(im)
        d.ellipse([40, 32, 108, 100], fill=(210, 36, 40))
        d.text((56, 40), "通", font=font("bold", 36), fill=(255, 255, 255))
        d.text((124, 30), "华通银行", font=font("bold", 38), fill=(255, 255, 255))
        d.text((126, 78), "HUATONG BANK", font=font("sans", 18), fill=(220, 235, 245))
        d.text((700, 40), "DEBIT", font=font("bold", 26), fill=(230, 240, 250))
        chip = gradient(100, 78, (238, 206, 120), (190, 150, 60), 0.8)
        cd = ImageDraw.Draw(chip)
        for y in (26, 52):
            cd.line([(0, y), (100, y)], fill=(150, 110, 40), width=2)
        cd.line([(50, 0), (50, 78)], fill=(150, 110, 40), width=2)
        im.paste(rounded_card(chip, 12), (90, 180), Image.new("L", (100, 78), 255))
        for k in range(3):
            d.arc([215 + k * 12, 200 - k * 8, 245 + k * 16, 256 + k * 8], -55, 55, fill=(240, 240, 240), width=4)
        for k, col in enumerate(((210, 30, 40), (20, 60, 140), (0, 140, 140))):
            x = 680 + k * 40
            d.polygon([(x + 14, 420), (x + 54, 420), (x + 40, 490), (x, 490)], fill=col)
        d.text((700, 440), "银联", font=font("bold", 30), fill=(255, 255, 255))
        d.text((470, 392), "VALID\nTHRU", font=font("sans", 14), fill=(230, 240, 250))
        return rounded_card(im, 36)
    # household register page
    im = gradient(1000, 720, (246, 244, 226), (240, 242, 228), 0.4)
    guilloche(im, r, [(180, 200, 150, 35), (210, 190, 150, 30)], 10, [(500, 380, 260)])
    d = ImageDraw.Draw(im)
    centered(d, 500, 22, "常住人口登记卡", font("serif", 40), (30, 30, 30), 8)
    d.rectangle([40, 90, 960, 662], outline=(40, 40, 40), width=3)
    f = font("sans", 19)
    for i, row in enumerate(HOUSEHOLD_ROWS):
        y = 90 + i * 52
        if i:
            d.line([(40, y), (960, y)], fill=(40, 40, 40), width=1)
        cells = [(40, 200, row[0]), (480, 640, row[2])] if len(row) == 4 else [(40, 200, row[0])]
        for x0, x1, label in cells:
            d.line([(x1, y), (x1, y + 52)], fill=(40, 40, 40), width=1)
            if x0 > 40:
                d.line([(x0, y), (x0, y + 52)], fill=(40, 40, 40), width=1)
            lines = wrap(label, f, x1 - x0 - 12, 2)
            for k, line in enumerate(lines):
                centered(d, (x0 + x1) / 2, y + (26 - 12 * len(lines)) + k * 24, line, f, (50, 50, 50))
    d.text((60, 676), "承办人签章：", font=font("sans", 20), fill=(50, 50, 50))
    d.text((560, 676), "登记日期：", font=font("sans", 20), fill=(50, 50, 50))
    return im


HOUSEHOLD_ROWS: list[tuple[str, ...]] = [
    ("姓名", "name", "户主或与户主关系", "relation"), ("曾用名", "former_name", "性别", "sex"),
    ("出生地", "birthplace", "民族", "ethnicity"), ("籍贯", "native_place", "出生日期", "birth"),
    ("本市(县)其他住址", "other_address"), ("宗教信仰", "religion", "公民身份证件编号", "id_number"),
    ("身高", "height", "血型", "blood"), ("文化程度", "education", "婚姻状况", "marital"),
    ("服务处所", "employer", "职业", "occupation"), ("何时由何地迁来本市(县)", "moved_city"),
    ("何时由何地迁来本址", "moved_addr"),
]


def render(template: str, fv: dict[str, str], subj: Subject | None) -> Image.Image:
    im = background(template).copy()
    d = ImageDraw.Draw(im)
    black = (18, 18, 18)
    if template == "id_front":
        assert subj is not None
        v = font("sans", 28)
        d.text((136, 50), fv["name"], font=font("bold", 32), fill=black)
        d.text((136, 116), fv["sex"], font=v, fill=black)
        d.text((326, 116), fv["ethnicity"], font=v, fill=black)
        y, m, dd = fv["birth"].split("-")
        d.text((136, 180), y, font=v, fill=black)
        d.text((266, 180), str(int(m)), font=v, fill=black)
        d.text((356, 180), str(int(dd)), font=v, fill=black)
        for k, line in enumerate(wrap(fv["address"], v, 370, 3)):
            d.text((136, 244 + k * 42), line, font=v, fill=black)
        text(d, (252, 440), fv["id_number"], font("mono", 36), black, 3)
        face = portrait(subj.data["face_seed"], subj.data["female"], 236, 292)
        mask = Image.new("L", face.size, 0)
        ImageDraw.Draw(mask).rounded_rectangle([0, 0, 235, 291], 10, fill=235)
        im.paste(face, (572, 58), mask)
    elif template == "id_back":
        v = font("sans", 28)
        d.text((280, 376), fv["authority"], font=v, fill=black)
        d.text((280, 442), fv["validity"], font=v, fill=black)
    elif template == "business_licence":
        d.text((80, 192), fv["credit_code"], font=font("mono", 30), fill=black)
        v = font("sans", 24)
        for key, xy, width, lines in (("company_name", (230, 330), 400, 2), ("type", (230, 384), 400, 1),
                                      ("legal_rep", (230, 438), 400, 1), ("scope", (230, 492), 400, 8),
                                      ("capital", (790, 330), 380, 1), ("founded", (790, 384), 380, 1),
                                      ("term", (790, 438), 380, 1), ("address", (790, 492), 380, 3)):
            for k, line in enumerate(wrap(fv[key], v, width, lines)):
                d.text((xy[0], xy[1] + k * 34), line, font=v, fill=black)
        im.paste(qr(fv["credit_code"], 112), (1022, 154))
        sl = seal(178, fv["registrar"], "登记专用章")
        d.text((790, 760), fv["issued"], font=v, fill=black)
        im.paste(sl, (800, 640), sl)
    elif template == "passport":
        assert subj is not None
        v = font("sans", 24)
        d.text((720, 110), fv["passport_no"], font=font("bold", 26), fill=(150, 30, 40))
        d.text((300, 170), f"{fv['surname']}  {fv['surname_py']}", font=v, fill=black)
        d.text((300, 230), f"{fv['given']}  {fv['given_py']}", font=v, fill=black)
        d.text((300, 290), fv["sex"], font=v, fill=black)
        d.text((470, 290), fv["birthplace"], font=v, fill=black)
        d.text((300, 350), fv["birth"], font=v, fill=black)
        d.text((600, 350), fv["issue_place"], font=v, fill=black)
        d.text((300, 410), fv["issued"], font=v, fill=black)
        d.text((600, 410), fv["expiry"], font=v, fill=black)
        face = portrait(subj.data["face_seed"], subj.data["female"], 236, 300)
        im.paste(face, (36, 100))
        mono = font("mono", 40)
        d.text((60, 578), fv["mrz1"], font=mono, fill=black)
        d.text((60, 636), fv["mrz2"], font=mono, fill=black)
    elif template == "bank_card":
        num = fv["card_number"]
        grouped = " ".join(num[i:i + 4] for i in range(0, len(num), 4))
        mono = font("monob", 50 if len(num) == 16 else 44)
        for off, col in (((2, 2), (10, 30, 50)), ((0, 0), (240, 240, 236))):
            d.text((80 + off[0], 300 + off[1]), grouped, font=mono, fill=col)
            d.text((540 + off[0], 390 + off[1]), fv["valid_thru"], font=font("monob", 30), fill=col)
            d.text((80 + off[0], 440 + off[1]), fv["name_py"], font=font("monob", 30), fill=col)
    else:
        v = font("sans", 22)
        for i, row in enumerate(HOUSEHOLD_ROWS):
            y = 90 + i * 52 + 12
            cells = [(200, 480, row[1]), (640, 960, row[3])] if len(row) == 4 else [(200, 960, row[1])]
            for x0, x1, key in cells:
                s = fv[key]
                f = v if v.getlength(s) < x1 - x0 - 16 else font("sans", 17)
                d.text((x0 + 10, y + (2 if f is v else 5)), s, font=f, fill=(24, 24, 60))
        d.text((660, 674), fv["reg_date"], font=v, fill=(24, 24, 60))
        sl = seal(168, fv["police"], "户口专用章")
        im.paste(sl, (770, 520), sl)
    return im


def qr(key: str, size: int) -> Image.Image:
    """A QR-like block determined by the key (not decodable)."""
    g = np.random.default_rng(sum((i + 1) * ord(c) for i, c in enumerate(key)))
    m = g.random((25, 25)) < 0.5
    for y, x in ((0, 0), (0, 18), (18, 0)):
        m[y:y + 7, x:x + 7] = False
        m[y:y + 7, x] = m[y:y + 7, x + 6] = m[y, x:x + 7] = m[y + 6, x:x + 7] = True
        m[y + 2:y + 5, x + 2:x + 5] = True
    arr = np.where(m, 20, 250).astype(np.uint8)
    arr = np.pad(arr, 2, constant_values=250)
    return Image.fromarray(arr).resize((size, size), Image.Resampling.NEAREST).convert("RGB")


def scan(im: Image.Image) -> np.ndarray:
    """A clean flatbed scan: the rendered page with a little optical softness."""
    return cv2.GaussianBlur(np.asarray(im), (0, 0), 0.5)


# ---------------------------------------------------------------------------------------------------------------
# Edits. Each takes (image, Random, Generator) and returns (image, parameters, jpeg bytes or None)

Edit = tuple[np.ndarray, Params, bytes | None]


def rnd(x: float) -> float:
    return round(float(x), 4)


def jpeg_roundtrip(img: np.ndarray, q: int) -> tuple[np.ndarray, bytes]:
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "JPEG", quality=q)
    data = buf.getvalue()
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")), data


def e_crop(img: np.ndarray, r: random.Random, g: np.random.Generator) -> Edit:
    h, w = img.shape[:2]
    fr = [rnd(r.uniform(0.01, 0.15)) if r.random() < 0.7 else 0.0 for _ in range(4)]
    if not any(fr):
        fr[r.randrange(4)] = rnd(r.uniform(0.03, 0.15))
    x0, y0, x1, y1 = int(w * fr[0]), int(h * fr[1]), w - int(w * fr[2]), h - int(h * fr[3])
    return img[y0:y1, x0:x1].copy(), {"left": fr[0], "top": fr[1], "right": fr[2], "bottom": fr[3]}, None


def e_scale(img: np.ndarray, r: random.Random, g: np.random.Generator) -> Edit:
    h, w = img.shape[:2]
    lo, hi = max(0.3, 240 / min(h, w)), min(1.6, 2600 / max(h, w))
    fct = r.uniform(lo, hi)
    size = (max(1, round(w * fct)), max(1, round(h * fct)))
    out = cv2.resize(img, size, interpolation=cv2.INTER_AREA if fct < 1 else cv2.INTER_CUBIC)
    return out, {"factor": rnd(fct), "width": size[0], "height": size[1]}, None


def e_rotate(img: np.ndarray, r: random.Random, g: np.random.Generator) -> Edit:
    u = r.random()
    fill = r.choice([(255, 255, 255), (0, 0, 0), (128, 128, 128), (235, 235, 230)])
    if u < 0.4:
        angle = float(r.choice([90, 180, 270]))
        return np.ascontiguousarray(np.rot90(img, int(angle) // 90)), {"angle": angle, "expand": True}, None
    angle = r.uniform(-15, 15) if u < 0.8 else r.uniform(0, 360)
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    c, s = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * s + w * c), int(h * c + w * s)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    out = cv2.warpAffine(img, m, (nw, nh), flags=cv2.INTER_LINEAR, borderValue=fill)
    return out, {"angle": rnd(angle), "expand": True, "fill": list(fill)}, None


def e_jpeg(img: np.ndarray, r: random.Random, g: np.random.Generator) -> Edit:
    q = r.randint(30, 90)
    out, data = jpeg_roundtrip(img, q)
    return out, {"quality": q}, data


def e_recompress2(img: np.ndarray, r: random.Random, g: np.random.Generator) -> Edit:
    q1, q2 = r.randint(30, 90), r.randint(30, 90)
    out, _ = jpeg_roundtrip(img, q1)
    out, data = jpeg_roundtrip(out, q2)
    return out, {"quality1": q1, "quality2": q2}, data


def e_blur(img: np.ndarray, r: random.Random, g: np.random.Generator) -> Edit:
    if r.random() < 0.65:
        sigma = r.uniform(0.6, 2.5)
        return cv2.GaussianBlur(img, (0, 0), sigma), {"kind": "gaussian", "sigma": rnd(sigma)}, None
    length, angle = r.randint(5, 15), r.uniform(0, 180)
    k = np.zeros((length, length), np.float32)
    k[length // 2, :] = 1
    k = cv2.warpAffine(k, cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), angle, 1), (length, length))
    k /= max(k.sum(), 1e-6)
    return cv2.filter2D(img, -1, k), {"kind": "motion", "length": length, "angle": rnd(angle)}, None


def e_photometric(img: np.ndarray, r: random.Random, g: np.random.Generator) -> Edit:
    b, c, gm = r.uniform(0.65, 1.35), r.uniform(0.65, 1.35), r.uniform(0.6, 1.6)
    x = (img.astype(np.float32) / 255.0) ** gm
    x = ((x - 0.5) * c + 0.5) * b
    return (np.clip(x, 0, 1) * 255).astype(np.uint8), {"brightness": rnd(b), "contrast": rnd(c), "gamma": rnd(gm)}, None


def e_glare(img: np.ndarray, r: random.Random, g: np.random.Generator) -> Edit:
    h, w = img.shape[:2]
    cx, cy, ax, ay = r.uniform(0.15, 0.85), r.uniform(0.15, 0.85), r.uniform(0.08, 0.3), r.uniform(0.05, 0.2)
    ang, strength = r.uniform(0, 180), r.uniform(0.4, 0.95)
    mask = np.zeros((h, w), np.float32)
    cv2.ellipse(mask, (int(cx * w), int(cy * h)), (max(2, int(ax * w)), max(2, int(ay * h))), ang, 0, 360, 1.0, -1)
    mask = cv2.GaussianBlur(mask, (0, 0), max(2.0, 0.25 * min(ax * w, ay * h)))
    x = img.astype(np.float32)
    out = x + (255 - x) * (mask * strength)[..., None]
    return out.astype(np.uint8), {"cx": rnd(cx), "cy": rnd(cy), "ax": rnd(ax), "ay": rnd(ay), "angle": rnd(ang),
                                  "strength": rnd(strength)}, None


def e_noise(img: np.ndarray, r: random.Random, g: np.random.Generator) -> Edit:
    sigma, color = r.uniform(3, 18), r.random() < 0.5
    shape = img.shape if color else (*img.shape[:2], 1)
    out = img.astype(np.float32) + g.normal(0, sigma, shape).astype(np.float32)
    return np.clip(out, 0, 255).astype(np.uint8), {"sigma": rnd(sigma), "color": color}, None


def e_screenshot(img: np.ndarray, r: random.Random, g: np.random.Generator) -> Edit:
    pw = r.choice([720, 750, 828, 1080])
    ph = int(pw * r.choice([2.16, 2.17, 1.78, 2.22]))
    dark = r.random() < 0.5
    fg, bg = ((240, 240, 240), (0, 0, 0)) if dark else ((20, 20, 20), (246, 246, 246))
    canvas = Image.new("RGB", (pw, ph), bg)
    d = ImageDraw.Draw(canvas)
    u = pw / 720
    status, header = int(48 * u), int(r.choice([0, 96]) * u)
    toolbar, nav = int(r.choice([0, 110]) * u), int(r.choice([30, 96]) * u)
    f = font("bold", int(24 * u))
    d.text((28 * u, 8 * u), f"{r.randint(0, 23)}:{r.randint(0, 59):02d}", font=f, fill=fg)
    for k in range(4):
        d.rectangle([pw - 170 * u + k * 10 * u, 34 * u - k * 6 * u, pw - 163 * u + k * 10 * u, 36 * u], fill=fg)
    level = r.randint(8, 100)
    d.rounded_rectangle([pw - 84 * u, 14 * u, pw - 34 * u, 36 * u], int(4 * u), outline=fg, width=max(1, int(2 * u)))
    d.rectangle([pw - 80 * u, 18 * u, pw - 80 * u + 42 * u * level / 100, 32 * u], fill=fg)
    d.text((pw - 130 * u, 10 * u), f"{level}", font=font("sans", int(18 * u)), fill=fg)
    title = r.choice(["证件预览", "上传证件", "图片详情", "相册", "认证资料", "聊天图片"])
    if header:
        d.line([(40 * u, status + 48 * u), (58 * u, status + 30 * u)], fill=fg, width=int(4 * u))
        d.line([(40 * u, status + 48 * u), (58 * u, status + 66 * u)], fill=fg, width=int(4 * u))
        centered(d, pw / 2, status + 26 * u, title, font("bold", int(32 * u)), fg)
        for k in range(3):
            d.ellipse([pw - 50 * u, status + (30 + k * 14) * u, pw - 42 * u, status + (38 + k * 14) * u], fill=fg)
    bottom = ph - nav - toolbar
    if toolbar:
        labels = r.choice([["分享", "编辑", "收藏", "删除"], ["重新上传", "确认提交"], ["保存", "转发"]])
        for k, lab in enumerate(labels):
            centered(d, pw * (k + 0.5) / len(labels), bottom + 36 * u, lab, font("sans", int(26 * u)), fg)
    if nav > 50 * u:
        for k, shape in enumerate(("tri", "circle", "square")):
            x, y = pw * (0.25 + 0.25 * k), ph - nav / 2
            if shape == "circle":
                d.ellipse([x - 14 * u, y - 14 * u, x + 14 * u, y + 14 * u], outline=fg, width=int(3 * u))
            elif shape == "square":
                d.rectangle([x - 12 * u, y - 12 * u, x + 12 * u, y + 12 * u], outline=fg, width=int(3 * u))
            else:
                d.polygon([(x + 10 * u, y - 14 * u), (x + 10 * u, y + 14 * u), (x - 12 * u, y)], outline=fg)
    else:
        d.rounded_rectangle([pw / 2 - 70 * u, ph - 18 * u, pw / 2 + 70 * u, ph - 12 * u], int(3 * u), fill=fg)
    top = status + header
    margin = int(r.choice([0, 0, 16, 32]) * u)
    aw, ah = pw - 2 * margin, bottom - top - 2 * margin
    h, w = img.shape[:2]
    k = min(aw / w, ah / h)
    nw, nh = max(1, int(w * k)), max(1, int(h * k))
    x0, y0 = (pw - nw) // 2, top + (bottom - top - nh) // 2
    canvas.paste(Image.fromarray(cv2.resize(img, (nw, nh), interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_CUBIC)),
                 (x0, y0))
    return np.asarray(canvas), {"phone": [pw, ph], "theme": "dark" if dark else "light", "status_bar": status,
                                "header": header, "toolbar": toolbar, "nav_bar": nav, "title": title if header else "",
                                "image_box": [x0, y0, x0 + nw, y0 + nh]}, None


def e_perspective(img: np.ndarray, r: random.Random, g: np.random.Generator) -> Edit:
    h, w = img.shape[:2]
    biggest = r.uniform(0.02, 0.12)
    moves = []
    for i in range(4):
        mag = biggest if i == 0 else r.uniform(0.02, biggest)
        a = r.uniform(0, 2 * math.pi)
        moves.append((mag * math.cos(a), mag * math.sin(a)))
    r.shuffle(moves)
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = src + np.float32([[dx * w, dy * h] for dx, dy in moves])
    dst -= dst.min(0)
    size = (math.ceil(float(dst[:, 0].max())), math.ceil(float(dst[:, 1].max())))
    fill = tuple(r.randint(0, 255) for _ in range(3)) if r.random() < 0.5 else (255, 255, 255)
    m = cv2.getPerspectiveTransform(src, dst)
    out = cv2.warpPerspective(img, m, size, flags=cv2.INTER_LINEAR, borderValue=fill)
    return out, {"corners": [[rnd(dx), rnd(dy)] for dx, dy in moves], "max_shift": rnd(biggest), "fill": list(fill)}, None


def smooth_noise(g: np.random.Generator, h: int, w: int, cell: int) -> np.ndarray:
    small = g.random((h // cell + 3, w // cell + 3)).astype(np.float32)
    return cv2.resize(small, (w + 3 * cell, h + 3 * cell), interpolation=cv2.INTER_CUBIC)[:h, :w]


def texture(kind: str, w: int, h: int, r: random.Random, g: np.random.Generator) -> tuple[np.ndarray, Params]:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if kind == "wood":
        base = np.float32(jitter(r.choice([(150, 100, 60), (110, 70, 40), (190, 150, 105), (90, 60, 45)]), r, 15))
        ang, freq = r.uniform(-0.4, 0.4), r.uniform(0.05, 0.14)
        v = -xx * math.sin(ang) + yy * math.cos(ang) + smooth_noise(g, h, w, 90) * r.uniform(20, 60)
        grain = 0.5 + 0.5 * np.sin(v * freq + 4 * smooth_noise(g, h, w, 40))
        tex = base * (0.72 + 0.28 * grain[..., None]) * (0.94 + 0.06 * g.random((h, w, 1), np.float32))
        params = {"base": list(map(int, base)), "grain_angle": rnd(ang), "grain_freq": rnd(freq)}
    elif kind == "tablecloth":
        c = np.float32(jitter(r.choice([(200, 40, 40), (40, 90, 170), (40, 130, 70), (220, 150, 40)]), r, 20))
        p = r.randint(20, 70)
        sx, sy = (xx // p) % 2, (yy // p) % 2
        mix = ((sx + sy) / 2)[..., None]
        weave = 0.93 + 0.07 * (np.sin(xx * 1.7) * np.sin(yy * 1.7))[..., None]
        tex = (np.float32([245, 242, 235]) * (1 - mix) + c * mix) * weave
        params = {"color": list(map(int, c)), "period": p}
    elif kind == "desk":
        base = np.float32(jitter(r.choice([(225, 225, 220), (60, 60, 64), (200, 196, 186), (245, 245, 245)]), r, 12))
        tex = base * (0.9 + 0.1 * smooth_noise(g, h, w, 120)[..., None]) + g.normal(0, 4, (h, w, 1)).astype(np.float32)
        params = {"base": list(map(int, base))}
    else:  # granite / terrazzo counter
        base = np.float32(jitter((170, 165, 160), r, 30))
        speck = (g.random((h, w, 1)) < 0.08).astype(np.float32) * g.uniform(-70, 50, (h, w, 1)).astype(np.float32)
        tex = base + cv2.GaussianBlur(speck, (0, 0), 1.2)[..., None] + g.normal(0, 5, (h, w, 1)).astype(np.float32)
        params = {"base": list(map(int, base))}
    return np.clip(tex, 0, 255).astype(np.float32), params


def e_background(img: np.ndarray, r: random.Random, g: np.random.Generator) -> Edit:
    h, w = img.shape[:2]
    portrait_frame = r.random() < 0.3
    W = int(max(w, h) * r.uniform(1.2, 1.5))
    H = int(W * (4 / 3 if portrait_frame else 3 / 4))
    kind = r.choice(["wood", "tablecloth", "desk", "granite"])
    tex, tparams = texture(kind, W, H, r, g)
    rot = r.uniform(-20, 20) + (90 if portrait_frame and w > h else 0)
    fill = r.uniform(0.6, 0.85)
    theta = math.radians(rot)
    bw, bh = abs(w * math.cos(theta)) + abs(h * math.sin(theta)), abs(w * math.sin(theta)) + abs(h * math.cos(theta))
    s = min(W / bw, H / bh) * fill
    cx, cy = W / 2 + r.uniform(-0.06, 0.06) * W, H / 2 + r.uniform(-0.06, 0.06) * H
    jit = r.uniform(0.02, 0.07)
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    centred = (src - [w / 2, h / 2]) * s
    rotm = np.float32([[math.cos(theta), math.sin(theta)], [-math.sin(theta), math.cos(theta)]])
    dst = centred @ rotm.T + [cx, cy]
    dst += np.float32([[r.uniform(-jit, jit) * W, r.uniform(-jit, jit) * H] for _ in range(4)])
    m = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    warped = cv2.warpPerspective(img, m, (W, H), flags=cv2.INTER_LINEAR).astype(np.float32)
    mask = cv2.warpPerspective(np.ones((h, w), np.float32), m, (W, H), flags=cv2.INTER_LINEAR)[..., None]
    off = (r.uniform(-0.035, 0.035) * W, r.uniform(0.0, 0.04) * H)
    sblur, sop = r.uniform(0.006, 0.025) * W, r.uniform(0.25, 0.6)
    shadow = cv2.warpAffine(mask[..., 0], np.float32([[1, 0, off[0]], [0, 1, off[1]]]), (W, H))
    shadow = cv2.GaussianBlur(shadow, (0, 0), sblur)[..., None]
    out = tex * (1 - sop * shadow) * (1 - mask) + warped * mask
    la = r.uniform(0, 2 * math.pi)
    lo, hi = r.uniform(0.7, 0.95), r.uniform(1.0, 1.12)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    t = (xx / W - 0.5) * math.cos(la) + (yy / H - 0.5) * math.sin(la) + 0.5
    out *= (lo + (hi - lo) * np.clip(t, 0, 1))[..., None]
    params = {"texture": kind, **tparams, "canvas": [W, H], "rotation": rnd(rot), "fill": rnd(fill),
              "corner_jitter": rnd(jit), "corners": [[rnd(x / W), rnd(y / H)] for x, y in dst.tolist()],
              "shadow_offset": [rnd(off[0] / W), rnd(off[1] / H)], "shadow_blur": rnd(sblur / W),
              "shadow_opacity": rnd(sop), "light": [rnd(lo), rnd(hi), rnd(la)]}
    return np.clip(out, 0, 255).astype(np.uint8), params, None


def e_occlusion(img: np.ndarray, r: random.Random, g: np.random.Generator) -> Edit:
    h, w = img.shape[:2]
    target = r.uniform(0.02, 0.10) * w * h
    layer = Image.fromarray(img)
    mask = Image.new("L", (w, h), 0)
    md = ImageDraw.Draw(mask)
    kind = r.choice(["finger", "sticker"])
    if kind == "finger":
        fw = r.uniform(0.09, 0.16) * min(w, h)
        length = min(target / fw, 0.45 * (w + h) / 2)
        edge = r.choice(["left", "right", "top", "bottom"])
        along = r.uniform(0.15, 0.85)
        if edge in ("left", "right"):
            y = along * h
            x0 = -fw if edge == "left" else w - length
            box = [x0, y - fw / 2, x0 + length + fw, y + fw / 2]
        else:
            x = along * w
            y0 = -fw if edge == "top" else h - length
            box = [x - fw / 2, y0, x + fw / 2, y0 + length + fw]
        md.rounded_rectangle(box, radius=int(fw / 2), fill=255)
        skin = jitter(r.choice(SKIN), r, 10)
        finger = gradient(w, h, shade(skin, 1.05), shade(skin, 0.8), 1.57 if edge in ("left", "right") else 0.0)
        layer.paste(finger, (0, 0), mask)
        params: Params = {"kind": "finger", "edge": edge, "width": rnd(fw / min(w, h)), "length": rnd(length / max(w, h))}
    else:
        sw = math.sqrt(target * r.uniform(0.6, 1.6))
        sh = target / sw
        x0, y0 = r.uniform(0, max(1, w - sw)), r.uniform(0, max(1, h - sh))
        shape = r.choice(["rect", "round"])
        box = [x0, y0, x0 + sw, y0 + sh]
        if shape == "rect":
            md.rounded_rectangle(box, radius=int(min(sw, sh) * 0.12), fill=255)
        else:
            md.ellipse(box, fill=255)
        col = jitter(r.choice([(250, 220, 60), (250, 150, 170), (120, 210, 140), (250, 250, 250), (120, 180, 240)]), r, 10)
        layer.paste(Image.new("RGB", (w, h), col), (0, 0), mask)
        ld = ImageDraw.Draw(layer)
        label = r.choice(["", "★", "已阅", "OK", "♥"])
        if label:
            centered(ld, x0 + sw / 2, y0 + sh / 2 - min(sw, sh) * 0.25, label, font("bold", max(8, int(min(sw, sh) * 0.4))),
                     shade(col, 0.5))
        params = {"kind": "sticker", "shape": shape, "color": list(col), "label": label}
    m = np.asarray(mask, np.float32) / 255.0
    area = float(m.mean())
    soft = cv2.GaussianBlur(m, (0, 0), 1.0)[..., None]
    out = np.asarray(layer, np.float32) * soft + img.astype(np.float32) * (1 - soft)
    ys, xs = np.nonzero(m > 0.5)
    bbox = [int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1] if len(xs) else [0, 0, 0, 0]
    params.update({"area": rnd(area), "bbox": bbox})
    return out.astype(np.uint8), params, None


EDITS: dict[str, Callable[[np.ndarray, random.Random, np.random.Generator], Edit]] = {
    "occlusion": e_occlusion, "glare": e_glare, "background": e_background, "perspective": e_perspective,
    "rotate": e_rotate, "photometric": e_photometric, "blur": e_blur, "noise": e_noise, "crop": e_crop,
    "scale": e_scale, "screenshot": e_screenshot, "jpeg": e_jpeg, "recompress2": e_recompress2,
}  # dict order is the order in which a chain applies them
EXCLUSIVE = ({"jpeg", "recompress2"}, {"background", "perspective"})


def choose_edits(r: random.Random) -> list[str]:
    k = r.choices([1, 2, 3, 4], weights=[35, 30, 20, 15])[0]
    pool, picked = list(EDITS), []
    while len(picked) < k and pool:
        c = pool.pop(r.randrange(len(pool)))
        if not any(c in ex and ex & set(picked) for ex in EXCLUSIVE):
            picked.append(c)
    order = list(EDITS)
    return sorted(picked, key=order.index)


def apply_edits(img: np.ndarray, names: list[str], r: random.Random, g: np.random.Generator
                ) -> tuple[np.ndarray, list[Params], bytes | None]:
    log, data = [], None
    for name in names:
        img, params, data = EDITS[name](img, r, g)
        log.append({"type": name, **params})
    return img, log, data


# ---------------------------------------------------------------------------------------------------------------
# The scenario


def pick_template(r: random.Random) -> str:
    return r.choices(TEMPLATES, weights=TEMPLATE_WEIGHTS)[0]


def generate(seed: int, n_stored: int, n_queries: int, out: Path) -> dict[str, Any]:
    t0 = time.perf_counter()
    world = World(seed)
    plan_rng = random.Random(f"plan:{seed}")
    for sub in ("stored", "queries"):
        (out / sub).mkdir(parents=True, exist_ok=True)
        for old in (out / sub).glob("[dq]-*.*"):
            old.unlink()
    fields_lines: list[dict[str, Any]] = []

    # stored documents: persons may hold several documents of different templates on one account
    persons: list[Subject] = []
    stored: list[dict[str, Any]] = []
    holder: dict[str, Subject] = {}
    for i in range(n_stored):
        template = pick_template(plan_rng)
        if template == "business_licence":
            subj = world.new_company()
        else:
            owners = [p for p in persons if template not in p.fields]
            if owners and plan_rng.random() < 0.35:
                subj = plan_rng.choice(owners)
            else:
                subj = world.new_person()
                persons.append(subj)
        fv = world.fields(subj, template)
        doc_id = f"d-{i:06d}"
        path = f"stored/{doc_id}.png"
        Image.fromarray(scan(render(template, fv, subj))).save(out / path, compress_level=3)
        stored.append({"doc_id": doc_id, "subject": subj.sid, "account": subj.account, "path": path, "template": template})
        holder[doc_id] = subj
        fields_lines.append({"ref": doc_id, "template": template, "fields": fv})

    # queries
    n_same = max(1, round(0.05 * n_queries)) if n_stored and n_queries >= 10 else 0
    n_copy = round((n_queries - n_same) / 2) if n_stored else 0
    plan = ["copy"] * n_copy + ["same_subject"] * n_same + ["never_stored"] * (n_queries - n_copy - n_same)
    plan_rng.shuffle(plan)
    truth: list[dict[str, Any]] = []
    for qi, relation in enumerate(plan):
        r = random.Random(f"query:{seed}:{qi}")
        g = np.random.default_rng([seed, 17, qi])
        qpath = f"queries/q-{qi:06d}.jpg"
        rec: dict[str, Any] = {"query": qpath}
        if relation == "never_stored":
            template = pick_template(r)
            subj = world.new_company() if template == "business_licence" else world.new_person()
            fv = world.fields(subj, template)
            img = scan(render(template, fv, subj))
            names = [] if r.random() < 0.3 else choose_edits(r)
            fields_lines.append({"ref": qpath, "template": template, "fields": fv})
            rec.update(source_doc=None, subject=subj.sid, account=subj.account)
        else:
            src = r.choice(stored)
            template = src["template"]
            img = np.asarray(Image.open(out / src["path"]).convert("RGB"))
            names = choose_edits(r)
            if relation == "copy":
                rec.update(source_doc=src["doc_id"], subject=world.next_id("U"), account=world.next_id("A", 6))
            else:
                account = src["account"] if r.random() < 0.5 else world.next_id("A", 6)
                rec.update(source_doc=src["doc_id"], subject=src["subject"], account=account)
        img, log, data = apply_edits(img, names, r, g)
        if data is not None:
            (out / qpath).write_bytes(data)
        else:
            Image.fromarray(img).save(out / qpath, quality=95)
        rec.update(edits=log, template=template, relation=relation)
        truth.append({k: rec[k] for k in ("query", "source_doc", "edits", "template", "relation", "subject", "account")})

    def dump(name: str, rows: list[dict[str, Any]]) -> None:
        with open(out / name, "w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")

    dump("stored.jsonl", stored)
    dump("truth.jsonl", truth)
    dump("fields.jsonl", fields_lines)
    summary = {
        "seed": seed, "stored": n_stored, "queries": n_queries,
        "relations": dict(Counter(t["relation"] for t in truth)),
        "stored_templates": dict(Counter(s["template"] for s in stored)),
        "query_templates": dict(Counter(t["template"] for t in truth)),
        "edits": dict(Counter(e["type"] for t in truth for e in t["edits"])),
        "edit_counts": dict(sorted(Counter(len(t["edits"]) for t in truth).items())),
        "versions": {"python": sys.version.split()[0], "pillow": Image.__version__, "numpy": np.__version__,
                     "opencv": cv2.__version__, "faker": faker.VERSION},
    }
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return {**summary, "seconds": round(time.perf_counter() - t0, 1)}  # timing only on stdout: files stay byte-stable


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--stored", type=int, default=200)
    ap.add_argument("--queries", type=int, default=400)
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args(argv)
    if a.stored < 0 or a.queries < 0:
        ap.error("counts must be >= 0")
    summary = generate(a.seed, a.stored, a.queries, a.out)
    json.dump(summary, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
