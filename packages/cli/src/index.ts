/**
 * `@ace-rx/cli`: the pieces of the `ace-rx` command, for reuse and tests.
 *
 * @packageDocumentation
 */
export { info, play, watch, type Io, type PlayOptions } from './commands.js';
export { openEngine, type EngineOptions, type OpenSession } from './engine.js';
export { EXIT, exitCodeOf } from './exit-codes.js';
export { describeMessage, describeProgress, describeStatus } from './format.js';
export { BadTarget, parseTarget, type TargetKind } from './target.js';
