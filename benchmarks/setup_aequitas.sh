#!/usr/bin/env bash
# Create benchmarks/.venv-aequitas: Aequitas in its own environment, so its heavy
# dependencies cannot disturb the project's. Re-running it is harmless.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv-aequitas"
python="${PYTHON:-python3.11}"
command -v "$python" >/dev/null || python=python3
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
# aequitas 1.1.0 does not require torch; if a later version does, install the CPU
# wheel first so pip does not fetch a CUDA build: "$venv/bin/pip" install torch==2.13.0
"$venv/bin/pip" install --quiet aequitas pyarrow psutil
"$venv/bin/python" -c "import importlib.metadata as m; print('aequitas', m.version('aequitas'))"
