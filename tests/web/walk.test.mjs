// SimulatedWalk: with a seeded random it starts near home, moves speed*dt a step and stays near its radius.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedWalk } from '../../resources/web/lib/walk.mjs';
import { toMetres } from '../../resources/web/lib/geo.mjs';

const home = { lat: 52.52, lon: 13.405 };

// mulberry32: a small deterministic generator in [0, 1).
function seeded(seed) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const walks = [
  { seed: 1, radius: 250, speed: 1.4, dt: 1 },
  { seed: 42, radius: 250, speed: 1.4, dt: 0.5 },
  { seed: 7, radius: 50, speed: 5, dt: 1 },
];

for (const { seed, radius, speed, dt } of walks) {
  test(`seed ${seed}: starts within radius/2 and stays within radius + 3 steps over 10,000 steps`, () => {
    const walk = new SimulatedWalk({ home, radius, speed, random: seeded(seed) });
    assert.ok(Math.hypot(walk.x, walk.y) <= radius / 2);
    let farthest = 0;
    for (let i = 0; i < 10000; i += 1) {
      walk.step(dt);
      farthest = Math.max(farthest, Math.hypot(walk.x, walk.y));
    }
    assert.ok(farthest > radius, `never reached the edge: ${farthest}`);
    assert.ok(farthest <= radius + 3 * speed * dt, `too far from home: ${farthest}`);
  });

  test(`seed ${seed}: each step moves exactly speed*dt = ${speed * dt} m`, () => {
    const walk = new SimulatedWalk({ home, radius, speed, random: seeded(seed) });
    for (let i = 0; i < 100; i += 1) {
      const before = { x: walk.x, y: walk.y };
      walk.step(dt);
      assert.ok(Math.abs(Math.hypot(walk.x - before.x, walk.y - before.y) - speed * dt) < 1e-9);
    }
  });
}

test('a negative dt does not move the walker', () => {
  const walk = new SimulatedWalk({ home, random: seeded(3) });
  const before = walk.position();
  assert.deepEqual(walk.step(-5), before);
});

test('step returns the position in degrees around home', () => {
  const walk = new SimulatedWalk({ home, random: seeded(5) });
  const { x, y } = toMetres(home, walk.step(1));
  assert.ok(Math.abs(x - walk.x) < 1e-6 && Math.abs(y - walk.y) < 1e-6);
});

test('the same seed gives the same walk', () => {
  const a = new SimulatedWalk({ home, random: seeded(9) });
  const b = new SimulatedWalk({ home, random: seeded(9) });
  for (let i = 0; i < 50; i += 1) assert.deepEqual(a.step(1), b.step(1));
});
