"""Chinese registry numbers and vehicles: unified social credit codes, licence plates."""

from __future__ import annotations

from piwarden.detect.ids.cn import plate, uscc
from piwarden.detect.recognizer import NOT_AFTER_ALNUM as L
from piwarden.detect.recognizer import NOT_BEFORE_ALNUM as R
from piwarden.detect.recognizer import Pattern, Recognizer

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"


class UsccRecognizer(Recognizer):
    entity = "CN_USCC"
    patterns = (Pattern("uscc", L + r"[0-9A-HJ-NP-RTUWXY]{2}[0-9]{6}[0-9A-HJ-NP-RTUWXY]{10}" + R, 0.3),)
    context = ("统一社会信用代码", "信用代码", "社会信用代码", "营业执照", "税号", "纳税人识别号", "uscc",
               "credit code", "business license")
    negative_context = ("编号", "单号", "订单", "条码", "流水", "order", "invoice")
    validated_score = 0.9

    def validate(self, value: str) -> bool | float | None:
        if not uscc.is_valid(value):
            return False
        # an all-digit code competes with 18-digit card and ID numbers: it needs a word to win
        return 0.55 if value.isdigit() else True


class LicensePlateRecognizer(Recognizer):
    """GA 36-2018 plates incl. 8-character new-energy plates, with or without the middle dot."""

    entity = "CN_LICENSE_PLATE"
    patterns = (
        Pattern(
            "cn_plate",
            rf"[{_PROVINCES}][A-HJ-NP-Z][·•・ ]?[A-HJ-NP-Z0-9]{{4,6}}[A-HJ-NP-Z0-9挂学警港澳领试超]" + R,
            0.5,
            lead=1,
            trail=1,
        ),
    )
    context = ("车牌", "车牌号", "号牌", "车辆", "plate", "license plate", "车")
    validated_score = 0.85

    def validate(self, value: str) -> bool | None:
        return plate.is_valid(value)
