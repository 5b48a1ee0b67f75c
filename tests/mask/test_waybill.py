"""Privacy waybills: what is drawn, what OCR and a QR scanner read back, and what never appears.

Synthetic data only (Faker zh_CN, seeded). Tests that need the CJK font, tesseract or zbar
skip with the reason when those are missing, except under ``CI=true``, where they fail:
CI must exercise the whole path.
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path
from typing import Any, NoReturn

import pytest
import typer
from faker import Faker
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from piwarden import fonts as fonts_module
from piwarden.cli.waybill import waybill as waybill_command
from piwarden.mask.keys import ENV_KEY, KeyRing
from piwarden.mask.operators import get_operator
from piwarden.mask.policy import load_policy
from piwarden.mask.waybill import (
    FontNotFound,
    FontPair,
    QrError,
    VirtualNumberPool,
    Waybill,
    WaybillError,
    WaybillMasker,
    find_cjk_fonts,
    layout,
    parse_waybill,
    resolve_qr,
    virtual_number,
)
from piwarden.mask.waybill.layout import QrCode

KEYS = KeyRing(bytes(range(32)))
OTHER = KeyRing(bytes(range(100, 132)))
PARTIAL = get_operator("partial")()


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}, and CI=true requires it")
    pytest.skip(reason)


def _record(fake: Faker, no: str, **extra: Any) -> dict[str, Any]:
    """A synthetic waybill as an order system would send it."""
    return {"waybill_no": no, "carrier": "速递", **extra,
            "sender": {"name": fake.name(), "phone": fake.phone_number(), "address": fake.address()},
            "recipient": {"name": fake.name(), "phone": fake.phone_number(), "address": fake.address(),
                          "id_number": fake.ssn()}}


def _raw_values(w: Waybill) -> list[str]:
    """Everything that must never be printed: names, phones, IDs, full addresses."""
    return [v for p in (w.sender, w.recipient) for v in (p.name, p.phone, p.id_number, p.address) if v]


@pytest.fixture(scope="module")
def fake() -> Faker:
    f = Faker("zh_CN")
    f.seed_instance(20240611)
    return f


@pytest.fixture(scope="module")
def masker() -> WaybillMasker:
    return WaybillMasker(KEYS)


@pytest.fixture(scope="module")
def fonts() -> FontPair:
    try:
        return find_cjk_fonts()
    except FontNotFound as exc:
        _unavailable(str(exc))


@pytest.fixture(scope="module")
def printed(fake: Faker, masker: WaybillMasker, fonts: FontPair) -> dict[str, Any]:
    """One waybill, masked, laid out, and rendered both ways (rendered once for the module)."""
    from piwarden.mask.waybill.pdf import render_pdf
    from piwarden.mask.waybill.png import render_png

    w = parse_waybill(_record(fake, "SF1000000001", goods="衣服两件", pieces=2, weight_kg=1.5))
    masked = masker.mask(w)
    page = layout(masked)
    return {"waybill": w, "masked": masked, "layout": page, "png": render_png(page, dpi=300, fonts=fonts),
            "pdf": render_pdf(page, fonts=fonts)}


# -- what is drawn ---------------------------------------------------------------------------------

def test_masked_styles() -> None:
    w = parse_waybill({"waybill_no": "YT0001", "sender": {"name": "欧阳娜娜", "phone": "13912345678",
                                                          "address": "上海市浦东新区世纪大道100号"},
                       "recipient": {"name": "张三丰", "phone": "13812345678",
                                     "address": "浙江省杭州市西湖区文三路90号"}})
    m = WaybillMasker(KEYS).mask(w)
    assert (m.recipient.name, m.recipient.phone) == ("张*丰", "138****5678")
    assert m.recipient.address.startswith("浙江省杭州市*") and "西湖区" not in m.recipient.address
    assert (m.sender.name, m.sender.phone) == ("欧阳**", "139****5678")
    texts = layout(m).texts()
    assert "张*丰  138****5678" in texts and "运单号 YT0001" in texts and "收件人" in texts


def test_drawing_commands_show_masked_values_never_raw(printed: dict[str, Any]) -> None:
    w, page = printed["waybill"], printed["layout"]
    r = w.recipient
    line = f"{PARTIAL.mask(r.name, 'PERSON')}  {PARTIAL.mask(r.phone, 'PHONE')}"
    assert line in page.texts()
    assert any(t.startswith(PARTIAL.mask(r.address, "ADDRESS")[:4]) for t in page.texts())
    drawn = "\n".join([*page.texts(), *(c.payload for c in page.commands if isinstance(c, QrCode))])
    for raw in _raw_values(w):
        assert raw not in drawn
    assert re.sub(r"\D", "", r.phone) not in re.sub(r"\D", "", drawn)
    assert str(printed["masked"].virtual.number) in drawn


def test_rendered_files_hold_no_raw_values(printed: dict[str, Any]) -> None:
    for raw in _raw_values(printed["waybill"]):
        for encoding in ("utf-8", "utf-16-be"):
            assert raw.encode(encoding) not in printed["png"]
            assert raw.encode(encoding) not in printed["pdf"]


def test_free_text_is_masked_too(masker: WaybillMasker, fake: Faker) -> None:
    phone = fake.phone_number()
    w = parse_waybill(_record(fake, "SF1000000002", note=f"放门口，不在家打{phone}"))
    note = masker.mask(w).note
    assert phone not in note and note.startswith("放门口，不在家打") and phone[-4:] in note


def test_a_policy_that_keeps_phones_is_refused(fake: Faker) -> None:
    policy = load_policy({"roles": {"*": {"PHONE": "keep"}}})
    w = parse_waybill(_record(fake, "SF1000000003"))
    with pytest.raises(WaybillError, match=r"waybill 7 \(SF1000000003\): recipient.phone would be printed") as exc:
        WaybillMasker(KEYS, policy).mask(w, 7)
    assert w.recipient.phone not in str(exc.value)


def test_input_errors_name_fields_never_values(fake: Faker) -> None:
    record = _record(fake, "SF1000000004")
    record["recipient"]["phone"] = ["13800000000"]  # wrong type: pydantic would quote it
    del record["sender"]["name"]
    with pytest.raises(WaybillError) as exc:
        parse_waybill(record, 3)
    message = str(exc.value)
    assert message.startswith("waybill 3 (SF1000000004): ") and "recipient.phone" in message
    assert "sender.name" in message and "13800000000" not in message
    assert record["recipient"]["name"] not in message
    with pytest.raises(WaybillError, match=r"^waybill 2: waybill_no"):
        parse_waybill({**record, "waybill_no": "13800000000 张三"}, 2)  # not a waybill number: not echoed


# -- PNG: OCR and QR -------------------------------------------------------------------------------

def test_png_ocr_reads_chinese_labels_and_masked_phone(printed: dict[str, Any]) -> None:
    try:
        import pytesseract

        languages = set(pytesseract.get_languages())
    except Exception:  # TesseractNotFoundError, or no binary at all
        _unavailable("tesseract is not installed (Debian: tesseract-ocr)")
    if not {"chi_sim", "eng"} <= languages:
        _unavailable("tesseract lacks chi_sim or eng (Debian: tesseract-ocr-chi-sim, tesseract-ocr-eng)")
    from PIL import Image

    image = Image.open(io.BytesIO(printed["png"]))
    top = image.crop((0, 0, image.width, round(image.height * 75 / 150)))  # header, recipient, virtual number
    text = "".join(pytesseract.image_to_string(top, lang="chi_sim+eng", config="--psm 6").split())
    phone, virtual = printed["waybill"].recipient.phone, printed["masked"].virtual
    assert "收件人" in text and "虚拟号" in text and "隐私面单" in text, text
    assert re.search(rf"{phone[:3]}\D{{2,8}}{phone[-4:]}", text), text  # 138****5678, stars read as they may
    assert virtual.number in text and virtual.extension in text, text
    assert phone not in text


def test_png_qr_resolves_to_the_phone_only_with_the_key(printed: dict[str, Any]) -> None:
    try:
        from pyzbar.pyzbar import decode
    except ImportError:
        _unavailable("zbar is not installed (Debian: libzbar0)")
    from PIL import Image

    codes = decode(Image.open(io.BytesIO(printed["png"])))
    assert len(codes) == 1
    payload = codes[0].data.decode("ascii")
    w = printed["waybill"]
    assert payload == printed["masked"].qr_payload and payload.startswith("piwarden:vault:v1:")
    assert resolve_qr(payload, KEYS) == w.recipient.phone
    assert resolve_qr(payload, KEYS, waybill_no=w.waybill_no) == w.recipient.phone
    with pytest.raises(QrError, match="does not resolve with this key"):
        resolve_qr(payload, OTHER)
    with pytest.raises(QrError, match="another waybill"):
        resolve_qr(payload, KEYS, waybill_no="SF9999999999")
    with pytest.raises(QrError):
        resolve_qr(payload[:-3] + "AAA", KEYS)  # SIV authenticates: a changed token does not decrypt


def test_qr_codes_of_one_phone_do_not_link(fake: Faker) -> None:
    record = _record(fake, "SF1000000005")
    a = WaybillMasker(KEYS).mask(parse_waybill(record)).qr_payload
    b = WaybillMasker(KEYS).mask(parse_waybill({**record, "waybill_no": "SF1000000006"})).qr_payload
    assert a != b  # one recipient's parcels carry unrelated codes


# -- PDF ------------------------------------------------------------------------------------------

def test_pdf_text_has_the_masked_chinese_name_and_an_embedded_subset_font(printed: dict[str, Any]) -> None:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(printed["pdf"]))
    # pypdf reads the embedded /Encoding CMap that fpdf2 writes for CFF fonts as one-byte codes,
    # so every character comes with a NUL; the characters themselves come from /ToUnicode
    text = "".join(p.extract_text() for p in reader.pages).replace("\x00", "")
    m = printed["masked"]
    assert m.recipient.name in text and m.recipient.phone in text and "收件人" in text
    for raw in _raw_values(printed["waybill"]):
        assert raw not in text
    assert "SF1000000001" in reader.metadata.title
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        font = font.get_object()
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        assert "+" in font["/BaseFont"] and ("/FontFile3" in descriptor or "/FontFile2" in descriptor)
    assert len(printed["pdf"]) < 100_000  # subset, not the 20 MB collection


# -- the virtual number --------------------------------------------------------------------------

def test_virtual_number_is_stable_per_order_and_key() -> None:
    pool = VirtualNumberPool(numbers=("17012340000", "17012340001", "17012340002"))
    orders = [f"order-{i}" for i in range(20)]
    first = [virtual_number(o, KEYS, pool) for o in orders]
    assert first == [virtual_number(o, KEYS, pool) for o in orders]
    assert first != [virtual_number(o, OTHER, pool) for o in orders]
    assert all(v.number in pool.numbers and re.fullmatch(r"\d{4}", v.extension) for v in first)
    assert len({str(v) for v in first}) > 15  # spread over the pool and extensions
    assert str(first[0]) == f"{first[0].number}转{first[0].extension}"


def test_virtual_number_follows_the_order_not_the_phone(fake: Faker, masker: WaybillMasker) -> None:
    record = _record(fake, "SF1000000007", order_id="ORD-42")
    other = {**record, "waybill_no": "SF1000000008",
             "recipient": {**record["recipient"], "phone": fake.phone_number()}}
    assert masker.mask(parse_waybill(record)).virtual == masker.mask(parse_waybill(other)).virtual


# -- property ------------------------------------------------------------------------------------

@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1))
def test_layout_never_contains_raw_values(seed: int) -> None:
    f = Faker("zh_CN")
    f.seed_instance(seed)
    record = _record(f, "SF2000000000")
    # fixed addresses: a generated one could contain a generated name by chance (江山市, 江山)
    record["sender"]["address"] = "上海市浦东新区世纪大道100号"
    record["recipient"]["address"] = "浙江省杭州市西湖区文三路90号"
    w = parse_waybill(record)
    page = layout(WaybillMasker(KEYS, scan_text=False).mask(w))
    drawn = "\n".join([*page.texts(), *(c.payload for c in page.commands if isinstance(c, QrCode))])
    for raw in _raw_values(w):
        assert raw not in drawn
    assert w.recipient.phone not in re.sub(r"\D", "", drawn)


# -- fonts -----------------------------------------------------------------------------------------

def test_missing_font_names_the_debian_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts_module, "_find", lambda bold: None)
    with pytest.raises(FontNotFound, match="fonts-noto-cjk"):
        find_cjk_fonts()
    with pytest.raises(FontNotFound, match="no font file"):
        find_cjk_fonts("/nonexistent/font.ttc")


def test_found_font_draws_chinese(fonts: FontPair) -> None:
    from PIL import ImageFont

    for face in (fonts.regular, fonts.bold):
        font = ImageFont.truetype(str(face.path), 40, index=face.index)
        notdef = font.getmask("\U000f0000").getbbox()  # a private-use character: the font's empty box
        assert all(font.getmask(c).getbbox() != notdef for c in "收件人寄运单号虚拟")


# -- CLI -------------------------------------------------------------------------------------------

cli = typer.Typer()


@cli.callback()
def _mask_group() -> None:
    """Stands in for `piwarden mask`, where the lead registers the command."""


cli.command("waybill")(waybill_command)
runner = CliRunner()


def test_cli_prints_files_and_names_bad_waybills_by_position(tmp_path: Path, fake: Faker,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_KEY, KEYS.export())
    good = _record(fake, "SF3000000001")
    bad = _record(fake, "SF3000000002")
    bad["recipient"]["phone"] = None
    lines = [json.dumps(good, ensure_ascii=False), "{broken " + bad["sender"]["name"], json.dumps(bad, ensure_ascii=False)]
    source = tmp_path / "waybills.jsonl"
    source.write_text("\n".join(lines) + "\n", "utf-8")
    out = tmp_path / "out"
    result = runner.invoke(cli, ["waybill", str(source), "--out-dir", str(out), "--format", "both"])
    assert result.exit_code == 3, result.output  # partial: 2 skipped
    assert sorted(p.name for p in out.iterdir()) == ["SF3000000001.pdf", "SF3000000001.png"]
    assert "waybill 2: not valid JSON" in result.stderr
    assert "waybill 3 (SF3000000002): recipient.phone" in result.stderr
    assert "1 waybill printed (png and pdf)" in result.stderr and "2 skipped" in result.stderr
    for record in (good, bad):
        for raw in (record["sender"]["name"], record["sender"]["phone"], record["recipient"]["name"]):
            assert raw not in result.output
    assert KEYS.export() not in result.output


def test_cli_json_list_policy_and_refusal(tmp_path: Path, fake: Faker) -> None:
    source = tmp_path / "waybills.json"
    source.write_text(json.dumps([_record(fake, "SF3000000003")], ensure_ascii=False), "utf-8")
    policy = tmp_path / "p.yaml"
    policy.write_text('roles:\n  courier: {PERSON: keep}\n  "*": {}\n', "utf-8")
    args = ["waybill", str(source), "-o", str(tmp_path / "out"), "--policy", str(policy)]
    result = runner.invoke(cli, [*args, "--role", "courier"])
    assert result.exit_code == 2 and "name would be printed in clear" in result.stderr
    result = runner.invoke(cli, [*args, "--role", "courier", "--format", "png", "--key-file", str(tmp_path / "k")])
    assert (tmp_path / "k").is_file() and result.exit_code == 2  # the key is created, never shown
    assert (tmp_path / "k").read_text().strip() not in result.output
    result = runner.invoke(cli, [*args, "--pool", "170123,12"])
    assert result.exit_code == 2 and "--pool" in result.output
    result = runner.invoke(cli, ["waybill", str(tmp_path / "missing.json"), "-o", str(tmp_path)])
    assert result.exit_code == 2 and "no such file" in result.output
