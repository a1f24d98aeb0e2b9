import { Readable } from 'node:stream';
import type { LoopedClip } from './loop.js';
import { TS_PACKET_SIZE } from './ts.js';

/** Pacing of a live stream; every field has a default. */
export interface PacingOptions {
  /** Seconds of stream sent at once when a reader connects, as real engines do (default 3). */
  readonly burstSeconds?: number;
  /** Milliseconds between two writes (default 50). */
  readonly tickMs?: number;
  /** Packet of the endless stream to start at (default 0). Start at a loop boundary so the first packets are PAT, PMT and a key frame. */
  readonly startPacket?: number;
  /** Stop sending (keep the stream open, send nothing more) once this many bytes have gone out: the stalled-session fault. */
  readonly stallAfterBytes?: number;
  /** Called after every chunk with the total bytes sent so far. */
  readonly onBytes?: (total: number) => void;
}

/** Default {@link PacingOptions}. */
export const DEFAULT_PACING = { burstSeconds: 3, tickMs: 50 } as const;

/**
 * An endless MPEG-TS stream of `clip`, paced on a timer at the clip's bitrate after an
 * initial burst: never ends by itself; destroy it to stop (its timer goes with it).
 * Honours back-pressure: a reader that does not read falls behind and is not flooded.
 */
export function liveStream(clip: LoopedClip, options: PacingOptions = {}): Readable {
  const tickMs = options.tickMs ?? DEFAULT_PACING.tickMs;
  const packetsPerSecond = clip.bitrate / 8 / TS_PACKET_SIZE;
  const burst = Math.round((options.burstSeconds ?? DEFAULT_PACING.burstSeconds) * packetsPerSecond);
  const first = options.startPacket ?? 0;
  const stallAt = options.stallAfterBytes;
  const startedAt = performance.now();
  let sent = 0; // packets
  let wanted = true;
  let timer: NodeJS.Timeout | undefined;

  const stream = new Readable({
    highWaterMark: 256 * 1024,
    read() {
      wanted = true;
    },
    destroy(error, callback) {
      clearInterval(timer);
      callback(error);
    },
  });

  const pump = () => {
    if (stream.destroyed) return;
    const due = burst + Math.floor(((performance.now() - startedAt) / 1000) * packetsPerSecond);
    while (wanted && sent < due) {
      let count = Math.min(due - sent, 1024);
      if (stallAt !== undefined) count = Math.min(count, Math.floor(stallAt / TS_PACKET_SIZE) - sent);
      if (count <= 0) return; // stalled: keep the stream open, send nothing more
      wanted = stream.push(clip.packets(first + sent, count));
      sent += count;
      options.onBytes?.(sent * TS_PACKET_SIZE);
    }
  };
  timer = setInterval(pump, tickMs);
  pump();
  return stream;
}
