"""The canonical vocabulary of personal information (PI) types.

Every other module imports its types from here: detection names spans with them, masking
picks operators by them, scans grade columns by them, the data map maps fields to them.

Each type carries
- its category from GB/T 35273-2020 Appendix A (the Chinese PI taxonomy),
- whether it is *sensitive* PI under PIPL Art. 28 as GB/T 45574-2025 identifies it
  (in force since 2025-11-01: an ID number alone is no longer "specific identity" sensitive
  PI, an ID-card image is; financial accounts, biometrics, health, whereabouts and the PI of
  minors under 14 are),
- a grade on one 4-level scale L1-L4 (as Alibaba's S1-S4, godlp's L1-L4 and the general-data
  levels of GB/T 43697-2024), and
- for financial data, the JR/T 0171-2020 level C1-C3.

``is_pi`` is False for context types (organisations, places, job titles) that detection finds
so that over-masking can be measured, but that are not PI on their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum


class Category(StrEnum):
    """GB/T 35273-2020 Appendix A categories."""

    BASIC_PROFILE = "basic_profile"  # 个人基本资料
    IDENTITY = "identity"  # 个人身份信息
    BIOMETRIC = "biometric"  # 个人生物识别信息
    NETWORK_IDENTITY = "network_identity"  # 网络身份标识信息
    HEALTH = "health"  # 个人健康生理信息
    EDUCATION_WORK = "education_work"  # 个人教育工作信息
    PROPERTY = "property"  # 个人财产信息
    COMMUNICATION = "communication"  # 个人通信信息
    CONTACTS = "contacts"  # 联系人信息
    ONLINE_RECORDS = "online_records"  # 个人上网记录
    DEVICE = "device"  # 个人常用设备信息
    LOCATION = "location"  # 个人位置信息
    OTHER = "other"  # 其他信息

    @property
    def zh(self) -> str:
        return _CATEGORY_ZH[self]


_CATEGORY_ZH = {
    Category.BASIC_PROFILE: "个人基本资料",
    Category.IDENTITY: "个人身份信息",
    Category.BIOMETRIC: "个人生物识别信息",
    Category.NETWORK_IDENTITY: "网络身份标识信息",
    Category.HEALTH: "个人健康生理信息",
    Category.EDUCATION_WORK: "个人教育工作信息",
    Category.PROPERTY: "个人财产信息",
    Category.COMMUNICATION: "个人通信信息",
    Category.CONTACTS: "联系人信息",
    Category.ONLINE_RECORDS: "个人上网记录",
    Category.DEVICE: "个人常用设备信息",
    Category.LOCATION: "个人位置信息",
    Category.OTHER: "其他信息",
}


class Grade(IntEnum):
    """One 4-level scale; higher is more harmful when leaked."""

    L1 = 1  # low: context, coarse or public-facing identifiers
    L2 = 2  # personal: identifies or contacts a person
    L3 = 3  # sensitive: identity documents, financial accounts, precise whereabouts
    L4 = 4  # critical: authentication data, biometrics, ID-card images, health records


class FinancialLevel(IntEnum):
    """JR/T 0171-2020 personal financial information levels (C3 is the most sensitive)."""

    C1 = 1
    C2 = 2
    C3 = 3


@dataclass(frozen=True, slots=True)
class EntityType:
    """One PI type and how it is classified."""

    name: str
    category: Category
    grade: Grade
    sensitive: bool
    zh: str
    en: str
    is_pi: bool = True
    financial: FinancialLevel | None = None

    def __str__(self) -> str:
        return self.name


_C = Category
_G = Grade
_F = FinancialLevel

_TYPES: tuple[EntityType, ...] = (
    # names, places and what surrounds them
    EntityType("PERSON", _C.BASIC_PROFILE, _G.L2, False, "姓名", "person name"),
    EntityType("ADDRESS", _C.BASIC_PROFILE, _G.L2, False, "地址", "postal address"),
    EntityType("DATE_OF_BIRTH", _C.BASIC_PROFILE, _G.L2, False, "出生日期", "date of birth"),
    EntityType("ORG", _C.OTHER, _G.L1, False, "组织机构", "organisation", is_pi=False),
    EntityType("LOCATION", _C.OTHER, _G.L1, False, "地名", "place name", is_pi=False),
    EntityType("JOB_TITLE", _C.EDUCATION_WORK, _G.L1, False, "职位", "job title", is_pi=False),
    # identity documents
    EntityType("CN_RESIDENT_ID", _C.IDENTITY, _G.L3, False, "居民身份证号", "PRC resident ID number",
               financial=_F.C2),
    EntityType("PASSPORT", _C.IDENTITY, _G.L3, False, "护照号", "passport number", financial=_F.C2),
    EntityType("CN_HKMO_PERMIT", _C.IDENTITY, _G.L3, False, "往来港澳通行证号",
               "mainland travel permit to Hong Kong and Macau", financial=_F.C2),
    EntityType("CN_TW_PERMIT", _C.IDENTITY, _G.L3, False, "往来台湾通行证号",
               "mainland travel permit to Taiwan", financial=_F.C2),
    EntityType("CN_MTP", _C.IDENTITY, _G.L3, False, "港澳台居民来往内地通行证号",
               "mainland travel permit for Hong Kong, Macau and Taiwan residents", financial=_F.C2),
    EntityType("HK_ID", _C.IDENTITY, _G.L3, False, "香港身份证号", "Hong Kong identity card number",
               financial=_F.C2),
    EntityType("MO_ID", _C.IDENTITY, _G.L3, False, "澳门身份证号", "Macau identity card number",
               financial=_F.C2),
    EntityType("TW_ID", _C.IDENTITY, _G.L3, False, "台湾身份证号", "Taiwan national ID number",
               financial=_F.C2),
    EntityType("US_SSN", _C.IDENTITY, _G.L3, False, "美国社会安全号", "US social security number"),
    EntityType("US_ITIN", _C.IDENTITY, _G.L3, False, "美国个人纳税人识别号", "US individual taxpayer identification number"),
    EntityType("UK_NHS", _C.IDENTITY, _G.L3, False, "英国NHS号码", "UK NHS number"),
    EntityType("DRIVER_LICENSE", _C.IDENTITY, _G.L3, False, "驾驶证号", "driver licence number"),
    EntityType("ID_CARD_IMAGE", _C.IDENTITY, _G.L4, True, "身份证件影像", "identity document image",
               financial=_F.C2),
    EntityType("CN_USCC", _C.OTHER, _G.L1, False, "统一社会信用代码", "unified social credit code"),
    # biometrics, health, special categories (PIPL Art. 28)
    EntityType("BIOMETRIC", _C.BIOMETRIC, _G.L4, True, "生物识别信息", "biometric data", financial=_F.C3),
    EntityType("HEALTH", _C.HEALTH, _G.L4, True, "医疗健康信息", "health data"),
    EntityType("RELIGION", _C.OTHER, _G.L3, True, "宗教信仰", "religious belief"),
    EntityType("MINOR", _C.BASIC_PROFILE, _G.L3, True, "不满十四周岁未成年人信息",
               "personal data of a minor under 14"),
    # financial accounts
    EntityType("BANK_CARD", _C.PROPERTY, _G.L3, True, "银行卡号", "bank card number", financial=_F.C2),
    EntityType("CREDIT_CARD", _C.PROPERTY, _G.L3, True, "信用卡号", "credit card number", financial=_F.C2),
    EntityType("IBAN", _C.PROPERTY, _G.L3, True, "国际银行账号", "international bank account number",
               financial=_F.C2),
    EntityType("PAYMENT_ACCOUNT", _C.PROPERTY, _G.L3, True, "支付账号", "payment account",
               financial=_F.C2),
    EntityType("CREDENTIAL", _C.NETWORK_IDENTITY, _G.L4, True, "口令与验证凭据",
               "password or authentication credential", financial=_F.C3),
    EntityType("AMOUNT", _C.PROPERTY, _G.L2, False, "交易金额", "transaction amount", financial=_F.C1),
    # contact and network identity
    EntityType("PHONE", _C.BASIC_PROFILE, _G.L2, False, "电话号码", "phone number", financial=_F.C2),
    EntityType("EMAIL", _C.BASIC_PROFILE, _G.L2, False, "电子邮箱", "e-mail address"),
    EntityType("QQ_ID", _C.NETWORK_IDENTITY, _G.L2, False, "QQ号", "QQ account number"),
    EntityType("WECHAT_ID", _C.NETWORK_IDENTITY, _G.L2, False, "微信号", "WeChat id"),
    EntityType("IP_ADDRESS", _C.ONLINE_RECORDS, _G.L2, False, "IP地址", "IP address"),
    EntityType("URL", _C.ONLINE_RECORDS, _G.L1, False, "网址", "URL", is_pi=False),
    # devices and vehicles
    EntityType("MAC_ADDRESS", _C.DEVICE, _G.L2, False, "MAC地址", "MAC address"),
    EntityType("IMEI", _C.DEVICE, _G.L2, False, "IMEI设备号", "IMEI device number"),
    EntityType("CN_LICENSE_PLATE", _C.OTHER, _G.L2, False, "车牌号", "vehicle licence plate"),
    # location
    EntityType("GPS_COORDINATE", _C.LOCATION, _G.L3, True, "精确定位", "GPS coordinates"),
    # platform records that link to a person
    EntityType("ORDER_ID", _C.ONLINE_RECORDS, _G.L2, False, "订单号", "order number"),
    EntityType("WAYBILL_NO", _C.ONLINE_RECORDS, _G.L2, False, "运单号", "waybill number"),
    EntityType("GOODS", _C.ONLINE_RECORDS, _G.L1, False, "商品信息", "goods purchased"),
    EntityType("DATETIME", _C.OTHER, _G.L1, False, "时间", "date and time", is_pi=False),
)

ENTITY_TYPES: dict[str, EntityType] = {t.name: t for t in _TYPES}

# Other spellings callers use; the canonical name is what piwarden writes.
ALIASES: dict[str, str] = {
    "CN_PASSPORT": "PASSPORT",
    "PHONE_NUMBER": "PHONE",
    "EMAIL_ADDRESS": "EMAIL",
    "IBAN_CODE": "IBAN",
    "US_DRIVER_LICENSE": "DRIVER_LICENSE",
    "STREET_ADDRESS": "ADDRESS",
    "ORGANIZATION": "ORG",
    "CN_ID": "CN_RESIDENT_ID",
    "RESIDENT_ID": "CN_RESIDENT_ID",
}


class UnknownEntityType(KeyError):
    """Raised for a type name that is neither canonical nor a known alias."""

    def __str__(self) -> str:
        known = ", ".join(sorted(ENTITY_TYPES))
        return f"unknown entity type {self.args[0]!r}; known types: {known}"


def canonical(name: str) -> str:
    """The canonical name for ``name`` (case-insensitive, aliases resolved)."""
    key = name.strip().upper()
    key = ALIASES.get(key, key)
    if key not in ENTITY_TYPES:
        raise UnknownEntityType(name)
    return key


def get(name: str) -> EntityType:
    """The :class:`EntityType` for a canonical name or alias."""
    return ENTITY_TYPES[canonical(name)]


def pi_types() -> list[str]:
    """Names of the types that count as personal information."""
    return [t.name for t in _TYPES if t.is_pi]
