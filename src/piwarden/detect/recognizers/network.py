"""Online identity and devices: e-mail, IP and MAC addresses, IMEI."""

from __future__ import annotations

from piwarden.detect.context import ContextWindow
from piwarden.detect.ids import email, imei, ip, mac
from piwarden.detect.recognizer import NOT_AFTER_ALNUM as L
from piwarden.detect.recognizer import NOT_BEFORE_ALNUM as R
from piwarden.detect.recognizer import Pattern, Recognizer

# ASCII-only local part: an address glued to Chinese text (李红13911181807@126.com) starts at
# the first ASCII character. A top-level domain followed by more letters ("gmail.comQQ",
# "hanmail.netdmsgPtkfkd@hotmail.com", two addresses glued) ends at a common TLD.
_COMMON_TLD = (
    r"(?:com|net|org|edu|gov|info|biz|cn|hk|tw|mo|jp|kr|sg|my|uk|us|de|fr|au|ca|io|me|tv|cc)"
    r"(?:\.(?:cn|hk|tw|jp|kr|sg|my|uk|au))?"
)
_EMAIL = (
    # a local part does not start inside a digit run, nor with a phone number glued to letters
    # (12+ digits, or digits with dashes): in "+886227627111aben@..." the address is "aben@...",
    # while "13911181807abc@163.com" stays one address; nor with a label glued to it
    # ("E-Mailjeffreychen@vip.sina.com" is "jeffreychen@...": a capitalised label, then lower case)
    r"(?!(?:E-?[Mm]ail|EMAIL|Mail)[a-z0-9])(?<!E)(?<!E-)(?<!M)(?<!Ma)(?<!Mai)(?<!Em)(?<!Ema)(?<!Emai)(?<!EM)(?<!EMA)(?<!EMAI)"
    r"(?:(?<![0-9])(?<![0-9]-)(?![0-9]{12,}[A-Za-z_])(?![0-9]*-[0-9-]{5,}[A-Za-z_])"
    r"|(?<=[0-9][0-9-]{6})(?=[A-Za-z_]))"
    r"[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}"
    r"(?:[a-z]{2,24}(?![A-Za-z0-9@])|[A-Z]{2,24}(?![A-Za-z0-9@])|xn--[a-z0-9-]{2,59}(?![a-z0-9])|(?i:"
    + _COMMON_TLD
    + "))"
)


class EmailRecognizer(Recognizer):
    entity = "EMAIL"
    patterns = (Pattern("email", _EMAIL, 0.9, needs_digit=False, gate=("@",)),)
    context = ("邮箱", "电邮", "郵箱", "信箱", "email", "e-mail", "mail")

    def validate(self, value: str) -> bool | None:
        return email.is_valid(value)


class IpRecognizer(Recognizer):
    entity = "IP_ADDRESS"
    patterns = (
        Pattern("ipv4", r"(?<![0-9A-Za-z.])" + ip.DOTTED + r"(?![0-9A-Za-z])(?!\.[0-9])", 0.6),
        Pattern("ipv6", r"(?<![0-9A-Za-z:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![0-9A-Za-z:])", 0.5,
                needs_digit=False, gate=(":",)),
    )
    context = ("ip", "ip地址", "地址", "登录", "address", "host", "client", "来源", "访问")
    negative_context = ("版本", "version", "ver", "v.", "build", "版本号")
    validated_score = 0.7

    def validate(self, value: str) -> bool | None:
        if ":" in value and sum(1 for g in value.split(":") if g) < 3:
            return False  # "::", "a[::2]", "12:30::" are not addresses anyone owns
        return ip.is_valid(value)


class MacRecognizer(Recognizer):
    entity = "MAC_ADDRESS"
    patterns = (
        Pattern("mac", r"(?<![0-9A-Za-z:-])[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}(?![0-9A-Za-z:-])",
                0.6, needs_digit=False, gate=(":", "-")),
        Pattern("mac_dotted", r"(?<![0-9A-Za-z.])[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}(?![0-9A-Za-z])(?!\.[0-9A-Za-z])", 0.4,
                needs_digit=False, gate=(".",)),
    )
    context = ("mac", "mac地址", "网卡", "物理地址", "设备", "device", "hardware address")
    validated_score = 0.85

    def validate(self, value: str) -> bool | None:
        return mac.is_valid(value)


class ImeiRecognizer(Recognizer):
    entity = "IMEI"
    patterns = (
        Pattern("imei", L + r"[0-9]{15,16}" + R, 0.2),
        Pattern("imei_grouped", L + r"[0-9]{2}[ -][0-9]{6}[ -][0-9]{6}[ -][0-9]{1,2}" + R, 0.2),
    )
    context = ("imei", "串号", "设备号", "设备识别码", "手机识别码", "meid", "device id")
    context_required = True
    validated_score = 0.45
    context_boost = 0.45
    window = ContextWindow(before=20, after=4)
    priority = 3

    def validate(self, value: str) -> bool | None:
        return imei.is_valid(value)
