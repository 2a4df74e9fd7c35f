// Roster: join/leave/position events, fading and dropping ghosts, trail bounds, readPosition.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Roster, readPosition, displayName, TRAIL_MS, TRAIL_POINTS, FADE_MS, GHOST_MS } from '../../resources/web/lib/roster.mjs';

const join = (clientId, seq, transport = 'ws') => ({ type: 'join', channel: 'main', seq, clientId, transport });
const leave = (clientId, seq) => ({ type: 'leave', channel: 'main', seq, clientId });
const position = (from, seq, data = {}) => ({ type: 'message', channel: 'main', seq, from, data: { kind: 'position', lat: 52.5, lon: 13.4, ...data } });

test('join adds a present client with its transport', () => {
  const r = new Roster();
  const c = r.apply(join('a91e', 43, 'comet'), 0);
  assert.deepEqual({ present: c.present, transport: c.transport, lastSeq: c.lastSeq }, { present: true, transport: 'comet', lastSeq: 43 });
  assert.equal(r.clients.get('a91e'), c);
});

test('leave of an unknown client changes nothing', () => {
  const r = new Roster();
  assert.equal(r.apply(leave('nobody', 1), 0), null);
  assert.equal(r.clients.size, 0);
});

test('leave marks the client gone at that time, a later join brings it back', () => {
  const r = new Roster();
  r.apply(join('a', 1), 0);
  const c = r.apply(leave('a', 2), 5000);
  assert.deepEqual([c.present, c.leftAt, c.lastSeq], [false, 5000, 2]);
  r.apply(join('a', 3), 6000);
  assert.deepEqual([c.present, c.leftAt], [true, null]);
});

test('a position message records name, transport, source and a trail point', () => {
  const r = new Roster();
  const c = r.apply(position('b', 7, { name: '  Ann  ', src: 'gps', via: 'comet' }), 1234);
  assert.deepEqual(
    { name: c.name, transport: c.transport, source: c.source, lastSeq: c.lastSeq, trail: c.trail },
    { name: 'Ann', transport: 'comet', source: 'gps', lastSeq: 7, trail: [{ lat: 52.5, lon: 13.4, seq: 7, at: 1234 }] },
  );
});

test('a message that is not a position is ignored', () => {
  const r = new Roster();
  assert.equal(r.apply({ type: 'message', seq: 1, from: 'x', data: 'Hello' }, 0), null);
  assert.equal(r.clients.size, 0);
});

test('a position after a leave makes the client present again', () => {
  const r = new Roster();
  r.apply(join('a', 1), 0);
  r.apply(leave('a', 2), 100);
  const c = r.apply(position('a', 3), 200);
  assert.deepEqual([c.present, c.leftAt], [true, null]);
});

const fading = [
  { name: 'just left', after: 0, opacity: 1 },
  { name: 'half the fade', after: FADE_MS / 2, opacity: 0.625 },
  { name: 'end of the fade', after: FADE_MS, opacity: 0.25 },
  { name: 'a ghost', after: GHOST_MS - 1, opacity: 0.25 },
  { name: 'at GHOST_MS', after: GHOST_MS, opacity: 0 },
];

for (const f of fading) {
  test(`opacity ${f.opacity} when ${f.name}`, () => {
    const r = new Roster();
    r.apply(join('a', 1), 0);
    const c = r.apply(leave('a', 2), 10000);
    assert.equal(r.opacity(c, 10000 + f.after), f.opacity);
  });
}

test('a present client has opacity 1', () => {
  const r = new Roster();
  assert.equal(r.opacity(r.apply(join('a', 1), 0), 1e9), 1);
});

test('visible lists present clients first by name and drops old ghosts', () => {
  const r = new Roster();
  r.apply(position('z', 1, { name: 'Zoe' }), 0);
  r.apply(position('b', 2, { name: 'Bob' }), 0);
  r.apply(position('g', 3, { name: 'Al' }), 0);
  r.apply(leave('g', 4), 1000);
  assert.deepEqual(r.visible(1000 + GHOST_MS - 1).map((c) => c.name), ['Bob', 'Zoe', 'Al']);
  assert.deepEqual(r.visible(1000 + GHOST_MS).map((c) => c.name), ['Bob', 'Zoe']);
  assert.equal(r.clients.has('g'), false);
});

test(`trail keeps at most ${TRAIL_POINTS} points, the newest`, () => {
  const r = new Roster();
  for (let seq = 1; seq <= TRAIL_POINTS + 50; seq += 1) r.apply(position('a', seq), 0);
  const { trail } = r.clients.get('a');
  assert.equal(trail.length, TRAIL_POINTS);
  assert.deepEqual([trail[0].seq, trail.at(-1).seq], [51, TRAIL_POINTS + 50]);
});

test(`trail drops points older than ${TRAIL_MS} ms but keeps the last one`, () => {
  const r = new Roster();
  r.apply(position('a', 1), 0);
  r.apply(position('a', 2), 10000);
  r.apply(position('a', 3), TRAIL_MS + 1);
  assert.deepEqual(r.clients.get('a').trail.map((p) => p.seq), [2, 3]);
  r.apply(position('a', 4), 10 * TRAIL_MS);
  assert.deepEqual(r.clients.get('a').trail.map((p) => p.seq), [4]);
});

const rejected = [
  ['null', null],
  ['a string', 'Hello'],
  ['a number', 42],
  ['another kind', { kind: 'chat', lat: 1, lon: 2 }],
  ['no kind', { lat: 1, lon: 2 }],
  ['lat 999', { kind: 'position', lat: 999, lon: 2 }],
  ['lon -181', { kind: 'position', lat: 1, lon: -181 }],
  ['lat as a string', { kind: 'position', lat: '1', lon: 2 }],
];

for (const [name, data] of rejected) {
  test(`readPosition rejects ${name}`, () => {
    assert.equal(readPosition(data), null);
  });
}

test('readPosition normalises its fields', () => {
  assert.deepEqual(
    readPosition({ kind: 'position', name: ` ${'n'.repeat(50)} `, lat: -1, lon: 2, src: 'satellite', via: 'v'.repeat(20), mid: 1.5 }),
    { lat: -1, lon: 2, name: 'n'.repeat(40), src: 'sim', via: 'v'.repeat(16), mid: null },
  );
  assert.deepEqual(
    readPosition({ kind: 'position', name: 7, lat: 0, lon: 0, src: 'gps', mid: 3 }),
    { lat: 0, lon: 0, name: '', src: 'gps', via: '', mid: 3 },
  );
});

test('displayName falls back to the first 6 characters of the id', () => {
  assert.equal(displayName({ id: 'c7f3a9e1', name: '' }), 'client c7f3a9');
  assert.equal(displayName({ id: 'c7f3a9e1', name: 'Ann' }), 'Ann');
});
