"""What the internet courts look at in hash-anchored electronic evidence, and what a pack shows for each.

The Online Litigation Rules of the people's courts (人民法院在线诉讼规则, 2021, Art. 16-19) let a
court accept electronic data whose hash was anchored outside the party's control, once checked,
unless the other side shows otherwise; the review turns on the data's origin (who produced and
anchored it, and how it was stored before anchoring), its integrity since anchoring, and the
time it was anchored. The items below are paraphrases for orientation, not quotations; each
says what the pack holds for it and whether it is fully met, partly, or not at all.
"""

from __future__ import annotations

from typing import Any


def checklist(doc: dict[str, Any]) -> list[dict[str, Any]]:
    cp = doc["checkpoint"]
    witnessed = cp.get("cosigned_by") or []
    stamps = int(cp.get("timestamps") or 0)
    complete = doc.get("basis") == "range"
    origin = "met" if witnessed else "partly"
    time_ = "met" if witnessed or stamps else "partly"
    return [
        {"item": "origin", "rule": "Art. 16, 18",
         "title": {"en": "Origin: who produced the data and how it was kept before it was anchored",
                   "zh": "来源：数据由谁生成、锚定前如何存储"},
         "met": origin,
         "shown": {"en": f"Every access event was written by the platform's systems as it happened and is a leaf of "
                         f"its append-only log, signed with key {doc.get('key_id')}; "
                         + (f"the checkpoint is cosigned by {', '.join(witnessed)}, outside the platform's control."
                            if witnessed else "no witness outside the platform has cosigned this checkpoint "
                                              "(configure audit.witness_url / witness_dir)."),
                   "zh": f"每条访问事件均由平台系统在访问发生时写入只增日志并成为其叶子，以密钥 {doc.get('key_id')} 签名；"
                         + (f"检查点已由平台控制之外的 {'、'.join(witnessed)} 联署。" if witnessed
                            else "尚无平台之外的见证方联署本检查点（可配置 audit.witness_url / witness_dir）。")}},
        {"item": "integrity", "rule": "Art. 16, 17",
         "title": {"en": "Integrity: the data is unchanged since it was anchored, checked technically",
                   "zh": "完整性：锚定后未被篡改，经技术核验一致"},
         "met": "met",
         "shown": {"en": "RFC 9162 inclusion proof for every event against the signed checkpoint; "
                         + ("every leaf of the period rebuilds the signed root (nothing left out); " if complete else
                            "the subject's events from the index (the range was too large to include); ")
                         + "SHA-256 of every file under the platform's signature; the verifier ships in the pack.",
                   "zh": "每条事件附 RFC 9162 包含证明，对应已签名检查点；"
                         + ("期间全部叶子可重建签名根（无遗漏）；" if complete else "该个人事件取自索引（区间过大未全部收录）；")
                         + "每个文件的 SHA-256 在平台签名之下；验证程序随包提供。"}},
        {"item": "time", "rule": "Art. 16, 17",
         "title": {"en": "Time: when the data existed in this form", "zh": "时间：数据以此形态存在的时间"},
         "met": time_,
         "shown": {"en": f"Checkpoint signed at {cp.get('signed')}; RFC 3161 time stamps on it: {stamps}; "
                         f"witness cosignatures (each with its time): {len(witnessed)}.",
                   "zh": f"检查点签名时间 {cp.get('signed')}；RFC 3161 时间戳 {stamps} 个；见证方联署（各带时间）"
                         f"{len(witnessed)} 个。"}},
        {"item": "review", "rule": "Art. 19",
         "title": {"en": "Technical review on request", "zh": "应请求进行技术核查"},
         "met": "met",
         "shown": {"en": "`python3 verify_pack.py` re-checks every proof, signature and statement offline with public "
                         "algorithms (Ed25519, SHA-256, RFC 9162); any changed byte is named.",
                   "zh": "`python3 verify_pack.py` 可离线以公开算法（Ed25519、SHA-256、RFC 9162）复核全部证明、签名与声明；"
                         "任何被改动的字节均会被指明。"}},
    ]
