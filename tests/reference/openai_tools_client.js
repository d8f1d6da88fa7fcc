// The official `openai` npm client using tools against an lmforge server (what
// tests/unit/serve/serve_tools_test.cc checks).
// usage: node openai_tools_client.js SPEC.json  (SPEC: {url, model, tools, max_tokens})
// Prints one JSON object: forced (a named tool_choice), forced_stream (the same, streamed,
// its tool-call deltas assembled by index as OpenAI's documentation shows), required,
// auto, round_trip (a conversation with an assistant tool call and a tool message), and
// errors (status and param of bad requests, sent with fetch).
const path = require('path');
const OpenAI = require(path.join(__dirname, '..', '..', 'peers', 'node_modules', 'openai'));

function message(r) {
  const c = r.choices[0];
  return { content: c.message.content, tool_calls: c.message.tool_calls || null, finish: c.finish_reason, usage: r.usage };
}

async function main() {
  const spec = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
  const client = new OpenAI({ baseURL: spec.url + '/v1', apiKey: 'none', maxRetries: 0 });
  const user = [{ role: 'user', content: 'What is 1234 + 4321?' }];
  const base = { model: spec.model, temperature: 0, max_tokens: spec.max_tokens };
  const named = { type: 'function', function: { name: 'calculator' } };
  const out = {};
  out.forced = message(await client.chat.completions.create({ ...base, messages: user, tools: spec.tools, tool_choice: named }));

  const calls = [];
  let finish = null, content = '', roles = 0;
  for await (const chunk of await client.chat.completions.create({ ...base, messages: user, tools: spec.tools,
                                                                    tool_choice: named, stream: true })) {
    for (const c of chunk.choices) {
      if (c.delta.role) roles++;
      if (c.delta.content) content += c.delta.content;
      for (const t of c.delta.tool_calls || []) {
        if (!calls[t.index]) calls[t.index] = { id: t.id, type: t.type, function: { name: t.function.name, arguments: '' } };
        if (t.function && t.function.arguments) calls[t.index].function.arguments += t.function.arguments;
      }
      if (c.finish_reason) finish = c.finish_reason;
    }
  }
  out.forced_stream = { content, tool_calls: calls, finish, roles };

  out.required = message(await client.chat.completions.create({ ...base, messages: user, tools: spec.tools,
                                                                 tool_choice: 'required', seed: 3, temperature: 1 }));
  out.auto = message(await client.chat.completions.create({ ...base, messages: user, tools: spec.tools }));
  out.auto_as_system = message(await client.chat.completions.create({ ...base, messages: [
    { role: 'system', content: spec.tools_system_message }, ...user] }));
  out.none = message(await client.chat.completions.create({ ...base, messages: user, tools: spec.tools, tool_choice: 'none' }));
  out.plain = message(await client.chat.completions.create({ ...base, messages: user }));

  const round = [...user,
    { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function',
      function: { name: 'calculator', arguments: '{"expression": "1234 + 4321"}' } }] },
    { role: 'tool', tool_call_id: 'call_1', content: '{"result":"5555"}' }];
  out.round_trip = message(await client.chat.completions.create({ ...base, messages: round, tools: spec.tools }));

  const bad = async (body) => {
    const r = await fetch(spec.url + '/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' },
                                                               body: JSON.stringify({ model: spec.model, ...body }) });
    const j = await r.json();
    return { status: r.status, param: j.error ? j.error.param : null, message: j.error ? j.error.message : null };
  };
  out.errors = {
    bad_tool: await bad({ messages: user, tools: [{ type: 'function', function: { name: 'has space' } }] }),
    unknown_choice: await bad({ messages: user, tools: spec.tools, tool_choice: { type: 'function', function: { name: 'rm' } } }),
    choice_without_tools: await bad({ messages: user, tool_choice: 'required' }),
    no_call_id: await bad({ messages: [...user, { role: 'tool', content: 'x' }] }),
    bad_arguments: await bad({ messages: [...user, { role: 'assistant', tool_calls: [{ id: 'c', type: 'function',
                                                      function: { name: 'calculator', arguments: '{oops' } }] }] }),
  };
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => { console.error(String(e && e.stack || e)); process.exit(1); });
