// Sequencer: classifying events as deliver / duplicate / hole / gap / unsequenced (CONTRACT seq rules).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sequencer } from '../../resources/web/lib/sequencer.mjs';

const msg = (seq) => ({ type: 'message', channel: 'main', seq, data: null });

const cases = [
  { name: 'first event before any welcome is delivered', start: null, event: msg(5), outcome: { kind: 'deliver', hole: null }, lastSeq: 5 },
  { name: 'next seq in order is delivered', start: 41, event: msg(42), outcome: { kind: 'deliver', hole: null }, lastSeq: 42 },
  { name: 'same seq again is a duplicate', start: 42, event: msg(42), outcome: { kind: 'duplicate' }, lastSeq: 42 },
  { name: 'older seq is a duplicate', start: 42, event: msg(7), outcome: { kind: 'duplicate' }, lastSeq: 42 },
  { name: 'skipped seqs are a hole', start: 5, event: msg(9), outcome: { kind: 'deliver', hole: { from: 6, to: 8 } }, lastSeq: 9 },
  { name: 'gap advances to its end', start: 11, event: { type: 'gap', from: 12, to: 30 }, outcome: { kind: 'gap', gap: { from: 12, to: 30 } }, lastSeq: 30 },
  { name: 'gap before any seq starts from its end', start: null, event: { type: 'gap', from: 1, to: 3 }, outcome: { kind: 'gap', gap: { from: 1, to: 3 } }, lastSeq: 3 },
  { name: 'gap behind the place reached does not go back', start: 50, event: { type: 'gap', from: 12, to: 30 }, outcome: { kind: 'gap', gap: { from: 12, to: 30 } }, lastSeq: 50 },
  { name: 'welcome is unsequenced even with a seq', start: 3, event: { type: 'welcome', clientId: 'c', seq: 41 }, outcome: { kind: 'unsequenced' }, lastSeq: 3 },
  { name: "ack is unsequenced: it repeats its message's seq", start: 41, event: { type: 'ack', id: 'p1', seq: 42 }, outcome: { kind: 'unsequenced' }, lastSeq: 41 },
  { name: 'error without seq is unsequenced', start: 3, event: { type: 'error', code: 'bad_json', message: 'x' }, outcome: { kind: 'unsequenced' }, lastSeq: 3 },
  { name: 'non-integer seq is unsequenced', start: 3, event: msg(4.5), outcome: { kind: 'unsequenced' }, lastSeq: 3 },
];

for (const c of cases) {
  test(c.name, () => {
    const s = new Sequencer(c.start);
    assert.deepEqual(s.accept(c.event), c.outcome);
    assert.equal(s.lastSeq, c.lastSeq);
  });
}

test('duplicates, holes and gaps are counted across a stream', () => {
  const s = new Sequencer(0);
  for (const e of [msg(1), msg(2), msg(2), msg(5), msg(1), { type: 'gap', from: 6, to: 9 }, msg(10)]) s.accept(e);
  assert.equal(s.duplicates, 2);
  assert.deepEqual(s.holes, [{ from: 3, to: 4 }]);
  assert.deepEqual(s.gaps, [{ from: 6, to: 9 }]);
  assert.equal(s.lastSeq, 10);
});

test('startAt sets the place only once', () => {
  const s = new Sequencer();
  s.startAt(10);
  s.startAt(20);
  assert.equal(s.lastSeq, 10);
});

test('startAt keeps a since given to the constructor', () => {
  const s = new Sequencer(3);
  s.startAt(10);
  assert.equal(s.lastSeq, 3);
});
