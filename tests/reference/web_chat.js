// The web chat page (src/serve/web/chat.html) as a person uses it, in a real browser
// (Debian's chromium driven by playwright-core) against a running `lmforge serve`.
//
// Checks, in order:
//  - GET / serves the page byte for byte as src/serve/web/chat.html, as text/html;
//  - with --api-key: the page first shows a 401 clearly, then works once the key is typed
//    into the API key field, and the key is still there after a reload;
//  - the model picker lists exactly the ids of GET /v1/models;
//  - Shift+Enter adds a new line and sends nothing; Enter sends;
//  - a question's reply is rendered piece by piece as the stream arrives (several appends,
//    each to a longer text) and holds the expected answer; the page is ready again after;
//  - a second question in the same conversation and a new conversation work;
//  - after a reload both conversations are in the list and show their messages as before;
//  - Export downloads a JSON file holding those conversations; after deleting them all
//    (also across a reload), importing the file brings them back identical; a conversation
//    with HTML markup in it is shown as literal text, never as markup; a file that is not
//    valid is refused with a message naming the problem and changes nothing;
//  - a long reply (greedy, --stop-max-tokens, on the server at --stop-url, which should serve
//    a model slow and talkative enough to take seconds, else on URL) grows over time; Stop
//    ends it: the text stops growing, the partial reply stays with a "Stopped." note, Send is
//    enabled and Stop disabled again, the conversation is the same after a reload, and the
//    server answers the next message;
//  - no request goes anywhere but the server's origin, and the page throws no error.
// Screenshots: the first server's page at the end (or where it failed) to SCREENSHOT, the
// stopped reply to SCREENSHOT with "-stop" before ".png".
//
// Usage: node web_chat.js URL SCREENSHOT [--question Q --answer A] [--api-key KEY]
//          [--stop-url URL2] [--stop-prompt P] [--stop-max-tokens N]
// Q must be a question the model at URL answers at temperature 0 with a reply holding A.
// Exit status 0 only if every check passed; otherwise each failure is printed.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require(path.join(__dirname, '..', '..', 'peers', 'node_modules', 'playwright-core'));

function usage(msg) {
  console.error('web_chat.js: ' + msg + '\nusage: node web_chat.js URL SCREENSHOT [--question Q --answer A] [--api-key KEY]\n' +
                '       [--stop-url URL2] [--stop-prompt P] [--stop-max-tokens N]');
  process.exit(2);
}
const positional = [];
const opts = { question: 'What is 23 + 9?', answer: '32', apiKey: '', stopUrl: '', stopPrompt: 'Tell me a long story.',
               stopMaxTokens: 2000 };
const FLAGS = { '--question': 'question', '--answer': 'answer', '--api-key': 'apiKey', '--stop-url': 'stopUrl',
                '--stop-prompt': 'stopPrompt', '--stop-max-tokens': 'stopMaxTokens' };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (FLAGS[a]) {
    if (i + 1 >= process.argv.length) usage(a + ' needs a value');
    opts[FLAGS[a]] = process.argv[++i];
  } else if (a.startsWith('--')) {
    usage('unknown option ' + a);
  } else {
    positional.push(a);
  }
}
if (positional.length !== 2) usage('expected URL and SCREENSHOT');
const [pageUrl, screenshotPath] = positional;
const origin = new URL(pageUrl).origin;
const PAGE_FILE = path.join(__dirname, '..', '..', 'src', 'serve', 'web', 'chat.html');

class CheckFailed extends Error {}
function check(cond, msg) {
  if (!cond) throw new CheckFailed(msg);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function log(msg) {
  console.log('web_chat: ' + msg);
}

// Waits until fn() (run in the test) is truthy; fails with msg after timeoutMs.
async function until(fn, msg, timeoutMs = 30000) {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new CheckFailed(msg + ' (waited ' + timeoutMs / 1000 + ' s)');
    await sleep(25);
  }
}

// What the test reads and drives on a page of the chat.
function ui(page) {
  const tid = (id) => page.locator('[data-testid="' + id + '"]');
  const messages = tid('messages').locator('[data-testid="message"]');
  const u = {
    tid,
    messages,
    items: tid('conversation-list').locator('[data-testid="conversation-item"]'),
    lastReply: () => messages.last().locator('[data-testid="message-content"]'),
    replyLength: () => page.evaluate(() => {
      const all = document.querySelectorAll('[data-testid="message"][data-role="assistant"] [data-testid="message-content"]');
      return all.length ? all[all.length - 1].textContent.length : -1;
    }),
    // Ready for the next message: Send enabled, Stop disabled.
    ready: async () => (await tid('send').isEnabled()) && (await tid('stop').isDisabled()),
    // The messages shown, as {role, content}.
    shown: () => page.evaluate(() => [...document.querySelectorAll('[data-testid="message"]')].map((m) => ({
      role: m.dataset.role, content: m.querySelector('[data-testid="message-content"]').textContent,
    }))),
    listTitles: () => tid('conversation-list').locator('[data-testid="conversation-item"]').allTextContents(),
    // Waits for the model picker to list exactly `ids` (those of /v1/models) and picks the first.
    waitModels: async (ids) => {
      await until(async () => (await tid('model-select').locator('option').count()) === ids.length,
                  'the model picker does not list the ' + ids.length + ' models of /v1/models');
      const options = await tid('model-select').locator('option').evaluateAll((os) => os.map((o) => o.value));
      check(JSON.stringify(options) === JSON.stringify(ids), 'the model picker lists ' + JSON.stringify(options) + ', /v1/models ' + JSON.stringify(ids));
      await tid('model-select').selectOption(ids[0]);
    },
    // Opens the settings and fills the given fields (data-testid → value).
    settings: async (fields) => {
      await page.locator('[data-testid="settings"]').evaluate((d) => { d.open = true; });
      for (const [id, v] of Object.entries(fields)) {
        await tid(id).fill(v);
        await tid(id).dispatchEvent('change');
      }
    },
  };
  return u;
}

// Records what must never happen on `page`: a request outside `origin`, an uncaught error.
// Accepts the delete confirmation.
function watch(page, origin, state) {
  page.on('pageerror', (e) => state.problems.push('the page threw: ' + e.message));
  page.on('request', (r) => {
    const u = r.url();
    if (!(u.startsWith(origin + '/') || u.startsWith('blob:') || u.startsWith('data:'))) {
      state.problems.push('the page requested ' + u + ', outside the server\'s origin');
    }
  });
  page.on('dialog', (d) => d.accept());
}

async function modelsOf(url, apiKey) {
  const res = await fetch(new URL('v1/models', url), { headers: apiKey ? { Authorization: 'Bearer ' + apiKey } : {} });
  check(res.ok, 'GET ' + new URL('v1/models', url) + ' answered HTTP ' + res.status);
  return (await res.json()).data.map((m) => m.id);
}

// A long reply on `url` (greedy, opts.stopMaxTokens tokens): its text grows over time; Stop
// ends it, keeps the partial text marked "Stopped." and makes the page ready again; the text
// then stays as it was, also after a reload; the server answers the next message.
async function stopCheck(context, url, state) {
  const page = await context.newPage();
  watch(page, new URL(url).origin, state);
  const { tid, messages, lastReply, replyLength, ready, shown, items, waitModels, settings } = ui(page);
  await page.goto(url);
  const sameServer = new URL(url).origin === origin;
  if (sameServer && opts.apiKey) {
    await settings({ 'api-key': opts.apiKey });
  }
  await waitModels(await modelsOf(url, sameServer ? opts.apiKey : ''));
  await settings({ temperature: '0', 'max-tokens': String(opts.stopMaxTokens), seed: '' });
  await tid('new-chat').click();
  await tid('input').fill(opts.stopPrompt);
  await tid('input').press('Enter');
  const samples = [];
  const t0 = Date.now();
  await until(async () => {
    const n = await replyLength();
    if (n > 0 && (samples.length === 0 || samples[samples.length - 1].n !== n)) samples.push({ t: Date.now() - t0, n });
    return samples.length >= 6 || (await ready());
  }, 'the long reply did not grow', 60000);
  log('long reply, characters over time (ms:chars): ' + samples.map((x) => x.t + ':' + x.n).join(' '));
  if (await ready()) {
    const note = await tid('error').isVisible() ? ' (error: ' + (await tid('error').textContent()).trim() + ')' : '';
    throw new CheckFailed('the long reply finished before it could be stopped' + note + '; characters over time: ' + JSON.stringify(samples));
  }
  check(samples.length >= 6 && samples[samples.length - 1].t - samples[0].t >= 100,
        'the long reply did not grow over time: ' + JSON.stringify(samples));
  await tid('stop').click();
  await until(ready, 'after Stop the page is not ready again (Send enabled, Stop disabled)', 5000);
  const stoppedAt = await lastReply().textContent();
  await sleep(1500);
  const later = await lastReply().textContent();
  check(later === stoppedAt, 'the reply kept growing after Stop: ' + stoppedAt.length + ' then ' + later.length + ' characters');
  check(stoppedAt.length >= samples[samples.length - 1].n, 'the partial reply was not kept after Stop');
  check((await messages.last().locator('[data-testid="message-note"]').textContent()).includes('Stopped'),
        'the stopped reply is not marked "Stopped."');
  check(/stopped/i.test(await tid('status').textContent()), 'the status does not say the reply was stopped: ' + (await tid('status').textContent()));
  check(await tid('error').isHidden(), 'Stop shows an error: ' + (await tid('error').textContent()));
  log('stopped at ' + stoppedAt.length + ' characters: ' + JSON.stringify(stoppedAt.slice(0, 60)) + (stoppedAt.length > 60 ? '…' : ''));
  const conv = await shown();

  await page.reload();
  const id = await page.evaluate(() => JSON.parse(localStorage.getItem('lmforge-chat/current')));
  check(await tid('conversation-list').locator('[data-testid="conversation-item"][data-id="' + id + '"]').count() === 1, 'after a reload the stopped conversation is not in the list');
  check(JSON.stringify(await shown()) === JSON.stringify(conv), 'after a reload the stopped conversation is not as it was');
  check((await messages.last().locator('[data-testid="message-note"]').textContent()).includes('Stopped'),
        'after a reload the stopped reply is no longer marked "Stopped."');

  // The server serves the next message (the stopped generation did not keep it busy).
  await settings({ 'max-tokens': '8' });
  await tid('input').fill(opts.stopPrompt);
  await tid('send').click();
  await until(async () => (await messages.count()) === 4 && (await ready()), 'the message after a stop got no finished reply', 60000);
  check(await tid('error').isHidden(), 'the message after a stop failed: ' + (await tid('error').textContent()));
  const next = await lastReply().textContent();
  check(next.length > 0, 'the message after a stop got an empty reply');
  log('after the stop, the next reply: ' + JSON.stringify(next));
  await page.locator('[data-testid="settings"]').evaluate((d) => { d.open = false; });
  const shot = screenshotPath.replace(/(\.png)?$/, '-stop.png');
  await page.screenshot({ path: shot });
  log('screenshot ' + shot);
  await page.close();
}

async function main(state) {
  // The page as served.
  const served = await fetch(pageUrl);
  check(served.status === 200, 'GET / answered HTTP ' + served.status);
  const type = served.headers.get('content-type') || '';
  check(type.startsWith('text/html'), 'GET / has Content-Type "' + type + '", expected text/html');
  const body = Buffer.from(await served.arrayBuffer());
  check(body.equals(fs.readFileSync(PAGE_FILE)), 'GET / is not byte for byte src/serve/web/chat.html (' + body.length + ' bytes served)');
  const modelIds = await modelsOf(pageUrl, opts.apiKey);
  log('server lists models ' + JSON.stringify(modelIds));

  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  state.browser = browser;
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 }, acceptDownloads: true });
  const page = await context.newPage();
  state.page = page;
  watch(page, origin, state);
  const { tid, messages, items, lastReply, ready, shown, listTitles, waitModels, settings } = ui(page);

  await page.goto(pageUrl);

  // The API key: refused without it, kept once entered.
  if (opts.apiKey) {
    await until(async () => (await tid('error').isVisible()) && /401/.test(await tid('error').textContent()),
                'without an API key the page shows no 401 message');
    const text = await tid('error').textContent();
    check(/API key/i.test(text), 'the 401 message does not say an API key is needed: "' + text.trim() + '"');
    log('401 shown: "' + text.replace(/\s+/g, ' ').trim() + '"');
    check(await tid('api-key').isVisible(), 'after a 401 the API key field is not visible');
    await tid('api-key').fill(opts.apiKey);
    await tid('api-key').press('Tab');  // change event
    await until(async () => (await tid('model-select').locator('option').count()) > 0, 'the models did not load after entering the API key');
    check(await tid('error').isHidden(), 'the 401 message stays after entering the right key');
    await page.reload();
    check(await tid('api-key').inputValue() === opts.apiKey, 'the API key was not kept across a reload');
  }

  // The model picker.
  await waitModels(modelIds);

  // Settings: greedy decoding, so the answer is the model's best.
  await page.locator('[data-testid="settings"] > summary').click();
  await settings({ temperature: '0', 'max-tokens': '48', seed: '1' });

  // Keyboard: Shift+Enter is a new line, Enter sends.
  await tid('input').click();
  await tid('input').pressSequentially('line one');
  await tid('input').press('Shift+Enter');
  await tid('input').pressSequentially('line two');
  check(await tid('input').inputValue() === 'line one\nline two', 'Shift+Enter did not add a new line: ' + JSON.stringify(await tid('input').inputValue()));
  check(await messages.count() === 0, 'Shift+Enter sent the message');
  await tid('input').fill('');

  // 1. A question: the reply is rendered piece by piece and holds the answer.
  await page.evaluate(() => {
    window.__growth = [];
    new MutationObserver((records) => {
      for (const r of records) if (r.type === 'characterData') window.__growth.push(r.oldValue.length);
    }).observe(document.querySelector('[data-testid="messages"]'), { characterData: true, characterDataOldValue: true, subtree: true });
  });
  await tid('input').fill(opts.question);
  await tid('input').press('Enter');
  await until(async () => (await messages.count()) === 2, 'Enter did not send the message (no user and assistant message shown)');
  await until(ready, 'the reply did not finish', 60000);
  const reply1 = await lastReply().textContent();
  const growth = await page.evaluate(() => window.__growth);
  log('reply 1: ' + JSON.stringify(reply1) + ', rendered in ' + growth.length + ' steps');
  check(reply1.includes(opts.answer), 'the reply ' + JSON.stringify(reply1) + ' does not contain the answer ' + JSON.stringify(opts.answer));
  check(growth.length >= 3 && growth.every((n, i) => i === 0 || n > growth[i - 1]),
        'the reply was not rendered piece by piece as it streamed (text lengths before each append: ' + JSON.stringify(growth) + ')');
  check(await tid('error').isHidden(), 'an error is shown after a good reply: ' + (await tid('error').textContent()));
  check(/finished/i.test(await tid('status').textContent()), 'the status does not say the reply finished: ' + (await tid('status').textContent()));

  // 2. A second question in the same conversation, then a new conversation.
  await tid('input').fill(opts.question);
  await tid('input').press('Enter');
  await until(async () => (await messages.count()) === 4 && (await ready()), 'the second reply did not finish', 60000);
  const convA = await shown();
  await tid('new-chat').click();
  check(await messages.count() === 0, 'New chat does not show an empty conversation');
  await tid('input').fill(opts.question);
  await tid('input').press('Enter');
  await until(async () => (await messages.count()) === 2 && (await ready()), 'the reply in the new conversation did not finish', 60000);
  const reply3 = await lastReply().textContent();
  check(reply3.includes(opts.answer), 'a new conversation\'s reply ' + JSON.stringify(reply3) + ' lacks ' + JSON.stringify(opts.answer));
  const convB = await shown();

  // 3. A reload keeps both conversations and their messages.
  await page.reload();
  await until(async () => (await listTitles()).length === 2, 'after a reload the list does not hold the 2 conversations');
  const byContent = async () => {
    const seen = [];
    for (let i = 0; i < await items.count(); i++) {
      await items.nth(i).locator('[data-testid="conversation-open"]').click();
      seen.push(await shown());
    }
    return seen;
  };
  const afterReload = await byContent();
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  check(afterReload.some((c) => same(c, convA)), 'after a reload the first conversation is not as it was: ' + JSON.stringify(afterReload) + ' vs ' + JSON.stringify(convA));
  check(afterReload.some((c) => same(c, convB)), 'after a reload the second conversation is not as it was');
  log('reload: ' + JSON.stringify(await listTitles()));

  // 4. Export, delete all, import: the same conversations come back.
  const [download] = await Promise.all([page.waitForEvent('download'), tid('export').click()]);
  const exportPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'web-chat-')), 'export.json');
  await download.saveAs(exportPath);
  check(/\.json$/.test(download.suggestedFilename()), 'the export is named ' + download.suggestedFilename() + ', not .json');
  const exported = JSON.parse(fs.readFileSync(exportPath, 'utf8'));
  check(exported.format === 'lmforge-chat' && Array.isArray(exported.conversations) && exported.conversations.length === 2,
        'the export does not hold the 2 conversations: ' + JSON.stringify(exported).slice(0, 300));
  const stripped = (c) => c.messages.map((m) => ({ role: m.role, content: m.content }));
  for (const want of [convA, convB]) {
    check(exported.conversations.some((c) => same(stripped(c), want)), 'the export lacks a conversation: ' + JSON.stringify(want));
  }
  while (await items.count() > 0) {
    const before = await items.count();
    await items.first().locator('[data-testid="conversation-delete"]').click();
    await until(async () => (await items.count()) === before - 1, 'Delete did not remove a conversation');
  }
  await page.reload();
  check(await items.count() === 0, 'deleted conversations came back after a reload');
  check(await messages.count() === 0, 'messages are shown with no conversation left');

  // A file that is not an export is refused and changes nothing.
  const badPath = path.join(path.dirname(exportPath), 'bad.json');
  fs.writeFileSync(badPath, JSON.stringify({ format: 'lmforge-chat', conversations: [{ messages: [{ role: 'wizard', content: 'x' }] }] }));
  await tid('import-input').setInputFiles(badPath);
  await until(async () => (await tid('error').isVisible()), 'importing a bad file shows no error');
  const importError = await tid('error').textContent();
  check(/role/.test(importError), 'the import error does not name the problem: ' + importError.trim());
  check(await items.count() === 0, 'a refused import added conversations');
  await page.locator('#banner-close').click();

  // The export, with one more conversation holding markup that must stay text.
  const markup = '<img src="x" data-injected="1" onerror="window.__injected = 1"><b>bold?</b>';
  const withMarkup = JSON.parse(JSON.stringify(exported));
  withMarkup.conversations.push({ id: 'markup-test', title: 'markup', created: 1, updated: 1, model: 'base', system: '',
                                  messages: [{ role: 'user', content: markup }, { role: 'assistant', content: markup }] });
  const importPath = path.join(path.dirname(exportPath), 'import.json');
  fs.writeFileSync(importPath, JSON.stringify(withMarkup));
  await tid('import-input').setInputFiles(importPath);
  await until(async () => (await items.count()) === 3, 'the import did not bring back the conversations (3 expected)');
  const afterImport = await byContent();
  check(afterImport.some((c) => same(c, convA)) && afterImport.some((c) => same(c, convB)),
        'imported conversations differ from the exported ones: ' + JSON.stringify(afterImport));
  await tid('conversation-list').locator('[data-testid="conversation-item"][data-id="markup-test"] [data-testid="conversation-open"]').click();
  const markupShown = await shown();
  check(markupShown.length === 2 && markupShown.every((m) => m.content === markup), 'markup is not shown as literal text: ' + JSON.stringify(markupShown));
  check(await page.locator('[data-injected]').count() === 0 && !(await page.evaluate(() => window.__injected)),
        'message text was inserted as HTML');
  log('export/import: ' + JSON.stringify(await listTitles()));

  // The same after a reload: the import was saved.
  await page.reload();
  check(await items.count() === 3, 'imported conversations were not saved');

  // Leave the page on the first conversation for the screenshot.
  for (let i = 0; i < await items.count(); i++) {
    await items.nth(i).locator('[data-testid="conversation-open"]').click();
    if (same(await shown(), convA)) break;
  }
  await page.locator('[data-testid="settings"]').evaluate((d) => { d.open = false; });

  // 5. Stop a long reply (on the server given by --stop-url, else on this one).
  await stopCheck(context, opts.stopUrl || pageUrl, state);
}

(async () => {
  const state = { browser: null, page: null, problems: [] };
  const timer = setTimeout(() => {
    console.error('web_chat: FAIL: the whole run took longer than 240 s');
    process.exit(1);
  }, 240000);
  let failed = false;
  try {
    await main(state);
  } catch (e) {
    failed = true;
    console.error('web_chat: FAIL: ' + (e instanceof CheckFailed ? e.message : e.stack || e));
  }
  for (const p of state.problems) {
    failed = true;
    console.error('web_chat: FAIL: ' + p);
  }
  if (state.page) {
    try {
      await state.page.screenshot({ path: screenshotPath, fullPage: true });
      log('screenshot ' + screenshotPath);
    } catch (e) {
      failed = true;
      console.error('web_chat: FAIL: could not write the screenshot: ' + e.message);
    }
  }
  if (state.browser) await state.browser.close();
  clearTimeout(timer);
  log(failed ? 'FAILED' : 'all checks passed');
  process.exit(failed ? 1 : 0);
})();
