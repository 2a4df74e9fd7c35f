// Where this browser is: the device's geolocation when the user permits it, otherwise a
// simulated walk. Dispatches 'source' {src: 'gps'|'sim', reason} whenever that changes, so
// the page can say on screen which one it is sending.
import { DetailEvent } from './detail-event.mjs';
import { SimulatedWalk } from './walk.mjs';

const FIRST_FIX_TIMEOUT_MS = 10000;

export class PositionSource extends EventTarget {
  // mode: 'auto' (geolocation if permitted) or 'sim'. home: {lat, lon} the walk starts near.
  constructor({ mode = 'auto', home, geolocation = globalThis.navigator?.geolocation, secure = globalThis.isSecureContext }) {
    super();
    this.mode = mode;
    this.geolocation = geolocation;
    this.secure = secure;
    this.walk = new SimulatedWalk({ home });
    this.src = '';
    this.fix = null;        // last {lat, lon, acc} from the device
    this.watchId = null;
    this.lastStepAt = 0;
  }

  start() {
    if (this.mode === 'sim') return this.useWalk('chosen in the form');
    if (!this.secure) return this.useWalk('geolocation needs HTTPS or localhost');
    if (!this.geolocation) return this.useWalk('this browser has no geolocation');
    this.watchId = this.geolocation.watchPosition(
      (p) => this.handleFix(p),
      (e) => this.handleError(e),
      { enableHighAccuracy: true, maximumAge: 5000, timeout: FIRST_FIX_TIMEOUT_MS },
    );
    return undefined;
  }

  stop() {
    if (this.watchId !== null) this.geolocation.clearWatch(this.watchId);
    this.watchId = null;
  }

  handleFix(p) {
    this.fix = { lat: p.coords.latitude, lon: p.coords.longitude, acc: Math.round(p.coords.accuracy) };
    if (this.src !== 'gps') this.announce('gps', 'from this device');
  }

  handleError(error) {
    // After a fix, a later timeout only means the device has not moved enough to report.
    if (this.src === 'gps' && error.code === error.TIMEOUT) return;
    this.stop();
    const why = { 1: 'location not permitted', 2: 'location unavailable', 3: 'no location fix in time' }[error.code];
    this.useWalk(why ?? error.message);
  }

  useWalk(reason) {
    this.fix = null;
    this.lastStepAt = 0;
    this.announce('sim', reason);
  }

  announce(src, reason) {
    this.src = src;
    this.dispatchEvent(new DetailEvent('source', { src, reason }));
  }

  // The position to send now, or null while waiting for the first fix.
  current(nowMs) {
    if (this.src === 'gps') return this.fix && { ...this.fix, src: 'gps' };
    if (this.src !== 'sim') return null;
    const dt = this.lastStepAt ? (nowMs - this.lastStepAt) / 1000 : 0;
    this.lastStepAt = nowMs;
    return { ...this.walk.step(dt), src: 'sim' };
  }
}
