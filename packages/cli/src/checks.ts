import type { EngineApi } from '@ace-rx/client';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { UsageError } from './exit-codes.js';

/** The `--player` names ace-rx knows; anything else is a command the URL is appended to. */
export const PLAYERS: Readonly<Record<string, readonly string[]>> = { mpv: ['mpv'], vlc: ['vlc'] };

/**
 * Where `--output` will write, resolved from `cwd`: checked before anything is sent, so
 * that a path that cannot be written fails at once, not after the prebuffer.
 */
export function checkOutput(path: string, cwd: string): string {
  if (path.trim() === '') throw new UsageError('--output: an empty path');
  const full = resolve(cwd, path);
  let stats;
  try {
    stats = statSync(full);
  } catch {
    stats = undefined;
  }
  if (stats?.isDirectory()) throw new UsageError(`--output: ${path} is a directory`);
  const writable = (p: string) => {
    try {
      accessSync(p, constants.W_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (stats !== undefined) {
    if (!writable(full)) throw new UsageError(`--output: cannot write ${path}`);
    return full;
  }
  const parent = dirname(full);
  let parentStats;
  try {
    parentStats = statSync(parent);
  } catch {
    throw new UsageError(`--output: no such directory: ${parent}`);
  }
  if (!parentStats.isDirectory()) throw new UsageError(`--output: not a directory: ${parent}`);
  if (!writable(parent)) throw new UsageError(`--output: cannot write in ${parent}`);
  return full;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The `--player` command and its arguments, with the command found (on `PATH`, or as a
 * path from `cwd`) before anything is sent.
 */
export function findPlayer(player: string, cwd: string, env: NodeJS.ProcessEnv = process.env): readonly string[] {
  const [command, ...args] = PLAYERS[player] ?? player.split(' ').filter(Boolean);
  if (command === undefined) throw new UsageError('--player: an empty command');
  if (command.includes('/')) {
    const full = isAbsolute(command) ? command : resolve(cwd, command);
    if (!executable(full)) throw new UsageError(`--player: no such executable: ${command}`);
    return [full, ...args];
  }
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (dir !== '' && executable(join(dir, command))) return [command, ...args];
  }
  throw new UsageError(`--player: ${command} is not on PATH`);
}

/** A port from a flag or `ACE_RX_PORT`: an integer 1–65535. */
export function parsePort(value: string, where: string): number {
  const n = Number(value.trim());
  if (value.trim() === '' || !Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`${where} must be a port number (1-65535), got ${JSON.stringify(value)}`);
  return n;
}

/** `--timeout`: a positive number of milliseconds. */
export function parseTimeout(value: string): number {
  const n = Number(value.trim());
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`--timeout must be a positive number of milliseconds, got ${JSON.stringify(value)}`);
  return n;
}

/** `--api` or `ACE_RX_API`: `tcp`, `http` or `auto`. */
export function parseApi(value: string, where: string): EngineApi {
  const api = value.trim().toLowerCase();
  if (api !== 'tcp' && api !== 'http' && api !== 'auto') throw new UsageError(`${where} must be tcp, http or auto, got ${JSON.stringify(value)}`);
  return api;
}
