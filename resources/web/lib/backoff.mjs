// Reconnect delays: exponential with a ceiling, and "equal jitter" (a random point in the
// upper half of the step), so many clients dropped by one node do not all return at once,
// yet none retries sooner than half the step.

export class Backoff {
  constructor({ firstMs = 250, maxMs = 10000, random = Math.random } = {}) {
    this.firstMs = firstMs;
    this.maxMs = maxMs;
    this.random = random;
    this.attempts = 0;
  }

  // The delay before the next attempt, in ms; each call doubles the step up to maxMs.
  next() {
    const step = Math.min(this.maxMs, this.firstMs * 2 ** this.attempts);
    this.attempts += 1;
    return Math.round(step / 2 + this.random() * (step / 2));
  }

  reset() {
    this.attempts = 0;
  }
}
