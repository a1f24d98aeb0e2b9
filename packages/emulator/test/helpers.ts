import { readyKey, type EngineMessage } from '@ace-rx/codec';
import { DEFAULT_PRODUCT_KEY, startEmulator, type Emulator, type EmulatorOptions } from '@ace-rx/emulator';
import { RawClient } from './raw-client.js';

/** Milliseconds, not seconds: every flow of a test runs in a blink. */
export const FAST = {
  statusIntervalMs: 5,
  prebufferMs: 40,
  loadDelayMs: 5,
  bufferingAfterMs: 25,
  bufferingMs: 25,
  livePosIntervalMs: 10,
};

export function fastEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  return startEmulator({ ...options, timing: { ...FAST, ...options.timing } });
}

/**
 * Sends HELLOBG and answers HELLOTS with the right READY, without waiting for AUTH
 * (for faults that may never let it come). Returns the HELLOTS.
 */
export async function sendHello(client: RawClient, hello = 'HELLOBG version=4'): Promise<EngineMessage> {
  client.send(hello);
  const hellots = await client.message();
  if (hellots.kind !== 'HELLOTS') throw new Error(`expected HELLOTS, got ${hellots.kind}`);
  client.send(hellots.key === undefined ? 'READY' : `READY key=${readyKey(hellots.key, DEFAULT_PRODUCT_KEY)}`);
  return hellots;
}

/** Connects and completes the handshake; returns the client and the HELLOTS. */
export function handshake(engine: Emulator, hello = 'HELLOBG version=4'): Promise<{ client: RawClient; hello: EngineMessage }> {
  return handshakeOn(engine.port, hello);
}

/** {@link handshake} with an engine on `port`. */
export async function handshakeOn(port: number, hello = 'HELLOBG version=4'): Promise<{ client: RawClient; hello: EngineMessage }> {
  const client = await RawClient.connect(port);
  const hellots = await sendHello(client, hello);
  const auth = await client.message();
  if (auth.kind !== 'AUTH') throw new Error(`expected AUTH, got ${auth.kind}`);
  return { client, hello: hellots };
}

/** The playback URL of a message that announces one, else undefined. */
export function urlOf(message: EngineMessage): string | undefined {
  switch (message.kind) {
    case 'PLAY':
    case 'PLAYAD':
    case 'PLAYADI':
    case 'START':
      return message.url;
    default:
      return undefined;
  }
}

export const isPlayback = (m: EngineMessage) => urlOf(m) !== undefined;
