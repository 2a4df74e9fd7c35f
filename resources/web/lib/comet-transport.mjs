// The Comet (long-polling) transport of the thesis: GET /xhr/subscribe without a clientId
// answers [welcome] at once; with clientId and since it is held until there are events
// after since (or answered [] after the hold time). One loop sends the polls, so there is
// never more than one in flight. Publishes are separate POSTs to /xhr/publish; leaving is a
// POST to /xhr/leave.
import { Transport } from './transport.mjs';

// Longer than any hold time the nodes use (25 s by default) plus nginx's margin; a poll not
// answered by then is taken as lost and sent again.
const POLL_TIMEOUT_MS = 90000;
const PUBLISH_TIMEOUT_MS = 10000;

class HttpError extends Error {
  constructor(status, body) {
    const code = body?.code ? `${body.code}: ` : '';
    super(`HTTP ${status}${body?.message || body?.code ? ` (${code}${body.message ?? ''})` : ''}`);
    this.status = status;
    // A request the server calls malformed will be malformed the next time too.
    this.fatal = [400, 404, 405, 413].includes(status);
  }
}

export class CometTransport extends Transport {
  constructor(options) {
    super(options);
    this.kind = 'comet';
    this.running = false;
    this.abort = null;
    this.pollsInFlight = 0;
    this.maxPollsInFlight = 0; // kept for the tests: must never exceed 1
  }

  start() {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.loop();
  }

  // Stops polling and tells the node at once (POST /xhr/leave, a Duplex addition to the
  // contract) instead of leaving the others to wait twice the hold time for our `leave`.
  // keepalive lets the request outlive the page when this runs on pagehide.
  stop() {
    const wasRunning = this.running;
    this.running = false;
    this.abort?.abort();
    if (wasRunning && this.clientId) {
      const params = new URLSearchParams({ channel: this.channel, clientId: this.clientId });
      // Nothing to report if it fails: the page is leaving, and the node's idle sweep
      // sends the leave later anyway.
      fetch(new URL(`/xhr/leave?${params}`, this.origin), { method: 'POST', keepalive: true }).catch(() => {});
    }
    this.setState('stopped');
  }

  async loop() {
    const signal = this.abort.signal;
    let needWelcome = true;
    this.setState('connecting', { attempt: 0 });
    while (this.running && !signal.aborted) {
      try {
        if (needWelcome) {
          // The welcome request is answered at once and starts no session; on a resume it
          // tells where the channel is now (our clientId is kept), so catching up can be shown.
          const { json } = await this.request(`/xhr/subscribe?${this.query({ withClient: false })}`, { signal });
          const welcome = Array.isArray(json) ? json.find((e) => e?.type === 'welcome') : null;
          if (!welcome) throw new Error('the subscribe answer had no welcome');
          this.handleWelcome(welcome, { keepClientId: true });
          needWelcome = false;
        }
        this.pollsInFlight += 1;
        this.maxPollsInFlight = Math.max(this.maxPollsInFlight, this.pollsInFlight);
        let answer;
        try {
          answer = await this.request(`/xhr/subscribe?${this.query()}`, { signal, timeoutMs: POLL_TIMEOUT_MS });
        } finally {
          this.pollsInFlight -= 1;
        }
        this.handleAnswer(answer);
      } catch (error) {
        if (!this.running || signal.aborted) break;
        if (error.fatal) {
          this.running = false;
          this.setState('failed', { reason: error.message });
          break;
        }
        needWelcome = true;
        const delay = this.connectionLost(error.message);
        await sleep(delay, signal);
        if (this.running && !signal.aborted) this.setState('connecting', { attempt: this.backoff.attempts });
      }
    }
  }

  // A poll's answer. When nginx has moved the poll to another node (its node died while the
  // poll was held or before it arrived), the new node resumes from our since without a
  // reconnect on our side; the X-Duplex-Node header shows it, and the page says so.
  handleAnswer({ json, node }) {
    if (!Array.isArray(json)) throw new Error('the poll answer was not a JSON array');
    const moved = node !== '' && this.node !== '' && node !== this.node;
    const before = this.lastSeq;
    this.handleEvents(json);
    if (moved) {
      this.node = node;
      const caughtUp = json.filter((e) => e?.type !== 'gap' && Number.isInteger(e?.seq) && e.seq > before).length;
      this.setState('open', { resumed: true, history: false, caughtUp });
    }
  }

  // GET or POST through fetch with a timeout; resolves to the parsed JSON body of a 200 and
  // the node that answered ({json, node}).
  async request(path, { signal, method = 'GET', body, timeoutMs = PUBLISH_TIMEOUT_MS } = {}) {
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort);
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const response = await fetch(new URL(path, this.origin), {
        method,
        body,
        headers: body ? { 'Content-Type': 'application/json' } : undefined,
        cache: 'no-store',
        signal: controller.signal,
      });
      const text = await response.text();
      let json = null;
      try {
        json = JSON.parse(text);
      } catch {
        if (response.ok) throw new Error(`unreadable answer from the server: ${text.slice(0, 100)}`);
      }
      if (!response.ok) throw new HttpError(response.status, json);
      return { json, node: response.headers.get('X-Duplex-Node') ?? '' };
    } catch (error) {
      if (controller.signal.aborted && !signal?.aborted) throw new Error(`no answer within ${timeoutMs / 1000} s`);
      if (error instanceof TypeError) throw new Error('the server could not be reached');
      throw error;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async publish(data) {
    if (!this.clientId || !this.running) throw new Error('not connected');
    const params = new URLSearchParams({ channel: this.channel, clientId: this.clientId });
    const { json } = await this.request(`/xhr/publish?${params}`, { method: 'POST', body: JSON.stringify({ data }) });
    if (!Number.isInteger(json?.seq)) throw new Error('the publish answer had no seq');
    return json.seq;
  }
}

function sleep(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
