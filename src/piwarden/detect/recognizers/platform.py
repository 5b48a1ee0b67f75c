"""Platform identifiers that link to a person: waybills, order numbers, QQ and WeChat ids."""

from __future__ import annotations

from piwarden.detect.context import ContextWindow
from piwarden.detect.ids.cn import waybill
from piwarden.detect.recognizer import NOT_AFTER_ALNUM as L
from piwarden.detect.recognizer import NOT_BEFORE_ALNUM as R
from piwarden.detect.recognizer import Pattern, Recognizer, keyed

_WAYBILL_WORDS = ("运单", "运单号", "快递单号", "快递单", "物流单号", "单号", "快递", "物流", "waybill",
                  "tracking", "tracking number", "shipment", "expressno", "express_no", "logistics", "顺丰", "圆通", "中通", "申通", "韵达", "京东",
                  "极兔", "邮政", "ems", "德邦")


class WaybillRecognizer(Recognizer):
    """Carrier-prefixed numbers (SF, YT, JT, JD, DPK) and UPU S10 (EMS) with its check digit."""

    entity = "WAYBILL_NO"
    patterns = (
        Pattern("prefixed", L + r"(?:SF|YT|JT|JD[A-Z]{0,3}|DPK)[0-9]{10,15}" + R, 0.5),
        Pattern("s10", L + r"[A-Z]{2}[0-9]{9}[A-Z]{2}" + R, 0.4),
    )
    context = _WAYBILL_WORDS
    validated_score = 0.9

    def validate(self, value: str) -> bool | None:
        return waybill.is_valid(value) and waybill.is_self_identifying(value)


class WaybillDigitsRecognizer(Recognizer):
    """All-digit waybills (ZTO, STO, Yunda, ...) look like any number: context decides."""

    entity = "WAYBILL_NO"
    patterns = (Pattern("digits", L + r"[0-9]{12,15}" + R, 0.3),)
    context = _WAYBILL_WORDS
    context_required = True
    context_boost = 0.45
    window = ContextWindow(before=16, after=2)

    def validate(self, value: str) -> bool | None:
        # carriers' digit formats change often: a known one lifts the score, others rest on context
        return True if waybill.is_valid(value) else None


class OrderIdRecognizer(Recognizer):
    entity = "ORDER_ID"
    patterns = (
        Pattern(
            "order_id",
            keyed("订单号", "订单编号", "订单", r"order ?(?:no\.?|number|id|#)", r"order_?(?:no|id|number)", "order")
            + r"#?(?P<v>[A-Za-z]{0,4}[0-9][0-9A-Za-z-]{7,31})" + R,
            0.85,
            lead=8,
            gate=("订单", "order"),
        ),
    )
    window = ContextWindow(before=0, after=0)


class QqRecognizer(Recognizer):
    entity = "QQ_ID"
    # glued to letters in profiles ("qq764957359", "QQ：783594553MSN"), never to digits or an e-mail
    # "QQ no.416176013": a dot after "no" is a key's, not a decimal point's
    # "QQ100000(2)": a Hong Kong ID with its check digit, after a key that is also a letter pair
    patterns = (Pattern("qq", r"(?<![0-9@_-])(?:(?<!\.)|(?<=[Nn]o\.))[1-9][0-9]{4,10}(?![0-9@_-])(?!\.[0-9A-Za-z])"
                        r"(?!\([0-9A]\))", 0.3),)
    context = ("qq", "qq号", "qq号码", "扣扣", "企鹅号", "工作q", "加q", "q号", "qq群", "qq：", "q:")
    context_required = True
    # the words are specific and right before the number: a mobile number after "QQ：" is the QQ id
    context_boost = 0.7
    priority = 6
    window = ContextWindow(before=10, after=0)


class WechatRecognizer(Recognizer):
    entity = "WECHAT_ID"
    patterns = (
        Pattern(
            "wechat",
            keyed("微信号", "微信", "微信公众号", "微信公众帐号", "微信公众账号", "vx", "wx(?![a-z])",
                  "wechat(?:[ _]?id)?", "weixin", "v信", "威信", "薇信")
            # not before "(": "VX100000(0)" is a Hong Kong ID with its check digit
            + r"(?:是 ?)?(?P<v>[A-Za-z][-_A-Za-z0-9]{5,19}|[1-9][0-9]{4,11})(?![-_A-Za-z0-9@(])",
            1.0,
            needs_digit=False,
            gate=("微信", "vx", "wx", "wechat", "weixin", "v信", "威信", "薇信"),
        ),
    )
    window = ContextWindow(before=0, after=0)
    # a mobile number given as a WeChat id ("微信：138...") is reported as the id: above MobileRecognizer,
    # and above QqRecognizer, whose context words reach further back
    priority = 7
