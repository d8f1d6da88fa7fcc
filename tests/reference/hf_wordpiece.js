// The Hugging Face tokenizers peer (npm @anush008/tokenizers: the Rust tokenizers crate as a
// native binding) on a tokenizer.json and a JSONL file of texts ({"text": ...} per line):
// writes one JSON line per text with
//   ids          encode(text, add_special_tokens=false)   (added tokens in the text matched)
//   wrapped      encode(text, add_special_tokens=true)    (the post-processor's template)
//   decoded      decode(ids, skip_special_tokens=false)
//   wrapped_text decode(wrapped, skip_special_tokens=false)
//   skipped      decode(wrapped, skip_special_tokens=true)
// Usage: node hf_wordpiece.js TOKENIZER_JSON TEXTS_JSONL OUT_JSONL
'use strict';
const fs = require('fs');
const path = require('path');
const { Tokenizer } = require(path.join(__dirname, '..', '..', 'peers', 'node_modules', '@anush008', 'tokenizers'));

async function main() {
  const [file, textsFile, out] = process.argv.slice(2);
  const texts = fs.readFileSync(textsFile, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l).text);
  const tok = Tokenizer.fromFile(file);
  const ids = (await tok.encodeBatch(texts, { addSpecialTokens: false })).map((e) => e.getIds());
  const wrapped = (await tok.encodeBatch(texts, { addSpecialTokens: true })).map((e) => e.getIds());
  const decoded = await tok.decodeBatch(ids, false);
  const wrappedText = await tok.decodeBatch(wrapped, false);
  const skipped = await tok.decodeBatch(wrapped, true);
  const lines = texts.map((_, i) =>
    JSON.stringify({ ids: ids[i], wrapped: wrapped[i], decoded: decoded[i], wrapped_text: wrappedText[i], skipped: skipped[i] }));
  fs.writeFileSync(out + '.tmp', lines.join('\n') + '\n');
  fs.renameSync(out + '.tmp', out);
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
