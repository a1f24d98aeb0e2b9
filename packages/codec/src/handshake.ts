import { sha1Hex } from './sha1.js';
import { utf8Encode } from './text.js';

/**
 * The product key every open client of this protocol ships, and the one real engines
 * and the emulator accept by default. `READY key=` then carries
 * `n51LvQoTlJzNGaFxseRK-<sha1hex>`. The client, the CLI and the emulator default to it.
 */
export const DEFAULT_PRODUCT_KEY = 'n51LvQoTlJzNGaFxseRK-uvnvX-sD4Vm5Axwmc4UcoD-jruxmKsuJaH0eVgE';

/**
 * The key a client sends in `READY key=...`: `<prefix>-<sha1hex(requestKey + productKey)>`,
 * where `<prefix>` is `productKey` up to its first `-` (all of it when it has none) and
 * the SHA-1 is of the UTF-8 concatenation, in lower-case hex. Synchronous, pure.
 *
 * @param requestKey - the `key` of the engine's HELLOTS
 * @param productKey - the application's product key
 *
 * @example
 * ```ts
 * readyKey('abc', 'n51LvQoTlJzNGaFxseRK-uvnvgalcmx5l') // 'n51LvQoTlJzNGaFxseRK-' + sha1('abc' + productKey)
 * ```
 */
export function readyKey(requestKey: string, productKey: string): string {
  const dash = productKey.indexOf('-');
  const prefix = dash === -1 ? productKey : productKey.slice(0, dash);
  return `${prefix}-${sha1Hex(utf8Encode(requestKey + productKey))}`;
}
