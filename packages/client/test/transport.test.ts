// A transport of one's own: connect() over an in-memory engine, no socket at all. This
// is what another runtime (a browser, Bun, a bridge) plugs in.
import { describe, expect, it } from '@jest/globals';
import { createConnect, startSource, toProgress, type Transport, type TransportFactory } from '@ace-rx/client';
import { decodeClientMessage, encodeEngineMessage, encodeFrame, type EngineMessage } from '@ace-rx/codec';
import { firstValueFrom, Observable, Subject } from 'rxjs';

/** An engine in memory: answers HELLOBG, READY and GETPID; records what it got. */
function memoryEngine(received: string[]): TransportFactory {
  return () =>
    new Observable<Transport>((subscriber) => {
      const data$ = new Subject<Uint8Array>();
      const reply = (m: EngineMessage) => queueMicrotask(() => data$.next(encodeFrame(encodeEngineMessage(m))));
      subscriber.next({
        data$,
        send: (bytes) => {
          const line = new TextDecoder().decode(bytes).replace(/\r\n$/, '');
          received.push(line);
          const decoded = decodeClientMessage(line);
          if (decoded._tag !== 'Right') return;
          if (decoded.right.kind === 'HELLOBG') reply({ kind: 'HELLOTS', version: '9.9', httpPort: 1234 });
          if (decoded.right.kind === 'READY') reply({ kind: 'AUTH', level: 0 });
          if (decoded.right.kind === 'GETPID') reply({ kind: 'SYNC', payload: 'pid-in-memory' });
        },
        close: () => data$.complete(),
      });
    });
}

describe('createConnect with a custom transport', () => {
  it('speaks the protocol over whatever carries the bytes', async () => {
    const received: string[] = [];
    const connect = createConnect(memoryEngine(received));
    let session;
    const subscription = connect({ host: 'memory', port: 1 }).subscribe((s) => (session = s));
    await new Promise((r) => setTimeout(r, 10));
    expect(session!.engine).toEqual({ version: '9.9', httpPort: 1234, authLevel: 0, host: 'memory' });
    expect(await firstValueFrom(session!.getPid('a'.repeat(40)))).toBe('pid-in-memory');
    subscription.unsubscribe();
    expect(received).toEqual(['HELLOBG version=4', 'READY', `GETPID ${'a'.repeat(40)} 0 0 0`, 'SHUTDOWN']);
  });

  it('refuses to guess a transport the runtime does not have', async () => {
    await expect(firstValueFrom(createConnect()({}))).rejects.toThrow('no transport');
  });
});

describe('small helpers', () => {
  it('startSource fills partner ids with 0 and leaves EFILE without indexes', () => {
    expect(startSource({ type: 'INFOHASH', infohash: 'x', developerId: 5, affiliateId: 0, zoneId: 0 }, [2])).toEqual({
      type: 'INFOHASH',
      infohash: 'x',
      fileIndexes: [2],
      developerId: 5,
      affiliateId: 0,
      zoneId: 0,
    });
    expect(startSource({ type: 'EFILE', url: 'u' })).toEqual({ type: 'EFILE', url: 'u' });
    expect(startSource({ type: 'URL', url: 'u' })).toEqual({ type: 'URL', url: 'u', fileIndexes: [0], developerId: 0, affiliateId: 0, zoneId: 0 });
  });

  it('toProgress reads 100% once downloading and the name of unknown states', () => {
    expect(toProgress({ state: 'dl', peers: 2 })).toEqual({ phase: 'dl', percent: 100, peers: 2, speedDown: 0, speedUp: 0, downloaded: 0 });
    expect(toProgress({ state: 'unknown', name: 'future', fields: [] }).phase).toBe('future');
    expect(toProgress({ state: 'wait', time: 7 })).toMatchObject({ percent: 0, timeLeft: 7 });
  });
});
