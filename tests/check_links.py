#!/usr/bin/env python3
"""tests/check_links.py - every relative link of the documentation resolves.

For README.md and docs/*.md (or the Markdown files given): each Markdown link
or image, inline "[text](target)" or reference "[label]: target", whose
target is not a URL must name a file that exists (relative to the linking
file), and its "#anchor", if any, must be a heading of that file, slugged as
GitHub does it (github-slugger: lowercase; drop every character that is not
a letter, mark, number, connector, space or hyphen; spaces become hyphens; a
repeated slug gets -1, -2, ...). A plain-text mention of docs/NAME.md, even
inside a code block, must name an existing file too.
Prints one line per problem and "N links checked, N broken" last.
usage: check_links.py SRC [FILE.md...]
"""
import glob
import os
import re
import sys
import unicodedata

FENCE = re.compile(r"^\s*(```|~~~)")
INLINE = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFDEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
MENTION = re.compile(r"(?<![\w./-])(docs/[\w.-]+\.md)\b")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//")


def slug(text):
    # the heading as rendered: no code backticks, emphasis or link targets
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[`*]", "", text)
    out = []
    for ch in text.strip().lower():
        cat = unicodedata.category(ch)
        if ch in " -" or cat[0] in "LMN" or cat == "Pc":
            out.append(ch)
    return "".join(out).replace(" ", "-")


def anchors(path, cache={}):
    if path not in cache:
        seen, found, fenced = {}, set(), False
        with open(path, encoding="utf-8") as f:
            for line in f:
                if FENCE.match(line):
                    fenced = not fenced
                    continue
                m = None if fenced else re.match(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", line)
                if m:
                    s = slug(m.group(1))
                    n = seen.get(s, 0)
                    seen[s] = n + 1
                    found.add(s if n == 0 else f"{s}-{n}")
        cache[path] = found
    return cache[path]


def links(path):
    """Yield (line number, target, kind) of the file's links and mentions."""
    fenced = False
    with open(path, encoding="utf-8") as f:
        for no, line in enumerate(f, 1):
            for m in MENTION.finditer(line):
                yield no, m.group(1), "mention"
            if FENCE.match(line):
                fenced = not fenced
                continue
            if fenced:
                continue
            prose = re.sub(r"`[^`]*`", "", line)  # code spans hold no links
            for m in INLINE.finditer(prose):
                yield no, m.group(1), "link"
            m = REFDEF.match(prose)
            if m:
                yield no, m.group(1), "link"


def main():
    src = sys.argv[1]
    files = sys.argv[2:] or [os.path.join(src, "README.md")] + sorted(
        glob.glob(os.path.join(src, "docs", "*.md")))
    checked = broken = 0
    for path in files:
        rel = os.path.relpath(path, src)
        for no, target, kind in links(path):
            if SCHEME.match(target):
                continue
            checked += 1
            file_part, _, anchor = target.partition("#")
            if kind == "mention":
                dest = os.path.join(src, file_part)
            else:
                dest = os.path.normpath(os.path.join(os.path.dirname(path), file_part)) \
                    if file_part else path
            problem = None
            if not os.path.exists(dest):
                problem = f"no file {os.path.relpath(dest, src)}"
            elif anchor and dest.endswith(".md") and anchor not in anchors(dest):
                problem = f"no heading '#{anchor}' in {os.path.relpath(dest, src)}"
            if problem:
                broken += 1
                print(f"{rel}:{no}: {kind} '{target}': {problem}")
    print(f"{checked} links checked, {broken} broken")
    return 1 if broken or not checked else 0


if __name__ == "__main__":
    sys.exit(main())
