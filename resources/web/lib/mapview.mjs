// The canvas map: every client of the roster as a dot in its transport's colour, with its
// name and a short trail; clients that left fade out. The view follows everyone: it fits
// all trails, eased so the map does not jump as people move. No tiles, no network.
import { fitSquare, niceLength, toMetres } from './geo.mjs';
import { displayName } from './roster.mjs';

const DOT_RADIUS = 7;
const EASE = 0.15;        // share of the way to the fitted view covered per frame
const FRAME_MS = 50;      // at most 20 redraws a second

export class MapView {
  constructor(canvas, roster, { selfId = () => '' } = {}) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.roster = roster;
    this.selfId = selfId;
    this.origin = null;       // the first position seen: metres are counted from it
    this.view = null;         // {cx, cy, span} drawn now, easing toward the fitted one
    this.lastFrame = 0;
    this.running = false;
    // Read once, not per frame: the colours change only with the colour scheme.
    this.palette = this.colours();
    globalThis.matchMedia?.('(prefers-color-scheme: dark)').addEventListener('change', () => {
      this.palette = this.colours();
    });
    new ResizeObserver(() => this.resize()).observe(canvas);
    this.resize();
  }

  resize() {
    const ratio = globalThis.devicePixelRatio || 1;
    const { width, height } = this.canvas.getBoundingClientRect();
    this.canvas.width = Math.max(1, Math.round(width * ratio));
    this.canvas.height = Math.max(1, Math.round(height * ratio));
    this.ratio = ratio;
    this.draw();
  }

  start() {
    if (this.running) return;
    this.running = true;
    const frame = (now) => {
      if (!this.running) return;
      if (now - this.lastFrame >= FRAME_MS) {
        this.lastFrame = now;
        this.draw();
      }
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }

  stop() {
    this.running = false;
  }

  colours() {
    const style = getComputedStyle(this.canvas);
    const v = (name, fallback) => style.getPropertyValue(name).trim() || fallback;
    return {
      ground: v('--map-ground', '#eef1ec'), grid: v('--map-grid', '#d5dad2'), text: v('--fg', '#1d1f21'),
      halo: v('--map-ground', '#eef1ec'), ws: v('--ws', '#1a5fb4'), comet: v('--comet', '#c64600'), other: v('--muted', '#6b6b6b'),
    };
  }

  draw() {
    const { ctx, canvas } = this;
    const w = canvas.width;
    const h = canvas.height;
    const c = this.palette;
    const now = Date.now();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = c.ground;
    ctx.fillRect(0, 0, w, h);
    ctx.scale(this.ratio, this.ratio);
    const cssW = w / this.ratio;
    const cssH = h / this.ratio;

    const clients = this.roster.visible(now).filter((x) => x.trail.length);
    if (!this.origin && clients.length) this.origin = clients[0].trail[0];
    if (!clients.length) {
      ctx.fillStyle = c.other;
      ctx.font = '15px system-ui, sans-serif';
      ctx.textAlign = 'center';
      ctx.fillText('Waiting for positions…', cssW / 2, cssH / 2);
      return;
    }

    const points = [];
    for (const x of clients) for (const p of x.trail) points.push(toMetres(this.origin, p));
    const target = fitSquare(points);
    this.view = this.view ? ease(this.view, target) : target;
    const scale = Math.min(cssW, cssH) / this.view.span; // px per metre
    const toPx = (p) => {
      const m = toMetres(this.origin, p);
      return { x: cssW / 2 + (m.x - this.view.cx) * scale, y: cssH / 2 - (m.y - this.view.cy) * scale };
    };

    this.drawGrid(c, cssW, cssH, scale);
    const self = this.selfId();
    for (const x of clients) this.drawClient(c, x, toPx, this.roster.opacity(x, now), x.id === self);
    this.drawScale(c, cssH, scale);
  }

  drawGrid(c, cssW, cssH, scale) {
    const { ctx } = this;
    const step = niceLength(this.view.span / 4) * scale; // px between grid lines
    if (step < 8) return;
    const ox = (cssW / 2 - this.view.cx * scale) % step;
    const oy = (cssH / 2 + this.view.cy * scale) % step;
    ctx.strokeStyle = c.grid;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let x = ox; x < cssW; x += step) { ctx.moveTo(x, 0); ctx.lineTo(x, cssH); }
    for (let y = oy; y < cssH; y += step) { ctx.moveTo(0, y); ctx.lineTo(cssW, y); }
    ctx.stroke();
  }

  drawScale(c, cssH, scale) {
    const { ctx } = this;
    const metres = niceLength(120 / scale);
    const px = metres * scale;
    const x = 12;
    const y = cssH - 14;
    ctx.globalAlpha = 1;
    ctx.strokeStyle = c.text;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(x, y - 5); ctx.lineTo(x, y); ctx.lineTo(x + px, y); ctx.lineTo(x + px, y - 5);
    ctx.stroke();
    ctx.fillStyle = c.text;
    ctx.font = '12px system-ui, sans-serif';
    ctx.textAlign = 'left';
    ctx.fillText(metres >= 1000 ? `${metres / 1000} km` : `${metres} m`, x + px + 6, y);
    ctx.fillText('N ↑', x, 18);
  }

  drawClient(c, client, toPx, alpha, isSelf) {
    const { ctx } = this;
    const colour = client.transport === 'ws' ? c.ws : client.transport === 'comet' ? c.comet : c.other;
    const pts = client.trail.map(toPx);
    // The trail: older segments fainter.
    ctx.lineWidth = 3;
    ctx.lineCap = 'round';
    ctx.strokeStyle = colour;
    for (let i = 1; i < pts.length; i += 1) {
      ctx.globalAlpha = alpha * (0.1 + (0.5 * i) / pts.length);
      ctx.beginPath();
      ctx.moveTo(pts[i - 1].x, pts[i - 1].y);
      ctx.lineTo(pts[i].x, pts[i].y);
      ctx.stroke();
    }
    const head = pts[pts.length - 1];
    ctx.globalAlpha = alpha;
    ctx.fillStyle = colour;
    ctx.beginPath();
    ctx.arc(head.x, head.y, DOT_RADIUS, 0, 2 * Math.PI);
    ctx.fill();
    if (isSelf) {
      ctx.strokeStyle = c.text;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(head.x, head.y, DOT_RADIUS + 4, 0, 2 * Math.PI);
      ctx.stroke();
    }
    const label = `${displayName(client)}${isSelf ? ' (you)' : ''}${client.present ? '' : ' (left)'}`;
    ctx.font = `${isSelf ? 'bold ' : ''}13px system-ui, sans-serif`;
    ctx.textAlign = 'left';
    ctx.lineWidth = 4;
    ctx.strokeStyle = c.halo;
    ctx.strokeText(label, head.x + DOT_RADIUS + 6, head.y + 4);
    ctx.fillStyle = c.text;
    ctx.fillText(label, head.x + DOT_RADIUS + 6, head.y + 4);
    ctx.globalAlpha = 1;
  }
}

function ease(from, to) {
  return {
    cx: from.cx + (to.cx - from.cx) * EASE,
    cy: from.cy + (to.cy - from.cy) * EASE,
    span: from.span + (to.span - from.span) * EASE,
  };
}
