#!/usr/bin/env python3
"""Checks that code quoted in a document is the code in the repository.

A fenced code block whose first line is a comment naming a file of the
repository ("// src/policy/policy.h", "# examples/CMakeLists.txt") must be,
after that line, a verbatim part of that file. Fails when a quote drifted,
names a missing file, or when a document quotes fewer files than expected.
usage: guide_quotes.py REPO DOC MIN_QUOTES
"""
import pathlib
import re
import sys

FENCE = re.compile(r"^```[a-z]*\n(.*?)^```$", re.S | re.M)
NAMED = re.compile(r"^(?://|#) ([\w./-]+\.(?:h|cpp|txt|cmake|sh|yaml))\n")


def main():
    repo, doc, min_quotes = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), int(sys.argv[3])
    text = doc.read_text()
    quotes, errors = 0, []
    for block in FENCE.findall(text):
        m = NAMED.match(block)
        if not m:
            continue
        quotes += 1
        path, body = repo / m.group(1), block[m.end():]
        if not path.is_file():
            errors.append(f"{doc.name} quotes {m.group(1)}, which does not exist")
        elif body not in path.read_text():
            first = body.splitlines()[0] if body.strip() else "(empty)"
            errors.append(f"{doc.name}: the quote of {m.group(1)} starting '{first}' is not in the file")
    if quotes < min_quotes:
        errors.append(f"{doc.name} quotes {quotes} files, expected at least {min_quotes}")
    for e in errors:
        print("FAIL:", e)
    if not errors:
        print(f"PASS: {quotes} quotes in {doc.name} match their files")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
