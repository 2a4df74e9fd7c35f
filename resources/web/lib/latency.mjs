// Latency of this client's own messages: from the moment the page sends one to the moment
// its event comes back through the cluster (the same clock, so no skew between machines).

const WINDOW = 50;          // recent samples kept for the median
const MAX_OUTSTANDING = 500; // sends not yet seen back; older ones are given up

export class LatencyMeter {
  constructor() {
    this.outstanding = new Map(); // message id -> send time (ms)
    this.recent = [];
    this.count = 0;
    this.sum = 0;
    this.last = null;
  }

  sent(id, atMs) {
    this.outstanding.set(id, atMs);
    if (this.outstanding.size > MAX_OUTSTANDING) {
      this.outstanding.delete(this.outstanding.keys().next().value);
    }
  }

  // Returns the latency in ms for a message this meter saw sent, or null.
  received(id, atMs) {
    const sentAt = this.outstanding.get(id);
    if (sentAt === undefined) return null;
    this.outstanding.delete(id);
    const ms = atMs - sentAt;
    this.last = ms;
    this.count += 1;
    this.sum += ms;
    this.recent.push(ms);
    if (this.recent.length > WINDOW) this.recent.shift();
    return ms;
  }

  get mean() {
    return this.count ? this.sum / this.count : null;
  }

  // The median of the last WINDOW samples.
  get median() {
    if (!this.recent.length) return null;
    const sorted = [...this.recent].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }
}
