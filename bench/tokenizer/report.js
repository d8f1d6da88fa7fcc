// Turns the measurements of bench/tokenizer/run into bench/results/tokenizer.json and the
// tokenizer section of docs/benchmarks.md (between the tokenizer markers; other sections kept).
// Usage: node report.js RESULTS.jsonl OUT.json BENCHMARKS.md THREADS
'use strict';
const fs = require('fs');
const os = require('os');

const [resultsFile, outJson, mdFile, threads] = process.argv.slice(2);
const rows = fs.readFileSync(resultsFile, 'utf8').split('\n').filter((l) => l).map((l) => JSON.parse(l));
const find = (what, impl, c, t) => rows.find((r) => r.what === what && r.impl === impl && r.case === c && r.threads === t);
const T = Number(threads);
const fmt = (x, d = 1) => (x === undefined ? 'n/a' : x.toFixed(d));

const encode = {};
let md = '';
md += `Encode throughput on the Brown corpus (${fmt(rows.find((r) => r.what === 'encode').result.bytes / 1e6, 2)} MB, 500 documents, POS tags stripped), MB/s, best of 5 rounds after a warm-up:\n\n`;
md += `| encoding | lmforge 1 thread | lmforge ${T} threads | tiktoken (WASM) | HF tokenizers 1 thread | HF tokenizers ${T} threads | lmforge / tiktoken | lmforge / HF (1 thread) | lmforge ${T} / 1 thread |\n`;
md += '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n';
for (const enc of ['gpt2', 'cl100k_base', 'o200k_base']) {
  const o1 = find('encode', 'lmforge', enc, 1).result.mb_per_s;
  const oT = find('encode', 'lmforge', enc, T).result.mb_per_s;
  const tk = find('encode', 'tiktoken', enc, 1).result.mb_per_s;
  const h1 = find('encode', 'hf', enc, 1).result.mb_per_s;
  const hT = find('encode', 'hf', enc, T).result.mb_per_s;
  encode[enc] = { lmforge_1: o1, [`lmforge_${T}`]: oT, tiktoken_1: tk, hf_1: h1, [`hf_${T}`]: hT,
    ratio_vs_tiktoken: o1 / tk, ratio_vs_hf: o1 / h1, thread_scaling: oT / o1 };
  md += `| ${enc} | ${fmt(o1)} | ${fmt(oT)} | ${fmt(tk)} | ${fmt(h1)} | ${fmt(hT)} | ${fmt(o1 / tk, 2)}× | ${fmt(o1 / h1, 2)}× | ${fmt(oT / o1, 2)}× |\n`;
}
const train = {};
md += `\nBPE training on the Brown corpus (cl100k pattern, ${T} threads), seconds:\n\n`;
md += '| vocab size | lmforge | HF tokenizers BpeTrainer | HF / lmforge |\n| ---: | ---: | ---: | ---: |\n';
for (const v of ['16384', '30000', '32768']) {
  const o = find('train', 'lmforge', v, T);
  const h = find('train', 'hf', v, T);
  train[v] = { lmforge_s: o && o.result.seconds, hf_s: h ? h.result.seconds : null };
  md += `| ${v} | ${fmt(o && o.result.seconds, 2)} | ${h ? fmt(h.result.seconds, 2) : 'n/a (binding trains only at 30000)'} | ${h ? fmt(h.result.seconds / o.result.seconds, 2) + '×' : ''} |\n`;
}
md += `\nMachine: ${os.cpus().length} × ${os.cpus()[0].model}. Command: \`bench/tokenizer/run build\` (also run by \`make bench\`).\n`;

fs.mkdirSync(require('path').dirname(outJson), { recursive: true });
fs.writeFileSync(outJson, JSON.stringify({ date: new Date().toISOString(), threads: T, cpu: os.cpus()[0].model, encode, train, raw: rows }, null, 2) + '\n');

const begin = '<!-- tokenizer:begin -->';
const end = '<!-- tokenizer:end -->';
const section = `${begin}\n## Tokenizer\n\n${md}${end}`;
let doc = fs.existsSync(mdFile) ? fs.readFileSync(mdFile, 'utf8') : '# Benchmarks\n\nEach section is written by its bench/NAME/run script; numbers are ratios against the peer measured in the same run.\n';
if (doc.includes(begin) && doc.includes(end)) doc = doc.slice(0, doc.indexOf(begin)) + section + doc.slice(doc.indexOf(end) + end.length);
else doc = doc.replace(/\n*$/, '\n\n') + section + '\n';
fs.writeFileSync(mdFile, doc);
console.log(md);
