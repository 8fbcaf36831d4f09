#!/usr/bin/env bash
# Browser test of `ptbench batch`'s HTML: a site of two archives opened in
# headless Chromium (Debian's `chromium`). The DOM must hold the tables and
# the chart images with their alt text, and a screenshot of a report must not
# be blank: its decoded pixels are compared with a screenshot of an empty
# page. The screenshots stay in $PTBENCH_BUILD/browser/ for a person to look
# at. Skipped (77) when Chromium is missing and cannot be installed.
. "$(dirname "$0")/../lib/cli.sh"
. "$PTBENCH_SRC/tests/lib/batch.sh"

CHROMIUM=/usr/bin/chromium
if [ ! -x "$CHROMIUM" ]; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo -n"
  if [ -z "$SUDO" ] || $SUDO true 2>/dev/null; then
    { $SUDO apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium; } >/dev/null 2>&1
  fi
fi
if [ ! -x "$CHROMIUM" ]; then
  echo "chromium is not installed and could not be installed: skipped"
  exit 77
fi

OUT=${PTBENCH_BUILD:-$TMP}/browser
mkdir -p "$OUT"
cd "$TMP" || exit 1
make_runs src/a/runs 21 2025-05-02 6
make_runs src/b/runs 22 2025-06-11 6
tar -czf bench-may.tar.gz -C src/a runs
tar -cJf bench-june.tar.xz -C src/b runs

t "site of two archives"
run "$PTBENCH" batch --out site bench-may.tar.gz bench-june.tar.xz
expect_status 0

# chromium ARGS...: headless, no network, no profile of its own; output in $out
chromium() {
  local profile
  profile=$(mktemp -d "$TMP/profile.XXXXXX")
  run timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" "$@"
}

t "index.html in the browser: the table of archives, newest first"
chromium --dump-dom "file://$TMP/site/index.html"
expect_status 0
expect_out_has "<table>"
expect_out_has '<a href="bench-june/index.html">bench-june</a>'
case "$out" in
  *bench-june/index.html*bench-may/index.html*) ok ;;
  *) fail "archives not newest first" ;;
esac

t "a report in the browser: results table and both charts with alt text"
chromium --dump-dom "file://$TMP/site/bench-june/index.html"
expect_status 0
expect_out_has "<table>"
expect_out_has "<td>mistral:7b</td>"
if grep -qE '<img src="throughput.svg" alt="[^"]+"' "$TMP/stdout"; then ok; else
  fail "no throughput chart with alt text"; fi
if grep -qE '<img src="penalty.svg" alt="[^"]+"' "$TMP/stdout"; then ok; else
  fail "no penalty chart with alt text"; fi

t "screenshots are not blank"
printf '<!DOCTYPE html><html><body></body></html>\n' >blank.html
chromium --screenshot="$OUT/blank.png" --window-size=1200,1600 "file://$TMP/blank.html"
expect_status 0
chromium --screenshot="$OUT/report.png" --window-size=1200,1600 \
  "file://$TMP/site/bench-june/index.html"
expect_status 0
chromium --screenshot="$OUT/index.png" --window-size=1200,1600 "file://$TMP/site/index.html"
expect_status 0
# Decode each PNG (zlib and the PNG filters, stdlib only) and count the
# pixels that differ from the blank page's background; a report with a table
# and two charts paints far more than 2 % of the window.
run python3 - "$OUT/blank.png" "$OUT/report.png" "$OUT/index.png" <<'PY'
import struct, sys, zlib

def pixels(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6), (depth, ctype)
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride, prev, rows = zlib.decompress(idat), w * bpp, bytearray(w * bpp), []
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows

w, h, bpp, blank = pixels(sys.argv[1])
bg = blank[h // 2][:3]
for path in sys.argv[2:]:
    w, h, bpp, rows = pixels(path)
    painted = sum(1 for r in rows for x in range(0, w * bpp, bpp) if r[x:x + 3] != bg)
    print("%s: %dx%d, %.1f%% painted" % (path, w, h, 100.0 * painted / (w * h)))
    if painted < 0.02 * w * h:
        sys.exit("%s looks blank" % path)
PY
expect_status 0
echo "$out"

finish
