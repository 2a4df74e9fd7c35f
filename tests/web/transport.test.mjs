// Transport base class: welcome/catch-up/open states, reconnect backoff, resume, duplicates, query.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Transport, parseJson } from '../../resources/web/lib/transport.mjs';
import { Backoff } from '../../resources/web/lib/backoff.mjs';

const origin = 'http://127.0.0.1:1';
const msg = (seq) => ({ type: 'message', channel: 'main', seq, from: 'x', data: seq });
const welcome = (seq, clientId = 'c1') => ({ type: 'welcome', clientId, channel: 'main', seq, node: 'ws-2' });

// A transport whose 'state' and 'event' details are collected in arrays.
function recorded(options = {}) {
  const t = new Transport({ origin, backoff: new Backoff({ random: () => 0 }), ...options });
  const states = [];
  const events = [];
  t.addEventListener('state', (e) => states.push(e.detail));
  t.addEventListener('event', (e) => events.push(e.detail));
  return { t, states, events };
}

test('since null: open at once at the welcome seq', () => {
  const { t, states, events } = recorded();
  t.handleWelcome(welcome(41));
  assert.deepEqual(states, [{ state: 'open', node: 'ws-2', resumed: false, history: false, caughtUp: 0 }]);
  assert.deepEqual(events, [{ event: welcome(41), outcome: { kind: 'unsequenced' } }]);
  assert.deepEqual([t.clientId, t.node, t.lastSeq], ['c1', 'ws-2', 41]);
});

test('since equal to the welcome seq: open at once', () => {
  const { t, states } = recorded({ since: 41 });
  t.handleWelcome(welcome(41));
  assert.deepEqual(states.map((s) => s.state), ['open']);
});

test('since behind the welcome: catching-up, then open with the count replayed', () => {
  const { t, states } = recorded({ since: 38 });
  t.handleWelcome(welcome(41));
  assert.deepEqual(states, [{ state: 'catching-up', node: 'ws-2', resumed: false, history: true, caughtUp: 0 }]);
  t.handleEvents([msg(39), msg(40)]);
  assert.equal(states.length, 1);
  t.handleEvents([msg(41), msg(42)]);
  assert.deepEqual(states[1], { state: 'open', node: 'ws-2', resumed: false, history: true, caughtUp: 3 });
  assert.equal(states.length, 2);
});

test('a gap during catch-up counts toward reaching the target', () => {
  const { t, states } = recorded({ since: 10 });
  t.handleWelcome(welcome(50));
  t.handleEvents([{ type: 'gap', channel: 'main', from: 11, to: 45 }, msg(46), msg(47), msg(48), msg(49), msg(50)]);
  assert.deepEqual(states.map((s) => [s.state, s.caughtUp]), [['catching-up', 0], ['open', 5]]);
});

test('connectionLost returns the backoff delay and reports the attempt', () => {
  const { t, states } = recorded();
  assert.equal(t.connectionLost('closed'), 125);
  assert.equal(t.connectionLost('closed again'), 250);
  assert.deepEqual(states, [
    { state: 'reconnecting', node: '', attempt: 1, delayMs: 125, reason: 'closed' },
    { state: 'reconnecting', node: '', attempt: 2, delayMs: 250, reason: 'closed again' },
  ]);
});

test('a welcome resets the backoff', () => {
  const { t } = recorded();
  t.connectionLost('a');
  t.connectionLost('b');
  t.handleWelcome(welcome(1));
  assert.equal(t.connectionLost('c'), 125);
});

test('after connectionLost the next welcome is a resume, keeping the clientId when asked', () => {
  const { t, states } = recorded({ since: 5 });
  t.handleWelcome(welcome(5));
  t.handleEvents([msg(6), msg(7)]);
  t.connectionLost('closed');
  t.handleWelcome(welcome(9, 'c2'), { keepClientId: true });
  assert.equal(t.clientId, 'c1');
  assert.deepEqual(states.at(-1), { state: 'catching-up', node: 'ws-2', resumed: true, history: false, caughtUp: 0 });
  t.handleEvents([msg(8), msg(9)]);
  assert.deepEqual(states.at(-1), { state: 'open', node: 'ws-2', resumed: true, history: false, caughtUp: 2 });
  t.handleWelcome(welcome(9, 'c3'));
  assert.equal(states.at(-1).resumed, false);
  assert.equal(t.clientId, 'c3');
});

test('events seen twice are reported as duplicates', () => {
  const { t, events } = recorded({ since: 5 });
  t.handleEvents([msg(6), msg(6), msg(4), msg(8), 'junk', null]);
  assert.deepEqual(events.map((e) => e.outcome), [
    { kind: 'deliver', hole: null },
    { kind: 'duplicate' },
    { kind: 'duplicate' },
    { kind: 'deliver', hole: { from: 7, to: 7 } },
  ]);
  assert.equal(t.sequencer.duplicates, 2);
});

const queries = [
  { name: 'fresh', options: {}, setup: () => {}, expected: 'channel=main' },
  { name: 'after a welcome', options: { channel: 'room.1' }, setup: (t) => t.handleWelcome(welcome(41)), expected: 'channel=room.1&clientId=c1&since=41' },
  { name: 'without the client', options: { since: 3 }, setup: (t) => t.handleWelcome(welcome(41)), withClient: false, expected: 'channel=main' },
  { name: 'without presence', options: { since: 3, presence: false }, setup: () => {}, expected: 'channel=main&since=3&presence=0' },
];

for (const q of queries) {
  test(`query: ${q.name}`, () => {
    const { t } = recorded(q.options);
    q.setup(t);
    assert.equal(String(t.query({ withClient: q.withClient ?? true })), q.expected);
  });
}

test('parseJson returns the value or null', () => {
  assert.deepEqual(parseJson('{"type":"ack","seq":42}'), { type: 'ack', seq: 42 });
  assert.equal(parseJson('Hello'), null);
});
