#!/usr/bin/env bash
# Debian packages piwarden needs, installed by the project's own setup (never by hand).
# Skips quietly when everything is present; needs root (or sudo) only when something is missing.
set -euo pipefail
PACKAGES=(python3-venv)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# python3 -m venv works without python3-venv on some images (pyenv builds): then nothing to do.
if [ ${#missing[@]} -gt 0 ] && ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${missing[@]}"
fi
