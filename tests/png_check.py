#!/usr/bin/env python3
"""tests/png_check.py - what a browser screenshot shows, from its pixels.

The PNG is decoded here (zlib and the PNG filters, standard library only;
8-bit RGB or RGBA, as Chromium writes screenshots).

  png_check.py painted BLANK PNG...
      each PNG paints at least 2 % of its pixels in another colour than the
      background of BLANK (a screenshot of an empty page): it is not blank.
  png_check.py colors RRGGBB[,RRGGBB...] MIN PNG...
      each PNG has, for every one of the colours, at least MIN pixels within
      40 of it in every channel: e.g. the bars of ptbench's charts
      (render/chart.c's palette), which only show when the chart images
      were found and drawn.

Prints one line per PNG; exit 1 when one fails.
"""
import struct
import sys
import zlib


def pixels(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    pos, idat, w, h, bpp = 8, b"", 0, 0, 3
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
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def painted(blank, paths):
    w, h, bpp, rows = pixels(blank)
    bg = rows[h // 2][:3]
    bad = 0
    for path in paths:
        w, h, bpp, rows = pixels(path)
        n = sum(1 for r in rows for x in range(0, w * bpp, bpp) if r[x:x + 3] != bg)
        print("%s: %dx%d, %.1f%% painted" % (path, w, h, 100.0 * n / (w * h)))
        if n < 0.02 * w * h:
            print("%s looks blank" % path)
            bad += 1
    return bad


def colors(spec, minimum, paths):
    want = [tuple(int(c[i:i + 2], 16) for i in (0, 2, 4)) for c in spec.split(",")]
    bad = 0
    for path in paths:
        w, h, bpp, rows = pixels(path)
        n, seen = [0] * len(want), {}
        for r in rows:
            for x in range(0, w * bpp, bpp):
                px = r[x:x + 3]
                hit = seen.get(px)
                if hit is None:
                    hit = seen[px] = [i for i, c in enumerate(want)
                                      if all(abs(px[k] - c[k]) <= 40 for k in range(3))]
                for i in hit:
                    n[i] += 1
        print("%s: %dx%d, %s pixels of %s" % (path, w, h, ",".join(map(str, n)), spec))
        if min(n) < minimum:
            print("%s: fewer than %d of a colour" % (path, minimum))
            bad += 1
    return bad


def main():
    mode = sys.argv[1]
    if mode == "painted":
        return 1 if painted(sys.argv[2], sys.argv[3:]) else 0
    if mode == "colors":
        return 1 if colors(sys.argv[2], int(sys.argv[3]), sys.argv[4:]) else 0
    sys.exit("usage: png_check.py painted BLANK PNG... | colors RRGGBB[,...] MIN PNG...")


if __name__ == "__main__":
    sys.exit(main())
