// What a START leads to, read from the engine's messages: one mapping for both backends
// (the HTTP backend turns its stat polls into the same TCP-shaped messages).
import type { EngineMessage } from '@ace-rx/codec';
import { concatMap, EMPTY, endWith, type Observable, of, type OperatorFunction, pipe, takeWhile, tap, throwError } from 'rxjs';
import { ContentError } from './errors.js';
import { toProgress } from './operators.js';
import type { StartEvent } from './session.js';

/**
 * Turns the messages that follow a START into its {@link StartEvent}s: progress, ads,
 * then the main playback URL, after which it completes. `STATUS main:err` and an engine
 * STOP before playback fail with `ContentError`; messages that end before playback fail
 * with `endedBefore()`. `url` maps each URL the engine writes to the one a player opens.
 */
export function startEvents(url: (engineUrl: string) => string, endedBefore: () => unknown): OperatorFunction<EngineMessage, StartEvent> {
  let playing = false;
  return pipe(
    concatMap((m): Observable<StartEvent> => {
      switch (m.kind) {
        case 'STATUS':
          if (m.main.state === 'err') return throwError(() => new ContentError(m.main.state === 'err' ? m.main.errorId : undefined, (m.main as { errorMessage?: string }).errorMessage ?? 'unknown error'));
          return of({ type: 'progress', progress: toProgress(m.main) });
        case 'PLAYAD':
        case 'PLAYADI':
          return of({ type: 'ad', url: url(m.url), skippable: m.kind === 'PLAYADI' });
        case 'PLAY':
          return of({ type: 'playing', url: url(m.url), live: false });
        case 'START':
          if (m.ad) return of({ type: 'ad', url: url(m.url), skippable: m.interruptable === true });
          return of({ type: 'playing', url: url(m.url), live: m.stream === true, ...('infohash' in m && m.infohash !== undefined ? { infohash: m.infohash } : {}) });
        case 'STOP':
          return throwError(() => new ContentError(undefined, 'the engine stopped the content before playback'));
        default:
          return EMPTY;
      }
    }),
    takeWhile((event) => event.type !== 'playing', true),
    endWith(null),
    // The messages ended: fine after the main URL, a lost or closed session before it.
    concatMap((event) => (event !== null ? of(event) : playing ? EMPTY : throwError(endedBefore))),
    tap((event) => {
      if (event.type === 'playing') playing = true;
    }),
  );
}
