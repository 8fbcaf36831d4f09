#!/usr/bin/env python3
"""tests/check_site.py - a static site built from a ptbench site is whole.

Given SOURCE, the folder `ptbench batch` wrote (its .ptbench-state.json
lists the archives), and OUTPUT, what a static-site generator (Hugo, MkDocs)
or ptbench itself built from it:

  - the home page OUTPUT/index.html links to every archive's page;
  - every archive has its page, OUTPUT/SLUG/index.html, holding the
    report's results table and an <img> for every image its Markdown page
    (SOURCE/SLUG/index.md) shows, each image file present beside it and
    each with alt text;
  - every relative href and src of every HTML page under OUTPUT (theme
    assets included) resolves to a file of OUTPUT: a directory link to its
    index.html;
  - with --pages N: OUTPUT holds exactly N HTML pages besides those under
    --ignore directories (no stray page such as SLUG/table/ or readme/).

Prints one line per problem and "N checks, N failed" last; exit 1 on any.
usage: check_site.py SOURCE OUTPUT [--pages N] [--ignore DIR]...
"""
import html.parser
import json
import os
import re
import sys
import urllib.parse


class Links(html.parser.HTMLParser):
    """hrefs and srcs of a page, and its images with their alt text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls, self.images, self.tables, self.title = [], [], 0, ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("href", "src"):
            if a.get(key) is not None:
                self.urls.append(a[key])
        if tag == "img":
            self.images.append((a.get("src", ""), a.get("alt") or ""))
        elif tag == "table":
            self.tables += 1
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def parse(path):
    p = Links()
    with open(path, encoding="utf-8") as f:
        p.feed(f.read())
    return p


def points_to(url, slug):
    """Does url (relative to the home page) lead to the folder slug?"""
    path = urllib.parse.urlsplit(url).path
    if path.endswith("index.html"):
        path = path[: -len("index.html")]
    return path.strip("/") == slug


def main():
    args = sys.argv[1:]
    source, output = args[0], args[1]
    pages, ignore = None, []
    i = 2
    while i < len(args):
        if args[i] == "--pages":
            pages = int(args[i + 1])
        elif args[i] == "--ignore":
            ignore.append(args[i + 1].strip("/"))
        i += 2
    checks = failed = 0

    def check(ok, what):
        nonlocal checks, failed
        checks += 1
        if not ok:
            failed += 1
            print("FAIL: " + what)

    state = os.path.join(source, ".ptbench-state.json")
    archives = []
    if os.path.isfile(state):
        with open(state, encoding="utf-8") as f:
            archives = json.load(f).get("archives", [])
    check(len(archives) > 0, "%s lists no archive" % state)

    home = os.path.join(output, "index.html")
    check(os.path.isfile(home), "no home page " + home)
    home_urls = set(parse(home).urls) if os.path.isfile(home) else set()
    for a in archives:
        slug = a["slug"]
        check(any(points_to(u, slug) for u in home_urls),
              "the home page does not link to %s/" % slug)
        page = os.path.join(output, slug, "index.html")
        if not os.path.isfile(page):
            check(False, "no page for archive %s: %s" % (slug, page))
            continue
        p = parse(page)
        check(p.tables >= 1, "%s has no table" % page)
        md_path = os.path.join(source, slug, "index.md")
        md = open(md_path, encoding="utf-8").read() if os.path.isfile(md_path) else ""
        wanted = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", md)
        check(len(wanted) > 0, "%s/index.md shows no image" % slug)
        shown = {src: alt for src, alt in p.images}
        for img in wanted:
            # ptbench's own pages show the SVG of a PNG
            svg = img[:-4] + ".svg" if img.endswith(".png") else img
            src = img if img in shown else svg
            check(src in shown, "%s does not show %s" % (page, img))
            check(bool(shown.get(src, "").strip()), "%s shows %s without alt text" % (page, src))
            check(os.path.isfile(os.path.join(output, slug, src)),
                  "image %s/%s missing from %s" % (slug, src, output))

    html_pages = []
    for d, dirs, files in os.walk(output):
        rel = os.path.relpath(d, output)
        if rel != "." and rel.split(os.sep)[0] in ignore:
            continue
        for name in files:
            if name.endswith(".html"):
                html_pages.append(os.path.join(d, name))
    for path in html_pages:
        for url in parse(path).urls:
            u = urllib.parse.urlsplit(url)
            if u.scheme or u.netloc or url.startswith("#") or not u.path:
                continue
            base = output if u.path.startswith("/") else os.path.dirname(path)
            target = os.path.normpath(os.path.join(base, urllib.parse.unquote(u.path).lstrip("/")))
            if os.path.isdir(target):
                target = os.path.join(target, "index.html")
            check(os.path.isfile(target) and
                  os.path.realpath(target).startswith(os.path.realpath(output)),
                  "%s: link %s does not resolve in the output" % (path, url))
    if pages is not None:
        names = sorted(os.path.relpath(p, output) for p in html_pages)
        check(len(names) == pages, "%d HTML pages, expected %d: %s" % (len(names), pages, names))

    print("%d checks, %d failed" % (checks, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
