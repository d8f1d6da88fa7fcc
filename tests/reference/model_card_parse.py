"""Reads a model card (README.md) as a person or the Hugging Face Hub reads it, for the
model card test (tests/unit/eval/model_card_test.cc), and prints it as JSON:

    {"metadata": the YAML front matter (PyYAML's safe_load),
     "sections": [{"heading": "## ..." or "### ...", "text": the lines that are not tables,
                   "tables": [[{column: cell}, ...], ...]}, ...]}

Tables are GitHub-flavoured Markdown pipe tables; "\\|" inside a cell is a literal "|".
Written from the formats (YAML, Markdown), not from lmforge's code.
"""
import json
import re
import sys

import yaml


def split_cells(line):
    line = line.strip()
    assert line.startswith("|") and line.endswith("|"), line
    cells, cur, i = [], "", 1
    while i < len(line) - 1:
        if line[i] == "\\" and line[i + 1] == "|":
            cur += "|"
            i += 2
            continue
        if line[i] == "|":
            cells.append(cur.strip())
            cur = ""
        else:
            cur += line[i]
        i += 1
    cells.append(cur.strip())
    return cells


def parse(text):
    if not text.startswith("---\n"):
        raise SystemExit("no YAML front matter")
    end = text.index("\n---\n", 4)
    metadata = yaml.safe_load(text[4:end + 1])
    body = text[end + 5:].split("\n")
    sections = [{"heading": "", "text": "", "tables": []}]
    i = 0
    while i < len(body):
        line = body[i]
        if re.match(r"^#{1,3} ", line):
            sections.append({"heading": line, "text": "", "tables": []})
            i += 1
            continue
        if line.startswith("|") and i + 1 < len(body) and re.match(r"^\|( *-+ *\|)+$", body[i + 1]):
            header = split_cells(line)
            rows = []
            i += 2
            while i < len(body) and body[i].startswith("|"):
                cells = split_cells(body[i])
                assert len(cells) == len(header), body[i]
                rows.append(dict(zip(header, cells)))
                i += 1
            sections[-1]["tables"].append(rows)
            continue
        sections[-1]["text"] += line + "\n"
        i += 1
    return {"metadata": metadata, "sections": sections}


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f:
        print(json.dumps(parse(f.read())))
