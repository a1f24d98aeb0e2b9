import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  // CI runs on shared 2-core machines where a cold start (ts-jest compiling, CLI tests
  // spawning tsx processes beside fast-check runs) can stretch a 1-second test past
  // jest's 5-second default. Tests that wait on the engine set their own deadlines.
  testTimeout: 30_000,
  reporters: ['default', '<rootDir>/scripts/jest-summary-reporter.js'],
  roots: ['<rootDir>/packages'],
  testMatch: ['**/test/**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  // Workspace packages resolve to their TypeScript sources, so tests need no build.
  testEnvironmentOptions: { customExportConditions: ['@ace-rx/source', 'node', 'node-addons'] },
  // Sources import siblings as `./x.js` (NodeNext); jest must find `./x.ts`.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.test.json' }],
  },
};

export default config;
