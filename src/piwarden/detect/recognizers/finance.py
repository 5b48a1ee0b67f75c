"""Financial accounts: bank and credit cards, IBANs, payment (Alipay / WeChat Pay) accounts."""

from __future__ import annotations

import re

from piwarden.detect.context import ContextWindow
from piwarden.detect.ids import bank_card, iban
from piwarden.detect.recognizer import NOT_AFTER_ALNUM as L
from piwarden.detect.recognizer import NOT_BEFORE_ALNUM as R
from piwarden.detect.recognizer import Pattern, Recognizer, keyed

_CARD_WORDS = ("卡号", "银行卡", "信用卡", "借记卡", "储蓄卡", "银联", "账号", "帐号", "账户", "收款", "转账", "开户",
               "card", "credit card", "debit card", "card number", "card no", "cc", "visa", "mastercard",
               "amex", "account", "pay", "payment", "bank", "工行", "建行", "农行", "中行", "招行", "交行", "邮储",
               "打款", "这张卡")
_TIMESTAMP = re.compile(r"20[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])(?:[01][0-9]|2[0-3])[0-5][0-9][0-5][0-9]")
_INTERNATIONAL = {"Visa", "Mastercard", "American Express", "JCB", "Discover", "Diners", "Maestro"}


class BankCardRecognizer(Recognizer):
    """13-19 digit card numbers (contiguous or in groups) that pass Luhn.

    Luhn passes for one random number in ten, so a valid checksum alone scores 0.6 and the
    words around the number decide the rest.
    """

    entity = "BANK_CARD"
    also = ("CREDIT_CARD",)
    patterns = (
        Pattern("card_plain", L + r"[1-9][0-9]{11,18}" + R, 0.3),
        Pattern("card_grouped", L + r"[1-9][0-9]{3}(?:[ -][0-9]{4}){2,3}(?:[ -][0-9]{1,4})?" + R, 0.35),
        Pattern("card_amex", L + r"3[47][0-9]{2}[ -][0-9]{6}[ -][0-9]{5}" + R, 0.35),
    )
    context = _CARD_WORDS
    negative_context = ("订单", "单号", "流水号", "交易号", "运单", "快递", "order", "invoice", "tracking", "imei",
                        "身份证", "手机", "电话", "phone", "条码", "箱码", "编号", "时间", "发票", "waybill", "time",
                        "顺丰", "圆通", "中通", "申通", "韵达", "极兔", "德邦")
    validated_score = 0.6
    context_boost = 0.35
    # a carrier's name right after a number ("4255228779662（顺丰）") says it is a waybill
    negative_window = ContextWindow(before=10, after=4)

    def validate(self, value: str) -> bool | None:
        if _TIMESTAMP.fullmatch(value):  # 20260103093833 passes Luhn one time in ten
            return False
        return bank_card.is_valid(value)

    def value_type(self, value: str) -> str:
        if bank_card.is_domestic(value):
            return "BANK_CARD"
        return "CREDIT_CARD" if bank_card.issuer(value) in _INTERNATIONAL else "BANK_CARD"


def _iban_regex() -> str:
    """Each country's IBAN at its registered length, compact or in groups of four, longest first.

    One pattern for any length would take a number written after the IBAN into it
    ("AT18 0000 0000 0000 0000 7777", or 七七七七七 read as digits after a compact IBAN) and the
    checksum of the whole would then fail.
    """
    alternatives = []
    for size, codes in sorted(iban.lengths().items(), reverse=True):
        groups, rest = divmod(size - 4, 4)
        tail = f" ?[A-Z0-9]{{{rest}}}" if rest else ""
        alternatives.append(f"(?:{'|'.join(codes)})[0-9]{{2}}(?: ?[A-Z0-9]{{4}}){{{groups}}}{tail}")
    return L + "(?:" + "|".join(alternatives) + ")" + R


class IbanRecognizer(Recognizer):
    entity = "IBAN"
    patterns = (Pattern("iban", _iban_regex(), 0.4),)
    context = ("iban", "bank account", "账户", "账号", "swift", "transfer", "汇款")

    def __init__(self) -> None:
        super().__init__()
        iban.preload()

    def validate(self, value: str) -> bool | None:
        return iban.is_valid(value)


_PAY_WORDS = ("支付宝", "alipay", "pay", "微信支付", "财付通", "云闪付")
_PAY = keyed(r"(?:支付宝|alipay|微信支付|财付通|云闪付|paypal|pay)_?(?:账号|账户|帐号|帐户|account|id)?")


class PaymentAccountRecognizer(Recognizer):
    """An Alipay / WeChat Pay account is a phone or e-mail said to be one."""

    entity = "PAYMENT_ACCOUNT"
    patterns = (
        Pattern("pay_phone", _PAY + r"(?P<v>(?:\+?86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]{4}){2})" + R, 1.0, lead=8, gate=_PAY_WORDS),
        Pattern(
            "pay_email",
            _PAY + r"(?P<v>[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24})"
            + R,
            1.0,
            needs_digit=False,
            gate=("@",),  # and one of _PAY_WORDS: checked by the pattern itself, "@" is cheaper
        ),
    )
    window = ContextWindow(before=0, after=0)
    priority = 8
