// `pnpm bench`: stat responses decoded with @ace-rx/codec/http against JSON.parse alone
// on the same bodies, measured in the same run. Absolute rates on a shared machine are
// noise; the ratio is the figure.
import { decodeStatResponse } from '@ace-rx/codec/http';

/** Stat bodies as an engine sends them while a live stream plays: the docs sample's keys, figures varying. */
export function statBodies(count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const t = 1639984904 + i;
    const status = i % 10 === 0 ? 'prebuf' : i % 17 === 0 ? 'buf' : 'dl';
    out.push(
      JSON.stringify({
        response: {
          uploaded: 491520 + i * 4096,
          network_monitor_status: 0,
          debug_level: 0,
          disk_cache_stats: { avail: 3199156224 - i, disk_cache_limit: 2266017044, inactive_inuse: 0, active_inuse: 38010982 + i },
          speed_down: 200 + (i % 97),
          speed_up: 29 + (i % 7),
          network_monitor_started: false,
          selected_stream_index: 0,
          total_progress: 0,
          progress: i % 100,
          stream_status: -1,
          client_session_id: -1,
          status,
          downloaded: 3276800 + i * 131072,
          manifest_access_mode: -1,
          peers: 4 + (i % 5),
          playback_session_id: '15ad634c7ed4deb28045e641c825adcebe5b5f27',
          is_encrypted: 0,
          is_live: 1,
          infohash: '0a4848271c91ce2d8965ce416267c25047dc8141',
          selected_file_index: -1,
          livepos: {
            last: String(t + 1800),
            live_first: String(t),
            pos: String(t + 1800),
            first_ts: String(t),
            last_ts: String(t + 1800),
            is_live: '1',
            live_last: String(t + 1800),
            buffer_pieces: String(30 + (i % 3)),
          },
        },
        error: null,
      }),
    );
  }
  return out;
}

function parseOnly(bodies: readonly string[]): number {
  let count = 0;
  for (const body of bodies) if ((JSON.parse(body) as { response: unknown }).response !== null) count++;
  return count;
}

function typed(bodies: readonly string[]): number {
  let count = 0;
  for (const body of bodies) if (decodeStatResponse(body)._tag === 'Right') count++;
  return count;
}

function rate(run: (bodies: readonly string[]) => number, bodies: readonly string[]): number {
  const start = performance.now();
  const count = run(bodies);
  const ms = performance.now() - start;
  if (count !== bodies.length) throw new Error(`decoded ${count} of ${bodies.length} bodies`);
  return bodies.length / (ms / 1000);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/** Stat bodies per second: JSON.parse alone, and decodeStatResponse, alternated over `rounds`. */
export function benchStat(count = 50_000, rounds = 9) {
  const bodies = statBodies(count);
  const paths = { parse: parseOnly, typed };
  const rates = { parse: [] as number[], typed: [] as number[] };
  for (const run of Object.values(paths)) rate(run, bodies);
  for (let i = 0; i < rounds; i++) for (const [name, run] of Object.entries(paths)) rates[name as keyof typeof paths].push(rate(run, bodies));
  return { count, bytes: bodies.reduce((n, b) => n + b.length, 0), parse: median(rates.parse), typed: median(rates.typed) };
}

/** Runs the stat-decode benchmark and prints the rates and their ratio. */
export function reportHttpStat(): void {
  const result = benchStat();
  const fmt = (n: number) => `${(n / 1e3).toFixed(1)} k bodies/s`;
  console.log(`http stat decode bench: ${result.count} stat bodies, ${(result.bytes / 1e6).toFixed(1)} MB (the docs sample's keys, live)`);
  console.log(`  baseline  JSON.parse alone                 ${fmt(result.parse)}`);
  console.log(`  typed     decodeStatResponse (parse+check) ${fmt(result.typed)}`);
  console.log(`  ratio     typed / baseline = ${((result.typed / result.parse) * 100).toFixed(1)} %`);
}
