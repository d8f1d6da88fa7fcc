"""Prepares the benchmark corpus from `lmforge data brown` text: lowercased, words and
punctuation marks as separate tokens (a word is a run of letters and digits, with inner
apostrophes or hyphens; every other non-space character is a token of its own), one
sentence a line as the input has it. Both trainers read the same file.

usage: prepare.py IN.txt OUT.txt"""
import re
import sys

TOKEN = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*|[^\sa-z0-9]")


def main():
    src, dst = sys.argv[1:3]
    with open(src, encoding="utf-8") as f, open(dst + ".tmp", "w", encoding="utf-8") as out:
        for line in f:
            toks = TOKEN.findall(line.lower())
            if toks:
                out.write(" ".join(toks) + "\n")
    import os
    os.replace(dst + ".tmp", dst)


if __name__ == "__main__":
    main()
