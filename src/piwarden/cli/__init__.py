"""The ``piwarden`` command."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Annotated

import typer

from piwarden.cli.common import DbOption, Lazy, PiwardenGroup, cli_settings, start_settings

# name -> where the sub-command lives and the help the root's list shows, in the list's order.
# A sub-command's module is imported only when it runs, so `piwarden --help` and each command
# start quickly (docs/benchmarks.md, CLI start-up); tests/test_cli_lazy.py checks that every
# help here is the one the command itself has.
COMMANDS = {
    "detect": Lazy("piwarden.cli.detect:detect",
                   "Detect PI in text records and write one JSONL line of spans per record, in input order."),
    "demo": Lazy("piwarden.cli.detect:demo",
                 "Run detection over the bundled synthetic sample and report what was found."),
    "types": Lazy("piwarden.cli.detect:list_types",
                  "List the canonical PI types with their category, sensitivity and grade."),
    "recognizers": Lazy("piwarden.cli.detect:recognizers",
                        "List the recognizers that run, with their types and context words."),
    "scan": Lazy("piwarden.cli.scan:scan_command",
                 "Scan files and databases for PI; classify and grade each column; store the inventory."),
    "serve": Lazy("piwarden.cli.serve:serve", "Serve piwarden's HTTP API (docs/server.md): the audit log, the vault "
                                              "(docs/vault.md), every plugin's routes."),
    "home": Lazy("piwarden.cli:home", "Show where piwarden keeps its state."),
    "audit": Lazy("piwarden.cli.audit:app", "Tamper-evident audit log of access to personal data."),
    "ner": Lazy("piwarden.cli.ner:app", "Train and evaluate the name/address/organisation model."),
    "mask": Lazy("piwarden.cli.mask:app", "Mask and de-identify PI by type and by the viewer's role."),
    "forensics": Lazy("piwarden.cli.forensics:app",
                      "Catch the insider: simulate a platform, detect abnormal access."),
    "config": Lazy("piwarden.cli.config:app", "The effective settings and where each comes from."),
    "db": Lazy("piwarden.cli.db:app", "The piwarden database's schema: upgrade it, show its revision."),
    "policy": Lazy("piwarden.cli.mask:policy_app",
                   "Check and show masking policies (same as `piwarden mask policy`)."),
    "evidence": Lazy("piwarden.cli.evidence:app", "Evidence packs: what the platform did to protect a person's data, "
                                                  "signed and verifiable offline."),
    "incident": Lazy("piwarden.cli.incident:app", "Incident register: clocks per the CAC reporting measures, "
                                                  "remedies, letters to the people affected, the regulator draft."),
    "vault": Lazy("piwarden.cli.vault:app",
                  "The PI vault: accounts, keys and rotation, recovery, access-policy tests."),
}


class RootGroup(PiwardenGroup):
    """``piwarden``: its sub-commands, imported as they are used."""

    lazy = COMMANDS


app = typer.Typer(
    name="piwarden",
    help="Find personal information, keep it from leaking, catch whoever leaks it, prove what was done.",
    no_args_is_help=True,
    add_completion=False,
    cls=RootGroup,
)


@app.callback()
def root(ctx: typer.Context,
         home: Annotated[Path | None, typer.Option("--home", help="piwarden's home: database, keys, cache and "
                                                                  "piwarden.toml (default: PIWARDEN_HOME, else "
                                                                  "~/.piwarden).")] = None,
         debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of an unexpected error "
                                                             "(it may hold values; off by default).")] = False,
         ) -> None:
    """Build the settings once (defaults < piwarden.toml < environment < flags) for the command that runs."""
    start_settings(ctx, home, debug)
    # What the imports made lives as long as the process: move it out of the garbage collector's
    # reach, so full collections during a long command scan only what the command allocates
    # (measured: `mask run` of 4,000 records 0.80 -> 0.63 s CPU; docs/benchmarks.md). The
    # sub-command's module was imported before this callback runs, the settings just above.
    gc.freeze()


def home(db: DbOption = None) -> None:
    """Show where piwarden keeps its state."""
    from piwarden.home import redact_url

    settings = cli_settings(database={"url": db})
    typer.echo(f"home: {settings.home}")  # plain: rich would wrap a long path and read [..] as markup
    typer.echo(f"database: {redact_url(settings.db_url)}")


def main() -> None:  # pragma: no cover - console entry
    app()
