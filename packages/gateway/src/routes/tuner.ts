// The HDHomeRun HTTP API as Plex, Jellyfin and Emby read it from a network tuner: they are
// given the gateway's address, read /discover.json (and /device.xml), then the lineup at
// its LineupURL, and play each channel's URL as an endless MPEG-TS. The fields are those
// Jellyfin's HdHomerunHost reads (see test/tuner.test.ts); the device ID carries the
// check digit libhdhomerun verifies.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { sendBody, sendJson } from '../http.js';
import { channelUrl, jsonArrayPieces } from '../playlist.js';
import { publicBase } from './base.js';
import type { GatewayContext } from './context.js';

/** libhdhomerun's table for the check digit of a device ID (`hdhomerun_discover_validate_device_id`). */
const CHECK = [0xa, 0x5, 0xf, 0x6, 0x7, 0xc, 0x1, 0xb, 0x9, 0x2, 0x8, 0xd, 0x4, 0x3, 0xe, 0x0] as const;

/** The XOR of a device ID's nibbles, every other one through {@link CHECK}: 0 for a valid ID. */
function checksum(id: number): number {
  let sum = 0;
  for (let shift = 28; shift >= 0; shift -= 4) {
    const nibble = (id >>> shift) & 0xf;
    sum ^= (shift / 4) % 2 === 1 ? CHECK[nibble]! : nibble;
  }
  return sum;
}

/** Whether `id` is an HDHomeRun device ID: 8 hex digits whose check digit holds (as libhdhomerun and Plex check it). */
export function isDeviceId(id: string): boolean {
  return /^[0-9A-Fa-f]{8}$/.test(id) && checksum(Number.parseInt(id, 16)) === 0;
}

/**
 * A valid HDHomeRun device ID made from `seed`: its first 7 hex digits from a hash of it,
 * the last one the check digit. The same seed always gives the same ID.
 */
export function deviceIdOf(seed: string): string {
  const first = Number.parseInt(createHash('sha256').update(seed).digest('hex').slice(0, 7), 16) << 4;
  return ((first | checksum(first)) >>> 0).toString(16).toUpperCase().padStart(8, '0');
}

/** The device ID a gateway with no `deviceId` option uses: stable for one host name and port. */
export function defaultDeviceId(port: number): string {
  return deviceIdOf(`ace-rx:${hostname()}:${port}`);
}

/** The tuner's base URL: the gateway as the media server reached it, with `/token/<token>` when a token is set. */
function tunerBase(ctx: GatewayContext, req: IncomingMessage): string {
  const token = ctx.settings.token;
  return `${publicBase(req, ctx.listening)}${token === undefined ? '' : `/token/${encodeURIComponent(token)}`}`;
}

/** One entry of `/lineup.json`. */
export interface TunerChannel {
  /** The channel's number in the lineup (a string, as devices send it: "4.1"). */
  readonly GuideNumber: string;
  /** Its name. */
  readonly GuideName: string;
  /** Its MPEG-TS URL on the gateway. */
  readonly URL: string;
  /** 1 when its name says HD (HD, FHD, UHD, 4K, 1080, 720), else 0: media servers guess its bitrate from it. */
  readonly HD: 0 | 1;
}

/** What `/discover.json` answers. */
export interface TunerDevice {
  /** The tuner's name in the media server (`tunerName`). */
  readonly FriendlyName: string;
  /** `ace-rx`. */
  readonly Manufacturer: string;
  /** `HDTC-2US`, the model emulated tuners give. */
  readonly ModelNumber: string;
  /** `hdhomeruntc_atsc`, that model's firmware. */
  readonly FirmwareName: string;
  /** A firmware date; nothing reads it of an emulated tuner. */
  readonly FirmwareVersion: string;
  /** 8 hex digits with libhdhomerun's check digit, stable across restarts. */
  readonly DeviceID: string;
  /** The device ID again (real devices give a key for SiliconDust's guide here). */
  readonly DeviceAuth: string;
  /** The gateway as the media server reached it, with `/token/<token>` when a token is set. */
  readonly BaseURL: string;
  /** `<BaseURL>/lineup.json`. */
  readonly LineupURL: string;
  /** Streams at once: the gateway's `limits.maxStreams`. */
  readonly TunerCount: number;
}

/** `GET /discover.json`: the device; `TunerCount` is the gateway's stream limit. */
export function serveDiscover(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse): void {
  const base = tunerBase(ctx, req);
  const device: TunerDevice = {
    FriendlyName: ctx.settings.tunerName,
    Manufacturer: 'ace-rx',
    // The model emulated tuners give (Plex knows it); Jellyfin then offers its transcoding
    // profiles when asked to, as `?transcode=<profile>` after the URL, which the gateway ignores.
    ModelNumber: 'HDTC-2US',
    FirmwareName: 'hdhomeruntc_atsc',
    FirmwareVersion: '20250101',
    DeviceID: ctx.settings.deviceId,
    DeviceAuth: ctx.settings.deviceId,
    BaseURL: base,
    LineupURL: `${base}/lineup.json`,
    TunerCount: ctx.settings.limits.maxStreams,
  };
  sendJson(res, 200, device);
}

/**
 * `GET /lineup.json`: every channel with its number, name and `/channel/<slug>.ts` URL;
 * built once per base URL until the channels change (as `/playlist.m3u`).
 */
export async function serveLineup(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const base = tunerBase(ctx, req);
  const list = ctx.lineup.list;
  const head = req.method === 'HEAD';
  const body = ctx.lists.get(list, JSON.stringify(['lineup', base]), () =>
    jsonArrayPieces(list.channels, (c): TunerChannel => ({
      GuideNumber: String(c.number),
      GuideName: c.name,
      URL: channelUrl(base, c, 'ts'),
      HD: /\b(?:F?HD|UHD|4K|1080[pi]?|720p?)\b/i.test(c.name) ? 1 : 0,
    })),
    head,
  );
  await sendBody(res, head, 'application/json; charset=utf-8', body, ctx.settings.stallMs);
}

/** `GET /lineup_status.json`: no scan runs, none is needed (the lineup is the channels file). */
export function serveLineupStatus(_ctx: GatewayContext, _req: IncomingMessage, res: ServerResponse): void {
  sendJson(res, 200, { ScanInProgress: 0, ScanPossible: 1, Source: 'Cable', SourceList: ['Cable'] });
}

/** `POST /lineup.post` (`?scan=start`, as Plex sends during set-up): nothing to scan, 200. */
export function serveLineupPost(_ctx: GatewayContext, _req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { 'Content-Length': '0', 'Cache-Control': 'no-store' }).end();
}

const xmlText = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** `GET /device.xml`: the UPnP device description network tuners publish. */
export function serveDeviceXml(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse): void {
  const id = ctx.settings.deviceId;
  const uuid = createHash('sha256').update(`ace-rx-tuner:${id}`).digest('hex');
  const udn = `${uuid.slice(0, 8)}-${uuid.slice(8, 12)}-${uuid.slice(12, 16)}-${uuid.slice(16, 20)}-${uuid.slice(20, 32)}`;
  const body = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<root xmlns="urn:schemas-upnp-org:device-1-0">',
    '  <specVersion><major>1</major><minor>0</minor></specVersion>',
    `  <URLBase>${xmlText(tunerBase(ctx, req))}</URLBase>`,
    '  <device>',
    '    <deviceType>urn:schemas-upnp-org:device:MediaServer:1</deviceType>',
    `    <friendlyName>${xmlText(ctx.settings.tunerName)}</friendlyName>`,
    '    <manufacturer>ace-rx</manufacturer>',
    '    <modelName>HDTC-2US</modelName>',
    '    <modelNumber>HDTC-2US</modelNumber>',
    `    <serialNumber>${id}</serialNumber>`,
    `    <UDN>uuid:${udn}</UDN>`,
    '  </device>',
    '</root>',
    '',
  ].join('\n');
  res.writeHead(200, { 'Content-Type': 'application/xml; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)), 'Cache-Control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : body);
}
