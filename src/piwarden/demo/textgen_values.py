"""Valid identifier values for the synthetic labeled text (and invalid look-alikes).

Every generator takes a ``random.Random`` and returns the value as it is written in text.
Check digits are computed here, from the published rules, independently of piwarden's own
validators (the tests check them against python-stdnum where it has the type):

- resident ID: GB 11643-1999, ISO 7064 MOD 11-2; USCC: GB 32100-2015, MOD 31 (plus the
  GB 11714 organisation-code check digit inside it); cards and IMEI: Luhn; IBAN: ISO 13616
  mod 97; UPU S10 (EMS) tracking numbers; Hong Kong and Taiwan ID check digits.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import random

Rng = random.Random
DIGITS = "0123456789"
LETTERS_NO_IO = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def digits(rng: Rng, n: int) -> str:
    return "".join(rng.choice(DIGITS) for _ in range(n))


# -- checksums ---------------------------------------------------------------------------

def luhn_check_digit(body: str) -> str:
    """The digit that makes ``body + digit`` pass the Luhn test."""
    total = 0
    for i, c in enumerate(reversed(body)):
        d = int(c) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str(-total % 10)


def mod11_2_check(body17: str) -> str:
    """GB 11643 check character of the first 17 digits of a resident ID."""
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    return "10X98765432"[sum(int(c) * w for c, w in zip(body17, weights, strict=True)) % 11]


USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc_check(body17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * (3 ** i % 31) for i, c in enumerate(body17))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check(body8: str) -> str:
    """GB 11714 organisation code check character."""
    total = sum(int(c, 36) * w for c, w in zip(body8, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def iban_check(country: str, bban: str) -> str:
    moved = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{98 - int(moved) % 97:02d}"


def s10_check(serial8: str) -> str:
    total = sum(int(c) * w for c, w in zip(serial8, (8, 6, 4, 2, 3, 5, 9, 7), strict=True))
    c = 11 - total % 11
    return "0" if c == 10 else "5" if c == 11 else str(c)


def hk_id_check(prefix: str, six: str) -> str:
    chars = prefix.rjust(2)  # one-letter prefixes count a leading space (36)
    vals = [36 if c == " " else ord(c) - 55 for c in chars] + [int(c) for c in six]
    total = sum(v * w for v, w in zip(vals, range(9, 1, -1), strict=True))
    c = (11 - total % 11) % 11
    return "A" if c == 10 else str(c)


TW_LETTERS = dict(zip("ABCDEFGHJKLMNPQRSTUVXYWZIO", range(10, 36), strict=True))


def tw_id_check(letter: str, body8: str) -> str:
    v = TW_LETTERS[letter]
    total = v // 10 + (v % 10) * 9 + sum(int(c) * w for c, w in zip(body8, range(8, 0, -1), strict=True))
    return str(-total % 10)


# -- identity documents --------------------------------------------------------------------

# (administrative division code, first year stdnum's table knows it): real county codes
AREA_CODES = (
    ("110101", 1950), ("110102", 1950), ("110105", 1950), ("110106", 1950), ("110108", 1950),
    ("120101", 1950), ("120103", 1950), ("310101", 1950), ("310104", 1950), ("310105", 1950),
    ("310106", 1950), ("310107", 1950), ("310109", 1950), ("310110", 1950),
    ("130102", 1983), ("210202", 1983), ("220102", 1983), ("230102", 1983), ("320102", 1983),
    ("320106", 1983), ("330102", 1983), ("330106", 1983), ("350203", 1983), ("360102", 1983),
    ("370102", 1983), ("370202", 1983), ("410105", 1983), ("420102", 1983), ("420106", 1983),
    ("440103", 1983), ("440104", 1983), ("440105", 1983), ("440304", 1983), ("440305", 1983),
    ("450102", 1983), ("520102", 1983), ("530102", 1983), ("610102", 1983), ("620102", 1983),
    ("650102", 1983), ("440106", 1985), ("510104", 1990), ("510107", 1990),
)


def birth_date(rng: Rng, lo: int = 1950, hi: int = 2008) -> dt.date:
    start = dt.date(lo, 1, 1).toordinal()
    return dt.date.fromordinal(rng.randint(start, dt.date(hi, 12, 31).toordinal()))


def resident_id(rng: Rng, born: dt.date | None = None) -> str:
    born = born or birth_date(rng)
    area = rng.choice([c for c, since in AREA_CODES if since <= born.year])
    body = area + born.strftime("%Y%m%d") + digits(rng, 3)
    return body + mod11_2_check(body)


def resident_id_legacy(rng: Rng) -> str:
    """15-digit first-generation number (issued before 1999, no check digit)."""
    born = birth_date(rng, 1950, 1982)
    area = rng.choice([c for c, since in AREA_CODES if since <= born.year])
    return area + born.strftime("%y%m%d") + digits(rng, 3)


def resident_id_bad(rng: Rng) -> str:
    """18 digits, real area code and birth date, wrong check digit (and not Luhn-valid either)."""
    good = resident_id(rng)
    luhn_ok = good[:17] + luhn_check_digit(good[:17])
    return good[:17] + rng.choice([c for c in "0123456789X" if c not in (good[17], luhn_ok[17])])


def passport(rng: Rng) -> str:
    if rng.random() < 0.6:
        return "E" + digits(rng, 8)
    return "E" + rng.choice(LETTERS_NO_IO) + digits(rng, 7)


def hkmo_permit(rng: Rng) -> str:
    return "C" + digits(rng, 8)


def hk_id(rng: Rng) -> str:
    prefix = rng.choice("ACDEFGHKPRVYZ") if rng.random() < 0.9 else rng.choice(["XA", "XB", "XD"])
    six = digits(rng, 6)
    return f"{prefix}{six}({hk_id_check(prefix, six)})"


def tw_id(rng: Rng) -> str:
    letter = rng.choice("ABCDEFGHJKLMNPQRSTUVXYWZ")
    body = rng.choice("12") + digits(rng, 7)
    return letter + body + tw_id_check(letter, body)


def us_ssn(rng: Rng) -> str:
    area = rng.choice([a for a in range(1, 900) if a != 666])
    return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def us_driver_license(rng: Rng) -> str:
    """California (letter + 7 digits) or Florida (letter + 12 digits, often dashed)."""
    if rng.random() < 0.6:
        return rng.choice(LETTERS_NO_IO) + digits(rng, 7)
    d = digits(rng, 12)
    return f"{rng.choice(LETTERS_NO_IO)}{d[:3]}-{d[3:6]}-{d[6:8]}-{d[8:]}"


def uscc(rng: Rng) -> str:
    authority, kinds = rng.choice([("9", "123"), ("9", "1"), ("1", "1239"), ("5", "1239"),
                                   ("A", "19"), ("N", "1239"), ("Y", "1")])
    org = digits(rng, 8) if rng.random() < 0.8 else digits(rng, 7) + rng.choice("ABCDEFGHJKLMNPQRTUWXY")
    body = authority + rng.choice(kinds) + rng.choice(AREA_CODES)[0] + org + org_code_check(org)
    return body + uscc_check(body)


# -- phones --------------------------------------------------------------------------------

MOBILE_PREFIXES = tuple(str(p) for p in (*range(130, 140), 145, 147, 150, 151, 152, 153, *range(155, 160),
                                          166, 173, *range(175, 179), *range(180, 190), 191, 198, 199))
LANDLINE_AREAS = {"010": 8, "020": 8, "021": 8, "022": 8, "023": 8, "024": 8, "025": 8, "027": 8,
                  "028": 8, "029": 8, "0755": 8, "0571": 8, "0512": 8, "0531": 8, "0731": 8,
                  "0931": 7, "0951": 7, "0971": 7, "0351": 7, "0471": 7, "0917": 7}


def cn_mobile(rng: Rng) -> str:
    return rng.choice(MOBILE_PREFIXES) + digits(rng, 8)


def format_cn_mobile(rng: Rng, m: str) -> str:
    form = rng.choices(range(6), weights=(55, 10, 10, 10, 8, 7))[0]
    return [m, f"+86 {m[:3]} {m[3:7]} {m[7:]}", f"{m[:3]}-{m[3:7]}-{m[7:]}", f"+86{m}",
            f"0086{m}", f"{m[:3]} {m[3:7]} {m[7:]}"][form]


def cn_landline(rng: Rng) -> str:
    area = rng.choice(sorted(LANDLINE_AREAS))
    local = rng.choice("2345678") + digits(rng, LANDLINE_AREAS[area] - 1)
    form = rng.randrange(3)
    if form == 1:
        return f"({area}){local[:-4]}-{local[-4:]}"
    return f"{area}-{local}" if form == 0 else f"{area}{local}"


US_AREA_CODES = tuple(str(n) for n in (201, 202, 206, 212, 213, 214, 303, 305, 310, 312, 404, 415, 503, 512,
                                        602, 617, 646, 702, 713, 718, 720, 773, 818, 917))


def us_phone(rng: Rng) -> str:
    exchange = rng.choice("23456789") + digits(rng, 2)
    while exchange[1:] == "11" or exchange == "555":
        exchange = rng.choice("23456789") + digits(rng, 2)
    npa, line = rng.choice(US_AREA_CODES), digits(rng, 4)
    return rng.choice([f"({npa}) {exchange}-{line}", f"{npa}-{exchange}-{line}", f"+1 {npa} {exchange} {line}",
                       f"{npa}.{exchange}.{line}", f"1-{npa}-{exchange}-{line}"])


# -- cards, accounts -----------------------------------------------------------------------

UNIONPAY_BINS = ("622202", "622848", "621700", "622588", "621483", "622700", "623058", "621226",
                 "622262", "621661", "622609", "625807", "628288", "620200")


def luhn_number(prefix: str, length: int, rng: Rng) -> str:
    body = prefix + digits(rng, length - len(prefix) - 1)
    return body + luhn_check_digit(body)


def unionpay_card(rng: Rng) -> str:
    length = rng.choices((16, 17, 18, 19), weights=(35, 5, 5, 55))[0]
    return luhn_number(rng.choice(UNIONPAY_BINS), length, rng)


def en_card(rng: Rng) -> str:
    kind = rng.randrange(3)
    if kind == 0:
        return luhn_number("4", 16, rng)
    if kind == 1:
        return luhn_number(str(rng.randint(51, 55)), 16, rng)
    return luhn_number(rng.choice(("34", "37")), 15, rng)


def group4(number: str, sep: str = " ") -> str:
    if len(number) == 15:  # Amex 4-6-5
        return sep.join((number[:4], number[4:10], number[10:]))
    return sep.join(number[i:i + 4] for i in range(0, len(number), 4))


def luhn_bad(rng: Rng, length: int, prefix: str = "") -> str:
    good = luhn_number(prefix or rng.choice("123456789"), length, rng)
    return good[:-1] + str((int(good[-1]) + rng.randint(1, 9)) % 10)


IBAN_FORMATS = {  # country -> BBAN as (kind, length) parts: n digits, a upper-case letters
    "DE": (("n", 18),),
    "GB": (("a", 4), ("n", 14)),
    "CH": (("n", 17),),
    "AT": (("n", 16),),
}


def iban(rng: Rng, spaced: bool | None = None) -> str:
    country = rng.choice(sorted(IBAN_FORMATS))
    bban = "".join(digits(rng, n) if kind == "n" else "".join(rng.choice(LETTERS_NO_IO) for _ in range(n))
                   for kind, n in IBAN_FORMATS[country])
    value = country + iban_check(country, bban) + bban
    if spaced if spaced is not None else rng.random() < 0.5:
        value = " ".join(value[i:i + 4] for i in range(0, len(value), 4))
    return value


# -- devices, network ----------------------------------------------------------------------

def imei(rng: Rng) -> str:
    return luhn_number(rng.choice(("35", "86", "01")), 15, rng)


def mac(rng: Rng) -> str:
    octets = [rng.randrange(256) & 0xFC if i == 0 else rng.randrange(256) for i in range(6)]
    form = rng.randrange(3)
    if form == 2:
        h = "".join(f"{o:02x}" for o in octets)
        return ".".join(h[i:i + 4] for i in (0, 4, 8))
    return ":".join(f"{o:02x}" for o in octets) if form == 0 else "-".join(f"{o:02X}" for o in octets)


def ipv4(rng: Rng) -> str:
    while True:
        addr = ipaddress.IPv4Address(rng.getrandbits(32))
        if addr.is_global and not addr.is_multicast:
            return str(addr)


def ipv6(rng: Rng) -> str:
    prefix = rng.choice((0x240E, 0x2409, 0x2408, 0x2001, 0x2600))
    groups = [prefix, rng.randrange(0x10000)] + [rng.randrange(0x10000) if rng.random() < 0.7 else 0
                                                for _ in range(6)]
    if prefix == 0x2001:
        groups[1] = rng.choice((0x0250, 0x0DA8, 0x0C68))
    return str(ipaddress.IPv6Address(":".join(f"{g:x}" for g in groups)))


# -- vehicles, places, logistics -------------------------------------------------------------

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"


def plate(rng: Rng) -> str:
    head = rng.choice(PROVINCES) + rng.choice(LETTERS_NO_IO)
    dot = rng.choice(["", "", "·", " "])
    if rng.random() < 0.3:  # new energy: D/F + 5 (small car) or 5 + D/F (large)
        tail = rng.choice("DF") + digits(rng, 5) if rng.random() < 0.8 else digits(rng, 5) + rng.choice("DF")
    else:
        chars = list(digits(rng, 5))
        for i in rng.sample(range(5), rng.choice((0, 1, 1, 2))):
            chars[i] = rng.choice(LETTERS_NO_IO)
        tail = "".join(chars)
    return head + dot + tail


def gps_cn(rng: Rng) -> str:
    lat, lon = rng.uniform(20, 45), rng.uniform(100, 122)
    form = rng.randrange(3)
    if form == 0:
        return f"{lat:.6f},{rng.choice(['', ' '])}{lon:.6f}"
    if form == 1:
        return f"北纬{lat:.{rng.choice((2, 4))}f}°，东经{lon:.{rng.choice((2, 4))}f}°"
    return f"N{lat:.4f}° E{lon:.4f}°"


def gps_en(rng: Rng) -> str:
    lat, lon = rng.uniform(26, 48), rng.uniform(-122, -71)
    if rng.random() < 0.6:
        return f"{lat:.6f}, {lon:.6f}"
    return f"{lat:.4f}° N, {-lon:.4f}° W"


def s10(rng: Rng, country: str = "CN") -> str:
    serial = digits(rng, 8)
    service = rng.choice(["E", "L", "R", "C"]) + rng.choice(LETTERS_NO_IO)
    return service + serial + s10_check(serial) + country


def waybill(rng: Rng) -> tuple[str, str]:
    """(carrier, number) of a Chinese express company."""
    carrier = rng.choice(["顺丰速运", "圆通速递", "极兔速递", "EMS", "中通快递", "韵达快递"])
    number = {"顺丰速运": lambda: "SF" + digits(rng, 13), "圆通速递": lambda: "YT" + digits(rng, 13),
              "极兔速递": lambda: "JT" + digits(rng, 13), "EMS": lambda: s10(rng),
              "中通快递": lambda: rng.choice("75") + digits(rng, 11),
              "韵达快递": lambda: "4" + digits(rng, 14)}[carrier]()
    return carrier, number


def order_id(rng: Rng, lang: str = "zh") -> str:
    if lang == "en":
        return f"{digits(rng, 3)}-{digits(rng, 7)}-{digits(rng, 7)}"
    form = rng.randrange(3)
    if form == 0:
        return rng.choice("1234") + digits(rng, 18)
    if form == 1:
        return f"2026{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}" + digits(rng, 10)
    return rng.choice(["E", "DD", "T"]) + "2026" + digits(rng, 12)


def qq(rng: Rng) -> str:
    return rng.choice("123456789") + digits(rng, rng.choice((5, 7, 8, 8, 9, 9, 10)))


def wechat_id(rng: Rng, handle: str) -> str:
    if rng.random() < 0.2:
        return "wxid_" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(14))
    handle = "".join(c for c in handle if c.isascii() and (c.isalnum() or c in "_-")) or "user"
    if not handle[0].isalpha():
        handle = "a" + handle
    return (handle + rng.choice(["", "_", "-"]) + digits(rng, rng.randint(2, 5)))[:20]


def dob_text(rng: Rng, born: dt.date, lang: str) -> str:
    if lang == "en":
        return rng.choice([born.isoformat(), born.strftime("%m/%d/%Y"), f"{born:%B} {born.day}, {born.year}"])
    return rng.choice([f"{born.year}年{born.month}月{born.day}日", born.isoformat(), f"{born:%Y/%m/%d}",
                       f"{born.year}.{born.month:02d}.{born.day:02d}"])
