import type { EngineMessage, LivePos, PlaybackEvent } from '@ace-rx/codec';
import { concat, concatMap, defer, EMPTY, endWith, finalize, Observable, of, Subscription, tap, throwError, type ObservableInput } from 'rxjs';
import { ContentError, EngineDisconnected } from './errors.js';
import { toProgress, type PrebufferProgress } from './operators.js';
import type { EngineInfo, StartEvent, StartTarget } from './session.js';

/**
 * What both backends offer: the TCP `EngineSession` and the HTTP `HttpEngineSession`
 * both fit it, so code written against it runs on either.
 */
export interface PlaybackSession {
  /** Engine messages (TCP) or their equivalents made from stat polls (HTTP); hot. */
  readonly messages$: Observable<EngineMessage>;
  /** What the engine said of itself. */
  readonly engine: EngineInfo;
  /** Starts the content: `progress`, `ad` (TCP only), then `playing`, and completes. */
  start(target: StartTarget, fileIndexes?: readonly number[]): Observable<StartEvent>;
  /** Stops what plays. */
  stop(): Observable<void>;
  /** Seeks a live stream to a position from `livepos`. */
  liveSeek(position: number): Observable<void>;
  /** Reports playback progress (TCP only: `100` on an ad lets the main video start). */
  playback?(url: string, event: PlaybackEvent): Observable<void>;
}

/**
 * What {@link play} emits: the {@link StartEvent}s (`progress`, `ad`, then `playing`
 * once), then, while it plays, `status` for each engine status, `buffering`/`resumed`
 * around rebuffering, and `livepos` for live streams.
 */
export type PlayEvent =
  | StartEvent
  | { readonly type: 'status'; readonly progress: PrebufferProgress }
  | { readonly type: 'buffering' }
  | { readonly type: 'resumed' }
  | { readonly type: 'livepos'; readonly position: LivePos };

/** Options of {@link playOn}. */
export interface PlayOnOptions {
  /** File indexes to play (default `[0]`). */
  readonly fileIndexes?: readonly number[];
  /**
   * Whether to report each ad as watched (`PLAYBACK <ad> 100`) as soon as it is announced,
   * so the main video follows at once (default `true`). With `false` the `ad` events are
   * yours to play and acknowledge; on the HTTP API there are no ads.
   */
  readonly skipAds?: boolean;
}

/**
 * {@link play} on a session already open: cold; subscribing starts `target`,
 * unsubscribing (or an error, or the engine ending it) stops it. The session stays open.
 * Errors: `ContentError` (the content failed, or the engine stopped it), `LoadFailed`,
 * `EngineTimeout`, `EngineDisconnected`, as the session's `start` raises them.
 * Ending the stream (`take`, `firstValueFrom`, ...) is unsubscribing, so it stops the
 * content too. One `playOn` at a time per session: a new one may follow the end of the
 * previous (on TCP its START waits for the engine's `STATE 0` answer to the STOP), but
 * the end of an older one still running would stop what a newer one plays.
 *
 * @example
 * ```ts
 * connect({ productKey }).pipe(switchMap((session) => playOn(session, { type: 'PID', playerId: 'series' })))
 * ```
 */
export function playOn(session: PlaybackSession, target: StartTarget, options: PlayOnOptions = {}): Observable<PlayEvent> {
  return defer(() => {
    let started = false;
    const skipAds = options.skipAds ?? true;
    const start = session.start(target, options.fileIndexes ?? [0]).pipe(
      tap({ subscribe: () => (started = true) }),
      concatMap((event): ObservableInput<PlayEvent> => {
        if (event.type === 'ad' && skipAds && session.playback !== undefined) {
          return concat(of(event), session.playback(event.url, 100).pipe(concatMap(() => EMPTY)));
        }
        return of(event);
      }),
    );
    // Subscribed in the same pass as `playing` arrives, so no later message slips by.
    const playing = session.messages$.pipe(
      concatMap((m): ObservableInput<PlayEvent> => {
        switch (m.kind) {
          case 'STATUS':
            if (m.main.state === 'err') return throwError(() => new ContentError(m.main.state === 'err' ? m.main.errorId : undefined, (m.main as { errorMessage?: string }).errorMessage ?? 'unknown error'));
            return of({ type: 'status', progress: toProgress(m.main) });
          case 'PAUSE':
            return of({ type: 'buffering' });
          case 'RESUME':
            return of({ type: 'resumed' });
          case 'EVENT':
            return m.name === 'livepos' ? of({ type: 'livepos', position: (m as Extract<EngineMessage, { kind: 'EVENT'; name: 'livepos' }>).params }) : EMPTY;
          case 'STOP':
            return throwError(() => new ContentError(undefined, 'the engine stopped the content'));
          default:
            return EMPTY;
        }
      }),
      // The messages end only with the session: while playing, that is a lost engine.
      endWith(null),
      concatMap((event) => (event === null ? throwError(() => new EngineDisconnected('the session ended while playing')) : of(event))),
    );
    return concat(start, playing).pipe(
      finalize(() => {
        if (started) session.stop().subscribe({ error: () => undefined });
      }),
    );
  });
}

/**
 * Runs `inner` on the session `open$` emits, tearing down in order: first `inner`
 * (which stops the content), then the session (TCP `SHUTDOWN`, HTTP close).
 */
export function withSession<S, T>(open$: Observable<S>, inner: (session: S) => Observable<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    const running = new Subscription();
    let opened = false;
    const connection = open$.subscribe({
      next: (session) => {
        if (opened) return;
        opened = true;
        // A plain observer, not `subscriber` itself: its teardown must stay `running`'s.
        running.add(
          inner(session).subscribe({
            next: (value) => subscriber.next(value),
            error: (error: unknown) => subscriber.error(error),
            complete: () => subscriber.complete(),
          }),
        );
      },
      error: (error: unknown) => subscriber.error(error),
      complete: () => {
        if (!opened) subscriber.complete();
      },
    });
    return () => {
      running.unsubscribe();
      connection.unsubscribe();
    };
  });
}
