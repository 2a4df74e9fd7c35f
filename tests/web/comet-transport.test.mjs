// CometTransport against a local HTTP server: welcome, one poll at a time with since, publish, errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { CometTransport } from '../../resources/web/lib/comet-transport.mjs';
import { Backoff } from '../../resources/web/lib/backoff.mjs';

const welcome = { type: 'welcome', clientId: 'c7f3', channel: 'main', seq: 41, node: 'comet-1' };
const msg = (seq) => ({ type: 'message', channel: 'main', seq, from: 'c7f3', data: seq });

// Serves answers in order: each is [status, body] or null to hold the request open.
// Records every request as "METHOD path?query" (plus the body of a POST).
async function serve(answers) {
  const requests = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    requests.push(`${req.method} ${req.url}${body ? ` ${body}` : ''}`);
    const answer = answers.shift() ?? null;
    if (!answer) return;
    res.writeHead(answer[0], { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(answer[1]));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const close = () => { server.closeAllConnections(); server.close(); };
  return { origin: `http://127.0.0.1:${server.address().port}`, requests, close };
}

// A transport on that server; both stopped after the test even if an assertion failed first.
function transport(ctx, server) {
  const t = new CometTransport({ origin: server.origin, backoff: new Backoff({ firstMs: 2, random: () => 0 }) });
  ctx.after(() => { if (t.running) t.stop(); server.close(); });
  const states = [];
  const events = [];
  t.addEventListener('state', (e) => states.push(e.detail));
  t.addEventListener('event', (e) => events.push(e.detail));
  return { t, states, events };
}

// Waits until check() is true, polling the event loop.
async function until(check) {
  for (let i = 0; i < 200 && !check(); i += 1) await new Promise((r) => setTimeout(r, 5));
  assert.ok(check(), 'condition not reached in time');
}

test('welcome first, then polls with clientId and since, never two at once', async (ctx) => {
  const server = await serve([[200, [welcome]], [200, [msg(42), msg(43)]], [200, []], null]);
  const { t, states, events } = transport(ctx, server);
  t.start();
  await until(() => server.requests.length === 4);
  t.stop();
  assert.deepEqual(server.requests, [
    'GET /xhr/subscribe?channel=main',
    'GET /xhr/subscribe?channel=main&clientId=c7f3&since=41',
    'GET /xhr/subscribe?channel=main&clientId=c7f3&since=43',
    'GET /xhr/subscribe?channel=main&clientId=c7f3&since=43',
  ]);
  assert.deepEqual(states.map((s) => s.state), ['connecting', 'open', 'stopped']);
  assert.deepEqual(events.map((e) => e.outcome.kind), ['unsequenced', 'deliver', 'deliver']);
  assert.equal(t.maxPollsInFlight, 1);
});

test('publish posts the data and resolves with its seq', async (ctx) => {
  const server = await serve([[200, [welcome]], null, [200, { seq: 42 }]]);
  const { t } = transport(ctx, server);
  t.start();
  await until(() => server.requests.length === 2);
  assert.equal(await t.publish({ text: 'hi' }), 42);
  t.stop();
  assert.equal(server.requests[2], 'POST /xhr/publish?channel=main&clientId=c7f3 {"data":{"text":"hi"}}');
});

test('publish before a welcome is rejected', async () => {
  const t = new CometTransport({ origin: 'http://127.0.0.1:1' });
  await assert.rejects(t.publish('x'), /not connected/);
});

test('a 400 answer fails for good', async (ctx) => {
  const server = await serve([[200, [welcome]], [400, { type: 'error', code: 'bad_channel', message: 'no such' }]]);
  const { t, states } = transport(ctx, server);
  t.start();
  await until(() => states.at(-1).state === 'failed');
  assert.equal(states.at(-1).reason, 'HTTP 400 (bad_channel: no such)');
  assert.equal(t.running, false);
});

test('a 503 answer reconnects, asks for a new welcome and resumes keeping the clientId', async (ctx) => {
  const server = await serve([
    [200, [welcome]], [200, [msg(42)]], [503, {}],
    [200, [{ ...welcome, clientId: 'other', seq: 44 }]], [200, [msg(43), msg(44)]], null,
  ]);
  const { t, states } = transport(ctx, server);
  t.start();
  await until(() => server.requests.length === 6);
  t.stop();
  assert.deepEqual(server.requests.slice(3), [
    'GET /xhr/subscribe?channel=main',
    'GET /xhr/subscribe?channel=main&clientId=c7f3&since=42',
    'GET /xhr/subscribe?channel=main&clientId=c7f3&since=44',
  ]);
  assert.deepEqual(states.map((s) => s.state), ['connecting', 'open', 'reconnecting', 'connecting', 'catching-up', 'open', 'stopped']);
  assert.deepEqual(states[2], { state: 'reconnecting', node: 'comet-1', attempt: 1, delayMs: 1, reason: 'HTTP 503' });
  assert.deepEqual(states[5], { state: 'open', node: 'comet-1', resumed: true, history: false, caughtUp: 2 });
});
