#!/usr/bin/env python3
"""tests/readme_doctest.py - runs every command the README shows.

Each fenced code block holding lines that start with "$ " is a terminal
transcript: "$ CMD" lines are commands, the lines after one (up to the next
"$ " line) are its expected output. Commands run with bash in a scratch
directory where data/, templates/ and tests/ of the source tree are visible
and `ptbench` is the binary under test:

  - `$ cat FILE` of a file that does not exist yet writes FILE from the
    transcript (it sets up the example) instead of running;
  - `$ make TARGET` is checked with `make -n` in the source tree (the real
    targets build and install; CI runs them itself);
  - any other command must exit 0, or N when the line ends in `# exit N`;
    when the transcript shows output, stdout and stderr together must equal
    it (trailing blank space aside).

Prints one line per command and "N passed, N failed" last.
usage: readme_doctest.py README SRC PTBENCH WORKDIR  (README: any Markdown file)
"""
import os
import re
import subprocess
import sys


def transcripts(text):
    """Yield (line number, command, expected output lines) from the README."""
    in_block = False
    current = None
    for no, line in enumerate(text.splitlines(), 1):
        if line.startswith("```"):
            if current:
                yield current
            current = None
            in_block = not in_block
            continue
        if not in_block:
            continue
        if line.startswith("$ "):
            if current:
                yield current
            current = (no, line[2:], [])
        elif current:
            current[2].append(line)
    if current:
        yield current


def main():
    readme, src, ptbench, work = sys.argv[1:5]
    label = os.path.relpath(readme, src)
    bindir = os.path.join(work, "bin")
    os.makedirs(bindir, exist_ok=True)
    link = os.path.join(bindir, "ptbench")
    if not os.path.exists(link):
        os.symlink(ptbench, link)
    for name in ("data", "templates", "tests"):
        if not os.path.exists(os.path.join(work, name)):
            os.symlink(os.path.join(src, name), os.path.join(work, name))
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ["PATH"], LC_ALL="C.UTF-8")
    passed = failed = 0
    with open(readme, encoding="utf-8") as f:
        text = f.read()
    for no, cmd, expected in transcripts(text):
        want_status = 0
        m = re.search(r"\s+#\s*exit\s+(\d+)\s*$", cmd)
        if m:
            want_status = int(m.group(1))
            cmd = cmd[: m.start()]
        m = re.fullmatch(r"cat\s+(\S+)", cmd.strip())
        if m and not os.path.exists(os.path.join(work, m.group(1))):
            path = os.path.join(work, m.group(1))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write("\n".join(expected) + "\n")
            continue
        check_output = bool(expected)
        if cmd.startswith("make "):
            cmd = "make -n -C " + src + " " + cmd[5:]
            check_output = False
        r = subprocess.run(["bash", "-c", cmd], cwd=work, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=300)
        out = r.stdout.decode("utf-8", "replace")
        problems = []
        if r.returncode != want_status:
            problems.append(f"exit status {r.returncode}, expected {want_status}")
        if check_output:
            got = [l.rstrip() for l in out.rstrip().splitlines()]
            want = [l.rstrip() for l in "\n".join(expected).rstrip().splitlines()]
            if got != want:
                problems.append("output differs:\n  expected: %r\n  got:      %r" % (want, got))
        if re.search(r"AddressSanitizer|LeakSanitizer|runtime error:", out):
            problems.append("sanitizer report:\n" + out[:2000])
        if problems:
            failed += 1
            print(f"FAIL {label}:{no}: $ {cmd}\n  " + "\n  ".join(problems))
        else:
            passed += 1
            print(f"ok   {label}:{no}: $ {cmd}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
