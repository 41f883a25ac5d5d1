# Sourced by scripts/test when browser tests exist: Debian's Chromium for Playwright (never a
# downloaded browser build).
if [ ! -x /usr/bin/chromium ]; then
  echo "» installing Debian's chromium" >&2
  if ! (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >&2; then
    echo "✗ Chromium could not be installed; the browser tests need it" >&2
    exit 1
  fi
fi
export HEADCOUNT_CHROMIUM="${HEADCOUNT_CHROMIUM:-/usr/bin/chromium}"
