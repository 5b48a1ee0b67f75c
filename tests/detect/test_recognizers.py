"""One table of cases per recognizer family: what must be found, and what must stay negative.

Each case: text, the expected (type, value) pairs, and why. Values are synthetic (check digits
computed, numbers from reserved or fictional ranges).
"""

from __future__ import annotations

import pytest

from piwarden.detect import Analyzer

RID = "330106198803051239"  # valid check digit, born 1988-03-05
RID_BAD = "330106198803051238"  # check digit wrong
CARD = "6222025260181590832"  # UnionPay 19 digits, Luhn valid
CARD_BAD = "6222025260181590833"


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


CASES = [
    # --- resident ID ---
    (f"身份证号{RID}", [("CN_RESIDENT_ID", RID)], "glued to Chinese text"),
    (f"ID: {RID[:-1]}x", [("CN_RESIDENT_ID", RID[:-1] + "x")], "lower-case x is still read") if RID.endswith("X")
    else (f"ID: {RID}.", [("CN_RESIDENT_ID", RID)], "ends at sentence punctuation"),
    (f"订单号{RID_BAD}", [("ORDER_ID", RID_BAD)], "an order number failing the check digit is not an ID"),
    (f"编号 {RID_BAD}", [], "nor is any other 18-digit number failing it"),
    (f"a{RID}b", [], "part of a longer alphanumeric run"),
    # --- phones ---
    ("手机13812345678，", [("PHONE", "13812345678")], "mobile glued to Chinese"),
    ("电话：+86 138-1234-5678", [("PHONE", "+86 138-1234-5678")], "country code, dashes"),
    ("座机010-62751234转123", [("PHONE", "010-62751234转123")], "landline with extension"),
    ("客服热线95588", [], "service hotline is not a personal number"),
    ("请拨10086查询", [], "carrier hotline"),
    ("验证码482913，请勿泄露", [], "verification code"),
    ("联系 +852 9123 4567", [("PHONE", "+852 9123 4567")], "Hong Kong mobile"),
    ("Call me at (415) 555-2671 today", [("PHONE", "(415) 555-2671")], "US number"),
    # --- cards ---
    (f"卡号{CARD}", [("BANK_CARD", CARD)], "UnionPay glued to Chinese"),
    ("card 4111 1111 1111 1111 charged", [("CREDIT_CARD", "4111 1111 1111 1111")], "grouped Visa test number"),
    (f"卡号{CARD_BAD}", [], "fails Luhn"),
    ("金额¥12,345.67元", [], "amount"),
    # --- e-mail, network ---
    ("李红13911181807@126.com联系", [("EMAIL", "13911181807@126.com")], "e-mail after Chinese, no swallowing"),
    ("邮箱：zhang.wei@example.cn。", [("EMAIL", "zhang.wei@example.cn")], "full-width punctuation around"),
    ("write to damouth@gmail.comQQ:2308713823", [("EMAIL", "damouth@gmail.com"), ("QQ_ID", "2308713823")],
     "TLD stops at case change; QQ after a camel-case boundary"),
    ("登录IP 10.12.3.45 成功", [("IP_ADDRESS", "10.12.3.45")], "IPv4"),
    ("版本 1.2.3.4 已发布", [], "version string is not an IP"),
    ("addr 2001:db8::8a2e:370:7334 up", [("IP_ADDRESS", "2001:db8::8a2e:370:7334")], "IPv6"),
    ("时间 12:30:45 开始", [], "a time is not IPv6"),
    ("MAC地址 3C:22:FB:1A:2B:3C", [("MAC_ADDRESS", "3C:22:FB:1A:2B:3C")], "MAC"),
    # --- Chinese registry numbers, documents, vehicles ---
    ("车牌京A12345违章", [("CN_LICENSE_PLATE", "京A12345")], "plate"),
    ("新能源车粤B·D12345", [("CN_LICENSE_PLATE", "粤B·D12345")], "8-character new-energy plate with dot"),
    ("护照号E12345678", [("PASSPORT", "E12345678")], "e-passport"),
    # --- platform ids ---
    ("顺丰运单号SF1234567890123已签收", [("WAYBILL_NO", "SF1234567890123")], "SF waybill"),
    ("联系QQ：80123456", [("QQ_ID", "80123456")], "QQ in context"),
    ("共80123456人", [], "a bare number is not a QQ id"),
    ("微信号 wx_lihong2026", [("WECHAT_ID", "wx_lihong2026")], "WeChat id"),
    ("订单号：202603010044118", [("ORDER_ID", "202603010044118")], "order id in context"),
    # --- dates, GPS ---
    ("出生日期：1979年11月2日", [("DATE_OF_BIRTH", "1979年11月2日")], "date of birth in context"),
    ("下单时间：2026年3月1日", [], "a date without birth context"),
    ("坐标 39.9042, 116.4074", [("GPS_COORDINATE", "39.9042, 116.4074")], "decimal coordinates"),
    # --- US ---
    ("SSN: 078-05-1121", [("US_SSN", "078-05-1121")], "SSN with context"),
    ("IBAN GB82WEST12345698765432", [("IBAN", "GB82WEST12345698765432")], "IBAN"),
    ("IBAN GB83WEST12345698765432", [], "IBAN failing mod 97"),
    ("IBAN GB82 WEST 1234 5698 7654 32 1234", [("IBAN", "GB82 WEST 1234 5698 7654 32")], "IBAN at its country's length"),
]


@pytest.mark.parametrize(("text", "expected", "why"), CASES, ids=[c[2] for c in CASES])
def test_case(analyzer: Analyzer, text: str, expected: list[tuple[str, str]], why: str) -> None:
    found = [(s.type, text[s.start : s.end]) for s in analyzer.analyze(text)]
    assert found == expected, why


def test_iban_lengths_come_from_the_registry() -> None:
    from piwarden.detect.ids import iban

    table = iban.lengths()
    # lengths in the SWIFT IBAN registry
    for code, size in {"NO": 15, "BE": 16, "NL": 18, "AT": 20, "CH": 21, "DE": 22, "GB": 22, "FR": 27, "MT": 31}.items():
        assert code in table[size]
    assert sum(len(codes) for codes in table.values()) == len(iban._countries())
