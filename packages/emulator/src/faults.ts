/**
 * Faults an emulated engine can inject, for a whole emulator (`options.faults`), one
 * session (`session.faults`) or one content (`content.faults`, while it is loaded or
 * played). Counts are of lines the engine sent in that session, handshake included.
 */
export interface Faults {
  /** Close the connection once this many lines have been sent. */
  readonly closeAfterLines?: number;
  /** Stop answering (keep the socket open, send nothing) once this many lines have been sent; 0 = never answer. */
  readonly silentAfterLines?: number;
  /** After every `every` lines, send one garbage line (invalid UTF-8, malformed known commands, unknown ones). */
  readonly garbageEvery?: number;
  /** Split every write into chunks of at most this many bytes, written one by one. */
  readonly chunkBytes?: number;
  /** Delay each `##` answer by this many milliseconds. */
  readonly syncDelayMs?: number;
  /** Restart the whole emulator (every session dropped, same ports listening again) once this many lines have been sent. */
  readonly restartAfterLines?: number;
  /**
   * HTTP API: what `/ace/r/…`, `/content/…` and `/ace/m/…m3u8` do while the session
   * prebuffers. `hold` (the default): the response headers are held until prebuffering
   * ends. `error`: 500 `download not found` until then (both measured on real engines).
   */
  readonly httpPrebuffer?: 'hold' | 'error';
  /** HTTP API: a progressive stream stalls (stays open, sends nothing more) after this many bytes. */
  readonly httpStallAfterBytes?: number;
  /** HTTP API: the engine restarts (every session dropped, same ports listening again) once a progressive stream has sent this many bytes. */
  readonly httpRestartAfterBytes?: number;
}

/** The garbage lines `garbageEvery` cycles through, as raw bytes (they are not protocol). */
export const GARBAGE_LINES: readonly Uint8Array[] = [
  Uint8Array.of(0xff, 0xfe, 0x00, 0x41, 0x0d, 0x0a), // invalid UTF-8 and a NUL
  new TextEncoder().encode('STATUS main:prebuf;not;numbers\r\n'), // a known command, malformed
  new TextEncoder().encode('XYZZY 1 2 3\r\n'), // an unknown command
  new TextEncoder().encode('LOADRESP 1 {not json\r\n'),
];

/** `a` overridden by whatever `b` sets. */
export function mergeFaults(a: Faults | undefined, b: Faults | undefined): Faults {
  return { ...a, ...b };
}
