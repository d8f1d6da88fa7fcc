"""Replaces one benchmark's section of docs/benchmarks.md (between its
`<!-- NAME:begin -->` and `<!-- NAME:end -->` markers; appended when absent) with the
Markdown read from stdin, keeping the other sections. Each section ends with a line naming
the machine it was measured on (cores, widest SIMD of the CPU, date), since sections are
rerun at different times and the SIMD width decides what the kernels can reach.

usage: doc_section.py NAME [DOC]   (DOC defaults to docs/benchmarks.md)"""
import datetime
import os
import sys


def machine_line():
    flags, model = set(), "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("flags") and not flags:
                flags = set(line.split(":", 1)[1].split())
            elif line.startswith("model name") and model == "unknown CPU":
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    simd = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "SSE"
    return f"Machine: {model}, {os.cpu_count()} cores, {simd}; measured {datetime.date.today().isoformat()}."


def main():
    name = sys.argv[1]
    doc_path = sys.argv[2] if len(sys.argv) > 2 else "docs/benchmarks.md"
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    section = f"{begin}\n{sys.stdin.read().strip()}\n\n{machine_line()}\n{end}"
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
