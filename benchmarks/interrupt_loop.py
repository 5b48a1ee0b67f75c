"""SIGTERM `detect -o --jobs 2` (or `mask run`) after its first progress line, N times (issue 16's flake).

Counts the runs that did not stop cleanly: exit 130 within 10 s, no worker left in the process
group, no traceback, nothing under the output name. Run it with a busy loop beside it for load:

    python -c "while True: pass" &  python benchmarks/interrupt_loop.py 30 detect; kill %1
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LINE = "客户张三，手机13812345678，身份证330106198803051239，地址北京市朝阳区建国路88号。"  # synthetic


def one(work: Path, src: Path, command: str) -> tuple[bool, str]:
    out = work / "out.jsonl"
    args = ["mask", "run"] if command == "mask" else ["detect"]
    proc = subprocess.Popen([sys.executable, "-m", "piwarden.cli", *args, str(src), "-o", str(out), "--jobs", "2",
                             "--progress"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env=os.environ | {"PIWARDEN_HOME": str(work / ".home")})
    assert proc.stderr is not None
    for line in proc.stderr:
        if "MB" in line:
            break
    os.kill(proc.pid, signal.SIGTERM)
    sent = time.monotonic()
    try:
        rest = proc.communicate(timeout=30)[1]
        took = time.monotonic() - sent
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return False, "did not stop within 30 s"
    try:
        os.killpg(proc.pid, 0)
        os.killpg(proc.pid, signal.SIGKILL)
        return False, "a worker was left behind"
    except ProcessLookupError:
        pass
    ok = proc.returncode == 130 and took < 10 and "Traceback" not in rest and not out.exists()
    return ok, f"exit {proc.returncode} after {took:.2f} s"


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    command = sys.argv[2] if len(sys.argv) > 2 else "detect"
    work = Path(tempfile.mkdtemp(prefix="interrupt-loop-"))
    src = work / "in.jsonl"
    src.write_text("".join(json.dumps({"id": f"r{i}", "text": LINE}, ensure_ascii=False) + "\n"
                           for i in range(120_000)), "utf-8")
    bad = 0
    for k in range(runs):
        ok, said = one(work, src, command)
        bad += not ok
        print(k, "ok" if ok else "FAILED", said, flush=True)
    print(f"{command}: {bad} of {runs} runs did not stop cleanly")


if __name__ == "__main__":
    main()
