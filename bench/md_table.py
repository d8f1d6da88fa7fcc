"""The Markdown table printer shared by every bench/NAME/report.py.

table(columns, rows): columns are (header, "l" or "r") pairs, left- or right-aligned; rows
are lists of cells, one per column."""


def table(columns, rows):
    print("| " + " | ".join(h for h, _ in columns) + " |")
    print("| " + " | ".join("---:" if a == "r" else "---" for _, a in columns) + " |")
    for cells in rows:
        assert len(cells) == len(columns), cells
        print("| " + " | ".join(str(c) for c in cells) + " |")
