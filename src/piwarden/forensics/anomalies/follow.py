"""Reading a JSON Lines file as it is written, like ``tail -f``: the source of ``forensics watch --follow``.

:class:`Follower` hands out complete lines only (a line still being written, without its newline,
waits for the next poll) and remembers where it stopped as (device, inode, byte offset), which the
watcher checkpoints. It handles the two things log writers do to a file:

- **rotation** (the file renamed away and a new one created under the name): the old file, still
  open, is read to its end first, then the new one from its start;
- **truncation** (``copytruncate``, or ``> file``): the file is shorter than the offset, so it is read
  again from its start.

A restart whose saved inode is no longer the file's (rotated while the watcher was down) starts
at the new file's beginning and says so (``reset``); what the rotated file held after the
checkpoint is not read.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

CHUNK = 1 << 20


@dataclass
class FollowPosition:
    """Where a follower stopped: the file's identity and the offset after the last complete line read."""

    dev: int = 0
    ino: int = 0
    offset: int = 0


class Follower:
    """Complete lines appended to ``path`` since ``position``; poll with :meth:`lines`."""

    def __init__(self, path: Path, position: FollowPosition | None = None) -> None:
        self.path = path
        self.position = position or FollowPosition()
        self.rotations = 0
        self.truncations = 0
        self.reset = False  # the saved file was gone at start: read the new one from its start
        self._fh: IO[bytes] | None = None
        self._partial = b""
        self._started = position is None

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def _open(self) -> bool:
        try:
            fh = self.path.open("rb")
        except FileNotFoundError:
            return False
        st = os.fstat(fh.fileno())
        p = self.position
        if (st.st_dev, st.st_ino) != (p.dev, p.ino):
            if not self._started and (p.dev or p.ino):
                self.reset = True  # a checkpoint of a file that is no longer there
            p.dev, p.ino, p.offset = st.st_dev, st.st_ino, 0
        elif st.st_size < p.offset:
            self.truncations += 1
            p.offset = 0
        self._started = True
        fh.seek(p.offset)
        self._fh, self._partial = fh, b""
        return True

    def lines(self) -> Iterator[bytes]:
        """The complete lines written since the last call, in order; the position moves past each as it is
        handed out (a consumer that stops early resumes there)."""
        if self._fh is None:
            if not self._open():
                return
        else:  # where the last consumer stopped (it may have left read-ahead and a partial line behind)
            self._fh.seek(self.position.offset)
            self._partial = b""
        while True:
            yield from self._drain()
            assert self._fh is not None
            st_now = self._stat()
            fd_st = os.fstat(self._fh.fileno())
            if st_now is not None and (st_now.st_dev, st_now.st_ino) != (fd_st.st_dev, fd_st.st_ino):
                yield from self._drain()  # rotated: what the old file still held, then the new one
                self.close()
                self.rotations += 1
                self.position = FollowPosition()
                if not self._open():
                    return
                continue
            if fd_st.st_size < self.position.offset:  # truncated in place
                self.truncations += 1
                self.position.offset = 0
                self._fh.seek(0)
                self._partial = b""
                continue
            return

    def _stat(self) -> os.stat_result | None:
        with contextlib.suppress(FileNotFoundError):
            return self.path.stat()
        return None

    def _drain(self) -> Iterator[bytes]:
        fh = self._fh
        assert fh is not None
        p = self.position
        while True:
            chunk = fh.read(CHUNK)
            if not chunk:
                return
            data = self._partial + chunk
            lines = data.split(b"\n")
            self._partial = lines.pop()
            for line in lines:
                p.offset += len(line) + 1
                yield line
