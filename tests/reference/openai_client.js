// The official `openai` npm client against an lmforge server: what the serve tests compare.
// usage: node openai_client.js SPEC.json  (SPEC: {url, model, chat_prompt, completion_prompt,
//   concurrent_prompts: [..], max_tokens, schema}) — prints one JSON object of results.
const path = require('path');
const OpenAI = require(path.join(__dirname, '..', '..', 'peers', 'node_modules', 'openai'));

async function collectStream(stream, chat) {
  let text = '';
  let finish = null;
  let usage = null;
  let chunks = 0;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) {
      const piece = chat ? (c.delta && c.delta.content) || '' : c.text || '';
      if (piece) chunks++;
      text += piece;
      if (c.finish_reason) finish = c.finish_reason;
    }
  }
  return { text, finish, usage, chunks };
}

async function main() {
  const spec = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
  const client = new OpenAI({ baseURL: spec.url + '/v1', apiKey: spec.api_key || 'none', maxRetries: 0 });
  const out = {};
  out.models = (await client.models.list()).data.map((m) => m.id);

  const chatReq = { model: spec.model, messages: [{ role: 'user', content: spec.chat_prompt }], temperature: 0,
                    max_tokens: spec.max_tokens };
  const chat = await client.chat.completions.create(chatReq);
  out.chat = { text: chat.choices[0].message.content, finish: chat.choices[0].finish_reason, usage: chat.usage,
               object: chat.object };
  out.chat_stream = await collectStream(
      await client.chat.completions.create({ ...chatReq, stream: true, stream_options: { include_usage: true } }), true);

  const comp = await client.completions.create({ model: spec.model, prompt: spec.completion_prompt, temperature: 0,
                                                 max_tokens: spec.max_tokens });
  out.completion = { text: comp.choices[0].text, finish: comp.choices[0].finish_reason, usage: comp.usage };
  const echo = await client.completions.create({ model: spec.model, prompt: spec.echo_prompt, max_tokens: 0,
                                                 echo: true, logprobs: 0 });
  out.echo = { text: echo.choices[0].text, tokens: echo.choices[0].logprobs.tokens,
               token_logprobs: echo.choices[0].logprobs.token_logprobs };
  // With 3 greedy tokens after the echo, in one response and streamed (the chunks' texts,
  // log-probabilities and text offsets concatenated).
  const echo3 = await client.completions.create({ model: spec.model, prompt: spec.echo_prompt, max_tokens: 3,
                                                  temperature: 0, echo: true, logprobs: 0 });
  out.echo3 = { text: echo3.choices[0].text, token_logprobs: echo3.choices[0].logprobs.token_logprobs,
                text_offset: echo3.choices[0].logprobs.text_offset };
  out.echo_stream = { text: '', token_logprobs: [], text_offset: [] };
  for await (const c of await client.completions.create({ model: spec.model, prompt: spec.echo_prompt, max_tokens: 3,
                                                          temperature: 0, echo: true, logprobs: 0, stream: true })) {
    if (!c.choices.length) continue;
    out.echo_stream.text += c.choices[0].text;
    if (c.choices[0].logprobs) {
      out.echo_stream.token_logprobs.push(...c.choices[0].logprobs.token_logprobs);
      out.echo_stream.text_offset.push(...c.choices[0].logprobs.text_offset);
    }
  }

  const emb = await client.embeddings.create({ model: spec.model, input: [spec.completion_prompt, spec.chat_prompt],
                                               encoding_format: 'float' });
  out.embeddings = emb.data.map((d) => d.embedding);
  // The client asks for base64 by default and decodes it itself.
  const emb64 = await client.embeddings.create({ model: spec.model, input: spec.completion_prompt });
  out.embedding_base64 = Array.from(emb64.data[0].embedding);

  // One at a time, then all at once (streamed).
  const one = (p) => client.completions.create({ model: spec.model, prompt: p, temperature: 0,
                                                 max_tokens: spec.max_tokens, stream: true });
  out.single = [];
  for (const p of spec.concurrent_prompts) out.single.push((await collectStream(await one(p), false)).text);
  out.concurrent = (await Promise.all(spec.concurrent_prompts.map(async (p) => collectStream(await one(p), false))))
                       .map((r) => r.text);

  if (spec.schema) {
    const docs = await Promise.all(Array.from({ length: spec.schema_samples }, (_, i) => client.chat.completions.create({
      model: spec.model, messages: [{ role: 'user', content: spec.chat_prompt }], temperature: 1, seed: i,
      max_tokens: spec.schema_max_tokens,
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: spec.schema, strict: true } } })));
    out.schema_documents = docs.map((d) => d.choices[0].message.content);
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => { console.error(String(e && e.stack || e)); process.exit(1); });
