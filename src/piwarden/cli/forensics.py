"""``piwarden forensics``: simulate a platform, detect abnormal access, record analyst feedback."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import date, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, overload

import orjson
import typer
from rich.console import Console

from piwarden.cli.common import DbOption, EncodingOption, ExitCode, check_io, on_interrupt, outcome
from piwarden.cli.documents import app as documents_app
from piwarden.home import default_db_url
from piwarden.inputs import check_path, open_text
from piwarden.outputs import atomic_open, atomic_path, check_output
from piwarden.progress import ByteProgress

if TYPE_CHECKING:
    from piwarden.events import AccessEvent, Event
    from piwarden.forensics.anomalies import Alert, Detector
    from piwarden.forensics.anomalies.audit_feed import AuditFeed
    from piwarden.forensics.anomalies.order import HourOrder
    from piwarden.forensics.anomalies.watch import AuditSource, Counts, FileSource
    from piwarden.forensics.attribution.leak import LeakRow
    from piwarden.forensics.attribution.match import RecordIndex
    from piwarden.forensics.attribution.ranking import Candidate

app = typer.Typer(name="forensics", help="Catch the insider and trace the leak: abnormal access detection, leak "
                                       "attribution and honeytokens over access events.",
                  no_args_is_help=True, add_completion=False)
err = Console(stderr=True, soft_wrap=True)


@overload
def read_events(path: Path, *, progress: bool | None = None, skipped: list[str] | None = None,
                label: str = "anomalies", encoding: str | None = None,
                lines: Iterable[tuple[int, bytes | str]] | None = None,
                lean: Literal[False] = False) -> Iterator[AccessEvent]: ...


@overload
def read_events(path: Path, *, progress: bool | None = None, skipped: list[str] | None = None,
                label: str = "anomalies", encoding: str | None = None,
                lines: Iterable[tuple[int, bytes | str]] | None = None, lean: Literal[True]) -> Iterator[Event]: ...


def read_events(path: Path, *, progress: bool | None = None, skipped: list[str] | None = None,
                label: str = "anomalies", encoding: str | None = None,
                lines: Iterable[tuple[int, bytes | str]] | None = None, lean: bool = False) -> Iterator[Event]:
    """Events from a JSONL file (any encoding ``piwarden.inputs`` reads), each validated once, with progress
    (``lean``: as the detectors read them, without unknown keys; else the model, which keeps them).

    Bad lines are named by number and field in ``skipped``, never shown.
    """
    from piwarden.events import EventError, parse_event, parse_lean  # here: `--help` need not build the model

    parse = parse_lean if lean else parse_event

    size = check_path(path).stat().st_size if path != Path("-") else None
    src = open_text(path, encoding)
    bar = ByteProgress(label, size, enabled=progress, console=err)
    pending = 0
    try:
        with bar:
            for lineno, line in (src.lines() if lines is None else lines):
                pending += len(line)
                if pending >= 1 << 20:
                    bar.advance(pending)
                    pending = 0
                if not line.strip():
                    continue
                try:
                    yield parse(line, f"line {lineno}")
                except EventError as exc:
                    if skipped is not None:
                        skipped.append(str(exc))
            bar.advance(pending)
    finally:
        src.close()


def _zone(tz: str) -> timezone:
    try:
        sign = -1 if tz.startswith("-") else 1
        hh, mm = tz.lstrip("+-").split(":")
        return timezone(sign * timedelta(hours=int(hh), minutes=int(mm)))
    except ValueError:
        raise typer.BadParameter("expected an offset such as +08:00", param_hint="--tz") from None


IncidentTicketsOption = Annotated[str | None, typer.Option(
    help="Regular expression (matched at the start) of the platform's incident tickets, which may open many "
         "people the day they are first cited (e.g. '^INC-'); any other ticket that does alerts "
         "(context.wide_ticket). Default: settings forensics.incident_tickets; unset, no such alarm.")]


def _incident_tickets(pattern: str | None) -> str | None:
    """The option's pattern, else the settings' (checked there)."""
    from piwarden.settings import get_settings, regular_expression

    if pattern is None:
        return get_settings().forensics.incident_tickets
    try:
        return regular_expression(pattern)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--incident-tickets") from None


@app.command()
def anomalies(
    events: Annotated[Path | None, typer.Option("--events", help="Access events, JSON Lines (access-event v1), in "
                                                                 "any order (sorted by time when they are not); - "
                                                                 "for standard input.")] = None,
    audit: Annotated[bool, typer.Option("--audit", help="Read the events from the audit log instead (--db): the "
                                                        "leaves the cursor has not read yet.")] = False,
    db: DbOption = None,
    cursor: Annotated[str, typer.Option(help="With --audit: the name under which this reader's position in the "
                                             "log is kept.")] = "anomalies",
    history_days: Annotated[int, typer.Option(min=0, help="With --audit: days before the new leaves replayed to "
                                                          "rebuild baselines.")] = 56,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write JSON Lines here instead of standard "
                                                                 "output.")] = None,
    feedback: Annotated[Path | None, typer.Option("--feedback", help="Analyst feedback file (see `piwarden "
                                                                     "forensics feedback`).")] = None,
    threshold: Annotated[float, typer.Option(min=0.0, max=1.0, help="Alert threshold on the calibrated 0-1 "
                                                                    "score (a probability).")] = 0.5,
    stream: Annotated[bool, typer.Option(help="Write each alert as it fires (first crossing of the threshold, "
                                              "in time order) instead of the final ranking of every actor.")]
    = False,
    top: Annotated[int | None, typer.Option(min=1, help="Only the N highest-risk actors.")] = None,
    tz: Annotated[str, typer.Option(help="UTC offset of the working day, e.g. +08:00.")] = "+08:00",
    incident_tickets: IncidentTicketsOption = None,
    reorder_hours: Annotated[int, typer.Option(min=0, help="Put events arriving up to this many hours out of "
                                                           "time order back in order.")] = 1,
    strict: Annotated[bool, typer.Option(hidden=True, help="Deprecated: every event is validated.")] = False,
    progress: Annotated[bool | None, typer.Option(help="Progress on standard error (default: when it is a "
                                                       "terminal).")] = None,
    encoding: EncodingOption = None,
) -> None:
    """Score every actor's access to personal data; write one JSON line per actor, highest risk first."""
    from piwarden.forensics.anomalies import Detector, stream_alerts
    from piwarden.forensics.anomalies.feedback import Feedback, FeedbackError
    from piwarden.forensics.anomalies.order import HourOrder
    from piwarden.forensics.anomalies.sort import out_of_order, sorted_lines

    if (events is None) == (not audit):
        raise typer.BadParameter("give --events FILE or --audit", param_hint="--events")
    check_io([str(events)] if events is not None else [], out)
    zone = _zone(tz)
    try:
        fb = Feedback.load(feedback)
    except FeedbackError as exc:
        raise typer.BadParameter(str(exc), param_hint="--feedback") from None
    det = Detector(threshold=threshold, feedback=fb, tz=zone, incident_tickets=_incident_tickets(incident_tickets))
    order = HourOrder(det.local, reorder_hours)
    skipped: list[str] = []
    late = 0
    with on_interrupt(lambda: f"{det.n_events} events read; " + (f"nothing written to {out}" if out else
                                                                   "the alerts so far were written")), \
            contextlib.ExitStack() as stack:
        if events is not None:
            source = events if str(events) != "-" else _spool_stdin(stack)
            with open_text(source, encoding) as src:
                late = out_of_order(src.lines())  # a first pass over time and id only
            ordered = None
            if late:  # sorted (on disk when large), so any order of the same events ranks the same
                ordered = sorted_lines(stack.enter_context(open_text(source, encoding)).lines())
            alerts = stream_alerts(read_events(source, progress=progress, skipped=skipped, encoding=encoding,
                                               lines=ordered, lean=True), det, order)
        else:
            feed, save = _audit_feed(stack, db, cursor, history_days, det, progress)
            alerts = stream_alerts(feed.new(), det, order, history=feed.history())
        n_alerts = _write_alerts(alerts, det, out, stream, top)
        if audit:
            save()
    for msg in skipped[:20]:
        err.print(f"[yellow]skipped[/] {msg}", highlight=False)
    if late:
        err.print(f"[yellow]warning[/] the events were not in time order ({late} came after a later one: two "
                  "sources concatenated, or a log read backwards?); they were sorted by event time before scoring",
                  highlight=False)
    if order.late:
        err.print(f"[yellow]warning[/] {order.late} events came more than {reorder_hours} h out of time order (up "
                  f"to {order.late_hours} h late): each was counted in the hour it arrived in; sort the input or "
                  "raise --reorder-hours", highlight=False)
    err.print(f"{det.n_events} events, {len(skipped)} skipped, {len(det.results())} actors, {n_alerts} above "
              f"{threshold}", highlight=False)
    raise typer.Exit(outcome(det.n_events, len(skipped)))


def _spool_stdin(stack: contextlib.ExitStack) -> Path:
    """Standard input copied to a temporary file, so that it can be read twice (order check, then events)."""
    import shutil
    import tempfile

    tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="piwarden-events-"))
    path = Path(tmp) / "events.jsonl"
    with path.open("wb") as out:
        shutil.copyfileobj(sys.stdin.buffer, out)
    return path


def _write_alerts(alerts: Iterator[Alert], det: Detector, out: Path | None, stream: bool, top: int | None) -> int:
    """Write the alerts as they fire (``stream``) or the final ranking; return how many fired."""
    n = 0
    with atomic_open(out) if out else contextlib.nullcontext(sys.stdout.buffer) as sink:
        for alert in alerts:
            n += 1
            if stream:
                sink.write(orjson.dumps(alert.to_json() | {"raised_at": alert.raised_at}) + b"\n")
        if not stream:
            for r in det.results()[:top]:
                sink.write(orjson.dumps(r.to_json()) + b"\n")
        sink.flush()
    return n


def _audit_feed(stack: contextlib.ExitStack, db: str | None, name: str, history_days: int, det: Detector,
                progress: bool | None) -> tuple[AuditFeed, Callable[[], None]]:
    """The audit log's new leaves for the cursor ``name``, and a function that moves the cursor past them."""
    from piwarden.audit.log import open_log
    from piwarden.audit.store_base import AuditStoreError
    from piwarden.forensics.anomalies.audit_feed import AuditFeed
    from piwarden.forensics.anomalies.cursor import CursorError, Cursors

    url = db or default_db_url()
    try:
        log = stack.enter_context(open_log(url))
        cursors = Cursors(url)
        stack.callback(cursors.close)
        begin, end = cursors.get(name), log.size()
    except (AuditStoreError, CursorError) as exc:
        err.print(f"error: {exc}", highlight=False)
        raise typer.Exit(2) from None
    if begin > end:
        err.print(f"error: cursor {name!r} is at leaf {begin} but the log holds {end}: not the log it read",
                  highlight=False)
        raise typer.Exit(2)
    bar = stack.enter_context(ByteProgress("anomalies", None, enabled=progress, console=err))
    feed = AuditFeed(log, begin, end, det.tz, det.local, history_days, on_leaf=bar.advance)

    def save() -> None:
        c = feed.counts
        cursors.set(name, end)
        for msg in c.messages:
            err.print(f"[yellow]skipped[/] {msg}", highlight=False)
        err.print(f"audit log: leaves {begin}-{end} read for cursor {name!r} ({c.new} new"
                  f"{f', {c.history} replayed from leaf {feed.history_begin} for baselines' if c.history else ''}); "
                  f"{c.purged} purged by retention and {c.invalid} invalid skipped", highlight=False)
        if c.reordered:
            err.print(f"[yellow]warning[/] {c.reordered} leaves came after one with a later event time (sources "
                      "sending late, a backfill?); they were sorted by event time before scoring", highlight=False)

    return feed, save


@app.command()
def watch(
    audit: Annotated[bool, typer.Option("--audit", help="Watch the audit log (--db): its new leaves as they are "
                                                        "appended.")] = False,
    follow: Annotated[Path | None, typer.Option("--follow", help="Watch a JSON Lines file of access events as it "
                                                                 "is written (like tail -f; rotation and truncation "
                                                                 "are followed).")] = None,
    db: DbOption = None,
    name: Annotated[str, typer.Option(help="The watcher's name: its audit-log cursor, its checkpoint, and the "
                                           "'watcher' of its alerts.")] = "watch",
    state: Annotated[Path | None, typer.Option("--state", help="Checkpoint file (default: HOME/forensics/"
                                                               "watch-NAME.ckpt).")] = None,
    alerts: Annotated[Path | None, typer.Option("--alerts", help="Append each alert to this JSON Lines file.")]
    = None,
    webhook: Annotated[str | None, typer.Option(help="POST each alert (JSON) to this URL; retried with backoff, "
                                                     "never holding detection up.")] = None,
    stdout: Annotated[bool, typer.Option(help="Write each alert to standard output (JSON Lines).")] = True,
    once: Annotated[bool, typer.Option(help="Process what the source holds now, score it, checkpoint and exit.")]
    = False,
    poll: Annotated[float, typer.Option(min=0.01, help="Seconds between looks at the source when it has nothing "
                                                       "new.")] = 1.0,
    idle_flush: Annotated[float, typer.Option(min=0.0, help="Seconds of a quiet source after which buffered events "
                                                            "are scored without waiting for the next hour.")] = 60.0,
    checkpoint_every: Annotated[float, typer.Option(min=0.0, help="Seconds between checkpoints.")] = 60.0,
    feedback: Annotated[Path | None, typer.Option("--feedback", help="A feedback file weighed before the "
                                                                     "verdicts in the database.")] = None,
    threshold: Annotated[float, typer.Option(min=0.0, max=1.0, help="Alert threshold on the calibrated 0-1 "
                                                                    "score (a probability).")] = 0.5,
    idle_days: Annotated[int, typer.Option(min=1, help="Forget actors idle for more than this many days.")] = 56,
    max_actors: Annotated[int, typer.Option(min=1, help="Keep at most this many actors in memory (the least "
                                                        "recently active are forgotten first).")] = 100_000,
    history_days: Annotated[int, typer.Option(min=0, help="With --audit, first start after `anomalies --audit` "
                                                          "moved the cursor: days replayed to build baselines.")]
    = 56,
    tz: Annotated[str, typer.Option(help="UTC offset of the working day, e.g. +08:00.")] = "+08:00",
    incident_tickets: IncidentTicketsOption = None,
    reorder_hours: Annotated[int, typer.Option(min=0, help="Put events arriving up to this many hours out of "
                                                           "time order back in order.")] = 1,
    hold_over: Annotated[float | None, typer.Option(min=0.0, max=1.0, help="Hold the actor of every alert scoring "
                                                                           "at least this to approval-only in the "
                                                                           "vault (same database) until released.")]
    = None,
) -> None:
    """Score new access events as they arrive; send one alert per actor and day to stdout, a file, a webhook;
    optionally hold alerted actors to approval-only in the vault."""
    import signal

    from piwarden.cli.common import interrupted
    from piwarden.forensics.anomalies import Detector
    from piwarden.forensics.anomalies.alert_store import AlertStore, AlertStoreError
    from piwarden.forensics.anomalies.feedback import Feedback, FeedbackError
    from piwarden.forensics.anomalies.order import HourOrder
    from piwarden.forensics.anomalies.watch import Checkpoint, Counts, Watcher, WatchError, jsonl_sink, stdout_sink
    from piwarden.forensics.anomalies.webhook import WebhookSender
    from piwarden.home import home_dir

    if (follow is None) == (not audit):
        raise typer.BadParameter("give --follow FILE or --audit", param_hint="--follow")
    if webhook is not None and not webhook.startswith(("http://", "https://")):
        raise typer.BadParameter("an http:// or https:// URL", param_hint="--webhook")
    zone = _zone(tz)
    incidents = _incident_tickets(incident_tickets)
    try:
        base = Feedback.load(feedback)
    except FeedbackError as exc:
        raise typer.BadParameter(str(exc), param_hint="--feedback") from None
    url = db or default_db_url()
    ckpt = Checkpoint(state or home_dir() / "forensics" / f"watch-{name}.ckpt")
    counts = Counts()
    with contextlib.ExitStack() as stack:
        try:
            store = AlertStore(url)
            stack.callback(store.close)
            saved = ckpt.load()
        except (AlertStoreError, WatchError) as exc:
            err.print(f"error: {exc}", highlight=False)
            raise typer.Exit(2) from None
        kind = "audit" if audit else "file"
        if saved is not None and saved.get("kind") != kind:
            err.print(f"error: {ckpt.path} is the checkpoint of a {saved.get('kind')} watcher; give another --state "
                      "or --name", highlight=False)
            raise typer.Exit(2)
        if saved is not None:
            det, order = saved["detector"], saved["order"]
            det.threshold, det.idle_days, det.max_actors = threshold, idle_days, max_actors
            det.declare_incident_tickets(incidents)
            err.print(f"resuming from {ckpt.path} ({det.n_events} events scored before)", highlight=False)
        else:
            det = Detector(threshold=threshold, tz=zone, daily=True, lazy=True, idle_days=idle_days,
                           max_actors=max_actors, incident_tickets=incidents)
            order = HourOrder(det.local, reorder_hours)
        source, save_cursor = _watch_source(stack, audit, follow, url, name, saved, det, order, counts, history_days)
        sinks: list[Callable[[dict[str, Any]], None]] = []
        if stdout:
            sinks.append(stdout_sink)
        if alerts is not None:
            sinks.append(jsonl_sink(check_output(alerts)))
        sender = None
        if webhook is not None:
            sender = WebhookSender(webhook)
            sinks.append(sender)
        if hold_over is not None:
            sinks.append(_hold_sink(stack, url, name, hold_over))
        w = Watcher(name, source, det, order, store, sinks, ckpt, counts, base, checkpoint_every=checkpoint_every,
                    idle_flush=idle_flush, poll=poll, freeze_heap=True)
        if save_cursor is not None:
            stack.callback(save_cursor)
        signals: list[int] = []

        def stop(signum: int, frame: object) -> None:
            signals.append(signum)
            w.stop.set()

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            w.run(once=once)
        except (AlertStoreError, WatchError) as exc:
            err.print(f"error: {exc}", highlight=False)
            raise typer.Exit(2) from None
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            if sender is not None:
                sender.close()
                err.print(sender.describe(), highlight=False)
        for msg in counts.messages:
            err.print(f"[yellow]skipped[/] {msg}", highlight=False)
        if order.late:
            err.print(f"[yellow]warning[/] {order.late} events came more than {reorder_hours} h out of time order "
                      f"(up to {order.late_hours} h late): each was counted in the hour it arrived in",
                      highlight=False)
        summary = w.describe() + f"; checkpoint {ckpt.path}"
        if signals:
            raise interrupted(summary)
        err.print(summary, highlight=False)


def _hold_sink(stack: contextlib.ExitStack, url: str, name: str, over: float) -> Callable[[dict[str, Any]], None]:
    """A sink that holds the actor of each alert scoring at least ``over`` in the vault's database, citing the
    alert's id (``piwarden vault holds`` lists it; ``vault release`` ends it)."""
    from piwarden.vault.quotas import hold_actor
    from piwarden.vault.runtime import engines

    engine, writer = engines(url)
    stack.callback(engine.dispose)
    stack.callback(writer.dispose)

    def hold(doc: dict[str, Any]) -> None:
        if float(doc["score"]) >= over and hold_actor(writer, doc["actor"], f"forensics watch {name}: anomaly score "
                                                      f"{float(doc['score']):.2f} on {doc['day']}", doc["id"]):
            err.print(f"held {doc['actor']} to approval-only (alert {doc['id']})", highlight=False)

    return hold


def _watch_source(stack: contextlib.ExitStack, audit: bool, follow: Path | None, url: str, name: str,
                  saved: dict[str, Any] | None, det: Detector, order: HourOrder, counts: Counts,
                  history_days: int) -> tuple[FileSource | AuditSource, Callable[[], None] | None]:
    """The watcher's source, positioned from the checkpoint (else the cursor), and for the audit log a function
    that saves the cursor at exit."""
    from piwarden.forensics.anomalies.watch import AuditSource, FileSource

    position = saved.get("position") if saved is not None else None
    if not audit:
        assert follow is not None
        return FileSource(follow, counts, position if isinstance(position, dict) else None), None
    from piwarden.audit.log import open_log
    from piwarden.audit.store_base import AuditStoreError
    from piwarden.forensics.anomalies.audit_feed import AuditFeed
    from piwarden.forensics.anomalies.cursor import CursorError, Cursors

    try:
        log = stack.enter_context(open_log(url))
        cursors = Cursors(url)
        stack.callback(cursors.close)
        begin = int(position["leaf"]) if isinstance(position, dict) else cursors.get(name)
    except (AuditStoreError, CursorError) as exc:
        err.print(f"error: {exc}", highlight=False)
        raise typer.Exit(2) from None
    if saved is None and begin > 0:  # a cursor without a checkpoint: rebuild the baselines from the window before
        feed = AuditFeed(log, begin, log.size(), det.tz, det.local, history_days)
        for ev in feed.history():
            for e in order.push(ev):
                det.observe(e)
        for e in order.flush():
            det.observe(e)
        det.resume()
    source = AuditSource(log, begin, counts)

    def save_cursor() -> None:
        with contextlib.suppress(CursorError):
            cursors.set(name, source.next)

    return source, save_cursor


@app.command("feedback")
def feedback_cmd(
    alert: Annotated[str | None, typer.Argument(help="An alert id from `forensics watch` (al-...): record the "
                                                     "verdict on it in the database (--db).")] = None,
    true_alarm: Annotated[bool | None, typer.Option("--true/--false", help="With ALERT_ID: a real insider, or a "
                                                                         "false alarm.")] = None,
    db: DbOption = None,
    file: Annotated[Path | None, typer.Option("--file", help="Feedback file (JSON; created if absent), for "
                                                            "`anomalies --feedback`.")] = None,
    actor: Annotated[str | None, typer.Option(help="With --file: the actor the alert was about; * for every "
                                                   "actor.")] = None,
    verdict: Annotated[str | None, typer.Option(help="With --file: confirm or dismiss.")] = None,
    reason: Annotated[str | None, typer.Option(help="With --file: reason code from the alert (e.g. keyed_no_ticket, "
                                                    "rule.ticket_reuse); default: every reason.")] = None,
    note: Annotated[str | None, typer.Option(help="Free-text note (do not paste PI here).")] = None,
) -> None:
    """Record an analyst's verdict on an alert, used by later scoring. Lists the recorded ones without ALERT_ID.

    `feedback ALERT_ID --true|--false` stores the verdict on a `forensics watch` alert in the database
    (watch reads it back); `feedback --file F --actor A --verdict confirm|dismiss` writes a file for
    `anomalies --feedback F`.
    """
    from piwarden.forensics.anomalies.feedback import Feedback, FeedbackError

    if file is None:
        _verdict(alert, true_alarm, db, note)
        return
    if alert is not None:
        raise typer.BadParameter("an alert id takes its verdict to the database, not to --file", param_hint="--file")
    try:
        fb = Feedback.load(file)
        if actor is None:
            for e in fb.entries:
                typer.echo(json.dumps(e, ensure_ascii=False))
            return
        if verdict is None:
            raise typer.BadParameter("needed with --actor", param_hint="--verdict")
        entry = fb.add(actor, verdict, reason, note)
    except FeedbackError as exc:
        err.print(f"error: {exc}", highlight=False)
        raise typer.Exit(2) from None
    fb.save(file)
    typer.echo(json.dumps(entry, ensure_ascii=False))


def _verdict(alert: str | None, true_alarm: bool | None, db: str | None, note: str | None) -> None:
    """``feedback ALERT_ID --true|--false``: the verdict in the database; without an id, the alerts with one."""
    from piwarden.forensics.anomalies.alert_store import AlertStore, AlertStoreError

    if alert is None and true_alarm is not None:
        raise typer.BadParameter("give the alert id", param_hint="ALERT_ID")
    if alert is not None and true_alarm is None:
        raise typer.BadParameter("say --true (a real insider) or --false (a false alarm)", param_hint="--true/--false")
    try:
        store = AlertStore(db or default_db_url())
        try:
            if alert is None:
                for row in store.alerts(verdict_only=True):
                    typer.echo(json.dumps(row, ensure_ascii=False))
                return
            assert true_alarm is not None
            row = store.set_verdict(alert, true_alarm, note)
        finally:
            store.close()
    except AlertStoreError as exc:
        err.print(f"error: {exc}", highlight=False)
        raise typer.Exit(2) from None
    typer.echo(json.dumps(row, ensure_ascii=False))


@app.command()
def simulate(
    out: Annotated[Path, typer.Option("--out", help="Directory to write into (created).")],
    seed: Annotated[int, typer.Option(help="Random seed: the same seed writes the same files.")] = 0,
    days: Annotated[int, typer.Option(min=1, help="Days of activity.")] = 28,
    scale: Annotated[float, typer.Option(min=0.01, help="Multiply every population (customers, merchants, "
                                                        "staff, orders).")] = 1.0,
    start: Annotated[str, typer.Option(help="First day (YYYY-MM-DD).")] = "2026-03-02",
    incidents: Annotated[bool, typer.Option(help="Inject the incidents (ground_truth.json).")] = True,
    records: Annotated[bool, typer.Option(help="Also write customers.csv, orders.csv, records.jsonl and "
                                               "datamap.yaml.")] = True,
    validate: Annotated[bool, typer.Option(help="Validate every event against the spec while writing.")] = True,
) -> None:
    """Write a synthetic platform: events.jsonl, ground_truth.json and its records and data map."""
    from piwarden.demo.platform import PlatformConfig, Simulation
    from piwarden.events import canonical_json, parse_event

    try:
        first = date.fromisoformat(start)
    except ValueError:
        raise typer.BadParameter("expected YYYY-MM-DD", param_hint="--start") from None
    out.mkdir(parents=True, exist_ok=True)
    sim = Simulation(PlatformConfig(seed=seed, days=days, scale=scale, start=first, incidents=incidents))
    with (out / "events.jsonl").open("wb") as f:
        for e in sim.events():
            f.write((canonical_json(parse_event(e)) if validate else orjson.dumps(e, option=orjson.OPT_SORT_KEYS))
                    + b"\n")
    truth = sim.ground_truth()
    (out / "ground_truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", "utf-8")
    summary = f"{truth['events']} events, {truth['actors']} actors, {len(truth['incidents'])} incidents"
    if records:
        from piwarden.demo.records import write

        counts = write(sim, out)
        summary += f", {counts['customers']} customers, {counts['orders']} orders"
    err.print(f"{summary} -> {out}", highlight=False)


@app.command()
def trace(
    leak: Annotated[Path, typer.Option("--leak", help="The leak sample: CSV or JSON Lines with canonical field "
                                                      "names, or free text (e.g. a fraud-call transcript).")],
    datamap: Annotated[Path, typer.Option("--datamap", help="Data map (YAML or JSON, datamap.md).")],
    records: Annotated[Path, typer.Option("--records", help="The platform's records, JSON Lines (leak-sample.md).")],
    events: Annotated[Path, typer.Option("--events", help="Access events, JSON Lines (access-event v1); - for "
                                                          "standard input.")],
    fmt: Annotated[str, typer.Option("--format", help="json or text.")] = "json",
    leak_format: Annotated[str | None, typer.Option("--leak-format", help="csv, jsonl or text (default: by "
                                                                          "extension, then content).")] = None,
    honeytokens: Annotated[Path | None, typer.Option("--honeytokens", help="Honeytoken registry (see `piwarden "
                                                                           "forensics honeytokens plant`).")] = None,
    lang: Annotated[str, typer.Option(help="Evidence language: both (English, then Chinese), en or zh.")] = "both",
    watermarks: Annotated[Path | None, typer.Option("--watermarks", help="Registry of watermarked exports (JSON): "
                                                                         "decode their marks from the leak and name "
                                                                         "the export and its recipient.")] = None,
    watermark_key: Annotated[str | None, typer.Option(help="With --watermarks: the marking key (default: "
                                                           "HOME/keys/watermark.key or the key provider).")] = None,
    progress: Annotated[bool | None, typer.Option(help="Progress on standard error (default: when it is a "
                                                       "terminal).")] = None,
    encoding: EncodingOption = None,
    records_on_disk: Annotated[bool | None, typer.Option(
        "--records-on-disk/--records-in-memory", help="Index the records in a temporary SQLite file (memory flat "
        "however many records) or in memory (default: on disk for a records file over 256 MiB).")] = None,
) -> None:
    """Rank who leaked a sample: parties and, where the logs allow, actors, with evidence (leak-sample.md)."""
    from piwarden.forensics.attribution.datamap import DataMap, DataMapError
    from piwarden.forensics.attribution.honeytokens import HoneytokenError, Registry
    from piwarden.forensics.attribution.leak import LeakError, read_leak
    from piwarden.forensics.attribution.match import RecordIndex, RecordsError
    from piwarden.forensics.attribution.ranking import attribute

    if fmt not in ("json", "text"):
        raise typer.BadParameter("json or text", param_hint="--format")
    if lang not in ("both", "en", "zh"):
        raise typer.BadParameter("both, en or zh", param_hint="--lang")
    if leak_format not in (None, "csv", "jsonl", "text"):
        raise typer.BadParameter("csv, jsonl or text", param_hint="--leak-format")
    for path, hint in ((leak, "--leak"), (datamap, "--datamap"), (records, "--records")):
        if not path.is_file():
            raise typer.BadParameter(f"no such file: {path}", param_hint=hint)
    if str(events) != "-" and not events.is_file():
        raise typer.BadParameter(f"no such file: {events}", param_hint="--events")
    try:
        dm = DataMap.load(datamap)
        index = RecordIndex.load(records, disk=records_on_disk)
        canaries = None
        if honeytokens is not None:
            reg = Registry.load(honeytokens)
            for r in reg.records():
                index.add(r)
            canaries = reg.exposure()
        kind, rows = read_leak(leak, leak_format, encoding=encoding)
    except (DataMapError, RecordsError, HoneytokenError, LeakError) as exc:
        err.print(f"error: {exc}", highlight=False)
        raise typer.Exit(2) from None
    skipped: list[str] = []
    ranked, summary = attribute(rows, index, dm, read_events(events, progress=progress, skipped=skipped,
                                                             label="trace", encoding=encoding), canaries, lang)
    out: dict[str, object] = {"candidates": ranked}
    if watermarks is not None:
        out["watermarks"] = _watermarks(watermarks, watermark_key, leak, kind, rows, index, ranked, lang)
    if fmt == "json":
        out["candidates"] = [c.to_json() for c in ranked]
        typer.echo(json.dumps(out, ensure_ascii=False))
    else:
        for i, c in enumerate(ranked, 1):
            typer.echo(f"{i}. {c.party}  actor={c.actor or '-'}  score={c.score:.3f}")
            for line in c.evidence:
                typer.echo(f"   - {line}")
    hits = summary["honeytoken_hits"]
    err.print(f"{kind} leak: {summary['rows']} rows, {summary['matched_rows']} matched to {summary['subjects']} "
              f"subjects, {summary['unmatched_rows']} unmatched (not customers, or too little to identify); "
              f"{summary['events']} events read, {summary['events_kept']} touching them, {len(skipped)} skipped"
              + (f"; honeytokens hit: {', '.join(hits)}" if hits else ""), highlight=False)


def _watermarks(registry: Path, key: str | None, leak: Path, kind: str, rows: list[LeakRow], index: RecordIndex,
                ranked: list[Candidate], lang: str) -> list[dict[str, object]]:
    """Decode the registered exports' marks from a structured leak; a found export's recipient leads the
    ranking, named, with the decoding as evidence. Returns the five likeliest exports (ids and counts)."""
    from piwarden.forensics.attribution.leak import raw_rows
    from piwarden.forensics.attribution.ranking import Candidate
    from piwarden.forensics.attribution.watermarks import Registry, WatermarkError, decode
    from piwarden.keys import WATERMARK_KEY, KeySourceError, find_key

    try:
        reg = Registry.load(registry)
        found_key = key.encode() if key else find_key(WATERMARK_KEY)
    except (WatermarkError, KeySourceError) as exc:
        err.print(f"error: {exc}", highlight=False)
        raise typer.Exit(2) from None
    material = found_key if isinstance(found_key, bytes) else (found_key.material if found_key else None)
    if material is None:
        raise typer.BadParameter("give --watermark-key or put the key in HOME/keys/watermark.key",
                                 param_hint="--watermark-key")
    if kind == "text":
        err.print("[yellow]warning[/] watermarks are read from CSV or JSON Lines leaks only", highlight=False)
        return []
    subjects: dict[int, str] = {}
    for row in rows:
        got = {m.subject for m in index.match(row)}
        if len(got) == 1:
            subjects[row.line] = got.pop()
    detections = decode(raw_rows(leak.read_text("utf-8"), kind), subjects, reg, material)
    for d in detections[:1]:
        if not d.found:
            break
        c = next((c for c in ranked if c.party == d.party), None)
        if c is None:
            c = Candidate(d.party, None, 0.0)
            ranked.append(c)
        ranked.remove(c)
        ranked.insert(0, c)
        c.actor = d.actor or c.actor
        en, zh = d.sentence()
        c.evidence[:0] = {"en": [en], "zh": [zh]}.get(lang, [en, zh])
    return [d.to_json() for d in detections[:5]]


honeytokens_app = typer.Typer(name="honeytokens", help="Plant canary customers; check events and leaks for them.",
                              no_args_is_help=True, add_completion=False)
app.add_typer(honeytokens_app)


def _key(key: str | None) -> bytes:
    """--key, else the honeytoken key (PIWARDEN_HONEYTOKEN_KEY, HOME/keys/honeytoken.key, the key provider)."""
    from piwarden.keys import HONEYTOKEN_KEY, KeySourceError, find_key

    if key:
        return key.encode()
    try:
        found = find_key(HONEYTOKEN_KEY)
    except KeySourceError as exc:
        raise typer.BadParameter(str(exc), param_hint="--key") from None
    if found is None:
        raise typer.BadParameter("give --key or set PIWARDEN_HONEYTOKEN_KEY", param_hint="--key")
    return found.material


@honeytokens_app.command("plant")
def honeytokens_plant(
    registry: Annotated[Path, typer.Option("--registry", help="Registry file (JSON; extended if present).")],
    party: Annotated[list[str], typer.Option("--party", help="Data-map party to expose canaries to; repeat.")],
    per_party: Annotated[int, typer.Option(min=1, help="Canaries per party.")] = 2,
    key: Annotated[str | None, typer.Option(help="Secret key (default: $PIWARDEN_HONEYTOKEN_KEY).")] = None,
    id_start: Annotated[int, typer.Option(help="First customer number of the range reserved for canaries.")]
    = 900000,
    records_out: Annotated[Path | None, typer.Option("--records-out", help="Also write the canaries as records "
                                                                           "(leak-sample.md) to feed your systems.")]
    = None,
) -> None:
    """Plant canaries (deterministic per key and party); prints canary ids and parties only."""
    from piwarden.forensics.attribution.honeytokens import HoneytokenError, Registry, plant

    try:
        existing = Registry.load(registry) if registry.is_file() else None
        reg = plant(_key(key), party, per_party, id_start, existing)
    except HoneytokenError as exc:
        err.print(f"error: {exc}", highlight=False)
        raise typer.Exit(2) from None
    reg.save(registry)
    if records_out is not None:
        with records_out.open("wb") as f:
            for c in reg.canaries:
                f.write(orjson.dumps({"subject": c.subject, "record": c.record, "resource": "order",
                                      "fields": c.fields, "recipients": c.parties}) + b"\n")
    for c in reg.canaries:
        typer.echo(json.dumps({"canary": c.subject, "record": c.record, "exposed_to": c.parties}))


@honeytokens_app.command("check")
def honeytokens_check(
    registry: Annotated[Path, typer.Option("--registry", help="Registry written by `plant`.")],
    events: Annotated[Path | None, typer.Option("--events", help="Access events to scan, JSON Lines.")] = None,
    leak: Annotated[Path | None, typer.Option("--leak", help="A leak sample to scan (CSV, JSONL or text).")] = None,
    progress: Annotated[bool | None, typer.Option(help="Progress on standard error.")] = None,
) -> None:
    """Alert (JSON Lines) on every access to a canary and every canary in a leak; exit 1 if any."""
    from piwarden.forensics.attribution.honeytokens import HoneytokenError, Registry, check_events, check_leak
    from piwarden.forensics.attribution.leak import LeakError, read_leak

    if events is None and leak is None:
        raise typer.BadParameter("give --events, --leak or both", param_hint="--events")
    try:
        reg = Registry.load(registry)
        rows = read_leak(leak)[1] if leak is not None else []
    except (HoneytokenError, LeakError) as exc:
        err.print(f"error: {exc}", highlight=False)
        raise typer.Exit(2) from None
    n = 0
    skipped: list[str] = []
    if events is not None:
        for alert in check_events(reg, read_events(events, progress=progress, label="honeytokens",
                                                   skipped=skipped)):
            n += 1
            typer.echo(json.dumps(alert, ensure_ascii=False))
    for alert in check_leak(reg, rows):
        n += 1
        typer.echo(json.dumps(alert, ensure_ascii=False))
    for msg in skipped[:20]:
        err.print(f"[yellow]skipped[/] {msg}", highlight=False)
    err.print(f"{len(reg.canaries)} canaries, {n} alerts" + (f", {len(skipped)} event lines skipped" if skipped
                                                             else ""), highlight=False)
    if n:
        raise typer.Exit(1)
    if skipped:  # not every event was checked: partial (3)
        raise typer.Exit(ExitCode.PARTIAL)


watermarks_app = typer.Typer(name="watermarks", help="Mark exports for their recipients; `trace --watermarks` "
                                                     "decodes the marks from a leak.",
                              no_args_is_help=True, add_completion=False)
app.add_typer(watermarks_app)


@watermarks_app.command("mark")
def watermarks_mark(
    src: Annotated[Path, typer.Option("--in", help="The export: CSV with a header of canonical field names.")],
    dst: Annotated[Path, typer.Option("--out", help="The marked export to hand over (CSV).")],
    export_id: Annotated[str, typer.Option("--export-id", help="The export's id (export_id in the access "
                                                                  "events).")],
    party: Annotated[str, typer.Option(help="The data-map party receiving the export.")],
    registry: Annotated[Path, typer.Option("--registry", help="Registry of marked exports (JSON; extended if "
                                                              "present).")],
    actor: Annotated[str | None, typer.Option(help="The account receiving it, if one.")] = None,
    subject_column: Annotated[str, typer.Option(help="The column holding each row's subject id (kept).")]
    = "subject",
    key: Annotated[str | None, typer.Option(help="The marking key (default: HOME/keys/watermark.key or the key "
                                                 "provider).")] = None,
) -> None:
    """Write a marked copy of an export and record it in the registry (ids and counts only)."""
    import csv
    from datetime import UTC, datetime

    from piwarden.forensics.attribution.watermarks import Export, Registry, WatermarkError
    from piwarden.keys import WATERMARK_KEY, KeySourceError, find_key
    from piwarden.mask.watermark import mark_row

    try:
        found = find_key(WATERMARK_KEY) if key is None else None
        reg = Registry.load(registry) if registry.is_file() else Registry()
    except (KeySourceError, WatermarkError) as exc:
        err.print(f"error: {exc}", highlight=False)
        raise typer.Exit(2) from None
    material = key.encode() if key else (found.material if found else None)
    if material is None:
        raise typer.BadParameter("give --key or put the key in HOME/keys/watermark.key", param_hint="--key")
    if any(e.export_id == export_id for e in reg.exports):
        raise typer.BadParameter("this export id is already registered", param_hint="--export-id")
    n = 0
    check_io([str(src)], dst)
    with open_text(src) as text, text.text() as fin, atomic_path(dst) as tmp, \
            tmp.open("w", encoding="utf-8", newline="") as fout:
        reader = csv.DictReader(fin)
        if reader.fieldnames is None or subject_column not in reader.fieldnames:
            raise typer.BadParameter(f"no column {subject_column!r} in the header", param_hint="--subject-column")
        writer = csv.DictWriter(fout, fieldnames=reader.fieldnames)
        writer.writeheader()
        for row in reader:
            writer.writerow(mark_row(row, material, export_id, row[subject_column]))
            n += 1
    reg.exports.append(Export(export_id, party, actor, datetime.now(UTC).isoformat(timespec="seconds"), n))
    reg.save(registry)
    typer.echo(json.dumps({"export_id": export_id, "party": party, "actor": actor, "rows": n}, ensure_ascii=False))


app.add_typer(documents_app, name="documents")
