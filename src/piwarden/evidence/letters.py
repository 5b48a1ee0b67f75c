"""What an incident makes the platform write: letters to the people affected and a draft report to the regulator.

The letter carries what PIPL Art. 57 asks for: which information, why and the possible harm, the
remedies taken and what the person can do, and whom to contact. The remedies are the register's
own steps (each one in the audit log), not prose typed afresh. Letters name the subject by id
only: the platform's mailer fills in the name and address from its own records when sending,
so no personal value passes through piwarden's files.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from piwarden.evidence.incidents import SEVERITY_NAMES, IncidentView, Rules
from piwarden.evidence.pack import new_folder

FIELD_NAMES = {"name": ("name", "姓名"), "phone": ("phone number", "手机号码"), "address": ("address", "地址"),
               "id_number": ("ID card number", "身份证号码"), "payment_account": ("payment account", "支付账号"),
               "goods": ("goods ordered", "所购商品"), "order_id": ("order number", "订单号"),
               "order_time": ("order time", "下单时间"), "amount": ("amount paid", "订单金额"),
               "waybill_no": ("waybill number", "运单号"), "email": ("e-mail address", "电子邮箱"),
               "bank_card": ("bank card number", "银行卡号"), "birth_date": ("date of birth", "出生日期")}
REMEDY_TEXT = {"remedy:hold": ("the account {target} was put under approval for every reveal",
                               "账号 {target} 查看明文须经审批"),
               "remedy:revoke_sessions": ("all sessions of the account {target} were ended", "账号 {target} 的全部会话已终止"),
               "remedy:revoke_keys": ("the API keys of {target} were revoked", "{target} 的接口密钥已吊销")}
ADVICE = ("Be wary of calls, messages or parcels that cite your order or name and ask for money, codes or links; "
          "the platform never asks for verification codes by phone. You may ask us which of your information we hold, "
          "and have it corrected or deleted.",
          "请警惕以订单或您的姓名为由索要钱款、验证码或诱导点击链接的电话、短信或包裹；平台不会通过电话索要验证码。"
          "您有权查询我们处理的您的个人信息，并要求更正或删除。")


def _fields(inc: IncidentView, zh: bool) -> str:
    return ("、" if zh else ", ").join(FIELD_NAMES.get(f, (f, f))[zh] for f in inc.fields) or ("-" if not zh else "无")


def _remedies(inc: IncidentView, zh: bool) -> list[str]:
    out = []
    for s in inc.steps:
        text = REMEDY_TEXT.get(s["kind"])
        if text:
            at = inc.at(datetime.fromtimestamp(s["at_us"] / 1e6, UTC))
            out.append(f"{at} " + text[zh].format(target=s["detail"].get("target", "")))
    return out


def letter(inc: IncidentView, subject: str, lang: str, cause: str, harm: str, contact: str) -> str:
    zh = lang == "zh"
    remedies = _remedies(inc, zh) or (["（补救措施见下次通知）"] if zh else ["(remedies to follow)"])
    detected = inc.at(inc.detected)
    if zh:
        return "\n".join([
            f"个人信息安全事件告知书（{inc.id}）", "",
            f"尊敬的用户（编号 {subject}）：", "",
            f"我们于 {detected} 发现一起可能涉及您个人信息的安全事件，现依据《中华人民共和国个人信息保护法》第五十七条告知如下。", "",
            f"一、涉及的信息种类：{_fields(inc, True)}。",
            f"二、原因：{cause or '调查仍在进行，查明后将另行告知'}。",
            f"三、可能造成的危害：{harm or '可能被用于冒充平台或快递人员实施诈骗、骚扰'}。",
            "四、我们已采取的补救措施：", *[f"    {r}" for r in remedies],
            f"五、您可以采取的措施：{ADVICE[1]}",
            f"六、联系方式：{contact or '（请填写平台个人信息保护负责人的联系方式）'}", ""])
    return "\n".join([
        f"Notice of a personal information security incident ({inc.id})", "",
        f"Dear customer (no. {subject}),", "",
        f"On {detected} we found an incident that may involve your personal information. As PIPL Art. 57 requires:", "",
        f"1. Information involved: {_fields(inc, False)}.",
        f"2. Cause: {cause or 'still under investigation; we will tell you when it is known'}.",
        f"3. Possible harm: {harm or 'it may be used to impersonate the platform or a courier for fraud or harassment'}.",
        "4. What we have done:", *[f"    {r}" for r in remedies],
        f"5. What you can do: {ADVICE[0]}",
        f"6. Contact: {contact or '(the platform personal information protection officer contact)'}", ""])


def regulator_draft(inc: IncidentView, rules: Rules, lang: str, operator: str, cause: str, harm: str) -> str:
    """A draft of the first report (headings after the reporting measures' list of contents); blanks to fill in."""
    zh = lang == "zh"
    clocks = inc.clocks(rules)
    sev = SEVERITY_NAMES[inc.severity][zh]
    remedies = _remedies(inc, zh) or (["（尚无）"] if zh else ["(none yet)"])
    detected = inc.at(inc.detected)
    due = [f"{c.what[zh]}：{c.to[zh]}，" + (inc.at(c.due)
                                          if c.due else ("立即" if zh else "immediately"))
           + f"（{rules.source(c.source)['title']}：“{c.quote}”）" for c in clocks]
    if zh:
        lines = [f"网络安全事件报告（初始报告，草稿）— {inc.id}", "",
                 f"一、报告单位：{operator or '（填写）'}",
                 f"二、事件发现时间：{detected}；事件类型：个人信息泄露；事件级别（研判）：{sev}",
                 f"三、影响范围：涉及 {inc.persons} 人的个人信息（{_fields(inc, True)}）"
                 + ("，含敏感个人信息" if inc.sensitive else ""),
                 f"四、事件原因初步分析意见：{cause or '（调查中）'}",
                 f"五、已造成的影响和危害：{harm or '（评估中）'}",
                 "六、已采取的应急处置措施：", *[f"    {r}" for r in remedies],
                 "七、事态发展趋势及可能造成的进一步影响和危害：（填写）",
                 "八、拟进一步采取的应对措施以及请求支援事项：（填写）",
                 "九、时限：", *[f"    {d}" for d in due], ""]
    else:
        lines = [f"Cybersecurity incident report (first report, draft) — {inc.id}", "",
                 f"1. Reporting organisation: {operator or '(fill in)'}",
                 f"2. Detected: {detected}; type: personal information leak; severity (assessed): {sev}",
                 f"3. Scope: personal information of {inc.persons} people ({_fields(inc, False)})"
                 + (", sensitive information included" if inc.sensitive else ""),
                 f"4. Preliminary analysis of the cause: {cause or '(under investigation)'}",
                 f"5. Impact and harm so far: {harm or '(being assessed)'}",
                 "6. Emergency measures taken:", *[f"    {r}" for r in remedies],
                 "7. Expected development and further harm: (fill in)",
                 "8. Further measures planned, support requested: (fill in)",
                 "9. Deadlines:", *[f"    {d}" for d in due], ""]
    return "\n".join(lines)


def write_notices(inc: IncidentView, rules: Rules, out: Path, lang: str, operator: str, cause: str, harm: str,
                  contact: str) -> dict[str, Any]:
    """One letter per subject and the regulator draft, in a new folder written whole or not at all; returns counts."""
    with new_folder(out) as tmp:
        (tmp / "letters").mkdir()
        for s in inc.subjects:
            (tmp / "letters" / f"{s}.{lang}.txt").write_text(letter(inc, s, lang, cause, harm, contact), "utf-8")
        (tmp / f"regulator-report.{lang}.txt").write_text(regulator_draft(inc, rules, lang, operator, cause, harm),
                                                          "utf-8")
    return {"letters": len(inc.subjects), "folder": str(out)}
