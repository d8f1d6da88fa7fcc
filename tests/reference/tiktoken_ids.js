// The tiktoken peer: for each test corpus (see corpora.js, kept in CORPUS_DIR), encodes every document
// with the npm tiktoken package (Rust compiled to WASM) and writes OUTDIR/NAME.ENCODING.MODE.ids,
// one line of space-separated ids per document. MODE "ordinary" is encode_ordinary(text),
// "special" is encode(text, "all"). It also writes OUTDIR/NAME.ENCODING.decoded.jsonl, to check
// decoding to UTF-8 where a cut falls inside a character: per document {"half": the text that
// tiktoken's decode + TextDecoder give for the first half of the ids, "tokens": the same for
// each id alone (stress corpus only)}.
// Usage: node tiktoken_ids.js ENCODING MODE CORPUS_DIR OUTDIR [--spam-every N] [--brown-every N] [--docs-every N]
'use strict';
const fs = require('fs');
const path = require('path');
const corpora = require('./corpora');
const { get_encoding } = require(path.join(__dirname, '..', '..', 'peers', 'node_modules', 'tiktoken'));

const args = process.argv.slice(2);
const [encoding, mode, corpusDir, outdir] = args;
const all = corpora.write(corpusDir, corpora.options(args));
const every = corpora.numberOption(args, '--docs-every');
const texts = {};
for (const name of corpora.NAMES) texts[name] = corpora.subset(name, all[name], every);
const enc = get_encoding(encoding);
const decoder = new TextDecoder();
for (const name of corpora.NAMES) {
  const ids = texts[name].map((t) => (mode === 'special' ? enc.encode(t, 'all') : enc.encode_ordinary(t)));
  fs.writeFileSync(path.join(outdir, `${name}.${encoding}.${mode}.ids`), ids.map((a) => Array.from(a).join(' ')).join('\n') + '\n');
  const decoded = ids.map((a) => {
    const half = decoder.decode(enc.decode(a.slice(0, Math.floor(a.length / 2))));
    const tokens = name === 'stress' ? Array.from(a, (id) => decoder.decode(enc.decode(new Uint32Array([id])))) : [];
    return JSON.stringify({ half, tokens });
  });
  fs.writeFileSync(path.join(outdir, `${name}.${encoding}.decoded.jsonl`), decoded.join('\n') + '\n');
}
enc.free();
