#!/usr/bin/env bash
# Create .venv with Python 3.11 and install requirements.txt into it, only when needed.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.venv"
STAMP="$VENV/.requirements.sha256"
mkdir -p "$ROOT/var/log"

python=""
for candidate in python3.11 python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    python=$candidate; break
  fi
done
if [ -z "$python" ]; then
  echo "venv: installing Python 3.11 from Debian's packages"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv >/dev/null
  python=python3
fi

if [ ! -x "$VENV/bin/python" ]; then
  if ! "$python" -m venv "$VENV" 2>/dev/null; then
    echo "venv: installing python3-venv from Debian's packages"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    rm -rf "$VENV"; "$python" -m venv "$VENV"
  fi
fi

want=$(sha256sum "$ROOT/requirements.txt" | cut -d' ' -f1)
if [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  echo "venv: installing requirements.txt into .venv"
  "$VENV/bin/python" -m pip install -q --upgrade pip >"$ROOT/var/log/pip.log" 2>&1
  "$VENV/bin/python" -m pip install -q -r "$ROOT/requirements.txt" >>"$ROOT/var/log/pip.log" 2>&1 \
    || { tail -n 20 "$ROOT/var/log/pip.log" >&2; echo "venv: pip install failed (see var/log/pip.log)" >&2; exit 1; }
  echo "$want" >"$STAMP"
fi

# The PDF report's font: DejaVu Sans covers Latin, Greek, Cyrillic and more (reportlab's own
# fonts stop at Latin-1).
if [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
  echo "venv: installing fonts-dejavu-core from Debian's packages (the PDF report's font)"
  as_root=(); [ "$(id -u)" = 0 ] || as_root=(sudo)
  "${as_root[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${as_root[@]}" \
    apt-get install -y -qq fonts-dejavu-core >/dev/null
fi
