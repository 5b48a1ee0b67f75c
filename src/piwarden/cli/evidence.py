"""``piwarden evidence``: build a signed evidence pack for a subject and verify packs offline."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from piwarden.cli.common import DbOption, EncodingOption, ExitCode, cli_settings, fail, on_interrupt

app = typer.Typer(name="evidence", help="Evidence packs: prove what the platform did to protect a person's data.",
                  no_args_is_help=True, add_completion=False)
err = Console(stderr=True, soft_wrap=True)


def _when(text: str | None, hint: str) -> datetime | None:
    """RFC 3339 with an offset, or a date (midnight UTC)."""
    if text is None:
        return None
    from piwarden.events import parse_ts

    try:
        return parse_ts(text)
    except ValueError:
        try:
            return datetime.fromisoformat(text).replace(tzinfo=UTC) if len(text) == 10 else None
        except ValueError:
            pass
    raise typer.BadParameter("an RFC 3339 time with offset (2026-03-01T00:00:00+08:00) or a date (2026-03-01)",
                             param_hint=hint)


def _target(out: Path | None, folder: Path, name: str) -> Path:
    """``out``, else a new folder named after the case and the time in the home's ``folder`` (created)."""
    if out is not None:
        return out
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}-{time.strftime('%Y%m%dT%H%M%S')}"


@app.command()
def subject(
    subject_id: Annotated[str, typer.Argument(metavar="SUBJECT", help="The data subject's id, as the access events "
                                                                      "name it.")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="New folder for the pack (default: "
                                                                 "HOME/evidence/SUBJECT-TIME).")] = None,
    since: Annotated[str | None, typer.Option(help="Start of the period (RFC 3339 or YYYY-MM-DD); default: the "
                                                   "whole log.")] = None,
    until: Annotated[str | None, typer.Option(help="End of the period, exclusive.")] = None,
    lang: Annotated[str, typer.Option(help="Language of the report: zh or en.")] = "zh",
    fields: Annotated[str | None, typer.Option(help="Fields the statements are about, comma-separated (default: the "
                                                    "leaked fields with --leak, else every field the subject's "
                                                    "events touch).")] = None,
    datamap: Annotated[Path | None, typer.Option("--datamap", help="Data map (YAML or JSON, docs/formats/"
                                                                   "data-map.md): who receives which fields.")] = None,
    leak: Annotated[Path | None, typer.Option("--leak", help="A leak sample naming the subject (needs --records and "
                                                             "--datamap): adds the attribution.")] = None,
    records: Annotated[Path | None, typer.Option("--records", help="The platform's records, JSON Lines "
                                                                   "(leak-sample.md), for --leak.")] = None,
    training: Annotated[Path | None, typer.Option("--training", help="Staff training records, CSV with staff, "
                                                                     "course, date.")] = None,
    max_range: Annotated[int, typer.Option(min=0, help="Largest complete range of leaves to include; past it the "
                                                       "statements rest on the index.")] = 200_000,
    pdf: Annotated[bool, typer.Option(help="Also write report.pdf.")] = True,
    db: DbOption = None,
    encoding: EncodingOption = None,
) -> None:
    """Build a subject's evidence pack: where the data lives, the measures in force, every access with its proof,
    statements re-checkable offline, the leak analysis and a timeline; signed, with its own verifier."""
    from piwarden.audit.note import NoteError
    from piwarden.audit.store_base import AuditStoreError
    from piwarden.db import DatabaseError
    from piwarden.evidence import PackError, SubjectRequest, build_subject_pack
    from piwarden.evidence.measures import read_training
    from piwarden.fonts import FontNotFound
    from piwarden.inputs import InputError

    if lang not in ("zh", "en"):
        raise typer.BadParameter("zh or en", param_hint="--lang")
    start, end = _when(since, "--since"), _when(until, "--until")
    if leak is not None and (records is None or datamap is None):
        raise fail("--leak needs --records and --datamap")
    for path, hint in ((datamap, "--datamap"), (leak, "--leak"), (records, "--records"), (training, "--training")):
        if path is not None and not path.is_file():
            raise typer.BadParameter(f"no such file: {path}", param_hint=hint)
    settings = cli_settings(database={"url": db})
    target = _target(out, settings.home / "evidence", subject_id)
    req = SubjectRequest(subject_id, target, start, end, lang, fields.split(",") if fields else None,
                         formats=("html", "pdf") if pdf else ("html",), max_range=max_range)
    started = time.perf_counter()
    try:
        if datamap is not None:
            from piwarden.forensics.attribution.datamap import DataMap

            req.datamap = DataMap.load(datamap)
        if training is not None:
            req.training = read_training(training)
        if leak is not None and records is not None:
            req.leak = _leak(leak, records, req, settings.db_url, encoding)
        with on_interrupt(lambda: "nothing written (the pack is written whole or not at all)"):
            manifest = build_subject_pack(req, settings.db_url)
    except (PackError, DatabaseError, AuditStoreError, NoteError, FontNotFound, InputError) as exc:
        raise fail(exc) from None
    except (OSError, ValueError) as exc:
        raise fail(f"{type(exc).__name__}: {exc}" if not isinstance(exc, OSError) else
                   f"cannot write the pack ({exc.strerror})") from None
    typer.echo(f"wrote {target}: {len(manifest['files'])} files, signed; {time.perf_counter() - started:.1f} s")


def _leak(leak: Path, records: Path, req: object, db_url: str, encoding: str | None) -> dict[str, object]:
    """Attribution over the events of the leak's subjects in the period (read from the audit log)."""
    from piwarden.audit.log import open_log
    from piwarden.events import parse_event
    from piwarden.evidence import SubjectRequest, leak_findings
    from piwarden.forensics.attribution.leak import read_leak
    from piwarden.forensics.attribution.match import RecordIndex

    assert isinstance(req, SubjectRequest)
    index = RecordIndex.load(records)
    _, rows = read_leak(leak, None, encoding=encoding)
    subjects = sorted({m.subject for row in rows for m in index.match(row)})
    if req.subject not in subjects:
        raise fail("the subject is not among the leak's matched rows: the case is about someone else")
    from piwarden.audit.store_base import Query

    seen: dict[int, object] = {}
    with open_log(db_url) as log:
        for s in subjects:
            for e in log.query(Query(subject=s, limit=10_000_000)):
                if e.body is not None and e.index not in seen:
                    seen[e.index] = parse_event(e.body)
    events = [seen[i] for i in sorted(seen)]
    return leak_findings(index, rows, req.datamap, events, req.subject, req.lang)


@app.command()
def leak(
    leak_file: Annotated[Path, typer.Argument(metavar="LEAK", help="The leak sample (CSV, JSON Lines or text; "
                                                                   "leak-sample.md).")],
    records: Annotated[Path, typer.Option("--records", help="The platform's records, JSON Lines (leak-sample.md).")],
    datamap: Annotated[Path, typer.Option("--datamap", help="Data map (YAML or JSON): who receives which fields.")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="New folder for the pack (default: "
                                                                 "HOME/evidence/leak-NAME-TIME).")] = None,
    since: Annotated[str | None, typer.Option(help="Start of the period (RFC 3339 or YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="End of the period, exclusive.")] = None,
    lang: Annotated[str, typer.Option(help="Language of the report: zh or en.")] = "zh",
    max_range: Annotated[int, typer.Option(min=0, help="Largest complete range of leaves to include.")] = 200_000,
    pdf: Annotated[bool, typer.Option(help="Also write report.pdf.")] = True,
    db: DbOption = None,
    encoding: EncodingOption = None,
) -> None:
    """Build a leak case's evidence pack: what leaked about whom, who held the field set, the attribution with its
    reasoning, and for each customer who saw the whole leaked set in clear, re-checkable offline."""
    from piwarden.audit.note import NoteError
    from piwarden.audit.store_base import AuditStoreError
    from piwarden.db import DatabaseError
    from piwarden.evidence import PackError, build_leak_pack
    from piwarden.evidence.leak_pack import LeakRequest
    from piwarden.fonts import FontNotFound
    from piwarden.forensics.attribution.datamap import DataMap, DataMapError
    from piwarden.forensics.attribution.leak import LeakError
    from piwarden.forensics.attribution.match import RecordsError
    from piwarden.inputs import InputError

    if lang not in ("zh", "en"):
        raise typer.BadParameter("zh or en", param_hint="--lang")
    for path, hint in ((leak_file, "LEAK"), (records, "--records"), (datamap, "--datamap")):
        if not path.is_file():
            raise typer.BadParameter(f"no such file: {path}", param_hint=hint)
    settings = cli_settings(database={"url": db})
    target = _target(out, settings.home / "evidence", f"leak-{leak_file.stem}")
    started = time.perf_counter()
    try:
        req = LeakRequest(leak_file, records, DataMap.load(datamap), target, lang, _when(since, "--since"),
                          _when(until, "--until"), max_range, ("html", "pdf") if pdf else ("html",), encoding)
        with on_interrupt(lambda: "nothing written (the pack is written whole or not at all)"):
            manifest = build_leak_pack(req, settings.db_url)
    except (PackError, DatabaseError, AuditStoreError, NoteError, FontNotFound, InputError, DataMapError, LeakError,
            RecordsError) as exc:
        raise fail(exc) from None
    except OSError as exc:
        raise fail(f"cannot write the pack ({exc.strerror})") from None
    doc = json.loads((target / "pack.json").read_text("utf-8"))
    top = doc["candidates"][0]["party"] if doc["candidates"] else "-"
    typer.echo(f"wrote {target}: {len(doc['leak']['subjects'])} customers, most likely source {top}; "
               f"{len(manifest['files'])} files, signed; {time.perf_counter() - started:.1f} s")


@app.command()
def incident(
    incident_id: Annotated[str, typer.Argument(metavar="INCIDENT", help="The incident id (piwarden incident list).")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="New folder for the pack (default: "
                                                                 "HOME/evidence/INCIDENT-TIME).")] = None,
    lang: Annotated[str, typer.Option(help="Language of the report: zh or en.")] = "zh",
    pdf: Annotated[bool, typer.Option(help="Also write report.pdf.")] = True,
    db: DbOption = None,
) -> None:
    """Build an incident's evidence pack: the deadlines with their sources, every step of the response with its
    inclusion proof, the measures in force; signed, with its own verifier."""
    from piwarden.audit.note import NoteError
    from piwarden.audit.store_base import AuditStoreError
    from piwarden.db import DatabaseError
    from piwarden.evidence import PackError, build_incident_pack
    from piwarden.evidence.incidents import IncidentError
    from piwarden.fonts import FontNotFound

    if lang not in ("zh", "en"):
        raise typer.BadParameter("zh or en", param_hint="--lang")
    settings = cli_settings(database={"url": db})
    target = _target(out, settings.home / "evidence", incident_id)
    try:
        manifest = build_incident_pack(incident_id, target, lang, ("html", "pdf") if pdf else ("html",),
                                       settings.db_url)
    except (PackError, DatabaseError, AuditStoreError, NoteError, FontNotFound, IncidentError) as exc:
        raise fail(exc) from None
    except OSError as exc:
        raise fail(f"cannot write the pack ({exc.strerror})") from None
    typer.echo(f"wrote {target}: {len(manifest['files'])} files, signed")


@app.command()
def pipia(
    activity: Annotated[str, typer.Argument(help="The processing activity's id in the data map (processing[].id).")],
    datamap: Annotated[Path, typer.Option("--datamap", help="Data map with a processing section (docs/formats/"
                                                            "data-map.md).")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="New folder for the draft (default: "
                                                                 "HOME/pipia/ACTIVITY-DATE).")] = None,
    lang: Annotated[str, typer.Option(help="Language of the report: zh or en.")] = "zh",
    pdf: Annotated[bool, typer.Option(help="Also write report.pdf.")] = True,
    db: DbOption = None,
) -> None:
    """Draft a personal-information impact assessment (PIPL Art. 55-56) for one processing activity, from the data
    map, inventory and measures in force, with the open questions for a person; sealed and dated, kept three years."""
    from piwarden.audit.note import NoteError
    from piwarden.db import DatabaseError
    from piwarden.evidence import PackError, build_pipia
    from piwarden.fonts import FontNotFound

    if lang not in ("zh", "en"):
        raise typer.BadParameter("zh or en", param_hint="--lang")
    if not datamap.is_file():
        raise typer.BadParameter(f"no such file: {datamap}", param_hint="--datamap")
    settings = cli_settings(database={"url": db})
    target = _target(out, settings.home / "pipia", activity)
    try:
        build_pipia(datamap, activity, target, lang, ("html", "pdf") if pdf else ("html",), settings.db_url)
    except (PackError, DatabaseError, NoteError, FontNotFound) as exc:
        raise fail(exc) from None
    except OSError as exc:
        raise fail(f"cannot write the draft ({exc.strerror})") from None
    doc = json.loads((target / "pack.json").read_text("utf-8"))
    typer.echo(f"wrote {target}: {len(doc['open_questions'])} open questions, {len(doc['findings'])} findings; keep "
               f"until {doc['keep_until']}")


@app.command()
def verify(
    pack: Annotated[Path, typer.Argument(help="The pack folder.")],
    key: Annotated[str | None, typer.Option(help="The platform's published verifier key (vkey text, or @FILE); "
                                                 "default: the pack's own key, printed to compare.")] = None,
) -> None:
    """Check a pack offline: manifest signature and file hashes, checkpoint and cosignatures, every inclusion proof,
    the complete range, and every statement re-run; each failure names the file and the item. Exit 1 if any fails."""
    from piwarden.evidence.standalone import main

    if not pack.is_dir():
        raise fail(f"no such pack folder: {pack}")
    if key is not None and key.startswith("@"):
        from piwarden.inputs import InputError, read_text

        path = Path(key[1:])
        if not path.is_file():
            raise fail(f"no such file: {path} (--key)")
        try:
            key = read_text(path).strip()
        except InputError as exc:
            raise fail(exc) from None
        except OSError as exc:
            raise fail(f"cannot read the key file {path} ({exc.strerror})") from None
        if not key:
            raise fail(f"the key file {path} is empty")
    raise typer.Exit(ExitCode.OK if main([str(pack), *(["--key", key] if key else [])]) == 0 else ExitCode.FOUND)


@app.command()
def demo(folder: Annotated[Path | None, typer.Option("--dir", help="Where to build the case (default: "
                                                                   "HOME/evidence-demo; a previous demo's is "
                                                                   "replaced).")] = None,
         lang: Annotated[str, typer.Option(help="Language of the report: zh or en.")] = "zh") -> None:
    """The waybill case end to end: a synthetic platform's audit log, a courier's leak, the customer's pack built,
    signed and verified."""
    import shutil

    from piwarden.demo.evidence_case import build
    from piwarden.evidence import SubjectRequest, build_subject_pack, verify_pack
    from piwarden.forensics.attribution.datamap import DataMap

    settings = cli_settings()
    where = folder or settings.home / "evidence-demo"
    mark = where / ".piwarden-evidence-demo"
    if where.exists() and any(where.iterdir()) and not mark.exists():
        raise fail(f"{where} is not empty and not a previous demo's folder: give another --dir")
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    mark.write_text("made by piwarden evidence demo; replaced by the next run\n", "utf-8")
    started = time.perf_counter()
    case = build(where / "platform")
    err.print(f"synthetic platform: {case.events} access events in {case.db_url.rsplit('/', 1)[-1]}; "
              f"a leak of {case.carrier}'s waybills: {case.leak.name}", highlight=False)
    req = SubjectRequest(case.subject, where / f"pack-{case.subject}", lang=lang, datamap=DataMap.load(case.datamap))
    req.leak = _leak(case.leak, case.records, req, case.db_url, None)
    build_subject_pack(req, case.db_url)
    report = verify_pack(req.out)
    doc = json.loads((req.out / "pack.json").read_text("utf-8"))
    out = Console(soft_wrap=True)
    out.print(f"[bold]evidence pack for {case.subject}[/] -> {req.out} ({time.perf_counter() - started:.1f} s)",
              highlight=False)
    for c in doc["claims"]:
        if c["id"] == "C1" or c["id"].startswith(("F-phone", "P-merchant")):
            out.print(f"  {c['id']}: {c['text']['en']}", highlight=False, markup=False)
    top = doc["findings"]["candidates"][0]
    out.print(f"  most likely source of the leak: {top['party']} (score {top['score']:.2f}); the real one: "
              f"{case.carrier}", highlight=False, markup=False)
    out.print(f"  verify: {'OK' if report.ok else 'FAILED'} ({report.events} events, {report.claims} statements "
              f"re-checked); open {req.out / 'report.html'}", highlight=False, markup=False)
    if not report.ok:
        raise typer.Exit(ExitCode.FOUND)
