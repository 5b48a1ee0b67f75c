"""ADDRESS (and PERSON) before and after the address parser, on the dev split and on platform text.

    python benchmarks/address_eval.py [--data-dir ../shared/data] [--n 400] [--seed 1]

Systems (all on the full Analyzer with the trained model, as ``piwarden detect --names``):
*before*: the model's spans as they come, no AddressRecognizer; *after*: the model's ADDRESS
spans made whole and the addresses it missed added (``ner.recognizer.whole_addresses``), and
the AddressRecognizer beside it. Without the model: the rules before (no ADDRESS at all) and
after (the AddressRecognizer enabled, as ``enabled: all, disabled: [NameAddressRecognizer]``).

Data: the dev split of the four shared sets (``piwarden ner eval``'s, split seed 20260301), and
a check set written here, independent of ``piwarden.demo.textgen``: Faker ``zh_CN`` names and
addresses, as Faker writes them (made-up divisions, ``b座 469074``) and built from real divisions
down to the room, some without province or city, in waybill, chat, call-note and form sentences.
Prints exact and overlap F1 per type; the check set's numbers per seed (dev seeds 1-5,
held-out 101-103).
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
try:
    import piwarden  # noqa: F401
except ImportError:
    sys.path.insert(0, str(REPO / "src"))

from faker import Faker  # noqa: E402

from piwarden.detect import Analyzer  # noqa: E402
from piwarden.detect.address.divisions import divisions  # noqa: E402
from piwarden.detect.evaluate import score  # noqa: E402
from piwarden.detect.ner import data  # noqa: E402
from piwarden.detect.ner.recognizer import NameAddressRecognizer  # noqa: E402
from piwarden.detect.registry import load_recognizers  # noqa: E402

SPLIT_SEED = 20260301


class _Before(NameAddressRecognizer):
    whole_addresses = False


def analyzers() -> dict[str, Analyzer]:
    rules = load_recognizers("enabled: all\ndisabled: [NameAddressRecognizer]\n")
    plain = [r for r in rules if r.name != "AddressRecognizer"]
    return {"model before": Analyzer([_Before(), *plain]), "model after": Analyzer([NameAddressRecognizer(), *rules]),
            "rules before": Analyzer(plain), "rules after": Analyzer(rules)}


def _real_address(r: random.Random, f: Faker) -> str:
    table = divisions()
    counties = [d for ds in table.full.values() for d in ds if d.level == 3 and d.city]
    d = r.choice(counties)
    prov = "" if d.province == d.city else d.province
    head = r.choice([prov + d.city + d.name, d.city + d.name, d.name, prov + d.city + d.name])
    road = f.street_name() + f"{r.randint(1, 999)}号"
    tail = r.choice(["", f"{f.last_name()}{r.choice(['家园', '花园', '小区', '公寓'])}{r.randint(1, 30)}栋"
                         f"{r.randint(1, 6)}单元{r.randint(1, 30)}{r.randint(1, 4):02d}室",
                     f"{r.randint(1, 20)}号楼{r.randint(101, 2404)}室"])
    return head + road + tail


TEMPLATES = [
    "收件人：{P}\n电话：{T}\n收货地址：{A}\n",
    "【运单】寄件人{P} {T} 寄件地址{A}",
    "买家：你好，麻烦发到{A}，收件人{P}，电话{T}，谢谢",
    "客服：亲，已为您修改地址为{A}，联系人{P}。",
    "来电记录：客户{P}来电，称包裹未送达，地址为{A}，回拨号码{T}。",
    "通话备注：{P}女士要求改派至{A}",
    "姓名：{P}；联系电话：{T}；联系地址：{A}；",
    "{\"receiver\": \"{P}\", \"address\": \"{A}\", \"phone\": \"{T}\"}",
    "外卖订单：{A}，{P}，尾号{N}",
    "我是{P}，我家住在{A}，快递放门口就行",
]


def check_set(seed: int, n: int) -> list[dict]:
    r, f = random.Random(seed), Faker("zh_CN")
    f.seed_instance(seed)
    out = []
    for i in range(n):
        tpl = r.choice(TEMPLATES)
        values = {"P": f.name(), "A": f.address() if r.random() < 0.4 else _real_address(r, f),
                  "T": f.phone_number(), "N": f"{r.randint(0, 9999):04d}"}
        text, spans, pos = "", [], 0
        while pos < len(tpl):
            j = tpl.find("{", pos)
            if j < 0 or tpl[j + 1 : j + 3] not in ("P}", "A}", "T}", "N}"):
                k = len(tpl) if j < 0 else j + 1
                text += tpl[pos:k]
                pos = k
                continue
            text += tpl[pos:j]
            key, value = tpl[j + 1], values[tpl[j + 1]]
            if key in "PA":
                spans.append({"start": len(text), "end": len(text) + len(value), "label": "PERSON" if key == "P" else "ADDRESS"})
            text += value
            pos = j + 3
        out.append({"id": f"check-{seed}-{i}", "text": text, "spans": spans})
    return out


def report(name: str, gold: list[dict], systems: dict[str, Analyzer], labels: tuple[str, ...]) -> None:
    texts = [g["text"] for g in gold]
    for sys_name, analyzer in systems.items():
        preds = analyzer.analyze_batch(texts)
        rep = score(gold, preds, labels=labels)
        cells = []
        for lab in labels:
            e, o = rep.exact.per_label[lab], rep.overlap.per_label[lab]
            cells.append(f"{lab} exact P/R/F1 {e.precision:.3f}/{e.recall:.3f}/{e.f1:.3f} overlap {o.precision:.3f}/{o.recall:.3f}/{o.f1:.3f}")
        print(f"{name:24} {sys_name:13} " + " | ".join(cells), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", type=Path, default=REPO.parent.parent / "shared" / "data")
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--seeds", default="1,2,3,4,5")
    ap.add_argument("--skip-dev", action="store_true")
    ap.add_argument("--textgen", type=int, default=0, metavar="N",
                    help="also N Chinese records of piwarden.demo.textgen, seed 424242 (never used in training)")
    args = ap.parse_args()
    if not args.data_dir.is_dir():
        args.data_dir = Path("/work/shared/data")
    systems = analyzers()
    if not args.skip_dev:
        _, dev = data.split(data.load_sets(args.data_dir), SPLIT_SEED)
        for name, recs in dev.items():
            labels = ("PERSON", "ADDRESS") if name.startswith(("zh_cluener", "zh_bdci", "en_")) else ("PERSON",)
            report(name, recs, systems, labels)
    if args.textgen:
        from piwarden.demo.textgen import generate

        report("textgen zh 424242", list(generate(args.textgen, seed=424242, lang="zh")), systems, ("PERSON", "ADDRESS"))
    for seed in (int(s) for s in args.seeds.split(",")):
        report(f"check set seed {seed}", check_set(seed, args.n), systems, ("PERSON", "ADDRESS"))


if __name__ == "__main__":
    main()
