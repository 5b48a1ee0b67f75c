"""Option parsing shared by the command groups (detect, mask, ...), and the settings of one invocation.

The root callback (``piwarden --home DIR``) builds the settings once (``start_settings``);
commands read them with ``cli_settings``, passing their own flags (``--db``, ...) to override.
The root group imports a sub-command's module only when that sub-command runs (``Lazy``), and
this module imports nothing heavy itself (settings and pydantic only once a command runs), so
``piwarden --help`` and a command's start-up stay short (docs/benchmarks.md, CLI start-up).
"""

from __future__ import annotations

import _thread
import errno
import importlib
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, NamedTuple

import typer
from rich.console import Console
from typer.core import TyperCommand, TyperGroup
from typer.exceptions import TyperException

from piwarden import entities
from piwarden.inputs import InputError, check_encoding, check_path
from piwarden.outputs import OutputError, check_output

if TYPE_CHECKING:
    from typer import _click as click

    from piwarden.settings import Settings, SettingsError


class ExitCode(IntEnum):
    """What every command's exit status means (docs/exit-codes.md)."""

    OK = 0  # done
    FOUND = 1  # done, and found problems: verification failed, PI found with --fail-on, lint errors
    USAGE = 2  # a usage or input error: nothing (useful) was done
    PARTIAL = 3  # done for some inputs, records or tables, not for others (each one named)
    INTERRUPTED = 130  # SIGINT or SIGTERM: stopped, with a word on what was finished


_stderr = Console(stderr=True, soft_wrap=True)


def fail(message: object, code: int = ExitCode.USAGE) -> typer.Exit:
    """Print ``error: message`` on standard error and return the Exit to raise (messages carry no values)."""
    _stderr.print(f"error: {message}", highlight=False, markup=False)
    return typer.Exit(int(code))


def outcome(done: int, failed: int) -> int:
    """The exit status of a command over many items: 0 all done, 3 some failed, 2 none done and some failed."""
    if not failed:
        return ExitCode.OK
    return ExitCode.PARTIAL if done else ExitCode.USAGE


def interrupted(finished: str) -> typer.Exit:
    """Say what was finished before the interruption; the Exit (130) to raise."""
    _stderr.print(f"interrupted: {finished}", highlight=False, markup=False)
    return typer.Exit(int(ExitCode.INTERRUPTED))


@contextmanager
def on_interrupt(finished: Callable[[], str]) -> Iterator[None]:
    """Turn Ctrl-C (or SIGTERM) inside the block into exit 130 with ``finished()`` saying what was done."""
    try:
        yield
    except KeyboardInterrupt:
        raise interrupted(finished()) from None


def _encoding(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return check_encoding(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


EncodingOption = Annotated[str | None, typer.Option(
    "--encoding", callback=_encoding, help="Encoding of the input files (default: found from a byte-order mark, "
                                           "else UTF-8 or GB18030 by content; e.g. utf-8, gb18030, utf-16).")]


class Lazy(NamedTuple):
    """A sub-command of the root whose module is imported only when the sub-command is used."""

    target: str  # "module:attr": a Typer app (a group) or a command function
    help: str  # a group's help; a function's first paragraph, as the root's list shows it (a test checks both)


class _Commands(MutableMapping[str, "click.Command"]):
    """The root's sub-commands by name, in the root's order: a lazy one is built on first access."""

    def __init__(self, group: PiwardenGroup, built: Mapping[str, click.Command]) -> None:
        self._group = group
        self._built = dict(built)
        self._names = dict.fromkeys([*group.lazy, *built])

    def built(self, name: str) -> bool:
        return name in self._built

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._built:
            if name not in self._names:
                raise KeyError(name)
            self._built[name] = self._group.build(name, self._group.lazy[name])
        return self._built[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._names[name] = None
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._names[name]
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


class PiwardenGroup(TyperGroup):
    """The root command: expected failures become one line and a documented exit code, never a traceback.

    Ctrl-C and SIGTERM anywhere end with exit 130 (commands that can say what they finished
    catch them first, ``on_interrupt``); an input or output that cannot be used ends with 2; an
    unexpected error prints its type only (``--debug`` shows the traceback), since its message
    might hold a value.

    The sub-commands in ``lazy`` are imported only when one runs (or is looked up): the root's
    help lists them from their ``Lazy.help``, so ``piwarden --help`` imports none of them.
    """

    lazy: ClassVar[Mapping[str, Lazy]] = {}

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = _Commands(self, self.commands)
        self._listing = False

    def build(self, name: str, entry: Lazy) -> click.Command:
        """The command of a lazy entry, built as ``add_typer``/``command`` on the root would have built it."""
        module, _, attr = entry.target.partition(":")
        target = getattr(importlib.import_module(module), attr)
        holder = typer.Typer(rich_markup_mode=self.rich_markup_mode)  # the root's other settings are typer's defaults
        if isinstance(target, typer.Typer):
            holder.add_typer(target, name=name, help=entry.help)
        else:
            holder.command(name)(target)
        return typer.main.get_group(holder).commands[name]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        commands = self.commands
        if self._listing and isinstance(commands, _Commands) and cmd_name in self.lazy and not commands.built(cmd_name):
            return TyperCommand(name=cmd_name, help=self.lazy[cmd_name].help)  # a stand-in, for the list only
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, TyperException):
            raise
        except KeyboardInterrupt:
            raise interrupted("stopped before the end") from None
        except (InputError, OutputError) as exc:
            raise fail(exc) from None
        except OSError as exc:
            if debugging() or exc.errno == errno.EPIPE:
                raise
            where = f"{exc.filename}: " if exc.filename else ""
            raise fail(f"{where}{exc.strerror or type(exc).__name__}") from None
        except Exception as exc:
            if debugging():
                raise
            raise fail(f"unexpected {type(exc).__name__} (a bug; run with --debug for the traceback)") from None


_debug = False


def debugging() -> bool:
    """Whether ``--debug`` was given: unexpected errors show their traceback."""
    return _debug


def _interrupt_soon() -> None:
    time.sleep(0.01)
    _thread.interrupt_main()


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt in the main thread, so it ends the way Ctrl-C does (exit 130).

    A signal that lands while a finalizer runs (a weakref callback of SQLAlchemy's, a ``__del__``)
    raises its KeyboardInterrupt there, where Python prints "Exception ignored" and drops it: the
    command would go on. The unraisable hook raises it again in the main thread instead, silently.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    hook = sys.unraisablehook

    def unraisable(u: Any) -> None:
        if isinstance(u.exc_value, KeyboardInterrupt):  # raised again from another thread, once the finalizer ended
            threading.Thread(target=_interrupt_soon, daemon=True, name="piwarden-reinterrupt").start()
            return
        hook(u)

    previous = signal.signal(signal.SIGTERM, handler)
    sys.unraisablehook = unraisable
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        sys.unraisablehook = hook


def check_io(inputs: list[str], output: Path | None) -> None:
    """Before any work: every input readable, the output's folder there and writable; else exit 2."""
    try:
        for path in inputs:
            if path != "-":
                check_path(path)
        if output is not None:
            check_output(output)
    except (InputError, OutputError) as exc:
        raise fail(exc) from None


def parse_types(types: str | None) -> tuple[str, ...] | None:
    """``--types PHONE,cn_id`` as canonical names; None for all types."""
    if not types:
        return None
    try:
        return tuple(entities.canonical(t) for t in types.split(",") if t.strip())
    except entities.UnknownEntityType as exc:
        raise typer.BadParameter(str(exc), param_hint="--types") from None


KeyFileOption = Annotated[str | None, typer.Option(
    "--key-file", help="Master key file; a bare name is looked up in HOME/keys and created (0600) if "
                       "absent. Default: PIWARDEN_MASK_KEY, else HOME/keys/mask.key, else the key provider.")]


DbOption = Annotated[str | None, typer.Option("--db", help="SQLAlchemy URL of the piwarden database "
                                                          "(default: PIWARDEN_DB, else SQLite in the home).")]


@dataclass(frozen=True)
class CliState:
    """What the root callback saw: the global flags and the settings built from them."""

    flags: dict[str, Any]
    settings: Settings


_state: CliState | None = None  # the running command's, between the root callback and the command's end


@contextmanager
def _invocation(state: CliState) -> Iterator[None]:
    from piwarden.settings import use_settings

    global _state
    previous, _state = _state, state
    try:
        with use_settings(state.settings):
            yield
    finally:
        _state = previous


def settings_error(exc: SettingsError) -> typer.Exit:
    """Report unusable settings (the message names the file or variable, never a value); exit 2."""
    Console(stderr=True, soft_wrap=True).print(f"error: {exc}", highlight=False, markup=False)
    return typer.Exit(2)


def start_settings(ctx: typer.Context, home: Path | None, debug: bool = False) -> None:
    """Build the settings once per command and make them what library code's ``get_settings()`` answers."""
    from piwarden.settings import SettingsError, load_settings

    global _debug
    if ctx.resilient_parsing:
        return
    _debug = debug
    ctx.with_resource(_terminate_as_interrupt())
    flags: dict[str, Any] = {"home": home} if home is not None else {}
    try:
        settings = load_settings(**flags)
    except SettingsError as exc:
        raise settings_error(exc) from None
    ctx.with_resource(_invocation(CliState(flags, settings)))


def cli_settings(**sections: Mapping[str, Any]) -> Settings:
    """This command's settings: the root's, with the command's own flags (None: not given) over them."""
    from piwarden.settings import SettingsError, get_settings, load_settings

    given = {name: {k: v for k, v in values.items() if v is not None} for name, values in sections.items()}
    given = {name: values for name, values in given.items() if values}
    if not given:
        return _state.settings if _state is not None else get_settings()
    try:
        return load_settings(_state.flags.get("home") if _state is not None else None, **given)
    except SettingsError as exc:
        raise settings_error(exc) from None


def root_flags() -> dict[str, Any]:
    """The global flags of this invocation (``--home``), for reporting where settings came from."""
    return dict(_state.flags) if _state is not None else {}
