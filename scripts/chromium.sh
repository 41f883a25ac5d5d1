# Sourced by scripts/test when browser tests exist: Debian's Chromium for Playwright (never a
# downloaded browser build), and a CJK font so screenshots show the Chinese text.
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
fc-list 2>/dev/null | grep -qi "noto.*cjk" || need+=(fonts-noto-cjk)
if [ "${#need[@]}" -gt 0 ]; then
  echo "» installing Debian's ${need[*]}" >&2
  if ! (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}") >&2; then
    if [ ! -x /usr/bin/chromium ]; then
      echo "✗ Chromium could not be installed; the browser tests need it" >&2
      exit 1
    fi
    echo "! fonts-noto-cjk could not be installed: screenshots will lack Chinese glyphs" >&2
  fi
fi
export HEADCOUNT_CHROMIUM="${HEADCOUNT_CHROMIUM:-/usr/bin/chromium}"
