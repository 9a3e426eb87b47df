#!/usr/bin/env bash
# The browser tests (tests/browse/) drive Debian's headless Chromium. Installs it when it is
# missing and we are root with apt-get (CI: a fresh clone as root); does nothing when
# /usr/bin/chromium exists. Never downloads a browser from anywhere but the distribution.
set -euo pipefail
CHROMIUM=/usr/bin/chromium
[[ -x $CHROMIUM ]] && exit 0
if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: $CHROMIUM is missing and cannot be installed here (needs root and" \
        "apt-get); the browser tests will fail: sudo apt-get install chromium" >&2
    exit 0
fi
echo "ensure-chromium: installing Debian's chromium for the browser tests" >&2
export DEBIAN_FRONTEND=noninteractive
# A failed install does not stop the other tests: the browser tests fail on their own in CI.
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null; } \
    || [[ ! -x $CHROMIUM ]]; then
    echo "ensure-chromium: could not install chromium; the browser tests will fail" >&2
fi
