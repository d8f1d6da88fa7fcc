// Reference for `lmforge data tokenize`, on the npm tiktoken peer: reads the inputs (a
// plain-text file is one document, each non-blank line of a .jsonl file is one document,
// its "text" field; empty files are skipped), puts the last round(F * n) documents
// (at least 1, at most n-1, when n >= 2 and F > 0) in val, prefixes every document with
// <|endoftext|> as llm.c's data scripts do, and writes OUTDIR/train.bin and
// OUTDIR/val.bin in llm.c's shard format (256 int32 header: 20240520, version, count).
// With --allow-special first, special tokens in the text are encoded as their ids
// (tiktoken's allowed_special "all"); otherwise as ordinary text.
// Usage: node tokenize_corpus.js [--allow-special] ENCODING VAL_FRACTION OUTDIR INPUT...
'use strict';
const fs = require('fs');
const path = require('path');
const { get_encoding } = require(path.join(__dirname, '..', '..', 'peers', 'node_modules', 'tiktoken'));

const args = process.argv.slice(2);
const allowSpecial = args[0] === '--allow-special';
const [encoding, fraction, outdir, ...inputs] = allowSpecial ? args.slice(1) : args;
const docs = [];
for (const file of inputs) {
  const text = fs.readFileSync(file, 'utf8');
  if (file.endsWith('.jsonl')) {
    for (const line of text.split('\n')) if (line.trim() !== '') docs.push(JSON.parse(line).text);
  } else if (text.length > 0) {
    docs.push(text);
  }
}
const F = Number(fraction);
const nVal = F > 0 && docs.length >= 2 ? Math.min(Math.max(Math.round(F * docs.length), 1), docs.length - 1) : 0;
const enc = get_encoding(encoding);
const eot = enc.encode('<|endoftext|>', 'all')[0];
const split = { train: [], val: [] };
docs.forEach((doc, i) => {
  const out = i < docs.length - nVal ? split.train : split.val;
  out.push(eot, ...(allowSpecial ? enc.encode(doc, 'all') : enc.encode_ordinary(doc)));
});
enc.free();
for (const name of ['train', 'val']) {
  const ids = split[name];
  const wide = ids.some((id) => id >= 65536);
  const header = new Int32Array(256);
  header[0] = 20240520;
  header[1] = wide ? 2 : 1;
  header[2] = ids.length;
  const body = wide ? Uint32Array.from(ids) : Uint16Array.from(ids);
  fs.writeFileSync(path.join(outdir, name + '.bin'), Buffer.concat([Buffer.from(header.buffer), Buffer.from(body.buffer)]));
}
