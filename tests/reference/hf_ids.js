// The Hugging Face tokenizers peer (npm @anush008/tokenizers: the Rust tokenizers crate as a
// native binding): loads TOKENIZER_JSON and, for each test corpus (see corpora.js, kept in CORPUS_DIR),
// writes OUTDIR/NAME.TAG.ids — one line of space-separated ids per document, from
// encode(text, add_special_tokens=false) (added tokens in the text are matched, as HF does).
// Usage: node hf_ids.js TOKENIZER_JSON TAG CORPUS_DIR OUTDIR [--spam-every N] [--brown-every N] [--docs-every N]
'use strict';
const fs = require('fs');
const path = require('path');
const corpora = require('./corpora');
const { Tokenizer } = require(path.join(__dirname, '..', '..', 'peers', 'node_modules', '@anush008', 'tokenizers'));

async function main() {
  const args = process.argv.slice(2);
  const [file, tag, corpusDir, outdir] = args;
  const all = corpora.write(corpusDir, corpora.options(args));
  const every = corpora.numberOption(args, '--docs-every');
  const texts = {};
  for (const name of corpora.NAMES) texts[name] = corpora.subset(name, all[name], every);
  const tok = Tokenizer.fromFile(file);
  for (const name of corpora.NAMES) {
    const encs = await tok.encodeBatch(texts[name], { addSpecialTokens: false });
    const lines = encs.map((e) => e.getIds().join(' '));
    fs.writeFileSync(path.join(outdir, `${name}.${tag}.ids`), lines.join('\n') + '\n');
  }
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
