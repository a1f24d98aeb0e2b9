import { afterEach, describe, expect, it } from '@jest/globals';
import { connect } from 'node:net';
import type { Emulator } from '@ace-rx/emulator';
import type { Gateway } from '@ace-rx/gateway';
import { fastEmulator, gatewayFor, starts, stops, view, waitFor } from './helpers.js';

const MiB = 1024 * 1024;
let engine: Emulator | undefined;
let gateway: Gateway | undefined;

afterEach(async () => {
  await gateway?.close();
  await engine?.close();
  gateway = engine = undefined;
});

describe('fan-out', () => {
  it('gives 20 concurrent viewers of one channel the same bytes from where they joined, with one START', async () => {
    engine = await fastEmulator();
    const g = await gatewayFor([engine]);
    gateway = g.gateway;
    const url = `${g.base}/ace/getstream?id=chan0`;
    // The first viewer is the reference: it reads until every other one is done.
    const first = view(url);
    const firstResponse = await first.response;
    const others = Array.from({ length: 19 }, (_, i) => view(i % 2 === 0 ? url : `${g.base}/pid/chan0/Channel.ts`, { maxBytes: MiB }));
    const responses = await Promise.all(others.map((v) => v.response));
    const bodies = await Promise.all(others.map((v) => v.done));
    // The reference reads on until it holds every other viewer's last byte, then hangs up.
    const origin0 = Number(firstResponse.headers['x-stream-position']) - Number(firstResponse.headers['x-stream-prefix']);
    const needed = Math.max(...responses.map((r, i) => Number(r.headers['x-stream-position']) - Number(r.headers['x-stream-prefix']) + bodies[i]!.length));
    await waitFor(() => first.received() >= needed - origin0, 10_000, 'the reference to hold every other viewer’s bytes');
    first.close();
    const reference = await first.done;
    // A key-frame join sends the PAT and PMT first (X-Stream-Prefix bytes), then the ring from X-Stream-Position.
    const ringBytesOf = (r: typeof firstResponse, body: Buffer) => {
      const prefix = Number(r.headers['x-stream-prefix']);
      expect([0, 376]).toContain(prefix);
      if (prefix === 376) {
        expect(r.headers['x-stream-join']).toBe('key-frame');
        // PID 0 (PAT), then a PMT: both packets start with a sync byte and a section start.
        expect([body[0], body[1]! & 0x5f, body[2], body[188]]).toEqual([0x47, 0x40, 0x00, 0x47]);
      }
      return body.subarray(prefix);
    };
    const origin = Number(firstResponse.headers['x-stream-position']);
    expect(firstResponse.statusCode).toBe(200);
    expect(origin % 188).toBe(0);
    const referenceRing = ringBytesOf(firstResponse, reference);
    expect(referenceRing[0]).toBe(0x47);
    bodies.forEach((body, i) => {
      const r = responses[i]!;
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toBe('video/mp2t');
      const position = Number(r.headers['x-stream-position']);
      // Aligned to a TS packet: the first byte is a sync byte.
      expect(position % 188).toBe(0);
      expect(body[0]).toBe(0x47);
      expect(body.length).toBe(MiB);
      const ring = ringBytesOf(r, body);
      expect(ring[0]).toBe(0x47);
      const at = position - origin;
      expect(at + ring.length).toBeLessThanOrEqual(referenceRing.length);
      expect(ring.equals(referenceRing.subarray(at, at + ring.length))).toBe(true);
    });
    expect(starts(engine)).toBe(1);
    expect(g.events.filter((e) => e.event === 'viewer-join')).toHaveLength(20);
  });

  it('a viewer that reads nothing does not hold the others back, is dropped after stallMs, and memory stays bounded', async () => {
    engine = await fastEmulator();
    const ringBytes = 1 * MiB;
    const g = await gatewayFor([engine], { ringBytes, stallMs: 400 });
    gateway = g.gateway;
    const url = `${g.base}/ace/getstream?id=chan1`;
    const slow = view(url, { read: false });
    await slow.response;
    const fast = view(url, { maxBytes: 96 * MiB });
    await fast.response;
    let maxRing = 0;
    let maxBuffered = 0;
    const sample = setInterval(() => {
      const s = gateway?.status().streams[0];
      if (s === undefined) return;
      maxRing = Math.max(maxRing, s.ringBytes);
      maxBuffered = Math.max(maxBuffered, s.bufferedBytes);
    }, 5);
    try {
      await waitFor(() => g.events.some((e) => e.event === 'viewer-leave' && e.reason === 'stalled'), 20_000, 'the stalled viewer to be dropped');
      const before = fast.received();
      await waitFor(() => fast.received() > before + 4 * MiB, 10_000, 'the fast viewer to go on');
    } finally {
      clearInterval(sample);
      fast.close();
      slow.close();
    }
    // The ring holds its capacity plus at most one chunk; each viewer's socket queue at
    // most one chunk plus the 16 KiB high-water mark.
    expect(maxRing).toBeLessThanOrEqual(ringBytes + 64 * 1024);
    expect(maxBuffered).toBeLessThanOrEqual(2 * (64 + 16) * 1024);
    expect(starts(engine)).toBe(1);
  });
});

describe('stallMs: a viewer that takes no bytes, not a slow one', () => {
  it('keeps a viewer reading slowly but steadily for several stallMs, and drops it once it stops reading', async () => {
    engine = await fastEmulator();
    // The kernel wakes a blocked writer only once a good part of its send buffer is free, so
    // the gateway sees a slow reader take bytes in steps; stallMs must span a few of them.
    const stallMs = 3_000;
    const g = await gatewayFor([engine], { stallMs });
    gateway = g.gateway;
    // A raw socket read by hand every 100 ms: what its buffer holds then, up to 256 KiB
    // (about 640 KiB/s here, an eighth of the channel's rate).
    const socket = connect(gateway.port, '127.0.0.1');
    socket.pause();
    socket.write('GET /ace/getstream?id=chan2 HTTP/1.1\r\nHost: x\r\n\r\n');
    let taken = 0;
    let reading = true;
    const reader = setInterval(() => {
      if (!reading) return;
      for (let want = 256 * 1024; want > 0; ) {
        const got = socket.read() as Buffer | null;
        if (got === null) break;
        taken += got.length;
        want -= got.length;
      }
    }, 100);
    try {
      await waitFor(() => g.events.some((e) => e.event === 'viewer-join'), 10_000, 'the viewer to join');
      await new Promise((r) => setTimeout(r, 2.5 * stallMs));
      expect(g.events.some((e) => e.event === 'viewer-leave')).toBe(false);
      expect(taken).toBeGreaterThan(2 * 1024 * 1024);
      reading = false;
      const stoppedAt = Date.now();
      await waitFor(() => g.events.some((e) => e.event === 'viewer-leave' && e.reason === 'stalled'), 20_000, 'the stopped viewer to be dropped');
      // Its kernel buffers take a while to fill before the gateway sees it stop.
      expect(Date.now() - stoppedAt).toBeLessThan(15_000);
    } finally {
      clearInterval(reader);
      socket.destroy();
    }
  });
});

describe('linger and zapping', () => {
  it('stops the engine session lingerMs after the last viewer leaves, and a viewer back within it reuses the session', async () => {
    engine = await fastEmulator();
    const g = await gatewayFor([engine], { lingerMs: 400 });
    gateway = g.gateway;
    const url = `${g.base}/ace/getstream?id=chan2`;
    await view(url, { maxBytes: 100_000 }).done;
    await new Promise((r) => setTimeout(r, 150));
    const back = view(url, { maxBytes: 100_000 });
    expect((await back.response).statusCode).toBe(200);
    await back.done;
    expect(starts(engine)).toBe(1);
    const left = Date.now();
    await waitFor(() => stops(engine!) === 1, 5_000, 'STOP');
    expect(Date.now() - left).toBeGreaterThanOrEqual(350);
    await waitFor(() => engine!.sessions.every((s) => s.isClosed), 5_000, 'the engine connection to close');
    expect(gateway.status().streams).toHaveLength(0);
    // The totals keep what went through the stream once it is gone.
    expect(gateway.status().bytesOut).toBeGreaterThanOrEqual(200_000);
    expect(gateway.status().bytesIn).toBeGreaterThanOrEqual(200_000);
    expect(g.events.map((e) => e.event)).toEqual(['session-start', 'viewer-join', 'viewer-leave', 'viewer-join', 'viewer-leave', 'session-stop']);
  });

  it('50 channel switches in a few seconds leave no engine session behind', async () => {
    engine = await fastEmulator();
    const g = await gatewayFor([engine], { lingerMs: 50 });
    gateway = g.gateway;
    for (let i = 0; i < 50; i++) {
      const v = view(`${g.base}/ace/getstream?id=chan${i % 5}`, { maxBytes: 1_000 });
      // Some switches leave before the engine has started, some after the first bytes.
      await new Promise((r) => setTimeout(r, i % 2 === 0 ? 5 : 100));
      v.close();
    }
    await waitFor(() => gateway!.status().streams.length === 0, 5_000, 'every stream to stop');
    await waitFor(() => engine!.sessions.every((s) => s.isClosed), 5_000, 'every engine connection to close');
    expect(gateway.status().viewers).toBe(0);
    // Not vacuous: the switches did start sessions, and some viewers got bytes.
    expect(g.events.filter((e) => e.event === 'session-start').length).toBeGreaterThanOrEqual(5);
    expect(g.events.some((e) => e.event === 'viewer-join')).toBe(true);
  });
});
