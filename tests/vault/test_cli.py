"""`piwarden vault` end to end: accounts, keys, types, rotation, recovery (CliRunner, real home and database)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from piwarden.cli import app
from piwarden.settings import load_settings
from piwarden.vault import Caller, open_vault

runner = CliRunner()


def run(*args: str, input: str | None = None) -> tuple[int, str]:
    r = runner.invoke(app, list(args), input=input)
    return r.exit_code, r.output


def test_accounts_keys_and_logins(piwarden_home: Path) -> None:
    code, out = run("vault", "account", "add", "cs-1", "--role", "customer_service", "--tenant", "platform",
                    "--party", "platform.cs", "--password-stdin", input="s3cret pass\n")
    assert code == 0 and "account cs-1 (staff)" in out and "vault:read, vault:session" in out
    assert "s3cret" not in out
    code, out = run("vault", "account", "add", "svc", "--kind", "service", "--role", "service", "--tenant",
                    "platform", "--party", "platform.ops")
    assert code == 0
    code, key = run("vault", "key", "add", "svc")
    assert code == 0 and key.startswith("pwk_")
    again, out = run("vault", "account", "add", "svc", "--kind", "service", "--role", "service", "--tenant", "p",
                     "--party", "p")
    assert again == 1 and "exists already" in out
    bad, out = run("vault", "account", "add", "x y", "--role", "r", "--tenant", "t", "--party", "p",
                   "--password-stdin", input="pw\n")
    assert bad == 1 and "account id must be" in out
    rt = open_vault()
    try:
        assert rt.identities.authenticate(key.strip()) is not None
        assert rt.identities.login("cs-1", "s3cret pass") is not None
    finally:
        rt.close()
    key_id = key.strip()[4:].split("_")[0]
    assert run("vault", "key", "revoke", key_id)[0] == 0
    assert run("vault", "key", "revoke", key_id)[0] == 1
    code, out = run("vault", "account", "list")
    assert "cs-1\tstaff\tcustomer_service" in out
    assert run("vault", "account", "disable", "cs-1")[0] == 0
    assert "disabled" in run("vault", "account", "list")[1]


def test_types_rotate_and_recover(piwarden_home: Path, tmp_path: Path) -> None:
    code, out = run("vault", "types")
    assert code == 0 and "customer: A shopper" in out and "  phone\tPHONE\tL2\tlookup,fpe" in out
    bad = tmp_path / "types.yaml"
    bad.write_text("types:\n  customer:\n    fields:\n      phone: {type: NOPE}\n", "utf-8")
    code, out = run("vault", "types", "--file", str(bad))
    assert code == 1 and "customer.fields.phone.type" in out and "unknown entity type" in out
    assert run("vault", "rotate")[0] == 1  # no vault key yet: nothing to rotate
    rt = open_vault(load_settings(home=piwarden_home))
    svc = Caller("svc", "platform.ops", "service", "platform")
    ids = [rt.vault.create(svc, "customer", f"c-{i}", {"phone": f"1381234567{i}"}).record_id for i in range(3)]
    rt.close()
    code, out = run("vault", "rotate")
    assert code == 0 and "new data-key versions: 1" in out and "fields re-encrypted: 3" in out
    code, out = run("vault", "rotate", "--kek")
    assert code == 0 and "version 2 added" in out and "in use: [2]" in out
    assert (piwarden_home / "keys" / "vault.key").read_text().startswith("1:")
    assert (piwarden_home / "keys" / "vault.key").stat().st_mode & 0o777 == 0o600
    code, out = run("vault", "recover")
    assert code == 0 and "events appended: 0; subject keys destroyed: 0" in out
    rt = open_vault(load_settings(home=piwarden_home))
    try:
        assert [rt.vault.store.get(i, rt.vault.types).values["phone"] for i in ids] == [f"1381234567{i}"
                                                                                          for i in range(3)]
    finally:
        rt.close()


def test_totp_enrolment_prints_the_uri_once(tmp_path: Path) -> None:
    import pyotp

    home, db = tmp_path / "home", f"sqlite:///{tmp_path / 'p.db'}"
    rt = open_vault(load_settings(home=home), db=db)
    try:
        rt.identities.add_account("cs-9", kind="staff", roles=["customer_service"], tenant="platform",
                                  party="platform.cs", password="a long enough password")
        rt.identities.add_account("svc-9", kind="service", roles=["service"], tenant="platform", party="p.ops")
    finally:
        rt.close()
    env = {**os.environ, "PIWARDEN_HOME": str(home)}
    run = subprocess.run([sys.executable, "-m", "piwarden.cli", "vault", "account", "totp", "cs-9", "--db", db],
                         capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0 and run.stdout.startswith("otpauth://totp/piwarden:cs-9"), run.stderr
    code = pyotp.parse_uri(run.stdout.strip()).now()
    rt = open_vault(load_settings(home=home), db=db)
    try:
        assert rt.step_up is not None and rt.step_up.verify("cs-9", code) and not rt.step_up.verify("cs-9", code)
    finally:
        rt.close()
    run = subprocess.run([sys.executable, "-m", "piwarden.cli", "vault", "account", "totp", "svc-9", "--db", db],
                         capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 2 and "no staff account svc-9" in run.stderr


def test_numbers_and_approvals_list_ids_never_phones(piwarden_home: Path) -> None:
    rt = open_vault(load_settings(home=piwarden_home))
    try:
        svc = Caller("svc", "platform.ops", "service", "platform")
        w = rt.vault.create(svc, "waybill", "c-1", {"waybill_no": "SF1234567890", "receiver_phone": "13812345678"})
        assert rt.numbers is not None
        b, _ = rt.numbers.bind(svc, w.record_id, "logistics:SF")
    finally:
        rt.close()
    code, out = run("vault", "numbers", "--live")
    assert code == 0 and f"{b.id}  {b.number}  {w.record_id}.receiver_phone  -> logistics:SF" in out
    assert "13812345678" not in out and "pool of 99 numbers" in out
    code, out = run("vault", "approvals", "--status", "pending")
    assert code == 0 and "no approvals" in out
