#!/usr/bin/env bash
# Debian's Chromium for the browser tests (Playwright drives it; it cannot download its own
# browser here). Installed only when missing; prints the executable's path.
set -euo pipefail
if ! command -v chromium >/dev/null; then
  echo "browser: installing chromium from Debian's packages" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
command -v chromium
