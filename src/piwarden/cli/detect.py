"""``piwarden detect`` and the commands around it: ``demo``, ``types``, ``recognizers``."""

from __future__ import annotations

import contextlib
import sys
import time
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.table import Table

from piwarden import entities
from piwarden.cli.common import DbOption, EncodingOption, ExitCode, check_io, on_interrupt, outcome, parse_types
from piwarden.detect.analyzer import DEFAULT_MIN_SCORE
from piwarden.detect.records import RecordError, input_size, iter_records
from piwarden.detect.registry import ConfigError
from piwarden.detect.runner import DetectOptions, detect_stream
from piwarden.home import default_db_url, redact_url
from piwarden.outputs import atomic_open
from piwarden.progress import ByteProgress

err = Console(stderr=True, soft_wrap=True)

def detect(
    inputs: Annotated[list[str], typer.Argument(help="JSONL files ({id, text} per line), text files, or - "
                                                     "for JSONL on standard input.")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write JSONL here instead of "
                                                                       "standard output.")] = None,
    types: Annotated[str | None, typer.Option(help="Comma-separated entity types to report "
                                                   "(default: all).")] = None,
    min_score: Annotated[float, typer.Option(min=0.0, max=1.0, help="Drop spans scored below this.")]
    = DEFAULT_MIN_SCORE,
    show_values: Annotated[bool, typer.Option(help="Echo each value in the output (off by default, so "
                                                   "the output is not another copy of the PI).")] = False,
    classify: Annotated[bool, typer.Option(help="Add category, sensitivity and grade to each span.")] = False,
    jobs: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    config: Annotated[Path | None, typer.Option(help="Recognizer configuration (YAML).")] = None,
    names: Annotated[bool, typer.Option(help="Also find person names, addresses and organisations with "
                                             "the trained model (docs/ner.md).")] = False,
    strict: Annotated[bool, typer.Option(help="Stop at the first malformed record instead of "
                                              "reporting it and going on.")] = False,
    progress: Annotated[bool | None, typer.Option(help="Progress on standard error (default: when it "
                                                       "is a terminal).")] = None,
    encoding: EncodingOption = None,
) -> None:
    """Detect PI in text records and write one JSONL line of spans per record, in input order."""
    check_io(inputs, output)
    options = DetectOptions(parse_types(types), min_score, str(config) if config else None, show_values,
                            classify, names)
    try:
        options.analyzer()  # fail before reading anything on a bad configuration
    except ConfigError as exc:
        raise typer.BadParameter(str(exc), param_hint="--config") from None
    counts: Counter[str] = Counter()
    records = errors = 0
    bar = ByteProgress("detect", input_size(inputs), enabled=progress, console=err)
    stream = (item for path in inputs for item in iter_records(path, encoding))
    with on_interrupt(lambda: f"{records} records done; "
                              + (f"nothing written to {output}" if output else "their lines were written")), \
            (atomic_open(output) if output else contextlib.nullcontext(sys.stdout.buffer)) as sink, bar, \
            contextlib.closing(detect_stream(stream, options, jobs=jobs,  # closed at once: stops the workers
                                             on_batch=lambda b: bar.advance(sum(r.size for r in b)))) as results:
        for result in results:
            if isinstance(result, RecordError):
                errors += 1
                err.print(f"[yellow]skipped[/] {result}", highlight=False)
                if strict:
                    raise typer.Exit(2)
                continue
            records += 1
            counts.update(e["type"] for e in result["entities"])
            sink.write(orjson.dumps(result) + b"\n")
        summary = ", ".join(f"{t} {n}" for t, n in counts.most_common()) or "no PI found"
        err.print(f"{records} records, {errors} skipped; {summary}", highlight=False)
        if outcome(records, errors) == ExitCode.USAGE:  # nothing readable: no output file either
            raise typer.Exit(ExitCode.USAGE)
    raise typer.Exit(outcome(records, errors))


def demo(db: DbOption = None) -> None:
    """Run detection over the bundled synthetic sample and report what was found."""
    from piwarden.store import open_db, record_detect_run

    sample = resources.files("piwarden.demo").joinpath("sample.jsonl")
    with resources.as_file(sample) as path:
        items = list(iter_records(str(path)))
    options = DetectOptions(show_values=False, classify=True)
    started = time.perf_counter()
    results = [r for r in detect_stream(items, options) if not isinstance(r, RecordError)]
    seconds = time.perf_counter() - started
    counts: Counter[str] = Counter(e["type"] for r in results for e in r["entities"])
    out = Console()
    table = Table(title=f"PI found in {len(results)} synthetic records (bundled sample)")
    for i, col in enumerate(("type", "类型", "count", "category", "sensitive", "grade")):
        table.add_column(col, no_wrap=i == 0)
    for name, n in counts.most_common():
        e = entities.get(name)
        table.add_row(name, e.zh, str(n), e.category.zh, "yes" if e.sensitive else "no", f"L{int(e.grade)}")
    out.print(table)
    for result in results:
        types = ", ".join(e["type"] for e in result["entities"]) or "-"
        out.print(f"[dim]{result['id']}[/] {types}", highlight=False)
    url = db or default_db_url()
    run_id = record_detect_run(open_db(url), "demo:sample.jsonl", len(results),
                               sum(len(r.text.encode()) for r in items if not isinstance(r, RecordError)),
                               seconds, dict(counts))
    out.print(f"run {run_id} recorded in {redact_url(url)} (counts only, no values)", highlight=False)


def list_types() -> None:
    """List the canonical PI types with their category, sensitivity and grade."""
    table = Table()
    for i, col in enumerate(("type", "中文", "category", "sensitive", "grade", "JR/T 0171", "PI")):
        table.add_column(col, no_wrap=i == 0)
    for e in entities.ENTITY_TYPES.values():
        table.add_row(e.name, e.zh, e.category.value, "yes" if e.sensitive else "no", f"L{int(e.grade)}",
                      f"C{int(e.financial)}" if e.financial else "-", "yes" if e.is_pi else "context")
    Console().print(table)


def recognizers(config: Annotated[Path | None, typer.Option(help="Recognizer configuration (YAML).")]
                = None) -> None:
    """List the recognizers that run, with their types and context words."""
    from piwarden.detect.registry import load_recognizers

    table = Table()
    for i, col in enumerate(("recognizer", "types", "patterns", "context required")):
        table.add_column(col, no_wrap=i < 2)
    for r in load_recognizers(str(config) if config else None):
        table.add_row(r.name, ", ".join((r.entity, *r.also)), ", ".join(p.name for p in r.patterns),
                      "yes" if r.context_required else "no")
    Console().print(table)


