import { describe, expect, it } from '@jest/globals';
import { ConnectionFailed, ContentError, EngineDisconnected, EngineTimeout, HandshakeRefused, LoadFailed } from '@ace-rx/client';
import { BadTarget, describeMessage, describeProgress, describeStatus, EngineLost, EXIT, exitCodeOf, Interrupted, NotAnEngine, progressLine, statusLine, UsageError, useColor, verdict } from '@ace-rx/cli';

describe('describeStatus', () => {
  it("uses the spec's user-facing wording", () => {
    expect(describeStatus({ state: 'check', progress: 12 })).toBe('Checking 12%');
    expect(describeStatus({ state: 'prebuf', progress: 45, time: 3 })).toBe('Prebuffering 45%');
    expect(describeStatus({ state: 'buf', progress: 90 })).toBe('Buffering 90%');
    expect(describeStatus({ state: 'wait', time: 4 })).toBe('Waiting for sufficient download speed');
    expect(describeStatus({ state: 'err', errorId: 2, errorMessage: 'no seeds' })).toBe('Error 2: no seeds');
    expect(describeStatus({ state: 'dl', peers: 3 })).toBe('');
    expect(describeStatus({ state: 'idle' })).toBe('');
  });

  it('falls back to the state word in watch output', () => {
    expect(describeMessage({ kind: 'STATUS', main: { state: 'dl', peers: 3, speedDown: 7 } })).toBe('STATUS    dl (3 peers, 7 KiB/s)');
    expect(describeProgress({ phase: 'prebuf', percent: 5, peers: 2, speedDown: 9, speedUp: 0, downloaded: 0 })).toBe('prebuf 5% (2 peers, 9 KiB/s)');
  });
});

describe('exitCodeOf', () => {
  it('gives each kind of failure its own code', () => {
    expect(exitCodeOf(new BadTarget('x'))).toBe(EXIT.USAGE);
    expect(exitCodeOf(new ConnectionFailed('h', 1))).toBe(EXIT.NO_ENGINE);
    expect(exitCodeOf(new HandshakeRefused())).toBe(EXIT.HANDSHAKE_REFUSED);
    expect(exitCodeOf(new LoadFailed('x'))).toBe(EXIT.CONTENT_NOT_FOUND);
    expect(exitCodeOf(new ContentError(1, 'x'))).toBe(EXIT.CONTENT_NOT_FOUND);
    expect(exitCodeOf(new EngineTimeout('x', 1))).toBe(EXIT.TIMEOUT);
    expect(exitCodeOf(new EngineDisconnected())).toBe(EXIT.DISCONNECTED);
    expect(exitCodeOf(new UsageError('x'))).toBe(EXIT.USAGE);
    expect(exitCodeOf(new EngineLost('x'))).toBe(EXIT.DISCONNECTED);
    expect(exitCodeOf(new NotAnEngine('h', 1, 'it answered HTTP'))).toBe(EXIT.NOT_AN_ENGINE);
    expect(exitCodeOf(new Interrupted('SIGINT'))).toBe(130);
    expect(exitCodeOf(new Interrupted('SIGTERM'))).toBe(143);
    expect(exitCodeOf(new Error('x'))).toBe(EXIT.FAILURE);
    expect(new Set(Object.values(EXIT)).size).toBe(Object.values(EXIT).length);
  });
});

describe('what a terminal shows', () => {
  it('keeps the percentage of the progress bar in a 50-column terminal', () => {
    for (const columns of [50, 30, 20, 80, 200]) {
      const line = progressLine({ phase: 'prebuf', percent: 45, peers: 12, speedDown: 1234 }, columns);
      expect(line.length).toBeLessThanOrEqual(columns - 1);
      expect(line).toContain('45%');
    }
    expect(progressLine({ phase: 'prebuf', percent: 50, peers: 1, speedDown: 2 }, 80)).toMatch(/\[#+-+\]/);
  });

  it('shows state, peers and speed while playing, buffering… between PAUSE and RESUME, and bytes with --output', () => {
    expect(statusLine({ state: 'dl', peers: 5, speedDown: 120, buffering: false }, 80)).toBe('playing · engine: dl · 5 peers · 120 KiB/s');
    expect(statusLine({ state: 'buf', peers: 5, speedDown: 120, buffering: true }, 80)).toMatch(/^buffering…/);
    expect(statusLine({ state: 'dl', peers: 1, speedDown: 2, buffering: false, written: 3 * 1024 * 1024, rate: 1024 * 1024 }, 120)).toContain('3.0 MiB written · 1.0 MiB/s');
    expect(statusLine({ state: 'dl', peers: 1, speedDown: 2, buffering: false }, 20).length).toBeLessThanOrEqual(19);
  });

  it('honours NO_COLOR, and colours only a terminal', () => {
    expect(useColor({}, true)).toBe(true);
    expect(useColor({ NO_COLOR: '1' }, true)).toBe(false);
    expect(useColor({}, false)).toBe(false);
  });
});

describe('verdict: is it an engine?', () => {
  it('tells the TCP API from an HTTP server or another protocol from the first line', () => {
    expect(verdict('HELLOTS version=3.1.16 key=abc\r\n')).toBe('engine');
    expect(verdict('HELLOTS\r\n')).toBe('engine');
    expect(verdict('HTTP/1.1 400 Bad Request\r\n')).toBe('it answered HTTP');
    expect(verdict('HTT')).toBeUndefined();
    expect(verdict('HELLO')).toBeUndefined();
    expect(verdict('SSH-2.0-OpenSSH\r\n')).toBe('it sent bytes that are not this protocol');
  });
});
