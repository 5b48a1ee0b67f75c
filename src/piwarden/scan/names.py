"""What a column's name says about its content: hints in English, Chinese, pinyin and initials.

Chinese schemas name columns in four ways at once: English (``mobile_phone``), Chinese
(``手机号码``), full pinyin (``shouji``, ``xingming``) and pinyin initials (``sjhm`` for 手机号码,
``sfzh`` for 身份证号, ``xm`` for 姓名). A name is cut into tokens on ``_``, ``-``, spaces, digits
and camelCase; a token (or two or three tokens joined: ``id_card`` -> ``idcard``) that is a key
of :data:`HINTS` gives a type with a prior weight. Chinese keys match as substrings of the name.

Weights say how much the name alone is worth: 0.9 for names that rarely mean anything else
(``sfzh``, ``身份证``), 0.5-0.6 for ambiguous initials (``xm`` is also 项目, ``kh`` also 客户).
The values decide in the end (:mod:`piwarden.scan.classify`); a name only tips the balance.
"""

from __future__ import annotations

import re
from functools import lru_cache

# token (lower-case ASCII) -> (type, prior weight)
HINTS: dict[str, tuple[str, float]] = {}
# Chinese keyword (substring of the name) -> (type, prior weight); longer keys win
ZH_HINTS: dict[str, tuple[str, float]] = {}


def _add(table: dict[str, tuple[str, float]], entity: str, weight: float, keys: str) -> None:
    for key in keys.split():
        table[key] = (entity, weight)


_add(HINTS, "PERSON", 0.9, "name fullname realname username_cn xingming xingm contactname contact_name "
     "firstname lastname surname givenname familyname customername custname receiver consignee "
     "shouhuoren lianxiren khmc khxm")
_add(HINTS, "PERSON", 0.6, "xm nm sjr lxr shr")
_add(HINTS, "CN_RESIDENT_ID", 0.9, "idcard idno idnumber idcardno identity identitycard citizenid sfz sfzh "
     "sfzhm shenfenzheng shenfenzhenghao zjhm zjh certno certid certificateno residentid nationalid "
     "idcardnumber")
_add(HINTS, "PHONE", 0.9, "phone mobile mobilephone cellphone cell tel telephone phoneno phonenumber "
     "mobileno shouji shoujihao sjhm sjh lxdh dianhua lianxidianhua contactphone contacttel")
_add(HINTS, "PHONE", 0.6, "dh sj lxfs")
_add(HINTS, "EMAIL", 0.9, "email mail emailaddress youxiang dzyx")
_add(HINTS, "EMAIL", 0.6, "yx")
_add(HINTS, "ADDRESS", 0.9, "address addr street streetaddress dizhi jtdz jtzz zhuzhi homeaddress "
     "shippingaddress deliveryaddress shdz lxdz txdz hjdz")
_add(HINTS, "ADDRESS", 0.6, "dz zz")
_add(HINTS, "BANK_CARD", 0.9, "bankcard cardno cardnumber bankcardno yhkh yhk yinhangka accountno acctno "
     "bankaccount debitcard")
_add(HINTS, "BANK_CARD", 0.5, "kh card")
_add(HINTS, "CREDIT_CARD", 0.9, "creditcard ccnumber xyk xykh")
_add(HINTS, "DATE_OF_BIRTH", 0.9, "birthday birthdate dob dateofbirth birth csrq chusheng shengri birthdt")
_add(HINTS, "PASSPORT", 0.9, "passport passportno hzhm huzhao hzh")
_add(HINTS, "IP_ADDRESS", 0.9, "ip ipaddr ipaddress clientip loginip remoteip")
_add(HINTS, "MAC_ADDRESS", 0.9, "mac macaddr macaddress")
_add(HINTS, "IMEI", 0.9, "imei meid deviceid")
_add(HINTS, "QQ_ID", 0.9, "qq qqh qqhao qqno")
_add(HINTS, "WECHAT_ID", 0.9, "wechat wechatid weixin wxid wxh weixinhao")
_add(HINTS, "CN_LICENSE_PLATE", 0.9, "plate plateno licenseplate carno chepai cph chepaihao")
_add(HINTS, "CN_USCC", 0.9, "uscc creditcode tyshxydm shxydm")
_add(HINTS, "US_SSN", 0.9, "ssn socialsecurity")
_add(HINTS, "DRIVER_LICENSE", 0.9, "driverlicense driverslicense licenseno jszh jiashizheng")
_add(HINTS, "ORDER_ID", 0.9, "orderid orderno ordernumber ddh ddbh dingdan dingdanhao")
_add(HINTS, "WAYBILL_NO", 0.9, "waybill waybillno trackingno trackingnumber expressno ydh kddh yundan")
_add(HINTS, "GPS_COORDINATE", 0.9, "gps latlng latlon coordinate coordinates jwd zuobiao")
_add(HINTS, "CREDENTIAL", 0.9, "password passwd pwd passhash passwordhash mima secret token apikey")
_add(HINTS, "CREDENTIAL", 0.6, "mm")
_add(HINTS, "HEALTH", 0.9, "diagnosis disease illness medical medicalrecord bingli zhenduan jibing allergy")
_add(HINTS, "RELIGION", 0.9, "religion zongjiao xinyang")
_add(HINTS, "AMOUNT", 0.6, "amount amt price balance salary income je jine yue gongzi")
_add(HINTS, "GOODS", 0.6, "goods product productname item itemname spmc shangpin")
_add(HINTS, "JOB_TITLE", 0.6, "jobtitle title position zhiwei")
_add(HINTS, "BIOMETRIC", 0.9, "fingerprint faceid facefeature voiceprint iris zhiwen renlian")
_add(HINTS, "DATETIME", 0.5, "createdat updatedat createtime updatetime timestamp ts datetime cjsj gxsj")

_add(ZH_HINTS, "PERSON", 0.9, "姓名 名字 联系人 收货人 收件人 客户名称 户主 持卡人 开户人 真实姓名")
_add(ZH_HINTS, "CN_RESIDENT_ID", 0.9, "身份证 证件号 身份号码 公民身份")
_add(ZH_HINTS, "PHONE", 0.9, "手机 电话 联系方式 移动号码")
_add(ZH_HINTS, "EMAIL", 0.9, "邮箱 电邮 邮件 电子邮件")
_add(ZH_HINTS, "ADDRESS", 0.9, "地址 住址 住所 居住地 户籍地")
_add(ZH_HINTS, "BANK_CARD", 0.9, "银行卡 卡号 银行账号 借记卡 账号")
_add(ZH_HINTS, "CREDIT_CARD", 0.9, "信用卡")
_add(ZH_HINTS, "DATE_OF_BIRTH", 0.9, "出生 生日")
_add(ZH_HINTS, "PASSPORT", 0.9, "护照")
_add(ZH_HINTS, "IP_ADDRESS", 0.9, "IP地址 登录IP")
_add(ZH_HINTS, "QQ_ID", 0.9, "QQ号")
_add(ZH_HINTS, "WECHAT_ID", 0.9, "微信")
_add(ZH_HINTS, "CN_LICENSE_PLATE", 0.9, "车牌")
_add(ZH_HINTS, "CN_USCC", 0.9, "信用代码")
_add(ZH_HINTS, "ORDER_ID", 0.9, "订单号 订单编号")
_add(ZH_HINTS, "WAYBILL_NO", 0.9, "运单 快递单号 物流单号")
_add(ZH_HINTS, "GPS_COORDINATE", 0.9, "经纬度 坐标 定位")
_add(ZH_HINTS, "CREDENTIAL", 0.9, "密码 口令")
_add(ZH_HINTS, "HEALTH", 0.9, "病历 诊断 疾病 病史 过敏")
_add(ZH_HINTS, "RELIGION", 0.9, "宗教 信仰")
_add(ZH_HINTS, "AMOUNT", 0.6, "金额 余额 工资 收入 价格")
_add(ZH_HINTS, "GOODS", 0.6, "商品")
_add(ZH_HINTS, "JOB_TITLE", 0.6, "职位 职务")
_add(ZH_HINTS, "BIOMETRIC", 0.9, "指纹 人脸 声纹 虹膜")
_add(ZH_HINTS, "DATETIME", 0.5, "创建时间 更新时间")

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SPLIT = re.compile(r"[^A-Za-z]+")
_ZH_KEYS = sorted(ZH_HINTS, key=len, reverse=True)


def tokens(name: str) -> list[str]:
    """``customerMobilePhone_2`` -> ``['customer', 'mobile', 'phone']`` (ASCII letters only)."""
    return [t.lower() for part in _SPLIT.split(name) for t in _CAMEL.split(part) if t]


@lru_cache(maxsize=4096)
def hints(name: str) -> dict[str, float]:
    """Candidate types for a column name, each with its prior weight (the strongest clue wins)."""
    found: dict[str, float] = {}

    def note(entity: str, weight: float) -> None:
        found[entity] = max(found.get(entity, 0.0), weight)

    upper = name.upper()
    for key in _ZH_KEYS:
        if key.upper() in upper:
            note(*ZH_HINTS[key])
    toks = tokens(name)
    joined = "".join(toks)
    if joined in HINTS:  # the whole name: "id_card_no" -> "idcardno"
        note(*HINTS[joined])
    for size in (3, 2, 1):  # runs of tokens: "mobile_phone" -> "mobilephone", then each token
        for i in range(len(toks) - size + 1):
            key = "".join(toks[i : i + size])
            if key in HINTS:
                note(*HINTS[key])
    # "user_id" is not an identity-card number: a bare "id" never hints, and names of a
    # different thing that happens to contain a hint word give way to that thing
    if "ORDER_ID" in found or "WAYBILL_NO" in found:
        found.pop("PHONE", None)
    return found


def best_hint(name: str) -> tuple[str, float] | None:
    """The strongest hint for ``name``, or None."""
    found = hints(name)
    if not found:
        return None
    entity = max(found, key=lambda e: found[e])
    return entity, found[entity]
