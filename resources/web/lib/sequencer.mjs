// A client's place in one channel's sequence. The contract promises every event once, in
// seq order, or a `gap` event naming what was lost; this checks that promise instead of
// trusting it, so a duplicate or an unannounced hole is counted and shown, never hidden.

export class Sequencer {
  // lastSeq: the seq already seen (the `since` to resume from), or null before the first
  // welcome tells where the channel is.
  constructor(lastSeq = null) {
    this.lastSeq = lastSeq;
    this.duplicates = 0;
    this.holes = [];   // {from, to} ranges skipped without a gap event
    this.gaps = [];    // {from, to} ranges the cluster announced as lost
  }

  // Sets the starting point once; later calls keep the place already reached.
  startAt(seq) {
    if (this.lastSeq === null) this.lastSeq = seq;
  }

  // Classifies one event from the server and advances lastSeq:
  // 'deliver' (new, in order; `hole` set if seqs were skipped silently), 'duplicate'
  // (seq already seen: drop it), 'gap' (announced loss), 'unsequenced' (welcome, ack, error).
  accept(event) {
    if (event.type === 'gap') {
      const gap = { from: event.from, to: event.to };
      this.gaps.push(gap);
      if (Number.isInteger(event.to)) this.lastSeq = Math.max(this.lastSeq ?? 0, event.to);
      return { kind: 'gap', gap };
    }
    if (!Number.isInteger(event.seq) || event.type === 'welcome' || event.type === 'ack') return { kind: 'unsequenced' };
    if (this.lastSeq !== null && event.seq <= this.lastSeq) {
      this.duplicates += 1;
      return { kind: 'duplicate' };
    }
    let hole = null;
    if (this.lastSeq !== null && event.seq > this.lastSeq + 1) {
      hole = { from: this.lastSeq + 1, to: event.seq - 1 };
      this.holes.push(hole);
    }
    this.lastSeq = event.seq;
    return { kind: 'deliver', hole };
  }
}
