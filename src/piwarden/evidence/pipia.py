"""A draft personal-information impact assessment (PIPL Art. 55-56) for one processing activity.

Drafted from what the system knows: the activity in the data map (purpose, legal basis, fields,
recipients, retention), each field's type, grade and sensitivity (``piwarden.entities``), what each
recipient receives in clear or masked and by which channel, the inventory, and the measures in
force with the Art. 51 checklist. What only a person can judge (necessity, cross-border transfer,
automated decisions, the residual risk) is listed as open questions, never answered for them.
The draft is sealed (signed manifest, as a pack) and kept with its date; Art. 56 asks for the
report and the processing records to be kept at least three years, so the draft says until when.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from piwarden import entities
from piwarden.evidence import measures as measures_mod
from piwarden.evidence.pack import PackError
from piwarden.forensics.attribution.datamap import MAX_BYTES, DataMap
from piwarden.formats import FormatError, check
from piwarden.inputs import InputError, read_text

KEEP_YEARS = 3  # PIPL Art. 56: the assessment report and the processing records kept at least three years
ART55 = {
    "sensitive": ("Art. 55(1): sensitive personal information is processed", "第五十五条第（一）项：处理敏感个人信息"),
    "provides": ("Art. 55(3): personal information is provided to other processors", "第五十五条第（三）项：向其他个人信息处理者提供个人信息"),
}


def load_activity(datamap: Path, activity: str) -> tuple[DataMap, dict[str, Any]]:
    try:
        if datamap.stat().st_size > MAX_BYTES:
            raise PackError(f"data map {datamap}: too large to be a data map (over {MAX_BYTES // 1_000_000} MB)")
        data = yaml.safe_load(read_text(datamap))
        check("data-map", data)
    except (InputError, FormatError) as exc:
        raise PackError(f"data map: {exc}") from None
    except OSError as exc:
        raise PackError(f"data map {datamap} cannot be read ({exc.strerror})") from None
    except yaml.YAMLError:
        raise PackError(f"data map {datamap} is not valid YAML or JSON") from None
    found = [p for p in data.get("processing") or [] if p.get("id") == activity]
    if not found:
        known = ", ".join(sorted(p.get("id", "?") for p in data.get("processing") or [])) or "none"
        raise PackError(f"the data map has no processing activity {activity!r} (it has: {known})")
    return DataMap.from_dict(data), found[0]


def _field(dm: DataMap, name: str) -> dict[str, Any]:
    kind = dm.fields.get(name)
    try:
        e = entities.get(kind) if kind else None
    except entities.UnknownEntityType:
        e = None
    return {"field": name, "entity": kind, "grade": f"L{int(e.grade)}" if e else "-",
            "sensitive": bool(e and e.sensitive), "zh": e.zh if e else name}


def draft(dm: DataMap, activity: dict[str, Any], measures: list[measures_mod.Measure],
          inventory: list[dict[str, Any]], today: date | None = None) -> dict[str, Any]:
    today = today or datetime.now(UTC).date()
    fields = [_field(dm, f) for f in activity.get("fields") or []]
    names = {f["field"] for f in fields}
    recipients = []
    for pid in activity.get("recipients") or []:
        p = dm.party(pid)
        recipients.append({"party": pid, "kind": p.kind, "channel": p.channel, "offline": p.offline,
                           "clear": sorted(p.receives & names), "masked": sorted(p.masked & names),
                           "beyond_activity": sorted(p.holds - names)})
    triggers = [k for k, hit in (("sensitive", any(f["sensitive"] for f in fields)),
                                 ("provides", any(not r["party"].startswith("platform") for r in recipients))) if hit]
    findings: list[dict[str, str]] = []
    for r in recipients:
        if r["offline"] and r["clear"]:
            findings.append({"en": f"{r['party']} receives {', '.join(r['clear'])} in clear on a {r['channel']} channel, "
                                   "which leaves no access log: consider privacy waybills (masked labels, virtual "
                                   "numbers).",
                             "zh": f"{r['party']} 通过{r['channel']}渠道以明文接收 {'、'.join(r['clear'])}，该渠道不留访问日志："
                                   "建议使用隐私面单（掩码、虚拟号）。"})
        if r["beyond_activity"]:
            findings.append({"en": f"{r['party']} also receives {', '.join(r['beyond_activity'])}, outside this "
                                   "activity's fields: is it needed for another documented activity?",
                             "zh": f"{r['party']} 还接收本活动字段之外的 {'、'.join(r['beyond_activity'])}：是否有其他已记录的处理活动需要？"})
    for f in fields:
        if f["sensitive"]:
            findings.append({"en": f"{f['field']} ({f['entity']}) is sensitive personal information: separate consent "
                                   "or another legal basis, and a stated necessity (Art. 28-29).",
                             "zh": f"{f['field']}（{f['zh']}）属敏感个人信息：需单独同意或其他合法性基础，并说明必要性（第二十八至二十九条）。"})
    retention = activity.get("retention_days")
    questions = [
        {"en": "Is each field necessary for the stated purpose, and is no less intrusive way available (Art. 6)?",
         "zh": "每个字段是否为实现所述目的所必需，是否有影响更小的方式（第六条）？"},
        {"en": "Does the activity involve automated decision-making about individuals (Art. 24, 55(2))?",
         "zh": "该活动是否涉及对个人的自动化决策（第二十四条、第五十五条第（二）项）？"},
        {"en": "Is any of the data transferred or accessible outside mainland China (Art. 38-40, 55(4))?",
         "zh": "是否有数据向境外提供或可从境外访问（第三十八至四十条、第五十五条第（四）项）？"},
        {"en": "Do the contracts with each recipient fix purpose, method, retention and deletion (Art. 21, 23)?",
         "zh": "与各接收方的约定是否明确处理目的、方式、保存期限及删除（第二十一条、第二十三条）？"},
        {"en": "What residual risk remains after the measures, and is it acceptable (Art. 56(3))?",
         "zh": "采取措施后的剩余风险为何，是否可接受（第五十六条第（三）项）？"},
    ]
    if retention is None:
        questions.append({"en": "No retention period is recorded: how long is the data kept (Art. 19)?",
                          "zh": "未记录保存期限：数据保存多久（第十九条）？"})
    keep_until = today.replace(year=today.year + KEEP_YEARS) if not (today.month == 2 and today.day == 29) else \
        today.replace(year=today.year + KEEP_YEARS, day=28)
    return {"activity": {k: activity.get(k) for k in ("id", "purpose", "legal_basis", "retention_days")},
            "fields": fields, "recipients": recipients,
            "required_because": [{"en": ART55[t][0], "zh": ART55[t][1]} for t in triggers],
            "findings": findings, "open_questions": questions,
            "measures": [m.to_json() for m in measures], "art51": measures_mod.checklist(measures),
            "inventory_assets": len(inventory),
            "assessed": today.isoformat(), "keep_until": keep_until.isoformat()}
