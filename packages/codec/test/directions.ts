// The two directions of the protocol as one table, so each law and fixture test is
// written once and run for both.
import fc from 'fast-check';
import type { DecodeError } from '@ace-rx/codec';
import { decodeClientMessage, decodeEngineMessage, encodeClientMessage, encodeEngineMessage, type ClientMessage, type EngineMessage } from '@ace-rx/codec';
import { clientMessageArbitraries, engineMessageArbitraries } from '@ace-rx/codec/arbitraries';
import { clientFixtures, engineFixtures, malformedClientLines, malformedEngineLines, type Fixture, type Malformed } from './fixtures.js';

type Message = EngineMessage | ClientMessage;

export interface Direction {
  readonly name: string;
  readonly decode: (line: string) => { _tag: 'Left'; left: DecodeError } | { _tag: 'Right'; right: Message };
  readonly encode: (message: Message) => string;
  readonly fixtures: readonly Fixture<Message>[];
  readonly malformed: readonly Malformed[];
  readonly arbitraries: Readonly<Record<string, fc.Arbitrary<Message>>>;
}

export const DIRECTIONS: readonly Direction[] = [
  {
    name: 'engine → client',
    decode: decodeEngineMessage,
    encode: (m) => encodeEngineMessage(m as EngineMessage),
    fixtures: engineFixtures,
    malformed: malformedEngineLines,
    arbitraries: engineMessageArbitraries as unknown as Record<string, fc.Arbitrary<Message>>,
  },
  {
    name: 'client → engine',
    decode: decodeClientMessage,
    encode: (m) => encodeClientMessage(m as ClientMessage),
    fixtures: clientFixtures,
    malformed: malformedClientLines,
    arbitraries: clientMessageArbitraries as unknown as Record<string, fc.Arbitrary<Message>>,
  },
];
