import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Path of the bundled test card: 4 s of a moving test pattern with a clock and a 440 Hz
 * tone, H.264 + AAC in MPEG-TS, 320×180 (made once by `scripts/make-test-clip.sh`).
 * Resolved the same from `src/media/` and from `dist/media/`, since the package ships
 * `src` (where the asset lives) beside `dist`.
 */
export const TEST_CARD_PATH: string = fileURLToPath(new URL('../../src/media/assets/test-card.mpegts', import.meta.url));

let cached: Uint8Array | undefined;

/** The bundled test card's bytes (read once, then shared: do not modify them). */
export function testCard(): Uint8Array {
  cached ??= new Uint8Array(readFileSync(TEST_CARD_PATH));
  return cached;
}
