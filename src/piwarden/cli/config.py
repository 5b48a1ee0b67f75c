"""``piwarden config``: the effective settings, where each one comes from, and where the settings file is."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, cast
from urllib.parse import urlsplit, urlunsplit

import typer
from pydantic import SecretStr

from piwarden.cli.common import cli_settings, root_flags, settings_error
from piwarden.home import redact_url
from piwarden.settings import Settings, SettingsError, setting_names, setting_origins

app = typer.Typer(name="config", help="The effective settings and where each comes from.", no_args_is_help=True,
                  add_completion=False)
HIDDEN = "**********"


def _hide_password(url: str) -> str:
    """A URL with any password in it replaced (witness and TSA URLs may carry credentials)."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        host = parts.hostname or ""
        netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    except ValueError:
        return "<unparseable URL>"


def shown_value(settings: Settings, dotted: str) -> str | float | int | None:
    """A setting's effective value as ``config show`` prints it: secrets hidden, passwords out of URLs."""
    derived = {"database.url": redact_url(settings.db_url), "detect.cache_dir": str(settings.cache_dir),
               "forensics.documents_dir": str(settings.documents_dir)}
    if dotted in derived:
        return derived[dotted]
    section, _, name = dotted.partition(".")
    value = getattr(getattr(settings, section), name) if name else getattr(settings, section)
    if isinstance(value, SecretStr):
        return HIDDEN if value.get_secret_value() else None
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, str) and "://" in value:
        return _hide_password(value)
    return cast("str | float | int | None", value)


@app.command()
def show(as_json: Annotated[bool, typer.Option("--json", help="One JSON object: each setting's value and "
                                                              "source.")] = False) -> None:
    """Every setting's effective value (secrets hidden) and its source: default, piwarden.toml, environment, flag."""
    settings = cli_settings()
    try:
        origins = setting_origins(**root_flags())
    except SettingsError as exc:
        raise settings_error(exc) from None
    rows = [(dotted, shown_value(settings, dotted), origins[dotted]) for dotted in setting_names()]
    if as_json:
        typer.echo(json.dumps({"file": str(settings.toml_path),
                               "settings": {d: {"value": v, "source": o} for d, v, o in rows}}, ensure_ascii=False))
        return
    width = max(len(d) for d, _, _ in rows)
    shown = [("(not set)" if v is None else str(v)) for _, v, _ in rows]
    value_width = min(max(len(v) for v in shown), 60)
    for (dotted, _, origin), value in zip(rows, shown, strict=True):
        typer.echo(f"{dotted:<{width}}  {value:<{value_width}}  {origin}")


@app.command()
def path() -> None:
    """Where the settings file is read from (HOME/piwarden.toml); says so on standard error when it is absent."""
    settings = cli_settings()
    typer.echo(str(settings.toml_path))
    if not settings.toml_path.is_file():
        typer.echo("(no such file yet: the defaults and the environment apply)", err=True)
