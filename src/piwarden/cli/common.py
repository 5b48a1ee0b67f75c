"""Option parsing shared by the command groups (detect, mask, ...), and the settings of one invocation.

The root callback (``piwarden --home DIR``) builds the settings once (``start_settings``);
commands read them with ``cli_settings``, passing their own flags (``--db``, ...) to override.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from piwarden import entities
from piwarden.settings import Settings, SettingsError, get_settings, load_settings, use_settings


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


def start_settings(ctx: typer.Context, home: Path | None) -> None:
    """Build the settings once per command and make them what library code's ``get_settings()`` answers."""
    if ctx.resilient_parsing:
        return
    flags: dict[str, Any] = {"home": home} if home is not None else {}
    try:
        settings = load_settings(**flags)
    except SettingsError as exc:
        raise settings_error(exc) from None
    ctx.with_resource(_invocation(CliState(flags, settings)))


def cli_settings(**sections: Mapping[str, Any]) -> Settings:
    """This command's settings: the root's, with the command's own flags (None: not given) over them."""
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
