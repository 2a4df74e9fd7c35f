// The events the client's modules dispatch: an Event carrying a `detail`, as a browser's
// CustomEvent does. Written out because Node.js 18, which Debian 12 ships and which runs
// the modules' unit tests, has Event and EventTarget but no global CustomEvent.
export class DetailEvent extends Event {
  constructor(type, detail) {
    super(type);
    this.detail = detail;
  }
}
