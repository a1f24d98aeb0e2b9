// The gateway as a network tuner (HDHomeRun HTTP API) for Plex, Jellyfin and Emby.
//
// The fields and their types are those the open-source reader reads: Jellyfin's
// src/Jellyfin.LiveTv/TunerHosts/HdHomerun/ (github.com/jellyfin/jellyfin, read at commit
// c3ed1407ca69):
// - HdHomerunHost.GetApiUrl + GetModelInfo: the user's URL, trailing `/` trimmed, plus
//   `/discover.json` (so a token can only ride in the path, never in a query), read as
//   DiscoverResponse.cs: FriendlyName, ModelNumber, FirmwareName, FirmwareVersion, DeviceID,
//   DeviceAuth, BaseURL, LineupURL (strings) and TunerCount (an int: the streams Jellyfin
//   opens at once before "HDHomeRun simultaneous stream limit has been reached").
//   Validate() keeps DeviceID as the tuner's id.
// - GetLineup: GET `LineupURL ?? BaseURL + "/lineup.json"`, a JSON array read as Channels.cs:
//   GuideNumber, GuideName, URL (strings), HD, Favorite, DRM (bools, or 0/1 through its
//   JsonBoolNumberConverter), VideoCodec, AudioCodec; DRM channels are dropped.
//   GetChannelsInternal: Id = "hdhr_" + GuideNumber, and GetHdHrIdFromChannelId splits the id
//   at '_' (a GuideNumber holding '_' would break it); Path = URL, played over HTTP as TS;
//   IsLegacyTuner when URL starts with "hdhomerun" (ours is http).
// - GetChannelStream: a ModelNumber containing "hdtc" SupportsTranscoding, and with the
//   tuner's AllowHWTranscoding a profile is appended as `URL + "?transcode=" + profile`.
// - The device ID's check digit is libhdhomerun's hdhomerun_discover_validate_device_id
//   (github.com/Silicondust/libhdhomerun, hdhomerun_discover.c); Jellyfin's own test data
//   (tests/Jellyfin.LiveTv.Tests/Test Data/LiveTv/192.168.1.182/discover.json) uses FFFFFFFF.
// Plex and Emby read the same endpoints (Plex also /lineup_status.json and /device.xml during
// set-up, and POSTs /lineup.post?scan=start); their code is closed, so the shapes below follow
// the devices' answers those files show.
import { afterEach, describe, expect, it } from '@jest/globals';
import { request } from 'node:http';
import type { Emulator } from '@ace-rx/emulator';
import { deviceIdOf, isDeviceId, parseChannels, type Gateway, type TunerChannel, type TunerDevice } from '@ace-rx/gateway';
import { fastEmulator, fetchText, gatewayFor, view } from './helpers.js';

let gateways: Gateway[] = [];
let engine: Emulator | undefined;
afterEach(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  gateways = [];
  await engine?.close();
  engine = undefined;
});

const CHANNELS = parseChannels(
  ['#EXTM3U', '#EXTINF:-1 tvg-id="one.uk",One HD', 'acestream://chan0', '#EXTINF:-1 tvg-id="one.uk",One HD (backup)', 'acestream://chan1', '#EXTINF:-1,Two & "Friends"', 'acestream://chan2'].join('\n'),
);

async function start(options: Parameters<typeof gatewayFor>[1] = {}) {
  engine ??= await fastEmulator();
  const g = await gatewayFor([engine], { channels: CHANNELS, limits: { maxStreams: 3 }, ...options });
  gateways.push(g.gateway);
  return g;
}

/** The first `n` bytes of `url`: MPEG-TS starts each 188-byte packet with 0x47. */
async function firstPackets(url: string, n = 188 * 64): Promise<{ status: number; body: Buffer }> {
  const viewer = view(url, { maxBytes: n });
  const res = await viewer.response;
  const body = await viewer.done;
  viewer.close();
  return { status: res.statusCode ?? 0, body };
}

describe('the gateway as an HDHomeRun tuner', () => {
  it('makes device IDs with libhdhomerun\'s check digit, the same for the same seed', () => {
    expect(isDeviceId('FFFFFFFF')).toBe(true); // Jellyfin's test device
    expect(isDeviceId('FFFFFFFE')).toBe(false);
    expect(isDeviceId('12345678')).toBe(false);
    expect(isDeviceId('1234567')).toBe(false);
    const ids = Array.from({ length: 200 }, (_, i) => deviceIdOf(`seed ${i}`));
    expect(ids.every(isDeviceId)).toBe(true);
    expect(new Set(ids).size).toBeGreaterThan(190);
    expect(deviceIdOf('a')).toBe(deviceIdOf('a'));
    // One digit changed or two swapped no longer check (what the check digit is for).
    const id = deviceIdOf('a');
    const swapped = id[1]! + id[0]! + id.slice(2);
    if (swapped !== id) expect(isDeviceId(swapped)).toBe(false);
  });

  it('answers /discover.json, /lineup.json, /lineup_status.json and /device.xml with the fields media servers read, and its channel URLs play', async () => {
    const { base } = await start({ tunerName: 'Living room' });
    const discover = await fetchText(`${base}/discover.json`);
    expect(discover.status).toBe(200);
    expect(discover.headers['content-type']).toBe('application/json; charset=utf-8');
    const device = JSON.parse(discover.body) as TunerDevice;
    // Every string field Jellyfin's DiscoverResponse reads is a string; TunerCount is a number: the stream limit.
    for (const field of ['FriendlyName', 'ModelNumber', 'FirmwareName', 'FirmwareVersion', 'DeviceID', 'DeviceAuth', 'BaseURL', 'LineupURL'] as const) expect(typeof device[field]).toBe('string');
    expect(device).toMatchObject({ FriendlyName: 'Living room', TunerCount: 3, BaseURL: base, LineupURL: `${base}/lineup.json` });
    expect(isDeviceId(device.DeviceID)).toBe(true);

    const lineupText = await fetchText(device.LineupURL);
    expect(lineupText.status).toBe(200);
    const lineup = JSON.parse(lineupText.body) as TunerChannel[];
    // One entry per channel (backup sources stay behind one URL), numbered as the playlist numbers them.
    expect(lineup).toEqual([
      { GuideNumber: '1', GuideName: 'One HD', URL: `${base}/channel/one.uk.ts`, HD: 1 },
      { GuideNumber: '2', GuideName: 'Two & "Friends"', URL: expect.stringMatching(new RegExp(`^${base}/channel/[^/?]+\\.ts$`)), HD: 0 },
    ]);
    for (const c of lineup) {
      expect(c.GuideNumber).not.toContain('_'); // Jellyfin's "hdhr_" + GuideNumber is split at '_'
      expect(c.URL.toLowerCase().startsWith('hdhomerun')).toBe(false); // not a legacy (UDP) tuner
    }
    // The URL plays MPEG-TS, also with the transcoding profile Jellyfin may append to an HDTC model.
    expect(device.ModelNumber.toLowerCase()).toContain('hdtc');
    for (const url of [lineup[0]!.URL, `${lineup[1]!.URL}?transcode=internet540`]) {
      const played = await firstPackets(url);
      expect(played.status).toBe(200);
      expect(played.body.length).toBe(188 * 64);
      for (let i = 0; i < played.body.length; i += 188) expect(played.body[i]).toBe(0x47);
    }

    const status = await fetchText(`${base}/lineup_status.json`);
    expect(JSON.parse(status.body)).toEqual({ ScanInProgress: 0, ScanPossible: 1, Source: 'Cable', SourceList: ['Cable'] });

    const xml = await fetchText(`${base}/device.xml`);
    expect(xml.status).toBe(200);
    expect(xml.headers['content-type']).toBe('application/xml; charset=utf-8');
    expect(xml.body).toContain(`<URLBase>${base}</URLBase>`);
    expect(xml.body).toContain('<deviceType>urn:schemas-upnp-org:device:MediaServer:1</deviceType>');
    expect(xml.body).toContain('<friendlyName>Living room</friendlyName>');
    expect(xml.body).toContain(`<serialNumber>${device.DeviceID}</serialNumber>`);
    expect(xml.body).toMatch(/<UDN>uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}<\/UDN>/);

    // Plex POSTs a scan request during set-up: nothing to scan, 200.
    const posted = await new Promise<number>((resolve, reject) => {
      const req = request(`${base}/lineup.post?scan=start&source=Cable`, { method: 'POST', agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(posted).toBe(200);
    // Other writes stay refused.
    expect((await fetchText(`${base}/lineup.json`, {}, 'POST')).status).toBe(405);
  });

  it('keeps its DeviceID across restarts, and takes one given', async () => {
    const first = await start();
    const id = (JSON.parse((await fetchText(`${first.base}/discover.json`)).body) as TunerDevice).DeviceID;
    await first.gateway.close();
    const second = await start();
    expect((JSON.parse((await fetchText(`${second.base}/discover.json`)).body) as TunerDevice).DeviceID).toBe(id);
    const given = await start({ deviceId: 'ffffffff' });
    expect((JSON.parse((await fetchText(`${given.base}/discover.json`)).body) as TunerDevice).DeviceID).toBe('FFFFFFFF');
    await expect(start({ deviceId: '12345678' })).rejects.toThrow(/deviceId.*check digit/);
  });

  it('with a token, takes it in the path (/token/<t>/discover.json) and writes it into every URL it gives, since media servers append paths to the URL they are given', async () => {
    const token = 's3cret/+';
    const { base } = await start({ token });
    expect((await fetchText(`${base}/discover.json`)).status).toBe(401);
    expect((await fetchText(`${base}/token/wrong/discover.json`)).status).toBe(401);
    const prefix = `${base}/token/${encodeURIComponent(token)}`;
    const discover = await fetchText(`${prefix}/discover.json`);
    expect(discover.status).toBe(200);
    const device = JSON.parse(discover.body) as TunerDevice;
    expect(device).toMatchObject({ BaseURL: prefix, LineupURL: `${prefix}/lineup.json` });
    const lineup = JSON.parse((await fetchText(device.LineupURL)).body) as TunerChannel[];
    expect(lineup[0]!.URL).toBe(`${prefix}/channel/one.uk.ts`);
    expect((await fetchText(`${prefix}/device.xml`)).body).toContain(`<URLBase>${prefix}</URLBase>`);
    expect((await fetchText(`${prefix}/lineup_status.json`)).status).toBe(200);
    // Jellyfin's transcoding profile lands in the query, not in the token.
    const played = await firstPackets(`${lineup[0]!.URL}?transcode=heavy`);
    expect(played.status).toBe(200);
    expect(played.body[0]).toBe(0x47);
    // The path form is the token for every route (the playlist too); the query form still works.
    expect((await fetchText(`${prefix}/playlist.m3u`)).status).toBe(200);
    expect((await fetchText(`${base}/lineup.json?token=${encodeURIComponent(token)}`)).status).toBe(200);
  });
});
