/** One line the gateway logs: a viewer joining or leaving, an engine session starting or stopping, a retry, a stream sharing another's engine session, a channel moving to its next source, a drain, an engine found or gone by name. */
export interface GatewayLogEvent {
  /** What happened (`epg-fetch`: a guide fetched; `epg-error`: a guide fetch failed). */
  readonly event: 'viewer-join' | 'viewer-leave' | 'session-start' | 'session-stop' | 'session-retry' | 'session-share' | 'source-failover' | 'engine-down' | 'drain' | 'engine-add' | 'engine-remove' | 'epg-fetch' | 'epg-error';
  /** The content key (`id:<id>` or `infohash:<ih>`), when about a stream. */
  readonly stream?: string;
  /** The engine backend's name. */
  readonly engine?: string;
  /** Why (a leave's or a stop's reason, an error). */
  readonly reason?: string;
  /** The viewer's address. */
  readonly viewer?: string;
  /** The line, ready to print. */
  readonly message: string;
  /** When it happened (ISO 8601). */
  readonly at: string;
}

/** A log event as one line: its ISO 8601 time, then its message. */
export function formatLogEvent(event: GatewayLogEvent): string {
  return `${event.at} ${event.message}`;
}

/** How the rooms of the gateway log: the event's fields and its line; the time is added here. */
export type Log = (event: Omit<GatewayLogEvent, 'message' | 'at'>, message: string) => void;

/** A {@link Log} handing each event, stamped with its time, to `logger` (nothing without one). */
export function makeLog(logger: ((event: GatewayLogEvent) => void) | undefined): Log {
  return (event, message) => logger?.({ ...event, message, at: new Date().toISOString() });
}
