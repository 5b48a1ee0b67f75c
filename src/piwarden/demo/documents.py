"""Synthetic certification images (ID cards, business licences) and re-photographing transforms.

Every person and company is made up by Faker ``zh_CN``; nothing here is a real document. All
cards of one kind share a template (guilloche background, labels, layout), as real ones do, so
distinct documents look alike except for photo and text: the hard case for false matches.
"""

from __future__ import annotations

import datetime
import io
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance

from piwarden.fonts import pil_font

ID_SIZE = (856, 540)
LICENCE_SIZE = (1000, 700)
#: The day ages, birth dates and registration dates are counted back from: a fixed day, not today, so that a seed
#: draws the same card on any day (drawn from today, every card changed at midnight, and so did the tests that
#: compare exact images: two document tests failed from 2026-12-08). Faker's own draws, in their order, at this day.
REFERENCE = datetime.date(2026, 12, 7)


def _birth(fk: Any, youngest: int, oldest: int) -> datetime.date:
    """``fk.date_of_birth(minimum_age=youngest, maximum_age=oldest)`` as it draws on ``REFERENCE``."""
    from faker.providers.date_time import change_year

    start = change_year(REFERENCE, -(oldest + 1))
    born = fk.date_time_ad(start_datetime=start, end_datetime=change_year(REFERENCE, -youngest)).date()
    return born if born != start else born + datetime.timedelta(days=1)


def _resident_id(fk: Any, youngest: int, oldest: int) -> str:
    """``fk.ssn(min_age=youngest, max_age=oldest)`` (zh_CN: an 18-digit resident ID number) as it draws on
    ``REFERENCE``: the same draws in the same order, the check digit by ISO 7064 MOD 11-2."""
    from faker.providers.ssn.zh_CN import Provider

    from piwarden.detect.ids.cn import ric

    born = REFERENCE - datetime.timedelta(days=fk.random_int(youngest * 365, oldest * 365))
    body = fk.numerify(fk.random_element(Provider.area_codes) + born.strftime("%Y%m%d") + "##")
    body += fk.random.choice("0123456789")
    return body + ric.calc_check_digit(body)


@lru_cache(maxsize=4)
def _background(size: tuple[int, int], tint: tuple[int, int, int]) -> Image.Image:
    """The shared template background: a fixed guilloche pattern, identical on every card."""
    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    wave = (np.sin(x / 23.0 + np.sin(y / 31.0) * 2.0) + np.sin(y / 17.0 + np.cos(x / 41.0) * 2.0)) * 0.5
    rings = np.sin(np.hypot(x - w * 0.7, y - h * 0.4) / 9.0)
    g = (wave * 0.6 + rings * 0.4)[..., None]
    base = np.array(tint, np.float32)[None, None, :]
    arr = np.clip(base + g * 14.0, 0, 255).astype(np.uint8)
    return Image.fromarray(arr, "RGB")


def _portrait(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """A made-up head-and-shoulders drawing; varies per person like a real photo does."""
    w, h = size
    img = Image.new("RGB", size, tuple(rng.randint(180, 250) for _ in range(3)))
    d = ImageDraw.Draw(img)
    skin = (rng.randint(170, 240), rng.randint(130, 200), rng.randint(100, 170))
    cloth = tuple(rng.randint(0, 200) for _ in range(3))
    d.ellipse([w * rng.uniform(0.0, 0.15), h * 0.72, w * rng.uniform(0.85, 1.0), h * 1.4], fill=cloth)
    d.rectangle([w * 0.4, h * 0.55, w * 0.6, h * 0.8], fill=skin)
    fw, fh = w * rng.uniform(0.45, 0.6), h * rng.uniform(0.5, 0.62)
    cx, cy = w * rng.uniform(0.45, 0.55), h * rng.uniform(0.38, 0.46)
    d.ellipse([cx - fw / 2, cy - fh / 2, cx + fw / 2, cy + fh / 2], fill=skin)
    hair = tuple(rng.randint(0, 80) for _ in range(3))
    d.chord([cx - fw / 2 - 4, cy - fh / 2 - rng.uniform(5, 25), cx + fw / 2 + 4, cy + fh * rng.uniform(0.0, 0.3)],
            180, 360, fill=hair)
    ey = cy + fh * rng.uniform(-0.05, 0.08)
    for sx in (-1, 1):
        ex = cx + sx * fw * rng.uniform(0.17, 0.24)
        d.ellipse([ex - 6, ey - 4, ex + 6, ey + 4], fill=(30, 30, 30))
    my = cy + fh * rng.uniform(0.22, 0.3)
    d.arc([cx - fw * 0.18, my - 8, cx + fw * 0.18, my + 8], 10, 170, fill=(120, 40, 40), width=3)
    if rng.random() < 0.4:  # glasses
        d.rectangle([cx - fw * 0.35, ey - 10, cx + fw * 0.35, ey + 10], outline=(20, 20, 20), width=2)
    noise = np.asarray(img, np.int16) + np.random.default_rng(rng.getrandbits(32)).integers(-6, 7, (h, w, 1))
    return Image.fromarray(np.clip(noise, 0, 255).astype(np.uint8), "RGB")


@dataclass(frozen=True)
class Synthetic:
    """One synthetic document: the image and the made-up facts printed on it."""

    kind: str
    image: Image.Image
    fields: dict[str, str]


def id_card(seed: int) -> Synthetic:
    """The front of a made-up resident identity card (template shared by every seed)."""
    from faker import Faker

    fk = Faker("zh_CN")
    fk.seed_instance(seed)
    rng = random.Random(seed)
    sex = rng.choice(["男", "女"])
    name = fk.name_male() if sex == "男" else fk.name_female()
    birth = _birth(fk, 18, 75)
    fields = {"name": name, "sex": sex, "nation": rng.choice(["汉", "汉", "汉", "回", "满", "壮", "苗"]),
              "birth": f"{birth.year}年{birth.month}月{birth.day}日", "address": fk.address().rsplit(" ", 1)[0],
              "id": _resident_id(fk, 18, 75)}
    img = _background(ID_SIZE, (236, 232, 214)).copy()
    d = ImageDraw.Draw(img)
    lab, val, small = (120, 120, 150), (20, 20, 20), pil_font(22)
    d.rounded_rectangle([6, 6, ID_SIZE[0] - 7, ID_SIZE[1] - 7], 28, outline=(170, 160, 140), width=3)
    rows = [("姓名", fields["name"], 60), ("性别", fields["sex"], 120), ("出生", fields["birth"], 180)]
    for label, value, y in rows:
        d.text((50, y), label, font=small, fill=lab)
        d.text((130, y - 4), value, font=pil_font(30 if label == "姓名" else 26), fill=val)
    d.text((300, 120), "民族", font=small, fill=lab)
    d.text((380, 116), fields["nation"], font=pil_font(26), fill=val)
    d.text((50, 240), "住址", font=small, fill=lab)
    addr = fields["address"]
    for i in range(0, min(len(addr), 36), 12):
        d.text((130, 236 + i // 12 * 38), addr[i:i + 12], font=pil_font(26), fill=val)
    d.text((50, 440), "公民身份号码", font=small, fill=lab)
    d.text((230, 432), fields["id"], font=pil_font(34), fill=val)
    img.paste(_portrait(rng, (220, 270)), (590, 70))
    return Synthetic("id_card", img, fields)


def business_licence(seed: int) -> Synthetic:
    """A made-up business licence (营业执照), template shared by every seed."""
    from faker import Faker

    fk = Faker("zh_CN")
    fk.seed_instance(seed)
    rng = random.Random(seed)
    code = "91" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(16))
    reg = fk.date_between_dates(REFERENCE + datetime.timedelta(days=-365.24 * 20),  # "-20y" .. "-1y" on REFERENCE
                                REFERENCE + datetime.timedelta(days=-365.24))       # (+ a negative: as Faker rounds)
    fields = {"code": code, "company": fk.company(), "type": rng.choice(["有限责任公司", "股份有限公司", "个人独资企业"]),
              "legal": fk.name(), "capital": f"{rng.choice([10, 50, 100, 200, 500, 1000])}万元人民币",
              "date": f"{reg.year}年{reg.month:02d}月{reg.day:02d}日", "address": fk.address().rsplit(" ", 1)[0]}
    img = _background(LICENCE_SIZE, (246, 240, 226)).copy()
    d = ImageDraw.Draw(img)
    red, val = (180, 30, 30), (25, 25, 25)
    d.rectangle([14, 14, LICENCE_SIZE[0] - 15, LICENCE_SIZE[1] - 15], outline=(190, 150, 60), width=8)
    d.text((LICENCE_SIZE[0] // 2, 70), "营 业 执 照", font=pil_font(60), fill=red, anchor="mm")
    d.text((60, 130), f"统一社会信用代码 {code}", font=pil_font(24), fill=val)
    rows = [("名　　称", fields["company"]), ("类　　型", fields["type"]), ("法定代表人", fields["legal"]),
            ("注册资本", fields["capital"]), ("成立日期", fields["date"]), ("住　　所", fields["address"][:24])]
    for i, (label, value) in enumerate(rows):
        y = 200 + i * 62
        d.text((90, y), label, font=pil_font(26), fill=(90, 90, 90))
        d.text((260, y), value, font=pil_font(28), fill=val)
    d.rectangle([800, 130, 930, 260], outline=val, width=2)  # QR-code box with a per-company pattern
    bits = np.random.default_rng(rng.getrandbits(32)).integers(0, 2, (21, 21))
    for (r, c), b in np.ndenumerate(bits):
        if b:
            d.rectangle([806 + c * 5.7, 136 + r * 5.7, 811 + c * 5.7, 141 + r * 5.7], fill=val)
    cx, cy = rng.randint(700, 860), rng.randint(520, 600)
    d.ellipse([cx - 85, cy - 85, cx + 85, cy + 85], outline=red, width=5)
    d.regular_polygon((cx, cy, 22), 5, fill=red)
    name = fields["company"][:8]
    for i, ch in enumerate(name):
        a = math.radians(200 + i * 140 / max(len(name) - 1, 1))
        d.text((cx + 62 * math.cos(a), cy + 62 * math.sin(a)), ch, font=pil_font(20), fill=red, anchor="mm")
    return Synthetic("business_licence", img, fields)


KINDS: dict[str, Callable[[int], Synthetic]] = {"id_card": id_card, "business_licence": business_licence}


# --- re-photographing transforms -------------------------------------------------------------

def crop(img: Image.Image, frac: float, rng: random.Random) -> Image.Image:
    """Cut ``frac`` of width and height in total, split at random between the two sides."""
    w, h = img.size
    dx, dy = int(w * frac), int(h * frac)
    left, top = rng.randint(0, dx), rng.randint(0, dy)
    return img.crop((left, top, w - (dx - left), h - (dy - top)))


def rotate(img: Image.Image, degrees: float) -> Image.Image:
    """Rotate about the centre, same canvas, corners filled with a table-top grey."""
    return img.rotate(degrees, resample=Image.Resampling.BICUBIC, fillcolor=(90, 88, 85))


def brightness(img: Image.Image, factor: float) -> Image.Image:
    """Scale brightness (1.2 = +20%)."""
    return ImageEnhance.Brightness(img).enhance(factor)


def jpeg(img: Image.Image, quality: int = 50) -> Image.Image:
    """Round-trip through JPEG at ``quality``."""
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=quality)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def scribble(img: Image.Image, rng: random.Random) -> Image.Image:
    """A handwritten-looking annotation: a pen stroke and a short note somewhere on the image."""
    out = img.copy()
    d = ImageDraw.Draw(out)
    w, h = out.size
    x, y = rng.uniform(0.1, 0.6) * w, rng.uniform(0.2, 0.8) * h
    pts = [(x, y)]
    for _ in range(rng.randint(8, 14)):
        x += rng.uniform(10, 28)
        y += rng.uniform(-14, 14)
        pts.append((x, y))
    pen = rng.choice([(20, 40, 160), (30, 30, 30), (170, 20, 20)])
    d.line(pts, fill=pen, width=3, joint="curve")
    d.text((pts[0][0], pts[0][1] + 18), rng.choice(["已核对", "复印件", "仅供参考", "ok"]), font=pil_font(30), fill=pen)
    return out


TRANSFORMS = ("crop", "rotate", "brightness", "jpeg", "scribble")


def rephotograph(img: Image.Image, kinds: Sequence[str], rng: random.Random) -> Image.Image:
    """Apply the named transforms in a fixed order, each at a random strength within the issue's bounds
    (crop <= 5%, rotation <= 3 degrees, brightness +-20%, JPEG quality 50, one scribble)."""
    out = img
    if "scribble" in kinds:
        out = scribble(out, rng)
    if "rotate" in kinds:
        out = rotate(out, rng.choice([-1, 1]) * rng.uniform(1.0, 3.0))
    if "crop" in kinds:
        out = crop(out, rng.uniform(0.02, 0.05), rng)
    if "brightness" in kinds:
        out = brightness(out, 1 + rng.choice([-1, 1]) * rng.uniform(0.1, 0.2))
    if "jpeg" in kinds:
        out = jpeg(out, 50)
    return out


def write_set(out: Path, n: int, *, seed: int = 0, kind: str = "id_card") -> list[Path]:
    """Write ``n`` distinct synthetic documents as PNG files (for demos and the CLI tests)."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        p = out / f"{kind}-{seed + i:06d}.png"
        KINDS[kind](seed + i).image.save(p)
        paths.append(p)
    return paths
