// LatencyMeter: send-to-echo latency, last/mean/median, unknown ids and the outstanding bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyMeter } from '../../resources/web/lib/latency.mjs';

function meterWith(latencies) {
  const m = new LatencyMeter();
  latencies.forEach((ms, i) => {
    m.sent(`m${i}`, 1000 * i);
    m.received(`m${i}`, 1000 * i + ms);
  });
  return m;
}

test('an empty meter reports null', () => {
  const m = new LatencyMeter();
  assert.deepEqual([m.last, m.mean, m.median, m.count], [null, null, null, 0]);
});

test('received returns the latency once, then null', () => {
  const m = new LatencyMeter();
  m.sent('a', 100);
  assert.equal(m.received('a', 150), 50);
  assert.equal(m.received('a', 200), null);
  assert.equal(m.count, 1);
});

test('an id never sent returns null and changes nothing', () => {
  const m = meterWith([10]);
  assert.equal(m.received('nope', 5000), null);
  assert.deepEqual([m.last, m.count, m.mean], [10, 1, 10]);
});

const stats = [
  { name: 'odd count', samples: [60, 10, 20], last: 20, mean: 30, median: 20 },
  { name: 'even count', samples: [100, 10, 30, 20], last: 20, mean: 40, median: 25 },
  { name: 'one sample', samples: [7], last: 7, mean: 7, median: 7 },
];

for (const c of stats) {
  test(`last, mean and median: ${c.name}`, () => {
    const m = meterWith(c.samples);
    assert.deepEqual([m.last, m.mean, m.median], [c.last, c.mean, c.median]);
  });
}

test('median covers the last 50 samples, mean all of them', () => {
  const m = meterWith(Array.from({ length: 60 }, (_, i) => i + 1)); // 1..60
  assert.equal(m.count, 60);
  assert.equal(m.mean, 30.5);
  assert.equal(m.median, 35.5); // median of 11..60
});

test('outstanding sends are bounded at 500, the oldest given up', () => {
  const m = new LatencyMeter();
  for (let i = 0; i <= 500; i += 1) m.sent(`s${i}`, i);
  assert.equal(m.outstanding.size, 500);
  assert.equal(m.received('s0', 1000), null);
  assert.equal(m.received('s1', 1000), 999);
});
