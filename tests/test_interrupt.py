"""Ctrl-C (SIGINT to the process group, as a terminal sends it) and SIGTERM mid-run, then a re-run.

The slow commands stop within seconds with exit 130 and a word on what was finished, leave
nothing under the final output name and no worker behind, and a re-run finishes the job with
nothing lost or doubled (counts, and the audit log still verifies).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

PIWARDEN = [sys.executable, "-m", "piwarden.cli"]
MYSQL_URL = os.environ.get("PIWARDEN_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306/test")
PG_URL = os.environ.get("PIWARDEN_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _start(args: list[str], home: Path) -> subprocess.Popen[str]:
    env = os.environ | {"PIWARDEN_HOME": str(home / ".home")}
    return subprocess.Popen([*PIWARDEN, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env=env, start_new_session=True)


def _interrupt_after_progress(proc: subprocess.Popen[str], sig: int = signal.SIGINT, group: bool = True,
                              marker: str = "MB") -> tuple[int, str, float]:
    """Wait for a progress line, send ``sig``; the exit status, standard error, seconds to stop."""
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if marker in line:
            break
    else:
        pytest.fail("finished before it could be interrupted: " + "".join(seen)[-500:])
    (os.killpg if group else os.kill)(proc.pid, sig)
    sent = time.monotonic()
    try:
        rest = proc.communicate(timeout=30)[1]
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("did not stop within 30 s of the signal")
    stopped = time.monotonic() - sent
    with pytest.raises(ProcessLookupError):  # no worker left behind in its process group
        os.killpg(proc.pid, 0)
    return proc.returncode, "".join(seen) + rest, stopped


def _run(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"PIWARDEN_HOME": str(home / ".home")}
    return subprocess.run([*PIWARDEN, *args], capture_output=True, text=True, env=env, timeout=600)


def _clean(stderr: str) -> None:
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr[-2000:]


def test_audit_import_interrupted_then_rerun_appends_each_event_once(tmp_path: Path) -> None:
    n = 150_000
    src = tmp_path / "events.jsonl"
    with src.open("w") as f:
        for i in range(n):
            f.write(json.dumps({"id": f"e-{i:07d}", "ts": f"2026-03-{1 + i % 28:02d}T{i % 24:02d}:15:02+08:00",
                                "actor": f"cs-{i % 7}", "party": "platform.cs", "role": "customer_service",
                                "action": "view", "resource": "order", "subjects": [f"c-{i % 997}"],
                                "fields": ["name"]}) + "\n")
    db = f"sqlite:///{tmp_path / 'audit.db'}"
    code, stderr, stopped = _interrupt_after_progress(_start(["audit", "import", str(src), "--db", db,
                                                              "--progress"], tmp_path))
    _clean(stderr)
    assert code == 130 and stopped < 10, stderr[-500:]
    assert "interrupted:" in stderr and "events committed" in stderr and "run the same import again" in stderr
    again = _run(["audit", "import", str(src), "--db", db], tmp_path)
    assert again.returncode == 0, again.stderr
    appended = int(again.stderr.split("imported ")[1].split(" events")[0])
    already = int(again.stderr.split(", ")[-1].split(" already")[0])
    assert appended + already == n and already > 0
    bundle = tmp_path / "bundle"
    assert _run(["audit", "export", str(bundle), "--db", db], tmp_path).returncode == 0
    verified = _run(["audit", "verify", str(bundle)], tmp_path)
    assert verified.returncode == 0 and f"OK: {n} events" in verified.stdout, verified.stdout


# detect used to hang now and then (issue 16): a worker terminated while writing a large result left half a
# message in the result pipe, and the pool's manager thread, joined at interpreter exit, waited for the rest
# for ever (piwarden.pools.stop now closes the parent's write end, so it reads end-of-file instead).
@pytest.mark.parametrize("command", ["mask", "detect"])
def test_output_interrupted_leaves_nothing_then_rerun_writes_it_whole(tmp_path: Path, command: str) -> None:
    src = tmp_path / "in.jsonl"
    line = "客户张三，手机13812345678，身份证330106198803051239，地址北京市朝阳区建国路88号。"
    n = 120_000
    src.write_text("".join(json.dumps({"id": f"r{i}", "text": line}, ensure_ascii=False) + "\n" for i in range(n)),
                   "utf-8")
    out = tmp_path / "out.jsonl"
    args = ["mask", "run"] if command == "mask" else ["detect"]
    args += [str(src), "-o", str(out), "--jobs", "2", "--progress"]
    code, stderr, stopped = _interrupt_after_progress(_start(args, tmp_path), signal.SIGTERM, group=False)
    _clean(stderr)
    assert code == 130 and stopped < 10 and f"nothing written to {out}" in stderr, stderr[-500:]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".home", "in.jsonl"]  # no partial file, no temporary file
    done = _run(args, tmp_path)
    assert done.returncode == 0, done.stderr[-500:]
    assert sum(1 for _ in out.open()) == n


@pytest.mark.parametrize(("url", "sig", "group", "key"), [
    (MYSQL_URL, signal.SIGINT, True, True), (MYSQL_URL, signal.SIGTERM, False, True),
    (MYSQL_URL, signal.SIGINT, True, False),  # no integer key: one streamed cursor, dropped not drained
    (PG_URL, signal.SIGINT, True, True), (PG_URL, signal.SIGINT, True, False)],
    ids=["mariadb-sigint", "mariadb-sigterm", "mariadb-stream-sigint", "postgres-sigint", "postgres-stream-sigint"])
def test_scan_all_rows_on_two_jobs_stops_at_once(tmp_path: Path, url: str, sig: int, group: bool, key: bool) -> None:
    sqlalchemy = pytest.importorskip("sqlalchemy")
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sqlalchemy.text("SELECT 1"))
    except Exception as exc:
        pytest.skip(f"database not reachable ({type(exc).__name__})")
    table = f"pw_interrupt_{os.getpid()}_{sig}_{int(key)}"
    rows = [{"id": i, "n": f"客户电话13{i:09d}，请回电", "p": f"139{i:08d}"} for i in range(200_000)]
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text(f"CREATE TABLE {table} (id INT{' PRIMARY KEY' if key else ''}, "
                                     "note VARCHAR(100), phone VARCHAR(20))"))
        for start in range(0, len(rows), 20_000):
            conn.execute(sqlalchemy.text(f"INSERT INTO {table} VALUES (:id, :n, :p)"), rows[start:start + 20_000])
    try:
        inv = f"sqlite:///{tmp_path / 'inv.db'}"
        args = ["scan", url, "--tables", table, "--all-rows", "--jobs", "2", "--chunk-rows", "2000",
                "--db", inv, "--progress", "--json", str(tmp_path / "inv.json")]
        code, stderr, stopped = _interrupt_after_progress(_start(args, tmp_path), sig, group, marker="rows")
        _clean(stderr)
        assert code == 130 and stopped < 10 and "interrupted:" in stderr, stderr[-800:]
        assert not (tmp_path / "inv.json").exists()
        done = _run(args, tmp_path)
        assert done.returncode == 0, done.stderr[-800:]
        assert json.loads((tmp_path / "inv.json").read_text())["assets"][0]["rows"] == len(rows)
    finally:
        with engine.begin() as conn:
            conn.execute(sqlalchemy.text(f"DROP TABLE IF EXISTS {table}"))
        engine.dispose()


def _events_file(path: Path, n: int) -> None:
    with path.open("w") as f:
        for i in range(n):
            f.write(json.dumps({"id": f"e-{i:07d}", "ts": f"2026-03-{1 + i % 28:02d}T{i % 24:02d}:15:02+08:00",
                                "actor": f"cs-{i % 7}", "party": "platform.cs", "role": "customer_service",
                                "action": "view", "resource": "order", "subjects": [f"c-{i % 997}"],
                                "fields": ["name"]}) + "\n")


def test_audit_export_interrupted_leaves_no_bundle_then_rerun_verifies(tmp_path: Path) -> None:
    n = 300_000
    _events_file(tmp_path / "events.jsonl", n)
    db = f"sqlite:///{tmp_path / 'audit.db'}"
    assert _run(["audit", "import", str(tmp_path / "events.jsonl"), "--db", db], tmp_path).returncode == 0
    bundle = tmp_path / "bundle"
    proc = _start(["audit", "export", str(bundle), "--db", db], tmp_path)
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".bundle-*/*")):  # the export has begun writing into its temporary folder
        assert proc.poll() is None, "finished before it could be interrupted"
        assert time.monotonic() < deadline, "no temporary bundle folder appeared"
        time.sleep(0.005)
    os.killpg(proc.pid, signal.SIGINT)
    try:
        stderr = proc.communicate(timeout=30)[1]
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("did not stop within 30 s of the signal")
    _clean(stderr)
    assert proc.returncode == 130 and f"nothing written to {bundle}" in stderr, stderr[-500:]
    assert not bundle.exists() and not list(tmp_path.glob(".bundle-*"))  # nothing partial, no temporary folder
    assert _run(["audit", "export", str(bundle), "--db", db], tmp_path).returncode == 0
    verified = _run(["audit", "verify", str(bundle)], tmp_path)
    assert verified.returncode == 0 and f"OK: {n} events" in verified.stdout, verified.stdout  # none lost or doubled


def _image(path: Path, seed: int) -> None:
    import random

    from PIL import Image

    rng = random.Random(seed)
    image = Image.new("RGB", (480, 300), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    for _ in range(60):
        x, y = rng.randrange(460), rng.randrange(280)
        image.paste((rng.randrange(256), rng.randrange(256), rng.randrange(256)), (x, y, x + 20, y + 20))
    image.save(path)


def test_documents_index_interrupted_indexes_nothing_then_rerun_indexes_each_once(tmp_path: Path) -> None:
    n = 72  # a few seconds of indexing: with 24, a quiet machine finished before the first progress line (2 s)
    (tmp_path / "img").mkdir()
    rows = ["file,subject,account"]
    for i in range(n):
        _image(tmp_path / "img" / f"d{i}.png", i)
        rows.append(f"d{i}.png,s{i},a{i}")
    (tmp_path / "map.csv").write_text("\n".join(rows) + "\n")
    args = ["forensics", "documents", "index", str(tmp_path / "img"), "--subject-map", str(tmp_path / "map.csv"),
            "--index", str(tmp_path / "idx"), "--db", f"sqlite:///{tmp_path / 'docs.db'}", "--progress"]
    code, stderr, stopped = _interrupt_after_progress(_start(args, tmp_path))
    _clean(stderr)
    assert code == 130 and stopped < 10 and "interrupted: nothing indexed in this run" in stderr, stderr[-500:]
    assert not (tmp_path / "idx" / "hashes").exists() and not list((tmp_path / "idx").glob(".hashes-*"))
    done = _run(args, tmp_path)
    assert done.returncode == 0 and f"{n} documents indexed, 0 already there" in done.stderr, done.stderr[-500:]
    again = _run(args, tmp_path)  # nothing doubled
    assert again.returncode == 0 and f"0 documents indexed, {n} already there" in again.stderr
    assert f"{n} in the index" in again.stderr


def test_an_interrupt_swallowed_by_a_finalizer_is_raised_again(capfd: pytest.CaptureFixture[str]) -> None:
    """Ctrl-C landing inside a ``__del__`` or weakref callback (seen in SQLAlchemy's during `audit export`) must
    still stop the command, without "Exception ignored" on stderr."""
    from piwarden.cli.common import _terminate_as_interrupt

    class Finalized:
        def __del__(self) -> None:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt), _terminate_as_interrupt():
        Finalized()  # dropped at once: its __del__ raises, Python calls the unraisable hook
        end = time.monotonic() + 5
        while time.monotonic() < end:  # the interrupt arrives within a few milliseconds
            pass
        pytest.fail("the interrupt was lost")
    assert "Exception ignored" not in capfd.readouterr().err
