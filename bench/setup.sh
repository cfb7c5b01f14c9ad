#!/usr/bin/env bash
# Creates bench/.venv with the Python peers serlab is compared with, pinned so numbers are
# reproducible. torch (CPU) is large and only needed for the training benchmark: pass --torch.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --upgrade pip
"$venv/bin/pip" install -q -r "$here/requirements.txt"
if [ "${1:-}" = "--torch" ]; then
  "$venv/bin/pip" install -q "torch==2.*"
fi
"$venv/bin/python" - <<'PY'
import librosa, numpy, sklearn, opensmile
print(f"peers: librosa {librosa.__version__}, numpy {numpy.__version__}, "
      f"scikit-learn {sklearn.__version__}, opensmile {opensmile.__version__}")
PY
