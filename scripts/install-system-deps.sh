#!/usr/bin/env bash
# Debian packages the tests use: headless Chromium (scrapy-playwright tests), redis-server
# (scale-out tests), and unshare/ip to run the address-safety test in a network namespace. Playwright's own browser download does not work everywhere, so the
# project uses Debian's chromium (see PLAYWRIGHT_LAUNCH_OPTIONS in the README).
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v unshare >/dev/null 2>&1 || missing+=(util-linux)
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing Debian packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
