"""``piwarden scan PATH|URL ...``: inventory the PI in files and databases.

Registered on the top-level app as one command (``app.command("scan")(scan_command)``), so
the syntax is ``piwarden scan TARGETS...``. Output names stores, assets and columns, with
counts and grades; never a value.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from piwarden.cli.common import ExitCode, fail, on_interrupt, outcome
from piwarden.home import default_db_url, redact_url
from piwarden.outputs import OutputError, check_output, write_atomic
from piwarden.scan import report
from piwarden.scan.inventory import AssetScan, InventoryError
from piwarden.scan.rows import DEFAULT_CHUNK
from piwarden.scan.runner import DEFAULT_SAMPLE, ScanOptions, scan
from piwarden.scan.sources.base import Asset, SourceError, target_label
from piwarden.scan.sources.registry import NoSourceError, sources

err = Console(stderr=True, soft_wrap=True)


class EngineName(StrEnum):
    local = "local"
    spark = "spark"


class AssetProgress:
    """Assets done out of assets found (and rows of a table read whole): a Rich bar on a terminal,
    a line every few seconds elsewhere."""

    def __init__(self, enabled: bool | None, console: Console, interval: float = 2.0) -> None:
        tty = console.is_terminal
        self.mode = "off" if enabled is False or (enabled is None and not tty) else ("bar" if tty else "lines")
        self.console, self.interval = console, interval
        self.total, self.done, self._last = 0, 0, 0.0
        self._bar: Progress | None = None
        self._rows: dict[str, TaskID] = {}

    def __enter__(self) -> AssetProgress:
        self._last = time.monotonic()
        if self.mode == "bar":
            self._bar = Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), TimeRemainingColumn(), console=self.console)
            self._bar.start()
            self._task = self._bar.add_task("scan", total=None)
        return self

    def found(self, total: int) -> None:
        self.total = total
        if self._bar is not None:
            self._bar.update(self._task, total=total)

    def advance(self, result: AssetScan) -> None:
        self.done += 1
        if self._bar is not None:
            self._bar.update(self._task, advance=1)
        elif self.mode == "lines" and time.monotonic() - self._last >= self.interval:
            self._last = time.monotonic()
            self.console.print(f"scan: {self.done}/{self.total} assets", highlight=False)

    def rows(self, asset: Asset, done: int, total: int) -> None:
        """Rows classified of a table scanned with ``--all-rows``."""
        if self._bar is not None:
            task = self._rows.get(asset.name)
            if task is None:
                task = self._rows[asset.name] = self._bar.add_task(f"rows of {asset.name}", total=total)
            self._bar.update(task, completed=done, total=total)
        elif self.mode == "lines" and (time.monotonic() - self._last >= self.interval or done >= total):
            self._last = time.monotonic()
            self.console.print(f"scan: {asset.name}: {done:,}/{total:,} rows", highlight=False)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.stop()


def scan_command(
    targets: Annotated[list[str], typer.Argument(help="Files, directories, or SQLAlchemy database URLs "
                                                      "(sqlite:///f.db, postgresql+psycopg://..., "
                                                      "mysql+pymysql://...), or what a plugin's scan "
                                                      "source reads.")],
    sample: Annotated[int, typer.Option(min=1, help="Rows sampled per table or tabular file.")] = DEFAULT_SAMPLE,
    jobs: Annotated[int, typer.Option(min=1, help="Worker processes across files and tables.")] = 1,
    tables: Annotated[str | None, typer.Option(help="Comma-separated tables to scan (name, schema.name, or "
                                                    "glob patterns); default: all.")] = None,
    engine: Annotated[EngineName, typer.Option(help="Where classification runs: spark takes Parquet files "
                                                    "and directories of Parquet files; the rest stays local.")]
    = EngineName.local,
    spark_master: Annotated[str, typer.Option(help="Spark master URL for --engine spark (local[2], "
                                                   "spark://host:7077, yarn, ...).")] = "local[*]",
    full: Annotated[bool, typer.Option(help="Rescan everything, even assets unchanged since the last scan.")]
    = False,
    all_rows: Annotated[bool, typer.Option(help="Classify every row of every database table (streamed in "
                                                "chunks; one table's key ranges on --jobs processes) "
                                                "instead of a sample.")] = False,
    chunk_rows: Annotated[int, typer.Option(min=1, help="Rows read and classified at a time with "
                                                        "--all-rows.")] = DEFAULT_CHUNK,
    report_html: Annotated[Path | None, typer.Option("--report", help="Write an HTML report here.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the inventory as JSON here.")] = None,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Write one CSV row per column here.")] = None,
    sarif_out: Annotated[Path | None, typer.Option("--sarif", help="Write SARIF 2.1.0 here (files in code "
                                                                   "repositories).")] = None,
    db: Annotated[str | None, typer.Option("--db", help="SQLAlchemy URL of the piwarden database that holds "
                                                        "the inventory (default: SQLite in PIWARDEN_HOME).")] = None,
    progress: Annotated[bool | None, typer.Option(help="Progress on standard error (default: when it is a "
                                                       "terminal).")] = None,
) -> None:
    """Scan files and databases for PI; classify and grade each column; store the inventory."""
    for target in targets:  # every target claimed by a source before anything is read or written
        try:
            sources().claiming(target, engine.value)
        except NoSourceError as exc:
            raise typer.BadParameter(str(exc), param_hint="TARGETS") from None
    try:  # every report's folder there and writable before anything is scanned
        for out in (report_html, json_out, csv_out, sarif_out):
            if out is not None:
                check_output(out)
    except OutputError as exc:
        raise fail(exc) from None
    options = ScanOptions(sample=sample, full=full, engine=engine.value, spark_master=spark_master,
                          all_rows=all_rows, chunk_rows=chunk_rows, tables=tuple(t.strip() for t in (tables or "").split(",") if t.strip()))
    bar = AssetProgress(progress, err)
    try:
        with on_interrupt(lambda: f"{bar.done} of {bar.total} assets scanned and kept in the inventory; no "
                                  "report written; a rerun skips the assets that did not change"), bar:
            result = scan(targets, options, db, jobs, on_asset=bar.advance, on_discovered=bar.found,
                          on_rows=bar.rows)
    except (SourceError, InventoryError) as exc:
        raise fail(exc) from None
    run = {"id": result.run_id, "targets": [target_label(t) for t in targets],
           "assets": result.assets, "scanned": result.scanned, "unchanged": result.unchanged,
           "errors": len(result.errors), "seconds": round(result.seconds, 3), "sample": sample,
           "all_rows": all_rows, "engine": engine.value}
    outputs: list[tuple[Path | None, Callable[[], bytes | str]]] = [
               (json_out, lambda: report.to_json(result.inventory, run)),
               (csv_out, lambda: report.to_csv(result.inventory)),
               (report_html, lambda: report.to_html(result.inventory, run)),
               (sarif_out, lambda: report.to_sarif(result.inventory))]
    code = outcome(result.assets - len(result.errors), len(result.errors))
    for path, render in outputs:
        if path is not None and code != ExitCode.USAGE:  # nothing scanned: no report to take for one
            write_atomic(path, render())
    _print_table(result.inventory)
    for message in result.errors:
        err.print(f"[yellow]error[/] {message}", highlight=False)
    err.print(f"{result.assets} assets: {result.scanned} scanned, {result.unchanged} unchanged, "
              f"{len(result.errors)} errors in {result.seconds:.1f}s; inventory run {result.run_id} in "
              f"{redact_url(db or default_db_url())}", highlight=False)
    raise typer.Exit(code)


def _print_table(assets: list[dict[str, object]]) -> None:
    table = Table(title="PI inventory (most sensitive first)")
    for i, col in enumerate(("grade", "asset", "rows", "subjects", "types")):
        table.add_column(col, no_wrap=i < 2)
    for a in report.ordered(assets):
        types = ", ".join(f"{t} {n}" for t, n in a["types"].items()) or ("error" if a["error"] else "-")
        table.add_row(f"L{a['grade']}" if a["grade"] else "-", str(a["asset"]),
                      "" if a["rows"] is None else str(a["rows"]), str(a["subjects"] or ""), types)
    Console().print(table)
