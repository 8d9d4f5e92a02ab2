#!/usr/bin/env bash
# Reports: headless Chromium for the HTML report tests (driven by Playwright with executable_path).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if ! command -v chromium >/dev/null 2>&1; then
  apt-get update
  apt-get install -y chromium
fi
