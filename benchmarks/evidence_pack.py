"""Evidence pack build and verify times for a subject with many access events (issue 20's targets).

A log of ``--events`` access events (SQLite) in which ``--subject-events`` concern one subject, spread
over the period; the pack is built with the complete range (every leaf of the period) and then with
the subject's events only (``--max-range 0``), and each is verified. The targets: a subject with 10,000
access events builds in under 30 s and verifies in under 10 s. Beside them, as the anchor, the time to
export the whole log as an audit bundle and verify it (`piwarden audit export` / `verify`), which is what
a platform without packs would hand over.

    .venv/bin/python benchmarks/evidence_pack.py --events 100000 --subject-events 10000 --repeats 3
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from piwarden.audit.bundle import export_bundle
from piwarden.audit.log import open_log
from piwarden.audit.signer import signer_from_settings
from piwarden.audit.verify import verify_bundle
from piwarden.evidence import SubjectRequest, build_subject_pack, verify_pack
from piwarden.settings import load_settings, use_settings


def _events(n: int, mine: int):  # type: ignore[no-untyped-def]
    every = max(1, n // mine)
    for i in range(n):
        subject = "c-bench" if i % every == 0 and i // every < mine else f"c-{i % 5000:05d}"
        day, sec = divmod(i * 86400 * 30 // n, 86400)
        yield {"id": f"e-{i}", "ts": f"2026-03-{1 + day:02d}T{sec // 3600:02d}:{sec // 60 % 60:02d}:{sec % 60:02d}+08:00",
               "actor": f"a-{i % 97}", "party": ("platform.cs", "merchant:M0001", "platform.ops", "logistics:SF")[i % 4],
               "role": "customer_service", "action": ("view", "search", "reveal", "export")[i % 4],
               "resource": "order", "subjects": [subject], "fields": ["name", "phone", "address"],
               "masked_fields": ["phone"] if i % 3 else [], "ticket": f"T-{i % 1000}" if i % 2 else None}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--subject-events", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="evidence-bench-"))
    url = f"sqlite:///{work / 'piwarden.db'}"
    settings = load_settings(home=work / "home")
    with use_settings(settings):
        with open_log(url) as log:
            batch: list[dict[str, object]] = []
            for e in _events(args.events, args.subject_events):
                batch.append({k: v for k, v in e.items() if v is not None})
                if len(batch) == 10_000:
                    log.append_many(batch)
                    batch = []
            if batch:
                log.append_many(batch)
        rows: dict[str, list[float]] = {}
        for r in range(args.repeats):
            for label, max_range in (("range", 10_000_000), ("index", 0)):
                out = work / f"pack-{label}-{r}"
                t0 = time.perf_counter()
                build_subject_pack(SubjectRequest("c-bench", out, max_range=max_range, lang="en"), url)
                t1 = time.perf_counter()
                report = verify_pack(out)
                t2 = time.perf_counter()
                assert report.ok and report.events >= args.subject_events, report.failures
                rows.setdefault(f"build ({label})", []).append(t1 - t0)
                rows.setdefault(f"verify ({label})", []).append(t2 - t1)
            with open_log(url) as log:
                bundle = work / f"bundle-{r}"
                t0 = time.perf_counter()
                export_bundle(log, bundle, signer_from_settings(settings.audit))
                t1 = time.perf_counter()
                assert verify_bundle(bundle).ok
                t2 = time.perf_counter()
            rows.setdefault("anchor: audit export (whole log)", []).append(t1 - t0)
            rows.setdefault("anchor: audit verify (whole log)", []).append(t2 - t1)
    print(f"log {args.events} events, subject {args.subject_events} events, {args.repeats} repeats (median s)")
    for name, values in rows.items():
        print(f"  {name:36s} {statistics.median(values):7.2f}")
    b, v = statistics.median(rows["build (range)"]), statistics.median(rows["verify (range)"])
    print(f"targets: build < 30 s: {b:.1f} s ({'met' if b < 30 else 'NOT met'}); verify < 10 s: {v:.1f} s "
          f"({'met' if v < 10 else 'NOT met'})")


if __name__ == "__main__":
    main()
