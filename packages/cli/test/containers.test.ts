// `ace-rx play` against an engine in a container: the engine writes a host the user's
// machine cannot reach (here `engine.invalid`, a name that never resolves) into its URLs;
// the URL ace-rx prints, and probes, is on the host and HTTP port it reached the engine at.
import { afterEach, describe, expect, it } from '@jest/globals';
import type { Emulator } from '@ace-rx/emulator';
import { ace, fastEmulator } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const writtenStart = (e: Emulator) => e.sessions.flatMap((s) => s.transcript.filter((t) => t.direction === '<<' && t.line.startsWith('START')).map((t) => decodeURIComponent(t.line)));

describe('ace-rx play, an engine writing engine.invalid into its URLs', () => {
  it('prints the URL rewritten onto the host it reached, over the TCP and the HTTP API, and fetches from it', async () => {
    const e = await fastEmulator(cleanups, { advertiseHost: 'engine.invalid' });
    const [tcp, http] = await Promise.all([
      ace(['--port', String(e.port), '--api', 'tcp', 'play', 'series', '--probe', '4KiB']),
      ace(['--api', 'http', '--http-port', String(e.httpPort), 'play', 'series', '--probe', '4KiB']),
    ]);
    // The engine did write the name that never resolves.
    expect(writtenStart(e).some((line) => line.includes(`url=http://engine.invalid:${e.httpPort}/content/`))).toBe(true);
    expect([tcp.code, tcp.stderr]).toEqual([0, expect.stringContaining('fetched 4096 bytes (HTTP 206')]);
    expect(tcp.stdout).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${e.httpPort}/content/[0-9a-f]{40}/\\S+\\n$`));
    expect([http.code, http.stderr]).toEqual([0, expect.stringContaining('fetched 4096 bytes (HTTP 206')]);
    expect(http.stdout).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${e.httpPort}/ace/r/[0-9a-f]{40}/[0-9a-f]+\\n$`));
    for (const run of [tcp, http]) expect(run.stdout + run.stderr).not.toContain('engine.invalid');
  }, 60_000);
});
