// Node's entry point of `@ace-rx/client`: everything of the neutral one, with `connect`
// bound to TCP by default.
import { createConnect, createOpen } from './connect.js';
import { tcpTransport } from './node.js';

export * from './index.js';
export { tcpTransport } from './node.js';

/**
 * {@link createConnect} bound to Node's TCP transport: `connect({ port })` just works.
 * See the neutral `connect` for the whole contract.
 */
export const connect = createConnect(tcpTransport);

/**
 * {@link createOpen} bound to Node's TCP transport: `await using session = await open()`
 * just works. See the neutral `open` for the whole contract.
 */
export const open = createOpen(tcpTransport);
