"""Finding a font that draws Chinese: fontconfig first, then where distributions put Noto CJK.

Waybills and purpose stamps are drawn in Noto Sans CJK SC, which Debian ships as
``fonts-noto-cjk`` (installed by ``scripts/setup-system.sh``). Its files are TrueType collections with CFF outlines; Pillow
opens a face by ``index`` and fpdf2 by ``collection_font_number``, so a face is a path and an
index. No font, no waybill: a label that prints boxes instead of 收件人 is worse than an error.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import ImageFont

DEBIAN_PACKAGE = "fonts-noto-cjk"
FAMILY = "Noto Sans CJK SC"
_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/noto-cjk", "/usr/share/fonts/google-noto-cjk",
         "/usr/share/fonts/opentype/noto-cjk", "/usr/local/share/fonts")
_FILES = {False: ("NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular.otf"),
          True: ("NotoSansCJK-Bold.ttc", "NotoSansCJKsc-Bold.otf")}


class FontNotFound(RuntimeError):
    """No font with Chinese glyphs was found."""


@dataclass(frozen=True, slots=True)
class FontFace:
    """One face of a font file (``index`` selects it in a collection)."""

    path: Path
    index: int = 0


@dataclass(frozen=True, slots=True)
class FontPair:
    """Regular text, and bold for labels (the regular face if there is no bold one)."""

    regular: FontFace
    bold: FontFace


def find_cjk_fonts(override: str | Path | None = None) -> FontPair:
    """The fonts to print with: ``override`` (a font file) if given, else Noto Sans CJK SC."""
    if override is not None:
        path = Path(override).expanduser()
        if not path.is_file():
            raise FontNotFound(f"no font file at {path}")
        face = FontFace(path, _sc_index(path))
        return FontPair(face, face)
    regular = _find(False)
    if regular is None:
        raise FontNotFound(f"no Chinese font found (looked for {FAMILY} through fontconfig and in "
                           f"{', '.join(_DIRS)}); install the Debian package {DEBIAN_PACKAGE} "
                           "(scripts/setup-system.sh does), or pass a font file")
    return FontPair(regular, _find(True) or regular)


@lru_cache(maxsize=2)
def _find(bold: bool) -> FontFace | None:
    return _fontconfig(bold) or _known_path(bold)


def _fontconfig(bold: bool) -> FontFace | None:
    """fontconfig's best face for Simplified Chinese, if it really covers Chinese."""
    if shutil.which("fc-match") is None:
        return None
    pattern = f"{FAMILY}:lang=zh-cn" + (":weight=bold" if bold else "")
    try:
        out = subprocess.run(["fc-match", "-f", "%{file}\n%{index}\n%{lang}\n%{weight}", pattern],
                             capture_output=True, text=True, timeout=10, check=True).stdout.split("\n")
    except (OSError, subprocess.SubprocessError):
        return None
    if len(out) < 4 or "zh-cn" not in out[2].split("|") or (bold and int(out[3] or 0) < 200):
        return None  # fontconfig's fallback without Chinese glyphs, or no bold face
    path = Path(out[0])
    return FontFace(path, int(out[1] or 0)) if path.is_file() else None


def _known_path(bold: bool) -> FontFace | None:
    for directory in _DIRS:
        for name in _FILES[bold]:
            path = Path(directory) / name
            if path.is_file():
                return FontFace(path, _sc_index(path))
    return None


def _sc_index(path: Path) -> int:
    """The Simplified Chinese face of a collection (0 for a single font or when none is named SC)."""
    from PIL import ImageFont

    for index in range(16):
        try:
            family, _ = ImageFont.truetype(str(path), 10, index=index).getname()
        except OSError:
            break
        if family and family.endswith(" SC"):
            return index
    return 0


@lru_cache(maxsize=32)
def pil_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The Noto CJK file's first face at ``size`` pixels, else Pillow's default font: for drawings
    that must not fail for want of a font (purpose stamps, synthetic documents)."""
    from PIL import ImageFont

    face = _find(False)
    try:
        return ImageFont.truetype(str(face.path), size) if face else ImageFont.load_default(size)
    except OSError:
        return ImageFont.load_default(size)
