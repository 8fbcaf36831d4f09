# tests/lib/browser.sh - headless Chromium for the tests (sourced after
# tests/lib/cli.sh and tests/lib/need.sh).
#
#   need_browser       succeeds when Chromium is there or could be installed
#                      (Debian's `chromium`); sets CHROMIUM
#   browser ARGS...    runs it headless, with no network service, no GPU
#                      and a fresh profile of its own, through `run` (so
#                      $status, $out and $err are set), e.g.
#                        browser --dump-dom file:///path/page.html
#                        browser --screenshot=shot.png --window-size=1200,1600 URL

need_browser() {
  need_tool chromium chromium || return 1
  CHROMIUM=$(command -v chromium)
}

browser() {
  local profile
  profile=$(mktemp -d "$TMP/profile.XXXXXX")
  run timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" "$@"
}
