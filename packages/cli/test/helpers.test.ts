import { describe, expect, it } from '@jest/globals';
import { ConnectionFailed, ContentError, EngineDisconnected, EngineTimeout, HandshakeRefused, LoadFailed } from '@ace-rx/client';
import { BadTarget, describeMessage, describeProgress, describeStatus, EXIT, exitCodeOf } from '@ace-rx/cli';

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
    expect(exitCodeOf(new Error('x'))).toBe(EXIT.FAILURE);
    expect(new Set(Object.values(EXIT)).size).toBe(Object.values(EXIT).length);
  });
});
