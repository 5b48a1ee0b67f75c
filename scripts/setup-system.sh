#!/usr/bin/env bash
# Debian packages piwarden needs, installed by the project's own setup (never by hand).
# Skips quietly when everything is present; needs root (or sudo) only when something is missing.
set -euo pipefail
# tesseract (chi_sim, eng): OCR of images; fonts-noto-cjk: Chinese text on rendered waybills;
# libzbar0: QR decoding in the tests; openjdk-17-jre-headless: Apache Spark (scan --engine spark);
# postgresql-client: pg_dump, for the vault test that a database dump holds no PI;
# poppler-utils: pdftotext, to read the evidence pack's PDF in tests; chromium: the pack's HTML in a real browser;
# gcc: the detector's modules compiled by mypyc (scripts/build_native.py)
PACKAGES=(python3-venv tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-eng fonts-noto-cjk libzbar0 openjdk-17-jre-headless postgresql-client poppler-utils chromium gcc)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# python3 -m venv works without python3-venv on some images (pyenv builds): then it is not needed.
if python3 -c 'import venv, ensurepip' 2>/dev/null; then
  missing=("${missing[@]/python3-venv}"); missing=(${missing[@]})
fi
# The server's own packages bring a versioned client (postgresql-client-15): pg_dump is what is needed.
if command -v pg_dump >/dev/null 2>&1; then
  missing=("${missing[@]/postgresql-client}"); missing=(${missing[@]})
fi
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${missing[@]}"
fi
