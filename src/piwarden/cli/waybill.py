"""``piwarden mask waybill``: print privacy waybills from JSON orders, as PNG and/or PDF files.

The command function is registered by :mod:`piwarden.cli.mask`. Rendering libraries load
only when the command runs. Keys are never printed; errors name a waybill by its position
and number, never by a name, phone or address.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import orjson
import typer
from pydantic import ValidationError
from rich.console import Console

from piwarden import entities
from piwarden.cli.common import KeyFileOption, fail, outcome
from piwarden.inputs import label, read_text
from piwarden.mask.errors import MaskError, PolicyError
from piwarden.mask.keys import KeyFileError, load_keys
from piwarden.mask.policy import ANY, default_policy, load_policy
from piwarden.mask.waybill.model import WaybillError, describe, parse_waybill
from piwarden.mask.waybill.virtual import VirtualNumberPool
from piwarden.outputs import write_atomic

if TYPE_CHECKING:
    from piwarden.fonts import FontPair
    from piwarden.mask.waybill.layout import Layout

err = Console(stderr=True, soft_wrap=True)

# the same option as `piwarden mask run --key-file` (not imported: mask.cli imports this module)

class Format(StrEnum):
    png = "png"
    pdf = "pdf"
    both = "both"


def waybill(
    waybills: Annotated[str, typer.Argument(help="Waybills as JSON (one object or a list) or JSONL, or - for "
                                              "standard input.")],
    out_dir: Annotated[Path, typer.Option("--out-dir", "-o", help="Folder for the files, one per waybill, "
                                                                  "named by waybill number.")],
    fmt: Annotated[Format, typer.Option("--format", help="png, pdf, or both.")] = Format.png,
    policy: Annotated[Path | None, typer.Option(help="Masking policy (YAML); default: by grade (partial "
                                                     "names, phones and addresses).")] = None,
    role: Annotated[str, typer.Option(help="Role of whoever the label is printed for.")] = ANY,
    purpose: Annotated[str | None, typer.Option(help="Purpose, for the policy's keyed operators.")] = None,
    key_file: KeyFileOption = None,
    pool: Annotated[str | None, typer.Option(help="Comma-separated virtual numbers rented from the carrier "
                                                  "(default: a demonstration pool).")] = None,
    dpi: Annotated[int, typer.Option(min=150, max=1200, help="PNG resolution (thermal printers: 203 or "
                                                             "300).")] = 300,
    font: Annotated[Path | None, typer.Option(help="Font file with Chinese glyphs (default: Noto Sans CJK "
                                                   "SC, found through fontconfig).")] = None,
    strict: Annotated[bool, typer.Option(help="Stop at the first waybill that cannot be printed.")] = False,
) -> None:
    """Print privacy waybills: masked names and phones, a virtual number, a QR code resolved by the vault."""
    from piwarden.fonts import FontNotFound, find_cjk_fonts
    from piwarden.mask.waybill.layout import layout
    from piwarden.mask.waybill.masking import WaybillMasker

    if waybills != "-" and not Path(waybills).is_file():
        raise typer.BadParameter(f"no such file: {waybills}", param_hint="WAYBILLS")
    try:
        numbers = VirtualNumberPool(numbers=tuple(n.strip() for n in pool.split(",") if n.strip())) if pool else None
    except ValidationError:
        raise typer.BadParameter("a pool is comma-separated numbers of 5 to 15 digits", param_hint="--pool") from None
    try:
        keys = load_keys(key_file)
    except KeyFileError as exc:
        raise typer.BadParameter(str(exc), param_hint="--key-file") from None
    try:
        pol = load_policy(policy) if policy else default_policy()
        masker = WaybillMasker(keys, pol, role=role, purpose=purpose, pool=numbers)
    except (PolicyError, MaskError, entities.UnknownEntityType) as exc:
        err.print(f"[red]policy error[/] {exc} (run `piwarden mask policy lint`)", highlight=False)
        raise typer.Exit(2) from None
    try:
        fonts = find_cjk_fonts(font)
    except FontNotFound as exc:
        err.print(f"[red]font error[/] {exc}", highlight=False)
        raise typer.Exit(2) from None
    items = list(_read(waybills))  # the input is read (and its encoding found) before anything is written
    if not items:
        raise fail(f"{label(waybills)}: no waybills in the input")
    out_dir.mkdir(parents=True, exist_ok=True)
    done = skipped = 0
    for index, data in items:
        try:
            if isinstance(data, WaybillError):
                raise data
            page = layout(masker.mask(parse_waybill(data, index), index))
            _write(page, out_dir, fmt, dpi, fonts)
        except (WaybillError, MaskError) as exc:
            skipped += 1
            message = str(exc) if isinstance(exc, WaybillError) else f"{describe(index, data)}: {exc}"
            err.print(f"[yellow]skipped[/] {message}", highlight=False)
            if strict:
                raise typer.Exit(2) from None
            continue
        done += 1
    kinds = "png and pdf" if fmt is Format.both else fmt.value
    err.print(f"{done} waybill{'s' * (done != 1)} printed ({kinds}) to {out_dir}, {skipped} skipped", highlight=False)
    raise typer.Exit(outcome(done, skipped))


def _write(page: Layout, out_dir: Path, fmt: Format, dpi: int, fonts: FontPair) -> None:
    from piwarden.mask.waybill.pdf import render_pdf
    from piwarden.mask.waybill.png import render_png

    if fmt in (Format.png, Format.both):
        write_atomic(out_dir / f"{page.waybill_no}.png", render_png(page, dpi=dpi, fonts=fonts))
    if fmt in (Format.pdf, Format.both):
        write_atomic(out_dir / f"{page.waybill_no}.pdf", render_pdf(page, fonts=fonts))


def _read(source: str) -> Iterator[tuple[int, Any]]:
    """(position, decoded object or the error) per waybill, from JSON or JSONL; positions from 1."""
    raw = read_text(source)  # in its encoding (piwarden.inputs); InputError: not text
    try:
        whole = orjson.loads(raw)
    except orjson.JSONDecodeError:
        whole = None  # JSONL, or broken: line by line
    else:
        yield from enumerate(whole if isinstance(whole, list) else [whole], 1)
        return
    lines = [line for line in raw.splitlines() if line.strip()]  # str lines: orjson reads them too
    for index, line in enumerate(lines, 1):
        try:
            yield index, orjson.loads(line)
        except orjson.JSONDecodeError:
            yield index, WaybillError(f"waybill {index}: not valid JSON")
