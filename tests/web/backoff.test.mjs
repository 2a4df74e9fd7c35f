// Backoff: exponential steps with a ceiling and equal jitter, checked with a fixed random.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff } from '../../resources/web/lib/backoff.mjs';

const delays = (backoff, n) => Array.from({ length: n }, () => backoff.next());

const cases = [
  { name: 'random 0 gives half of each step', options: { random: () => 0 }, expected: [125, 250, 500, 1000, 2000, 4000, 5000, 5000] },
  { name: 'random 1 gives the whole step, capped at maxMs', options: { random: () => 1 }, expected: [250, 500, 1000, 2000, 4000, 8000, 10000, 10000] },
  { name: 'random 0.5 gives three quarters of each step', options: { random: () => 0.5 }, expected: [188, 375, 750, 1500, 3000, 6000, 7500] },
  { name: 'custom first and max', options: { firstMs: 100, maxMs: 300, random: () => 1 }, expected: [100, 200, 300, 300] },
];

for (const c of cases) {
  test(c.name, () => {
    assert.deepEqual(delays(new Backoff(c.options), c.expected.length), c.expected);
  });
}

test('attempts counts calls and reset starts over', () => {
  const b = new Backoff({ random: () => 0 });
  delays(b, 3);
  assert.equal(b.attempts, 3);
  b.reset();
  assert.equal(b.attempts, 0);
  assert.equal(b.next(), 125);
});

test('default random stays within the upper half of the step', () => {
  const b = new Backoff();
  for (const step of [250, 500, 1000, 2000]) {
    const d = b.next();
    assert.ok(d >= step / 2 && d <= step, `${d} not in [${step / 2}, ${step}]`);
  }
});
