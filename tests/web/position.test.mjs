// PositionSource: choosing device location or the simulated walk, and what current() returns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PositionSource } from '../../resources/web/lib/position.mjs';

const home = { lat: 52.52, lon: 13.405 };
const TIMEOUT = 3;

// A stand-in for navigator.geolocation that hands the test its callbacks.
function fakeGeolocation() {
  return {
    watched: null,
    cleared: [],
    watchPosition(onFix, onError, options) {
      this.watched = { onFix, onError, options };
      return 7;
    },
    clearWatch(id) {
      this.cleared.push(id);
    },
  };
}

function recorded(options) {
  const source = new PositionSource({ home, ...options });
  const announced = [];
  source.addEventListener('source', (e) => announced.push(e.detail));
  return { source, announced };
}

const fix = (latitude, longitude, accuracy) => ({ coords: { latitude, longitude, accuracy } });

const walkReasons = [
  { name: 'sim chosen', options: { mode: 'sim', secure: true, geolocation: fakeGeolocation() }, reason: 'chosen in the form' },
  { name: 'not a secure context', options: { secure: false, geolocation: fakeGeolocation() }, reason: 'geolocation needs HTTPS or localhost' },
  { name: 'no geolocation', options: { secure: true, geolocation: undefined }, reason: 'this browser has no geolocation' },
];

for (const c of walkReasons) {
  test(`walks when ${c.name}`, () => {
    const { source, announced } = recorded(c.options);
    source.start();
    assert.deepEqual(announced, [{ src: 'sim', reason: c.reason }]);
    assert.equal(source.watchId, null);
  });
}

test('nothing to send before start or before the first fix', () => {
  const geolocation = fakeGeolocation();
  const { source } = recorded({ secure: true, geolocation });
  assert.equal(source.current(0), null);
  source.start();
  assert.equal(source.current(0), null);
  assert.equal(geolocation.watched.options.enableHighAccuracy, true);
});

test('a fix switches to gps once and current() returns it', () => {
  const geolocation = fakeGeolocation();
  const { source, announced } = recorded({ secure: true, geolocation });
  source.start();
  geolocation.watched.onFix(fix(48.1, 11.6, 12.4));
  geolocation.watched.onFix(fix(48.2, 11.7, 8.6));
  assert.deepEqual(announced, [{ src: 'gps', reason: 'from this device' }]);
  assert.deepEqual(source.current(1000), { lat: 48.2, lon: 11.7, acc: 9, src: 'gps' });
});

test('a timeout after a fix is ignored', () => {
  const geolocation = fakeGeolocation();
  const { source, announced } = recorded({ secure: true, geolocation });
  source.start();
  geolocation.watched.onFix(fix(48.1, 11.6, 5));
  geolocation.watched.onError({ code: TIMEOUT, TIMEOUT, message: 'timeout' });
  assert.equal(announced.length, 1);
  assert.deepEqual(geolocation.cleared, []);
});

const errors = [
  { code: 1, reason: 'location not permitted' },
  { code: 2, reason: 'location unavailable' },
  { code: 3, reason: 'no location fix in time' },
  { code: 9, reason: 'odd failure' },
];

for (const e of errors) {
  test(`error code ${e.code} stops watching and walks: ${e.reason}`, () => {
    const geolocation = fakeGeolocation();
    const { source, announced } = recorded({ secure: true, geolocation });
    source.start();
    geolocation.watched.onError({ code: e.code, TIMEOUT, message: 'odd failure' });
    assert.deepEqual(announced, [{ src: 'sim', reason: e.reason }]);
    assert.deepEqual(geolocation.cleared, [7]);
    assert.equal(source.fix, null);
  });
}

test('the walk advances by the time between calls', () => {
  const { source } = recorded({ mode: 'sim' });
  source.start();
  const first = source.current(10000);
  assert.deepEqual(first, { ...source.walk.position(), src: 'sim' });
  const before = { x: source.walk.x, y: source.walk.y };
  source.current(12000); // 2 s at 1.4 m/s
  assert.ok(Math.abs(Math.hypot(source.walk.x - before.x, source.walk.y - before.y) - 2.8) < 1e-9);
});
