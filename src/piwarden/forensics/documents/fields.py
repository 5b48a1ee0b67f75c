"""Key fields read by OCR: the long numbers that make a document one person's (issue 21 point 2).

The tile comparison (:mod:`.verify`) cannot tell a heavily degraded copy from a stranger's document of
the same template when both score a little under the threshold. A long number printed on the
document (an ID, card, passport or credit-code number) can: a stranger's differs in most characters,
a copy's is the same even through blur, glare on another part or a sticker elsewhere. The stored
document is read whole once (Tesseract, ``eng``: these numbers are Latin letters and digits), its
long runs of letters and digits kept with their boxes; the submission, already registered onto it,
is read only in those boxes. A document with no such number of its own (an ID card back: the issuing
authority and the validity dates) has its lines of Chinese read too (``chi_sim``, :func:`read_text`). The
texts stay in memory: neither logged nor output, only which kind of field agreed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from piwarden.detect.ids.checksums import gb32100, iso7064_mod11_2, luhn

STRONG = frozenset({"id_number", "credit_code", "card_number", "passport_number"})   # one person's (a date is not)
TEXT = "text"        # a line of Chinese on the personal tiles (an ID card back's issuing authority): read only for a
#                      document with no number of a STRONG kind, and decisive only with no field disagreeing
TEXT_CHARS = 6       # Chinese characters such a line needs (an authority has 8-12: city, 公安局, district)
MIN_CHARS = 9        # a key field: a run of at least this many letters and digits,
MIN_DIGITS = 7       # at least this many of them digits (a number, not a word or a date such as 11MAY1965)
SLACK = 1            # characters a read may miss or misread and still agree (one blurred digit)
DIFFERS = 4          # a read of the same length as the stored field differing in this many: another document
_KEEP = re.compile(r"[^0-9A-Z<]")
_RUN = re.compile(r"[0-9A-Z<]+")
_WHITELIST = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<"
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Field:
    """A long number read off a stored document: its kind, its text (never output) and its box (x, y, w, h)."""

    kind: str
    text: str
    box: tuple[int, int, int, int]


def kind(text: str) -> str:
    """What a key field is, by its shape and check character (the output names this, never the text)."""
    if len(text) == 18 and text[:17].isdigit() and iso7064_mod11_2.calc_check_digit(text[:17]) == text[17]:
        return "id_number"
    if gb32100.is_valid(text):
        return "credit_code"
    # a payment card starts with its industry digit, 3-6 (not a run of dates, 2024...): Luhn alone passes 1 in 10
    if text.isdigit() and 13 <= len(text) <= 19 and text[0] in "3456" and luhn.is_valid(text):
        return "card_number"
    if re.fullmatch(r"[A-Z]{1,2}[0-9]{7,8}", text):
        return "passport_number"
    return "number"


def _core(run: str) -> str:
    """The number in a run: a window of a known shape (a label read as Latin letters often sticks to it: "SHAR",
    "YP"), else the run from its first digit to its last."""
    for n in (18, 19, 16, 17, 15, 14, 13, 10, 9):
        for i in range(len(run) - n + 1):
            # a number starts and ends where its digits do (not "AR20240331" or a card-like 13 digits cut out of
            # a date range)
            if kind(run[i:i + n]) != "number" and not run[i - 1:i].isdigit() and not run[i + n:i + n + 1].isdigit():
                return run[i:i + n]
    digits = [i for i, c in enumerate(run) if c.isdigit()]
    return run[digits[0]:digits[-1] + 1] if digits else run


def _runs(text: str) -> list[str]:
    """Long runs of letters and digits in one line of OCR output (spaces, dots and dashes inside a number dropped),
    each cut to its number (:func:`_core`)."""
    joined = _KEEP.sub("", re.sub(r"[ .\-/]", "", text.upper()))
    cores = (_core(r) for r in _RUN.findall(joined))
    return [r for r in cores if len(r) >= MIN_CHARS and sum(c.isdigit() for c in r) >= MIN_DIGITS]


def _ocr_image(gray: np.ndarray) -> np.ndarray:
    return np.clip(gray, 0, 255).astype(np.uint8)


def _lines(gray: np.ndarray, lang: str) -> tuple[dict[str, list[Any]], list[list[int]]]:
    """Tesseract's words on ``gray`` (sparse text, ``lang``) and the indexes of the words of each line, in order."""
    import pytesseract  # imported when first needed: a check that never reads a field does not load it

    data = pytesseract.image_to_data(_ocr_image(gray), lang=lang, config="--psm 11", output_type=pytesseract.Output.DICT)
    lines: dict[tuple[int, int, int], list[int]] = {}
    for i, word in enumerate(data["text"]):
        if word.strip():
            lines.setdefault((data["block_num"][i], data["par_num"][i], data["line_num"][i]), []).append(i)
    return data, list(lines.values())


def read(gray: np.ndarray) -> tuple[Field, ...]:
    """The key fields of a stored document's grayscale image (full resolution), in reading order."""
    data, lines = _lines(gray, "eng")
    out: list[Field] = []
    for words in lines:
        text = " ".join(data["text"][i] for i in words)
        for run in _runs(text):
            x0 = min(data["left"][i] for i in words)
            y0 = min(data["top"][i] for i in words)
            x1 = max(data["left"][i] + data["width"][i] for i in words)
            y1 = max(data["top"][i] + data["height"][i] for i in words)
            out.append(Field(kind(run), run, (x0, y0, x1 - x0, y1 - y0)))
    seen = [f.text for f in out]
    # a run read twice on one document (an MRZ repeats the passport number) is one field
    return tuple(f for i, f in enumerate(out) if f.text not in seen[:i])


def read_text(gray: np.ndarray, tiles: np.ndarray, tile: int, scale: float) -> tuple[Field, ...]:
    """The lines of Chinese on a stored document's personal ``tiles`` (working scale, ``scale`` times as big as the
    full resolution of ``gray``): Tesseract ``chi_sim``, each line cut from its first word on a personal tile to its
    last (a printed label before it, 签发机关, is left out), its Chinese characters kept if at least ``TEXT_CHARS``.
    An ID card back's personal content is its issuing authority and validity dates; the dates are read by
    :func:`read`, the authority here."""
    data, lines = _lines(gray, "chi_sim")
    out: list[Field] = []
    for words in lines:
        boxes = [(data["left"][i], data["top"][i], data["width"][i], data["height"][i]) for i in words]
        on = [k for k, b in enumerate(boxes) if touches(b, tiles, tile, scale)]
        if not on:
            continue
        words, boxes = words[on[0]:on[-1] + 1], boxes[on[0]:on[-1] + 1]
        text = "".join(_CJK.findall("".join(data["text"][i] for i in words)))
        if len(text) >= TEXT_CHARS:
            x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
            x1, y1 = max(b[0] + b[2] for b in boxes), max(b[1] + b[3] for b in boxes)
            out.append(Field(TEXT, text, (x0, y0, x1 - x0, y1 - y0)))
    return tuple(out)


def distance(a: str, b: str) -> int:
    """Levenshtein distance (short strings)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _closest(field: str, runs: list[str]) -> int | None:
    """The least edit distance between ``field`` and a window of the same length in one of ``runs``."""
    best = None
    for run in runs:
        n = len(field)
        windows = [run[i:i + n] for i in range(max(1, len(run) - n + 1))]
        for w in windows:
            d = distance(field, w) + max(0, n - len(w))
            best = d if best is None else min(best, d)
    return best


def compare(warped: np.ndarray, fields: tuple[Field, ...]) -> tuple[tuple[str, bool], ...]:
    """Read ``warped`` (a submission registered onto the stored document, same frame and resolution) in each
    field's box: ``(kind, True)`` where the stored text is read (up to ``SLACK`` characters off), ``(kind, False)``
    where a run long enough to hold it is read whose closest window differs in ``DIFFERS`` or more; a field read
    neither way is left out."""
    import pytesseract

    h, w = warped.shape[:2]
    out = []
    for f in fields:
        x, y, bw, bh = f.box
        if f.kind == TEXT:   # one line of Chinese: read as one line, its characters only
            pad_y, pad_x = bh // 2 + 2, bh
        else:
            pad_y, pad_x = bh, bh + bw // 10
        crop = warped[max(0, y - pad_y):min(h, y + bh + pad_y), max(0, x - pad_x):min(w, x + bw + pad_x)]
        if crop.size == 0:
            continue
        if f.kind == TEXT:
            text = pytesseract.image_to_string(_ocr_image(crop), lang="chi_sim", config="--psm 7")
            runs = ["".join(_CJK.findall(text))]
            d = _closest(f.text, runs) if runs[0] else None
            if d is None:
                continue
            # exactly: two offices of one pool of names differ in one character (郑州/惠州市公安局高港分局: on
            # scenarios/documents seed 1 a copy of one read one character off the other's)
            if d == 0:
                out.append((f.kind, True))
            elif abs(len(runs[0]) - len(f.text)) <= 2:
                out.append((f.kind, False))
            continue
        text = pytesseract.image_to_string(_ocr_image(crop), lang="eng",
                                           config=f"--psm 6 -c tessedit_char_whitelist={_WHITELIST}")
        runs = [r for line in text.splitlines() for r in _RUN.findall(_KEEP.sub("", line.upper().replace(" ", "")))]
        d = _closest(f.text, runs)
        if d is None:
            continue
        if d <= SLACK:
            out.append((f.kind, True))
        elif d >= DIFFERS and any(len(r) >= len(f.text) - 1 for r in runs):   # long enough to hold it (a label's
            #                                             letters read before a stranger's dates: SHAR2023072920330729)
            out.append((f.kind, False))
    return tuple(out)


def decides(got: tuple[tuple[str, bool], ...], text: bool = True) -> bool:
    """Same document by its fields: a number of a ``STRONG`` kind agrees and none disagrees. Without any such
    number read (an ID card back: authority and validity dates), its Chinese line (``TEXT``) agrees and no field at
    all disagrees (a stranger's dates, when read, differ), when ``text`` allows (the caller's tiles agree enough:
    everyone of one district office shares its authority). Other long runs (the dates, which strangers can share)
    are never decisive alone."""
    strong = [ok for k, ok in got if k in STRONG]
    if strong:
        return all(strong)
    return text and any(ok for k, ok in got if k == TEXT) and all(ok for _, ok in got)


def warp_full(query: np.ndarray, hom: np.ndarray, query_work: tuple[int, int], cand_work: tuple[int, int],
              cand_full: tuple[int, int]) -> np.ndarray:
    """``query`` (full resolution) registered onto the stored document at its full resolution, from ``hom``
    fitted between the two working-scale images (shapes ``query_work`` and ``cand_work``)."""
    sq = np.diag([query_work[1] / query.shape[1], query_work[0] / query.shape[0], 1.0])
    sc = np.diag([cand_full[1] / cand_work[1], cand_full[0] / cand_work[0], 1.0])
    full = sc @ hom @ sq
    return cv2.warpPerspective(_ocr_image(query), full, (cand_full[1], cand_full[0]), flags=cv2.INTER_CUBIC,
                               borderValue=255)


def _cells(box: tuple[int, int, int, int], tiles: np.ndarray, tile: int, scale: float) -> np.ndarray:
    """The ``tiles`` (working scale, ``scale`` times as big) under ``box`` (full resolution)."""
    x, y, w, h = (v * scale for v in box)
    th, tw = tiles.shape
    return tiles[max(0, int(y // tile)):min(th, int((y + h) // tile) + 1),
                 max(0, int(x // tile)):min(tw, int((x + w) // tile) + 1)]


def touches(box: tuple[int, int, int, int], tiles: np.ndarray, tile: int, scale: float) -> bool:
    """Does ``box`` (full resolution) overlap any marked ``tiles`` (working scale, ``scale`` times as big)?"""
    cells = _cells(box, tiles, tile, scale)
    return bool(cells.size > 0 and cells.any())


def on_tiles(box: tuple[int, int, int, int], tiles: np.ndarray, tile: int, scale: float) -> bool:
    """Does ``box`` (full resolution) lie mostly on the marked ``tiles`` (working scale, ``scale`` times as big)?"""
    cells = _cells(box, tiles, tile, scale)
    return cells.size > 0 and float(cells.mean()) >= 0.5
