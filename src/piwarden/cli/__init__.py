"""The ``piwarden`` command."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Annotated

import typer

from piwarden.cli import detect as detect_commands
from piwarden.cli.audit import app as audit_app
from piwarden.cli.common import DbOption, PiwardenGroup, cli_settings, start_settings
from piwarden.cli.config import app as config_app
from piwarden.cli.db import app as db_app
from piwarden.cli.evidence import app as evidence_app
from piwarden.cli.forensics import app as forensics_app
from piwarden.cli.incident import app as incident_app
from piwarden.cli.mask import app as mask_app
from piwarden.cli.mask import policy_app
from piwarden.cli.ner import app as ner_app
from piwarden.cli.scan import scan_command
from piwarden.cli.serve import serve as serve_command
from piwarden.cli.vault import app as vault_app
from piwarden.home import redact_url

app = typer.Typer(
    name="piwarden",
    help="Find personal information, keep it from leaking, catch whoever leaks it, prove what was done.",
    no_args_is_help=True,
    add_completion=False,
    cls=PiwardenGroup,
)
app.add_typer(audit_app, name="audit", help="Tamper-evident audit log of access to personal data.")
app.add_typer(ner_app, name="ner", help="Train and evaluate the name/address/organisation model.")
app.add_typer(mask_app, name="mask", help="Mask and de-identify PI by type and by the viewer's role.")
app.add_typer(forensics_app, name="forensics", help="Catch the insider: simulate a platform, detect abnormal access.")
app.add_typer(config_app, name="config", help="The effective settings and where each comes from.")
app.add_typer(db_app, name="db", help="The piwarden database's schema: upgrade it, show its revision.")
app.add_typer(policy_app, name="policy", help="Check and show masking policies (same as `piwarden mask policy`).")
app.add_typer(evidence_app, name="evidence", help="Evidence packs: what the platform did to protect a person's data, "
                                                  "signed and verifiable offline.")
app.add_typer(incident_app, name="incident", help="Incident register: clocks per the CAC reporting measures, "
                                                  "remedies, letters to the people affected, the regulator draft.")
app.add_typer(vault_app, name="vault", help="The PI vault: accounts, keys and rotation, recovery, access-policy tests.")
app.command("detect")(detect_commands.detect)
app.command("demo")(detect_commands.demo)
app.command("types")(detect_commands.list_types)
app.command("recognizers")(detect_commands.recognizers)
app.command("scan")(scan_command)
app.command("serve")(serve_command)


@app.callback()
def root(ctx: typer.Context,
         home: Annotated[Path | None, typer.Option("--home", help="piwarden's home: database, keys, cache and "
                                                                  "piwarden.toml (default: PIWARDEN_HOME, else "
                                                                  "~/.piwarden).")] = None,
         debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of an unexpected error "
                                                             "(it may hold values; off by default).")] = False,
         ) -> None:
    """Build the settings once (defaults < piwarden.toml < environment < flags) for the command that runs."""
    # What the imports made lives as long as the process: move it out of the garbage collector's
    # reach, so full collections during a long command scan only what the command allocates
    # (measured: `mask run` of 4,000 records 0.80 -> 0.63 s CPU; docs/benchmarks.md).
    gc.freeze()
    start_settings(ctx, home, debug)


@app.command()
def home(db: DbOption = None) -> None:
    """Show where piwarden keeps its state."""
    settings = cli_settings(database={"url": db})
    typer.echo(f"home: {settings.home}")  # plain: rich would wrap a long path and read [..] as markup
    typer.echo(f"database: {redact_url(settings.db_url)}")


def main() -> None:  # pragma: no cover - console entry
    app()
