"""The vault under load on loopback, beside a bare FastAPI endpoint over the same rows of the same database.

For each database (SQLite file, PostgreSQL) and worker count (1, 2): the vault (``piwarden
serve --workers N``) and the bare app (benchmarks/vault_bare_app.py under uvicorn with N
workers) are started in turn on the same database, holding the same records; closed-loop
clients (threads in one process, persistent connections) then send for ``--seconds``:

- masked reads: ``GET /vault/records/{id}`` as customer service without a ticket (decided
  field by field, decrypted, masked, counted against the staff quota, its access event durable
  in the audit log before the answer) against ``GET /bare/{id}`` (the same field rows selected);
- writes: ``POST /vault/records/customer`` (encrypted, blind-indexed, event through the outbox)
  against ``POST /bare`` (one row inserted).

Printed: requests per second and p50/p99 latency of each, with the ratios vault/bare
(throughput wants >= 0.5, p99 <= 2). Medians over ``--repeats``. The policy is the bundled one
with its quotas raised out of reach, so their counting is measured, not their refusals.

    .venv/bin/python benchmarks/vault_load.py [--dbs sqlite,postgresql] [--workers 1,2] [--seconds 8]
        [--clients 8] [--records 500] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import yaml

from piwarden.settings import load_settings
from piwarden.vault import Caller, open_vault
from piwarden.vault.policy import BUNDLED

HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pg_database(name: str) -> str:
    import psycopg

    with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def prepare(home: Path, db: str, records: int, quotas: bool = True) -> tuple[list[str], str, str]:
    """Records, a writer key and a customer-service reader key in a fresh vault; the quotas out of reach."""
    policy = yaml.safe_load(BUNDLED.read_text("utf-8"))
    for rule in policy["rules"]:
        rule.pop("hours", None)
        rule.pop("days", None)
    if not quotas:
        policy.pop("quotas")
    for q in policy.get("quotas", []):
        for k in ("per_minute", "per_day"):
            if k in q:
                q[k] = 10**12
    (home / "policy.yaml").parent.mkdir(parents=True, exist_ok=True)
    (home / "policy.yaml").write_text(yaml.safe_dump(policy, allow_unicode=True), "utf-8")
    (home / "piwarden.toml").write_text(f'[vault]\npolicy = "{home / "policy.yaml"}"\n', "utf-8")
    rt = open_vault(load_settings(home=home), db=db)
    try:
        ids = rt.identities
        ids.add_account("w", kind="service", roles=["service"], tenant="platform", party="p.ops")
        ids.add_account("cs", kind="service", roles=["customer_service"], tenant="platform", party="p.cs",
                        scopes=["vault:read"])
        svc = Caller(actor="w", party="p.ops", role="service", tenant="platform")
        made = [rt.vault.create(svc, "customer", f"c-{n}", {"name": "测试用户", "phone": f"139{n:08d}",
                                                            "address": "浙江省杭州市西湖区文三路90号",
                                                            "email": f"u{n}@example.com"}).record_id
                for n in range(records)]
        return made, ids.new_api_key("w"), ids.new_api_key("cs")
    finally:
        rt.close()


@contextmanager
def running(cmd: list[str], env: dict[str, str], ready: str) -> Iterator[None]:
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(ready, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"server did not start: {' '.join(cmd[:6])}")
            time.sleep(0.2)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def load(base: str, clients: int, seconds: float, call: Callable[[httpx.Client, random.Random], httpx.Response],
         ) -> tuple[float, float, float, int]:
    """Closed loop: (requests/s, p50 ms, p99 ms, errors)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def run(seed: int) -> None:
        rng, mine, bad = random.Random(seed), [], 0
        with httpx.Client(base_url=base, timeout=60) as http:
            call(http, rng)  # warm the connection
            while time.monotonic() < stop:
                t = time.perf_counter()
                r = call(http, rng)
                mine.append(time.perf_counter() - t)
                bad += r.status_code >= 400
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    latencies.sort()
    return (len(latencies) / elapsed, 1000 * latencies[len(latencies) // 2],
            1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], errors[0])


def one(db_kind: str, workers: int, args: argparse.Namespace) -> list[dict[str, Any]]:
    tmp = Path(tempfile.mkdtemp(prefix="piwarden-vault-load-"))
    home = tmp / "home"
    db = f"sqlite:///{tmp / 'piwarden.db'}" if db_kind == "sqlite" else pg_database("piwarden_bench_vault_load")
    ids, wkey, rkey = prepare(home, db, args.records, not args.no_quotas)
    env = {**os.environ, "PIWARDEN_HOME": str(home), "BENCH_DB": db}
    env.pop("PIWARDEN__DATABASE__URL", None)
    env.pop("PIWARDEN__VAULT__POLICY", None)
    port = free_port()
    vault_cmd = [sys.executable, "-m", "piwarden.cli", "serve", "--port", str(port), "--db", db, "--workers",
                 str(workers)]
    bare_cmd = [sys.executable, "-m", "uvicorn", "vault_bare_app:app", "--app-dir", str(HERE), "--port", str(port),
                "--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    base = f"http://127.0.0.1:{port}"
    vh_r = {"Authorization": f"Bearer {rkey}", "X-Piwarden-Purpose": "after_sales"}
    vh_w = {"Authorization": f"Bearer {wkey}"}
    n = [0]

    def body() -> dict[str, Any]:
        n[0] += 1
        return {"subject": f"w-{n[0]}-{random.random()}", "fields": {"name": "测试", "phone": f"137{n[0] % 10**8:08d}"}}

    cases: dict[str, dict[str, Callable[[httpx.Client, random.Random], httpx.Response]]] = {
        "masked read": {
            "vault": lambda h, r: h.get(f"/vault/records/{r.choice(ids)}", headers=vh_r),
            "bare": lambda h, r: h.get(f"/bare/{r.choice(ids)}")},
        "write": {
            "vault": lambda h, r: h.post("/vault/records/customer", json=body(), headers=vh_w),
            "bare": lambda h, r: h.post("/bare", json=body())},
    }
    results: dict[tuple[str, str], list[tuple[float, float, float, int]]] = {}
    for _ in range(args.repeats):
        for side, cmd, ready in (("vault", vault_cmd, base + "/ready"), ("bare", bare_cmd, base + "/health")):
            with running(cmd, env, ready):
                for op, calls in cases.items():
                    results.setdefault((op, side), []).append(load(base, args.clients, args.seconds, calls[side]))
    rows = []
    for op in cases:
        v = [statistics.median(x) for x in zip(*results[(op, "vault")], strict=True)]
        b = [statistics.median(x) for x in zip(*results[(op, "bare")], strict=True)]
        rows.append({"db": db_kind, "workers": workers, "op": op, "vault_rps": v[0], "bare_rps": b[0],
                     "rps_ratio": v[0] / b[0], "vault_p50": v[1], "vault_p99": v[2], "bare_p50": b[1],
                     "bare_p99": b[2], "p99_ratio": v[2] / b[2], "errors": int(v[3] + b[3])})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dbs", default="sqlite,postgresql")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--records", type=int, default=500)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-quotas", action="store_true", help="The policy without quotas (what counting costs).")
    args = ap.parse_args()
    print(f"{'db':<11}{'workers':>8}  {'op':<12}{'vault/s':>9}{'bare/s':>9}{'ratio':>7}"
          f"{'vault p50':>11}{'p99':>8}{'bare p50':>10}{'p99':>8}{'p99 ratio':>11}{'errors':>8}")
    for db_kind in args.dbs.split(","):
        for workers in (int(w) for w in args.workers.split(",")):
            for r in one(db_kind, workers, args):
                print(f"{r['db']:<11}{r['workers']:>8}  {r['op']:<12}{r['vault_rps']:>9.0f}{r['bare_rps']:>9.0f}"
                      f"{r['rps_ratio']:>7.2f}{r['vault_p50']:>9.1f}ms{r['vault_p99']:>6.1f}ms"
                      f"{r['bare_p50']:>8.1f}ms{r['bare_p99']:>6.1f}ms{r['p99_ratio']:>11.2f}{r['errors']:>8}",
                      flush=True)


if __name__ == "__main__":
    main()
