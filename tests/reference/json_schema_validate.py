"""Validates JSON documents against a JSON Schema for the constrained-decoding tests.

usage: json_schema_validate.py IN.json

IN.json holds {"schema": SCHEMA, "documents": [TEXT, ...]}. Prints a JSON list with one
entry per document: "" when the text parses (Python's json, strict: no NaN/Infinity) and
the value validates (jsonschema, Draft 2020-12), else the reason.
"""
import json
import sys

import jsonschema


def reject_constant(name):
    raise ValueError("non-standard number " + name)


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        job = json.load(f)
    validator = jsonschema.Draft202012Validator(job["schema"])
    results = []
    for text in job["documents"]:
        try:
            value = json.loads(text, parse_constant=reject_constant)
        except ValueError as e:
            results.append("does not parse: %s" % e)
            continue
        errors = sorted(validator.iter_errors(value), key=lambda e: list(e.path))
        results.append("; ".join("%s: %s" % ("/".join(map(str, e.path)), e.message) for e in errors))
    print(json.dumps(results))


if __name__ == "__main__":
    main()
