"""Replaces one benchmark's section of docs/benchmarks.md (between its
`<!-- NAME:begin -->` and `<!-- NAME:end -->` markers; appended when absent) with the
Markdown read from stdin, keeping the other sections.

usage: doc_section.py NAME [DOC]   (DOC defaults to docs/benchmarks.md)"""
import os
import sys


def main():
    name = sys.argv[1]
    doc_path = sys.argv[2] if len(sys.argv) > 2 else "docs/benchmarks.md"
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    section = f"{begin}\n{sys.stdin.read().strip()}\n{end}"
    doc = open(doc_path).read() if os.path.exists(doc_path) else "# Benchmarks\n"
    if begin in doc and end in doc:
        doc = doc[:doc.index(begin)] + section + doc[doc.index(end) + len(end):]
    else:
        doc = doc.rstrip("\n") + "\n\n" + section + "\n"
    tmp = doc_path + ".tmp"
    with open(tmp, "w") as f:
        f.write(doc)
    os.replace(tmp, doc_path)


if __name__ == "__main__":
    main()
