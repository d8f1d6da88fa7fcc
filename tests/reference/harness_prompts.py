"""lm-evaluation-harness's few-shot prompts, restated from its definitions
(ConfigurableTask.doc_to_text / doc_to_target / doc_to_choice, fewshot_context and
ContextSampler.get_context / sample) with the harness's own libraries: PyYAML for the task
file, Jinja2 (StrictUndefined, keep_trailing_newline) for the templates and
random.Random(seed).sample for the shots.

usage: harness_prompts.py TASK.yaml NUM_FEWSHOT SEED LIMIT   (prints a JSON list of
{"context": ..., "continuations": [...]} per document)
"""
import ast
import json
import os
import random
import sys

import jinja2
import yaml

ENV = jinja2.Environment(loader=jinja2.BaseLoader(), undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def apply_template(template, doc):
    return ENV.from_string(template).render(**doc)


def load_split(cfg, base, split):
    path = os.path.join(base, cfg["dataset_kwargs"]["data_files"][split])
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    path, k, seed, limit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    cfg = yaml.safe_load(open(path))
    base = os.path.dirname(path)
    test_split = cfg.get("test_split") or cfg.get("validation_split")
    fewshot_split = cfg.get("fewshot_split") or cfg.get("training_split") or cfg.get("validation_split")
    test = load_split(cfg, base, test_split)
    shots = load_split(cfg, base, fewshot_split) if fewshot_split else []
    tdelim = cfg.get("target_delimiter", " ")
    fdelim = cfg.get("fewshot_delimiter", "\n\n")
    has_choice = cfg.get("doc_to_choice") is not None

    def doc_to_text(doc):
        t = cfg["doc_to_text"]
        if isinstance(t, int):
            return t
        if t in doc:
            return doc[t]
        s = apply_template(t, doc)
        return ast.literal_eval(s) if s.isdigit() and has_choice else s

    def doc_to_target(doc):
        t = cfg["doc_to_target"]
        if isinstance(t, (int, list)):
            return t
        if t in doc:
            return doc[t]
        s = apply_template(t, doc)
        if s.isdigit() and has_choice:
            return ast.literal_eval(s)
        if len(s) >= 2 and s[0] == "[" and s[-1] == "]":
            try:
                return ast.literal_eval(s)
            except (SyntaxError, ValueError):
                return s
        return s

    def doc_to_choice(doc):
        c = cfg["doc_to_choice"]
        if isinstance(c, list):
            return c
        if c in doc:
            return doc[c]
        return ast.literal_eval(apply_template(c, doc))

    rnd = random.Random(seed)
    out = []
    for doc in test[:limit] if limit > 0 else test:
        ctx = apply_template(cfg["description"], doc) if cfg.get("description") else ""
        if k > 0:
            n = k + 1 if fewshot_split == test_split else k
            selected = [x for x in rnd.sample(shots, n) if x != doc][:k]
            for s in selected:
                ctx += doc_to_text(s)
                tgt = doc_to_target(s)
                if tgt != "":
                    ctx += tdelim
                    if isinstance(tgt, list):
                        ctx += str(tgt[0])
                    elif not has_choice or isinstance(tgt, str):
                        ctx += tgt
                    else:
                        ctx += str(doc_to_choice(s)[tgt])
                    ctx += fdelim
        ctx += doc_to_text(doc)
        if cfg["output_type"] == "multiple_choice":
            conts = [tdelim + c for c in doc_to_choice(doc)]
        else:
            tgt = doc_to_target(doc)
            conts = [tdelim + (tgt if isinstance(tgt, str) else str(tgt))]
        out.append({"context": ctx, "continuations": conts})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
