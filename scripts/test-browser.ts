// `pnpm test:browser`: the codec's browser suite in headless Chromium (Debian's
// `chromium`, driven by playwright-core). Fails on any failed test, or if none ran.
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

const executablePath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

const bundle = await build({
  entryPoints: ['packages/codec/test/browser/suite.ts'],
  bundle: true,
  write: false,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  conditions: ['@ace-rx/source'],
  logLevel: 'error',
});
const code = bundle.outputFiles[0]!.text;
if (/\brequire\(["']node:|from ["']node:/.test(code)) throw new Error('the browser bundle pulls in a Node built-in');

const browser = await chromium.launch({
  executablePath,
  headless: true,
  // What this closed network needs: no sandbox as root, no background traffic.
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failed = 1;
try {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.addScriptTag({ content: code });
  const results = await page.evaluate(() => (globalThis as unknown as { __aceRxResults?: { passed: number; failed: number; failures: string[]; userAgent: string } }).__aceRxResults);
  if (results === undefined) throw new Error(`the suite did not run: ${errors.join('; ') || 'no results'}`);
  console.log(`codec browser suite in ${results.userAgent}`);
  for (const failure of results.failures) console.log(`  ✕ ${failure}`);
  console.log(`${results.passed} passed, ${results.failed} failed`);
  failed = results.failed > 0 || results.passed === 0 || errors.length > 0 ? 1 : 0;
  for (const error of errors) console.log(`  page error: ${error}`);
} finally {
  await browser.close();
}
process.exit(failed);
