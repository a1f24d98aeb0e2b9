/**
 * `@ace-rx/cli`: the pieces of the `ace-rx` command, for reuse and tests.
 *
 * @packageDocumentation
 */
export { checkOutput, findPlayer, parseApi, parsePort, parseTimeout, PLAYERS } from './checks.js';
export { info, play, until, watch, type PlayOptions } from './commands.js';
export { openEngine, verdict, type EngineOptions, type OpenHooks, type OpenSession } from './engine.js';
export { EngineLost, EXIT, exitCodeOf, Interrupted, NotAnEngine, PortInUse, UsageError } from './exit-codes.js';
export { bytes, describeMessage, describeProgress, describeStatus, progressLine, statusLine, type LiveStatus } from './format.js';
export { humanReporter, jsonReporter, useColor, type Io, type PlayEvent, type Reporter } from './report.js';
export { BadTarget, base32ToHex, parseTarget, resolveTarget, TARGET_KINDS, userDirectory, type ResolveOptions, type TargetKind } from './target.js';
