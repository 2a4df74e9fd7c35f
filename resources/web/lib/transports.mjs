// The transports the page offers, by the name used in the form, the URL (?transport=) and
// the `via` field of position messages. A new one (SSE, say) is one module and one line here.
import { CometTransport } from './comet-transport.mjs';
import { WebSocketTransport } from './websocket-transport.mjs';

export const TRANSPORTS = {
  ws: { label: 'WebSocket', create: (options) => new WebSocketTransport(options) },
  comet: { label: 'Comet (long polling)', create: (options) => new CometTransport(options) },
};

export function createTransport(kind, options) {
  const entry = TRANSPORTS[kind];
  if (!entry) throw new Error(`unknown transport "${kind}"`);
  return entry.create(options);
}
