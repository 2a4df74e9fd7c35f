// Everyone the page knows of in its channel: who is here, by which transport, where they
// have been (a short trail) and when they left. Fed with contract events in seq order.
import { isValidPosition } from './geo.mjs';

export const TRAIL_MS = 30000;    // a trail shows the last half minute...
export const TRAIL_POINTS = 150;  // ...of at most this many positions
export const FADE_MS = 8000;     // a client that left fades over this long...
export const GHOST_MS = 60000;   // ...stays as a faint ghost, then is dropped
const MAX_NAME = 40;

export class Roster {
  constructor() {
    this.clients = new Map(); // clientId -> entry
  }

  entry(id) {
    let c = this.clients.get(id);
    if (!c) {
      c = { id, name: '', transport: '', present: true, leftAt: null, trail: [], source: '', lastSeq: 0 };
      this.clients.set(id, c);
    }
    return c;
  }

  // Applies one delivered event; returns the entry it changed, or null.
  apply(event, nowMs) {
    if (event.type === 'join' && typeof event.clientId === 'string') {
      const c = this.entry(event.clientId);
      c.present = true;
      c.leftAt = null;
      if (typeof event.transport === 'string') c.transport = event.transport;
      c.lastSeq = event.seq;
      return c;
    }
    if (event.type === 'leave' && typeof event.clientId === 'string') {
      const c = this.clients.get(event.clientId);
      if (!c) return null;
      c.present = false;
      c.leftAt = nowMs;
      c.lastSeq = event.seq;
      return c;
    }
    if (event.type === 'message' && typeof event.from === 'string') {
      const p = readPosition(event.data);
      if (!p) return null;
      const c = this.entry(event.from);
      // A position is a sign of life: a client heard from after a leave is back.
      c.present = true;
      c.leftAt = null;
      if (p.name) c.name = p.name;
      if (p.via) c.transport = p.via;
      c.source = p.src;
      c.lastSeq = event.seq;
      c.trail.push({ lat: p.lat, lon: p.lon, seq: event.seq, at: nowMs });
      while (c.trail.length > TRAIL_POINTS || (c.trail.length > 1 && nowMs - c.trail[0].at > TRAIL_MS)) c.trail.shift();
      return c;
    }
    return null;
  }

  // 1 for a present client, fading to 0.25 after it left; 0 once it should be dropped.
  opacity(c, nowMs) {
    if (c.present) return 1;
    const since = nowMs - c.leftAt;
    if (since >= GHOST_MS) return 0;
    return Math.max(0.25, 1 - (0.75 * since) / FADE_MS);
  }

  // Drops ghosts older than GHOST_MS; returns the clients still shown, present first.
  visible(nowMs) {
    for (const [id, c] of this.clients) if (this.opacity(c, nowMs) === 0) this.clients.delete(id);
    return [...this.clients.values()].sort((a, b) => (b.present - a.present) || displayName(a).localeCompare(displayName(b)));
  }
}

export function displayName(c) {
  return c.name || `client ${c.id.slice(0, 6)}`;
}

// The position message this client and its peers publish:
// {"kind":"position","name":"…","lat":…,"lon":…,"src":"gps|sim","via":"ws|comet","mid":…}.
// Anything else (a line typed in wscat, say) is not a position and is only logged.
export function readPosition(data) {
  if (data === null || typeof data !== 'object' || data.kind !== 'position') return null;
  if (!isValidPosition(data)) return null;
  return {
    lat: data.lat,
    lon: data.lon,
    name: typeof data.name === 'string' ? data.name.trim().slice(0, MAX_NAME) : '',
    src: data.src === 'gps' ? 'gps' : 'sim',
    via: typeof data.via === 'string' ? data.via.slice(0, 16) : '',
    mid: Number.isInteger(data.mid) ? data.mid : null,
  };
}
