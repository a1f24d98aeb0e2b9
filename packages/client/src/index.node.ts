// Node's entry point of `@ace-rx/client`: everything of the neutral one, with `connect`
// bound to TCP by default.
import { createOpenSession, createPlay } from './backend.js';
import { createConnect, createOpen } from './connect.js';
import { tcpTransport } from './node.js';

export * from './index.js';
export { tcpTransport } from './node.js';

/**
 * {@link createConnect} bound to Node's TCP transport: `connect({ port })` just works.
 * See the neutral `connect` for the whole contract.
 */
export const connect = createConnect(tcpTransport);

/** {@link createOpenSession} bound to Node's TCP transport: `auto` tries TCP, then HTTP. */
export const openSession = createOpenSession(tcpTransport);

/** {@link createPlay} bound to Node's TCP transport: `play(target, { api })` on either backend. */
export const play = createPlay(tcpTransport);

/**
 * {@link createOpen} bound to Node's TCP transport: `await using session = await open()`
 * just works. See the neutral `open` for the whole contract.
 */
export const open = createOpen(tcpTransport);
