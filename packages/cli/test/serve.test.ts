import { describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../src/exit-codes.js';
import { serve } from '../src/serve.js';
import { DEFAULT_GATEWAY_PORT, DEFAULT_HTTP_PORT, DEFAULT_TCP_PORT } from '@ace-rx/gateway';
import { SERVE_DEFAULTS } from '../src/serve-command.js';
import { ACE_RX } from './helpers.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/** The real `ace-rx` (helpers' bundle of the sources), run in `cwd` with the user's directory `initCwd`. */
function aceRx(args: readonly string[], cwd: string, initCwd: string): { child: ChildProcess; stderr: () => string; exited: Promise<number | null> } {
  const child = spawn(ACE_RX[0]!, [...ACE_RX.slice(1), ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ACE_RX_HOST: '', ACE_RX_PORT: '', ACE_RX_PRODUCT_KEY: '', INIT_CWD: initCwd },
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code))).finally(() => clearTimeout(kill));
  return { child, stderr: () => stderr, exited };
}

/** Waits until `pattern` shows in the child's stderr; fails if it exits first or after `ms`. */
async function waitForLine(run: ReturnType<typeof aceRx>, pattern: RegExp, ms = 25_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + ms;
  let exited = false;
  void run.exited.then(() => (exited = true));
  for (;;) {
    const match = pattern.exec(run.stderr());
    if (match !== null) return match;
    if (exited || Date.now() > deadline) throw new Error(`no ${pattern} from ace-rx serve:\n${run.stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Reads `bytes` of a URL's body, then hangs up; resolves with the status, type and bytes read. */
function firstBytes(url: string, bytes: number): Promise<{ status: number; type: string | undefined; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let n = 0;
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        n += c.length;
        if (n >= bytes) {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body: Buffer.concat(chunks) });
        }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
  });
}

describe('ace-rx serve', () => {
  it("the help's default ports are the gateway's (written twice so that the help does not load the gateway)", () => {
    expect(SERVE_DEFAULTS).toEqual({ gatewayPort: DEFAULT_GATEWAY_PORT, tcpPort: DEFAULT_TCP_PORT, httpPort: DEFAULT_HTTP_PORT });
  });

  it('serve() with emulate and no engine answering serves the live channel from the embedded emulator', async () => {
    const lines: string[] = [];
    const serving = await serve({ port: 0, engines: [`127.0.0.1:${await deadPort()}`], emulate: true, lingerMs: 50 }, (l) => lines.push(l));
    try {
      expect(serving.emulator).toBeDefined();
      const r = await firstBytes(`http://127.0.0.1:${serving.gateway.port}/ace/getstream?id=live`, 64 * 1024);
      expect(r.status).toBe(200);
      expect(r.type).toBe('video/mp2t');
      expect(r.body[0]).toBe(0x47);
      expect(lines.join('\n')).toMatch(/embedded emulator/);
      expect(lines.join('\n')).toMatch(/getstream\?id=live/);
      // The gateway's own lines start with their time.
      expect(lines.some((l) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z viewer \S+ joined id:live/.test(l))).toBe(true);
      // Without --channels, /playlist.m3u lists the emulator's contents, each at its channel URL on the gateway.
      const playlist = await (await fetch(`http://127.0.0.1:${serving.gateway.port}/playlist.m3u`)).text();
      expect(playlist).toMatch(/^#EXTM3U/);
      expect(playlist).toContain(`#EXTINF:-1 group-title="ace-rx emulator",live\nhttp://127.0.0.1:${serving.gateway.port}/channel/live.ts\n`);
      expect(playlist).toContain('/channel/series.ts');
      // The channel URL plays (the gateway suite checks that it shares the engine session).
      const channel = await firstBytes(`http://127.0.0.1:${serving.gateway.port}/channel/live.ts`, 64 * 1024);
      expect(channel.status).toBe(200);
      expect(channel.body[0]).toBe(0x47);
    } finally {
      await serving.close();
    }
  });

  it("auto takes the engines' HTTP API port from httpPort (--http-port), not always 6878", async () => {
    const dead = await deadPort();
    const lines: string[] = [];
    const serving = await serve({ port: 0, engines: [`127.0.0.1:${dead}`], api: 'auto', httpPort: dead, lingerMs: 50 }, (l) => lines.push(l));
    try {
      const status = (await (await fetch(`http://127.0.0.1:${serving.gateway.port}/status`)).json()) as { engines: { name: string }[] };
      expect(status.engines[0]!.name).toContain(`/${dead}`);
      expect(status.engines[0]!.name).not.toContain('6878');
    } finally {
      await serving.close();
    }
  });

  it('--epg FILE (relative to the user\'s directory) is served as /epg.xml, cached in --epg-cache, and said at start with the tuner\'s URL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ace-rx-serve-'));
    const xml = '<?xml version="1.0"?>\n<tv><channel id="live"><display-name>Live</display-name></channel></tv>\n';
    writeFileSync(join(dir, 'guide.xml'), xml);
    const lines: string[] = [];
    const serving = await serve({ port: 0, engines: [`127.0.0.1:${await deadPort()}`], emulate: true, epg: 'guide.xml', epgCache: 'cache', cwd: dir, token: 'tk', lingerMs: 50 }, (l) => lines.push(l));
    try {
      const base = `http://127.0.0.1:${serving.gateway.port}`;
      expect(lines).toContain(`  guide:    ${base}/epg.xml?token=tk (from ${join(dir, 'guide.xml')}; cached in ${join(dir, 'cache')})`);
      expect(lines.find((l) => l.startsWith('  tuner:'))).toMatch(new RegExp(`^  tuner: +${base}/token/tk \\(an HDHomeRun for Plex, Jellyfin and Emby: /discover\\.json, /lineup\\.json; \\d+ channels\\)$`));
      expect((await serving.gateway.refreshGuide())?.ok).toBe(true);
      expect(await (await fetch(`${base}/epg.xml?token=tk`)).text()).toBe(xml);
      expect(readdirSync(join(dir, 'cache')).length).toBe(3);
      const lineup = (await (await fetch(`${base}/token/tk/lineup.json`)).json()) as { URL: string }[];
      expect(lineup[0]!.URL).toMatch(new RegExp(`^${base}/token/tk/channel/`));
    } finally {
      await serving.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--api http serves from the HTTP API (here the emulator\'s), and a malformed --engine is refused', async () => {
    const serving = await serve({ port: 0, api: 'http', engines: [`127.0.0.1:${await deadPort()}`], emulate: true, lingerMs: 50 }, () => undefined);
    try {
      const r = await firstBytes(`http://127.0.0.1:${serving.gateway.port}/ace/getstream?id=live`, 64 * 1024);
      expect(r.status).toBe(200);
      expect(r.body[0]).toBe(0x47);
      expect(serving.gateway.status().engines[0]!.name).toMatch(/^http /);
    } finally {
      await serving.close();
    }
    await expect(serve({ engines: ['host:notaport'], port: 0 }, () => undefined)).rejects.toThrow(/HOST:PORT/);
    await expect(serve({ engines: ['host:notaport'], port: 0 }, () => undefined)).rejects.toBeInstanceOf(UsageError);
  });

  it('refuses a bad --port, --host, --engine or --channels with exit 2 and a message, before anything listens', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ace-rx-serve-'));
    try {
      const dead = await deadPort();
      const cases: [string[], RegExp][] = [
        [['--port', 'abc'], /serve --port must be a port number \(0-65535.*"abc"/],
        [['--port', '-1'], /serve --port must be a port number.*"-1"/],
        [['--port', '70000'], /serve --port must be a port number.*"70000"/],
        [['--host', 'a b'], /serve --host must be an IP address or a host name/],
        [['--engine', 'bad:host:x'], /--engine takes HOST or HOST:PORT/],
        [['--channels', 'missing.m3u'], new RegExp(`--channels: no such file: ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/missing\.m3u`)],
        [['--epg', 'missing.xml'], new RegExp(`--epg: no such file: ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/missing\.xml`)],
        [['--epg', 'ftp://guide.example/x.xml'], /--epg takes an http\(s\) URL or a file/],
      ];
      const runs = cases.map(([args]) => aceRx(['serve', '--emulate', ...(args[0] === '--engine' ? [] : ['--engine', `127.0.0.1:${dead}`]), ...args], dir, dir));
      const codes = await Promise.all(runs.map((r) => r.exited));
      cases.forEach(([args, message], i) => {
        expect({ args, code: codes[i] }).toEqual({ args, code: 2 });
        expect(runs[i]!.stderr()).toMatch(message);
        expect(runs[i]!.stderr()).not.toMatch(/listening|embedded emulator/);
      });
      // Nothing was made in the directory: a port is never taken for a Unix socket's path.
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads a relative --channels from the user\'s directory (INIT_CWD), serves it as /playlist.m3u, reloads it on change and on SIGHUP, and Ctrl-C exits 130', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ace-rx-serve-'));
    writeFileSync(join(dir, 'tv.m3u'), '#EXTM3U url-tvg="http://guide.example/epg.xml"\n#EXTINF:-1,Live News\nacestream://live\n#EXTINF:-1,Series One\nhttp://127.0.0.1:6878/ace/getstream?id=series\nhttp://example.com/not-ace.mp4\n');
    // As `pnpm ace-rx` runs it: from the workspace root, with the user's directory in INIT_CWD.
    const run = aceRx(['serve', '--port', '0', '--engine', `127.0.0.1:${await deadPort()}`, '--channels', 'tv.m3u', '--epg-cache', 'cache'], root, dir);
    try {
      const [, url] = await waitForLine(run, /playlist: +(http:\/\/127\.0\.0\.1:\d+\/playlist\.m3u) \(2 channels from 2 entries; 1 line skipped\)/);
      const playlist = await firstBytes(url!, Number.MAX_SAFE_INTEGER);
      expect(playlist.status).toBe(200);
      // The header's guide is fetched into the cache and served by the gateway: the playlist points there.
      const base = url!.replace(/\/playlist\.m3u$/, '');
      expect(run.stderr()).toContain(`guide:    ${base}/epg.xml (from http://guide.example/epg.xml; cached in ${join(dir, 'cache')})`);
      expect(run.stderr()).toContain(`tuner:    ${base} (an HDHomeRun for Plex, Jellyfin and Emby: /discover.json, /lineup.json; 2 channels)`);
      expect(playlist.body.toString()).toMatch(/^#EXTM3U url-tvg="http:\/\/127\.0\.0\.1:\d+\/epg\.xml" x-tvg-url="http:\/\/127\.0\.0\.1:\d+\/epg\.xml"\n#EXTINF:-1,Live News\nhttp:\/\/127\.0\.0\.1:\d+\/channel\/live-news\.ts\n/);
      expect(playlist.body.toString()).toContain('Series One');
      // A change of the file is served without a restart.
      writeFileSync(join(dir, 'tv.m3u'), '#EXTM3U\n#EXTINF:-1,Live News\nacestream://live\n#EXTINF:-1,Sport\nacestream://sport\n#EXTINF:-1,Films\nacestream://films\n');
      await waitForLine(run, /reloaded .*tv\.m3u: 3 channels from 3 entries$/m);
      expect((await firstBytes(url!, Number.MAX_SAFE_INTEGER)).body.toString()).toContain('/channel/films.ts');
      // So is SIGHUP; a file that no longer reads keeps the channels served.
      rmSync(join(dir, 'tv.m3u'));
      await new Promise((r) => setTimeout(r, 500));
      run.child.kill('SIGHUP');
      await waitForLine(run, /kept the channels served: --channels: no such file/);
      expect((await firstBytes(url!, Number.MAX_SAFE_INTEGER)).body.toString()).toContain('/channel/films.ts');
      // A file saved half-way (no channel in it yet) keeps them too.
      writeFileSync(join(dir, 'tv.m3u'), '#EXTM3U\n');
      await waitForLine(run, /kept the 3 channels served: .*tv\.m3u gave none \(0 channels from 0 entries\)/);
      expect((await firstBytes(url!, Number.MAX_SAFE_INTEGER)).body.toString()).toContain('/channel/films.ts');
      expect(run.stderr()).toMatch(new RegExp(`reload: +save .*tv\\.m3u, or kill -HUP ${run.child.pid}`));
      run.child.kill('SIGINT');
      expect(await run.exited).toBe(130);
      expect(run.stderr()).toContain('ace-rx serve: closing');
    } finally {
      run.child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the real command: ace-rx serve --emulate --port 0 --drain 0 prints its URL, serves it, and closes on SIGTERM with exit 143', async () => {
    const dead = await deadPort();
    // --drain 0: SIGTERM closes at once (drain.test.ts shows the default, a drain).
    const child = spawn(ACE_RX[0]!, [...ACE_RX.slice(1), 'serve', '--emulate', '--port', '0', '--engine', `127.0.0.1:${dead}`, '--drain', '0'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ACE_RX_HOST: '', ACE_RX_PORT: '', ACE_RX_PRODUCT_KEY: '' },
    });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stderr!.on('data', (d: Buffer) => {
          stderr += d.toString();
          const match = /play: +(http:\/\/127\.0\.0\.1:\d+\/ace\/getstream\?id=live)/.exec(stderr);
          if (match !== null) resolve(match[1]!);
        });
        void exited.then(() => reject(new Error(`ace-rx serve exited early:\n${stderr}`)));
      });
      const r = await firstBytes(url, 32 * 1024);
      expect(r.status).toBe(200);
      expect(r.body[0]).toBe(0x47);
      child.kill('SIGTERM');
      // As every ace-rx command: SIGTERM is exit 143, after the gateway has closed.
      expect(await exited).toBe(143);
      expect(stderr).toContain('ace-rx serve: closing');
    } finally {
      clearTimeout(kill);
      child.kill('SIGKILL');
    }
  });
});
