"""Option parsing shared by the command groups (detect, mask, ...)."""

from __future__ import annotations

from typing import Annotated

import typer

from piwarden import entities


def parse_types(types: str | None) -> tuple[str, ...] | None:
    """``--types PHONE,cn_id`` as canonical names; None for all types."""
    if not types:
        return None
    try:
        return tuple(entities.canonical(t) for t in types.split(",") if t.strip())
    except entities.UnknownEntityType as exc:
        raise typer.BadParameter(str(exc), param_hint="--types") from None


KeyFileOption = Annotated[str | None, typer.Option(
    "--key-file", help="Master key file; a bare name is looked up in PIWARDEN_HOME/keys and created (0600) if "
                       "absent. Default: PIWARDEN_MASK_KEY, else PIWARDEN_HOME/keys/mask.key.")]


DbOption = Annotated[str | None, typer.Option("--db", help="SQLAlchemy URL of the piwarden database "
                                                          "(default: SQLite in PIWARDEN_HOME).")]
