#!/usr/bin/env bash
# The `serlab serve` load benchmark in one line: bench/.venv with Flask, gunicorn,
# scikit-learn and librosa (pip, into the venv, never the system), a release build of
# serlab and the plugins the run uses, then bench/serve/run.py with the given arguments.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../.."
if [ ! -x bench/.venv/bin/python ]; then
  python3 -m venv bench/.venv
fi
bench/.venv/bin/pip install -q -r bench/serve/requirements.txt
cargo build --release -p serlab -p serlab-features -p serlab-random-forest
exec bench/.venv/bin/python bench/serve/run.py "$@"
