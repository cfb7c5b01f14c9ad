#!/usr/bin/env bash
# One line for the whole benchmark: makes bench/.venv with the Python peers (bench/setup.sh,
# once; pass SERLAB_BENCH_TORCH=1 to add torch CPU for the training part), builds serlab and
# the epoch example in release mode, then runs bench/run.py with the given arguments.
#   bench/run.sh                       # everything, results in bench/results/
#   bench/run.sh --part features --threads 2
#   bench/run.sh --tiny                # a smoke run of seconds
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
if [ ! -x bench/.venv/bin/python ]; then
  if [ "${SERLAB_BENCH_TORCH:-0}" = 1 ]; then bench/setup.sh --torch; else bench/setup.sh; fi
fi
cargo build --release -p serlab -p serlab-features -p serlab-random-forest -p serlab-fusion \
  -p serlab-neural
cargo build --release -p serlab-neural --example nn_epoch
exec python3 bench/run.py --peers-python bench/.venv/bin/python "$@"
