"""Labeled evasion test data for a detector of Chinese personal information (PI).

Written from a task description only, without reading the detector under test (see README.md).

    python scenarios/evasion/generate.py --seed N --records M --out FILE.jsonl [--stats]

Deterministic per seed: one ``random.Random(seed)`` and seeded Faker instances, no global state.
"""

from __future__ import annotations

import argparse
import json
import random
import string
import sys
import unicodedata
from collections import Counter
from datetime import date, timedelta
from typing import Any

from faker import Faker

Piece = tuple[str, dict[str, Any] | None]  # (text, None) | (text, span label) | (text, negative label)

FORM_ORDER = ("fullwidth", "chinese_numerals", "capital_numerals", "circled", "homoglyph", "mixed", "spaced",
              "emoji_separated", "zero_width", "email_at", "email_dot", "cue_wechat", "cue_qq")
TYPES = ("PHONE", "WECHAT_ID", "QQ_ID", "EMAIL", "BANK_CARD", "CN_RESIDENT_ID")
TYPE_WEIGHTS = (30, 22, 15, 13, 10, 10)
GENRES = ("chat", "ad", "livestream", "transcript", "order_remark")
GENRE_WEIGHTS = (34, 20, 16, 16, 14)

# ------------------------------------------------------------------------------------------------ values
MOBILE_PREFIXES = (*range(130, 140), 145, 147, 149, 150, 151, 152, 153, 155, 156, 157, 158, 159, 162, 165, 166, 167,
                   170, 171, 172, 173, 175, 176, 177, 178, *range(180, 190), 190, 191, 192, 193, *range(195, 200))
AREA_CODES = ("010", "020", "021", "022", "023", "024", "025", "027", "028", "029", "0571", "0755", "0512", "0731",
              "0591", "0871")
REGIONS = ("110101", "110105", "110108", "120101", "130102", "140105", "210102", "220102", "230102", "310101",
           "310104", "310115", "320102", "320506", "330102", "330106", "340104", "350203", "360102", "370102",
           "370202", "410105", "420106", "430104", "440104", "440305", "450103", "500103", "510104", "510107",
           "520102", "530102", "610113", "620102", "640104", "650102")
CARD_BINS = (("622202", 19), ("621700", 19), ("622848", 19), ("621661", 19), ("622262", 19), ("6217", 19),
             ("6228", 19), ("6217", 16), ("622588", 16), ("621483", 16), ("625809", 16), ("436742", 16),
             ("427020", 16), ("518710", 16), ("622126", 17), ("621226", 18))
EMAIL_DOMAINS = ("qq.com", "qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "gmail.com", "outlook.com",
                 "hotmail.com", "yeah.net", "139.com", "sohu.com", "aliyun.com", "vip.qq.com", "sina.cn")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_check_char(body17: str) -> str:
    return "10X98765432"[sum(int(c) * w for c, w in zip(body17, ID_WEIGHTS, strict=True)) % 11]


def luhn_check_digit(payload: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(payload)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str(-total % 10)


def digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def gen_mobile(rng: random.Random) -> str:
    return str(rng.choice(MOBILE_PREFIXES)) + digits(rng, 8)


def gen_landline(rng: random.Random) -> tuple[str, int]:
    area = rng.choice(AREA_CODES)
    n = 8 if len(area) == 3 else rng.choice((7, 8))
    return area + str(rng.randint(2, 8)) + digits(rng, n - 1), len(area)


def gen_resident_id(rng: random.Random) -> str:
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 56))
    body = rng.choice(REGIONS) + born.strftime("%Y%m%d") + digits(rng, 3)
    return body + id_check_char(body)


def gen_card(rng: random.Random) -> str:
    prefix, n = rng.choice(CARD_BINS)
    payload = prefix + digits(rng, n - len(prefix) - 1)
    return payload + luhn_check_digit(payload)


def gen_qq(rng: random.Random) -> str:
    n = rng.choices((5, 6, 7, 8, 9, 10, 11), (1, 2, 4, 8, 10, 8, 2))[0]
    return str(rng.randint(1, 9)) + digits(rng, n - 1)


def gen_wechat(rng: random.Random, fz: Faker, fe: Faker) -> str:
    if rng.random() < 0.15:
        return "wxid_" + "".join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(rng.randint(10, 14)))
    base = "".join(c for c in (fz if rng.random() < 0.6 else fe).user_name().lower() if c in string.ascii_lowercase)
    base = base or rng.choice(string.ascii_lowercase)
    tail = rng.choice(("", digits(rng, rng.randint(2, 6)), "_" + digits(rng, 3), "-" + digits(rng, 4),
                       str(rng.randint(1985, 2006)), "_vip", "888"))
    vid = (base + tail)[:20]
    vid += digits(rng, max(0, 6 - len(vid)))
    return vid.capitalize() if rng.random() < 0.1 else vid


def gen_email(rng: random.Random, fz: Faker, fe: Faker) -> tuple[str, str]:
    domain = rng.choice(EMAIL_DOMAINS)
    if "qq" in domain and rng.random() < 0.5:
        return gen_qq(rng), domain
    local = "".join(c for c in (fz if rng.random() < 0.6 else fe).user_name().lower() if c.isalnum() and c.isascii())
    local = local or "mail"
    if rng.random() < 0.4:
        local += rng.choice((digits(rng, rng.randint(2, 4)), "." + digits(rng, 2), "_" + str(rng.randint(1985, 2006))))
    return local, domain


# ------------------------------------------------------------------------------------------------ evasion forms
CN_DIGITS = "〇一二三四五六七八九"
CAP_DIGITS = "零壹贰叁肆伍陆柒捌玖"
CIRCLED = {"circle": "⓪①②③④⑤⑥⑦⑧⑨", "negative": "⓿❶❷❸❹❺❻❼❽❾", "paren": "?⑴⑵⑶⑷⑸⑹⑺⑻⑼"}
ZERO_WIDTH = "\u200b\u200c\u200d\ufeff\u2060"
SPACE_SEPS = (" ", " ", " ", "  ", "-", "-", ".", "/", "\u3000", " - ")
PAUSE_SEPS = ("，", "，", "、", "…", " ", "，嗯，", "，呃，", "……")
EMOJI_SEPS = ("❤", "❤️", "⭐", "✨", "🔥", "🌸", "💰", "☆", "★", "♥", "♡", "~", "*", "|", "🍀", "💕", "🌟")
AT_FORMS = ("[at]", "(at)", "{at}", "【at】", " at ", "艾特", "#", "[艾特]")
DOT_FORMS = ("点", "点", "dot", "[dot]", "(dot)", " dot ", "。")
HASH_NOTES = ("（#换成@）", "（#改成@）", " (# = @)", "，#换@", "（把#换成@）")
STYLES = ("ascii", "fullwidth", "chinese_numerals", "capital_numerals", "circled")
# weights of: ascii, fullwidth, chinese_numerals, capital_numerals, circled, mixed
STYLE_WEIGHTS = {"chat": (35, 15, 20, 7, 10, 13), "ad": (25, 18, 15, 10, 17, 15), "livestream": (25, 18, 15, 10, 17, 15),
                 "transcript": (4, 1, 85, 2, 0, 8), "order_remark": (45, 25, 10, 5, 5, 10)}
LAYOUT_P = {"chat": (0.45, 0.15, 0.2), "ad": (0.4, 0.35, 0.3), "livestream": (0.4, 0.35, 0.35),
            "transcript": (0.75, 0.0, 0.05), "order_remark": (0.4, 0.1, 0.15)}  # spaced, emoji, zero width
P_PLAIN = {"chat": 0.2, "ad": 0.15, "livestream": 0.12, "transcript": 0.1, "order_remark": 0.35}


def to_fullwidth(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


def ordered(forms: set[str]) -> list[str]:
    return [f for f in FORM_ORDER if f in forms]


def groupings(kind: str, n: int, area: int) -> list[list[int]]:
    if kind == "mobile":
        return [[3, 4, 4], [3, 4, 4], [4, 3, 4], [3, 3, 5]]
    if kind == "landline":
        return [[area, 4, n - area - 4], [area, 3, n - area - 3]]
    if kind == "id":
        return [[6, 8, 4], [6, 4, 4, 4], [3, 3, 4, 4, 4], [6, 8, 3, 1]]
    if kind == "card":
        return [[4] * (n // 4) + ([n % 4] if n % 4 else []), [6, n - 6], [4, 4, 4, n - 12]]
    return [[3, 3, n - 6], [4, n - 4], [2, 3, n - 5]] if n > 6 else [[2, n - 2], [3, n - 3]]


def interleave(rng: random.Random, groups: list[list[str]], spaced: bool, emoji: bool, seps: tuple[str, ...],
               forms: set[str]) -> list[str]:
    """Join groups of atoms with spacing and/or emoji separators, recording which kinds were used."""
    sp, em, gaps = rng.choice(seps), rng.choice(EMOJI_SEPS), len(groups) - 1
    kinds = ["sp" if spaced else "em"] * gaps
    if spaced and emoji:
        kinds = [rng.choice(("sp", "em", "both")) for _ in range(gaps)] if gaps > 1 else ["both"]
        kinds[0] = kinds[0] if any(k != "em" for k in kinds) else "sp"
        kinds[-1] = kinds[-1] if any(k != "sp" for k in kinds) else "em"
    atoms: list[str] = list(groups[0])
    for kind, group in zip(kinds, groups[1:], strict=True):
        if kind == "sp" and rng.random() < 0.15:
            sp = rng.choice(seps)
        atoms.append({"sp": sp, "em": em, "both": f" {em} "}[kind])
        atoms.extend(group)
        forms.update({"sp": ("spaced",), "em": ("emoji_separated",), "both": ("spaced", "emoji_separated")}[kind])
    return atoms


def insert_zero_width(rng: random.Random, atoms: list[str]) -> list[str]:
    slots = list(range(1, len(atoms)))
    k = len(slots) if rng.random() < 0.25 else rng.randint(1, min(4, len(slots)))
    out = list(atoms)
    for pos in sorted(rng.sample(slots, k), reverse=True):
        out.insert(pos, rng.choice(ZERO_WIDTH))
    return out


def render_number(rng: random.Random, value: str, kind: str, genre: str, plain: bool,
                  area: int = 0) -> tuple[str, list[str]]:
    """Render a numeric identifier (digits, plus the ID check character X) in a random evasion recipe."""
    if plain:
        return (value[:area] + "-" + value[area:] if area and rng.random() < 0.6 else value), []
    style = rng.choices((*STYLES, "mixed"), STYLE_WEIGHTS[genre])[0]
    styles = rng.sample(STYLES, rng.choice((2, 2, 3))) if style == "mixed" else [style]
    p_sp, p_em, p_zw = LAYOUT_P[genre]
    spaced, emoji, zw = rng.random() < p_sp, rng.random() < p_em, rng.random() < p_zw
    positions = [i for i, c in enumerate(value) if c.isdigit()]
    assign = {i: rng.choice(styles) for i in positions}
    for st, i in zip(styles, rng.sample(positions, len(styles)), strict=True):
        assign[i] = st
    homo_pos = [i for i in positions if assign[i] == "ascii" and value[i] in "01"]
    p_homo = 0.0 if genre == "transcript" else 0.3  # nobody reads a letter O aloud for a zero
    homo = set(rng.sample(homo_pos, rng.randint(1, min(3, len(homo_pos))))) if homo_pos and rng.random() < p_homo else set()
    if styles == ["ascii"] and not (homo or spaced or emoji or zw):
        spaced, emoji, zw = rng.choice(((True, False, False), (False, True, False), (False, False, True)))
    cn = {"1": rng.choice("一一幺"), "2": rng.choice("二二两"), "0": rng.choice("〇〇零")}
    circ = CIRCLED[rng.choice(("circle", "negative", "paren") if "0" not in value else ("circle", "negative"))]
    chars: list[str] = []
    for i, c in enumerate(value):
        if not c.isdigit():  # the X check character of a resident ID
            chars.append("Ｘ" if styles == ["fullwidth"] else rng.choice("XXXXx"))
            continue
        st, d = assign[i], int(c)
        chars.append({"ascii": (rng.choice("OOo") if c == "0" else rng.choice("lI")) if i in homo else c,
                      "fullwidth": chr(ord(c) + 0xFEE0), "chinese_numerals": cn.get(c, CN_DIGITS[d]),
                      "capital_numerals": CAP_DIGITS[d], "circled": circ[d]}[st])
    used = {assign[i] for i in positions}
    forms = {s for s in used if s != "ascii"} | ({"mixed"} if len(used) > 1 else set()) | ({"homoglyph"} if homo else set())
    atoms = chars
    if spaced or emoji:
        sizes = [1] * len(value) if rng.random() < 0.15 else rng.choice(groupings(kind, len(value), area))
        groups, start = [], 0
        for size in sizes:
            groups.append(chars[start:start + size])
            start += size
        atoms = interleave(rng, groups, spaced, emoji, PAUSE_SEPS if genre == "transcript" else SPACE_SEPS, forms)
    if zw:
        atoms = insert_zero_width(rng, atoms)
        forms.add("zero_width")
    return "".join(atoms), ordered(forms)


def render_alnum(rng: random.Random, value: str, genre: str, plain: bool) -> tuple[str, list[str]]:
    """Render a letter-first WeChat id."""
    if plain:
        return value, []
    has_digit = any(c.isdigit() for c in value)
    fw, cn = rng.random() < 0.3, has_digit and rng.random() < 0.25
    sp, em, zw = rng.random() < 0.25, rng.random() < LAYOUT_P[genre][1], rng.random() < 0.35
    if not (fw or cn or sp or em or zw):
        zw = True
    forms: set[str] = set()
    chars = list(value)
    if cn:
        chars = [("幺" if c == "1" and rng.random() < 0.3 else CN_DIGITS[int(c)]) if c.isdigit() else c for c in chars]
        forms.add("chinese_numerals")
    if fw:
        chars = [to_fullwidth(c) for c in chars]
        forms.add("fullwidth")
    atoms = chars
    if sp or em:
        cuts = sorted(rng.sample(range(1, len(chars)), rng.choice((1, 1, 2))))
        groups = [chars[a:b] for a, b in zip([0, *cuts], [*cuts, len(chars)], strict=True)]
        atoms = interleave(rng, groups, sp, em, (" ",), forms)
    if zw:
        atoms = insert_zero_width(rng, atoms)
        forms.add("zero_width")
    return "".join(atoms), ordered(forms)


def render_email(rng: random.Random, local: str, domain: str, plain: bool) -> tuple[str, list[str], str]:
    """Render an e-mail address; the third item is a note placed right after the span ("#换成@")."""
    if plain:
        return f"{local}@{domain}", [], ""
    at_f, dot_f, fw, zw = rng.random() < 0.6, rng.random() < 0.45, rng.random() < 0.2, rng.random() < 0.25
    if not (at_f or dot_f or fw or zw):
        at_f = True
    at = rng.choice(AT_FORMS) if at_f else "@"
    dot = rng.choice(DOT_FORMS) if dot_f else "."
    labels = domain.split(".")
    atoms = [*local, at, *labels[0]]
    for label in labels[1:]:
        atoms += [dot, *label]
    forms = {"email_at"} if at_f else set()
    forms |= {"email_dot"} if dot_f else set()
    if fw:
        if (at_f and dot_f) or rng.random() < 0.5:
            atoms = [to_fullwidth(a) for a in atoms]
        else:
            atoms = [{"@": "＠", ".": "．"}.get(a, a) for a in atoms]
        forms.add("fullwidth")
    if zw:
        atoms = insert_zero_width(rng, atoms)
        forms.add("zero_width")
    return "".join(atoms), ordered(forms), rng.choice(HASH_NOTES) if at == "#" else ""


# ------------------------------------------------------------------------------------------------ cues
WECHAT_PLAIN = {"zh": ("微信", "微信号", "微信：", "WeChat"), "en": ("WeChat", "WeChat ID", "wechat")}
WECHAT_DISGUISED = {"zh": ("V信", "v信", "薇信", "威信", "维信", "徽信", "vx", "VX", "Vx", "wx", "WX", "微❤", "薇❤",
                           "卫星", "绿泡泡", "V", "v", "薇", "🛰️"),
                    "en": ("vx", "wx", "V", "VX", "weixin")}
WECHAT_ACTIONS = {"zh": ("加", "加我", "+", "➕", "私", "联系", "找我", "搜", "", "详情"),
                  "en": ("add me on ", "add my ", "ping me on ", "", "hit me up on ")}
QQ_PLAIN = {"zh": ("QQ", "QQ号", "qq", "QQ号码"), "en": ("QQ", "qq", "QQ no.")}
QQ_DISGUISED = {"zh": ("扣扣", "企鹅", "叩叩", "Q", "q", "q号", "Q号", "抠抠", "球球", "🐧", "企鹅号", "扣"),
                "en": ("Q", "q", "penguin")}
QQ_ACTIONS = {"zh": ("加", "加我", "+", "联系", "私聊", "", "有事找", "进群找管理", "我的"),
              "en": ("add my ", "add me on ", "my ", "")}
LEADS = {
    ("PHONE", "zh"): ("电话", "手机", "手机号", "联系电话", "电话号码是", "号码", "tel", "☎", "📞", "有事打", "急事请致电",
                      "回电", "打我电话", "联系人{name} "),
    ("PHONE", "en"): ("call me at ", "my number is ", "text me on ", "phone: ", "tel ", "reach me at "),
    ("LANDLINE", "zh"): ("座机", "固话", "门店电话", "办公电话", "总机"),
    ("LANDLINE", "en"): ("office line ", "landline: "),
    ("CN_RESIDENT_ID", "zh"): ("身份证", "身份证号", "证件号", "身份证号码是", "sfz", "样料：", "实名：{name} "),
    ("CN_RESIDENT_ID", "en"): ("ID no. ", "ID number: ", "ID card "),
    ("BANK_CARD", "zh"): ("卡号", "银行卡号", "收款卡号", "工行卡", "建行", "农行卡", "转账到", "打款到这张卡", "账号"),
    ("BANK_CARD", "en"): ("card no. ", "pay to card ", "bank card: "),
    ("EMAIL", "zh"): ("邮箱", "邮箱地址", "发邮件到", "简历投递", "email", "E-mail", "联系邮箱"),
    ("EMAIL", "en"): ("email me at ", "mail: ", "my email is ", "contact "),
}
TRANSCRIPT_ASK = {"PHONE": "请问您的联系电话是？", "CN_RESIDENT_ID": "麻烦报一下您的身份证号码。",
                  "BANK_CARD": "您绑定的银行卡号是多少？", "QQ_ID": "您的QQ号是多少？", "WECHAT_ID": "方便留个微信吗？",
                  "EMAIL": "邮箱地址是？"}
CONNECTORS = ("：", ":", " ", "", "：", " ")
TAILS = {"zh": ("", "，", "。", " 详聊", "，谢谢", "（秒回）", "，备注来意", "，非诚勿扰", "！", " ~", "，随时联系", " 🔥"),
         "en": ("", ".", "!", " thanks", ", DM for details", " asap")}


def pi_segment(rng: random.Random, typ: str, genre: str, lang: str, fz: Faker, fe: Faker) -> list[Piece]:
    plain = rng.random() < P_PLAIN[genre]
    note, lead = "", ""
    if typ in ("PHONE", "BANK_CARD", "CN_RESIDENT_ID"):
        area, kind, key = 0, {"BANK_CARD": "card", "CN_RESIDENT_ID": "id"}.get(typ, "mobile"), typ
        if typ == "PHONE" and rng.random() < 0.15:
            (value, area), kind, key = gen_landline(rng), "landline", "LANDLINE"
        elif typ == "PHONE":
            value = gen_mobile(rng)
        else:
            value = gen_card(rng) if typ == "BANK_CARD" else gen_resident_id(rng)
        text, forms = render_number(rng, value, kind, genre, plain, area)
        lead = rng.choice(LEADS[key, lang]).format(name=(fz if lang == "zh" else fe).name())
        if genre == "transcript" and rng.random() < 0.6:
            lead = rng.choice(("", "是", "嗯，是", "号码是", "我的是", "嗯，"))
    elif typ == "EMAIL":
        local, domain = gen_email(rng, fz, fe)
        value = f"{local}@{domain}"
        text, forms, note = render_email(rng, local, domain, plain)
        lead = rng.choice(LEADS[typ, lang])
    else:
        disguised = rng.random() < (0.35 if plain else 0.65)
        if typ == "QQ_ID":
            value = gen_qq(rng)
            text, forms = render_number(rng, value, "qq", genre, plain)
            cue = rng.choice((QQ_DISGUISED if disguised else QQ_PLAIN)[lang])
            lead = rng.choice(QQ_ACTIONS[lang]) + cue
            forms += ["cue_qq"] if disguised else []
        else:
            if rng.random() < 0.3:
                value = gen_mobile(rng)
                text, forms = render_number(rng, value, "mobile", genre, plain)
            else:
                value = gen_wechat(rng, fz, fe)
                text, forms = render_alnum(rng, value, genre, plain)
            cue = rng.choice((WECHAT_DISGUISED if disguised else WECHAT_PLAIN)[lang])
            lead = rng.choice(WECHAT_ACTIONS[lang]) + cue
            forms += ["cue_wechat"] if disguised else []
        if genre == "transcript" and rng.random() < 0.5:
            lead += "是"
    if lead and lead[-1] not in " ：:是":
        conn = rng.choice(CONNECTORS)
        first = unicodedata.normalize("NFKC", text[0])
        if not conn and lead[-1].isascii() and lead[-1].isalnum() and first.isascii() and first.isalnum():
            conn = " "
        lead += conn
    label = {"type": typ, "evasion": forms, "value": value.upper() if typ == "CN_RESIDENT_ID" else value}
    return [(lead, None), (text, label), (note + rng.choice(TAILS[lang]), None)]


# ------------------------------------------------------------------------------------------------ negatives
CN_PROSE = ("三百六十五天", "一年四季", "三五个", "七八十块", "四五十岁", "一二三四五六七八九十", "九九八十一难", "第一二三名",
            "三天两头", "一五一十", "二十四小时", "七七四十九天", "一千零一夜", "十万八千里", "一二三四五，上山打老虎", "五六七八")
PRIZES = ("一二三等奖", "一等奖", "二三等奖", "特等奖", "一等奖一名、二等奖三名", "三等奖")
LIST_ITEMS = ("拍前咨询", "不议价", "当面交易", "同城自提", "不退不换", "先到先得", "包邮", "七天无理由")
BRANDS = {"zh": ("微信支付", "支付宝", "QQ音乐", "QQ邮箱", "微信红包", "QQ空间", "企鹅电竞", "微信小程序", "腾讯视频"),
          "en": ("WeChat Pay", "Alipay", "QQ Music", "WeChat mini program")}
NO_ID_CUES = {"zh": ("加微信", "V我50", "扣1", "私信我", "QQ群里见", "微信聊", "扣666", "加个V", "企鹅联系"),
              "en": ("DM me", "add me on WeChat", "V me 50", "ask on QQ")}
MODELS = ("vivo X100", "iPhone 15 Pro", "RTX4090", "小米14", "华为Mate60 Pro", "iPad Air 5", "ThinkPad X1", "OPPO Reno11",
          "型号RTX4090", "GTX1660Ti", "Redmi K70", "型号 BCD-215")
NEG_FRAMES = {
    "zh": {"cn_numeral_prose": ("{}，", "说好的{}。", "{}都是这个价。", "宝宝们{}"),
           "prize_tier": ("抽{}", "{}已开奖", "本周{}名单"), "brand_mention": ("支持{}", "{}扫码付款", "用{}转账", "{}会员"),
           "cue_without_id": ("{}", "想要的{}", "{}详聊"), "fullwidth_price": ("到手价{}", "{}包邮", "只要{}"),
           "fullwidth_quantity": ("仅剩{}", "拍{}送一", "库存{}"), "model_number": ("出一台{}", "{}九成新", "收{}"),
           "cn_date": ("活动截止{}", "{}发货", "{}之前有效"), "cn_time": ("{}开播", "{}前下单", "明天{}取件"),
           "tracking_number": ("快递单号{}", "运单号：{}", "{}（顺丰）"), "order_number": ("订单号：{}", "订单编号{}"),
           "version_string": ("升级到{}", "版本{}", "{}以上"), "room_number": ("送到{}", "{}门口", "住{}"),
           "amount": ("报价{}", "月入{}", "成交价{}")},
    "en": {"brand_mention": ("pay with {}", "{} accepted"), "cue_without_id": ("{}", "{} for details"),
           "model_number": ("selling my {}", "{} like new"), "tracking_number": ("tracking {}", "waybill: {}"),
           "order_number": ("order no. {}", "order {}"), "version_string": ("update to {}", "needs {}"),
           "room_number": ("deliver to {}", "I'm in {}"), "amount": ("price {}", "asking {}")},
}


def cn_number(n: int) -> str:
    if n < 10:
        return "零一二三四五六七八九"[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else "零一二三四五六七八九"[tens]) + "十" + ("" if ones == 0 else "零一二三四五六七八九"[ones])


def bad_long_number(rng: random.Random, prefix: str, n: int) -> str:
    """A long order number that is neither a Luhn-valid card nor checksum-valid as an 18-character ID."""
    while True:
        s = prefix + digits(rng, n - len(prefix))
        if luhn_check_digit(s[:-1]) != s[-1] and (n != 18 or id_check_char(s[:17]) != s[-1]):
            return s


def neg_text(rng: random.Random, kind: str, lang: str) -> str:
    if kind == "cn_numeral_prose":
        return rng.choice(CN_PROSE)
    if kind == "prize_tier":
        return rng.choice(PRIZES)
    if kind == "brand_mention":
        return rng.choice(BRANDS[lang])
    if kind == "cue_without_id":
        return rng.choice(NO_ID_CUES[lang])
    if kind == "fullwidth_price":
        price = rng.choice(("9.9", "19.9", "59", "99", "128", "199", "299", "1288"))
        price = to_fullwidth(price + (".00" if "." not in price and rng.random() < 0.3 else ""))
        return "￥" + price if rng.random() < 0.6 else price + "元"
    if kind == "fullwidth_quantity":
        return to_fullwidth(str(rng.choice((1, 2, 3, 5, 10, 12, 20, 200, 2000)))) + rng.choice("件个瓶盒斤台")
    if kind == "model_number":
        return rng.choice(MODELS)
    if kind == "cn_date":
        day = date(2024, 1, 1) + timedelta(days=rng.randrange(1100))
        year = "".join(CN_DIGITS[int(c)] for c in str(day.year))
        return f"{year}年{cn_number(day.month)}月{cn_number(day.day)}{rng.choice('日号')}"
    if kind == "cn_time":
        minute = rng.choice(("", "半", "零五分", "十五分", "四十分"))
        return rng.choice(("上午", "下午", "晚上", "")) + cn_number(rng.randint(1, 12)) + "点" + minute
    if kind == "tracking_number":
        if rng.random() < 0.3:
            return rng.choice("47") + digits(rng, rng.choice((11, 12, 13)))
        return rng.choice(("SF", "YT", "JT", "ZTO", "JDV", "YD")) + digits(rng, rng.choice((12, 13)))
    if kind == "order_number":
        return bad_long_number(rng, "2026" + rng.choice(("01", "03", "06", "11")), rng.choice((16, 17, 18, 19, 20)))
    if kind == "version_string":
        v = f"{rng.randint(1, 17)}.{rng.randint(0, 9)}.{rng.randint(0, 60)}"
        app = rng.choice((f"微信 8.0.{rng.randint(1, 50)}", f"QQ {rng.randint(8, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 30)}"))
        return rng.choice((f"v{v}", f"iOS {v}", f"Android {rng.randint(9, 15)}", v, app))
    if kind == "room_number":
        room = f"{rng.randint(2, 32)}{rng.randint(1, 12):02d}"
        if lang == "en":
            return f"Room {room}"
        return rng.choice((f"{room}室", f"B座{room}", f"{rng.randint(1, 9)}栋{rng.randint(1, 4)}单元{room}", f"{room}房"))
    amount = rng.choice((13800, 15800, 18800, 12888, 138000, 26800, 99999, 5200, 13999, rng.randint(10, 3000) * 100))
    return rng.choice((f"{amount}元", f"¥{amount}", f"{amount}块", f"{amount} RMB"))


def neg_segment(rng: random.Random, lang: str) -> list[Piece]:
    kind = rng.choice([*NEG_FRAMES[lang], "list_marker"] if lang == "zh" else list(NEG_FRAMES[lang]))
    if kind == "list_marker":
        markers = CIRCLED[rng.choice(("circle", "negative", "paren"))][1:]
        pieces: list[Piece] = []
        for j, item in enumerate(rng.sample(LIST_ITEMS, rng.randint(2, 4))):
            pieces += [(" " if j else "", None), (markers[j], {"kind": kind}), (item, None)]
        return pieces
    pre, post = rng.choice(NEG_FRAMES[lang][kind]).split("{}")
    return [(pre, None), (neg_text(rng, kind, lang), {"kind": kind}), (post, None)]


# ------------------------------------------------------------------------------------------------ genres
FILL = {
    "open": {"zh": ("在吗？", "这个还在吗", "老板，货还有吗？", "你好，想问下怎么买", "料子还有吗", "能便宜点吗", "亲，请问包邮吗"),
             "en": ("hi, is this still available?", "hello, how do I buy?", "can you do a better price?")},
    "seller": {"zh": ("有的，", "在的，", "亲，", "平台不方便说，", "这里聊天会被屏蔽，", "要的话", "私下交易更便宜，", ""),
               "en": ("yes, ", "sure, ", "not here, ", "platform blocks this, ", "")},
    "reply": {"zh": ("好的", "收到", "加了", "稍等", "行，我加你", "靠谱吗？", "ok"), "en": ("ok", "got it", "added", "thx")},
    "live": {"zh": ("主播好", "来了来了", "求链接", "好看", "怎么买", "关注了", "已下单", "这个多少钱"), "en": ("hi!", "love it", "link?")},
    "spam": {"zh": ("福利群，", "兼职日结，", "想赚钱的", "低价出号，", "内部渠道，", "看主页，", ""), "en": ("free gifts, ", "earn daily, ", "")},
    "ad_head": {"zh": ("【出】", "【转】", "【收】", "【急出】", "【兼职】", "【招聘】"), "en": ("[SALE] ", "[WTB] ", "[JOB] ")},
    "ad_item": {"zh": ("九成新自行车", "闲置婴儿车", "二手书一批", "宿舍小冰箱", "演唱会门票", "游戏账号", "家教服务", "高价回收旧手机",
                       "兼职刷单日结"), "en": ("used bike", "concert tickets", "game account", "tutoring", "old phones")},
    "ad_tail": {"zh": ("非诚勿扰", "先到先得", "可小刀", "同城自提", "懂的来"), "en": ("serious buyers only", "first come first served")},
    "order": {"zh": ("请放快递柜", "工作日送货", "放门卫室", "到了先联系", "不要放门口", "发顺丰", "送人的，别放发票"), "en": ()},
}


def build(rng: random.Random, genre: str, lang: str, segs: list[tuple[str, list[Piece]]], fz: Faker,
          fe: Faker) -> list[Piece]:
    def f(key: str) -> str:
        return rng.choice(FILL[key][lang])

    sep = "\n"
    out: list[Piece] = []
    if genre == "chat":
        who = rng.choice(((("买家", "卖家") if lang == "zh" else ("Buyer", "Seller")), (fz.name(), fz.name()),
                          (fe.first_name(), fe.first_name())))
        colon = "：" if lang == "zh" else ": "
        out.append((f"{who[0]}{colon}{f('open')}", None))
        for kind, seg in segs:
            speaker = who[1] if kind == "pi" or rng.random() < 0.5 else who[0]
            out += [(f"{sep}{speaker}{colon}{f('seller') if kind == 'pi' else ''}", None), *seg]
            if rng.random() < 0.4:
                out.append((f"{sep}{who[0]}{colon}{f('reply')}", None))
    elif genre == "ad":
        out.append((f"{f('ad_head')}{f('ad_item')}{rng.choice(('', '🔥', '✨'))}", None))
        for _, seg in segs:
            out += [(rng.choice(("，", "\n", " ", "；") if lang == "zh" else (", ", "\n", " ")), None), *seg]
        out.append((("，" if lang == "zh" else ", ") + f("ad_tail"), None))
    elif genre == "livestream":
        users = [(fz if lang == "zh" else fe).first_name() + rng.choice(("", "呀", "_", "酱")) for _ in range(4)]
        colon = "：" if lang == "zh" else ": "
        lines: list[list[Piece]] = [[(f"{rng.choice(users)}{colon}{f('spam') if k == 'pi' else ''}", None), *s]
                                    for k, s in segs]
        lines += [[(f"{rng.choice(users)}{colon}{f('live')}", None)] for _ in range(rng.randint(1, 3))]
        rng.shuffle(lines)
        for j, line in enumerate(lines):
            out += [(sep if j else "", None), *line]
    elif genre == "transcript":
        agent, caller = rng.choice((("坐席", "客户"), ("客服", "用户"), ("A", "B")))
        out.append((f"{agent}：您好，这里是{fz.company_prefix()}客服，请问有什么可以帮您？", None))
        for _, seg in segs:
            label = next((p[1] for p in seg if p[1] and "type" in p[1]), None)
            if label:
                out += [(f"{sep}{agent}：{TRANSCRIPT_ASK[label['type']]}{sep}{caller}：", None), *seg]
            else:
                out += [(f"{sep}{rng.choice((agent, caller))}：", None), *seg]
        out.append((f"{sep}{agent}：好的，还有其他问题吗？", None))
    else:
        out.append((rng.choice(("订单备注：", "买家留言：", "备注：", "收货备注：")) + f("order"), None))
        for _, seg in segs:
            out += [(rng.choice(("，", "；", " ")), None), *seg]
    return out


def make_record(rng: random.Random, fz: Faker, fe: Faker, rid: str) -> dict[str, Any]:
    genre = rng.choices(GENRES, GENRE_WEIGHTS)[0]
    lang = "en" if genre in ("chat", "ad", "livestream") and rng.random() < 0.18 else "zh"
    if rng.random() < 0.08:
        n_pi, n_neg = 0, rng.randint(1, 3)
    else:
        n_pi = rng.choices((1, 2, 3), (60, 30, 10))[0]
        n_neg = rng.randint(1, 3) if rng.random() < 0.30 else 0
    segs = [("pi", pi_segment(rng, rng.choices(TYPES, TYPE_WEIGHTS)[0], genre, lang, fz, fe)) for _ in range(n_pi)]
    segs += [("neg", neg_segment(rng, lang)) for _ in range(n_neg)]
    rng.shuffle(segs)
    text, spans, negatives = "", [], []
    for piece, label in build(rng, genre, lang, segs, fz, fe):
        if label is None and text[-1:] in ("，", "。", "！", "；", ",", ".") and piece[:1] in ("，", "；", ","):
            piece = piece[1:]  # no doubled punctuation between a tail and the next separator
        if label is not None and "type" in label:
            spans.append({"start": len(text), "end": len(text) + len(piece), **label})
        elif label is not None:
            negatives.append({"start": len(text), "end": len(text) + len(piece), **label})
        text += piece
    spans = [{k: s[k] for k in ("start", "end", "type", "evasion", "value")} for s in spans]
    return {"id": rid, "genre": genre, "lang": lang, "text": text, "spans": spans, "negatives": negatives}


def generate_records(seed: int, n: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    fz, fe = Faker("zh_CN"), Faker("en_US")
    fz.seed_instance(seed)
    fe.seed_instance(seed + 7_919)
    return [make_record(rng, fz, fe, f"evasion-s{seed}-{i:06d}") for i in range(n)]


def stats(records: list[dict[str, Any]]) -> dict[str, Any]:
    by_type: Counter[str] = Counter()
    by_form: Counter[str] = Counter()
    matrix: dict[str, Counter[str]] = {t: Counter() for t in TYPES}
    for rec in records:
        for s in rec["spans"]:
            by_type[s["type"]] += 1
            for form in s["evasion"] or ["(none)"]:
                by_form[form] += 1
                matrix[s["type"]][form] += 1
    return {"records": len(records), "genres": dict(Counter(r["genre"] for r in records)),
            "with_negatives": sum(1 for r in records if r["negatives"]),
            "all_negative": sum(1 for r in records if r["negatives"] and not r["spans"]),
            "negatives": dict(Counter(n["kind"] for r in records for n in r["negatives"])),
            "spans_by_type": dict(by_type), "spans_by_form": dict(by_form),
            "type_x_form": {t: dict(c) for t, c in matrix.items()}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--records", type=int, default=1000)
    ap.add_argument("--out", required=True, help="output JSON Lines file, or - for stdout")
    ap.add_argument("--stats", action="store_true", help="print counts per type/form/genre to stderr")
    args = ap.parse_args(argv)
    records = generate_records(args.seed, args.records)
    payload = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    if args.out == "-":
        sys.stdout.write(payload)
    else:
        with open(args.out, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(payload)
    if args.stats:
        print(json.dumps(stats(records), ensure_ascii=False, indent=1), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
