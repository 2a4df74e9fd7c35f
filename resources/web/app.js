// Duplex browser client, the small one: a WebSocket to /ws/ on the page's own host, a live
// event log, publishing with acks, and resuming after a drop with clientId and since=<last
// seq seen>, so no event is lost or shown twice (see CONTRACT.md).

const MAX_LOG_ENTRIES = 200;
const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 15000;
const CHANNEL_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

const $ = (id) => document.getElementById(id);
const ui = {
  status: $('status'), channelForm: $('channel-form'), channel: $('channel'),
  clientId: $('client-id'), node: $('node'), lastSeq: $('last-seq'),
  publishForm: $('publish-form'), message: $('message'), send: $('send'), ack: $('ack'),
  log: $('log'),
};

const session = {
  socket: null,
  channel: 'main',
  clientId: '',
  lastSeq: -1,          // highest seq shown; -1 until the first welcome
  attempts: 0,          // failed connects since the last welcome
  retryTimer: 0,
  nextPublishId: 1,
  unacked: new Set(),
};

function setStatus(state, text) {
  ui.status.dataset.state = state;
  ui.status.textContent = text;
  ui.send.disabled = state !== 'open';
}

function socketUrl() {
  const params = new URLSearchParams({ channel: session.channel });
  if (session.clientId) params.set('clientId', session.clientId);
  if (session.lastSeq >= 0) params.set('since', String(session.lastSeq));
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws/?${params}`;
}

function connect() {
  clearTimeout(session.retryTimer);
  setStatus('connecting', session.attempts ? `Reconnecting (attempt ${session.attempts + 1})…` : 'Connecting…');
  const socket = new WebSocket(socketUrl());
  session.socket = socket;
  // A socket replaced by a channel switch may still report; only the current one counts.
  socket.addEventListener('message', (e) => { if (socket === session.socket) handleFrame(e.data); });
  socket.addEventListener('close', (e) => { if (socket === session.socket) handleClose(e); });
}

function handleClose(event) {
  session.socket = null;
  for (const id of session.unacked) showAck(`No ack for #${id}: the connection closed first.`);
  session.unacked.clear();
  // Full jitter: many clients dropped by one node do not all come back at the same moment.
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** session.attempts);
  const delay = Math.round(ceiling / 2 + Math.random() * ceiling / 2);
  session.attempts += 1;
  const reason = event.reason ? `: ${event.reason}` : '';
  setStatus('closed', `Disconnected (code ${event.code}${reason}). Retrying in ${(delay / 1000).toFixed(1)} s.`);
  session.retryTimer = setTimeout(connect, delay);
}

function handleFrame(text) {
  let event;
  try {
    event = JSON.parse(text);
  } catch {
    addEntry({ type: 'error', message: `unreadable frame: ${text.slice(0, 200)}` });
    return;
  }
  switch (event.type) {
    case 'welcome':
      session.clientId = event.clientId;
      session.attempts = 0;
      // On a first connect the log starts at the present; on a resume the server sends
      // everything after our lastSeq, which is kept.
      if (session.lastSeq < 0) setLastSeq(event.seq);
      ui.clientId.textContent = event.clientId;
      ui.node.textContent = event.node ?? '–';
      setStatus('open', `Connected to channel ${event.channel}.`);
      break;
    case 'message':
    case 'join':
    case 'leave':
      if (typeof event.seq === 'number' && event.seq <= session.lastSeq) return; // already shown
      setLastSeq(event.seq);
      addEntry(event);
      break;
    case 'gap':
      setLastSeq(Math.max(session.lastSeq, event.to));
      addEntry(event);
      break;
    case 'ack':
      session.unacked.delete(event.id);
      showAck(`Message #${event.id} published as seq ${event.seq}.`);
      break;
    case 'error':
      addEntry(event);
      break;
    default:
      break; // the contract lets servers add event types; older clients ignore them
  }
}

function setLastSeq(seq) {
  session.lastSeq = seq;
  ui.lastSeq.textContent = String(seq);
}

function describe(event) {
  switch (event.type) {
    case 'message':
      return { from: event.from, data: typeof event.data === 'string' ? event.data : JSON.stringify(event.data) };
    case 'join':
      return { from: event.clientId, data: `joined${event.transport ? ` via ${event.transport}` : ''}` };
    case 'leave':
      return { from: event.clientId, data: 'left' };
    case 'gap':
      return { from: '', data: `missed events ${event.from}–${event.to}: no longer held by the cluster` };
    default:
      return { from: '', data: `${event.code ? `${event.code}: ` : ''}${event.message ?? ''}` };
  }
}

function addEntry(event) {
  const { from, data } = describe(event);
  const item = document.createElement('li');
  item.className = `event event-${event.type}`;
  const cell = (className, text) => {
    const span = document.createElement('span');
    span.className = className;
    span.textContent = text;
    item.append(span);
  };
  cell('seq', event.seq !== undefined ? `#${event.seq}` : '');
  cell('type', event.type);
  cell('from', from ?? '');
  cell('data', data);
  if (event.ts) item.title = new Date(event.ts).toLocaleString();
  ui.log.prepend(item);
  while (ui.log.childElementCount > MAX_LOG_ENTRIES) ui.log.lastElementChild.remove();
}

function showAck(text) {
  ui.ack.textContent = text;
}

ui.publishForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const text = ui.message.value;
  if (!text || !session.socket || session.socket.readyState !== WebSocket.OPEN) return;
  const id = session.nextPublishId++;
  session.unacked.add(id);
  session.socket.send(JSON.stringify({ type: 'publish', data: text, id }));
  showAck(`Sending #${id}…`);
  ui.message.value = '';
  ui.message.focus();
});

ui.channelForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const channel = ui.channel.value.trim();
  if (!CHANNEL_PATTERN.test(channel)) {
    ui.channel.setAttribute('aria-invalid', 'true');
    ui.channel.reportValidity();
    return;
  }
  ui.channel.removeAttribute('aria-invalid');
  if (channel !== session.channel) switchChannel(channel);
  else if (!session.socket) connect(); // "Join" on the same channel retries now, resuming
});

function switchChannel(channel) {
  const old = session.socket;
  session.socket = null;
  old?.close(1000, 'channel switch');
  session.channel = channel;
  session.lastSeq = -1;
  session.attempts = 0;
  session.unacked.clear();
  ui.log.replaceChildren();
  ui.lastSeq.textContent = '–';
  const url = new URL(location.href);
  url.searchParams.set('channel', channel);
  history.replaceState(null, '', url);
  connect();
}

const initial = new URLSearchParams(location.search).get('channel');
ui.channel.value = initial && CHANNEL_PATTERN.test(initial) ? initial : 'main';
session.channel = ui.channel.value;
connect();
