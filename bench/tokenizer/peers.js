// The peers' side of the tokenizer benchmark (bench/tokenizer/run drives it). Prints JSON.
//   node peers.js tiktoken ENCODING CORPUS.jsonl    encode MB/s, npm tiktoken (WASM, one thread)
//   node peers.js hf TOKENIZER_JSON CORPUS.jsonl    encode MB/s, HF tokenizers native binding
//                                                   (threads: TOKENIZERS_PARALLELISM / RAYON_NUM_THREADS)
//   node peers.js hf-train CORPUS.txt PATTERN_REGEX OUT.json
//                                                   HF BpeTrainer seconds (the binding exposes only the
//                                                   default trainer: vocab size 30000)
// MB/s = UTF-8 bytes of all documents / best wall time of 5 rounds after a warm-up round.
'use strict';
const fs = require('fs');
const path = require('path');
const modules = path.join(__dirname, '..', '..', 'peers', 'node_modules');

function readDocs(file) {
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l).text);
}

async function timeRounds(docs, encodeAll) {
  const bytes = docs.reduce((n, t) => n + Buffer.byteLength(t, 'utf8'), 0);
  let best = Infinity;
  let tokens = 0;
  for (let round = 0; round < 6; round++) {
    const t0 = process.hrtime.bigint();
    tokens = await encodeAll();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (round > 0) best = Math.min(best, s);
  }
  return { mb_per_s: bytes / best / 1e6, bytes, tokens, seconds: best };
}

async function main() {
  const [mode, a, b, c] = process.argv.slice(2);
  if (mode === 'tiktoken') {
    const { get_encoding } = require(path.join(modules, 'tiktoken'));
    const enc = get_encoding(a);
    const docs = readDocs(b);
    const r = await timeRounds(docs, () => docs.reduce((n, t) => n + enc.encode_ordinary(t).length, 0));
    console.log(JSON.stringify(r));
  } else if (mode === 'hf') {
    const { Tokenizer } = require(path.join(modules, '@anush008', 'tokenizers'));
    const tok = Tokenizer.fromFile(a);
    const docs = readDocs(b);
    const r = await timeRounds(docs, async () => {
      const encs = await tok.encodeBatch(docs, { addSpecialTokens: false });
      return encs.reduce((n, e) => n + e.getLength(), 0);
    });
    console.log(JSON.stringify(r));
  } else if (mode === 'hf-train') {
    const { Tokenizer } = require(path.join(modules, '@anush008', 'tokenizers'));
    // An empty byte-level BPE with the same pretokenizer as lmforge's trainer.
    const spec = {
      version: '1.0', truncation: null, padding: null, added_tokens: [], normalizer: null,
      pre_tokenizer: { type: 'Sequence', pretokenizers: [
        { type: 'Split', pattern: { Regex: b }, behavior: 'Isolated', invert: false },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false }] },
      post_processor: null, decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
      model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
        fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab: {}, merges: [] },
    };
    const tok = Tokenizer.fromString(JSON.stringify(spec));
    const t0 = process.hrtime.bigint();
    tok.train([a]);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    tok.save(c);
    console.log(JSON.stringify({ seconds: s, vocab_size: tok.getVocabSize(true) }));
  } else {
    console.error('usage: see the header of peers.js');
    process.exit(2);
  }
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
