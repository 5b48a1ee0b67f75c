"""``piwarden incident``: the incident register, its clocks, remedies, letters and the regulator's draft."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from piwarden.cli.common import DbOption, EncodingOption, cli_settings, fail

if TYPE_CHECKING:
    from piwarden.evidence.incidents import Register

app = typer.Typer(name="incident", help="Incident register: open from a leak or an alert, clocks, remedies, letters.",
                  no_args_is_help=True, add_completion=False)
out = Console(soft_wrap=True)
RulesOption = Annotated[Path | None, typer.Option("--rules", help="Reporting rules (YAML, like the bundled "
                                                                  "evidence/reporting.yaml).")]
ByOption = Annotated[str, typer.Option("--by", help="Who does this (an account id; goes into the audit log).")]


@contextlib.contextmanager
def _register(db: str | None, rules: Path | None = None) -> Iterator[Register]:
    from piwarden.audit.log import open_log
    from piwarden.audit.store_base import AuditStoreError
    from piwarden.db import DatabaseError, open_engine
    from piwarden.evidence.incidents import IncidentError, Register, Rules

    settings = cli_settings(database={"url": db})
    try:
        loaded = Rules.load(rules) if rules else None
        engine = open_engine(settings.db_url)
    except (IncidentError, DatabaseError) as exc:
        raise fail(exc) from None
    try:
        with open_log(settings.db_url) as log:
            yield Register(engine, log, loaded)
    except (IncidentError, AuditStoreError) as exc:
        raise fail(exc) from None
    finally:
        engine.dispose()


def _time(text: str | None, hint: str) -> datetime:
    from piwarden.events import parse_ts

    if text is None:
        return datetime.now(UTC)
    try:
        return parse_ts(text)
    except ValueError:
        raise typer.BadParameter("an RFC 3339 time with offset, e.g. 2026-03-01T23:30:00+08:00", param_hint=hint) \
            from None


@app.command("open")
def open_incident(
    title: Annotated[str, typer.Option(help="A short title (no personal data).")],
    leak: Annotated[Path | None, typer.Option("--leak", help="A leak sample: its matched customers are the affected "
                                                             "subjects, its fields the information involved (needs "
                                                             "--records).")] = None,
    records: Annotated[Path | None, typer.Option("--records", help="The platform's records (leak-sample.md).")] = None,
    subjects: Annotated[Path | None, typer.Option("--subjects", help="Or: a file of subject ids, one per line.")]
    = None,
    fields: Annotated[str | None, typer.Option(help="Fields involved, comma-separated (default: the leak's).")] = None,
    source: Annotated[str | None, typer.Option(help="Where it came from (default: leak:<file name>, else "
                                                    "manual); e.g. alert:<id>.")] = None,
    detected: Annotated[str | None, typer.Option(help="When the incident was found (RFC 3339 with offset; default: "
                                                      "now). The clocks run from here.")] = None,
    persons: Annotated[int | None, typer.Option(min=0, help="People affected if more than the subjects listed "
                                                            "(e.g. the whole table the sample came from).")] = None,
    sensitive: Annotated[bool, typer.Option(help="Sensitive personal information is involved.")] = False,
    operator_class: Annotated[str, typer.Option(help="cii, central_organ or other: decides to whom and how fast "
                                                     "to report.")] = "other",
    severity: Annotated[str | None, typer.Option(help="general, relatively_major, major or especially_major "
                                                      "(default: by the number of people).")] = None,
    zone: Annotated[str, typer.Option(help="Time zone the clocks and letters are shown in.")] = "Asia/Shanghai",
    by: ByOption = "security",
    rules: RulesOption = None,
    db: DbOption = None,
    encoding: EncodingOption = None,
) -> None:
    """Open an incident: affected subjects, information involved, severity and its reporting clocks."""
    found: list[str] = []
    leaked: list[str] = []
    if leak is not None:
        if records is None:
            raise fail("--leak needs --records")
        for path, hint in ((leak, "--leak"), (records, "--records")):
            if not path.is_file():
                raise typer.BadParameter(f"no such file: {path}", param_hint=hint)
        from piwarden.forensics.attribution.leak import LeakError, read_leak
        from piwarden.forensics.attribution.match import RecordIndex, RecordsError

        try:
            index = RecordIndex.load(records)
            _, rows = read_leak(leak, None, encoding=encoding)
        except (LeakError, RecordsError) as exc:
            raise fail(exc) from None
        matches = [m for row in rows for m in index.match(row)]
        found = sorted({m.subject for m in matches})
        leaked = sorted({f for m in matches for f in m.fields})
    if subjects is not None:
        from piwarden.inputs import InputError, read_text

        if not subjects.is_file():
            raise typer.BadParameter(f"no such file: {subjects}", param_hint="--subjects")
        try:
            listed = [s.strip() for s in read_text(subjects, encoding).splitlines() if s.strip()]
            long = next((n for n, s in enumerate(listed, 1) if len(s) > 128), None)
            if long is not None:
                raise fail(f"{subjects}: subject ids are at most 128 characters (id {long} is longer)")
            found += listed
        except InputError as exc:
            raise fail(exc) from None
        except OSError as exc:
            raise fail(f"cannot read the subjects file {subjects} ({exc.strerror})") from None
    if not found and persons is None:
        raise fail("no affected subjects: give --leak with --records, --subjects, or --persons")
    when = _time(detected, "--detected")
    with _register(db, rules) as reg:
        iid = reg.open(title=title, source=source or (f"leak:{leak.name}" if leak else "manual"), subjects=found,
                       fields=fields.split(",") if fields else leaked, detected=when, by=by, persons=persons,
                       sensitive=sensitive, operator_class=operator_class, severity=severity, zone=zone)
        inc = reg.get(iid)
        out.print(f"opened {iid}: {inc.persons} people, severity {inc.severity}", highlight=False)
        _clocks(reg, inc.id)


def _clocks(reg: Register, iid: str) -> None:
    from piwarden.evidence.incidents import human_left

    inc = reg.get(iid)
    now = datetime.now(UTC)
    for c in inc.clocks(reg.rules):
        due = inc.at(c.due) if c.due else "immediately"
        state = c.status(now)
        left = human_left(c.left(now)) if state in ("running", "overdue") else state
        out.print(f"  {c.what[0]} ({c.to[0]}): due {due}; {left}  [{c.source}: {c.quote}]", highlight=False,
                  markup=False)


@app.command("list")
def list_incidents(all_: Annotated[bool, typer.Option("--all", help="Closed ones too.")] = False,
                   rules: RulesOption = None, db: DbOption = None) -> None:
    """Open incidents with every deadline and the time left (shown in each incident's zone)."""
    from piwarden.evidence.incidents import SEVERITY_NAMES, human_left

    with _register(db, rules) as reg:
        now = datetime.now(UTC)
        found = reg.list(all_)
        for inc in found:
            out.print(f"{inc.id}  {SEVERITY_NAMES[inc.severity][0]}  {inc.persons} people  detected {inc.at(inc.detected)}"
                      f"{'  closed ' + inc.at(inc.closed) if inc.closed else ''}  {inc.title}", highlight=False,
                      markup=False)
            for c in inc.clocks(reg.rules):
                state = c.status(now)
                left = human_left(c.left(now)) if state in ("running", "overdue") else state
                out.print(f"    {c.what[0]}: due {inc.at(c.due) if c.due else 'immediately'}  {left}", highlight=False,
                          markup=False)
        if not found:
            out.print("no open incidents" if not all_ else "no incidents")


@app.command("show")
def show(incident: Annotated[str, typer.Argument(help="The incident id.")], rules: RulesOption = None,
         db: DbOption = None) -> None:
    """One incident: its clocks and every step with the audit leaf that records it."""
    with _register(db, rules) as reg:
        inc = reg.get(incident)
        out.print(f"{inc.id}: {inc.title} ({inc.source}); {inc.persons} people, severity {inc.severity}; fields "
                  f"{', '.join(inc.fields) or '-'}", highlight=False, markup=False)
        _clocks(reg, inc.id)
        for s in inc.steps:
            at = inc.at(datetime.fromtimestamp(s["at_us"] / 1e6, UTC))
            out.print(f"  {at} {s['kind']} {s['detail']} (leaf {s['leaf']})", highlight=False, markup=False)


@app.command("act")
def act(incident: Annotated[str, typer.Argument(help="The incident id.")],
        hold: Annotated[list[str] | None, typer.Option("--hold", help="Put this vault account under approval "
                                                                      "for every reveal; repeat.")] = None,
        revoke_sessions: Annotated[list[str] | None, typer.Option("--revoke-sessions", help="End this account's "
                                                                                            "sessions; repeat.")]
        = None,
        revoke_keys: Annotated[list[str] | None, typer.Option("--revoke-keys", help="Revoke this service "
                                                                                    "account's API keys; repeat.")]
        = None,
        by: ByOption = "security", db: DbOption = None) -> None:
    """Remedial actions on the vault, each recorded in the register and the audit log."""
    todo = [("hold", t) for t in hold or []] + [("revoke_sessions", t) for t in revoke_sessions or []] + \
        [("revoke_keys", t) for t in revoke_keys or []]
    if not todo:
        raise fail("nothing to do: give --hold, --revoke-sessions or --revoke-keys")
    with _register(db) as reg:
        for kind, target in todo:
            leaf = reg.remedy(incident, kind, target, by)
            out.print(f"{kind} {target}: done (audit leaf {leaf})", highlight=False)


@app.command("report")
def report(incident: Annotated[str, typer.Argument(help="The incident id.")], by: ByOption = "security",
           reference: Annotated[str, typer.Option(help="The regulator's reference or how it was sent.")] = "",
           db: DbOption = None) -> None:
    """Record that the regulator was told (stops the reporting clock)."""
    with _register(db) as reg:
        leaf = reg.step(incident, "reported", by, {"reference": reference[:200]})
        out.print(f"{incident}: reported (audit leaf {leaf})", highlight=False)
        _clocks(reg, incident)


@app.command("notify")
def notify(incident: Annotated[str, typer.Argument(help="The incident id.")],
           folder: Annotated[Path, typer.Option("--out", "-o", help="New folder for the letters and the regulator "
                                                                    "draft.")],
           lang: Annotated[str, typer.Option(help="zh or en.")] = "zh",
           operator: Annotated[str, typer.Option(help="The platform's name, for the regulator draft.")] = "",
           cause: Annotated[str, typer.Option(help="The cause as known (no personal data).")] = "",
           harm: Annotated[str, typer.Option(help="The possible harm.")] = "",
           contact: Annotated[str, typer.Option(help="Whom the people affected can contact.")] = "",
           by: ByOption = "security", rules: RulesOption = None, db: DbOption = None) -> None:
    """Write a letter per affected person (PIPL Art. 57 contents) and the regulator report draft; record it."""
    from piwarden.evidence.letters import write_notices

    if lang not in ("zh", "en"):
        raise typer.BadParameter("zh or en", param_hint="--lang")
    if folder.exists():
        raise fail(f"{folder} exists; choose a new folder")
    if not folder.parent.is_dir():
        raise fail(f"no such folder: {folder.parent}")
    from piwarden.evidence.pack import PackError

    with _register(db, rules) as reg:
        try:
            done = write_notices(reg.get(incident), reg.rules, folder, lang, operator, cause, harm, contact)
        except PackError as exc:
            raise fail(exc) from None
        leaf = reg.step(incident, "notified", by, {"letters": done["letters"], "lang": lang})
        out.print(f"{incident}: {done['letters']} letters and the regulator draft in {folder} (audit leaf {leaf})",
                  highlight=False)


@app.command("close")
def close(incident: Annotated[str, typer.Argument(help="The incident id.")],
          summary: Annotated[str, typer.Option(help="What was found and done (no personal data).")] = "",
          by: ByOption = "security", db: DbOption = None) -> None:
    """Close an incident (recorded in the audit log)."""
    with _register(db) as reg:
        leaf = reg.close(incident, by, summary)
        out.print(f"{incident}: closed (audit leaf {leaf})", highlight=False)
