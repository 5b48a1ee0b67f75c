"""``piwarden vault``: accounts and API keys, key rotation, recovery, and the access policy's test bench.

``piwarden vault policy`` is the vault's access policy (who may see which field in clear);
``piwarden policy`` / ``piwarden mask policy`` are masking policies (which operator masks a type).
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from piwarden.cli.common import DbOption, cli_settings
from piwarden.inputs import check_path
from piwarden.outputs import check_output, write_atomic

if TYPE_CHECKING:
    from piwarden.settings import Settings
    from piwarden.vault import VaultRuntime
    from piwarden.vault.identity import Identities
    from piwarden.vault.policy import Policy
    from piwarden.vault.quotas import Guards

app = typer.Typer(name="vault", help="The PI vault: accounts, keys and rotation, recovery, access-policy tests, "
                                    "alerts and holds.",
                  no_args_is_help=True, add_completion=False)
account_app = typer.Typer(help="Staff and service accounts of the vault API.", no_args_is_help=True)
key_app = typer.Typer(help="API keys of service accounts (stored hashed; shown once).", no_args_is_help=True)
policy_app = typer.Typer(help="The vault's access policy (not masking policies: those are `piwarden policy`).",
                         no_args_is_help=True)
app.add_typer(account_app, name="account")
app.add_typer(key_app, name="key")
app.add_typer(policy_app, name="policy")
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"error: {message}", markup=False)
    return typer.Exit(code)


def _open(settings: Settings, *, create_keys: bool = False) -> VaultRuntime:
    """The vault, or ``error: ...`` and exit 1 when its keys, types, policy or database are unusable."""
    from piwarden.db import DatabaseError
    from piwarden.vault import PolicyFileError, RecordTypeError, open_vault
    from piwarden.vault.keystore import VaultKeyError

    try:
        return open_vault(settings, create_keys=create_keys)
    except DatabaseError as exc:  # unreachable or refused: an input error, like every command's --db
        raise _fail(str(exc), 2) from None
    except (VaultKeyError, PolicyFileError, RecordTypeError) as exc:
        raise _fail(str(exc), 1) from None


def _identities(db: str | None) -> Identities:
    from piwarden.db import DatabaseError, open_engine
    from piwarden.vault.identity import Identities

    settings = cli_settings(database={"url": db})
    try:
        return Identities(open_engine(settings.db_url), settings.vault.session_ttl_s)
    except DatabaseError as exc:  # unreachable, wrong password, older revision: the message names it
        raise _fail(str(exc), 2) from None


@account_app.command("add")
def account_add(account: Annotated[str, typer.Argument(help="Account id (the events' actor).")],
                role: Annotated[list[str], typer.Option("--role", help="A role it may act in (repeat).")],
                tenant: Annotated[str, typer.Option(help="Tenant whose records it owns, e.g. platform, M0012.")],
                party: Annotated[str, typer.Option(help="Data-map party, e.g. platform.cs, merchant:M0012.")],
                kind: Annotated[str, typer.Option(help="staff (password, sessions) or service (API keys).")] = "staff",
                scope: Annotated[list[str] | None, typer.Option("--scope", help="API scope (repeat); default: "
                                 "staff vault:read vault:session, service vault:read vault:write.")] = None,
                password_stdin: Annotated[bool, typer.Option(help="Read the password from standard input.")] = False,
                db: DbOption = None) -> None:
    """Add an account; a staff account's password is asked for (argon2id hash kept, never the password)."""
    from piwarden.vault.identity import IdentityError

    if kind not in ("staff", "service"):
        raise _fail("--kind is staff or service")
    password = None
    if kind == "staff":
        password = sys.stdin.readline().rstrip("\r\n") if password_stdin else typer.prompt(
            "password", hide_input=True, confirmation_prompt=True)
    try:
        made = _identities(db).add_account(account, kind=kind, roles=role, tenant=tenant, party=party,  # type: ignore[arg-type]
                                           scopes=scope, password=password)
    except IdentityError as exc:
        raise _fail(str(exc), 1) from None
    out.print(f"account {made.id} ({made.kind}): roles {', '.join(made.roles)}; tenant {made.tenant}; "
              f"scopes {', '.join(made.scopes)}")


@account_app.command("list")
def account_list(db: DbOption = None) -> None:
    """Every account, its roles, tenant, party and scopes."""
    for a in _identities(db).accounts():
        cells = [a.id, a.kind, ",".join(a.roles), a.tenant, a.party, ",".join(a.scopes)]
        typer.echo("\t".join([*cells, *(["disabled"] if a.disabled else [])]))  # plain: rich expands tabs


@account_app.command("disable")
def account_disable(account: str, db: DbOption = None) -> None:
    """Disable an account and end its sessions (its API keys stop working)."""
    from piwarden.vault.identity import IdentityError

    try:
        _identities(db).set_disabled(account, True)
    except IdentityError as exc:
        raise _fail(str(exc), 1) from None
    out.print(f"account {account} disabled")


@account_app.command("totp")
def account_totp(account: Annotated[str, typer.Argument(help="The staff account to enrol.")],
                 db: DbOption = None) -> None:
    """Enrol a staff account's authenticator for step-up (L4 reveals need a code); prints the otpauth URI once."""
    rt = _open(cli_settings(database={"url": db}))
    try:
        found = rt.identities.account(account)
        if found is None or found.kind != "staff":
            raise _fail(f"no staff account {account}")
        assert rt.step_up is not None
        uri = rt.step_up.enroll(account)
    finally:
        rt.close()
    out.print(uri, markup=False)
    err.print("add it to the authenticator now (a QR code of this URI); it is not shown again", highlight=False)


@key_app.command("add")
def key_add(account: str, db: DbOption = None) -> None:
    """A new API key for an account, printed once (only its SHA-256 is kept)."""
    from piwarden.vault.identity import IdentityError

    try:
        out.print(_identities(db).new_api_key(account))
    except IdentityError as exc:
        raise _fail(str(exc), 1) from None


@key_app.command("revoke")
def key_revoke(key_id: Annotated[str, typer.Argument(help="The key id: the part after pwk_ and before the next _.")],
               db: DbOption = None) -> None:
    """Revoke an API key."""
    if not _identities(db).revoke_api_key(key_id):
        raise _fail(f"no active API key {key_id}", 1)
    out.print(f"key {key_id} revoked")


@app.command()
def rotate(kek: Annotated[bool, typer.Option("--kek", help="Add a key-encryption key version to the vault key file "
                                                          "and re-wrap every key under it.")] = False,
           rewrap: Annotated[bool, typer.Option("--rewrap", help="Re-wrap every key under the newest key-encryption "
                                                                "key (after a KMS rotated it).")] = False,
           data_keys: Annotated[bool, typer.Option(help="Add a data-key version for every tenant and field class; new "
                                                        "writes use it.")] = True,
           reencrypt: Annotated[bool, typer.Option(help="Re-encrypt the fields under older data keys (online, row by "
                                                        "row).")] = True,
           db: DbOption = None) -> None:
    """Rotate the vault's keys online: readers and writers go on (old versions stay readable)."""
    from piwarden.vault.keystore import VaultKeyError, add_kek_version

    settings = cli_settings(database={"url": db})
    try:
        if kek:
            ring = add_kek_version(settings)
            out.print(f"key-encryption key version {ring.newest} added")
    except VaultKeyError as exc:
        raise _fail(str(exc), 1) from None
    rt = _open(settings)
    try:
        keys = rt.vault.store.keys
        if kek or rewrap:
            out.print(f"re-wrapped {keys.rewrap()} keys under key-encryption key version {keys.kek.newest}")
        if data_keys and not (kek or rewrap):
            out.print(f"new data-key versions: {keys.rotate_data_keys()}")
        if reencrypt and not (kek or rewrap):
            out.print(f"fields re-encrypted: {rt.vault.store.reencrypt(rt.vault.types)}")
        out.print(f"key-encryption key versions in use: {sorted(keys.kek_versions_in_use()) or 'none'}")
    finally:
        rt.close()


@app.command()
def recover(db: DbOption = None) -> None:
    """Finish what a crashed server left: outbox events into the audit log, erased subjects' keys destroyed.

    Run it with the servers stopped (it takes every outbox row at once).
    """
    rt = _open(cli_settings(database={"url": db}))
    try:
        events, keys = rt.vault.recover(everything=True)
    finally:
        rt.close()
    out.print(f"events appended: {events}; subject keys destroyed: {keys}")


@app.command("types")
def list_types(file: Annotated[Path | None, typer.Option("--file", help="A record-type file to check and show "
                                                                        "(default: vault.record_types).")] = None
               ) -> None:
    """The record types and their fields (entity type, grade, look-up, token); checks a file."""
    from piwarden.vault.record_types import RecordTypeError, load_record_types
    from piwarden.vault.runtime import record_types_of

    if file is not None:
        check_path(file)  # missing or unreadable: an input error (exit 2), not a bad type list
    try:
        types = load_record_types(file) if file else record_types_of(cli_settings())
    except RecordTypeError as exc:
        raise _fail(str(exc), 1) from None
    for t in types.values():
        typer.echo(f"{t.name}: {t.description}")
        for f in t.fields.values():
            extra = [x for x in ("lookup" if f.lookup else "", f.token or "", f.kind if f.kind == "file" else "") if x]
            grade = f.entity.grade.name + (" sensitive" if f.entity.sensitive else "")
            typer.echo("  " + "\t".join([f.name, f.entity.name, grade, *([",".join(extra)] if extra else [])]))


def _policy(path: Path | None) -> Policy:
    from piwarden.vault.policy import PolicyFileError, load_policy_file
    from piwarden.vault.runtime import policy_of

    try:
        return load_policy_file(path) if path else policy_of(cli_settings())
    except PolicyFileError as exc:
        raise _fail(str(exc), 1) from None


PolicyFile = Annotated[Path | None, typer.Option("--policy", help="Policy file (default: vault.policy, else the "
                                                                  "bundled one).")]


@policy_app.command("check")
def policy_check(file: Annotated[Path | None, typer.Argument(help="Policy file (default: the configured one).")] = None
                 ) -> None:
    """Validate a vault policy file; errors name the rule and the key."""
    if file is not None:
        check_path(file)
    policy = _policy(file)
    out.print(f"{policy.source}: {len(policy.rules)} rules, default {policy.default}, time zone {policy.zone.key}")


@policy_app.command("test")
def policy_test(role: Annotated[str, typer.Option(help="The caller's role.")],
                resource: Annotated[str, typer.Option(help="Record type, e.g. customer.")],
                field: Annotated[str, typer.Option(help="Field of the record type, e.g. phone.")],
                action: Annotated[str, typer.Option(help="view, reveal, search, create, update or delete.")] = "reveal",
                purpose: Annotated[str | None, typer.Option(help="Declared purpose.")] = None,
                ticket: Annotated[str | None, typer.Option(help="Business ticket.")] = None,
                tenant: Annotated[str, typer.Option(help="The caller's tenant.")] = "platform",
                owner: Annotated[str | None, typer.Option(help="The record's tenant (default: the caller's).")] = None,
                at: Annotated[str | None, typer.Option(help="When (ISO 8601 with offset; default now).")] = None,
                policy_file: PolicyFile = None, verbose: Annotated[bool, typer.Option(
                    "--verbose", "-v", help="Also list every rule and why it does not apply.")] = False) -> None:
    """Explain one decision: the effect, the rule that decided it, every matching rule (and, -v, why others do not)."""
    from piwarden.vault.policy import ACTIONS, Ask
    from piwarden.vault.record_types import RecordTypeError
    from piwarden.vault.runtime import record_types_of

    policy = _policy(policy_file)
    try:
        types = record_types_of(cli_settings())
    except RecordTypeError as exc:
        raise _fail(str(exc), 1) from None
    if resource not in types or field not in types[resource].fields:
        raise _fail(f"no field {field!r} in record type {resource!r} (see `piwarden vault types`)")
    if action not in ACTIONS:
        raise _fail(f"--action is one of {', '.join(ACTIONS)}")
    when = None
    if at:
        try:
            when = datetime.fromisoformat(at)
        except ValueError:
            raise _fail("--at is ISO 8601, e.g. 2026-03-01T21:00:00+08:00") from None
        if when.tzinfo is None:
            raise _fail("--at needs an offset, e.g. +08:00")
    spec = types[resource].fields[field]
    ask = Ask(role=role, purpose=purpose, ticket=ticket, tenant=tenant, owner=owner or tenant, resource=resource,
              field=field, grade=spec.grade, sensitive=spec.entity.sensitive, action=action, at=when)
    d = policy.decide(ask)
    out.print(f"decision: {d.effect}")
    out.print(f"because: {d.reason}")
    out.print(f"field: {resource}.{field} ({spec.entity.name}, {spec.entity.grade.name}"
              f"{', sensitive' if spec.entity.sensitive else ''}); owner {'own' if ask.owner == tenant else 'other'}")
    for rid, effect, why in policy.explain(ask):
        if why is None:
            out.print(f"  matches  {rid} ({effect})")
        elif verbose:
            out.print(f"  skips    {rid} ({effect}): {why}")


def _guards(db: str | None) -> tuple[VaultRuntime, Guards]:
    rt = _open(cli_settings(database={"url": db}))
    if rt.vault.guards is None:
        rt.close()
        raise _fail("this vault has no guards", 1)
    return rt, rt.vault.guards


@app.command("alerts")
def alerts(actor: Annotated[str | None, typer.Option(help="Only this account's alerts.")] = None,
           limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 50,
           db: DbOption = None) -> None:
    """The alerts the vault raised (quotas exceeded), newest first, with how many events each cites as evidence."""
    rt, guards = _guards(db)
    try:
        found = guards.alerts(actor, limit)
    finally:
        rt.close()
    for a in found:
        at = datetime.fromtimestamp(a.at_us / 1e6).isoformat(timespec="seconds")
        out.print(f"{a.id}  {at}  {a.actor} ({a.role})  quota {a.rule}: {a.detail['count']} of {a.detail['limit']} "
                  f"per {a.detail['window']}  event {a.event_id}  evidence {len(a.detail['evidence'])} events"
                  + ("  HELD" if a.held else ""), markup=False)
    if not found:
        out.print("no alerts")


@app.command("holds")
def holds(db: DbOption = None) -> None:
    """Accounts held to approval-only (every reveal needs an approval) and why."""
    rt, guards = _guards(db)
    try:
        found = guards.holds()
    finally:
        rt.close()
    for actor, since, reason, alert_id in found:
        at = datetime.fromtimestamp(since / 1e6).isoformat(timespec="seconds")
        out.print(f"{actor}  since {at}  {reason}" + (f"  (alert {alert_id})" if alert_id else ""), markup=False)
    if not found:
        out.print("no account is held")


@app.command("hold")
def hold(actor: Annotated[str, typer.Argument(help="The account to hold.")],
         reason: Annotated[str, typer.Option(help="Why (no personal data).")], db: DbOption = None) -> None:
    """Hold an account to approval-only: every reveal it asks for needs an approval until released."""
    rt, guards = _guards(db)
    try:
        done = guards.hold(actor, reason)
    finally:
        rt.close()
    out.print(f"{actor} held to approval-only" if done else f"{actor} was already held")


@app.command("release")
def release(actor: Annotated[str, typer.Argument(help="The account to release.")], db: DbOption = None) -> None:
    """End an account's hold (after the alert was looked into)."""
    rt, guards = _guards(db)
    try:
        done = guards.release(actor)
    finally:
        rt.close()
    out.print(f"{actor} released" if done else f"{actor} was not held")


@app.command("exports")
def exports(registry: Annotated[Path | None, typer.Option("--registry", help="Also write the watermark registry "
                                                                           "(JSON) that `piwarden forensics trace "
                                                                           "--watermarks` reads.")] = None,
            db: DbOption = None) -> None:
    """Bulk exports: who asked, for whom, how heavy, the checker's decision (ids and counts, never values)."""
    import json

    if registry is not None:
        check_output(registry)  # before any work: a missing or unwritable folder is exit 2
    rt = _open(cli_settings(database={"url": db}))
    try:
        if rt.exports is None:
            raise _fail("this vault has no exports", 1)
        found = rt.exports.list()
        reg = rt.exports.registry()
    finally:
        rt.close()
    for e in found:
        at = datetime.fromtimestamp(e.created_us / 1e6).isoformat(timespec="seconds")
        out.print(f"{e.id}  {at}  {e.maker} -> {e.recipient_party}  {e.type} x {e.rows} ({', '.join(e.clear) or '-'}"
                  f" in clear)  weight {e.weight}  {e.status}" + (f" by {e.checker}" if e.checker else ""),
                  markup=False)
    if not found:
        out.print("no exports")
    if registry is not None:
        write_atomic(registry, json.dumps(reg, ensure_ascii=False, indent=1) + "\n")
        out.print(f"registry of {len(reg['exports'])} ready exports -> {registry}")


@app.command("numbers")
def numbers(record: Annotated[str | None, typer.Option(help="Only this record's bindings.")] = None,
            party: Annotated[str | None, typer.Option(help="Only this party's bindings.")] = None,
            live: Annotated[bool, typer.Option("--live", help="Only bindings that forward now.")] = False,
            limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 50,
            db: DbOption = None) -> None:
    """Virtual-number bindings of privacy waybills: number, record and field, party, expiry (never a phone)."""
    from piwarden.vault import Caller

    settings = cli_settings(database={"url": db})
    rt = _open(settings)
    try:
        if rt.numbers is None:
            raise _fail("this vault has no virtual-number pool", 1)
        platform = Caller("cli", "platform.ops", "admin", settings.vault.platform_tenant)
        found = rt.numbers.bindings(platform, record, party, live, limit)
        size = rt.numbers.pool.size
    finally:
        rt.close()
    for b in found:
        at = datetime.fromtimestamp(b.expires_us / 1e6).isoformat(timespec="seconds")
        state = "live" if b.live(int(datetime.now().timestamp() * 1e6)) else "ended"
        out.print(f"{b.id}  {b.number}  {b.record_id}.{b.field}  -> {b.party}  until {at}  {state}", markup=False)
    out.print(f"{len(found)} bindings shown; pool of {size:,} numbers" if found else
              f"no bindings; pool of {size:,} numbers")


@app.command("approvals")
def approvals(status: Annotated[str | None, typer.Option(help="Only requests in this state: pending, approved, "
                                                              "refused, used.")] = None,
              limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 50,
              db: DbOption = None) -> None:
    """Requests to reveal a field once: who asked, which field of which record, the checker's decision."""
    rt = _open(cli_settings(database={"url": db}))
    try:
        if rt.approvals is None:
            raise _fail("this vault has no approvals", 1)
        found = rt.approvals.list(status, limit)
    finally:
        rt.close()
    for a in found:
        at = datetime.fromtimestamp(a.created_us / 1e6).isoformat(timespec="seconds")
        out.print(f"{a.id}  {at}  {a.requester}  {a.record_id}.{a.field}  {a.status}"
                  + (f" by {a.checker}" if a.checker else ""), markup=False)
    if not found:
        out.print("no approvals")


DEMO_MARK = ".piwarden-vault-demo"


def _demo_home(folder: Path | None) -> Path:
    """A fresh home for the tour: ``folder`` (default HOME/vault-demo) if it is empty or a previous tour's."""
    import shutil

    home = (folder or cli_settings().home / "vault-demo").resolve()
    if home.exists() and any(home.iterdir()) and not (home / DEMO_MARK).exists():
        raise _fail(f"{home} is not empty and not a previous demo's folder: give another --dir")
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    (home / DEMO_MARK).write_text("made by piwarden vault demo; replaced by the next run\n", "utf-8")
    return home


@app.command("demo")
def demo(folder: Annotated[Path | None, typer.Option("--dir", help="The tour's own piwarden home (default: "
                                                                   "HOME/vault-demo); a previous tour's is replaced.")]
         = None,
         customers: Annotated[int, typer.Option(min=10, max=5000, help="Customers of the synthetic platform.")] = 120,
         rounds: Annotated[int, typer.Option(min=1, max=50, help="Rounds of staff traffic.")] = 3,
         seed: Annotated[int, typer.Option(help="Seed of the synthetic platform and traffic.")] = 7) -> None:
    """The vault end to end: a synthetic platform loaded, staff traffic through the real API, what was refused,
    stopped, alerted and logged.

    Runs the service on loopback over SQLite in its own home, loads customers, policies, two merchants' orders and
    waybills, then rounds of traffic: agents with tickets, a courier, merchants, and two insiders (a look-up seller
    without tickets, a merchant operator reading orders wholesale). Every value is synthetic (Faker zh_CN).
    """
    import logging
    import random
    import socket
    import threading
    import time

    import orjson
    import uvicorn
    import yaml
    from rich.progress import Progress
    from rich.table import Table

    from piwarden.audit.proof import verify_inclusion
    from piwarden.client import VaultClient
    from piwarden.demo.vault_tour import (
        PASSWORD,
        SERVICES,
        STAFF,
        Outcome,
        load_platform,
        setup_accounts,
        tour_policy,
        traffic,
    )
    from piwarden.server import create_app
    from piwarden.settings import load_settings, use_settings
    from piwarden.vault.policy import BUNDLED

    home = _demo_home(folder)
    policy = home / "tour-policy.yaml"
    policy.write_text(yaml.safe_dump(tour_policy(yaml.safe_load(BUNDLED.read_text("utf-8"))), allow_unicode=True,
                                     sort_keys=False), "utf-8")
    settings = load_settings(home=home, vault={"policy": policy})
    logging.getLogger("piwarden.vault").setLevel(logging.ERROR)  # the alerts are reported below
    started = time.perf_counter()
    with use_settings(settings):
        rt = _open(settings, create_keys=True)
        try:
            creds = setup_accounts(rt)
        finally:
            rt.close()
        app = create_app(settings.db_url, plugins=False)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        base = f"http://127.0.0.1:{sock.getsockname()[1]}"
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        while not server.started:
            if not thread.is_alive():
                raise _fail("the service did not start", 1)
            time.sleep(0.05)
        rng, outcome = random.Random(seed), Outcome()
        try:
            svc = VaultClient(base, creds.api_keys["svc-platform"])
            with Progress(console=err, transient=True) as bar:
                task = bar.add_task("loading the platform", total=customers)
                platform = load_platform(svc, customers, rng, outcome, lambda n: bar.advance(task, n))
                task = bar.add_task("staff traffic", total=rounds)
                traffic(base, creds, platform, rounds, rng, outcome, progress=lambda n: bar.advance(task, n))
            sec = VaultClient(base)
            sec.login("sec-01", PASSWORD)
            alerts, holds = sec.alerts(), sec.holds()
            log = app.state.audit_log
            size, root = log.size(), log.root()
            leaves = {orjson.loads(e.body)["id"]: (e.index, e.leaf_hash) for e in log.events() if e.body}
            proved = 0
            for event_id in outcome.refused_event_ids:
                index, leaf = leaves[event_id]
                verify_inclusion(index, size, leaf, log.inclusion_proof(index, size), root)
                proved += 1
        finally:
            server.should_exit = True
            thread.join(30)
    seconds = time.perf_counter() - started
    loaded = ", ".join(f"{n} {t} records" for t, n in sorted(outcome.records.items()))
    out.print(f"vault tour in {home} ({seconds:.0f} s): loaded {loaded} through the API (values encrypted at rest)")
    kinds = {"shown in clear": "clear", "shown masked": "masked", "pending approval (shown masked)": "pending",
             "refused by the policy": "403 policy", "stopped by a quota": "429 quota"}
    table = Table(title=f"{sum(outcome.calls.values())} staff calls over {rounds} rounds", caption="pending: an "
                  "approval is needed, shown masked meanwhile")
    for col in ("account", "role", *kinds.values()):
        table.add_column(col, no_wrap=True)
    roles = {**{a: v[0] for a, v in STAFF.items()}, **{a: v[0] for a, v in SERVICES.items()}}
    for account in sorted(outcome.calls):
        table.add_row(account, roles[account], *(str(outcome.answers[(account, k)] or "") for k in kinds))
    Console(highlight=False, width=max(out.width, 110)).print(table)
    for a in alerts:
        out.print(f"alert {a['id']}: {a['actor']} ({a['role']}) exceeded quota {a['rule']} ({a['count']} of "
                  f"{a['limit']} per {a['window']}); evidence: {len(a['evidence'])} logged events"
                  + ("; held to approval-only" if a["held"] else ""), markup=False)
    out.print(f"held to approval-only: {', '.join(h['actor'] for h in holds) or 'nobody'}")
    out.print(f"audit log: {size} events (every create, look-up and refusal); {proved} refusals proved included "
              f"under root {root.hex()[:16]}...")
    out.print(f"\ntry it:  piwarden --home {home} serve\n"
              f"         staff accounts {', '.join(STAFF)} (password {PASSWORD!r})\n"
              f"         piwarden --home {home} vault alerts", markup=False)
