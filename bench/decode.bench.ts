// `pnpm bench`: typed decoding of a realistic engine session against a bare line
// split of the same bytes, measured in the same run. Absolute rates on a shared
// machine are noise; the ratio is the figure.
import { decodeEngineMessage, EngineDecoder, LineDecoder } from '@ace-rx/codec';

/** A session as an engine sends it: mostly periodic STATUS, some events and URLs. */
export function sessionMix(lines: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < lines; i++) {
    const n = i % 100;
    const dl = 131072 * i;
    if (n < 30) out.push(`STATUS main:prebuf;${n * 3};${2000 - n * 10};0;0;${29 + n};0;0;8;0;${dl};0;0`);
    else if (n < 80) out.push(`STATUS main:dl;0;0;${110 + (n % 40)};0;0;${7 + (n % 3)};0;${dl};0;0`);
    else if (n < 88) out.push(`STATUS main:buf;${n};315;0;0;130;0;0;8;0;${dl};0;0`);
    else if (n < 92) out.push(`EVENT livepos last=${1500 + i} live_first=1400 pos=${1499 + i} first_ts=1700000000 last_ts=1700000100 is_live=1 live_last=${1500 + i} buffer_pieces=15`);
    else if (n < 94) out.push('PAUSE', 'RESUME');
    else if (n === 94) out.push(`LOADRESP ${i} {"status": 1, "files": [["Prey%202_%20E3%202011%20Official%20Trailer_2.mp4", 0]], "infohash": "4c78e1cf0df23b4f5a16a106829ebed710cb52e0"}`);
    else if (n === 95) out.push(`START url=http%3A%2F%2F127.0.0.1%3A6878%2Fcontent%2F4c78e1cf0df23b4f5a16a106829ebed710cb52e0%2F0.${i} infohash=4c78e1cf0df23b4f5a16a106829ebed710cb52e0 file_index=0`);
    else if (n === 96) out.push(`##${i}`);
    else out.push(`STATUS main:prebuf;45;30|ad:buf;69`);
  }
  return out.slice(0, lines);
}

/** Cuts bytes into TCP-like chunks of varying size. */
export function chunked(bytes: Uint8Array): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  const sizes = [1460, 4096, 512, 2920, 65536, 733];
  for (let at = 0, k = 0; at < bytes.length; k++) {
    const size = sizes[k % sizes.length]!;
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

function bareSplit(chunks: readonly Uint8Array[]): number {
  const decoder = new TextDecoder();
  let tail = '';
  let count = 0;
  for (const chunk of chunks) {
    const parts = (tail + decoder.decode(chunk, { stream: true })).split('\r\n');
    tail = parts.pop()!;
    count += parts.length;
  }
  return count;
}

/**
 * What clients of this protocol do today: split each line on spaces and STATUS on ';',
 * Number() the fields, untyped, unvalidated. For context, not a target.
 */
function handParsed(chunks: readonly Uint8Array[]): number {
  const decoder = new TextDecoder();
  let tail = '';
  let count = 0;
  for (const chunk of chunks) {
    const lines = (tail + decoder.decode(chunk, { stream: true })).split('\r\n');
    tail = lines.pop()!;
    for (const line of lines) {
      const words = line.split(' ');
      const parsed: Record<string, unknown> = { command: words[0] };
      if (words[0] === 'STATUS') {
        const fields = (words[1] ?? '').split('|')[0]!.split(';');
        parsed['state'] = fields[0]!.slice(5);
        parsed['numbers'] = fields.slice(1).map(Number);
      } else if (words[0] === 'LOADRESP') parsed['json'] = JSON.parse(words.slice(2).join(' '));
      else parsed['params'] = Object.fromEntries(words.slice(1).map((w) => w.split('=')));
      if (parsed['command'] !== undefined) count++;
    }
  }
  return count;
}

/** Typed decoding as the client does it: bytes to messages with an EngineDecoder. */
export function typedDecode(chunks: readonly Uint8Array[]): number {
  const decoder = new EngineDecoder();
  let count = 0;
  for (const chunk of chunks) for (const frame of decoder.push(chunk)) if (frame._tag === 'Right') count++;
  return count;
}

/** The same in two steps: lines as strings, then each decoded (what a text transport does). */
function twoSteps(chunks: readonly Uint8Array[]): number {
  const framer = new LineDecoder();
  let count = 0;
  for (const chunk of chunks) {
    for (const frame of framer.push(chunk)) {
      if (typeof frame === 'string' && decodeEngineMessage(frame)._tag === 'Right') count++;
    }
  }
  return count;
}

function rate(run: (chunks: readonly Uint8Array[]) => number, chunks: readonly Uint8Array[], lines: number): number {
  const start = performance.now();
  const count = run(chunks);
  const ms = performance.now() - start;
  if (count !== lines) throw new Error(`decoded ${count} of ${lines} lines`);
  return lines / (ms / 1000);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

export function benchDecode(lines = 200_000, rounds = 9) {
  const mix = sessionMix(lines);
  const bytes = new TextEncoder().encode(mix.join('\r\n') + '\r\n');
  const chunks = chunked(bytes);
  // Warm every path, then alternate them so drift on a shared machine hits all alike.
  const paths = { bare: bareSplit, typed: typedDecode, twoSteps, hand: handParsed };
  const rates = { bare: [] as number[], typed: [] as number[], twoSteps: [] as number[], hand: [] as number[] };
  for (const run of Object.values(paths)) rate(run, chunks, lines);
  for (let i = 0; i < rounds; i++) {
    for (const [name, run] of Object.entries(paths)) rates[name as keyof typeof paths].push(rate(run, chunks, lines));
  }
  return {
    lines,
    bytes: bytes.length,
    bare: median(rates.bare),
    typed: median(rates.typed),
    twoSteps: median(rates.twoSteps),
    hand: median(rates.hand),
    shares: decodeShares(mix),
  };
}

/**
 * Where decoding time goes: each kind's share of the time to decode the mix, from
 * decoding each kind's lines on their own (already split, so framing is left out).
 */
export function decodeShares(mix: readonly string[], rounds = 5): [kind: string, lineShare: number, timeShare: number][] {
  const groups = new Map<string, string[]>();
  for (const line of mix) {
    const space = line.indexOf(' ');
    const kind = line.startsWith('##') ? 'SYNC' : space === -1 ? line : line.slice(0, space);
    const group = groups.get(kind) ?? [];
    group.push(line);
    groups.set(kind, group);
  }
  const costs = [...groups].map(([kind, group]) => {
    const times: number[] = [];
    for (let r = 0; r <= rounds; r++) {
      const start = performance.now();
      for (const line of group) if (decodeEngineMessage(line)._tag !== 'Right') throw new Error(`cannot decode ${line}`);
      if (r > 0) times.push(performance.now() - start);
    }
    return [kind, group.length, median(times)] as const;
  });
  const total = costs.reduce((sum, [, , ms]) => sum + ms, 0);
  return costs.map(([kind, count, ms]) => [kind, count / mix.length, ms / total]);
}

/** Runs the codec benchmark and prints the rates and their ratios. */
export function reportDecode(): void {
  const result = benchDecode();
  const fmt = (n: number) => `${(n / 1e6).toFixed(2)} M lines/s`;
  console.log(`codec decode bench: ${result.lines} lines, ${(result.bytes / 1e6).toFixed(1)} MB, session mix (mostly STATUS)`);
  console.log(`  baseline  bare TextDecoder + split('\\r\\n')      ${fmt(result.bare)}`);
  console.log(`  typed     EngineDecoder                         ${fmt(result.typed)}`);
  console.log(`  ratio     typed / baseline = ${((result.typed / result.bare) * 100).toFixed(1)} % (target >= 40 %)`);
  console.log(`  two steps LineDecoder + decodeEngineMessage     ${fmt(result.twoSteps)} = ${((result.twoSteps / result.bare) * 100).toFixed(1)} % of baseline`);
  console.log(`  context   split(' ')/split(';') + Number, untyped: ${fmt(result.hand)}; typed / that = ${((result.typed / result.hand) * 100).toFixed(0)} %`);
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`.padStart(7);
  console.log('  where decodeEngineMessage time goes (kind: share of lines, share of decode time):');
  for (const [kind, lineShare, timeShare] of result.shares) console.log(`    ${kind.padEnd(9)} ${pct(lineShare)} ${pct(timeShare)}`);
}
