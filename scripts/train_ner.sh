#!/usr/bin/env bash
# Retrain the shipped name/address/organisation model (docs/ner.md): CPU, 1 thread, seed 13.
# Needs the training extra (torch 2.13.0 CPU build, cpca) and ../shared/data.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pip install --quiet -e '.[train]'
.venv/bin/python -m piwarden.cli.ner train --data-dir "${DATA_DIR:-../shared/data}" \
  --out src/piwarden/detect/ner/model/ner.npz --seed "${SEED:-13}" --threads 1 "$@"
