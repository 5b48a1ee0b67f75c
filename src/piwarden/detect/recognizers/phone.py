"""Phone numbers: mainland mobiles, Chinese landlines, and the rest of the world via phonenumbers."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

from piwarden.detect.ids.cn import mobile
from piwarden.detect.recognizer import NOT_AFTER_ALNUM as L
from piwarden.detect.recognizer import Pattern, Recognizer

_END = r"(?![0-9A-Za-z@])"  # a number right before '@' is an e-mail's local part
_PHONE_WORDS = ("电话", "手机", "手机号", "联系方式", "联系电话", "联系", "致电", "来电", "座机", "电联", "热线",
                "tel", "phone", "mobile", "cell", "call", "fax", "传真", "whatsapp", "telephone", "contact",
                "number", "聯絡", "聯繫", "電話", "手機", "text", "sms", "短信", "m:", "t:", "desk", "office")
_NOT_PHONE_WORDS = ("订单", "单号", "编号", "流水", "order", "invoice", "交易号", "运单", "账号", "卡号", "金额",
                    "验证码", "code", "身份证")
_REGIONS = ("US", "GB", "DE", "FR", "IT", "ES", "NL", "SE", "CH", "AU", "CA", "IN", "IL", "BR", "HK", "TW", "CN")
_SEPARATORS = re.compile(r"[\s().\-]")


@lru_cache(maxsize=4096)
def _valid_anywhere(value: str) -> bool:
    """Valid in its own country code (+..., 00...) or in one of the common regions."""
    digits = _SEPARATORS.sub("", value.split("#")[0])
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    candidates = [digits] if digits.startswith("+") else [digits, "+" + digits]
    for cand in candidates:
        regions = (None,) if cand.startswith("+") else _REGIONS
        for region in regions:
            try:
                num = phonenumbers.parse(cand, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(num):
                return True
    return False


class MobileRecognizer(Recognizer):
    """Mainland mobiles in current number segments, with +86/0086 and spaces or dashes."""

    entity = "PHONE"
    patterns = (
        Pattern("cn_mobile", L + r"(?:(?:\+|00)?86[ -]?|\(\+?86\)[ -]?)?1[3-9][0-9](?:[ -]?[0-9]{4}){2}" + _END, 0.6),
    )
    context = _PHONE_WORDS
    negative_context = _NOT_PHONE_WORDS
    validated_score = 0.85
    priority = 5

    def validate(self, value: str) -> bool | None:
        return mobile.is_valid(value)


class LandlineRecognizer(Recognizer):
    """Chinese landlines: area code 0xx/0xxx, 7-8 digit subscriber number, optional extension."""

    entity = "PHONE"
    patterns = (
        Pattern(
            "cn_landline",
            L + r"(?:\(0[1-9][0-9]{1,2}\)|（0[1-9][0-9]{1,2}）|0[1-9][0-9]{1,2})[ -]?[2-9][0-9]{2,3}[ -]?[0-9]{4}"
            r"(?:(?:-|转|#|ext\.?)[0-9]{1,5})?" + _END,
            0.45,
        ),
    )
    context = _PHONE_WORDS
    negative_context = _NOT_PHONE_WORDS
    validated_score = 0.7

    def validate(self, value: str) -> bool | None:
        return _valid_anywhere("+86" + _SEPARATORS.sub("", value.split("转")[0].split("#")[0])[1:])


class InternationalPhoneRecognizer(Recognizer):
    """Numbers with a country code (+852, 00886, (886)) or a common national format."""

    entity = "PHONE"
    patterns = (
        Pattern(
            "intl",
            r"(?<![0-9A-Za-z+])(?:\+|00)[1-9][0-9]{0,2}[ .-]?(?:\(0?[0-9]{1,4}\)[ .-]?)?[0-9]{1,4}"
            r"(?:[ .-]?[0-9]{2,4}){1,5}(?:#[0-9]{1,5})?" + _END,
            0.5,
        ),
        Pattern(
            "greater_china",
            L + r"\(?(?:852|853|886)\)?[ -]?[0-9]{1,4}(?:[ -]?[0-9]{3,4}){1,3}(?:#[0-9]{1,5})?" + _END,
            0.4,
        ),
        Pattern("nanp", L + r"(?:1[ .-])?(?:\([2-9][0-9]{2}\) ?|[2-9][0-9]{2}[ .-])[2-9][0-9]{2}[ .-][0-9]{4}"
                r"(?: ?(?:x|ext\.?) ?[0-9]{1,5})?" + _END, 0.5),
    )
    context = _PHONE_WORDS
    negative_context = _NOT_PHONE_WORDS
    validated_score = 0.7

    def validate(self, value: str) -> bool | None:
        return _valid_anywhere(value.split("x")[0].split("ext")[0])


class LocalPhoneRecognizer(Recognizer):
    """Grouped digits in a national format; only where words around say it is a phone."""

    entity = "PHONE"
    patterns = (
        Pattern("grouped", r"(?<![0-9A-Za-z+(])(?:\(0?[0-9]{1,4}\) ?)?[0-9]{2,5}(?:[ .-][0-9]{2,4}){1,4}" + _END, 0.3),
        Pattern("plain", L + r"0?[1-9][0-9]{7,10}" + _END, 0.25),
    )
    context = _PHONE_WORDS
    negative_context = _NOT_PHONE_WORDS
    context_required = True
    context_boost = 0.3

    def validate(self, value: str) -> bool | None:
        digits = sum(ch.isdigit() for ch in value)
        return None if 7 <= digits <= 13 else False
