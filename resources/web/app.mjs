// The Duplex browser client: join a channel over a chosen transport, send this browser's
// position at an interval, and show everyone's on a map, with the stream's health beside it.
// The page is glue: transports, the roster, the map and the meters live in lib/.
import { LatencyMeter } from './lib/latency.mjs';
import { MapView } from './lib/mapview.mjs';
import { PositionSource } from './lib/position.mjs';
import { Roster, displayName, readPosition } from './lib/roster.mjs';
import { TRANSPORTS, createTransport } from './lib/transports.mjs';

const MAX_LOG_ENTRIES = 200;
const MAX_ARRIVALS = 10000;
const CHANNEL_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
// Where the simulated walk starts (Palace Square, St Petersburg); ?home=lat,lon moves it.
const DEFAULT_HOME = { lat: 59.9390, lon: 30.3158 };

const $ = (id) => document.getElementById(id);
const ui = {
  status: $('status'), notice: $('notice'), form: $('join-form'), settings: $('settings'),
  channel: $('channel'), name: $('name'), interval: $('interval'), source: $('source'),
  history: $('history'), join: $('join'), sourceNote: $('source-note'),
  node: $('node'), clientId: $('client-id'), seq: $('seq'), latency: $('latency'),
  sent: $('sent'), checks: $('checks'), clients: $('clients'), clientCount: $('client-count'),
  log: $('log'), map: $('map'),
};

let session = null; // the joined session, or null
const roster = new Roster();
const map = new MapView(ui.map, roster, { selfId: () => session?.transport.clientId ?? '' });

// A read-only view of the session for the console and the browser tests: every sequenced
// event as it arrived (duplicates included, so a test can see the server's stream as is).
const probe = {
  arrivals: [],
  get state() { return session?.transport.state ?? 'idle'; },
  get transport() { return session?.transport.kind ?? ''; },
  get clientId() { return session?.transport.clientId ?? ''; },
  get node() { return session?.transport.node ?? ''; },
  get lastSeq() { return session?.transport.lastSeq ?? null; },
  get duplicates() { return session?.transport.sequencer.duplicates ?? 0; },
  get holes() { return session?.transport.sequencer.holes ?? []; },
  get gaps() { return session?.transport.sequencer.gaps ?? []; },
  get positionSource() { return session?.position.src ?? ''; },
  get latency() { return session ? { last: session.latency.last, median: session.latency.median, count: session.latency.count } : null; },
  get maxPollsInFlight() { return session?.transport.maxPollsInFlight ?? 0; },
  get states() { return session?.states ?? []; },
};
window.duplex = probe;

function readSettings() {
  return {
    transport: ui.form.elements.transport.value,
    channel: ui.channel.value.trim(),
    name: ui.name.value.trim(),
    interval: Number(ui.interval.value),
    source: ui.source.value,
    history: ui.history.checked,
  };
}

function join(settings, since) {
  const transport = createTransport(settings.transport, { channel: settings.channel, since });
  const position = new PositionSource({ mode: settings.source, home: homeFromUrl() });
  session = { settings, transport, position, latency: new LatencyMeter(), nextMid: 0, sent: 0, acked: 0, failed: 0, timer: 0, states: [] };
  probe.arrivals = [];
  roster.clients.clear();
  ui.log.replaceChildren();
  hideNotice();

  transport.addEventListener('state', (e) => handleState(e.detail));
  transport.addEventListener('event', (e) => handleEvent(e.detail.event, e.detail.outcome));
  position.addEventListener('source', (e) => {
    const { src, reason } = e.detail;
    ui.sourceNote.textContent = src === 'gps'
      ? 'Position: this device\'s location.'
      : `Position: a simulated walk (${reason}).`;
    ui.sourceNote.dataset.source = src;
  });
  position.start();
  transport.start();
  session.timer = setInterval(sendPosition, settings.interval);

  ui.settings.disabled = true;
  ui.join.textContent = 'Leave';
  document.body.classList.add('joined');
  localStorage.setItem('duplex.name', settings.name);
  const url = new URL(location.href);
  for (const key of ['transport', 'channel', 'name']) url.searchParams.set(key, settings[key]);
  history.replaceState(null, '', url);
}

function leave() {
  if (!session) return;
  clearInterval(session.timer);
  session.position.stop();
  session.transport.stop();
  ui.settings.disabled = false;
  ui.join.textContent = 'Join';
  document.body.classList.remove('joined');
  ui.sourceNote.textContent = 'Position: not sending.';
  session = null;
}

function homeFromUrl() {
  const [lat, lon] = (new URLSearchParams(location.search).get('home') ?? '').split(',').map(Number);
  return Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180 ? { lat, lon } : DEFAULT_HOME;
}

function sendPosition() {
  const s = session;
  if (!s || (s.transport.state !== 'open' && s.transport.state !== 'catching-up')) return;
  const p = s.position.current(Date.now());
  if (!p) return;
  s.nextMid += 1;
  const mid = s.nextMid;
  const data = { kind: 'position', name: s.settings.name, lat: round(p.lat), lon: round(p.lon), src: p.src, via: s.transport.kind, mid };
  if (p.acc !== undefined) data.acc = p.acc;
  s.latency.sent(mid, performance.now());
  s.sent += 1;
  s.transport.publish(data).then(() => { s.acked += 1; }, () => { s.failed += 1; });
  updateFacts();
}

function round(degrees) {
  return Math.round(degrees * 1e6) / 1e6; // about 0.1 m: more would only fatten messages
}

function handleState(detail) {
  const s = session;
  if (!s) return;
  s.states.push(detail.state === 'open' && detail.resumed ? `resumed:${detail.caughtUp}` : detail.state);
  const via = TRANSPORTS[s.transport.kind].label;
  let text;
  switch (detail.state) {
    case 'connecting':
      text = detail.attempt ? `Reconnecting… (attempt ${detail.attempt + 1})` : `Connecting over ${via}…`;
      break;
    case 'catching-up':
      text = detail.resumed ? `Resumed on ${detail.node}, catching up…` : `Joined on ${detail.node}, replaying history…`;
      break;
    case 'open':
      if (detail.resumed) text = `Resumed on ${detail.node}, ${detail.caughtUp} event${detail.caughtUp === 1 ? '' : 's'} caught up`;
      else if (detail.history) text = `Joined on ${detail.node}, ${detail.caughtUp} events of history replayed`;
      else text = `Connected to ${detail.node} over ${via}`;
      sendPosition(); // show this client on everyone's map at once
      break;
    case 'reconnecting':
      text = `Reconnecting… (${detail.reason}; retry ${detail.attempt} in ${(detail.delayMs / 1000).toFixed(1)} s)`;
      break;
    case 'failed':
      text = `Failed: ${detail.reason}`;
      leave();
      break;
    default:
      text = 'Not joined';
  }
  ui.status.dataset.state = detail.state;
  ui.status.textContent = text;
  updateFacts();
}

function handleEvent(event, outcome) {
  const s = session;
  if (!s) return;
  if (Number.isInteger(event.seq) && event.type !== 'welcome') {
    probe.arrivals.push({ seq: event.seq, type: event.type, from: event.from ?? event.clientId ?? '', mid: event.data?.mid ?? null, duplicate: outcome.kind === 'duplicate' });
    if (probe.arrivals.length > MAX_ARRIVALS) probe.arrivals.shift();
  }
  switch (outcome.kind) {
    case 'duplicate':
      updateFacts();
      return; // already shown once; counted under "Stream checks"
    case 'gap':
      showNotice(`Gap: events ${event.from}–${event.to} were lost (the cluster no longer holds them).`);
      addLogEntry(event);
      break;
    case 'deliver':
      if (outcome.hole) {
        showNotice(`Events ${outcome.hole.from}–${outcome.hole.to} were skipped without a gap event.`);
      }
      if (event.type === 'message' && event.from === s.transport.clientId) {
        const p = readPosition(event.data);
        if (p?.mid !== null && p?.mid !== undefined) s.latency.received(p.mid, performance.now());
      }
      roster.apply(event, Date.now());
      addLogEntry(event);
      break;
    default:
      if (event.type === 'error') addLogEntry(event);
  }
  updateFacts();
}

function describe(event) {
  const who = (id) => {
    const c = roster.clients.get(id);
    return c ? displayName(c) : `client ${String(id).slice(0, 6)}`;
  };
  switch (event.type) {
    case 'message': {
      const p = readPosition(event.data);
      if (p) return `${who(event.from)} at ${p.lat.toFixed(5)}, ${p.lon.toFixed(5)}`;
      return `${who(event.from)}: ${JSON.stringify(event.data)}`.slice(0, 300);
    }
    case 'join':
      return `${who(event.clientId)} joined${event.transport ? ` via ${event.transport}` : ''}`;
    case 'leave':
      return `${who(event.clientId)} left`;
    case 'gap':
      return `events ${event.from}–${event.to} lost: no longer held by the cluster`;
    default:
      return `${event.code ? `${event.code}: ` : ''}${event.message ?? ''}`;
  }
}

function addLogEntry(event) {
  const item = document.createElement('li');
  item.className = `event event-${event.type}`;
  item.dataset.type = event.type;
  if (Number.isInteger(event.seq)) item.dataset.seq = String(event.seq);
  const seq = document.createElement('span');
  seq.className = 'seq';
  seq.textContent = Number.isInteger(event.seq) ? `#${event.seq}` : '';
  const type = document.createElement('span');
  type.className = 'type';
  type.textContent = event.type;
  const text = document.createElement('span');
  text.className = 'text';
  text.textContent = describe(event);
  item.append(seq, type, text);
  if (event.ts) item.title = new Date(event.ts).toLocaleTimeString();
  ui.log.prepend(item);
  while (ui.log.childElementCount > MAX_LOG_ENTRIES) ui.log.lastElementChild.remove();
}

function showNotice(text) {
  ui.notice.textContent = text;
  ui.notice.hidden = false;
}

function hideNotice() {
  ui.notice.hidden = true;
  ui.notice.textContent = '';
}

function updateFacts() {
  const s = session;
  if (!s) return;
  const t = s.transport;
  ui.node.textContent = t.node || '–';
  ui.clientId.textContent = t.clientId || '–';
  ui.seq.textContent = t.lastSeq ?? '–';
  const l = s.latency;
  ui.latency.textContent = l.count ? `${l.last.toFixed(0)} ms (median ${l.median.toFixed(0)}, mean ${l.mean.toFixed(0)})` : '–';
  ui.sent.textContent = `${s.sent} positions, ${s.acked} acknowledged${s.failed ? `, ${s.failed} failed` : ''}`;
  const q = t.sequencer;
  ui.checks.textContent = `${q.duplicates} duplicates, ${q.holes.length} holes, ${q.gaps.length} gaps`;
  ui.checks.dataset.ok = String(q.duplicates === 0 && q.holes.length === 0 && q.gaps.length === 0);
}

function renderClients() {
  const now = Date.now();
  const self = session?.transport.clientId;
  const visible = roster.visible(now);
  const items = visible.map((c) => {
    const li = document.createElement('li');
    li.style.opacity = String(roster.opacity(c, now));
    const swatch = document.createElement('span');
    swatch.className = `swatch ${c.transport || 'other'}`;
    swatch.setAttribute('aria-hidden', 'true');
    const via = TRANSPORTS[c.transport]?.label ?? 'unknown transport';
    const where = c.trail.length ? `, at ${c.trail.at(-1).lat.toFixed(5)}, ${c.trail.at(-1).lon.toFixed(5)}` : '';
    li.append(swatch, `${displayName(c)}${c.id === self ? ' (you)' : ''} — ${via}${c.present ? '' : ', left'}${where}`);
    return li;
  });
  ui.clients.replaceChildren(...items);
  const present = visible.filter((c) => c.present).length;
  ui.clientCount.textContent = `(${present} here)`;
}

ui.form.addEventListener('submit', (e) => {
  e.preventDefault();
  if (session) {
    leave();
    handleIdle();
    return;
  }
  // The channel's pattern and the fields' `required` were checked by the browser before
  // this submit; a name of spaces passes `required`, so it is checked here.
  const settings = readSettings();
  if (!settings.name) {
    ui.name.setCustomValidity('Enter a name the others will see.');
    ui.name.reportValidity();
    return;
  }
  join(settings, settings.history ? 0 : sinceFromUrl());
});

function handleIdle() {
  ui.status.dataset.state = 'idle';
  ui.status.textContent = 'Not joined';
}

function sinceFromUrl() {
  const value = new URLSearchParams(location.search).get('since');
  return value !== null && /^\d+$/.test(value) ? Number(value) : null;
}

// The form starts from the URL (?transport=comet&channel=room&name=Ann&interval=500&
// source=sim&since=0&join=1), then from what this browser used last.
function prefill() {
  const q = new URLSearchParams(location.search);
  if (TRANSPORTS[q.get('transport')]) ui.form.elements.transport.value = q.get('transport');
  if (CHANNEL_PATTERN.test(q.get('channel') ?? '')) ui.channel.value = q.get('channel');
  ui.name.value = (q.get('name') ?? localStorage.getItem('duplex.name') ?? `Guest ${Math.floor(100 + Math.random() * 900)}`).slice(0, 40);
  if ([...ui.interval.options].some((o) => o.value === q.get('interval'))) ui.interval.value = q.get('interval');
  if (q.get('source') === 'sim' || q.get('source') === 'auto') ui.source.value = q.get('source');
  if (q.get('since') === '0') ui.history.checked = true;
  if (q.get('join') === '1') ui.form.requestSubmit();
}

ui.name.addEventListener('input', () => ui.name.setCustomValidity(''));
// Screen readers announce a field marked invalid; the browser's own check does not mark it.
for (const field of [ui.channel, ui.name]) {
  field.addEventListener('invalid', () => field.setAttribute('aria-invalid', 'true'));
  field.addEventListener('input', () => field.removeAttribute('aria-invalid'));
}
window.addEventListener('pagehide', leave);
setInterval(renderClients, 1000);
map.start();
prefill();
