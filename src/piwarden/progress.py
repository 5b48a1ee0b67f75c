"""Progress on standard error for long work: a Rich bar on a terminal, plain lines elsewhere."""

from __future__ import annotations

import time
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn, TransferSpeedColumn


class ByteProgress:
    """Counts bytes processed; ``enabled=None`` shows progress only when stderr is a terminal."""

    def __init__(self, label: str, total: int | None, *, enabled: bool | None, console: Console,
                 interval: float = 2.0) -> None:
        self.label = label
        self.total = total
        self.console = console
        self.interval = interval
        self.done = 0
        self._last = 0.0
        self._start = 0.0
        tty = console.is_terminal
        self.mode = "off" if enabled is False or (enabled is None and not tty) else ("bar" if tty else "lines")
        self._bar: Progress | None = None

    def __enter__(self) -> ByteProgress:
        self._start = self._last = time.monotonic()
        if self.mode == "bar":
            self._bar = Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                                 TransferSpeedColumn(), TimeRemainingColumn(), console=self.console)
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=self.total)
        return self

    def advance(self, nbytes: int) -> None:
        self.done += nbytes
        if self._bar is not None:
            self._bar.update(self._task, advance=nbytes)
        elif self.mode == "lines" and time.monotonic() - self._last >= self.interval:
            self._last = time.monotonic()
            self._line()

    def _line(self) -> None:
        elapsed = max(time.monotonic() - self._start, 1e-9)
        mb = self.done / 1e6
        share = f" / {self.total / 1e6:.1f} MB ({100 * self.done / self.total:.0f}%)" if self.total else ""
        self.console.print(f"{self.label}: {mb:.1f} MB{share}, {mb / elapsed:.2f} MB/s", highlight=False)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.stop()
        elif self.mode == "lines":
            self._line()
