"""Identity documents: PRC resident ID, passports, travel permits, HK/Macau/Taiwan IDs, US SSN."""

from __future__ import annotations

from piwarden.detect.context import ContextWindow
from piwarden.detect.ids.cn import hkmo_permit, mtp, passport, ric, tw_permit
from piwarden.detect.ids.hk import hkid
from piwarden.detect.ids.mo import bir
from piwarden.detect.ids.tw import nid
from piwarden.detect.ids.uk import nhs
from piwarden.detect.ids.us import itin, ssn
from piwarden.detect.recognizer import NOT_AFTER_ALNUM as L
from piwarden.detect.recognizer import NOT_BEFORE_ALNUM as R
from piwarden.detect.recognizer import Pattern, Recognizer

_DATE = r"(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
_ID_WORDS = ("身份证", "身份证号", "证件号", "公民身份号码", "身份号码", "证件号码", "证件", "idcard", "id card",
             "id no", "idno", "id_no", "id_card", "id number", "resident id", "sfz", "sfzh", "zjhm")
_NOT_ID_WORDS = ("订单", "单号", "流水号", "交易号", "编号", "order", "invoice", "发票", "运单", "tracking")


class ResidentIdRecognizer(Recognizer):
    """18-digit GB 11643 numbers; a correct check digit is as good as certain."""

    entity = "CN_RESIDENT_ID"
    patterns = (
        Pattern("ric18", L + r"[1-8][0-9]{5}" + _DATE + r"[0-9]{3}[0-9Xx]" + R, 0.4),
        Pattern("ric18_spaced", L + r"[1-8][0-9]{5} " + _DATE + r" [0-9]{3}[0-9Xx]" + R, 0.4),
    )
    context = _ID_WORDS
    negative_context = _NOT_ID_WORDS
    priority = 10

    def validate(self, value: str) -> bool | None:
        return ric.is_valid(value)


class LegacyResidentIdRecognizer(Recognizer):
    """15-digit first-generation IDs: no check digit, so context must say what it is."""

    entity = "CN_RESIDENT_ID"
    patterns = (
        Pattern("ric15", L + r"[1-8][0-9]{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}" + R, 0.3),
    )
    context = _ID_WORDS
    negative_context = _NOT_ID_WORDS
    context_required = True
    validated_score = 0.5

    def validate(self, value: str) -> bool | None:
        return ric.is_valid(value)


class UsPassportRecognizer(Recognizer):
    """US passports: 9 digits (or a letter and 8 digits since 2021); nothing to check, the words decide."""

    entity = "PASSPORT"
    patterns = (Pattern("us_passport", L + r"(?:[0-9]{9}|[A-Z][0-9]{8})" + R, 0.3),)
    context = ("passport", "passport no", "passport number", "passport #", "passport#", "travel document")
    context_required = True
    context_boost = 0.55  # above a phone number's context: "passport number 123456789"
    window = ContextWindow(before=32, after=4)


class PassportRecognizer(Recognizer):
    """PRC passports (E/G/D/S/P series); format only, so context adds much."""

    entity = "PASSPORT"
    patterns = (Pattern("cn_passport", L + r"(?:E[0-9]{8}|E[A-HJ-NP-Z][0-9]{7}|G[0-9]{8}|[DSP]E?[0-9]{7,8})" + R, 0.4),)
    context = ("护照", "护照号", "护照号码", "passport", "passport no")
    validated_score = 0.6

    def validate(self, value: str) -> bool | None:
        return passport.is_valid(value)


class HkMoPermitRecognizer(Recognizer):
    entity = "CN_HKMO_PERMIT"
    patterns = (Pattern("hkmo_permit", L + r"(?:C[0-9]{8}|C[A-HJ-NP-Z][0-9]{7}|W[0-9]{8})" + R, 0.4),)
    context = ("港澳通行证", "往来港澳", "通行证", "permit", "hk/macau", "exit-entry permit")
    validated_score = 0.55

    def validate(self, value: str) -> bool | None:
        return hkmo_permit.is_valid(value)


class TwPermitRecognizer(Recognizer):
    entity = "CN_TW_PERMIT"
    patterns = (Pattern("tw_permit", L + r"[LT][0-9]{8}" + R, 0.3),)
    context = ("往来台湾", "赴台", "台湾通行证", "大陆居民往来台湾通行证", "通行证", "permit")
    context_required = True
    validated_score = 0.45

    def validate(self, value: str) -> bool | None:
        return tw_permit.is_valid(value)


class MainlandTravelPermitRecognizer(Recognizer):
    """回乡证 / 台胞证: H/M + 8 or 10 digits, or 8 digits for Taiwan residents; context only."""

    entity = "CN_MTP"
    patterns = (Pattern("mtp", L + r"(?:[HM][0-9]{8}(?:[0-9]{2})?|[0-9]{8})" + R, 0.3),)
    context = ("回乡证", "台胞证", "来往内地通行证", "来往大陆通行证", "通行证号", "home return permit",
               "mainland travel permit")
    context_required = True
    validated_score = 0.45

    def validate(self, value: str) -> bool | None:
        return mtp.is_valid(value)


class HkIdRecognizer(Recognizer):
    entity = "HK_ID"
    patterns = (Pattern("hkid", L + r"[A-Z]{1,2}[0-9]{6}(?:\([0-9A]\)|[0-9A])" + r"(?![0-9A-Za-z])", 0.3),)
    context = ("香港身份证", "身份证", "hkid", "hong kong identity", "hk id")
    validated_score = 0.85

    def validate(self, value: str) -> bool | float | None:
        if not hkid.is_valid(value):
            return False
        # without its parentheses a check digit holds for 1 in 11 letter-digit codes (passports)
        return True if "(" in value else 0.55


class MoIdRecognizer(Recognizer):
    entity = "MO_ID"
    patterns = (Pattern("mo_bir", L + r"[1578][0-9]{6}\([0-9]\)", 0.4),)
    context = ("澳门身份证", "澳門身份證", "身份证", "macau id", "bir")
    context_required = True
    validated_score = 0.5

    def validate(self, value: str) -> bool | None:
        return bir.is_valid(value)


class TwIdRecognizer(Recognizer):
    entity = "TW_ID"
    patterns = (Pattern("tw_nid", L + r"[A-Z][1289][0-9]{8}" + R, 0.3),)
    context = ("台湾身份证", "身分證", "身份证", "统一编号", "taiwan id", "national id")
    validated_score = 0.85

    def validate(self, value: str) -> bool | None:
        return nid.is_valid(value)


class UsSsnRecognizer(Recognizer):
    entity = "US_SSN"
    patterns = (
        Pattern("ssn_dashed", r"(?<![0-9A-Za-z-])[0-9]{3}-[0-9]{2}-[0-9]{4}(?![0-9A-Za-z-])", 0.4),
        Pattern("ssn_spaced", L + r"[0-9]{3} [0-9]{2} [0-9]{4}" + R, 0.2),
        Pattern("ssn_bare", L + r"[0-9]{9}" + R, 0.1),
    )
    context = ("ssn", "social security", "social security number", "social security no", "soc sec", "ss#", "ssn#",
               "ss no", "social insurance", "社会安全号", "社会安全号码", "社安号")
    validated_score = 0.55
    context_boost = 0.4
    # "His social security number is 474-49-7577": the words end 4 characters before, start 30
    window = ContextWindow(before=40, after=12)

    def validate(self, value: str) -> bool | float | None:
        if not ssn.is_valid(value):
            return False
        return True if "-" in value else 0.3  # nine bare digits are an SSN only if the words say so


class UsItinRecognizer(Recognizer):
    """ITINs: SSN-shaped, area 9 (never an SSN's), an IRS group; the form is distinctive enough alone."""

    entity = "US_ITIN"
    patterns = (Pattern("itin_dashed", r"(?<![0-9A-Za-z-])9[0-9]{2}-[0-9]{2}-[0-9]{4}(?![0-9A-Za-z-])", 0.4),
                Pattern("itin_spaced", L + r"9[0-9]{2} [0-9]{2} [0-9]{4}" + R, 0.2),
                Pattern("itin_bare", L + r"9[0-9]{8}" + R, 0.1))
    context = ("itin", "taxpayer identification", "taxpayer id", "tax id", "individual taxpayer")
    validated_score = 0.6
    context_boost = 0.4
    window = ContextWindow(before=40, after=12)
    priority = 2  # above a phone reading of the same digits

    def validate(self, value: str) -> bool | float | None:
        if not itin.is_valid(value):
            return False
        return True if "-" in value else 0.3  # spaced or bare digits only with the words


class UkNhsRecognizer(Recognizer):
    """NHS numbers: 10 digits (3-3-4) with a MOD 11 check digit; one number in 11 passes, so words decide."""

    entity = "UK_NHS"
    patterns = (Pattern("nhs", L + r"[0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{4}" + R, 0.3),)
    context = ("nhs", "nhs number", "nhs no", "national health service", "health service number")
    context_required = True
    context_boost = 0.6  # above a phone reading of the same ten digits ("NHS number 943 476 5919")
    window = ContextWindow(before=32, after=8)
    priority = 4

    def validate(self, value: str) -> bool | None:
        return nhs.is_valid(value)


class DriverLicenseRecognizer(Recognizer):
    """US-style licence numbers vary by state, so the words around them decide."""

    entity = "DRIVER_LICENSE"
    patterns = (
        Pattern("dl_alnum", r"(?<![0-9A-Za-z-])[A-Z]{0,2}[0-9]{5,14}(?![0-9A-Za-z-])", 0.2),
        Pattern("dl_grouped", r"(?<![0-9A-Za-z-])[A-Z]?[0-9]{3,4}(?:-[0-9]{2,4}){1,3}(?![0-9A-Za-z-])", 0.2),
    )
    context = ("driver license", "driver's license", "drivers license", "driving licence", "driver licence",
               "driver_license", "drivers_license", "driverlicense", "license number", "licence number",
               "license no", "dl", "dl#", "驾驶证", "驾照", "驾驶证号")
    context_required = True
    context_boost = 0.7  # the words are specific: they outrank a chance HK ID check digit
    window = ContextWindow(before=32, after=8)
