"""Prints one benchmark's section of docs/benchmarks.md from its results file: calls
section(results) of bench/NAME/report.py, which prints Markdown (its tables through
md_table.table). bench/doc_section.py puts the section in place:

    python3 bench/report.py NAME bench/results/NAME.json | python3 bench/doc_section.py NAME

usage: report.py NAME [RESULTS.json]   (RESULTS defaults to bench/results/NAME.json)"""
import importlib.util
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))  # on sys.path: the reports import md_table


def main():
    name = sys.argv[1]
    path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "results", name + ".json")
    spec = importlib.util.spec_from_file_location(f"{name}_report", os.path.join(HERE, name, "report.py"))
    report = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(report)
    with open(path) as f:
        report.section(json.load(f))


if __name__ == "__main__":
    main()
