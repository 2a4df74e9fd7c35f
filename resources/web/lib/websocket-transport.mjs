// The WebSocket transport: GET /ws/?channel&clientId&since, upgraded; events arrive one per
// text frame, publishes go up the same socket and are acknowledged with their seq.
import { DetailEvent } from './detail-event.mjs';
import { Transport, parseJson } from './transport.mjs';

const ACK_TIMEOUT_MS = 10000;

export class WebSocketTransport extends Transport {
  constructor(options) {
    super(options);
    this.kind = 'ws';
    this.socket = null;
    this.retryTimer = 0;
    this.nextId = 0;
    this.pending = new Map(); // publish id -> {resolve, reject, timer}
  }

  url() {
    const scheme = this.origin.startsWith('https:') ? 'wss:' : 'ws:';
    return `${scheme}//${new URL(this.origin).host}/ws/?${this.query()}`;
  }

  start() {
    if (this.socket || this.state === 'reconnecting') return;
    this.connect();
  }

  connect() {
    this.setState('connecting', { attempt: this.backoff.attempts });
    const socket = new WebSocket(this.url());
    this.socket = socket;
    // A socket replaced or stopped may still report; only the current one counts.
    socket.addEventListener('message', (e) => {
      if (socket === this.socket) this.handleFrame(e.data);
    });
    socket.addEventListener('close', (e) => {
      if (socket === this.socket) this.handleClose(e);
    });
  }

  handleFrame(text) {
    const event = parseJson(text);
    if (event === null || typeof event !== 'object') {
      this.dispatchEvent(new DetailEvent('event', {
        event: { type: 'error', code: 'unreadable', message: String(text).slice(0, 200) }, outcome: { kind: 'unsequenced' },
      }));
      return;
    }
    if (event.type === 'welcome') {
      this.handleWelcome(event);
    } else if (event.type === 'ack') {
      const p = this.pending.get(event.id);
      if (p) {
        this.pending.delete(event.id);
        clearTimeout(p.timer);
        p.resolve(event.seq);
      }
    } else {
      this.handleEvents([event]);
    }
  }

  handleClose(event) {
    this.socket = null;
    this.rejectPending('the connection closed before the ack');
    const reason = `connection closed, code ${event.code}${event.reason ? `: ${event.reason}` : ''}`;
    const delay = this.connectionLost(reason);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  stop() {
    clearTimeout(this.retryTimer);
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, 'left');
    this.rejectPending('stopped');
    this.setState('stopped');
  }

  publish(data) {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return Promise.reject(new Error('not connected'));
    this.nextId += 1;
    const id = `p${this.nextId}`;
    socket.send(JSON.stringify({ type: 'publish', data, id }));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no ack within ${ACK_TIMEOUT_MS / 1000} s`));
      }, ACK_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
    });
  }

  rejectPending(reason) {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error(reason));
    }
    this.pending.clear();
  }
}
