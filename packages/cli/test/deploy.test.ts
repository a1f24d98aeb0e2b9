// deploy/: what can be checked here is checked. HAProxy's and nginx's own checks on their
// configs (skipped, saying so, when the tool is missing; .ci/run installs both), and every
// `ace-rx serve` flag the Dockerfile, compose file, Kubernetes manifests and systemd unit
// pass is one `ace-rx serve --help` lists. No image is built or pulled here.
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ace, root } from './helpers.js';

const deploy = (file: string) => join(root, 'deploy', file);
const has = (tool: string) => spawnSync(tool, ['-v']).status === 0;
const haproxy = has('haproxy');
const nginx = has('nginx');
if (!haproxy) console.warn('deploy.test.ts: haproxy -c skipped: no haproxy (apt-get install haproxy)');
if (!nginx) console.warn('deploy.test.ts: nginx -t skipped: no nginx (apt-get install nginx)');

describe('deploy/', () => {
  (haproxy ? it : it.skip)('haproxy -c accepts haproxy.cfg, with its defaults and with addresses from the environment', () => {
    const env = { ...process.env, ACE_RX_BIND: '127.0.0.1:16880', ACE_RX_GATEWAY1: '127.0.0.1:16881', ACE_RX_GATEWAY2: '127.0.0.1:16882', ACE_RX_CHECK_INTER: '500ms', ACE_RX_MAXCONN: '1000' };
    const filled = spawnSync('haproxy', ['-c', '-f', deploy('haproxy.cfg')], { env, encoding: 'utf8' });
    expect({ code: filled.status, out: filled.stdout + filled.stderr }).toEqual({ code: 0, out: expect.stringContaining('Configuration file is valid') });
    expect(filled.stderr).not.toMatch(/WARNING|ALERT/);
    // The defaults (compose's names, which do not resolve here: servers start disabled, a warning only).
    const defaults = spawnSync('haproxy', ['-c', '-f', deploy('haproxy.cfg')], { env: { ...process.env, ACE_RX_MAXCONN: '1000' }, encoding: 'utf8' });
    expect(defaults.status).toBe(0);
    expect(defaults.stderr).not.toMatch(/ALERT/);
    const text = readFileSync(deploy('haproxy.cfg'), 'utf8');
    for (const line of ['balance url_param id', 'hash-type consistent', 'option httpchk GET /healthz', 'timeout tunnel 1h', 'option forwardfor', 'http-request del-header Forwarded', 'balance hash var(txn.channel)']) expect(text).toContain(line);
  });

  (nginx ? it : it.skip)('nginx -t accepts nginx.conf (with the gateways at 127.0.0.1: compose\'s names resolve only inside compose)', () => {
    const prefix = mkdtempSync(join(tmpdir(), 'ace-rx-nginx-'));
    try {
      const text = readFileSync(deploy('nginx.conf'), 'utf8');
      expect(text).toContain('hash $arg_id$arg_infohash$ace_rx_channel consistent;');
      expect(text).toContain('proxy_set_header Forwarded "";');
      writeFileSync(join(prefix, 'nginx.conf'), text.replace(/\bgateway(\d):6880\b/g, '127.0.0.$1:6880'));
      const r = spawnSync('nginx', ['-t', '-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', 'stderr'], { encoding: 'utf8' });
      expect({ code: r.status, out: r.stderr }).toEqual({ code: 0, out: expect.stringContaining('test is successful') });
    } finally {
      rmSync(prefix, { recursive: true, force: true });
    }
  });

  it('every ace-rx serve flag the Dockerfile, compose.yaml, k8s/ and the systemd unit pass is one serve knows', async () => {
    const help = await ace(['serve', '--help']);
    expect(help.code).toBe(0);
    const known = new Set(help.stdout.match(/--[a-z][a-z-]+/g));
    const files = ['Dockerfile', 'compose.yaml', 'k8s/gateway.yaml', 'systemd/ace-rx.service'];
    for (const file of files) {
      const text = readFileSync(deploy(file), 'utf8');
      // Flags inside the command lines only: JSON-ish arrays and the ExecStart line.
      const commands = [...text.matchAll(/\[("--[^\]]*)\]|ExecStart=(.*)|ENTRYPOINT (\[.*\])/g)].map((m) => m[1] ?? m[2] ?? m[3]!).join(' ');
      const used = commands.match(/--[a-z][a-z-]+/g) ?? [];
      expect({ file, used: used.length > 0 }).toEqual({ file, used: true });
      for (const flag of used) expect({ file, flag, known: known.has(flag) }).toEqual({ file, flag, known: true });
    }
  });
});
