// The order the suites start in. The machine is busy throughout a run (the suite is
// CPU-bound on two cores), so what decides its end is which long suites start last: a
// 30-second suite started near the end keeps one worker busy alone. Jest's own order
// needs timings from an earlier run (a fresh clone, as in CI, has none) and falls back to
// file size, which put the codec's property suite, 30 s long, 71st of 79. Here the suites
// known to take long start first, in this order; the others follow, largest first.
import { statSync } from 'node:fs';
import { relative } from 'node:path';

/**
 * The longest suites (wall time in CI mode, slowest first, as measured with three workers),
 * by path from the root. Not re-sorted by later timings on purpose: this order starts two
 * CPU-bound codec property suites beside the suites that mostly wait: three fresh-clone
 * runs of the README's command took 90, 93 and 97 s (CPU 141-155 s), where the order of
 * four-worker timings (the waiting suites first, the codec's later) took 114 and 118 s
 * (CPU 191-195 s) on the same tests.
 */
const LONG = [
  'packages/codec/test/http.test.ts',
  'packages/codec/test/properties.test.ts',
  'packages/gateway/test/hls.test.ts',
  'packages/codec/test/stream.test.ts',
  'packages/cli/test/user.test.ts',
  'packages/emulator/test/robustness.test.ts',
  'packages/gateway/test/dashboard.test.ts',
  'packages/cli/test/serve.test.ts',
  'packages/gateway/test/gateway.test.ts',
  'packages/cli/test/cli.test.ts',
  'packages/codec/test/attack.test.ts',
  'packages/codec/test/mpegts-properties.test.ts',
  'packages/gateway/test/players.test.ts',
  'packages/gateway/test/containers.test.ts',
  'packages/gateway/test/channels.test.ts',
  'packages/cli/test/api.test.ts',
  'packages/codec/test/encode.test.ts',
  'packages/emulator/test/http-api.test.ts',
  'packages/gateway/test/films.test.ts',
  'packages/client/test/consumer-types.test.ts',
];

/** A jest test sequencer (the interface of `@jest/test-sequencer`), without its timing cache. */
export default class LongFirstSequencer {
  constructor({ globalConfig }) {
    this.root = globalConfig.rootDir;
  }

  /** Long suites first (in {@link LONG}'s order), then the others, largest file first. */
  sort(tests) {
    const rank = (test) => {
      const at = LONG.indexOf(relative(this.root, test.path).split('\\').join('/'));
      return at === -1 ? LONG.length : at;
    };
    const size = (test) => statSync(test.path, { throwIfNoEntry: false })?.size ?? 0;
    return [...tests].sort((a, b) => rank(a) - rank(b) || size(b) - size(a) || (a.path < b.path ? -1 : 1));
  }

  /** The tests of one shard (`--shard i/n`), the same set in every run. */
  shard(tests, { shardIndex, shardCount }) {
    const sorted = [...tests].sort((a, b) => (a.path < b.path ? -1 : 1));
    const size = Math.ceil(sorted.length / shardCount);
    return sorted.slice(size * (shardIndex - 1), size * shardIndex);
  }

  /** `--onlyFailures`: no record of failures is kept, so every test. */
  allFailedTests(tests) {
    return this.sort(tests);
  }

  /** Nothing is kept between runs. */
  cacheResults() {}
}
