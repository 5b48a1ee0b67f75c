"""Phone numbers: mainland mobiles, Chinese landlines, and the rest of the world via phonenumbers.

Contact lines in Chinese profiles glue numbers to names in Latin letters ("Abby+85266873859",
"Tel：13701233057QQ：783"), so numbers that carry their own boundary (a ``+`` or a valid
mobile segment) may touch letters; only digits, and an e-mail's ``@``, may not follow.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache, lru_cache

import phonenumbers

from piwarden.detect.context import ContextWindow
from piwarden.detect.ids.cn import mobile
from piwarden.detect.recognizer import NOT_AFTER_ALNUM as L
from piwarden.detect.recognizer import Pattern, Recognizer

_END = r"(?![0-9])(?!@[A-Za-z0-9])"
_PLUS = "[+＋]"
_PHONE_WORDS = ("电话", "手机", "手机号", "联系方式", "联系电话", "联系", "致电", "来电", "座机", "电联", "热线",
                "tel", "phone", "mobile", "cell", "call", "fax", "传真", "whatsapp", "telephone", "contact",
                "number", "聯絡", "聯繫", "電話", "手機", "text", "sms", "短信", "m:", "t:", "desk", "office",
                "message", "messages", "reach me", "dial", "landline", "home", "work", "固话", "总机", "回电",
                "☎", "📞", "📱", "☏")
_NOT_PHONE_WORDS = ("订单", "单号", "编号", "流水", "order", "invoice", "交易号", "运单", "账号", "卡号", "金额",
                    "验证码", "code", "身份证", "发票", "uid", "userid", "user_id", "条码", "￥", "¥", "$")
_REGIONS = ("CN", "HK", "TW", "MO", "US", "GB", "DE", "FR", "IT", "ES", "NL", "SE", "CH", "AU", "CA", "IN", "IL",
            "BR", "SG", "MY", "JP", "KR")
_NOT_DIGIT = re.compile(r"[^0-9]")
_EXTENSION = re.compile(r"#|转|ext|x")


def _digits(value: str) -> str:
    """Digits only, with ``+``/``00`` kept as a leading ``+`` and any extension dropped."""
    if value.isascii() and value.isdigit() and not value.startswith("00"):
        return value  # the common case, 13812345678: nothing to take away
    main = _EXTENSION.split(value, maxsplit=1)[0].replace("(0)", "")  # +41 (0)96: trunk prefix
    lead = "+" if main.lstrip("(（").startswith(("+", "＋", "00")) else ""
    digits = _NOT_DIGIT.sub("", main)
    if lead and digits.startswith("00"):
        digits = digits[2:]
    return lead + digits


_NOT_PERSONAL = {
    phonenumbers.PhoneNumberType.TOLL_FREE,  # 400 / 800 hotlines, 1-800 numbers: businesses, not people
    phonenumbers.PhoneNumberType.PREMIUM_RATE,
    phonenumbers.PhoneNumberType.SHARED_COST,
}


def _valid_types(tries: list[tuple[str, str | None]]) -> Iterator[int]:
    """The type of each number libphonenumber parses as valid, for each (text, default region) in turn.

    ``number_type`` is not UNKNOWN exactly when ``is_valid_number`` holds (both type the national
    number against the metadata of the region its country code names; tests/detect/test_hotline.py),
    so one call answers both questions, where asking both typed every number twice.
    """
    for cand, region in tries:
        try:
            parsed = phonenumbers.parse(cand, region)
        except phonenumbers.NumberParseException:
            continue
        kind = phonenumbers.number_type(parsed)
        if kind != phonenumbers.PhoneNumberType.UNKNOWN:
            yield kind


_HOTLINE_REGIONS = ("US", "CN", "GB")


def _not_personal(regions: tuple[str, ...]) -> str:
    """An alternation of the national numbers of a not-personal type in ``regions``.

    Those of every region sharing a country code count: libphonenumber types a number by the
    region of its country code that claims it (+1 is shared by the NANP countries, +44 by GB,
    GG, IM and JE).
    """
    parts = []
    sharing = {r for region in regions
               for r in phonenumbers.region_codes_for_country_code(phonenumbers.country_code_for_region(region))}
    for region in sorted(sharing):
        meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
        if meta is None:
            continue
        for desc in (meta.toll_free, meta.premium_rate, meta.shared_cost):
            if desc is not None and desc.national_number_pattern:
                parts.append(f"(?:{desc.national_number_pattern})")
    # NANP countries share their toll-free patterns: one copy of each is enough
    return "|".join(dict.fromkeys(parts))


def _hotline_shape(regions: tuple[str, ...]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """What a parse in ``regions`` can type as not personal, as a digit string; and their IDDs.

    Parsing a digit string with a default region and no international prefix (IDD) strips
    prefixes only (none of these regions rewrites the number): the region's country code, then
    its national prefix or carrier code, at most twice (once after the country code, once
    more). So a number libphonenumber types as toll-free, premium or shared-cost is such
    prefixes followed by one of those national numbers. A number that starts with an IDD may
    be of any country: those always go to the parse.
    """
    shapes, idds = [], []
    for region in regions:
        meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
        if meta is None:
            raise ValueError(f"phonenumbers has no metadata for region {region}")
        national = f"(?:{meta.national_prefix_for_parsing})?" if meta.national_prefix_for_parsing else ""
        shapes.append(f"(?:{meta.country_code})?{national}{national}(?:{_not_personal((region,))})")
        if meta.international_prefix:
            idds.append(f"(?:{meta.international_prefix})")
    return re.compile("|".join(f"(?:{shape})" for shape in shapes)), re.compile("|".join(idds))


_HOTLINE_SHAPE, _IDD = _hotline_shape(_HOTLINE_REGIONS)
_HOTLINE_TAIL = re.compile(f"(?:{_not_personal(_HOTLINE_REGIONS)})\\Z")


@lru_cache(maxsize=8192)
def _hotline(value: str) -> bool:
    """A toll-free or shared-cost number in any common region: a business line."""
    number = _digits(value)
    if number.startswith(("+", "00", "011")):
        return _parsed_hotline(number)
    if _IDD.match(number):  # a carrier's IDD (China's 1xxxx00): only a not-personal tail is asked for
        return _HOTLINE_TAIL.search(number) is not None and _parsed_hotline(number)
    # the cheap necessary condition (about 50 µs of parsing saved)
    return _HOTLINE_SHAPE.fullmatch(number) is not None and _parsed_hotline(number)


def _parsed_hotline(number: str) -> bool:
    """``_hotline`` by libphonenumber alone, without the cheap condition (the tests' reference)."""
    regions = (None,) if number.startswith("+") else _HOTLINE_REGIONS
    return any(
        kind in _NOT_PERSONAL for kind in _valid_types([(number, r) for r in regions])
    )


@lru_cache(maxsize=8192)
def _valid(value: str, regions: tuple[str, ...] = _REGIONS) -> bool:
    """Valid with its own country code, or as a national number of one of ``regions``; not a hotline."""
    number = _digits(value)
    tries: list[tuple[str, str | None]] = (
        [(number, None)] if number.startswith("+") else [(number, r) for r in regions]
    )
    if not number.startswith("+"):
        tries.append(("+" + number, None))  # 852..., 886... written without the plus
    first = next(_valid_types(tries), None)
    return first is not None and first not in _NOT_PERSONAL


@cache
def preload(regions: tuple[str, ...] = _REGIONS) -> None:
    """Load libphonenumber's metadata for ``regions`` and compile their patterns, once a process.

    libphonenumber does both on a region's first use, and a first parse then costs about 20
    times a later one: at start-up, not in the middle of the first texts a scan reads.
    """
    for region in regions:
        for kind in (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None:
                phonenumbers.number_type(example)


class _ParsingRecognizer(Recognizer):
    """A phone recognizer that asks libphonenumber: its metadata is loaded when it is built."""

    def __init__(self) -> None:
        super().__init__()
        preload()


class MobileRecognizer(Recognizer):
    """Mainland mobiles in current number segments, with +86/0086/(86), any grouping."""

    entity = "PHONE"
    patterns = (
        Pattern(
            "cn_mobile",
            rf"(?<![0-9])(?<![0-9][ -])(?:(?:{_PLUS}|00)?86[ -]?|[(（]{_PLUS}?86[)）] ?)?1[3-9](?:[ -]?[0-9]){{9}}"
            + _END,
            0.6,
            lead=1,  # a full-width ＋ is outside the ASCII island
        ),
    )
    context = _PHONE_WORDS
    negative_context = _NOT_PHONE_WORDS
    validated_score = 0.85
    priority = 5

    def validate(self, value: str) -> bool | None:
        number = _digits(value).lstrip("+")
        return mobile.is_valid(number[-11:]) and len(number) in (11, 13)


class LandlineRecognizer(_ParsingRecognizer):
    """Landlines with an area code 0xx/0xxx (mainland, Taiwan), optional extension."""

    entity = "PHONE"
    patterns = (
        Pattern(
            "landline",
            L + r"(?<![0-9][ -])(?:[(（]0[1-9][0-9]{0,2}[)）]|0[1-9][0-9]{0,2})[ \-﹣]?[2-9][0-9]{2,3}[ -]?[0-9]{4}"
            r"(?:(?:-|转|#|ext\.?)[0-9]{1,5})?" + _END,
            0.45,
        ),
        Pattern("tw_mobile", L + r"(?<![0-9][ -])09[0-9]{2}-?[0-9]{3}-?[0-9]{3}" + _END, 0.45),
    )
    context = _PHONE_WORDS
    negative_context = _NOT_PHONE_WORDS
    validated_score = 0.7

    def validate(self, value: str) -> bool | None:
        return _valid(value, ("CN", "TW"))


class InternationalPhoneRecognizer(_ParsingRecognizer):
    """Numbers with a country code (+852, 00886, (+886), 852-...) or in North American format."""

    entity = "PHONE"
    patterns = (
        Pattern(
            "intl",
            rf"(?<![0-9+＋])(?<![0-9][ .-])(?:{_PLUS}|00|[(（]{_PLUS}[1-9][0-9]{{0,2}}[)）])[0-9]{{0,3}}[ .-]?"
            r"(?:\(0?[0-9]{1,4}\)[ .-]?)?[0-9]{1,4}(?:[ .-]?[0-9]{2,4}){1,5}(?:#[0-9]{1,5})?" + _END,
            0.5,
            lead=1,  # a full-width ＋ is outside the ASCII island
        ),
        Pattern(
            "greater_china",
            L + r"(?<![0-9][ -])[(（]?(?:852|853|886)[)）]?[ \-﹣]?[0-9]{1,4}(?:[ \-﹣]?[0-9]{3,4}){1,3}(?:#[0-9]{1,5})?"
            + _END,
            0.4,
        ),
        Pattern("nanp", L + r"(?:1[ .-])?(?:\([2-9][0-9]{2}\) ?|[2-9][0-9]{2}[ .-])[2-9][0-9]{2}[ .-][0-9]{4}"
                r"(?: ?(?:x|ext\.?) ?[0-9]{1,5})?" + _END, 0.5),
    )
    context = _PHONE_WORDS
    negative_context = _NOT_PHONE_WORDS
    validated_score = 0.7

    def __init__(self) -> None:
        super().__init__()
        # "+CC ..." can be any country: every region's metadata now (0.17 s once a process), not
        # a first parse per region at 20 times a later one's cost in the middle of a scan
        preload(tuple(sorted(phonenumbers.SUPPORTED_REGIONS)))

    def validate(self, value: str) -> bool | None:
        number = _digits(value)
        if number.startswith("+"):
            return _valid(value)
        if number.startswith(("852", "853", "886")):  # a country code without its plus, not a national number
            return _valid("+" + number)
        return _valid(value, ("US", "CA"))  # the North American shape: 1-800-... is not a CN mobile


_DATE_OR_AMOUNT = re.compile(r"(?:19|20)[0-9]{2}[-/.][0-9]{1,2}[-/.][0-9]{1,2}.*|[0-9]+\.[0-9]{1,2}")
_HOTLINE = re.compile(r"[48]00[0-9]{7}")
_NO_PLAN = re.compile(r"[0-9]{3}[- ][0-9]{2}[- ][0-9]{4}")


class LocalPhoneRecognizer(_ParsingRecognizer):
    """Grouped digits in a national format; only where the words around say it is a phone."""

    entity = "PHONE"
    patterns = (
        Pattern(
            "grouped",
            r"(?<![0-9A-Za-z+(-])(?<![0-9][ .])\+?(?:\(0?[0-9]{1,4}\) ?)?[0-9]{2,5}(?:[ .-][0-9]{2,4}){1,4}"
            r"(?: ?(?:x|ext\.?|#) ?[0-9]{1,5})?" + _END,
            0.3,
        ),
        Pattern("plain", r"(?<![0-9A-Za-z-])0?[1-9][0-9]{7,10}" + _END, 0.25),
    )
    context = _PHONE_WORDS
    negative_context = _NOT_PHONE_WORDS
    context_required = True
    context_boost = 0.3
    window = ContextWindow(before=16, after=10)

    def validate(self, value: str) -> bool | None:
        digits = _NOT_DIGIT.sub("", value)
        if not 7 <= len(digits) <= 13 or _DATE_OR_AMOUNT.fullmatch(value) or _HOTLINE.fullmatch(digits):
            return False
        if _NO_PLAN.fullmatch(value):
            return False  # 474-49-7577: no numbering plan groups 3-2-4 (a US SSN does)
        return False if _hotline(value) else None
