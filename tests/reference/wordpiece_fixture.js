// Writes WordPiece tokenizer.json files laid out as real BERT checkpoints ship them
// (bert-base-uncased / bert-base-cased: BertNormalizer, BertPreTokenizer, TemplateProcessing
// "[CLS] $A [SEP]", WordPiece decoder, WordPiece model with "##" and [UNK]; ids 0 [PAD],
// 1..99 [unused*], 100 [UNK], 101 [CLS], 102 [SEP], 103 [MASK]). No BERT vocabulary ships
// offline, so the vocabulary is built here from every 2nd Brown document: its words (split
// as BERT's normalizer and pre-tokenizer split them, approximately), then the most frequent
// words, word-initial pieces and "##" pieces, and every character seen at least twice
// (rarer characters are left out so that [UNK] occurs).
// The files are then loaded by the Hugging Face tokenizers peer (npm @anush008/tokenizers,
// Tokenizer.fromFile) to check that it reads them.
//
// Usage: node wordpiece_fixture.js BROWN_JSONL OUTDIR
//   writes OUTDIR/uncased/tokenizer.json and OUTDIR/cased/tokenizer.json, unless OUTDIR/STAMP
//   says they were written by this version of this file from the same corpus file (so that
//   concurrent test processes share them; files are written to a temporary name and renamed)
'use strict';
const fs = require('fs');
const path = require('path');
const hf = require(path.join(__dirname, '..', '..', 'peers', 'node_modules', '@anush008', 'tokenizers'));

// Words as BERT's pre-tokenizer finds them, approximately (the vocabulary only needs to be
// realistic; the expected encodings always come from the peer): runs of letters, marks and
// digits, and single other characters; accents stripped when lowercasing.
function countWords(docs, lowercase) {
  const counts = new Map();
  for (let doc of docs) {
    if (lowercase) doc = doc.toLowerCase().normalize('NFD').replace(/\p{Mn}/gu, '');
    for (const [word] of doc.matchAll(/[\p{L}\p{N}\p{M}]+|[^\s\p{L}\p{N}\p{M}]/gu))
      counts.set(word, (counts.get(word) || 0) + 1);
  }
  return counts;
}

function top(map, n) {
  return [...map.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n).map((e) => e[0]);
}

function buildVocab(counts) {
  const tokens = ['[PAD]'];
  for (let i = 0; i < 99; ++i) tokens.push(`[unused${i}]`);
  tokens.push('[UNK]', '[CLS]', '[SEP]', '[MASK]');
  const seen = new Set(tokens);
  const add = (t) => {
    if (!seen.has(t)) seen.add(t), tokens.push(t);
  };
  const chars = new Map();
  for (const [w, c] of counts) for (const ch of w) chars.set(ch, (chars.get(ch) || 0) + c);
  const alphabet = [...chars.entries()].filter((e) => e[1] >= 2).map((e) => e[0]).sort();
  for (const ch of alphabet) add(ch);
  for (const ch of alphabet) add('##' + ch);
  const words = top(counts, 3000);
  for (const w of words) add(w);
  // Pieces of the words that are not whole tokens: word-initial prefixes of 2..6 characters
  // and continuations of 2..5 characters, weighted by the word's count.
  const inVocab = new Set(words);
  const starts = new Map(), conts = new Map();
  for (const [w, c] of counts) {
    if (inVocab.has(w)) continue;
    const chs = [...w];
    for (let n = 2; n <= 6 && n < chs.length; ++n) {
      const p = chs.slice(0, n).join('');
      starts.set(p, (starts.get(p) || 0) + c);
    }
    for (let i = 1; i < chs.length; ++i)
      for (let n = 2; n <= 5 && i + n <= chs.length; ++n) {
        const p = '##' + chs.slice(i, i + n).join('');
        conts.set(p, (conts.get(p) || 0) + c);
      }
  }
  for (const p of top(starts, 1500)) add(p);
  for (const p of top(conts, 1500)) add(p);
  const vocab = {};
  tokens.forEach((t, i) => (vocab[t] = i));
  return vocab;
}

function added(content, id, opts = {}) {
  return {
    id,
    content,
    single_word: opts.single_word || false,
    lstrip: opts.lstrip || false,
    rstrip: opts.rstrip || false,
    normalized: opts.normalized || false,
    special: opts.special === undefined ? true : opts.special,
  };
}

function tokenizerJson(vocab, cased) {
  const size = Object.keys(vocab).length;
  const addedTokens = [added('[PAD]', 0), added('[UNK]', 100), added('[CLS]', 101), added('[SEP]', 102)];
  // The cased file strips spaces left of [MASK] (as RoBERTa's <mask> does) and has a plain
  // added token matched as a single word; the uncased one a normalized added token that also
  // strips spaces on its right.
  addedTokens.push(added('[MASK]', 103, cased ? { lstrip: true } : {}));
  if (cased) addedTokens.push(added('<E1>', size, { single_word: true, special: false }));
  else addedTokens.push(added('<ent>', size, { normalized: true, rstrip: true, special: false }));
  const single = [
    { SpecialToken: { id: '[CLS]', type_id: 0 } },
    { Sequence: { id: 'A', type_id: 0 } },
    { SpecialToken: { id: '[SEP]', type_id: 0 } },
  ];
  const pair = single.concat([{ Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } }]);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: !cased },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single,
      pair,
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [101], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [102], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
}

function main() {
  const [brownJsonl, outdir] = process.argv.slice(2);
  const st = fs.statSync(brownJsonl);
  const stamp = require('crypto').createHash('sha1').update(fs.readFileSync(__filename))
    .update(`${path.resolve(brownJsonl)} ${st.size} ${st.mtimeMs}`).digest('hex');
  const stampFile = path.join(outdir, 'STAMP');
  if (fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp) return;
  const docs = fs.readFileSync(brownJsonl, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l).text)
    .filter((_, i) => i % 2 === 0);
  for (const cased of [false, true]) {
    const dir = path.join(outdir, cased ? 'cased' : 'uncased');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'tokenizer.json');
    const tmp = `${file}.tmp.${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify(tokenizerJson(buildVocab(countWords(docs, !cased)), cased), null, 2));
    hf.Tokenizer.fromFile(tmp);  // throws if the peer cannot read it
    fs.renameSync(tmp, file);
  }
  fs.writeFileSync(`${stampFile}.tmp.${process.pid}`, stamp);
  fs.renameSync(`${stampFile}.tmp.${process.pid}`, stampFile);
}

main();
