"""The pack for people: one list of blocks (headings, paragraphs, tables), drawn as HTML and as PDF.

Both renderings come from ``blocks`` so the HTML and the PDF say the same thing. The PDF embeds a
subset of Noto Sans CJK (``piwarden.fonts``) so that its Chinese text extracts with
``pdftotext``; the HTML is one file with its style inline, readable offline.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from piwarden.fonts import find_cjk_fonts

MAX_ROWS = 2_000  # accesses drawn per rendering; all of them are in pack.json and events.jsonl
FAST_ROWS = 60  # PDF tables longer than this are drawn one line per row

L = {
    "title": ("Evidence pack: protection of a person's information", "个人信息保护证据包"),
    "subject": ("Subject", "个人信息主体"), "period": ("Period", "期间"), "created": ("Built", "生成时间"),
    "all_time": ("the whole log", "日志全部期间"),
    "checkpoint": ("Audit log checkpoint", "审计日志检查点"),
    "s_where": ("1. Where the subject's data lives and who receives it", "一、个人信息存储位置与流向"),
    "inventory": ("Inventory (stores and columns holding personal information)", "数据清单（含个人信息的存储与字段）"),
    "no_inventory": ("No scan inventory in the system.", "系统中没有扫描清单。"),
    "datamap": ("Data map: which parties receive which fields", "数据流向：各方接收的字段"),
    "no_datamap": ("No data map given.", "未提供数据流向图。"),
    "s_measures": ("2. Protective measures in force (PIPL Art. 51)", "二、已实施的保护措施（《个人信息保护法》第五十一条）"),
    "s_access": ("3. Every access to the subject's data, with proofs", "三、对该个人信息的全部访问及其证明"),
    "s_claims": ("4. Statements, each re-checkable from the proven events", "四、结论性声明（均可由已证明的事件复核）"),
    "s_findings": ("5. Leak analysis", "五、泄露溯源分析"),
    "s_timeline": ("6. Timeline", "六、时间线"),
    "s_verify": ("7. How to verify this pack", "七、如何验证本证据包"),
    "s_rules": ("8. What the courts' electronic-evidence review looks at", "八、电子数据审查要点对照（《人民法院在线诉讼规则》）"),
    "rules_note": ("Paraphrased from the Online Litigation Rules of the people's courts (2021), Art. 16-19; for "
                   "orientation, not legal advice.", "据《人民法院在线诉讼规则》（2021）第十六条至第十九条概括，仅供参考，非法律意见。"),
    "no_findings": ("No leak case attached.", "未附泄露案例。"),
    "holders": ("Parties holding every leaked field", "持有全部泄露字段的各方"),
    "candidates": ("Ranking of who leaked, with the reasoning", "泄露来源排序及推理"),
    "yes": ("yes", "是"), "no": ("no", "否"), "holds": ("holds", "成立"), "fails": ("does not hold", "不成立"),
    "range_basis": ("Checked over every event of leaves {a}..{b} (a complete range: none can be missing).",
                    "基于第 {a} 至 {b} 号叶子的全部事件核验（完整区间：不可能遗漏）。"),
    "index_basis": ("Checked over the subject's events found by the platform's index (the range was too large to "
                    "include).", "基于平台索引查得的该个人事件核验（区间过大，未全部收录）。"),
    "more_rows": ("{n} more accesses are in pack.json and events.jsonl.", "另有 {n} 次访问见 pack.json 与 events.jsonl。"),
    "verify_text": ("Run `python3 verify_pack.py` in this folder (needs only Python and the `cryptography` package), "
                    "or `piwarden evidence verify PACK`. Compare the key id below with the platform's published key.",
                    "在本目录运行 `python3 verify_pack.py`（仅需 Python 与 cryptography 包），或 `piwarden evidence verify "
                    "PACK`。请将下列密钥标识与平台公布的公钥比对。"),
}
H = {
    "inventory": (("store", "asset", "grade", "PI columns"), ("存储", "表/文件", "级别", "个人信息字段")),
    "datamap": (("party", "kind", "channel", "in clear", "masked"), ("接收方", "类型", "渠道", "明文", "掩码")),
    "art51": (("item", "requirement", "met", "proof"), ("条款", "要求", "是否满足", "证明")),
    "measures": (("measure", "in force", "evidence from the system"), ("措施", "是否实施", "系统中的证据")),
    "access": (("time", "actor", "party", "role", "action", "result", "in clear", "masked", "ticket", "leaf"),
               ("时间", "操作人", "所属方", "角色", "操作", "结果", "明文字段", "掩码字段", "工单", "叶子")),
    "claims": (("id", "statement", "result", "events"), ("编号", "声明", "结论", "事件数")),
    "holders": (("party", "channel", "fit", "fields beyond the leak"), ("接收方", "渠道", "吻合度", "泄露之外的字段")),
    "candidates": (("rank", "party", "actor", "score", "reasoning"), ("排序", "接收方", "操作人", "得分", "推理")),
    "timeline": (("time", "what"), ("时间", "事件")),
    "rules": (("point", "rule", "met", "what the pack shows"), ("要点", "条款", "满足情况", "本包所示")),
}


def _t(key: str, lang: str) -> str:
    return L[key][lang == "zh"]


def _h(key: str, lang: str) -> tuple[str, ...]:
    return H[key][lang == "zh"]


def _tr(d: Any, lang: str) -> str:
    """A {"en", "zh"} text in the pack's language."""
    return str(d.get(lang) or d.get("en", "")) if isinstance(d, dict) else str(d)


def _join(items: Any) -> str:
    return ", ".join(str(x) for x in items) if items else "-"


def blocks(doc: dict[str, Any], events: dict[int, dict[str, Any]]) -> list[tuple[Any, ...]]:
    """The report as blocks: ("h1"|"h2"|"h3"|"p", text) and ("table", headers, rows)."""
    if doc.get("kind") == "incident":
        return _incident_blocks(doc, events)
    if doc.get("kind") == "pipia":
        return _pipia_blocks(doc)
    if doc.get("kind") == "leak":
        return _leak_blocks(doc)
    lang = doc.get("lang", "zh")
    cp = doc["checkpoint"]
    period = doc["period"]
    span = (f"{period['since'] or '…'} – {period['until'] or '…'}" if period["since"] or period["until"]
            else _t("all_time", lang))
    out: list[tuple[Any, ...]] = [
        ("h1", _t("title", lang)),
        ("table", ("", ""), [(_t("subject", lang), doc["subject"]), (_t("period", lang), span),
                             (_t("created", lang), doc["created"]),
                             (_t("checkpoint", lang), f"{cp['origin']} · size {cp['size']} · root {cp['root']}")]),
        ("h2", _t("s_where", lang)), ("h3", _t("inventory", lang))]
    if doc["inventory"]:
        out.append(("table", _h("inventory", lang),
                    [(a["store"], a["asset"], a["grade"], _join(f"{c['column']} ({c['entity']}, {c['grade']})"
                                                                for c in a["columns"])) for a in doc["inventory"]]))
    else:
        out.append(("p", _t("no_inventory", lang)))
    out.append(("h3", _t("datamap", lang)))
    if doc["datamap"]:
        out.append(("table", _h("datamap", lang), [(p["party"], p["kind"], p["channel"] or "-", _join(p["receives"]),
                                                    _join(p["masked_all"])) for p in doc["datamap"]]))
    else:
        out.append(("p", _t("no_datamap", lang)))
    out += _measures(doc, lang, _t("s_measures", lang))
    out.append(("h2", _t("s_access", lang)))
    rows = []
    for a in doc["accesses"][:MAX_ROWS]:
        e = events.get(a["leaf"], {})
        clear = sorted(set(e.get("fields") or ()) - set(e.get("masked_fields") or ()))
        rows.append((e.get("ts", ""), e.get("actor", ""), e.get("party", ""), e.get("role", ""), e.get("action", ""),
                     e.get("result", "allowed"), _join(clear), _join(e.get("masked_fields")), e.get("ticket") or "-",
                     str(a["leaf"])))
    out.append(("table", _h("access", lang), rows))
    if len(doc["accesses"]) > MAX_ROWS:
        out.append(("p", _t("more_rows", lang).format(n=len(doc["accesses"]) - MAX_ROWS)))
    counts = Counter(str(events.get(a["leaf"], {}).get("party")) for a in doc["accesses"])
    out.append(("p", "; ".join(f"{p}: {n}" for p, n in counts.most_common())))
    docs = doc.get("documents") or {}
    if any(docs.get(k) for k in ("registered", "copies", "checks")):
        zh = lang == "zh"
        out.append(("h3", "证件材料：登记、加盖水印的副本及其接收方、复用检测" if zh else
                    "Certification documents: registered, stamped copies and who received them, reuse checks"))
        if docs.get("registered"):
            out.append(("table", ("文件", "账号") if zh else ("document", "account"),
                        [(r["doc"], r["account"]) for r in docs["registered"]]))
        if docs.get("copies"):
            out.append(("table", ("时间", "接收方（下载者）", "水印编号", "用途", "叶子") if zh else
                        ("time", "recipient (downloaded by)", "mark", "purpose", "leaf"),
                        [(c["ts"], f"{c['recipient']} ({c['party']})", c["mark"], c["purpose"] or "-", str(c["leaf"]))
                         for c in docs["copies"]]))
        if docs.get("checks"):
            verdict = {"reused": ("reuse detected", "检测到复用"), "clear": ("no reuse", "未复用")}
            out.append(("table", ("时间", "结论", "提交账号", "声称主体", "匹配到的主体", "叶子") if zh else
                        ("time", "result", "account", "claimed subject", "matched subjects", "leaf"),
                        [(c["ts"], verdict.get(c["result"], (c["result"],) * 2)[zh], c["account"] or "-",
                          c["claimed_subject"] or "-", _join(c["matches"]), str(c["leaf"])) for c in docs["checks"]]))
    out.append(("h2", _t("s_claims", lang)))
    out.append(("p", _t("range_basis", lang).format(a=doc["range"][0], b=doc["range"][1] - 1) if doc["basis"] == "range"
                else _t("index_basis", lang)))
    out.append(("table", _h("claims", lang), [(c["id"], _tr(c["text"], lang), _t("holds" if c["holds"] else "fails", lang),
                                               str(len(c["matches"]))) for c in doc["claims"]]))
    out.append(("h2", _t("s_findings", lang)))
    f = doc.get("findings") or {}
    if not f:
        out.append(("p", _t("no_findings", lang)))
    else:
        if f.get("summary"):
            out.append(("p", _tr(f["summary"], lang)))
        if f.get("holders") is not None:
            out += [("h3", _t("holders", lang)),
                    ("table", _h("holders", lang), [(h["party"], h["channel"] or "-", f"{h['fit']:.2f}",
                                                     _join(h["extra_fields"])) for h in f["holders"]])]
        if f.get("candidates"):
            out += [("h3", _t("candidates", lang)),
                    ("table", _h("candidates", lang), [(str(i), c["party"], c.get("actor") or "-", f"{c['score']:.3f}",
                                                        " ".join(c.get("evidence") or ()))
                                                       for i, c in enumerate(f["candidates"][:5], 1)])]
    out.append(("h2", _t("s_timeline", lang)))
    tl = []
    for item in doc["timeline"][:MAX_ROWS]:
        if item["kind"] == "access":
            what = (f"{item['actor']} ({item['party']}) {item['action']} → {item['result']}; "
                    f"{'clear' if lang != 'zh' else '明文'}: {_join(item['clear'])}")
        elif item["kind"] == "checkpoint":
            what = "checkpoint signed" if lang != "zh" else "检查点签名"
        else:
            what = (f"cosigned by {item['witness']}" if lang != "zh" else f"见证方 {item['witness']} 联署")
        tl.append((item["ts"], what))
    out.append(("table", _h("timeline", lang), tl))
    return out + _tail(doc, lang, _t("s_verify", lang), _t("s_rules", lang))


def _measures(doc: dict[str, Any], lang: str, heading: str) -> list[tuple[Any, ...]]:
    return [("h2", heading),
            ("table", _h("art51", lang), [(a["item"], _tr(a["title"], lang), _t("yes" if a["met"] else "no", lang),
                                           _join(a["measures"])) for a in doc["art51"]]),
            ("table", _h("measures", lang), [(_tr(m["title"], lang), _t("yes" if m["in_force"] else "no", lang),
                                              " ".join(_tr(d, lang) for d in m["detail"])) for m in doc["measures"]])]


def _tail(doc: dict[str, Any], lang: str, verify: str, rules: str) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = [("h2", verify), ("p", _t("verify_text", lang)), ("p", f"key: {doc.get('key_id', '')}")]
    if doc.get("litigation"):
        met = {"met": ("met", "满足"), "partly": ("partly", "部分满足"), "no": ("no", "不满足")}
        out += [("h2", rules), ("p", _t("rules_note", lang)),
                ("table", _h("rules", lang), [(_tr(i["title"], lang), i["rule"], met[i["met"]][lang == "zh"],
                                               _tr(i["shown"], lang)) for i in doc["litigation"]])]
    return out


def _leak_blocks(doc: dict[str, Any]) -> list[tuple[Any, ...]]:
    lang = doc.get("lang", "zh")
    zh = lang == "zh"
    lk, cp = doc["leak"], doc["checkpoint"]
    out: list[tuple[Any, ...]] = [
        ("h1", "个人信息泄露案件证据包" if zh else "Evidence pack: a personal information leak"),
        ("table", ("", ""), [("泄露样本" if zh else "Leak sample", f"{lk['file']} ({lk['format']})"),
                             ("行数" if zh else "Rows", f"{lk['rows']} ({lk['matched_rows']} matched, "
                                                        f"{lk['unmatched_rows']} not)"),
                             ("涉及客户" if zh else "Customers matched", str(len(lk["subjects"]))),
                             ("泄露字段" if zh else "Fields leaked", _join(lk["fields"]) + " (clear: " +
                              _join(lk["clear"]) + ")"),
                             (_t("checkpoint", lang), f"{cp['origin']} · size {cp['size']} · root {cp['root']}")]),
        ("h2", "一、谁持有全部泄露字段" if zh else "1. Who held every leaked field"),
        ("table", _h("holders", lang), [(h["party"], h["channel"] or "-", f"{h['fit']:.2f}", _join(h["extra_fields"]))
                                        for h in doc["holders"]]),
        ("h2", "二、泄露来源排序及推理" if zh else "2. Who leaked it: ranking and reasoning"),
        ("table", _h("candidates", lang), [(str(i), c["party"], c.get("actor") or "-", f"{c['score']:.3f}",
                                            " ".join(c.get("evidence") or ())) for i, c in
                                           enumerate(doc["candidates"][:5], 1)]),
        ("h2", "三、平台日志：谁以明文看到过每位客户的全部泄露字段" if zh else
         "3. The platform's log: who saw each customer's whole leaked set in clear"),
        ("p", _t("range_basis", lang).format(a=doc["range"][0], b=doc["range"][1] - 1) if doc["basis"] == "range"
         else _t("index_basis", lang)),
        ("table", _h("claims", lang), [(c["id"], _tr(c["text"], lang), _t("holds" if c["holds"] else "fails", lang),
                                        str(len(c["matches"]))) for c in doc["claims"]]),
        ("p", ("按接收方统计（看到全部泄露字段的客户数）：" if zh else "By party (customers whose whole leaked set it saw): ")
         + ("; ".join(f"{p}: {n}" for p, n in doc["saw_everything"].items()) or ("无" if zh else "none")))]
    out += _measures(doc, lang, "四、已实施的保护措施" if zh else "4. Protective measures in force")
    return out + _tail(doc, lang, "五、如何验证本证据包" if zh else "5. How to verify this pack",
                       "六、电子数据审查要点对照（《人民法院在线诉讼规则》）" if zh else
                       "6. What the courts' electronic-evidence review looks at")


def _pipia_blocks(doc: dict[str, Any]) -> list[tuple[Any, ...]]:
    lang = doc.get("lang", "zh")
    zh = lang == "zh"
    a = doc["activity"]
    out: list[tuple[Any, ...]] = [
        ("h1", "个人信息保护影响评估报告（草稿）" if zh else "Personal information protection impact assessment (draft)"),
        ("table", ("", ""), [("处理活动" if zh else "Activity", str(a["id"])), ("目的" if zh else "Purpose",
                                                                           str(a.get("purpose") or "-")),
                             ("合法性基础" if zh else "Legal basis", str(a.get("legal_basis") or "-")),
                             ("保存期限（天）" if zh else "Retention (days)", str(a.get("retention_days") or "-")),
                             ("评估日期" if zh else "Assessed", doc["assessed"]),
                             ("保存至（第五十六条：至少三年）" if zh else "Keep until (Art. 56: three years at least)",
                              doc["keep_until"])]),
        ("h2", "一、为何需要评估（第五十五条）" if zh else "1. Why an assessment is required (Art. 55)"),
        ("p", "；".join(_tr(r, lang) for r in doc["required_because"]) or ("未触发第五十五条所列情形。" if zh else
                                                                           "None of Art. 55's cases applies.")),
        ("h2", "二、处理的个人信息" if zh else "2. The personal information processed"),
        ("table", ("字段", "类型", "级别", "敏感") if zh else ("field", "type", "grade", "sensitive"),
         [(f["field"], f["entity"] or "-", f["grade"], ("是" if f["sensitive"] else "否") if zh else
           ("yes" if f["sensitive"] else "no")) for f in doc["fields"]]),
        ("h2", "三、接收方与渠道" if zh else "3. Recipients and channels"),
        ("table", ("接收方", "渠道", "明文", "掩码", "本活动之外的字段") if zh else
         ("recipient", "channel", "in clear", "masked", "beyond this activity"),
         [(r["party"], r["channel"] or "-", _join(r["clear"]), _join(r["masked"]), _join(r["beyond_activity"]))
          for r in doc["recipients"]]),
        ("h2", "四、影响与风险（第五十六条第（二）项）" if zh else "4. Impact and risks (Art. 56(2))"),
        *[("p", "· " + _tr(f, lang)) for f in doc["findings"]]]
    out += _measures(doc, lang, "五、保护措施（第五十六条第（三）项）" if zh else "5. Measures (Art. 56(3))")
    out += [("h2", "六、待评估人回答的问题" if zh else "6. Open questions for the assessor"),
            *[("p", f"{i}. " + _tr(q, lang)) for i, q in enumerate(doc["open_questions"], 1)]]
    return out + _tail(doc, lang, "七、如何验证" if zh else "7. How to verify", "")


def _incident_blocks(doc: dict[str, Any], events: dict[int, dict[str, Any]]) -> list[tuple[Any, ...]]:
    lang = doc.get("lang", "zh")
    zh = lang == "zh"
    inc, cp = doc["incident"], doc["checkpoint"]
    out: list[tuple[Any, ...]] = [
        ("h1", "个人信息安全事件证据包" if zh else "Evidence pack: personal information security incident"),
        ("table", ("", ""), [("事件" if zh else "Incident", f"{inc['id']} · {inc['title']}"),
                             ("来源" if zh else "Source", inc["source"]),
                             ("级别" if zh else "Severity", _tr(inc["severity_name"], lang)),
                             ("涉及人数" if zh else "People affected", str(inc["persons"])),
                             ("涉及信息" if zh else "Information involved", _join(inc["fields"])),
                             ("发现时间" if zh else "Detected", inc["detected"]),
                             ("关闭时间" if zh else "Closed", inc["closed"] or "-"),
                             (_t("checkpoint", lang), f"{cp['origin']} · size {cp['size']} · root {cp['root']}")]),
        ("h2", "一、时限及其依据" if zh else "1. Deadlines and where they come from"),
        ("table", ("时限", "对象", "截止", "完成", "状态", "依据") if zh else
         ("deadline", "to", "due", "done", "status", "source"),
         [(_tr(c["what"], lang), _tr(c["to"], lang), c["due"] or ("立即" if zh else "immediately"), c["done"] or "-",
           c["status"], f"{c['source']}：“{c['quote']}”" if zh else f"{c['source']}: \"{c['quote']}\"")
          for c in doc["clocks"]]),
        ("h2", "二、处置步骤（均有审计日志证明）" if zh else "2. Steps taken, each proved in the audit log"),
        ("table", ("时间", "步骤", "详情", "事件", "叶子") if zh else ("time", "step", "detail", "event", "leaf"),
         [(s["at"], s["kind"], ", ".join(f"{k}={v}" for k, v in s["detail"].items()), s["event_id"] or "-",
           str(s["leaf"]) if s["leaf"] is not None else "-") for s in doc["steps"]]),
        ("p", (f"受影响的个人（编号）：{len(doc['subjects'])} 名，见 pack.json。" if zh else
               f"People affected (ids): {len(doc['subjects'])}, listed in pack.json."))]
    out += _measures(doc, lang, "三、事件发生时已实施的保护措施" if zh else "3. Protective measures in force")
    return out + _tail(doc, lang, "四、如何验证本证据包" if zh else "4. How to verify this pack",
                       "五、电子数据审查要点对照（《人民法院在线诉讼规则》）" if zh else
                       "5. What the courts' electronic-evidence review looks at")


_ENV = Environment(loader=PackageLoader("piwarden.evidence", "templates"), autoescape=select_autoescape(["html"]))


def render_html(doc: dict[str, Any], events: dict[int, dict[str, Any]]) -> str:
    return _ENV.get_template("report.html").render(doc=doc, blocks=blocks(doc, events),
                                                   lang="zh-CN" if doc.get("lang") == "zh" else "en")


def render_pdf(doc: dict[str, Any], events: dict[int, dict[str, Any]]) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    fonts = find_cjk_fonts()
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_creator("piwarden")
    pdf.set_title(_t("title", doc.get("lang", "zh")))
    pdf.add_font("cjk", "", str(fonts.regular.path), collection_font_number=fonts.regular.index)
    pdf.add_font("cjk", "B", str(fonts.bold.path), collection_font_number=fonts.bold.index)
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    sizes = {"h1": 16, "h2": 13, "h3": 11, "p": 9}
    for b in blocks(doc, events):
        if b[0] == "table" and len(b[2]) > FAST_ROWS:
            _fast_table(pdf, b[1], [tuple(map(str, r)) for r in b[2]])
        elif b[0] == "table":
            headers, rows = b[1], b[2]
            if not rows:
                continue
            pdf.set_font("cjk", "", 7)
            with pdf.table(headings_style=FontFace(emphasis="BOLD"), first_row_as_headings=any(headers),
                           line_height=4, text_align="LEFT") as table:
                for row in ([headers] if any(headers) else []) + [tuple(map(str, r)) for r in rows]:
                    table.row(row)
            pdf.ln(2)
        else:
            pdf.set_font("cjk", "B" if b[0] != "p" else "", sizes[b[0]])
            pdf.multi_cell(0, sizes[b[0]] * 0.55, b[1])
            pdf.ln(1)
    return bytes(pdf.output())


def _fit(pdf: Any, text: str, width: float) -> str:
    """``text`` cut (with an ellipsis) to ``width``; the full text is in the HTML and pack.json."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:max(1, int(len(text) * 0.9)) - 1] if len(text) > 8 else text[:-1]
    return text + "…"


def _fast_table(pdf: Any, headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """Long tables (accesses, timeline) as one line per row: fpdf2's wrapping tables take ~15 ms a row."""
    pdf.set_font("cjk", "", 6)
    sample = [headers, *rows[:200]]
    natural = [max(pdf.get_string_width(r[k]) for r in sample) + 2 for k in range(len(headers))]
    scale = min(1.0, pdf.epw / sum(natural))
    widths = [w * scale for w in natural]
    height = 3.6
    for k, row in enumerate([headers, *rows]):
        pdf.set_font("cjk", "B" if k == 0 else "", 6)
        if pdf.will_page_break(height):
            pdf.add_page()
        for text, w in zip(row, widths, strict=True):
            pdf.cell(w, height, _fit(pdf, text, w - 1), border=1)
        pdf.ln(height)
    pdf.ln(2)


def render(doc: dict[str, Any], events: dict[int, dict[str, Any]], folder: Path, formats: tuple[str, ...]) -> None:
    """Write report.html / report.pdf into the pack folder."""
    if "html" in formats:
        (folder / "report.html").write_text(render_html(doc, events), "utf-8")
    if "pdf" in formats:
        (folder / "report.pdf").write_bytes(render_pdf(doc, events))
