// trustProxy: behind a balancer, X-Forwarded-Proto/-Host (and RFC 7239 Forwarded) shape the
// URLs written for players and X-Forwarded-For names the viewer; without the option they
// are ignored, and hostile values never end up in a URL.
import { afterEach, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type { Emulator } from '@ace-rx/emulator';
import { parseChannels, type Gateway, type GatewayLogEvent } from '@ace-rx/gateway';
import { fastEmulator, fetchText, gatewayFor, view, waitFor } from './helpers.js';

const channels = parseChannels(readFileSync(new URL('./fixtures/channels.m3u', import.meta.url), 'utf8'));
let engine: Emulator | undefined;
let gateway: Gateway | undefined;

afterEach(async () => {
  await gateway?.close();
  await engine?.close();
  gateway = engine = undefined;
});

/** The stream URLs of `/playlist.m3u` asked with `headers`. */
async function playlistUrls(base: string, headers: Record<string, string>): Promise<string[]> {
  const r = await fetchText(`${base}/playlist.m3u`, headers);
  expect(r.status).toBe(200);
  return r.body.split('\n').filter((l) => /^[a-z]+:\/\//.test(l));
}

describe('trustProxy', () => {
  it('off (the default): X-Forwarded-* and Forwarded are ignored', async () => {
    engine = await fastEmulator();
    const g = await gatewayFor([engine], { channels });
    gateway = g.gateway;
    const urls = await playlistUrls(g.base, { Host: 'inner:6880', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'tv.example.org', Forwarded: 'proto=https;host=tv.example.org' });
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) expect(url.startsWith('http://inner:6880/')).toBe(true);
  });

  it('on: playlist URLs follow X-Forwarded-Proto: https and X-Forwarded-Host, or Forwarded', async () => {
    engine = await fastEmulator();
    const g = await gatewayFor([engine], { channels, trustProxy: true });
    gateway = g.gateway;
    const viaX = await playlistUrls(g.base, { Host: 'inner:6880', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'tv.example.org' });
    expect(viaX.length).toBeGreaterThan(0);
    for (const url of viaX) expect(url.startsWith('https://tv.example.org/channel/')).toBe(true);
    // With a port; and the right-most of several (the nearest proxy's).
    const withPort = await playlistUrls(g.base, { Host: 'inner:6880', 'X-Forwarded-Proto': 'http, https', 'X-Forwarded-Host': 'spoofed.example, tv.example.org:8443' });
    for (const url of withPort) expect(url.startsWith('https://tv.example.org:8443/')).toBe(true);
    // RFC 7239, quoted, last element, when no X-Forwarded- header says it.
    const viaForwarded = await playlistUrls(g.base, { Host: 'inner:6880', Forwarded: 'for=198.51.100.1;host=a.example, for="[2001:db8::7]:4711";proto=HTTPS;host="tv.example.org"' });
    for (const url of viaForwarded) expect(url.startsWith('https://tv.example.org/')).toBe(true);
    // X-Forwarded-* first: common balancers set them and pass a client's own Forwarded through.
    const both = await playlistUrls(g.base, { Host: 'inner:6880', 'X-Forwarded-Proto': 'http', 'X-Forwarded-Host': 'gw.example.com', Forwarded: 'proto=https;host=evil.example' });
    for (const url of both) expect(url.startsWith('http://gw.example.com/')).toBe(true);
    // Only the proto forwarded: the player's Host stays.
    const protoOnly = await playlistUrls(g.base, { Host: 'inner:6880', 'X-Forwarded-Proto': 'https' });
    for (const url of protoOnly) expect(url.startsWith('https://inner:6880/')).toBe(true);
  });

  it('on: hostile forwarded values never reach a URL', async () => {
    engine = await fastEmulator();
    const g = await gatewayFor([engine], { channels, trustProxy: true });
    gateway = g.gateway;
    const hostile: Record<string, string>[] = [
      { 'X-Forwarded-Host': 'evil.example/path' },
      { 'X-Forwarded-Host': 'evil example' },
      { 'X-Forwarded-Host': 'evil.example:99999' },
      { 'X-Forwarded-Host': 'evil.example:0' },
      { 'X-Forwarded-Host': 'evil.example:80x' },
      { 'X-Forwarded-Host': 'user@evil.example' },
      { 'X-Forwarded-Host': 'a'.repeat(300) },
      { 'X-Forwarded-Host': '"evil.example"' },
      { 'X-Forwarded-Proto': 'javascript' },
      { 'X-Forwarded-Proto': 'https\tx' },
      { Forwarded: 'host="evil.example\\"><x"' },
      { Forwarded: 'proto=ftp;host=evil.example:1234567' },
      { Forwarded: 'x'.repeat(9_000) },
    ];
    for (const headers of hostile) {
      const urls = await playlistUrls(g.base, { Host: 'inner:6880', ...headers });
      for (const url of urls) expect(url).toMatch(/^http:\/\/inner:6880\/channel\/[a-z0-9._-]+\.ts$/);
    }
  });

  it('on: the right-most X-Forwarded-For (or, without one, Forwarded: for=) names the viewer in the log and /status; off: the socket does', async () => {
    engine = await fastEmulator();
    const on = await gatewayFor([engine], { trustProxy: true });
    gateway = on.gateway;
    const viewer = view(`${on.base}/ace/getstream?id=chan0`, { headers: { 'X-Forwarded-For': '203.0.113.9, 198.51.100.23' } });
    const other = view(`${on.base}/ace/getstream?id=chan0`, { headers: { Forwarded: 'for="[2001:db8::5]:4711"' } });
    const forged = view(`${on.base}/ace/getstream?id=chan0`, { headers: { Forwarded: 'for=6.6.6.6', 'X-Forwarded-For': '10.0.0.9' } });
    const garbage = view(`${on.base}/ace/getstream?id=chan0`, { headers: { 'X-Forwarded-For': '10.0.0.1, not an address <x>' } });
    await waitFor(() => [viewer, other, forged, garbage].every((v) => v.received() > 10_000), 10_000, 'bytes to the viewers');
    const joins = (events: GatewayLogEvent[]) => events.filter((e) => e.event === 'viewer-join').map((e) => e.viewer);
    expect(joins(on.events)).toEqual(expect.arrayContaining(['198.51.100.23', '2001:db8::5', '10.0.0.9']));
    expect(joins(on.events)).not.toContain('6.6.6.6');
    expect(joins(on.events).some((a) => a?.startsWith('127.0.0.1:') === true)).toBe(true);
    const addresses = on.gateway.status().streams[0]!.viewerAddresses;
    expect(addresses).toEqual(expect.arrayContaining(['198.51.100.23', '2001:db8::5']));
    expect(addresses).toHaveLength(4);
    for (const v of [viewer, other, forged, garbage]) v.close();
    await on.gateway.close();

    const off = await gatewayFor([engine]);
    gateway = off.gateway;
    const plain = view(`${off.base}/ace/getstream?id=chan1`, { headers: { 'X-Forwarded-For': '203.0.113.9' } });
    await waitFor(() => plain.received() > 10_000, 10_000, 'bytes to the viewer');
    expect(joins(off.events)).toEqual([expect.stringMatching(/^127\.0\.0\.1:\d+$/)]);
    plain.close();
  });
});
