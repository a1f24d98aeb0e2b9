import { Observable, type SchedulerLike, timeout, throwError } from 'rxjs';
import { ConnectionFailed, EngineTimeout } from '../errors.js';

/**
 * The `fetch` the HTTP backend calls: the global one by default, or any function with
 * its shape (a test double, a fetch with a proxy agent, a runtime's own).
 */
export type FetchLike = (url: string, init: { readonly signal: AbortSignal; readonly redirect?: 'follow' | 'manual' }) => Promise<{
  readonly status: number;
  text(): Promise<string>;
}>;

/** An answer of the engine: its HTTP status and body text (the body is parsed whatever the status, spec §4.5). */
export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

/** Where requests go, for the errors they raise. */
export interface RequestTarget {
  readonly fetch: FetchLike;
  readonly host: string;
  readonly port: number;
  readonly scheduler: SchedulerLike;
}

/**
 * One GET as a cold Observable: emits the answer and completes. Unsubscribing aborts the
 * fetch (and its body), so no request outlives its subscriber. A fetch that rejects is a
 * ConnectionFailed; no answer within `ms` is an EngineTimeout naming `what`.
 */
export function get(target: RequestTarget, url: string, what: string, ms: number): Observable<HttpAnswer> {
  return new Observable<HttpAnswer>((subscriber) => {
    const abort = new AbortController();
    let settled = false;
    target
      .fetch(url, { signal: abort.signal, redirect: 'follow' })
      .then(async (response) => ({ status: response.status, body: await response.text() }))
      .then(
        (answer) => {
          settled = true;
          subscriber.next(answer);
          subscriber.complete();
        },
        (error: unknown) => {
          settled = true;
          subscriber.error(new ConnectionFailed(target.host, target.port, error));
        },
      );
    return () => {
      if (!settled) abort.abort();
    };
  }).pipe(timeout({ first: ms, scheduler: target.scheduler, with: () => throwError(() => new EngineTimeout(what, ms)) }));
}
