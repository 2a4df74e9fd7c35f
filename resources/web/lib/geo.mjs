// Positions on a small patch of the Earth, in metres east (x) and north (y) of an origin.
// An equirectangular approximation: well under 1% off over the few kilometres a map of
// people walking shows, and cheap enough to run for every dot on every frame.

const METRES_PER_DEGREE = 111320;

export function toMetres(origin, point) {
  const cosLat = Math.cos((origin.lat * Math.PI) / 180);
  return {
    x: (point.lon - origin.lon) * METRES_PER_DEGREE * cosLat,
    y: (point.lat - origin.lat) * METRES_PER_DEGREE,
  };
}

export function fromMetres(origin, { x, y }) {
  const cosLat = Math.cos((origin.lat * Math.PI) / 180);
  return {
    lat: origin.lat + y / METRES_PER_DEGREE,
    lon: origin.lon + x / (METRES_PER_DEGREE * cosLat),
  };
}

export function isValidPosition(p) {
  return p !== null && typeof p === 'object'
    && Number.isFinite(p.lat) && Math.abs(p.lat) <= 90
    && Number.isFinite(p.lon) && Math.abs(p.lon) <= 180;
}

// The square (centre and side in metres) that shows every point with a margin, never
// smaller than minSpan, so one lone dot is not blown up to fill the map.
export function fitSquare(points, { minSpan = 100, margin = 0.15 } = {}) {
  if (!points.length) return { cx: 0, cy: 0, span: minSpan };
  let minX = Infinity; let maxX = -Infinity; let minY = Infinity; let maxY = -Infinity;
  for (const { x, y } of points) {
    minX = Math.min(minX, x); maxX = Math.max(maxX, x);
    minY = Math.min(minY, y); maxY = Math.max(maxY, y);
  }
  const side = Math.max(maxX - minX, maxY - minY, minSpan) * (1 + 2 * margin);
  return { cx: (minX + maxX) / 2, cy: (minY + maxY) / 2, span: side };
}

// A "round" length for a scale bar no longer than maxMetres: 1, 2 or 5 times a power of ten.
export function niceLength(maxMetres) {
  if (!(maxMetres > 0)) return 0;
  const power = 10 ** Math.floor(Math.log10(maxMetres));
  for (const f of [5, 2, 1]) if (f * power <= maxMetres) return f * power;
  return power;
}
