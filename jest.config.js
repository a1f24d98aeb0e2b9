// Plain JavaScript, so jest reads it without starting ts-node (some 3 s per run).
import { availableParallelism } from 'node:os';

/** @type {import('jest').Config} */
const config = {
  testEnvironment: 'node',
  // Jest's default, one worker fewer than the cores, runs every suite in band on a
  // 2-core machine. Many suites mostly wait (on sockets, on spawned processes, on live
  // media played in real time by ffmpeg and mpv), so more workers than cores overlap them
  // with the CPU-bound property suites: with 63 suites, on 2 cores, the whole suite in CI
  // mode took 149 s with 2 workers, 98 s with 3 and 84 s with 4. With 79 suites (Chromium,
  // HAProxy, more gateways) and 240 s of CPU, 4 workers took 145-156 s and a test of exiting
  // within a second missed by 130 ms; 3 took 142 s. Once the codec's property suites shed
  // a third of their CPU (jest's expect asked only on failure; no fast-check binary-unit
  // table per file), 3 workers left the cores idle a third of the time (131 s, 192 s of
  // CPU) and 4 took 94 s twice (150 s of CPU), every test passing.
  // At most 8: each worker holds its own emulators, gateways and media (a few hundred MB).
  maxWorkers: Math.min(8, Math.max(2, 2 * availableParallelism())),
  // CI runs on shared 2-core machines where a cold start (CLI tests spawning tsx
  // processes beside fast-check runs) can stretch a 1-second test past
  // jest's 5-second default. Tests that wait on the engine set their own deadlines.
  testTimeout: 30_000,
  reporters: ['default', '<rootDir>/scripts/jest-summary-reporter.js'],
  globalSetup: '<rootDir>/scripts/jest-global-setup.js',
  // The long suites first, also in a fresh clone (no timings yet): scripts/jest-sequencer.js.
  testSequencer: '<rootDir>/scripts/jest-sequencer.js',
  roots: ['<rootDir>/packages'],
  testMatch: ['**/test/**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  // Workspace packages resolve to their TypeScript sources, so tests need no build.
  testEnvironmentOptions: { customExportConditions: ['@ace-rx/source', 'node', 'node-addons'] },
  // Sources import siblings as `./x.js` (NodeNext); jest must find `./x.ts`.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  // swc strips the types, file by file (the sources are `isolatedModules`): no
  // type-checking here, `pnpm typecheck` (tsc, strict, sources and tests) does that in CI.
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022', keepClassNames: true },
        module: { type: 'es6' },
        sourceMaps: 'inline',
      },
    ],
  },
};

export default config;
