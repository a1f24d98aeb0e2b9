// A deliberately plain client for testing the emulator from the socket side: raw
// bytes, split on \r\n by hand, no ace-rx client code.
import { connect, type Socket } from 'node:net';
import { decodeEngineMessage, type EngineMessage } from '@ace-rx/codec';

export class RawClient {
  /** Every complete line received, in order. */
  readonly lines: string[] = [];
  /** Every data chunk received, as its byte length. */
  readonly chunkSizes: number[] = [];
  readonly closed: Promise<void>;
  private pending = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  private read = 0;
  isClosed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.chunkSizes.push(chunk.length);
      this.pending = Buffer.concat([this.pending, chunk]);
      for (let at = this.pending.indexOf('\r\n'); at !== -1; at = this.pending.indexOf('\r\n')) {
        this.lines.push(this.pending.subarray(0, at).toString('utf8'));
        this.pending = this.pending.subarray(at + 2);
      }
      this.wake();
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.isClosed = true;
        this.wake();
        resolve();
      }),
    );
    socket.on('error', () => undefined);
  }

  static async connect(port: number): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  send(line: string): void {
    this.socket.write(line + '\r\n');
  }

  /** The next unread line, waiting up to `timeoutMs`. */
  async next(timeoutMs = 2000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.read >= this.lines.length) {
      if (this.isClosed) throw new Error(`connection closed; lines so far:\n${this.lines.join('\n')}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no line within ${timeoutMs} ms; lines so far:\n${this.lines.join('\n')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.lines[this.read++]!;
  }

  /** The next unread message, decoded with the (separately tested) codec. */
  async message(timeoutMs = 2000): Promise<EngineMessage> {
    const line = await this.next(timeoutMs);
    const decoded = decodeEngineMessage(line);
    if (decoded._tag === 'Left') throw new Error(`undecodable line from the emulator: ${decoded.left.message}`);
    return decoded.right;
  }

  /** Reads messages until one satisfies `done`; returns all of them, that one last. */
  async until(done: (m: EngineMessage) => boolean, timeoutMs = 3000): Promise<EngineMessage[]> {
    const seen: EngineMessage[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const message = await this.message(Math.max(1, deadline - Date.now()));
      seen.push(message);
      if (done(message)) return seen;
    }
  }

  /** Lines that arrive within `ms` (for asserting silence). */
  async linesWithin(ms: number): Promise<string[]> {
    const from = this.read;
    await new Promise((resolve) => setTimeout(resolve, ms));
    this.read = this.lines.length;
    return this.lines.slice(from);
  }

  close(): void {
    this.socket.destroy();
  }
}
