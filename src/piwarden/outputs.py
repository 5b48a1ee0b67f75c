"""Outputs written whole or not at all: a temporary name in the same folder, renamed on success.

An interrupted or failed command leaves nothing under the final name (and removes its
temporary file), so a half-written masked file is never mistaken for a finished one. The
rename is atomic on one file system (``os.replace``). Errors are :class:`OutputError`, whose
message names the path and the reason (missing folder, no permission), never content.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


class OutputError(Exception):
    """An output that cannot be written where asked; the message names the path and why."""


def check_output(path: str | Path) -> Path:
    """The output path, or OutputError if its folder is missing or not writable (checked before any work)."""
    p = Path(path)
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.exists():
        raise OutputError(f"{p}: the folder {parent} does not exist")
    if not parent.is_dir():
        raise OutputError(f"{p}: {parent} is not a folder")
    if p.is_dir():
        raise OutputError(f"{p}: is a folder; give a file name")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{p}: the folder {parent} is not writable")
    return p


@contextlib.contextmanager
def atomic_path(path: str | Path, suffix: str = "") -> Iterator[Path]:
    """A temporary path beside ``path``, renamed to it when the block ends without an exception.

    On an exception (KeyboardInterrupt included) the temporary file is removed and ``path`` is
    left as it was.
    """
    final = check_output(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=f"{suffix}.part", dir=final.parent)
    os.close(fd)
    temp = Path(tmp)
    os.chmod(temp, 0o666 & ~_umask())  # what a plain open() would have made, not mkstemp's 0600
    try:
        yield temp
        os.replace(temp, final)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


@contextlib.contextmanager
def atomic_open(path: str | Path) -> Iterator[IO[bytes]]:
    """A binary file opened for writing under a temporary name, renamed to ``path`` when the block succeeds."""
    with atomic_path(path) as temp, temp.open("wb") as fh:
        yield fh


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: str | Path, data: bytes | str) -> None:
    """Write ``data`` (str as UTF-8) to ``path`` through a temporary name."""
    with atomic_path(path) as temp:
        if isinstance(data, str):
            temp.write_text(data, encoding="utf-8")
        else:
            temp.write_bytes(data)
