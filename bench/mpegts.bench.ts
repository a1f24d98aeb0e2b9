// `pnpm bench`: the MPEG-TS scanner (`@ace-rx/codec/mpegts`) on a real stream, the
// emulator's test card (H.264 + AAC, 400 kbit/s, four key frames) repeated to 32 MiB,
// against baselines measured in the same run: a bare loop that reads the PID of every
// packet (what the scanner cannot do less than) and a plain copy of the bytes (what a
// ring does with them anyway). Absolute rates on a shared machine are noise; the ratios
// are the figure.
import { readFileSync } from 'node:fs';
import { TsScanner } from '@ace-rx/codec/mpegts';

const CLIP = new URL('../packages/emulator/src/media/assets/test-card.mpegts', import.meta.url);

/** The clip repeated to at least `bytes` bytes (whole clips, so whole packets). */
export function stream(bytes: number): Uint8Array {
  const clip = readFileSync(CLIP);
  const copies = Math.ceil(bytes / clip.length);
  const out = new Uint8Array(clip.length * copies);
  for (let i = 0; i < copies; i++) out.set(clip, i * clip.length);
  return out;
}

/** Cuts bytes into chunks of `size` (the last one shorter). */
function chunks(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size));
  return out;
}

/** Baseline: one byte read per packet plus the PID, summed so it is not optimised away. */
function bareLoop(parts: readonly Uint8Array[]): number {
  let sum = 0;
  for (const part of parts) {
    for (let i = 0; i + 188 <= part.length; i += 188) sum += part[i]! === 0x47 ? ((part[i + 1]! & 0x1f) << 8) | part[i + 2]! : 1;
  }
  return sum;
}

/** Baseline: each chunk copied into a ring-sized buffer. */
function copy(parts: readonly Uint8Array[]): number {
  const ring = new Uint8Array(1 << 20);
  let at = 0;
  for (const part of parts) {
    if (at + part.length > ring.length) at = 0;
    ring.set(part, at);
    at += part.length;
  }
  return at;
}

function scan(parts: readonly Uint8Array[]): number {
  let keys = 0;
  const scanner = new TsScanner({ onKeyFrame: () => keys++ });
  for (const part of parts) scanner.push(part);
  return keys;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

function rate(run: (parts: readonly Uint8Array[]) => number, parts: readonly Uint8Array[], bytes: number): number {
  const start = performance.now();
  run(parts);
  return bytes / ((performance.now() - start) / 1000);
}

/** Rates (bytes/s) of the scanner and of both baselines, per chunk size. */
export function benchMpegts(bytes = 32 << 20, rounds = 9) {
  const source = stream(bytes);
  const expectedKeys = (source.length / 202_476) * 4;
  const rows: { chunk: number; scan: number; bare: number; copy: number }[] = [];
  for (const size of [1 << 20, 64 << 10, 1316, 188]) {
    const parts = chunks(source, size);
    if (scan(parts) !== expectedKeys) throw new Error(`the scanner found ${scan(parts)} key frames, not ${expectedKeys}`);
    const paths = { scan, bare: bareLoop, copy };
    const rates = { scan: [] as number[], bare: [] as number[], copy: [] as number[] };
    for (const run of Object.values(paths)) rate(run, parts, source.length);
    for (let i = 0; i < rounds; i++) for (const [name, run] of Object.entries(paths)) rates[name as keyof typeof paths].push(rate(run, parts, source.length));
    rows.push({ chunk: size, scan: median(rates.scan), bare: median(rates.bare), copy: median(rates.copy) });
  }
  return { bytes: source.length, rows };
}

/** Runs the scanner benchmark and prints the rates and their ratios. */
export function reportMpegts(): void {
  const result = benchMpegts();
  const gbs = (n: number) => `${(n / 1e9).toFixed(2)} GB/s`.padStart(10);
  console.log(`mpegts scanner bench: ${(result.bytes / 2 ** 20).toFixed(0)} MiB of the test card (H.264 + AAC), key frames checked`);
  console.log('  chunk      scanner    bare PID loop  copy      scanner / bare  scanner / copy  x a 4 Mbit/s stream');
  for (const row of result.rows) {
    const chunk = row.chunk >= 1 << 20 ? `${row.chunk >> 20} MiB` : row.chunk >= 1024 && row.chunk % 1024 === 0 ? `${row.chunk >> 10} KiB` : `${row.chunk} B`;
    console.log(
      `  ${chunk.padEnd(9)} ${gbs(row.scan)} ${gbs(row.bare)}    ${gbs(row.copy)}  ${`${((row.scan / row.bare) * 100).toFixed(0)} %`.padStart(8)}        ${`${((row.scan / row.copy) * 100).toFixed(0)} %`.padStart(8)}        ${Math.round(row.scan / 500_000).toLocaleString('en')}`,
    );
  }
}
