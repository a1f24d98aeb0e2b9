import { expect } from '@jest/globals';
import { NULL_PID, readHeader, readPcr, readTimestamps, TS_PACKET_SIZE } from '@ace-rx/emulator';

/** Checks a run of packets like a demuxer would; returns what it saw. */
export function inspect(bytes: Uint8Array): { packets: number; ccErrors: string[]; pcrs: number[]; pts: Map<number, number[]> } {
  const last = new Map<number, number>();
  const ccErrors: string[] = [];
  const syncErrors: number[] = [];
  const pcrs: number[] = [];
  const pts = new Map<number, number[]>();
  for (let at = 0; at + TS_PACKET_SIZE <= bytes.length; at += TS_PACKET_SIZE) {
    if (bytes[at] !== 0x47) {
      syncErrors.push(at);
      continue;
    }
    const header = readHeader(bytes, at);
    if (header.pid === NULL_PID) continue;
    const previous = last.get(header.pid);
    if (header.hasPayload) {
      if (previous !== undefined && ((previous + 1) & 15) !== header.continuity) ccErrors.push(`pid ${header.pid} at packet ${at / 188}: ${previous} → ${header.continuity}`);
      last.set(header.pid, header.continuity);
    }
    const pcr = readPcr(bytes, at);
    if (pcr !== undefined) pcrs.push(pcr);
    const stamp = readTimestamps(bytes, at).pts;
    if (stamp !== undefined) pts.set(header.pid, [...(pts.get(header.pid) ?? []), stamp]);
  }
  expect(syncErrors).toEqual([]); // a sync byte every 188 bytes
  return { packets: Math.floor(bytes.length / TS_PACKET_SIZE), ccErrors, pcrs, pts };
}

