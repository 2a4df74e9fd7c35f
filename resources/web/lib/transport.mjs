// What every transport of the browser client does the same way: keep the place in the
// channel (clientId and the seq reached, so a reconnect resumes with `since`), check the
// stream for duplicates and holes, back off between reconnects, and report what happens.
//
// A transport is an EventTarget. It dispatches:
//   'state'  detail {state, node, attempt, delayMs, reason, caughtUp, resumed, history}
//            state: connecting | catching-up | open | reconnecting | failed | stopped
//   'event'  detail {event, outcome} for every event received; outcome.kind is 'deliver'
//            (new; outcome.hole names seqs skipped without a gap event), 'duplicate'
//            (already seen, not to be shown again), 'gap' or 'unsequenced'.
// Subclasses implement start(), stop() and publish(data) -> Promise<seq>, and call
// handleWelcome(), handleEvents() and connectionLost() as their connection goes.
import { Backoff } from './backoff.mjs';
import { DetailEvent } from './detail-event.mjs';
import { Sequencer } from './sequencer.mjs';

export class Transport extends EventTarget {
  // since: null to start at the present, or a seq to replay what the cluster holds after it.
  constructor({ channel = 'main', since = null, presence = true, origin = globalThis.location?.origin, backoff } = {}) {
    super();
    this.channel = channel;
    this.presence = presence;
    this.origin = origin;
    this.clientId = '';
    this.node = '';
    this.state = 'idle';
    this.sequencer = new Sequencer(since);
    this.backoff = backoff ?? new Backoff();
    this.dropped = false;   // a connection was lost since the last welcome
    this.catchUp = null;    // {target, caughtUp, resumed} while replaying missed events
  }

  get lastSeq() {
    return this.sequencer.lastSeq;
  }

  // The query every transport sends: channel, and once known clientId and since.
  query({ withClient = true } = {}) {
    const params = new URLSearchParams({ channel: this.channel });
    if (withClient && this.clientId) params.set('clientId', this.clientId);
    if (withClient && this.lastSeq !== null) params.set('since', String(this.lastSeq));
    if (!this.presence) params.set('presence', '0');
    return params;
  }

  setState(state, extra = {}) {
    this.state = state;
    this.dispatchEvent(new DetailEvent('state', { state, node: this.node, ...extra }));
  }

  // A welcome: the connection is up. Anything between our seq and the channel's seq at this
  // moment is replayed by the server next; until it has all arrived we are catching up.
  handleWelcome(welcome, { keepClientId = false } = {}) {
    if (!keepClientId || !this.clientId) this.clientId = welcome.clientId;
    this.node = welcome.node ?? '';
    this.backoff.reset();
    this.dispatchEvent(new DetailEvent('event', { event: welcome, outcome: { kind: 'unsequenced' } }));
    const resumed = this.dropped;
    this.dropped = false;
    this.sequencer.startAt(welcome.seq);
    if (Number.isInteger(welcome.seq) && welcome.seq > this.lastSeq) {
      this.catchUp = { target: welcome.seq, caughtUp: 0, resumed };
      this.setState('catching-up', { resumed, history: !resumed, caughtUp: 0 });
    } else {
      this.catchUp = null;
      this.setState('open', { resumed, history: false, caughtUp: 0 });
    }
  }

  handleEvents(events) {
    for (const event of events) {
      if (event === null || typeof event !== 'object') continue;
      const outcome = this.sequencer.accept(event);
      this.dispatchEvent(new DetailEvent('event', { event, outcome }));
      if (this.catchUp && (outcome.kind === 'deliver' || outcome.kind === 'gap')) {
        if (outcome.kind === 'deliver') this.catchUp.caughtUp += 1;
        if (this.lastSeq >= this.catchUp.target) {
          const { caughtUp, resumed } = this.catchUp;
          this.catchUp = null;
          this.setState('open', { resumed, history: !resumed, caughtUp });
        }
      }
    }
  }

  // The connection failed or closed unasked: returns how long to wait before retrying.
  connectionLost(reason) {
    this.dropped = true;
    this.catchUp = null;
    const delayMs = this.backoff.next();
    this.setState('reconnecting', { attempt: this.backoff.attempts, delayMs, reason });
    return delayMs;
  }
}

// Parses one JSON text from the server; null (and the caller reports it) when unreadable.
export function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
