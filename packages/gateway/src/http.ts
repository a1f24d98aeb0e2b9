import type { ServerResponse } from 'node:http';
import { AtCapacity, type GatewayError } from './errors.js';

/** Answers with a JSON body (never cached); does nothing once the headers went out or the viewer left. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
  res.end(JSON.stringify(body) + '\n');
}

/** Answers a {@link GatewayError} with its status and `{ error, message }` (and `limit` for {@link AtCapacity}). */
export function sendError(res: ServerResponse, error: GatewayError): void {
  sendJson(res, error.status, { error: error.code, message: error.message, ...(error instanceof AtCapacity ? { limit: error.limit } : {}) });
}

/** `decodeURIComponent`, with a malformed escape (`%ZZ`) as `undefined` rather than a throw. */
export function decodeOrUndefined(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** The message of anything thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
