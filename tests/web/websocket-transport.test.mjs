// WebSocketTransport against a stand-in WebSocket: URL, frames, publish/ack and reconnect with since.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocketTransport } from '../../resources/web/lib/websocket-transport.mjs';
import { Backoff } from '../../resources/web/lib/backoff.mjs';

// The browser's WebSocket as far as the transport uses it; every socket made is kept.
class FakeSocket extends EventTarget {
  static OPEN = 1;
  static made = [];
  constructor(url) {
    super();
    this.url = url;
    this.readyState = FakeSocket.OPEN;
    this.sent = [];
    FakeSocket.made.push(this);
  }
  send(text) { this.sent.push(JSON.parse(text)); }
  close() { this.readyState = 3; }
  frame(value) { this.dispatchEvent(Object.assign(new Event('message'), { data: typeof value === 'string' ? value : JSON.stringify(value) })); }
  closed(code, reason = '') { this.dispatchEvent(Object.assign(new Event('close'), { code, reason })); }
}
globalThis.WebSocket = FakeSocket;

function started(options = {}) {
  FakeSocket.made = [];
  const t = new WebSocketTransport({ origin: 'http://127.0.0.1:1', backoff: new Backoff({ firstMs: 2, random: () => 0 }), ...options });
  const states = [];
  const events = [];
  t.addEventListener('state', (e) => states.push(e.detail));
  t.addEventListener('event', (e) => events.push(e.detail));
  t.start();
  return { t, states, events, socket: FakeSocket.made[0] };
}

const welcome = { type: 'welcome', clientId: 'c7f3', channel: 'main', seq: 41, node: 'ws-2' };

const urls = [
  { origin: 'http://127.0.0.1:1', expected: 'ws://127.0.0.1:1/ws/?channel=main' },
  { origin: 'https://duplex.example:8443', expected: 'wss://duplex.example:8443/ws/?channel=main' },
];

for (const u of urls) {
  test(`url for ${u.origin}`, () => {
    assert.equal(new WebSocketTransport({ origin: u.origin }).url(), u.expected);
  });
}

test('start connects; a welcome frame opens; message frames are sequenced', () => {
  const { t, states, events, socket } = started();
  socket.frame(welcome);
  socket.frame({ type: 'message', channel: 'main', seq: 42, from: 'c7f3', data: 'hi' });
  socket.frame({ type: 'message', channel: 'main', seq: 42, from: 'c7f3', data: 'hi' });
  assert.deepEqual(states.map((s) => s.state), ['connecting', 'open']);
  assert.deepEqual(events.map((e) => e.outcome.kind), ['unsequenced', 'deliver', 'duplicate']);
  assert.equal(t.lastSeq, 42);
  t.stop();
});

test('an unreadable frame is reported as an error event', () => {
  const { t, events, socket } = started();
  socket.frame('not json');
  assert.deepEqual(events, [{ event: { type: 'error', code: 'unreadable', message: 'not json' }, outcome: { kind: 'unsequenced' } }]);
  t.stop();
});

test('publish sends an id and resolves with the seq of its ack', async () => {
  const { t, socket } = started();
  socket.frame(welcome);
  const published = t.publish({ text: 'hello' });
  assert.deepEqual(socket.sent, [{ type: 'publish', data: { text: 'hello' }, id: 'p1' }]);
  socket.frame({ type: 'ack', id: 'p1', seq: 42 });
  assert.equal(await published, 42);
  t.stop();
});

test('publish without a socket is rejected', async () => {
  const t = new WebSocketTransport({ origin: 'http://127.0.0.1:1' });
  await assert.rejects(t.publish('x'), /not connected/);
});

test('a close rejects pending publishes and reconnects with clientId and since', async () => {
  const { t, states, socket } = started();
  socket.frame(welcome);
  const published = t.publish('x');
  socket.closed(1006, 'gone');
  await assert.rejects(published, /closed before the ack/);
  assert.deepEqual(states.at(-1), { state: 'reconnecting', node: 'ws-2', attempt: 1, delayMs: 1, reason: 'connection closed, code 1006: gone' });
  await sleep(20);
  assert.equal(FakeSocket.made.length, 2);
  assert.equal(FakeSocket.made[1].url, 'ws://127.0.0.1:1/ws/?channel=main&clientId=c7f3&since=41');
  t.stop();
});

test('stop closes the socket and ignores its later frames', () => {
  const { t, states, events, socket } = started();
  t.stop();
  socket.frame(welcome);
  assert.equal(socket.readyState, 3);
  assert.deepEqual(states.map((s) => s.state), ['connecting', 'stopped']);
  assert.equal(events.length, 0);
});
