// geo: metres <-> degrees, position validation, fitSquare and scale-bar niceLength.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toMetres, fromMetres, isValidPosition, fitSquare, niceLength } from '../../resources/web/lib/geo.mjs';

const near = (actual, expected, eps, what) => assert.ok(Math.abs(actual - expected) <= eps, `${what}: ${actual} vs ${expected}`);

test('one degree of latitude is 111320 m north', () => {
  assert.deepEqual(toMetres({ lat: 52, lon: 13 }, { lat: 53, lon: 13 }), { x: 0, y: 111320 });
});

const lonCases = [
  { lat: 0, metres: 111320 },
  { lat: 60, metres: 55660 },
  { lat: -60, metres: 55660 },
];

for (const c of lonCases) {
  test(`one degree of longitude at lat ${c.lat} is ${c.metres} m east`, () => {
    const { x, y } = toMetres({ lat: c.lat, lon: 10 }, { lat: c.lat, lon: 11 });
    near(x, c.metres, 1e-6, 'x');
    assert.equal(y, 0);
  });
}

const roundTrips = [
  { origin: { lat: 52.52, lon: 13.405 }, point: { lat: 52.53, lon: 13.39 } },
  { origin: { lat: -33.86, lon: 151.21 }, point: { lat: -33.8, lon: 151.3 } },
  { origin: { lat: 0, lon: 0 }, point: { lat: -0.01, lon: 0.02 } },
  { origin: { lat: 78.2, lon: 15.6 }, point: { lat: 78.21, lon: 15.7 } },
];

for (const { origin, point } of roundTrips) {
  test(`toMetres then fromMetres returns (${point.lat}, ${point.lon})`, () => {
    const back = fromMetres(origin, toMetres(origin, point));
    near(back.lat, point.lat, 1e-6, 'lat');
    near(back.lon, point.lon, 1e-6, 'lon');
  });
}

const validity = [
  [{ lat: 0, lon: 0 }, true],
  [{ lat: 90, lon: -180 }, true],
  [{ lat: 90.1, lon: 0 }, false],
  [{ lat: 0, lon: 180.5 }, false],
  [{ lat: 999, lon: 0 }, false],
  [{ lat: '1', lon: 2 }, false],
  [{ lat: NaN, lon: 2 }, false],
  [{ lat: 1 }, false],
  [null, false],
  ['1,2', false],
];

for (const [p, valid] of validity) {
  test(`isValidPosition(${JSON.stringify(p)}) is ${valid}`, () => {
    assert.equal(isValidPosition(p), valid);
  });
}

const squares = [
  { name: 'no points', points: [], options: undefined, expected: { cx: 0, cy: 0, span: 100 } },
  { name: 'one point gets minSpan plus margin', points: [{ x: 10, y: 20 }], options: undefined, expected: { cx: 10, cy: 20, span: 130 } },
  { name: 'wide points set the side', points: [{ x: 0, y: 0 }, { x: 400, y: 100 }], options: undefined, expected: { cx: 200, cy: 50, span: 520 } },
  { name: 'tall points set the side', points: [{ x: -5, y: -300 }, { x: 5, y: 300 }], options: { margin: 0 }, expected: { cx: 0, cy: 0, span: 600 } },
  { name: 'minSpan wins over a small spread', points: [{ x: 0, y: 0 }, { x: 50, y: 50 }], options: { minSpan: 1000, margin: 0 }, expected: { cx: 25, cy: 25, span: 1000 } },
  { name: 'margin 0.5 doubles the side', points: [{ x: 0, y: 0 }, { x: 200, y: 0 }], options: { margin: 0.5 }, expected: { cx: 100, cy: 0, span: 400 } },
];

for (const c of squares) {
  test(`fitSquare: ${c.name}`, () => {
    assert.deepEqual(fitSquare(c.points, c.options), c.expected);
  });
}

const lengths = [[0, 0], [-5, 0], [NaN, 0], [1, 1], [3, 2], [7, 5], [20, 20], [99, 50], [250, 200], [1000, 1000], [1500, 1000], [0.5, 0.5], [0.3, 0.2]];

for (const [max, expected] of lengths) {
  test(`niceLength(${max}) is ${expected}`, () => {
    assert.equal(niceLength(max), expected);
  });
}
