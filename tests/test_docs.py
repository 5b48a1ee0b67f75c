"""Every CLI command is documented: a command nobody can find is a command nobody uses."""

from __future__ import annotations

import re
from pathlib import Path

import typer
from typer.main import get_command

from piwarden.cli import app

REPO = Path(__file__).resolve().parents[1]
DOCS = "\n".join(p.read_text("utf-8") for p in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))])


def _commands(group: typer.Typer) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []

    def walk(command: object, path: tuple[str, ...]) -> None:
        subcommands = getattr(command, "commands", None)
        if subcommands:
            for name, sub in subcommands.items():
                walk(sub, (*path, name))
        elif path:
            found.append(path)

    walk(get_command(group), ())
    return found


def test_every_command_is_documented() -> None:
    commands = _commands(app)
    assert ("detect",) in commands and ("audit", "verify") in commands and ("mask", "run") in commands
    missing = []
    for path in commands:
        if (f"piwarden {path[0]}" not in DOCS and f"`{path[0]}`" not in DOCS) or (len(path) > 1 and not re.search(rf"(?<![\w-]){re.escape(path[-1])}(?![\w-])", DOCS)):
            missing.append(" ".join(path))
    assert missing == []
