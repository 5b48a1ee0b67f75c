"""Whereabouts: GPS coordinates (sensitive PI under PIPL Art. 28 as precise location)."""

from __future__ import annotations

import re

from piwarden.detect.recognizer import Pattern, Recognizer

_LAT = r"-?(?:[1-8]?[0-9]|90)\.[0-9]{3,8}"
_LON = r"-?(?:1[0-7][0-9]|[1-9]?[0-9]|180)\.[0-9]{3,8}"
_DEG = r"[0-9]{1,3}(?:\.[0-9]{1,8})?°(?:[0-9]{1,2}[′'](?:[0-9]{1,2}(?:\.[0-9]{1,4})?[″\"])?)?"
_NUM = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


class GpsRecognizer(Recognizer):
    entity = "GPS_COORDINATE"
    patterns = (
        Pattern("latlon", r"(?<![0-9.])" + _LAT + r"°?[NS]? ?[,，] ?" + _LON + r"°?[EW]?(?![0-9])", 0.55),
        Pattern("cn_words", rf"(?:北纬|南纬)[ ]?{_DEG}[ ]?[,，、 ]?[ ]?(?:东经|西经)[ ]?{_DEG}", 0.95,
                needs_digit=False, gate=("北纬", "南纬")),
        Pattern("cn_words_lon_first", rf"(?:东经|西经)[ ]?{_DEG}[ ]?[,，、 ]?[ ]?(?:北纬|南纬)[ ]?{_DEG}", 0.95,
                needs_digit=False, gate=("东经", "西经")),
        Pattern("dms", rf"(?<![0-9]){_DEG} ?[NS][ ,，]{{0,2}}{_DEG} ?[EW]", 0.9),
        Pattern("hemisphere_first", rf"(?<![A-Za-z])[NS] ?{_LAT}°?[ ,，]{{1,2}}[EW] ?{_LON}°?(?![0-9])", 0.9),
    )
    context = ("坐标", "经纬度", "定位", "位置", "gps", "lat", "lng", "lon", "latitude", "longitude",
               "coordinates", "location", "纬度", "经度")

    def validate(self, value: str) -> bool | None:
        nums = [float(n) for n in _NUM.findall(value)]
        return None if len(nums) >= 2 else False
